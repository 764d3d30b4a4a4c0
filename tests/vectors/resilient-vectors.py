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

"""Test vectors of PROTOCOL.resilient Appendix A, from sections 3.1 and 4.

Written from the text of the specification, independently of the C
implementation.  The key derivation uses nothing but hashlib and hmac;
the resume exchange E of section 3.1 (its shares Q_C and Q_S and its
shared secret K_e) comes from python3-cryptography, from fixed private
keys that the appendix lists among the inputs.

  resilient-vectors.py --text    Appendix A from "A.2 SHA-256 (HLEN 32)"
                                 to its end, as PROTOCOL.resilient has it
  resilient-vectors.py --header  a C header with every input and output
"""

import hashlib
import hmac
import sys
import textwrap

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519

# Section 4 labels: ASCII, no NUL, no length prefix.
LABEL_RESUME = b"resilient-v01 resume"
LABEL_RATCHET = b"resilient-v01 ratchet"
LABEL_TOKEN = b"resilient-v01 token"
LABEL_CLIENT = b"resilient-v01 client"
LABEL_SERVER = b"resilient-v01 server"
LABEL_KEY = b"resilient-v01 key"
TOKEN_LEN = 32
SHARE_MIN = 32          # section 3.1: Q_C and Q_S are 32 to 2048 bytes
SHARE_MAX = 2048
SSH_MSG_KEXINIT = 20

HASH_NAMES = {32: "SHA-256", 48: "SHA-384", 64: "SHA-512"}


# --- RFC 4251 section 5 encodings -------------------------------------------

def uint32(n):
    return n.to_bytes(4, "big")


def uint64(n):
    return n.to_bytes(8, "big")


def string(b):
    return uint32(len(b)) + b


def mpint(magnitude):
    """mpint of a non-negative number given as its big-endian bytes."""
    b = magnitude.lstrip(b"\0")
    if b and b[0] & 0x80:
        b = b"\0" + b
    return string(b)


# --- Section 3.1: the resume exchange E -------------------------------------
#
# Each class runs both sides of E from fixed private keys and returns
# (Q_C, Q_S, K_e): the shares with the wire format of the method's client
# and server values, and the shared secret encoded as the method encodes
# K in its exchange hash and key derivation.

class X25519:
    """curve25519-sha256 (RFC 8731): Q_C and Q_S are the 32-byte public
    values; the 32 bytes of the X25519 output are read as an unsigned
    fixed-length integer in network byte order (RFC 8731 section 3.1),
    and K is that integer as an mpint."""

    method = "curve25519-sha256"
    kind = "X25519"
    key_len = 32

    @staticmethod
    def run(priv_c, priv_s):
        c = x25519.X25519PrivateKey.from_private_bytes(priv_c)
        s = x25519.X25519PrivateKey.from_private_bytes(priv_s)
        raw = serialization.Encoding.Raw
        fmt = serialization.PublicFormat.Raw
        q_c = c.public_key().public_bytes(raw, fmt)
        q_s = s.public_key().public_bytes(raw, fmt)
        x_c = c.exchange(x25519.X25519PublicKey.from_public_bytes(q_s))
        x_s = s.exchange(x25519.X25519PublicKey.from_public_bytes(q_c))
        assert x_c == x_s and len(x_c) == 32
        return q_c, q_s, mpint(x_c)


