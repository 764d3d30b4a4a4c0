#!/usr/bin/python3
# Copyright (c) 2026 The resilient-ssh authors.  ISC licence: see LICENCE.
"""Send a reconnect attempt to an sshd and print how it answers.

Usage: resilient-probe.py PORT [strict|nostrict]
       resilient-probe.py PORT replay|badmac|badtoken FILE

Speaks just enough SSH to reach the reconnect handshake of
PROTOCOL.resilient: version, a KEXINIT listing only the resilient method
(and the strict-KEX marker unless "nostrict"), then RECONNECT with a random
token and MAC.  Everything before NEWKEYS is plaintext, so no crypto is
needed.

With FILE, what the relay's "capture" command recorded from a real
client (its version line, KEXINIT and RECONNECT), the probe sends that
client's version and KEXINIT instead, then its RECONNECT: unchanged
(replay), with one bit of the MAC flipped (badmac), or with a random
token (badtoken).

Prints "DISCONNECT <reason> <description>" or "EOF", and exits 0; any
other answer (a RECONNECT_REPLY: the server accepted) is printed and
exits 1.  Bounded by a 20 s timeout.
"""

import os
import socket
import struct
import sys

NAME = b"resilient-v01@resilient-ssh.invalid"


def string(b):
    return struct.pack(">I", len(b)) + b


def packet(payload):
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + \
        os.urandom(pad)


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_packet(sock):
    length, pad = struct.unpack(">IB", read_exact(sock, 5))
    if length < 5 or length > 65536:
        raise ValueError("bad packet length %d" % length)
    body = read_exact(sock, length - 1)
    return body[:len(body) - pad]


def recorded(path, mode):
    """The recorded client's version line and packets, the last one its
    RECONNECT, changed as mode says (lengths stay the same)."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\n") + 1
    version, rest, packets = data[:end], data[end:], []
    while rest:
        n = 4 + struct.unpack(">I", rest[:4])[0]
        if n < 6 or n > len(rest):
            raise ValueError("%s: truncated packet" % path)
        packets.append(bytearray(rest[:n]))
        rest = rest[n:]
    if not packets or packets[-1][5] != 30:
        raise ValueError("%s: does not end with a RECONNECT" % path)
    # RECONNECT: uint32 len, byte padlen, byte 30, string token (32),
    # string share, uint64 next, string mac, padding
    p = packets[-1]
    share = 10 + 32
    mac = share + 4 + struct.unpack(">I", p[share:share + 4])[0] + 8
    maclen = struct.unpack(">I", p[mac:mac + 4])[0]
    if struct.unpack(">I", p[6:10])[0] != 32 or \
            mac + 4 + maclen + p[4] != len(p):
        raise ValueError("%s: malformed RECONNECT" % path)
    if mode == "badmac":
        p[mac + 4 + maclen - 1] ^= 0x01
    elif mode == "badtoken":
        p[10:42] = os.urandom(32)
    return version, b"".join(bytes(x) for x in packets)


def main():
    port = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "strict"
    strict = mode != "nostrict"
    if mode in ("replay", "badmac", "badtoken"):
        version, client = recorded(sys.argv[3], mode)
    else:
        version, client = b"SSH-2.0-resilient-probe\r\n", None
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(version)
    line = b""
    while not line.startswith(b"SSH-"):
        line = b""
        while not line.endswith(b"\n"):
            line += read_exact(sock, 1)
    kex = NAME + (b",kex-strict-c-v00@openssh.com" if strict else b"")
    lists = [kex, b"ssh-ed25519", b"aes128-ctr", b"aes128-ctr",
             b"hmac-sha2-256", b"hmac-sha2-256", b"none", b"none", b"", b""]
    kexinit = bytes([20]) + os.urandom(16) + \
        b"".join(string(x) for x in lists) + b"\0" + b"\0\0\0\0"
    reconnect = bytes([30]) + string(os.urandom(32)) + \
        string(os.urandom(32)) + struct.pack(">Q", 0) + string(os.urandom(32))
    if client is None:
        client = packet(kexinit) + packet(reconnect)
    sock.sendall(client)
    try:
        while True:
            p = read_packet(sock)
            if p[0] == 20:
                continue		# the server's KEXINIT
            if p[0] == 1:
                reason = struct.unpack(">I", p[1:5])[0]
                dlen = struct.unpack(">I", p[5:9])[0]
                print("DISCONNECT %d %s" % (reason,
                      p[9:9 + dlen].decode("utf-8", "replace")))
                return 0
            print("unexpected message type %d" % p[0])
            return 1
    except EOFError:
        print("EOF")
        return 0


if __name__ == "__main__":
    sys.exit(main())
