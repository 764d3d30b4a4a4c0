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

"""Test vectors of PROTOCOL.resilient Appendix A, from section 4 alone.

Written from the formulas of the specification, independently of the C
implementation, with nothing but hashlib and hmac.

  resilient-vectors.py --text    Appendix A from "A.2 SHA-256 (HLEN 32)"
                                 to its end, as PROTOCOL.resilient has it
  resilient-vectors.py --header  a C header with every input and output
"""

import hashlib
import hmac
import sys

# Section 4 labels: ASCII, no NUL, no length prefix.
LABEL_RESUME = b"resilient-v00 resume"
LABEL_RATCHET = b"resilient-v00 ratchet"
LABEL_TOKEN = b"resilient-v00 token"
LABEL_CLIENT = b"resilient-v00 client"
LABEL_SERVER = b"resilient-v00 server"
TOKEN_LEN = 32
SSH_MSG_KEXINIT = 20

HASH_NAMES = {32: "SHA-256", 48: "SHA-384", 64: "SHA-512"}


# --- RFC 4251 section 5 encodings -------------------------------------------

def uint32(n):
    return n.to_bytes(4, "big")


def string(b):
    return uint32(len(b)) + b


def mpint(magnitude):
    """mpint of a non-negative number given as its big-endian bytes."""
    b = magnitude.lstrip(b"\0")
    if b and b[0] & 0x80:
        b = b"\0" + b
    return string(b)


# --- Section 4 --------------------------------------------------------------

class Kdf:
    def __init__(self, hashname):
        self.name = hashname

    def hash(self, *parts):
        return hashlib.new(self.name, b"".join(parts)).digest()

    def hmac(self, key, *parts):
        return hmac.new(key, b"".join(parts), self.name).digest()

    # 4.1: R = HASH(K || H || "resilient-v00 resume" || session_id)
    def resume_secret(self, k, h, session_id):
        return self.hash(k, h, LABEL_RESUME, session_id)

    # 4.2: R' = HASH(K' || H' || "resilient-v00 ratchet" || R)
    def ratchet(self, k, h, r):
        return self.hash(k, h, LABEL_RATCHET, r)

    # 4.3: token = first 32 bytes of HMAC(R, "resilient-v00 token")
    def token(self, r):
        return self.hmac(r, LABEL_TOKEN)[:TOKEN_LEN]

    # 4.3: T = string(V_C) || string(V_S) || string(I_C) || string(I_S) ||
    # string(token), I_C and I_S starting with the message type byte 20
    @staticmethod
    def transcript(v_c, v_s, kexinit_c, kexinit_s, token):
        i_c = bytes([SSH_MSG_KEXINIT]) + kexinit_c
        i_s = bytes([SSH_MSG_KEXINIT]) + kexinit_s
        return (string(v_c) + string(v_s) + string(i_c) + string(i_s) +
                string(token))

    # 4.3: client_mac = HMAC(R, "resilient-v00 client" || T)
    def client_mac(self, r, t):
        return self.hmac(r, LABEL_CLIENT, t)

    # 4.3: server_mac = HMAC(R, "resilient-v00 server" || T ||
    # string(client_mac))
    def server_mac(self, r, t, cmac):
        return self.hmac(r, LABEL_SERVER, t, string(cmac))

    # 4.4: Hr = HASH(T || string(client_mac) || string(server_mac))
    def reconnect_hash(self, t, cmac, smac):
        return self.hash(t, string(cmac), string(smac))

    # RFC 4253 section 7.2: K1 = HASH(K || H || X || session_id),
    # K2 = HASH(K || H || K1), ..., key = K1 || K2 || ..., cut to need.
    def derive(self, k, h, letter, session_id, need):
        key = self.hash(k, h, letter, session_id)
        while len(key) < need:
            key += self.hash(k, h, key)
        return key[:need]


# --- The vectors of Appendix A ----------------------------------------------

V_C = b"SSH-2.0-OpenSSH_10.0+resilient0.1"
V_S = b"SSH-2.0-OpenSSH_10.0+resilient0.1 server"
KEXINIT_C = bytes(range(0xc0, 0xd0)) + b"kexinit-c"  # no type byte
KEXINIT_S = bytes(range(0xd0, 0xe0)) + b"kexinit-s"


def counting(start, n):
    """The n bytes start, start + 1, ..."""
    return bytes(range(start, start + n))


def span(start, n):
    """Describe counting(start, n) as the appendix does: "80 81 .. 9f"."""
    return "%02x %02x .. %02x" % (start, start + 1, start + n - 1)