class EcdhP384:
    """ecdh-sha2-nistp384 (RFC 5656): Q_C and Q_S are uncompressed SEC1
    points (04 || x || y), K is the x-coordinate of the shared point as
    an mpint (RFC 5656 section 4)."""

    method = "ecdh-sha2-nistp384"
    kind = "P384"
    key_len = 48
    # the order n of the base point of P-384 (FIPS 186-4, D.1.2.4)
    order = int("ffffffffffffffffffffffffffffffffffffffffffffffff"
                "c7634d81f4372ddf581a0db248b0a77aecec196accc52973", 16)

    @classmethod
    def run(cls, priv_c, priv_s):
        curve = ec.SECP384R1()
        d_c = int.from_bytes(priv_c, "big")
        d_s = int.from_bytes(priv_s, "big")
        assert 0 < d_c < cls.order and 0 < d_s < cls.order
        c = ec.derive_private_key(d_c, curve)
        s = ec.derive_private_key(d_s, curve)
        enc = serialization.Encoding.X962
        fmt = serialization.PublicFormat.UncompressedPoint
        q_c = c.public_key().public_bytes(enc, fmt)
        q_s = s.public_key().public_bytes(enc, fmt)
        # each side takes the other's point from its wire form
        x_c = c.exchange(ec.ECDH(),
                         ec.EllipticCurvePublicKey.from_encoded_point(
                             curve, q_s))
        x_s = s.exchange(ec.ECDH(),
                         ec.EllipticCurvePublicKey.from_encoded_point(
                             curve, q_c))
        assert x_c == x_s and len(x_c) == 48
        assert len(q_c) == 1 + 2 * 48 and q_c[0] == 4
        return q_c, q_s, mpint(x_c)


# --- Section 4 --------------------------------------------------------------

class Kdf:
    def __init__(self, hashname):
        self.name = hashname

    def hash(self, *parts):
        return hashlib.new(self.name, b"".join(parts)).digest()

    def hmac(self, key, *parts):
        return hmac.new(key, b"".join(parts), self.name).digest()

    # 4.1: R = HASH(K || H || "resilient-v01 resume" || session_id)
    def resume_secret(self, k, h, session_id):
        return self.hash(k, h, LABEL_RESUME, session_id)

    # 4.2: R' = HASH(K' || H' || "resilient-v01 ratchet" || R)
    def ratchet(self, k, h, r):
        return self.hash(k, h, LABEL_RATCHET, r)

    # 4.3: token = first 32 bytes of HMAC(R, "resilient-v01 token")
    def token(self, r):
        return self.hmac(r, LABEL_TOKEN)[:TOKEN_LEN]

    # 4.3: T_C = string(V_C) || string(V_S) || string(I_C) ||
    # string(I_S) || string(token) || string(Q_C) || uint64(next_C),
    # I_C and I_S starting with the message type byte 20
    @staticmethod
    def transcript_client(v_c, v_s, kexinit_c, kexinit_s, token, q_c,
                          next_c):
        i_c = bytes([SSH_MSG_KEXINIT]) + kexinit_c
        i_s = bytes([SSH_MSG_KEXINIT]) + kexinit_s
        return (string(v_c) + string(v_s) + string(i_c) + string(i_s) +
                string(token) + string(q_c) + uint64(next_c))

    # 4.3: T_S = T_C || string(client_mac) || string(Q_S) ||
    # uint64(next_S)
    @staticmethod
    def transcript_server(t_c, cmac, q_s, next_s):
        return t_c + string(cmac) + string(q_s) + uint64(next_s)

    # 4.3: client_mac = HMAC(R, "resilient-v01 client" || T_C)
    def client_mac(self, r, t_c):
        return self.hmac(r, LABEL_CLIENT, t_c)

    # 4.3: server_mac = HMAC(R, "resilient-v01 server" || T_S)
    def server_mac(self, r, t_s):
        return self.hmac(r, LABEL_SERVER, t_s)

    # 4.4: Hr = HASH(T_S || string(server_mac))
    def reconnect_hash(self, t_s, smac):
        return self.hash(t_s, string(smac))

    # 4.4: M = HASH(string(R) || K_e || Hr || "resilient-v01 key")
    def resume_key(self, r, k_e, hr):
        return self.hash(string(r), k_e, hr, LABEL_KEY)

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
# The counters of RECONNECT and RECONNECT_REPLY (section 3.1)
NEXT_C = 0x0102030405060708
NEXT_S = 0xfffffffffffffffe


def counting(start, n):
    """The n bytes start, start + 1, ..."""
    assert 0 <= start and start + n <= 0x100
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


