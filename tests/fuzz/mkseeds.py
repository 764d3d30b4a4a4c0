#!/usr/bin/env python3
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

"""Write the seed corpora of the harnesses in tests/fuzz/.

Usage: mkseeds.py OUTDIR

OUTDIR/<harness>/ gets a few inputs each: valid messages of every shape
the parser accepts (written here from PROTOCOL.resilient, the rtnetlink
ABI and 4.4BSD's routing messages, not by our encoders) and some that
are just wrong.  The fuzzer starts from these.
"""

import hashlib
import os
import struct
import sys

U64_MAX = (1 << 64) - 1

# PROTOCOL.resilient, section 6 and the message formats of 2.2 and 3.1
TOKEN_LEN = 32
# Share lengths of the resume exchanges: X25519, ECDH P-256, P-384,
# P-521 (uncompressed points), sntrup761x25519, mlkem768x25519
SHARE_LENS = (32, 65, 97, 133, 1190, 1216)
MAC_LENS = (32, 48, 64)


def u8(v):
    return struct.pack(">B", v)


def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v & U64_MAX)


def string(b):
    return u32(len(b)) + b


def fill(n, seed):
    """n bytes that differ with seed"""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s/%d" % (seed.encode(), i)).digest()
        i += 1
    return out[:n]


class Corpus:
    def __init__(self, top, name):
        self.dir = os.path.join(top, name)
        os.makedirs(self.dir, exist_ok=True)
        self.n = 0

    def add(self, data):
        path = os.path.join(self.dir, "seed-%03d" % self.n)
        with open(path, "wb") as f:
            f.write(data)
        self.n += 1


def msg_counter(c):
    for v in (0, 1, 0x7fffffffffffffff, 1 << 63, U64_MAX):
        c.add(u64(v))
    c.add(b"")
    c.add(u64(5)[:7])
    c.add(u64(5) + b"\0")


def reconnect(token_len, share_len, nxt, mac_len):
    return (string(fill(token_len, "token")) +
            string(fill(share_len, "share%d" % share_len)) + u64(nxt) +
            string(fill(mac_len, "mac")))


def msg_reconnect(c):
    for i, share_len in enumerate(SHARE_LENS):
        c.add(reconnect(TOKEN_LEN, share_len, i * 1000,
                        MAC_LENS[i % len(MAC_LENS)]))
    good = reconnect(TOKEN_LEN, 32, 7, 32)
    c.add(good[:-1])                              # short by a byte
    c.add(good + b"\0")                           # one byte too many
    c.add(reconnect(TOKEN_LEN - 1, 32, 7, 32))    # token too short
    c.add(reconnect(TOKEN_LEN, 31, 7, 32))        # share too short
    c.add(reconnect(TOKEN_LEN, 32, 7, 65))        # MAC too long
    c.add(u32(TOKEN_LEN) + fill(TOKEN_LEN, "token") + u32(0xffffffff))


def reply(share_len, nxt, mac_len):
    return (string(fill(share_len, "share%d" % share_len)) + u64(nxt) +
            string(fill(mac_len, "mac")))


def msg_reply(c):
    for i, share_len in enumerate(SHARE_LENS):
        c.add(reply(share_len, U64_MAX - i, MAC_LENS[i % len(MAC_LENS)]))
    good = reply(32, 0, 64)
    c.add(good[:-1])
    c.add(good + b"\0")
    c.add(reply(2049, 0, 32))                     # share too long
    c.add(reply(32, 0, 31))                       # MAC too short


HARNESSES = {
    "fuzz_msg_counter": msg_counter,
    "fuzz_msg_reconnect": msg_reconnect,
    "fuzz_msg_reply": msg_reply,
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkseeds.py OUTDIR")
    for name, gen in HARNESSES.items():
        gen(Corpus(sys.argv[1], name))


if __name__ == "__main__":
    main()
