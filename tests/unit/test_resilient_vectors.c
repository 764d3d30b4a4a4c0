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
 * section 4 (cmocka).  The Makefile generates resilient-vectors.h from
 * the script and checks that the script prints Appendix A as the
 * specification has it, so these are the appendix's values.
 *
 * Each step is fed the vector's own inputs, not the output of the step
 * before, so that a failure names the one function that is wrong.  The
 * initial IV "A" of section 4.4 needs kex_derive_keys() and a struct ssh:
 * test_resilient_kdf.c covers it.
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

#include "sshbuf.h"
#include "digest.h"
#include "ssherr.h"
#include "resilient-proto.h"
#include "resilient-kdf.h"

#include "resilient-vectors.h"	/* generated */

#define SENTINEL	0xa5

/* Per-test state: a vector and its inputs as sshbufs */
struct vec_ctx {
	const struct resilient_vector *v;
	int alg;
	size_t hlen;
	struct sshbuf *k;		/* K */
	struct sshbuf *k2;		/* K' */
	struct sshbuf *kr;		/* string(R'), K of the reconnect */
	struct sshbuf *kexinit_c;	/* kex->my on the client */
	struct sshbuf *kexinit_s;	/* kex->peer on the client */
	struct sshbuf *t;		/* T */
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
	ctx->kr = buf_of(v->kr, v->kr_len);
	ctx->kexinit_c = buf_of(vec_kexinit_c, sizeof(vec_kexinit_c));
	ctx->kexinit_s = buf_of(vec_kexinit_s, sizeof(vec_kexinit_s));
	ctx->t = buf_of(v->t, v->t_len);
	if (ctx->k == NULL || ctx->k2 == NULL || ctx->kr == NULL ||
	    ctx->kexinit_c == NULL || ctx->kexinit_s == NULL || ctx->t == NULL)
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
	sshbuf_free(ctx->kr);
	sshbuf_free(ctx->kexinit_c);
	sshbuf_free(ctx->kexinit_s);
	sshbuf_free(ctx->t);
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

/* The generated lengths agree with the hash */
static void
torture_vec_lengths(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;

	assert_int_equal(ctx->hlen, v->hlen);
	assert_int_equal(v->h_len, ctx->hlen);
	assert_int_equal(v->r0_len, ctx->hlen);
	assert_int_equal(v->r1_len, ctx->hlen);
	assert_int_equal(v->r2_len, ctx->hlen);
	assert_int_equal(v->client_mac_len, ctx->hlen);
	assert_int_equal(v->server_mac_len, ctx->hlen);
	assert_int_equal(v->hr_len, ctx->hlen);
	assert_int_equal(v->token0_len, RESILIENT_TOKEN_LEN);
	assert_int_equal(v->token1_len, RESILIENT_TOKEN_LEN);
	assert_int_equal(v->token2_len, RESILIENT_TOKEN_LEN);
}

/* R (4.1), session_id = H */
static void
torture_vec_resume_secret(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[2 * SSH_DIGEST_MAX_LENGTH];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_resume_secret(ctx->alg, ctx->k,
	    v->h, v->h_len, v->h, v->h_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->r0, v->r0_len, ctx->hlen);
}

/* R' after the rekey (4.2) */
static void
torture_vec_ratchet(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[2 * SSH_DIGEST_MAX_LENGTH];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_ratchet(ctx->alg, ctx->k2,
	    v->h2, v->h2_len, v->r0, v->r0_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->r1, v->r1_len, ctx->hlen);
}

/* The tokens of R, R' and R'' (4.3) */
static void
torture_vec_token(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[2 * SSH_DIGEST_MAX_LENGTH];

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

/* T (4.3), with the token of R' */
static void
torture_vec_transcript(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *t;

	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, RESILIENT_VEC_V_C,
	    RESILIENT_VEC_V_S, ctx->kexinit_c, ctx->kexinit_s, v->token1,
	    v->token1_len), 0);
	assert_int_equal(sshbuf_len(t), v->t_len);
	assert_memory_equal(sshbuf_ptr(t), v->t, v->t_len);
	sshbuf_free(t);
}

/* client_mac (4.3), keyed by R' */
static void
torture_vec_client_mac(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[2 * SSH_DIGEST_MAX_LENGTH];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_client_mac(ctx->alg, v->r1, v->r1_len,
	    ctx->t, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->client_mac, v->client_mac_len,
	    ctx->hlen);
}

/* server_mac (4.3), keyed by R' */
static void
torture_vec_server_mac(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[2 * SSH_DIGEST_MAX_LENGTH];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_server_mac(ctx->alg, v->r1, v->r1_len,
	    ctx->t, v->client_mac, v->client_mac_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->server_mac, v->server_mac_len,
	    ctx->hlen);
}

/* Hr (4.4) */
static void
torture_vec_reconnect_hash(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[2 * SSH_DIGEST_MAX_LENGTH];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_reconnect_hash(ctx->alg, ctx->t,
	    v->client_mac, v->client_mac_len, v->server_mac,
	    v->server_mac_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->hr, v->hr_len, ctx->hlen);
}

/* string(R'), the K of the new connection's keys (4.4) */
static void
torture_vec_secret_as_k(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	struct sshbuf *k = NULL;

	assert_int_equal(resilient_kdf_secret_as_k(v->r1, v->r1_len, &k), 0);
	assert_non_null(k);
	assert_int_equal(sshbuf_len(k), v->kr_len);
	assert_memory_equal(sshbuf_ptr(k), v->kr, v->kr_len);
	sshbuf_free(k);
}

/* R'' after the reconnect (4.2, K' = string(R'), H' = Hr) */
static void
torture_vec_ratchet_after_reconnect(void **state)
{
	struct vec_ctx *ctx = *state;
	const struct resilient_vector *v = ctx->v;
	u_char out[2 * SSH_DIGEST_MAX_LENGTH];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_ratchet(ctx->alg, ctx->kr,
	    v->hr, v->hr_len, v->r1, v->r1_len, out, ctx->hlen), 0);
	assert_output(out, sizeof(out), v->r2, v->r2_len, ctx->hlen);
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
		VEC_TESTS(torture_vec_transcript),
		VEC_TESTS(torture_vec_client_mac),
		VEC_TESTS(torture_vec_server_mac),
		VEC_TESTS(torture_vec_reconnect_hash),
		VEC_TESTS(torture_vec_secret_as_k),
		VEC_TESTS(torture_vec_ratchet_after_reconnect),
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