def encoded_secret(encoding, start, n):
    """(bytes, description) of a shared secret K, mpint or string."""
    raw = counting(start, n)
    if encoding == "mpint":
        enc = mpint(raw)
        desc = "mpint of the %d bytes %s" % (n, span(start, n))
        if len(enc) > 4 + n:
            desc += " (leading 00 added)"
    else:
        enc = string(raw)
        desc = "string of the %d bytes %s" % (n, span(start, n))
    return enc, desc


# One session per hash: the initial key exchange (K, H), one rekey
# (K', H'), one reconnect and the ratchet after it.  "k" and "k2" are
# (encoding, first byte, length) of the secret's magnitude, "h" and "h2"
# (first byte, length) of the exchange hashes.
SESSIONS = [
    dict(bits=256, name="sha256",
         k=("mpint", 0x80, 32), h=(0x00, 32),
         k2=("mpint", 0x40, 32), h2=(0xa0, 32)),
    dict(bits=384, name="sha384",
         k=("mpint", 0xc0, 48), h=(0x00, 48),
         k2=("string", 0x40, 64), h2=(0xa0, 64)),
    dict(bits=512, name="sha512",
         k=("string", 0x80, 64), h=(0x00, 64),
         k2=("mpint", 0x40, 32), h2=(0xa0, 32)),
]


def run_session(s):
    """Every input and output of one vector, in the appendix's order."""
    kdf = Kdf(s["name"])
    hlen = hashlib.new(s["name"]).digest_size
    v = dict(bits=s["bits"], hlen=hlen)

    v["k"], v["k_desc"] = encoded_secret(*s["k"])
    v["h"] = counting(*s["h"])
    v["k2"], v["k2_desc"] = encoded_secret(*s["k2"])
    v["h2"] = counting(*s["h2"])
    v["h_desc"] = "the %d bytes %s" % (s["h"][1], span(*s["h"]))
    v["h2_desc"] = "the %d bytes %s" % (s["h2"][1], span(*s["h2"]))
    if s["h2"][1] != hlen:
        v["h2_desc"] += " (a %s rekey)" % HASH_NAMES[s["h2"][1]]
    session_id = v["h"]  # the initial exchange's H

    v["r0"] = kdf.resume_secret(v["k"], v["h"], session_id)
    v["token0"] = kdf.token(v["r0"])
    v["r1"] = kdf.ratchet(v["k2"], v["h2"], v["r0"])
    v["token1"] = kdf.token(v["r1"])

    # The reconnect proves r1, the R the client holds after the rekey.
    v["t"] = kdf.transcript(V_C, V_S, KEXINIT_C, KEXINIT_S, v["token1"])
    v["client_mac"] = kdf.client_mac(v["r1"], v["t"])
    v["server_mac"] = kdf.server_mac(v["r1"], v["t"], v["client_mac"])
    v["hr"] = kdf.reconnect_hash(v["t"], v["client_mac"], v["server_mac"])
    v["kr"] = string(v["r1"])
    v["iva"] = kdf.derive(v["kr"], v["hr"], b"A", session_id, hlen)
    v["r2"] = kdf.ratchet(v["kr"], v["hr"], v["r1"])
    v["token2"] = kdf.token(v["r2"])
    return v


# --- Output -----------------------------------------------------------------

def hexlines(b):
    x = b.hex()
    return ["\t    " + x[i:i + 64] for i in range(0, len(x), 64)]


def text(vectors):
    out = []
    for n, v in enumerate(vectors, start=2):
        out += ["A.%d %s (HLEN %d)" % (n, HASH_NAMES[v["hlen"]], v["hlen"]),
                "", "Inputs:", ""]
        for label, key in [
                ("K, " + v["k_desc"], "k"),
                ("H = session_id, " + v["h_desc"], "h"),
                ("K' of the rekey, " + v["k2_desc"], "k2"),
                ("H' of the rekey, " + v["h2_desc"], "h2")]:
            out += ["\t%s:" % label] + hexlines(v[key])
        out += ["", "Outputs:", ""]
        for label, key in [
                ("R (4.1)", "r0"),
                ("token of R", "token0"),
                ("R' after the rekey (4.2)", "r1"),
                ("token of R', sent in the RECONNECT (4.3)", "token1"),
                ("T (4.3)", "t"),
                ("client_mac", "client_mac"),
                ("server_mac", "server_mac"),
                ("Hr (4.4)", "hr"),
                ("string(R'), the K of the new connection's keys", "kr"),
                ("Initial IV client to server (4.4, letter \"A\")", "iva"),
                ("R'' after the reconnect (4.2, K' = string(R'), H' = Hr)",
                 "r2"),
                ("token of R''", "token2")]:
            out += ["\t%s:" % label] + hexlines(v[key])
        out.append("")
    return "\n".join(out[:-1]) + "\n"


