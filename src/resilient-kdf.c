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

#include "includes.h"

#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include "sshbuf.h"
#include "digest.h"
#include "hmac.h"
#include "ssh2.h"
#include "ssherr.h"
#include "resilient-proto.h"
#include "resilient-kdf.h"

/*
 * Key derivation of PROTOCOL.resilient section 4:
 *
 *	R  = HASH(K || H || "resilient-v01 resume" || session_id)	(4.1)
 *	R' = HASH(K' || H' || "resilient-v01 ratchet" || R)		(4.2)
 *	token = first 32 bytes of HMAC(R, "resilient-v01 token")	(4.3)
 *	T_C = string(V_C) || string(V_S) || string(I_C) || string(I_S) ||
 *	    string(token) || string(Q_C) || uint64(next_C)
 *	client_mac = HMAC(R, "resilient-v01 client" || T_C)
 *	T_S = T_C || string(client_mac) || string(Q_S) || uint64(next_S)
 *	server_mac = HMAC(R, "resilient-v01 server" || T_S)
 *	Hr = HASH(T_S || string(server_mac))				(4.4)
 *	M = HASH(string(R) || K_e || Hr || "resilient-v01 key")
 *
 * K is hashed exactly as the caller's buffer holds it (already an mpint
 * or string), as derive_key() in kex.c does. H and session_id are raw
 * bytes. I_C and I_S are the KEXINIT payloads with their type byte 20;
 * callers pass upstream's kex->my and kex->peer, which lack it, and the
 * transcript adds it back as kex_gen_hash() does. Labels are hashed
 * without length prefix or NUL.
 *
 * Every result is built in a local buffer, copied out only on success, and
 * the local copy is wiped, so outputs may alias inputs.
 */

/* Return HLEN for a supported hash_alg, or 0 */
static size_t
kdf_hlen(int hash_alg)
{
	size_t hlen;

	switch (hash_alg) {
	case SSH_DIGEST_SHA256:
	case SSH_DIGEST_SHA384:
	case SSH_DIGEST_SHA512:
		break;
	default:
		return 0;
	}
	hlen = ssh_digest_bytes(hash_alg);
	if (hlen < RESILIENT_MAC_MIN || hlen > RESILIENT_MAC_MAX ||
	    hlen > SSH_DIGEST_MAX_LENGTH)
		return 0;
	return hlen;
}

/* Returns 1 if len is the HLEN of some supported hash_alg */
static int
kdf_valid_secret_len(size_t len)
{
	return (len == kdf_hlen(SSH_DIGEST_SHA256) ||
	    len == kdf_hlen(SSH_DIGEST_SHA384) ||
	    len == kdf_hlen(SSH_DIGEST_SHA512));
}

/* Returns 1 if s is a version string that may enter the transcript */
static int
kdf_valid_version(const char *s)
{
	return *s != '\0' && strcspn(s, "\r\n") == strlen(s);
}

/* Feed string(p) to a digest */
static int
kdf_digest_string(struct ssh_digest_ctx *ctx, const u_char *p, size_t len)
{
	u_char lenbuf[4];

	POKE_U32(lenbuf, len);
	if (ssh_digest_update(ctx, lenbuf, sizeof(lenbuf)) != 0 ||
	    ssh_digest_update(ctx, p, len) != 0)
		return SSH_ERR_LIBCRYPTO_ERROR;
	return 0;
}

/* Feed string(p) to an HMAC */
static int
kdf_hmac_string(struct ssh_hmac_ctx *ctx, const u_char *p, size_t len)
{
	u_char lenbuf[4];

	POKE_U32(lenbuf, len);
	if (ssh_hmac_update(ctx, lenbuf, sizeof(lenbuf)) != 0 ||
	    ssh_hmac_update(ctx, p, len) != 0)
		return SSH_ERR_LIBCRYPTO_ERROR;
	return 0;
}