# One session per hash: the initial key exchange (K, H) by the method
# "initial", one rekey (K', H'), one reconnect with the resume exchange
# "e" of section 3.1, and the ratchet after it.  "k" and "k2" are
# (encoding, first byte, length) of the secret's magnitude, "h" and "h2"
# (first byte, length) of the exchange hashes, "xc" and "xs" the first
# byte of E's client and server private keys, counting up for as many
# bytes as E's private keys have; "initial_note" says why section 3.1
# gives that E, where the method's name does not.
SESSIONS = [
    dict(bits=256, name="sha256", initial="curve25519-sha256", e=X25519,
         k=("mpint", 0x80, 32), h=(0x00, 32),
         k2=("mpint", 0x40, 32), h2=(0xa0, 32),
         xc=0x20, xs=0x60),
    dict(bits=384, name="sha384", initial="ecdh-sha2-nistp384", e=EcdhP384,
         k=("mpint", 0xc0, 48), h=(0x00, 48),
         k2=("string", 0x40, 64), h2=(0xa0, 64),
         xc=0x20, xs=0x60),
    dict(bits=512, name="sha512", initial="diffie-hellman-group16-sha512",
         initial_note="a finite-field Diffie-Hellman method", e=X25519,
         k=("mpint", 0x80, 64), h=(0x00, 64),
         k2=("mpint", 0x40, 32), h2=(0xa0, 32),
         xc=0x40, xs=0x80),
]


def run_session(s):
    """Every input and output of one vector, in the appendix's order."""
    kdf = Kdf(s["name"])
    e = s["e"]
    hlen = hashlib.new(s["name"]).digest_size
    v = dict(bits=s["bits"], hlen=hlen, initial=s["initial"],
             initial_note=s.get("initial_note"), e=e)

    v["k"], v["k_desc"] = encoded_secret(*s["k"])
    v["h"] = counting(*s["h"])
    v["k2"], v["k2_desc"] = encoded_secret(*s["k2"])
    v["h2"] = counting(*s["h2"])
    v["h_desc"] = "the %d bytes %s" % (s["h"][1], span(*s["h"]))
    v["h2_desc"] = "the %d bytes %s" % (s["h2"][1], span(*s["h2"]))
    if s["h2"][1] != hlen:
        v["h2_desc"] += " (a %s rekey)" % HASH_NAMES[s["h2"][1]]
    v["priv_c"] = counting(s["xc"], e.key_len)
    v["priv_s"] = counting(s["xs"], e.key_len)
    v["priv_c_desc"] = "the %d bytes %s" % (e.key_len,
                                            span(s["xc"], e.key_len))
    v["priv_s_desc"] = "the %d bytes %s" % (e.key_len,
                                            span(s["xs"], e.key_len))
    session_id = v["h"]  # the initial exchange's H

    v["r0"] = kdf.resume_secret(v["k"], v["h"], session_id)
    v["token0"] = kdf.token(v["r0"])
    v["r1"] = kdf.ratchet(v["k2"], v["h2"], v["r0"])
    v["token1"] = kdf.token(v["r1"])

    # The reconnect proves r1, the R the client holds after the rekey.
    v["qc"], v["qs"], v["ke"] = e.run(v["priv_c"], v["priv_s"])
    assert SHARE_MIN <= len(v["qc"]) <= SHARE_MAX
    assert SHARE_MIN <= len(v["qs"]) <= SHARE_MAX
    v["ke_desc"] = ""
    if v["ke"][4] == 0:
        v["ke_desc"] = " (leading 00 added)"
    elif len(v["ke"]) < 4 + e.key_len:
        v["ke_desc"] = " (leading 00 bytes dropped)"
    v["tc"] = kdf.transcript_client(V_C, V_S, KEXINIT_C, KEXINIT_S,
                                    v["token1"], v["qc"], NEXT_C)
    v["client_mac"] = kdf.client_mac(v["r1"], v["tc"])
    v["ts"] = kdf.transcript_server(v["tc"], v["client_mac"], v["qs"],
                                    NEXT_S)
    v["server_mac"] = kdf.server_mac(v["r1"], v["ts"])
    v["hr"] = kdf.reconnect_hash(v["ts"], v["server_mac"])
    v["m"] = kdf.resume_key(v["r1"], v["ke"], v["hr"])
    v["km"] = string(v["m"])
    v["iva"] = kdf.derive(v["km"], v["hr"], b"A", session_id, hlen)
    v["r2"] = kdf.ratchet(v["km"], v["hr"], v["r1"])
    v["token2"] = kdf.token(v["r2"])
    return v


