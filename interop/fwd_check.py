#!/usr/bin/python3
# Copyright (c) 2026 The resilient-ssh authors.  ISC licence: see LICENCE.
"""Send data through a forwarded port and check it comes back byte-exact.

Usage: fwd_check.py PORT [NBYTES] [TIMEOUT]

Connects to 127.0.0.1:PORT (the local end of a -L forward to the echo
server), retrying while the connection is refused until TIMEOUT seconds
(default 20) have passed: the forwarding client opens its listener only
after it has authenticated.  Then it writes NBYTES (default 1 MiB) of
random data while reading the echo, and compares SHA-256 digests.
Exit status 0 when the echo is byte-exact, 1 otherwise.
"""
import hashlib
import os
import socket
import sys
import threading
import time


def main():
    port = int(sys.argv[1])
    nbytes = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    deadline = time.monotonic() + timeout
    payload = os.urandom(nbytes)
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError as e:
            if time.monotonic() > deadline:
                print("fwd_check: cannot connect to port %d: %s" % (port, e))
                return 1
            time.sleep(0.05)
    sock.settimeout(max(1.0, deadline - time.monotonic() + 10))

    def writer():
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            print("fwd_check: send failed: %s" % e)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    got = bytearray()
    try:
        while len(got) <= nbytes:
            data = sock.recv(65536)
            if not data:
                break
            got += data
    except OSError as e:
        print("fwd_check: receive failed after %d bytes: %s" % (len(got), e))
    t.join(5)
    sock.close()
    sent = hashlib.sha256(payload).hexdigest()
    back = hashlib.sha256(got).hexdigest()
    print("fwd_check: sent %d bytes sha256 %s" % (nbytes, sent))
    print("fwd_check: got  %d bytes sha256 %s" % (len(got), back))
    return 0 if sent == back else 1


if __name__ == "__main__":
    sys.exit(main())