/* out = HASH(K || H || label || tail); outlen is HLEN */
static int
kdf_hash_secret(int hash_alg, const struct sshbuf *shared_secret,
    const u_char *hash, size_t hashlen, const char *label,
    const u_char *tail, size_t taillen, u_char *out, size_t outlen)
{
	struct ssh_digest_ctx *ctx = NULL;
	u_char digest[SSH_DIGEST_MAX_LENGTH];
	int r;

	if ((ctx = ssh_digest_start(hash_alg)) == NULL ||
	    ssh_digest_update_buffer(ctx, shared_secret) != 0 ||
	    ssh_digest_update(ctx, hash, hashlen) != 0 ||
	    ssh_digest_update(ctx, label, strlen(label)) != 0 ||
	    ssh_digest_update(ctx, tail, taillen) != 0 ||
	    ssh_digest_final(ctx, digest, outlen) != 0) {
		r = SSH_ERR_LIBCRYPTO_ERROR;
		goto out;
	}
	memcpy(out, digest, outlen);
	r = 0;
 out:
	explicit_bzero(digest, sizeof(digest));
	ssh_digest_free(ctx);
	return r;
}

/*
 * out = first outlen bytes of HMAC(key, label || t || string(extra)).
 * t may be NULL and extra may be NULL, and then are left out.
 */
