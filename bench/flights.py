#!/usr/bin/python3
#
# Copyright (c) 2026 The resilient-ssh authors.
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

"""Count the client's flights of a reconnect, from a capture on loopback.

  flights.py capture PORT SECONDS OUT   (root) record the TCP segments to
                                        and from PORT on lo for SECONDS
  flights.py count OUT                  for every connection in OUT that
                                        carried a reconnect, print how many
                                        flights the client sent from its
                                        SYN to the first segment of the
                                        server that brings more than a
                                        SYNC or an ACK after its NEWKEYS:
                                        replayed or new channel data

A flight is a run of client segments that carry a SYN or data, with no
server segment carrying a SYN or data between them.  Until NEWKEYS the SSH stream
is in clear, so the server's NEWKEYS can be found by parsing it.
"""

import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
MSG_NEWKEYS = 21
MSG_RECONNECT = 30
MIN_DATA = 48  # bytes after NEWKEYS that must be more than SYNC or ACK


def capture(port, seconds, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
        socket.htons(ETH_P_ALL))
    s.bind(("lo", 0))
    s.settimeout(0.2)
    end = time.monotonic() + seconds
    segs = []
    while time.monotonic() < end:
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue  # on lo every frame is seen twice
        ip = frame[14:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:]
        sport, dport = struct.unpack(">HH", tcp[:4])
        if port not in (sport, dport):
            continue
        off = (tcp[12] >> 4) * 4
        flags = tcp[13]
        total = struct.unpack(">H", ip[2:4])[0]
        payload = bytes(ip[ihl + off:total])
        segs.append({"t": time.monotonic(), "c2s": dport == port,
            "conn": sport if dport == port else dport,
            "syn": bool(flags & 2), "data": payload.hex()})
    with open(out, "w") as f:
        json.dump(segs, f)


class Clear:
    """Where the clear part of one direction ends: just after NEWKEYS."""

    def __init__(self):
        self.buf = b""
        self.consumed = 0  # stream offset of buf[0]
        self.version = False
        self.types = []
        self.end = None  # stream offset just after NEWKEYS

    def feed(self, data):
        if self.end is not None:
            return
        self.buf += data
        pos = 0
        while True:
            if not self.version:
                nl = self.buf.find(b"\n", pos)
                if nl < 0:
                    break
                pos, self.version = nl + 1, True
                continue
            if len(self.buf) - pos < 6:
                break
            n = 4 + struct.unpack(">I", self.buf[pos:pos + 4])[0]
            if len(self.buf) - pos < n:
                break
            self.types.append(self.buf[pos + 5])
            pos += n
            if self.types[-1] == MSG_NEWKEYS:
                self.end = self.consumed + pos
                return
        self.consumed += pos
        self.buf = self.buf[pos:]


def count(path):
    with open(path) as f:
        segs = json.load(f)
    conns = {}
    for s in segs:
        conns.setdefault(s["conn"], []).append(s)
    results = []
    for cid, cs in sorted(conns.items(), key=lambda kv: kv[1][0]["t"]):
        if not cs[0]["syn"] or not cs[0]["c2s"]:
            continue  # began before the capture
        c2s, s2c = Clear(), Clear()
        seen = [0, 0]
        flights, last_dir, t0, done = 0, None, cs[0]["t"], None
        reconnect = False
        for s in cs:
            data = bytes.fromhex(s["data"])
            d = 0 if s["c2s"] else 1
            if not data and not s["syn"]:
                continue  # a bare ACK
            if d == 0:
                if last_dir != 0:
                    flights += 1
                last_dir = 0
                c2s.feed(data)
                reconnect |= MSG_RECONNECT in c2s.types
            else:
                last_dir = 1  # the SYN-ACK, or data
                if data:
                    s2c.feed(data)
                    # more than a lone SYNC or ACK (36 bytes) after NEWKEYS
                    if (s2c.end is not None and
                            seen[1] + len(data) - s2c.end > MIN_DATA):
                        done = s["t"]
                        break
            seen[d] += len(data)
        if reconnect and done is not None:
            results.append((flights, (done - t0) * 1000))
    for flights, ms in results:
        print("flights %d first_data_ms %.2f" % (flights, ms))
    return 0 if results else 1


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "capture":
        capture(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "count":
        return count(sys.argv[2])
    print("usage: flights.py capture PORT SECONDS OUT | count OUT",
        file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
