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

/*
 * The resilient session key derivation against the vectors that
 * tests/vectors/resilient-vectors.py computes from PROTOCOL.resilient
 * sections 3.1 and 4 (cmocka).  The Makefile generates resilient-vectors.h
 * from the script and checks that the script prints Appendix A as the
 * specification has it, so these are the appendix's values.
 *
 * Each step is fed the vector's own inputs, not the output of the step
 * before, so that a failure names the one function that is wrong;
 * torture_vec_session then runs the whole session as a peer would, each
 * step fed by the one before.
 *
 * The resume exchange E is run with upstream's primitives from the fixed
 * private keys of the appendix: X25519 with crypto_scalarmult_curve25519()
 * and kexc25519_shared_key_ext(), P-384 with libcrypto and kex_ecdh_dec(),
 * and the client's side once more through resilient_share_dec().  The
 * initial IV "A" comes from upstream's kex_derive_keys() with string(M)
 * in place of K.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#if defined(WITH_OPENSSL) && defined(OPENSSL_HAS_ECC) && \
    defined(OPENSSL_HAS_NISTP384)
# include <openssl/bn.h>
# include <openssl/ec.h>
# include <openssl/objects.h>
# define VEC_HAVE_P384
#endif

#include "sshbuf.h"
#include "digest.h"
#include "ssherr.h"
#include "kex.h"
#include "packet.h"
#include "resilient-proto.h"
#include "resilient-kdf.h"
#include "resilient-share.h"

#include "resilient-vectors.h"	/* generated */

#define SENTINEL	0xa5
#define OUTSIZE		(2 * SSH_DIGEST_MAX_LENGTH)

/* smult_curve25519_ref.c; upstream declares it where it calls it */
extern int crypto_scalarmult_curve25519(u_char a[CURVE25519_SIZE],
    const u_char b[CURVE25519_SIZE], const u_char c[CURVE25519_SIZE])
	__attribute__((__bounded__(__minbytes__, 1, CURVE25519_SIZE)))
	__attribute__((__bounded__(__minbytes__, 2, CURVE25519_SIZE)))
	__attribute__((__bounded__(__minbytes__, 3, CURVE25519_SIZE)));

/* Per-test state: a vector and its inputs as sshbufs */
struct vec_ctx {
	const struct resilient_vector *v;
	int alg;
	size_t hlen;
	struct sshbuf *k;		/* K */
	struct sshbuf *k2;		/* K' */
	struct sshbuf *ke;		/* K_e */
	struct sshbuf *km;		/* string(M), K of the reconnect */
	struct sshbuf *qc;		/* Q_C */
	struct sshbuf *qs;		/* Q_S */
	struct sshbuf *kexinit_c;	/* kex->my on the client */
	struct sshbuf *kexinit_s;	/* kex->peer on the client */
	struct sshbuf *tc;		/* T_C */
	struct sshbuf *ts;		/* T_S */
};

static int
alg_of_bits(int bits)
{
	switch (bits) {
	case 256:
		return SSH_DIGEST_SHA256;
	case 384:
		return SSH_DIGEST_SHA384;
	case 512:
		return SSH_DIGEST_SHA512;
	default:
		return -1;
	}
}

static struct sshbuf *
buf_of(const u_char *p, size_t len)
{
	struct sshbuf *b;

	if ((b = sshbuf_new()) == NULL)
		return NULL;
	if (sshbuf_put(b, p, len) != 0) {
		sshbuf_free(b);
		return NULL;
	}
	return b;
}

