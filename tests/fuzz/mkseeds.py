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
import hmac
import os
import struct
import sys

U64_MAX = (1 << 64) - 1

# PROTOCOL.resilient, section 6 and the message formats of 2.2 and 3.1
TOKEN_LEN = 32
RESILIENT_FRAME_MAX = 64 * 1024
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


# digest.h: SSH_DIGEST_SHA1, _SHA256, _SHA384, _SHA512 and their HLEN
HASHES = ((2, 32), (3, 48), (4, 64), (1, 20))
BUFFER_MIN_MAX = 256 * 1024


def state(offered=1, negotiated=1, active=1, hash_alg=2, kind=1, nid=-1,
          epoch=1, buffer_max=16 * 1024 * 1024, recv_next=0, send_next=0,
          secret_len=32, token_len=TOKEN_LEN):
    """The extension's part of the privsep blob (resilient_state_put)"""
    return (u8(1) + u8(offered) + u8(negotiated) + u8(active) +
            u32(hash_alg) + u32(kind) + u32(nid & 0xffffffff) + u32(epoch) +
            u64(buffer_max) + u64(recv_next) + u64(send_next) +
            string(fill(secret_len, "secret")) +
            string(fill(token_len, "token")))


def state_get(c):
    # what ssh_packet_get_state() puts after it: input, output, then
    # three uint32 (interactive mode and the two QoS values)
    tail = string(b"") + string(b"") + u32(1) + u32(0) + u32(0)
    c.add(u8(0) + tail)
    for i, (alg, hlen) in enumerate(HASHES):
        c.add(state(hash_alg=alg, kind=i % 4 + 1, epoch=i + 1,
                    secret_len=hlen, recv_next=i * 77,
                    send_next=U64_MAX - i) + tail)
    c.add(state(active=0, send_next=99) + tail)
    c.add(state(offered=2, negotiated=0, active=7))
    c.add(state(buffer_max=BUFFER_MIN_MAX - 1))
    c.add(state(buffer_max=1024 * 1024 * 1024 + 1))
    c.add(state(secret_len=65))
    c.add(state(token_len=31))
    c.add(state()[:-1])
    c.add(u8(2))


# linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h
NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
RTM_NEWLINK, RTM_DELLINK = 16, 17
RTM_NEWADDR, RTM_DELADDR = 20, 21
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTM_GETLINK = 18
IFLA_IFNAME, IFLA_MTU, IFLA_WIRELESS = 3, 4, 11
IFA_ADDRESS, IFA_LOCAL = 1, 2
RTA_DST, RTA_OIF, RTA_GATEWAY = 1, 4, 5


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def rtattr(atype, payload):
    """struct rtattr, in host order (little-endian here)"""
    return pad4(struct.pack("<HH", 4 + len(payload), atype) + payload)


def nlmsg(mtype, body, seq=1, pid=0, flags=0):
    """struct nlmsghdr and its body"""
    return pad4(struct.pack("<IHHII", 16 + len(body), mtype, flags, seq, pid) +
                body)


def ifinfomsg(index=2, flags=0x1043):
    return struct.pack("<BBHiII", 0, 0, 1, index, flags, 0)


def ifaddrmsg(family=2, prefixlen=24, index=2):
    return struct.pack("<BBBBI", family, prefixlen, 0, 0, index)


def rtmsg(family=2, dst_len=0, table=254):
    return struct.pack("<BBBBBBBBI", family, dst_len, 0, 0, table, 4, 0, 1,
                       0)


def routemon_netlink(c):
    link = nlmsg(RTM_NEWLINK, ifinfomsg() + rtattr(IFLA_IFNAME, b"eth0\0") +
                 rtattr(IFLA_MTU, struct.pack("<I", 1500)))
    wireless = nlmsg(RTM_NEWLINK, ifinfomsg() + rtattr(IFLA_IFNAME,
                     b"wlan0\0") + rtattr(IFLA_WIRELESS, b"\x08\x00\x15\x8b"))
    addr = nlmsg(RTM_NEWADDR, ifaddrmsg() +
                 rtattr(IFA_ADDRESS, bytes([192, 0, 2, 1])) +
                 rtattr(IFA_LOCAL, bytes([192, 0, 2, 1])))
    addr6 = nlmsg(RTM_DELADDR, ifaddrmsg(family=10, prefixlen=64) +
                  rtattr(IFA_ADDRESS, bytes([0x20, 1, 0xd, 0xb8] + [0] * 11 +
                                            [1])))
    route = nlmsg(RTM_NEWROUTE, rtmsg() + rtattr(RTA_GATEWAY,
                  bytes([192, 0, 2, 254])) + rtattr(RTA_OIF,
                  struct.pack("<I", 2)))
    delroute = nlmsg(RTM_DELROUTE, rtmsg(dst_len=24) +
                     rtattr(RTA_DST, bytes([198, 51, 100, 0])))
    for m in (link, wireless, addr, addr6, route, delroute):
        c.add(m)
    c.add(nlmsg(RTM_DELLINK, ifinfomsg()))
    c.add(nlmsg(NLMSG_OVERRUN, b""))
    c.add(nlmsg(NLMSG_NOOP, b"") + link)
    c.add(nlmsg(NLMSG_ERROR, struct.pack("<i", -1) + nlmsg(RTM_GETLINK, b"")))
    c.add(link + addr + nlmsg(NLMSG_DONE, struct.pack("<i", 0)) + route)
    c.add(link + wireless + addr + addr6 + route + delroute)
    c.add(nlmsg(RTM_NEWROUTE, rtmsg()[:8]))                 # short header
    c.add(link[:-3])                                       # cut short
    c.add(nlmsg(RTM_NEWADDR, ifaddrmsg() + struct.pack("<HH", 2, 1)))
    c.add(nlmsg(99, b"unknown type"))


