#!/usr/bin/python3
# Copyright (c) 2026 The resilient-ssh authors.  ISC licence: see LICENCE.
"""Loopback echo server for the interop matrix's port-forwarding cells.

Usage: echo_server.py PORTFILE [LIFETIME]

Binds 127.0.0.1 on a port the kernel picks, writes that port to PORTFILE
(atomically, so a reader never sees a partial number), then echoes every
byte of every connection back to its sender.  It exits by itself after
LIFETIME seconds (default 600), so a forgotten instance cannot linger.
"""
import os
import signal
import socket
import sys
import threading


def serve(conn):
    with conn:
        conn.settimeout(120)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    portfile = sys.argv[1]
    lifetime = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(lifetime)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, portfile)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