static int
setup(void **state)
{
	const struct resilient_vector *v = *state;
	struct vec_ctx *ctx;

	if (v == NULL || (ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -1;
	*state = ctx;
	ctx->v = v;
	if ((ctx->alg = alg_of_bits(v->hash_alg_bits)) == -1)
		return -1;
	ctx->hlen = ssh_digest_bytes(ctx->alg);
	ctx->k = buf_of(v->k, v->k_len);
	ctx->k2 = buf_of(v->k2, v->k2_len);
	ctx->ke = buf_of(v->ke, v->ke_len);
	ctx->km = buf_of(v->km, v->km_len);
	ctx->qc = buf_of(v->qc, v->qc_len);
	ctx->qs = buf_of(v->qs, v->qs_len);
	ctx->kexinit_c = buf_of(vec_kexinit_c, sizeof(vec_kexinit_c));
	ctx->kexinit_s = buf_of(vec_kexinit_s, sizeof(vec_kexinit_s));
	ctx->tc = buf_of(v->tc, v->tc_len);
	ctx->ts = buf_of(v->ts, v->ts_len);
	if (ctx->k == NULL || ctx->k2 == NULL || ctx->ke == NULL ||
	    ctx->km == NULL || ctx->qc == NULL || ctx->qs == NULL ||
	    ctx->kexinit_c == NULL || ctx->kexinit_s == NULL ||
	    ctx->tc == NULL || ctx->ts == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct vec_ctx *ctx = *state;

	if (ctx == NULL)
		return 0;
	sshbuf_free(ctx->k);
	sshbuf_free(ctx->k2);
	sshbuf_free(ctx->ke);
	sshbuf_free(ctx->km);
	sshbuf_free(ctx->qc);
	sshbuf_free(ctx->qs);
	sshbuf_free(ctx->kexinit_c);
	sshbuf_free(ctx->kexinit_s);
	sshbuf_free(ctx->tc);
	sshbuf_free(ctx->ts);
	free(ctx);
	*state = NULL;
	return 0;
}

/* out[0..len) equals want, and nothing past it was written */
static void
assert_output(const u_char *out, size_t outsize, const u_char *want,
    size_t wantlen, size_t len)
{
	size_t i;

	assert_int_equal(len, wantlen);
	assert_memory_equal(out, want, len);
	for (i = len; i < outsize; i++)
		assert_int_equal(out[i], SENTINEL);
}

/* b holds exactly want */
static void
assert_buf(const struct sshbuf *b, const u_char *want, size_t wantlen)
{
	assert_non_null(b);
	assert_int_equal(sshbuf_len(b), wantlen);
	assert_memory_equal(sshbuf_ptr(b), want, wantlen);
}

/* The resume exchange E, from the appendix's private keys */

#ifdef VEC_HAVE_P384
/* A P-384 key pair from a fixed big-endian scalar */
static EC_KEY *
p384_key(const u_char *priv, size_t len)
{
	EC_KEY *key = NULL;
	const EC_GROUP *group;
	EC_POINT *pub = NULL;
	BIGNUM *d = NULL;

	if ((key = EC_KEY_new_by_curve_name(NID_secp384r1)) == NULL)
		return NULL;
	group = EC_KEY_get0_group(key);
	if ((d = BN_bin2bn(priv, len, NULL)) == NULL ||
	    (pub = EC_POINT_new(group)) == NULL ||
	    EC_POINT_mul(group, pub, d, NULL, NULL, NULL) != 1 ||
	    EC_KEY_set_private_key(key, d) != 1 ||
	    EC_KEY_set_public_key(key, pub) != 1) {
		EC_KEY_free(key);
		key = NULL;
	}
	EC_POINT_free(pub);
	BN_clear_free(d);
	return key;
}
#endif

/*
 * The share of a private key of E, as kex_c25519_keypair() and
 * kex_ecdh_keypair() put it into kex->client_pub
 */
static struct sshbuf *
e_share(const struct resilient_vector *v, const u_char *priv, size_t len)
{
	static const u_char basepoint[CURVE25519_SIZE] = { 9 };
	u_char pub[CURVE25519_SIZE];
	struct sshbuf *b;
#ifdef VEC_HAVE_P384
	EC_KEY *key;
#endif

	assert_non_null(b = sshbuf_new());
	switch (v->e_kind) {
	case RESILIENT_VEC_E_X25519:
		assert_int_equal(len, CURVE25519_SIZE);
		crypto_scalarmult_curve25519(pub, priv, basepoint);
		assert_int_equal(sshbuf_put(b, pub, sizeof(pub)), 0);
		break;
#ifdef VEC_HAVE_P384
	case RESILIENT_VEC_E_P384:
		assert_non_null(key = p384_key(priv, len));
		assert_int_equal(sshbuf_put_ec(b, EC_KEY_get0_public_key(key),
		    EC_KEY_get0_group(key)), 0);
		assert_int_equal(sshbuf_get_u32(b, NULL), 0);
		EC_KEY_free(key);
		break;
#endif
	default:
		fail_msg("no resume exchange %d", v->e_kind);
	}
	return b;
}

/* K_e of one side of E: its private key and the peer's share */
static struct sshbuf *
e_secret(const struct resilient_vector *v, const u_char *priv, size_t len,
    const struct sshbuf *peer)
{
	struct sshbuf *b = NULL;
#ifdef VEC_HAVE_P384
	struct kex *kex;
#endif

	switch (v->e_kind) {
	case RESILIENT_VEC_E_X25519:
		assert_int_equal(len, CURVE25519_SIZE);
		assert_int_equal(sshbuf_len(peer), CURVE25519_SIZE);
		assert_non_null(b = sshbuf_new());
		assert_int_equal(kexc25519_shared_key_ext(priv,
		    sshbuf_ptr(peer), b, 0), 0);
		break;
#ifdef VEC_HAVE_P384
	case RESILIENT_VEC_E_P384:
		assert_non_null(kex = kex_new());
		assert_non_null(kex->ec_client_key = p384_key(priv, len));
		kex->ec_group = EC_KEY_get0_group(kex->ec_client_key);
		kex->ec_nid = NID_secp384r1;
		assert_int_equal(kex_ecdh_dec(kex, peer, &b), 0);
		kex_free(kex);
		break;
#endif
	default:
		fail_msg("no resume exchange %d", v->e_kind);
	}
	return b;
}

/* As the client completes E in a reconnect: resilient_share_dec() */
static struct sshbuf *
e_secret_client(const struct vec_ctx *ctx, const struct sshbuf *q_s)
{
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *b = NULL;
	struct kex *kex;

	assert_non_null(kex = kex_new());
	switch (v->e_kind) {
	case RESILIENT_VEC_E_X25519:
		assert_int_equal(v->priv_c_len,
		    sizeof(kex->c25519_client_key));
		memcpy(kex->c25519_client_key, v->priv_c, v->priv_c_len);
		assert_int_equal(resilient_share_dec(kex,
		    RESILIENT_SHARE_X25519, 0, ctx->alg, q_s, &b), 0);
		break;
#ifdef VEC_HAVE_P384
	case RESILIENT_VEC_E_P384:
		assert_non_null(kex->ec_client_key = p384_key(v->priv_c,
		    v->priv_c_len));
		kex->ec_group = EC_KEY_get0_group(kex->ec_client_key);
		assert_int_equal(resilient_share_dec(kex,
		    RESILIENT_SHARE_ECDH, NID_secp384r1, ctx->alg, q_s, &b), 0);
		break;
#endif
	default:
		fail_msg("no resume exchange %d", v->e_kind);
	}
	kex_free(kex);
	return b;
}

/* Vectors of an exchange this build lacks are skipped */
static void
skip_unless_e(const struct resilient_vector *v)
{
#ifndef VEC_HAVE_P384
	if (v->e_kind == RESILIENT_VEC_E_P384)
		skip();
#endif
}

/* The generated lengths agree with the hash and section 3.1 */
static void
torture_vec_lengths(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	size_t key_len, share_len;

	assert_int_equal(ctx->hlen, v->hlen);
	assert_int_equal(v->h_len, ctx->hlen);
	assert_int_equal(v->r0_len, ctx->hlen);
	assert_int_equal(v->r1_len, ctx->hlen);
	assert_int_equal(v->r2_len, ctx->hlen);
	assert_int_equal(v->client_mac_len, ctx->hlen);
	assert_int_equal(v->server_mac_len, ctx->hlen);
	assert_int_equal(v->hr_len, ctx->hlen);
	assert_int_equal(v->m_len, ctx->hlen);
	assert_int_equal(v->iva_len, ctx->hlen);
	assert_int_equal(v->km_len, 4 + ctx->hlen);
	assert_int_equal(v->token0_len, RESILIENT_TOKEN_LEN);
	assert_int_equal(v->token1_len, RESILIENT_TOKEN_LEN);
	assert_int_equal(v->token2_len, RESILIENT_TOKEN_LEN);

	switch (v->e_kind) {
	case RESILIENT_VEC_E_X25519:
		assert_string_equal(v->e_method, "curve25519-sha256");
		key_len = share_len = 32;
		break;
	case RESILIENT_VEC_E_P384:
		assert_string_equal(v->e_method, "ecdh-sha2-nistp384");
		assert_string_equal(v->initial_method, "ecdh-sha2-nistp384");
		key_len = 48;
		share_len = 1 + 2 * 48;
		break;
	default:
		fail_msg("no resume exchange %d", v->e_kind);
		return;
	}
	assert_int_equal(v->priv_c_len, key_len);
	assert_int_equal(v->priv_s_len, key_len);
	assert_int_equal(v->qc_len, share_len);
	assert_int_equal(v->qs_len, share_len);
	assert_true(v->qc_len >= RESILIENT_SHARE_MIN &&
	    v->qc_len <= RESILIENT_SHARE_MAX);
	assert_true(v->qs_len >= RESILIENT_SHARE_MIN &&
	    v->qs_len <= RESILIENT_SHARE_MAX);
	/* K_e is an mpint of at most key_len bytes and a leading 00 */
	assert_true(v->ke_len > 4 && v->ke_len <= 4 + 1 + key_len);
	assert_int_equal(PEEK_U32(v->ke), v->ke_len - 4);
	/* T_S extends T_C */
	assert_true(v->ts_len > v->tc_len);
	assert_memory_equal(v->ts, v->tc, v->tc_len);
}

/* R (4.1), session_id = H */
static void
torture_vec_resume_secret(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_resume_secret(ctx->alg, ctx->k,
	    v->h, v->h_len, v->h, v->h_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->r0, v->r0_len, ctx->hlen);
}

/* R' after the rekey (4.2), also in place as a session replaces its R */
static void
torture_vec_ratchet(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_ratchet(ctx->alg, ctx->k2,
	    v->h2, v->h2_len, v->r0, v->r0_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->r1, v->r1_len, ctx->hlen);

	memcpy(out, v->r0, v->r0_len);
	assert_int_equal(resilient_kdf_ratchet(ctx->alg, ctx->k2,
	    v->h2, v->h2_len, out, ctx->hlen, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->r1, v->r1_len, ctx->hlen);
}

/* The tokens of R, R' and R'' (4.3) */
static void
torture_vec_token(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_token(ctx->alg, v->r0, v->r0_len,
	    out, RESILIENT_TOKEN_LEN), 0);
	assert_output(out, sizeof(out), v->token0, v->token0_len,
	    RESILIENT_TOKEN_LEN);
	assert_int_equal(resilient_kdf_token(ctx->alg, v->r1, v->r1_len,
	    out, RESILIENT_TOKEN_LEN), 0);
	assert_output(out, sizeof(out), v->token1, v->token1_len,
	    RESILIENT_TOKEN_LEN);
	assert_int_equal(resilient_kdf_token(ctx->alg, v->r2, v->r2_len,
	    out, RESILIENT_TOKEN_LEN), 0);
	assert_output(out, sizeof(out), v->token2, v->token2_len,
	    RESILIENT_TOKEN_LEN);
}

/* Q_C and Q_S (3.1) from E's private keys */
static void
torture_vec_e_shares(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *b;

	skip_unless_e(v);
	b = e_share(v, v->priv_c, v->priv_c_len);
	assert_buf(b, v->qc, v->qc_len);
	sshbuf_free(b);
	b = e_share(v, v->priv_s, v->priv_s_len);
	assert_buf(b, v->qs, v->qs_len);
	sshbuf_free(b);
}

/* K_e (3.1, 4.4), as the client and as the server compute it */
static void
torture_vec_e_secret(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *b;

	skip_unless_e(v);
	b = e_secret(v, v->priv_c, v->priv_c_len, ctx->qs);
	assert_buf(b, v->ke, v->ke_len);
	sshbuf_free(b);
	b = e_secret(v, v->priv_s, v->priv_s_len, ctx->qc);
	assert_buf(b, v->ke, v->ke_len);
	sshbuf_free(b);
	b = e_secret_client(ctx, ctx->qs);
	assert_buf(b, v->ke, v->ke_len);
	sshbuf_free(b);
}

/* T_C (4.3), with the token of R', Q_C and next_C */
static void
torture_vec_transcript(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *t;

	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, RESILIENT_VEC_V_C,
	    RESILIENT_VEC_V_S, ctx->kexinit_c, ctx->kexinit_s, v->token1,
	    v->token1_len, v->qc, v->qc_len, RESILIENT_VEC_NEXT_C), 0);
	assert_buf(t, v->tc, v->tc_len);
	sshbuf_free(t);
}

/* T_S (4.3): T_C extended by client_mac, Q_S and next_S */
static void
torture_vec_transcript_server(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *t;

	assert_non_null(t = buf_of(v->tc, v->tc_len));
	assert_int_equal(resilient_kdf_transcript_server(t, v->client_mac,
	    v->client_mac_len, v->qs, v->qs_len, RESILIENT_VEC_NEXT_S), 0);
	assert_buf(t, v->ts, v->ts_len);
	sshbuf_free(t);
}

/* client_mac (4.3) over T_C, keyed by R' */
static void
torture_vec_client_mac(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_client_mac(ctx->alg, v->r1, v->r1_len,
	    ctx->tc, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->client_mac, v->client_mac_len,
	    ctx->hlen);
	assert_int_equal(resilient_kdf_mac_check(v->client_mac, out,
	    ctx->hlen), 0);
}

/* server_mac (4.3) over T_S, keyed by R' */
static void
torture_vec_server_mac(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_server_mac(ctx->alg, v->r1, v->r1_len,
	    ctx->ts, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->server_mac, v->server_mac_len,
	    ctx->hlen);
	assert_int_equal(resilient_kdf_mac_check(v->server_mac, out,
	    ctx->hlen), 0);
}

/* Hr (4.4) */
static void
torture_vec_reconnect_hash(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_reconnect_hash(ctx->alg, ctx->ts,
	    v->server_mac, v->server_mac_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->hr, v->hr_len, ctx->hlen);
}

/* M (4.4) from R', K_e and Hr */
static void
torture_vec_resume_key(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_resume_key(ctx->alg, v->r1, v->r1_len,
	    ctx->ke, v->hr, v->hr_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->m, v->m_len, ctx->hlen);
}

/* string(M), the K of the new connection's keys (4.4) */
static void
torture_vec_secret_as_k(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *k = NULL;

	assert_int_equal(resilient_kdf_secret_as_k(v->m, v->m_len, &k), 0);
	assert_buf(k, v->km, v->km_len);
	sshbuf_free(k);
}

/*
 * The initial IV client to server (4.4): upstream's kex_derive_keys()
 * with string(M) as K, Hr as H and the session's original session_id
 */
static void
torture_vec_derive_keys(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct ssh *ssh;
	struct kex *kex;
	u_char hr[SSH_DIGEST_MAX_LENGTH];
	int mode;

	assert_non_null(ssh = calloc(1, sizeof(*ssh)));
	assert_non_null(kex = kex_new());
	ssh->kex = kex;
	kex->server = 0;
	kex->hash_alg = ctx->alg;
	kex->we_need = ctx->hlen;
	assert_int_equal(sshbuf_put(kex->session_id, v->h, v->h_len), 0);
	for (mode = 0; mode < MODE_MAX; mode++)
		assert_non_null(kex->newkeys[mode] =
		    calloc(1, sizeof(*kex->newkeys[mode])));
	memcpy(hr, v->hr, v->hr_len);
	assert_int_equal(kex_derive_keys(ssh, hr, ctx->hlen, ctx->km), 0);
	/* the client sends with IV "A" */
	assert_non_null(kex->newkeys[MODE_OUT]->enc.iv);
	assert_memory_equal(kex->newkeys[MODE_OUT]->enc.iv, v->iva,
	    v->iva_len);
	assert_memory_not_equal(kex->newkeys[MODE_IN]->enc.iv, v->iva,
	    v->iva_len);
	kex_free(kex);
	free(ssh);
}

/* R'' after the reconnect (4.2, K' = string(M), H' = Hr) */
static void
torture_vec_ratchet_after_reconnect(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[OUTSIZE];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_ratchet(ctx->alg, ctx->km,
	    v->hr, v->hr_len, v->r1, v->r1_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->r2, v->r2_len, ctx->hlen);
}

/*
 * The whole session of a vector, each step fed by the one before: both
 * peers' view of the reconnect, E computed in C from the private keys
 */
static void
torture_vec_session(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *t = NULL, *q_c = NULL, *q_s = NULL;
	struct sshbuf *ke_c = NULL, *ke_s = NULL, *k = NULL;
	u_char r[SSH_DIGEST_MAX_LENGTH], token[RESILIENT_TOKEN_LEN];
	u_char cmac[SSH_DIGEST_MAX_LENGTH], smac[SSH_DIGEST_MAX_LENGTH];
	u_char hr[SSH_DIGEST_MAX_LENGTH], m[SSH_DIGEST_MAX_LENGTH];
	u_char m_s[SSH_DIGEST_MAX_LENGTH];
	size_t hlen = ctx->hlen;
	int alg = ctx->alg;

	skip_unless_e(v);
	/* initial key exchange, then a rekey */
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, v->h, hlen,
	    v->h, hlen, r, hlen), 0);
	assert_memory_equal(r, v->r0, hlen);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, v->h2,
	    v->h2_len, r, hlen, r, hlen), 0);
	assert_memory_equal(r, v->r1, hlen);

	/* client: RECONNECT */
	assert_int_equal(resilient_kdf_token(alg, r, hlen, token,
	    sizeof(token)), 0);
	q_c = e_share(v, v->priv_c, v->priv_c_len);
	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, RESILIENT_VEC_V_C,
	    RESILIENT_VEC_V_S, ctx->kexinit_c, ctx->kexinit_s, token,
	    sizeof(token), sshbuf_ptr(q_c), sshbuf_len(q_c),
	    RESILIENT_VEC_NEXT_C), 0);
	assert_int_equal(resilient_kdf_client_mac(alg, r, hlen, t,
	    cmac, hlen), 0);
	assert_int_equal(resilient_kdf_mac_check(v->client_mac, cmac,
	    hlen), 0);

	/* server: RECONNECT_REPLY, E completed with Q_C */
	q_s = e_share(v, v->priv_s, v->priv_s_len);
	ke_s = e_secret(v, v->priv_s, v->priv_s_len, q_c);
	assert_int_equal(resilient_kdf_transcript_server(t, cmac, hlen,
	    sshbuf_ptr(q_s), sshbuf_len(q_s), RESILIENT_VEC_NEXT_S), 0);
	assert_buf(t, v->ts, v->ts_len);
	assert_int_equal(resilient_kdf_server_mac(alg, r, hlen, t,
	    smac, hlen), 0);
	assert_int_equal(resilient_kdf_mac_check(v->server_mac, smac,
	    hlen), 0);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, t, smac, hlen,
	    hr, hlen), 0);
	assert_int_equal(resilient_kdf_resume_key(alg, r, hlen, ke_s, hr,
	    hlen, m_s, hlen), 0);

	/* client: E completed with Q_S, the same M */
	ke_c = e_secret_client(ctx, q_s);
	assert_int_equal(resilient_kdf_resume_key(alg, r, hlen, ke_c, hr,
	    hlen, m, hlen), 0);
	assert_memory_equal(m, m_s, hlen);
	assert_memory_equal(m, v->m, hlen);

	/* both: the ratchet after the reconnect */
	assert_int_equal(resilient_kdf_secret_as_k(m, hlen, &k), 0);
	assert_int_equal(resilient_kdf_ratchet(alg, k, hr, hlen,
	    r, hlen, r, hlen), 0);
	assert_memory_equal(r, v->r2, hlen);
	assert_int_equal(resilient_kdf_token(alg, r, hlen, token,
	    sizeof(token)), 0);
	assert_memory_equal(token, v->token2, sizeof(token));

	sshbuf_free(k);
	sshbuf_free(ke_c);
	sshbuf_free(ke_s);
	sshbuf_free(q_s);
	sshbuf_free(q_c);
	sshbuf_free(t);
}