# --- Output -----------------------------------------------------------------

def hexlines(b):
    x = b.hex()
    return ["\t    " + x[i:i + 64] for i in range(0, len(x), 64)]


# How each kind of E makes its values, after "so E is <method>"
E_TEXT = {
    "X25519": "its private keys are the 32-byte scalars given to X25519 "
              "(RFC\xa07748), which clamps them; Q_C and Q_S are the 32-byte "
              "public values, and K_e is the X25519 output read as a "
              "big-endian integer (RFC\xa08731 section\xa03.1), as an mpint.",
    "P384": "its private keys are scalars below the order of P-384, as "
            "48 big-endian bytes; Q_C and Q_S are uncompressed points "
            "(04,\xa0x,\xa0y), and K_e is the x-coordinate of the shared point "
            "as an mpint (RFC\xa05656).",
}


def paragraph(s):
    """Lines of s, at most 72 columns; no break at a no-break space."""
    lines = textwrap.wrap(s, width=72, break_long_words=False,
                          break_on_hyphens=False)
    return [line.replace("\xa0", " ") for line in lines]


def text(vectors):
    out = []
    for n, v in enumerate(vectors, start=2):
        e = v["e"]
        out += ["A.%d %s (HLEN %d)" % (n, HASH_NAMES[v["hlen"]], v["hlen"]),
                ""]
        initial = v["initial"] + ","
        if v["initial_note"]:
            initial += " " + v["initial_note"] + ","
        out += paragraph("The initial key exchange method is %s so E is "
                         "%s: %s" % (initial, e.method, E_TEXT[e.kind]))
        out += ["", "Inputs:", ""]
        for label, key in [
                ("K, " + v["k_desc"], "k"),
                ("H = session_id, " + v["h_desc"], "h"),
                ("K' of the rekey, " + v["k2_desc"], "k2"),
                ("H' of the rekey, " + v["h2_desc"], "h2"),
                ("E's client private key, " + v["priv_c_desc"], "priv_c"),
                ("E's server private key, " + v["priv_s_desc"],
                 "priv_s")]:
            out += ["\t%s:" % label] + hexlines(v[key])
        out += ["", "Outputs:", ""]
        for label, key in [
                ("R (4.1)", "r0"),
                ("token of R", "token0"),
                ("R' after the rekey (4.2)", "r1"),
                ("token of R', sent in the RECONNECT (4.3)", "token1"),
                ("Q_C, E's client share (3.1)", "qc"),
                ("Q_S, E's server share", "qs"),
                ("K_e, mpint of E's shared secret" + v["ke_desc"], "ke"),
                ("T_C (4.3)", "tc"),
                ("client_mac", "client_mac"),
                ("T_S (4.3)", "ts"),
                ("server_mac", "server_mac"),
                ("Hr (4.4)", "hr"),
                ("M (4.4)", "m"),
                ("string(M), the K of the new connection's keys", "km"),
                ("Initial IV client to server (4.4, letter \"A\")", "iva"),
                ("R'' after the reconnect (4.2, K' = string(M), H' = Hr)",
                 "r2"),
                ("token of R''", "token2")]:
            out += ["\t%s:" % label] + hexlines(v[key])
        out.append("")
    return "\n".join(out[:-1]) + "\n"