# 4.4BSD: rtm_msglen (host order), rtm_version, rtm_type
RTM_VERSION = 5
RTSOCK_TYPES = (0x1, 0x2, 0x3, 0x4, 0x6, 0x7, 0xc, 0xd, 0xe, 0x11)


def rtmsg_bsd(mtype, body_len=88, version=RTM_VERSION):
    return struct.pack("<HBB", 4 + body_len, version, mtype) + \
        fill(body_len, "rt%d" % mtype)


def routemon_rtsock(c):
    for t in RTSOCK_TYPES:
        c.add(u8(RTM_VERSION) + rtmsg_bsd(t))
    c.add(u8(RTM_VERSION) + b"".join(rtmsg_bsd(t, 20) for t in RTSOCK_TYPES))
    c.add(u8(4) + rtmsg_bsd(0x1, version=4) + rtmsg_bsd(0x1))
    c.add(u8(RTM_VERSION) + rtmsg_bsd(0xc)[:-1])
    c.add(u8(RTM_VERSION) + struct.pack("<HBB", 3, RTM_VERSION, 1))
    c.add(u8(RTM_VERSION) + b"\x01")


def replay_buffer(c):
    def append(n):
        return u8(0) + struct.pack(">H", n)

    def append8(n):
        return u8(1) + struct.pack(">H", n)

    def ack_near(d):
        return u8(2) + struct.pack(">b", d)

    def ack(v):
        return u8(3) + u64(v)

    def replay_near(d):
        return u8(4) + struct.pack(">b", d)

    def replay(v):
        return u8(5) + u64(v)

    nxt = u8(6)
    c.add(u64(0) + append(10) + append(20) + ack_near(1) + replay_near(0) +
          nxt * 3)
    c.add(u64(U64_MAX - 2) + append(1) * 6 + ack(1) + replay(U64_MAX) +
          nxt * 7)
    c.add(u64(1 << 63) + append8(0x8000) * 4 + append(0xffff) + ack_near(3) +
          append8(0xffff))
    c.add(u64(42) + append(5) * 3 + replay_near(1) + nxt + ack_near(3) + nxt +
          append(5) + nxt)
    c.add(u64(7) + append(0) + ack_near(-1) + ack_near(1) + replay_near(-1) +
          nxt)


def session_input(c):
    recv_next, send_next = 1000, U64_MAX - 7    # as the harness sets up

    def rec(payload):
        return struct.pack(">H", len(payload)) + payload

    def ack(v):
        return rec(u8(200) + u64(v))

    def sync(v):
        return rec(u8(201) + u64(v))

    data = rec(u8(94) + u32(0) + string(b"some channel data"))
    close = rec(u8(97) + u32(0))
    newkeys = rec(u8(21))
    ignore = rec(u8(2) + string(b""))
    ping = rec(u8(192) + string(b"ping"))
    success = rec(u8(52))
    disconnect = rec(u8(1) + u32(11) + string(b"bye") + string(b""))
    # settings: server, resumed, skip 0..3, messages awaiting an ACK
    c.add(u8(0x50) + u8(0) + data + ack(send_next + 2) + data +
          ack(send_next + 5))
    c.add(u8(0x41) + u8(0) + newkeys + data * 3 + close + ack(send_next + 4))
    c.add(u8(0x0a) + u8(3) + sync(recv_next - 2) + data * 3 + ack(send_next))
    c.add(u8(0x03) + u8(1) + data + sync(recv_next) + sync(recv_next))
    c.add(u8(0x82) + u8(7) + sync(recv_next - 9) + data)
    c.add(u8(0x20) + u8(0) + ignore + ping + success + ack(send_next + 3))
    c.add(u8(0x10) + u8(0) + ack(send_next - 1))
    c.add(u8(0x10) + u8(0) + rec(u8(200) + u64(0)[:7]))
    c.add(u8(0xf0) + u8(0) + data * 2 + disconnect + data)