static int
kdf_hmac(int hash_alg, const u_char *key, size_t keylen, const char *label,
    const struct sshbuf *t, const u_char *extra, size_t extralen,
    u_char *out, size_t outlen)
{
	struct ssh_hmac_ctx *ctx = NULL;
	u_char mac[SSH_DIGEST_MAX_LENGTH];
	size_t hlen;
	int r;

	if ((hlen = kdf_hlen(hash_alg)) == 0 || outlen > hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((ctx = ssh_hmac_start(hash_alg)) == NULL ||
	    ssh_hmac_init(ctx, key, keylen) != 0 ||
	    ssh_hmac_update(ctx, label, strlen(label)) != 0 ||
	    (t != NULL && ssh_hmac_update_buffer(ctx, t) != 0)) {
		r = SSH_ERR_LIBCRYPTO_ERROR;
		goto out;
	}
	if (extra != NULL && (r = kdf_hmac_string(ctx, extra, extralen)) != 0)
		goto out;
	if (ssh_hmac_final(ctx, mac, hlen) != 0) {
		r = SSH_ERR_LIBCRYPTO_ERROR;
		goto out;
	}
	memcpy(out, mac, outlen);
	r = 0;
 out:
	explicit_bzero(mac, sizeof(mac));
	ssh_hmac_free(ctx);
	return r;
}

int
resilient_kdf_resume_secret(int hash_alg, const struct sshbuf *shared_secret,
    const u_char *hash, size_t hashlen, const u_char *session_id,
    size_t session_id_len, u_char *out, size_t outlen)
{
	size_t hlen;

	if (shared_secret == NULL || hash == NULL || session_id == NULL ||
	    out == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	/* H and session_id come from the initial exchange, hashed with HASH */
	if ((hlen = kdf_hlen(hash_alg)) == 0 ||
	    sshbuf_len(shared_secret) == 0 || hashlen != hlen ||
	    session_id_len != hlen || outlen != hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	return kdf_hash_secret(hash_alg, shared_secret, hash, hashlen,
	    RESILIENT_LABEL_RESUME, session_id, session_id_len, out, outlen);
}

int
resilient_kdf_ratchet(int hash_alg, const struct sshbuf *shared_secret,
    const u_char *hash, size_t hashlen, const u_char *r, size_t rlen,
    u_char *out, size_t outlen)
{
	size_t hlen;

	if (shared_secret == NULL || hash == NULL || r == NULL || out == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	/*
	 * A rekey may negotiate a method with another hash, so H' need not
	 * be HLEN long; HASH stays that of the initial exchange.
	 */
	if ((hlen = kdf_hlen(hash_alg)) == 0 ||
	    sshbuf_len(shared_secret) == 0 || hashlen == 0 ||
	    hashlen > SSH_DIGEST_MAX_LENGTH || rlen != hlen || outlen != hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	return kdf_hash_secret(hash_alg, shared_secret, hash, hashlen,
	    RESILIENT_LABEL_RATCHET, r, rlen, out, outlen);
}

int
resilient_kdf_token(int hash_alg, const u_char *r, size_t rlen,
    u_char *token, size_t tokenlen)
{
	size_t hlen;

	if (r == NULL || token == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((hlen = kdf_hlen(hash_alg)) == 0 || rlen != hlen ||
	    tokenlen != RESILIENT_TOKEN_LEN || tokenlen > hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	return kdf_hmac(hash_alg, r, rlen, RESILIENT_LABEL_TOKEN, NULL,
	    NULL, 0, token, tokenlen);
}

static int
kdf_valid_share(const u_char *share, size_t len)
{
	return share != NULL && len >= RESILIENT_SHARE_MIN &&
	    len <= RESILIENT_SHARE_MAX;
}

int
resilient_kdf_transcript(struct sshbuf *t, const char *v_c, const char *v_s,
    const struct sshbuf *kexinit_c, const struct sshbuf *kexinit_s,
    const u_char *token, size_t tokenlen, const u_char *share,
    size_t sharelen, uint64_t next)
{
	struct sshbuf *b = NULL;
	int r;

	if (t == NULL || v_c == NULL || v_s == NULL || kexinit_c == NULL ||
	    kexinit_s == NULL || token == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if (!kdf_valid_version(v_c) || !kdf_valid_version(v_s) ||
	    sshbuf_len(kexinit_c) == 0 || sshbuf_len(kexinit_s) == 0 ||
	    tokenlen != RESILIENT_TOKEN_LEN || !kdf_valid_share(share, sharelen))
		return SSH_ERR_INVALID_ARGUMENT;
	/* Built aside so that t is left as it was on failure */
	if ((b = sshbuf_new()) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((r = sshbuf_put_cstring(b, v_c)) != 0 ||
	    (r = sshbuf_put_cstring(b, v_s)) != 0 ||
	    /* kexinit payloads: fake header len+SSH2_MSG_KEXINIT */
	    (r = sshbuf_put_u32(b, sshbuf_len(kexinit_c) + 1)) != 0 ||
	    (r = sshbuf_put_u8(b, SSH2_MSG_KEXINIT)) != 0 ||
	    (r = sshbuf_putb(b, kexinit_c)) != 0 ||
	    (r = sshbuf_put_u32(b, sshbuf_len(kexinit_s) + 1)) != 0 ||
	    (r = sshbuf_put_u8(b, SSH2_MSG_KEXINIT)) != 0 ||
	    (r = sshbuf_putb(b, kexinit_s)) != 0 ||
	    (r = sshbuf_put_string(b, token, tokenlen)) != 0 ||
	    (r = sshbuf_put_string(b, share, sharelen)) != 0 ||
	    (r = sshbuf_put_u64(b, next)) != 0 ||
	    (r = sshbuf_putb(t, b)) != 0)
		goto out;
	r = 0;
 out:
	sshbuf_free(b);
	return r;
}

int
resilient_kdf_transcript_server(struct sshbuf *t, const u_char *client_mac,
    size_t cmaclen, const u_char *share, size_t sharelen, uint64_t next)
{
	struct sshbuf *b = NULL;
	int r;

	if (t == NULL || client_mac == NULL || sshbuf_len(t) == 0 ||
	    cmaclen < RESILIENT_MAC_MIN || cmaclen > RESILIENT_MAC_MAX ||
	    !kdf_valid_share(share, sharelen))
		return SSH_ERR_INVALID_ARGUMENT;
	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put_string(b, client_mac, cmaclen)) != 0 ||
	    (r = sshbuf_put_string(b, share, sharelen)) != 0 ||
	    (r = sshbuf_put_u64(b, next)) != 0 ||
	    (r = sshbuf_putb(t, b)) != 0)
		goto out;
	r = 0;
 out:
	sshbuf_free(b);
	return r;
}

int
resilient_kdf_client_mac(int hash_alg, const u_char *r, size_t rlen,
    const struct sshbuf *t, u_char *mac, size_t maclen)
{
	size_t hlen;

	if (r == NULL || t == NULL || mac == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((hlen = kdf_hlen(hash_alg)) == 0 || rlen != hlen ||
	    sshbuf_len(t) == 0 || maclen != hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	return kdf_hmac(hash_alg, r, rlen, RESILIENT_LABEL_CLIENT, t,
	    NULL, 0, mac, maclen);
}

int
resilient_kdf_server_mac(int hash_alg, const u_char *r, size_t rlen,
    const struct sshbuf *t_s, u_char *mac, size_t maclen)
{
	size_t hlen;

	if (r == NULL || t_s == NULL || mac == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((hlen = kdf_hlen(hash_alg)) == 0 || rlen != hlen ||
	    sshbuf_len(t_s) == 0 || maclen != hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	return kdf_hmac(hash_alg, r, rlen, RESILIENT_LABEL_SERVER, t_s,
	    NULL, 0, mac, maclen);
}

int
resilient_kdf_reconnect_hash(int hash_alg, const struct sshbuf *t_s,
    const u_char *server_mac, size_t smaclen, u_char *out, size_t outlen)
{
	struct ssh_digest_ctx *ctx = NULL;
	u_char digest[SSH_DIGEST_MAX_LENGTH];
	size_t hlen;
	int r;

	if (t_s == NULL || server_mac == NULL || out == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((hlen = kdf_hlen(hash_alg)) == 0 || sshbuf_len(t_s) == 0 ||
	    smaclen != hlen || outlen != hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((ctx = ssh_digest_start(hash_alg)) == NULL ||
	    ssh_digest_update_buffer(ctx, t_s) != 0) {
		r = SSH_ERR_LIBCRYPTO_ERROR;
		goto out;
	}
	if ((r = kdf_digest_string(ctx, server_mac, smaclen)) != 0)
		goto out;
	if (ssh_digest_final(ctx, digest, hlen) != 0) {
		r = SSH_ERR_LIBCRYPTO_ERROR;
		goto out;
	}
	memcpy(out, digest, outlen);
	r = 0;
 out:
	explicit_bzero(digest, sizeof(digest));
	ssh_digest_free(ctx);
	return r;
}

int
resilient_kdf_resume_key(int hash_alg, const u_char *r, size_t rlen,
    const struct sshbuf *k_e, const u_char *hr, size_t hrlen,
    u_char *out, size_t outlen)
{
	struct ssh_digest_ctx *ctx = NULL;
	u_char digest[SSH_DIGEST_MAX_LENGTH];
	size_t hlen;
	int ret;

	if (r == NULL || k_e == NULL || hr == NULL || out == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((hlen = kdf_hlen(hash_alg)) == 0 || rlen != hlen ||
	    sshbuf_len(k_e) == 0 || hrlen != hlen || outlen != hlen)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((ctx = ssh_digest_start(hash_alg)) == NULL) {
		ret = SSH_ERR_LIBCRYPTO_ERROR;
		goto out;
	}
	if ((ret = kdf_digest_string(ctx, r, rlen)) != 0)
		goto out;
	if (ssh_digest_update_buffer(ctx, k_e) != 0 ||
	    ssh_digest_update(ctx, hr, hrlen) != 0 ||
	    ssh_digest_update(ctx, RESILIENT_LABEL_KEY,
	    strlen(RESILIENT_LABEL_KEY)) != 0 ||
	    ssh_digest_final(ctx, digest, hlen) != 0) {
		ret = SSH_ERR_LIBCRYPTO_ERROR;
		goto out;
	}
	memcpy(out, digest, outlen);
	ret = 0;
 out:
	explicit_bzero(digest, sizeof(digest));
	ssh_digest_free(ctx);
	return ret;
}

int
resilient_kdf_secret_as_k(const u_char *r, size_t rlen, struct sshbuf **kp)
{
	struct sshbuf *b = NULL;
	int ret;

	if (kp != NULL)
		*kp = NULL;
	if (r == NULL || kp == NULL || !kdf_valid_secret_len(rlen))
		return SSH_ERR_INVALID_ARGUMENT;
	if ((b = sshbuf_new()) == NULL) {
		ret = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((ret = sshbuf_put_string(b, r, rlen)) != 0)
		goto out;
	*kp = b;
	b = NULL;
	ret = 0;
 out:
	sshbuf_free(b);
	return ret;
}

int
resilient_kdf_mac_check(const u_char *expected, const u_char *got,
    size_t len)
{
	if (expected == NULL || got == NULL ||
	    len < RESILIENT_MAC_MIN || len > RESILIENT_MAC_MAX)
		return SSH_ERR_INVALID_ARGUMENT;
	if (timingsafe_bcmp(expected, got, len) != 0)
		return SSH_ERR_MAC_INVALID;
	return 0;
}