INPUTS = ["k", "h", "k2", "h2"]
OUTPUTS = ["r0", "token0", "r1", "token1", "t", "client_mac", "server_mac",
           "hr", "kr", "iva", "r2", "token2"]

HEADER_TOP = """\
/* Generated by tests/vectors/resilient-vectors.py --header: do not edit. */

/*
 * Test vectors of PROTOCOL.resilient Appendix A, computed from the
 * formulas of its section 4 by an independent Python script.
 *
 * Include <sys/types.h> (for u_char) and <stddef.h> first.
 *
 * Common inputs: RESILIENT_VEC_V_C and RESILIENT_VEC_V_S (C strings, no
 * CR/LF), vec_kexinit_c and vec_kexinit_s (KEXINIT payloads without the
 * type byte 20, as kex->my and kex->peer hold them).
 *
 * For each hash, N = 256, 384 or 512, arrays vecN_<name>:
 *	k, h		K (encoded: mpint or string) and H = session_id of
 *			the initial key exchange
 *	k2, h2		K' (encoded) and H' of the rekey
 *	r0, token0	R (4.1) and its token (4.3)
 *	r1, token1	R' after the rekey (4.2) and its token
 *	t		the transcript T (4.3) of the reconnect, with token1
 *	client_mac	HMAC(r1, "resilient-v00 client" || t)
 *	server_mac	HMAC(r1, "resilient-v00 server" || t ||
 *			string(client_mac))
 *	hr		Hr (4.4)
 *	kr		string(r1), the K of the new connection's keys
 *	iva		HASH(kr || hr || "A" || h), the initial IV client
 *			to server, HLEN bytes
 *	r2, token2	R'' = ratchet with K' = kr, H' = hr, and its token
 *
 * resilient_vectors[] lists the same arrays with their lengths, one
 * entry per hash, in the order 256, 384, 512 (RESILIENT_NVECTORS).
 */

#ifndef RESILIENT_VECTORS_H
#define RESILIENT_VECTORS_H
"""


def c_array(name, b):
    lines = ["static const u_char %s[] = {" % name]
    for i in range(0, len(b), 8):
        lines.append("\t" + " ".join("0x%02x," % c for c in b[i:i + 8]))
    lines.append("};")
    return "\n".join(lines) + "\n"


def header(vectors):
    out = [HEADER_TOP]
    out.append('#define RESILIENT_VEC_V_C\t"%s"' % V_C.decode())
    out.append('#define RESILIENT_VEC_V_S\t"%s"\n' % V_S.decode())
    out.append(c_array("vec_kexinit_c", KEXINIT_C))
    out.append(c_array("vec_kexinit_s", KEXINIT_S))
    for v in vectors:
        out.append("/* %s (HLEN %d) */\n" % (HASH_NAMES[v["hlen"]],
                                           v["hlen"]))
        for key in INPUTS + OUTPUTS:
            out.append(c_array("vec%d_%s" % (v["bits"], key), v[key]))
    out.append("struct resilient_vector {")
    out.append("\tint hash_alg_bits;\t/* 256, 384 or 512 */")
    out.append("\tsize_t hlen;")
    for key in INPUTS + OUTPUTS:
        out.append("\tconst u_char *%s;" % key)
        out.append("\tsize_t %s_len;" % key)
    out.append("};\n")
    out.append("static const struct resilient_vector resilient_vectors[] = {")
    for v in vectors:
        out.append("\t{")
        out.append("\t\t%d, %d," % (v["bits"], v["hlen"]))
        for key in INPUTS + OUTPUTS:
            name = "vec%d_%s" % (v["bits"], key)
            out.append("\t\t%s, sizeof(%s)," % (name, name))
        out.append("\t},")
    out.append("};")
    out.append("#define RESILIENT_NVECTORS\t%d\n" % len(vectors))
    out.append("#endif /* RESILIENT_VECTORS_H */")
    return "\n".join(out) + "\n"


def main(argv):
    modes = {"--text": text, "--header": header}
    if len(argv) != 2 or argv[1] not in modes:
        sys.stderr.write("usage: resilient-vectors.py --text | --header\n")
        return 2
    vectors = [run_session(s) for s in SESSIONS]
    sys.stdout.write(modes[argv[1]](vectors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