#define VEC_TEST(f, i, name) \
	{ #f "/" name, f, setup, teardown, (void *)&resilient_vectors[i] }
#define VEC_TESTS(f)	VEC_TEST(f, 0, "sha256"), VEC_TEST(f, 1, "sha384"), \
			VEC_TEST(f, 2, "sha512")

int
main(void)
{
	const struct CMUnitTest tests[] = {
		VEC_TESTS(torture_vec_lengths),
		VEC_TESTS(torture_vec_resume_secret),
		VEC_TESTS(torture_vec_ratchet),
		VEC_TESTS(torture_vec_token),
		VEC_TESTS(torture_vec_e_shares),
		VEC_TESTS(torture_vec_e_secret),
		VEC_TESTS(torture_vec_transcript),
		VEC_TESTS(torture_vec_transcript_server),
		VEC_TESTS(torture_vec_client_mac),
		VEC_TESTS(torture_vec_server_mac),
		VEC_TESTS(torture_vec_reconnect_hash),
		VEC_TESTS(torture_vec_resume_key),
		VEC_TESTS(torture_vec_secret_as_k),
		VEC_TESTS(torture_vec_derive_keys),
		VEC_TESTS(torture_vec_ratchet_after_reconnect),
		VEC_TESTS(torture_vec_session),
	};

	/* the names above assume this order */
	if (RESILIENT_NVECTORS != 3 || resilient_vectors[0].hash_alg_bits !=
	    256 || resilient_vectors[1].hash_alg_bits != 384 ||
	    resilient_vectors[2].hash_alg_bits != 512) {
		fprintf(stderr, "resilient-vectors.h: expected the vectors "
		    "of SHA-256, SHA-384 and SHA-512 in this order\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