KEX_NAME = b"resilient-v01@resilient-ssh.invalid"
VERSION = b"SSH-2.0-OpenSSH_10.3p1+resilient0.1"


def kexinit(kex, hostkey, enc, mac, comp):
    """A KEXINIT payload after its type byte, as kex->my and kex->peer"""
    lists = (kex, hostkey, enc, enc, mac, mac, comp, comp, b"", b"")
    return (fill(16, "cookie" + kex.decode()) +
            b"".join(string(x) for x in lists) + u8(0) + u32(0))


def attempt_server(c):
    # The client's KEXINIT on a reconnect: the pseudo-method and strict
    # KEX, the rest as the session (resilient_attempt_client)
    cases = (
        (b"chacha20-poly1305@openssh.com", b"hmac-sha2-256-etm@openssh.com",
         b"none"),
        (b"aes128-gcm@openssh.com", b"hmac-sha2-512", b"none"),
        (b"aes256-ctr", b"umac-64-etm@openssh.com", b"zlib@openssh.com"),
        (b"aes128-ctr", b"hmac-sha1", b"none,zlib@openssh.com"),
    )
    server_kex = (b"mlkem768x25519-sha256,curve25519-sha256," + KEX_NAME +
                  b",ext-info-s,kex-strict-s-v00@openssh.com")
    client_kex = KEX_NAME + b",kex-strict-c-v00@openssh.com"
    n = 0
    for settings in range(0, 256, 37):
        enc, mac, comp = cases[n % len(cases)]
        kc = kexinit(client_kex, b"ssh-ed25519", enc, mac, comp)
        ks = kexinit(server_kex, b"ssh-ed25519,rsa-sha2-512",
                     b"chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,"
                     b"aes256-ctr,aes128-ctr",
                     b"hmac-sha2-256-etm@openssh.com,hmac-sha2-512,"
                     b"umac-64-etm@openssh.com,hmac-sha1",
                     b"none,zlib@openssh.com")
        share_len = SHARE_LENS[n % len(SHARE_LENS)]
        # mend: name a token (1..3), put in a share, compute the MAC,
        # and buffer a few messages
        mend = (n % 3 + 1) | 0x04 | 0x08 | ((n * 5 % 16) << 4)
        req = (string(fill(TOKEN_LEN, "token")) +
               string(fill(share_len, "share")) + u64(U64_MAX - n) +
               string(fill(32, "mac")) + string(VERSION) +
               string(VERSION) + string(kc) + string(ks))
        c.add(u8(settings) + u8(mend) + req)
        n += 1
    # as they come, with nothing mended
    c.add(u8(0) + u8(0) + req)
    c.add(u8(0) + u8(0x0c) + req[:-7])


def frame(ftype, body):
    return u8(ftype) + u32(len(body)) + body


def broker_frames(c):
    """Frames from a session's child: REGISTER with (R, token) pairs that
    prove (token = HMAC-SHA256(R, label)), and a forged one, DETACH,
    ATTACH, ENDED (a session that ends detached leaves tombstones), and
    an oversized header."""
    def pair(seed):
        r = fill(32, seed)
        t = hmac.new(r, b"resilient-v01 token", hashlib.sha256).digest()
        return string(r) + string(t[:TOKEN_LEN])
    reg1 = frame(2, pair("r0"))
    reg3 = frame(2, pair("r0") + pair("r1") + pair("r2"))
    forged = frame(2, string(fill(32, "r0")) + string(fill(32, "t")))
    c.add(reg1)
    c.add(reg3 + frame(2, pair("r1") + pair("r2")))
    c.add(reg1 + frame(5, b"") + frame(6, b"") + frame(5, b""))
    c.add(reg1 + forged + reg1)
    c.add(reg3 + frame(5, b"") + u8(2) + u32(RESILIENT_FRAME_MAX + 1))
    c.add(frame(9, b"") + reg1)
    c.add(reg1 + frame(5, b"") + frame(9, u32(6)))
    c.add(reg3 + frame(9, u32(5)) + frame(6, b"") + frame(9, u32(8)))
    c.add(reg1[:7])


HARNESSES = {
    "fuzz_msg_counter": msg_counter,
    "fuzz_msg_reconnect": msg_reconnect,
    "fuzz_msg_reply": msg_reply,
    "fuzz_state_get": state_get,
    "fuzz_routemon_netlink": routemon_netlink,
    "fuzz_routemon_rtsock": routemon_rtsock,
    "fuzz_replay_buffer": replay_buffer,
    "fuzz_attempt_server": attempt_server,
    "fuzz_session_input": session_input,
    "fuzz_broker_frames": broker_frames,
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkseeds.py OUTDIR")
    for name, gen in HARNESSES.items():
        gen(Corpus(sys.argv[1], name))


if __name__ == "__main__":
    main()