INPUTS = ["k", "h", "k2", "h2", "priv_c", "priv_s"]
OUTPUTS = ["r0", "token0", "r1", "token1", "qc", "qs", "ke", "tc",
           "client_mac", "ts", "server_mac", "hr", "m", "km", "iva", "r2",
           "token2"]

HEADER_TOP = """\
/* Generated by tests/vectors/resilient-vectors.py --header: do not edit. */

/*
 * Test vectors of PROTOCOL.resilient Appendix A, computed from its
 * sections 3.1 and 4 by an independent Python script (hashlib and hmac;
 * python3-cryptography for the resume exchange E).
 *
 * Include <sys/types.h> (for u_char) and <stddef.h> first.
 *
 * Common inputs: RESILIENT_VEC_V_C and RESILIENT_VEC_V_S (C strings, no
 * CR/LF), vec_kexinit_c and vec_kexinit_s (KEXINIT payloads without the
 * type byte 20, as kex->my and kex->peer hold them), RESILIENT_VEC_NEXT_C
 * and RESILIENT_VEC_NEXT_S (next_C of the RECONNECT, next_S of the
 * RECONNECT_REPLY).
 *
 * For each hash, N = 256, 384 or 512, arrays vecN_<name>:
 *	k, h		K (encoded: mpint or string) and H = session_id of
 *			the initial key exchange
 *	k2, h2		K' (encoded) and H' of the rekey
 *	priv_c, priv_s	E's client and server private keys: X25519
 *			scalars (32 bytes) or P-384 scalars (48 bytes,
 *			big-endian), as the vector's e_kind says
 *	r0, token0	R (4.1) and its token (4.3)
 *	r1, token1	R' after the rekey (4.2) and its token
 *	qc, qs		Q_C and Q_S, E's client and server shares (3.1)
 *	ke		K_e, E's shared secret as an mpint
 *	tc		T_C (4.3) with token1, qc and next_C
 *	client_mac	HMAC(r1, "resilient-v01 client" || tc)
 *	ts		T_S = tc || string(client_mac) || string(qs) ||
 *			uint64(next_S)
 *	server_mac	HMAC(r1, "resilient-v01 server" || ts)
 *	hr		Hr = HASH(ts || string(server_mac)) (4.4)
 *	m		M = HASH(string(r1) || ke || hr || "resilient-v01 key")
 *	km		string(m), the K of the new connection's keys
 *	iva		HASH(km || hr || "A" || h), the initial IV client
 *			to server, HLEN bytes
 *	r2, token2	R'' = ratchet with K' = km, H' = hr, and its token
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
    out.append('#define RESILIENT_VEC_V_S\t"%s"' % V_S.decode())
    out.append("#define RESILIENT_VEC_NEXT_C\t0x%016xULL" % NEXT_C)
    out.append("#define RESILIENT_VEC_NEXT_S\t0x%016xULL\n" % NEXT_S)
    out.append("/* e_kind: the resume exchange E of the vector */")
    out.append("#define RESILIENT_VEC_E_X25519\t1\t/* curve25519-sha256 */")
    out.append("#define RESILIENT_VEC_E_P384\t2\t/* ecdh-sha2-nistp384 */\n")
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
    out.append("\tconst char *initial_method;")
    out.append("\tconst char *e_method;")
    out.append("\tint e_kind;\t\t/* RESILIENT_VEC_E_* */")
    for key in INPUTS + OUTPUTS:
        out.append("\tconst u_char *%s;" % key)
        out.append("\tsize_t %s_len;" % key)
    out.append("};\n")
    out.append("static const struct resilient_vector resilient_vectors[] = {")
    for v in vectors:
        out.append("\t{")
        out.append("\t\t%d, %d," % (v["bits"], v["hlen"]))
        out.append('\t\t"%s", "%s",' % (v["initial"], v["e"].method))
        out.append("\t\tRESILIENT_VEC_E_%s," % v["e"].kind)
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
