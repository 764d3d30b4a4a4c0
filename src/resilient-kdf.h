/*
 * Copyright (c) 2026 The resilient-ssh authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

#ifndef _RESILIENT_KDF_H
#define _RESILIENT_KDF_H

#include <sys/types.h>

/*
 * Key derivation of the resilient-sessions extension (PROTOCOL.resilient
 * section 4, vectors in its Appendix A). Pure functions without state.
 *
 * hash_alg is the digest (SSH_DIGEST_SHA256, SSH_DIGEST_SHA384 or
 * SSH_DIGEST_SHA512) of the session's initial key exchange; HLEN is
 * ssh_digest_bytes(hash_alg).
 * R, MACs and hashes are exactly HLEN bytes, the token exactly
 * RESILIENT_TOKEN_LEN. Only the H' of a ratchet may be of any length up
 * to SSH_DIGEST_MAX_LENGTH, as a rekey may use another hash.
 * shared_secret holds K already encoded (mpint or string) as upstream
 * passes it to kex_derive_keys(); its bytes are hashed as they are.
 * kexinit_c and kexinit_s are KEXINIT payloads without the type byte
 * (kex->my, kex->peer); the transcript prepends byte 20 as kex_gen_hash()
 * does. Version strings are C strings without CR/LF.
 * Outputs are written only on success. Return 0 or an SSH_ERR_* code.
 */

struct sshbuf;

/* R = HASH(K || H || "resilient-v01 resume" || session_id), H is HLEN */
int resilient_kdf_resume_secret(int hash_alg,
    const struct sshbuf *shared_secret, const u_char *hash, size_t hashlen,
    const u_char *session_id, size_t session_id_len,
    u_char *out, size_t outlen);

/* R' = HASH(K' || H' || "resilient-v01 ratchet" || R); out may alias r */
int resilient_kdf_ratchet(int hash_alg, const struct sshbuf *shared_secret,
    const u_char *hash, size_t hashlen, const u_char *r, size_t rlen,
    u_char *out, size_t outlen);

/* token = first RESILIENT_TOKEN_LEN bytes of HMAC(R, "resilient-v01 token") */
int resilient_kdf_token(int hash_alg, const u_char *r, size_t rlen,
    u_char *token, size_t tokenlen);

/*
 * Append T_C to t: the string() of V_C, V_S, I_C, I_S, token and the
 * client's share Q_C in turn, then uint64(next_C)
 */
int resilient_kdf_transcript(struct sshbuf *t, const char *v_c,
    const char *v_s, const struct sshbuf *kexinit_c,
    const struct sshbuf *kexinit_s, const u_char *token, size_t tokenlen,
    const u_char *share, size_t sharelen, uint64_t next);

/* Extend T_C in t to T_S: string(client_mac), string(Q_S), uint64(next_S) */
int resilient_kdf_transcript_server(struct sshbuf *t,
    const u_char *client_mac, size_t cmaclen, const u_char *share,
    size_t sharelen, uint64_t next);

/* client_mac = HMAC(R, "resilient-v01 client" || T_C) */
int resilient_kdf_client_mac(int hash_alg, const u_char *r, size_t rlen,
    const struct sshbuf *t, u_char *mac, size_t maclen);

/* server_mac = HMAC(R, "resilient-v01 server" || T_S) */
int resilient_kdf_server_mac(int hash_alg, const u_char *r, size_t rlen,
    const struct sshbuf *t_s, u_char *mac, size_t maclen);

/* Hr = HASH(T_S || string(server_mac)) */
int resilient_kdf_reconnect_hash(int hash_alg, const struct sshbuf *t_s,
    const u_char *server_mac, size_t smaclen, u_char *out, size_t outlen);

/*
 * M = HASH(string(R) || K_e || Hr || "resilient-v01 key"): the resume's
 * fresh shared secret K_e (encoded as its method encodes K) mixed with R
 */
int resilient_kdf_resume_key(int hash_alg, const u_char *r, size_t rlen,
    const struct sshbuf *k_e, const u_char *hr, size_t hrlen,
    u_char *out, size_t outlen);

/* Encode string(R) into a fresh sshbuf, the K of the reconnect derivation */
int resilient_kdf_secret_as_k(const u_char *r, size_t rlen,
    struct sshbuf **kp);

/* Constant-time compare of 32..64 bytes: 0, or SSH_ERR_MAC_INVALID */
int resilient_kdf_mac_check(const u_char *expected, const u_char *got,
    size_t len);

#endif /* _RESILIENT_KDF_H */
