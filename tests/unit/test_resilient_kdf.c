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
 * Unit tests for the resilient session key derivation (cmocka): the
 * formulas of PROTOCOL.resilient section 4 rebuilt from upstream's digest
 * and HMAC primitives, the transcript encoding, the binding of every
 * input, argument checking, and outputs left alone on failure.  The
 * values of Appendix A are checked by test_resilient_vectors.c.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sshbuf.h"
#include "digest.h"
#include "hmac.h"
#include "ssherr.h"
#include "resilient-proto.h"
#include "resilient-kdf.h"

#define BIG		(2 * SSH_DIGEST_MAX_LENGTH)	/* any length fits */
#define BIGSHARE	(2 * RESILIENT_SHARE_MAX)
#define SENTINEL	0xa5
#define NWRONG		5
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define V_C	"SSH-2.0-OpenSSH_10.0+resilient0.1"
#define V_S	"SSH-2.0-OpenSSH_10.0+resilient0.1 server"
#define NEXT_C	0x8000000000000001ULL
#define NEXT_S	0x000000000000002aULL

/* The labels of section 4, spelt out here rather than taken from the code */
#define L_RESUME	"resilient-v01 resume"
#define L_RATCHET	"resilient-v01 ratchet"
#define L_TOKEN		"resilient-v01 token"
#define L_CLIENT	"resilient-v01 client"
#define L_SERVER	"resilient-v01 server"
#define L_KEY		"resilient-v01 key"

static const int bad_algs[] = {
	-1, SSH_DIGEST_MD5, SSH_DIGEST_SHA1, SSH_DIGEST_MAX, 1000
};

/* Large enough for any share length a test passes, in range or not */
static u_char big_share[BIGSHARE];

/*
 * One session's worth of inputs per hash, the shares sized as E's are
 * for the methods of that hash: X25519, a P-384 point, and the client
 * key and ciphertext of sntrup761x25519
 */
struct kdf_param {
	int alg;
	size_t q_c_len;
	size_t q_s_len;
};

static const struct kdf_param p_sha256 = { SSH_DIGEST_SHA256, 32, 32 };
static const struct kdf_param p_sha384 = { SSH_DIGEST_SHA384, 97, 97 };
static const struct kdf_param p_sha512 = { SSH_DIGEST_SHA512, 1190, 1071 };

/*
 * Per-test state.  Fixed-size inputs live in BIG arrays, zero past their
 * length, so that a wrong length never reads outside them.  t_c and t_s,
 * and the MACs and Hr over them, come from the functions under test.
 */
struct kdf_ctx {
	int alg;
	size_t hlen;
	u_char r[BIG];			/* R */
	u_char h[BIG];			/* H */
	u_char sid[BIG];		/* session_id */
	u_char token[BIG];
	u_char *q_c;			/* BIGSHARE bytes */
	size_t q_c_len;
	u_char *q_s;			/* BIGSHARE bytes */
	size_t q_s_len;
	struct sshbuf *k;		/* K, as kex_derive_keys() has it */
	struct sshbuf *k_e;		/* K_e, an mpint */
	struct sshbuf *kexinit_c;	/* as kex->my on the client */
	struct sshbuf *kexinit_s;	/* as kex->peer on the client */
	struct sshbuf *t_c;		/* T_C */
	struct sshbuf *t_s;		/* T_S */
	u_char cmac[BIG];		/* client_mac over t_c */
	u_char smac[BIG];		/* server_mac over t_s */
	u_char hr[BIG];			/* Hr */
};

/* p[i] = seed + 7 i: distinct inputs that are easy to tell apart */
static void
fill(u_char *p, size_t len, u_int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (seed + 7 * i) & 0xff;
}

static struct sshbuf *
buf_of(const void *p, size_t len)
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

/* A KEXINIT payload without its type byte: a cookie and a short tail */
static struct sshbuf *
kexinit_of(u_int seed, const char *tail)
{
	u_char cookie[16];
	struct sshbuf *b;

	fill(cookie, sizeof(cookie), seed);
	if ((b = buf_of(cookie, sizeof(cookie))) == NULL)
		return NULL;
	if (sshbuf_put(b, tail, strlen(tail)) != 0) {
		sshbuf_free(b);
		return NULL;
	}
	return b;
}

static int
setup(void **state)
{
	const struct kdf_param *p = *state;
	struct kdf_ctx *ctx;
	u_char kbuf[48];

	if (p == NULL || (ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -1;
	*state = ctx;
	ctx->alg = p->alg;
	if ((ctx->hlen = ssh_digest_bytes(p->alg)) == 0 ||
	    (ctx->q_c = calloc(1, BIGSHARE)) == NULL ||
	    (ctx->q_s = calloc(1, BIGSHARE)) == NULL)
		return -1;
	fill(ctx->r, ctx->hlen, 0x11);
	fill(ctx->h, ctx->hlen, 0x22);
	fill(ctx->sid, ctx->hlen, 0x99);
	fill(ctx->token, RESILIENT_TOKEN_LEN, 0x33);
	ctx->q_c_len = p->q_c_len;
	ctx->q_s_len = p->q_s_len;
	fill(ctx->q_c, ctx->q_c_len, 0x44);
	fill(ctx->q_s, ctx->q_s_len, 0x55);
	fill(kbuf, sizeof(kbuf), 0x88);
	if ((ctx->k = sshbuf_new()) == NULL ||
	    (ctx->k_e = sshbuf_new()) == NULL ||
	    sshbuf_put_string(ctx->k, kbuf, 32) != 0 ||
	    sshbuf_put_bignum2_bytes(ctx->k_e, kbuf + 8, 40) != 0 ||
	    (ctx->kexinit_c = kexinit_of(0xc0, "kexinit-c")) == NULL ||
	    (ctx->kexinit_s = kexinit_of(0xd0, "kexinit-s")) == NULL ||
	    (ctx->t_c = sshbuf_new()) == NULL ||
	    (ctx->t_s = sshbuf_new()) == NULL)
		return -1;
	if (resilient_kdf_transcript(ctx->t_c, V_C, V_S, ctx->kexinit_c,
	    ctx->kexinit_s, ctx->token, RESILIENT_TOKEN_LEN, ctx->q_c,
	    ctx->q_c_len, NEXT_C) != 0 ||
	    resilient_kdf_client_mac(ctx->alg, ctx->r, ctx->hlen, ctx->t_c,
	    ctx->cmac, ctx->hlen) != 0 ||
	    sshbuf_putb(ctx->t_s, ctx->t_c) != 0 ||
	    resilient_kdf_transcript_server(ctx->t_s, ctx->cmac, ctx->hlen,
	    ctx->q_s, ctx->q_s_len, NEXT_S) != 0 ||
	    resilient_kdf_server_mac(ctx->alg, ctx->r, ctx->hlen, ctx->t_s,
	    ctx->smac, ctx->hlen) != 0 ||
	    resilient_kdf_reconnect_hash(ctx->alg, ctx->t_s, ctx->smac,
	    ctx->hlen, ctx->hr, ctx->hlen) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct kdf_ctx *ctx = *state;

	if (ctx == NULL)
		return 0;
	free(ctx->q_c);
	free(ctx->q_s);
	sshbuf_free(ctx->k);
	sshbuf_free(ctx->k_e);
	sshbuf_free(ctx->kexinit_c);
	sshbuf_free(ctx->kexinit_s);
	sshbuf_free(ctx->t_c);
	sshbuf_free(ctx->t_s);
	free(ctx);
	*state = NULL;
	return 0;
}

/*
 * Lengths that are wrong where HLEN is wanted: none, off by one, and the
 * HLEN of each other supported hash
 */
static void
wrong_lens(size_t hlen, size_t *lens)
{
	static const size_t hlens[] = { 32, 48, 64 };
	size_t i, n = 0;

	lens[n++] = 0;
	lens[n++] = hlen - 1;
	lens[n++] = hlen + 1;
	for (i = 0; i < NELEM(hlens); i++) {
		if (hlens[i] == hlen)
			continue;
		assert_true(n < NWRONG);
		lens[n++] = hlens[i];
	}
	assert_int_equal(n, NWRONG);
}

/* Outputs must not be written on failure */
static void
assert_untouched(const u_char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		assert_int_equal(p[i], SENTINEL);
}

/* b holds exactly what was there before a failed call */
static void
assert_buf_is(const struct sshbuf *b, const void *p, size_t len)
{
	assert_int_equal(sshbuf_len(b), len);
	assert_memory_equal(sshbuf_ptr(b), p, len);
}

/* Section 4 rebuilt from the primitives */

static void
oracle_hash(int alg, const struct sshbuf *b, u_char *out)
{
	assert_int_equal(ssh_digest_buffer(alg, b, out,
	    ssh_digest_bytes(alg)), 0);
}

static void
oracle_hmac(int alg, const u_char *key, size_t keylen,
    const struct sshbuf *b, u_char *out)
{
	struct ssh_hmac_ctx *h;

	assert_non_null(h = ssh_hmac_start(alg));
	assert_int_equal(ssh_hmac_init(h, key, keylen), 0);
	assert_int_equal(ssh_hmac_update_buffer(h, b), 0);
	assert_int_equal(ssh_hmac_final(h, out, ssh_hmac_bytes(alg)), 0);
	ssh_hmac_free(h);
}

/* string(I) of a KEXINIT payload held without its type byte */
static void
put_kexinit(struct sshbuf *b, const struct sshbuf *payload)
{
	assert_int_equal(sshbuf_put_u32(b, sshbuf_len(payload) + 1), 0);
	assert_int_equal(sshbuf_put_u8(b, 20), 0);
	assert_int_equal(sshbuf_putb(b, payload), 0);
}

static void
put_label(struct sshbuf *b, const char *label)
{
	assert_int_equal(sshbuf_put(b, label, strlen(label)), 0);
}

/* Every function against its formula, computed here from the primitives */
static void
torture_kdf_formulas(void **state)
{
	static const size_t h2lens[] = { 20, 32, 48, 64 };
	struct kdf_ctx *ctx = *state;
	struct sshbuf *b;
	u_char want[BIG], got[BIG], h2[BIG];
	size_t i, hlen = ctx->hlen;
	int alg = ctx->alg;

	assert_non_null(b = sshbuf_new());

	/* 4.1 R = HASH(K || H || "resilient-v01 resume" || session_id) */
	assert_int_equal(sshbuf_putb(b, ctx->k), 0);
	assert_int_equal(sshbuf_put(b, ctx->h, hlen), 0);
	put_label(b, L_RESUME);
	assert_int_equal(sshbuf_put(b, ctx->sid, hlen), 0);
	oracle_hash(alg, b, want);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->h,
	    hlen, ctx->sid, hlen, got, hlen), 0);
	assert_memory_equal(got, want, hlen);

	/* 4.2 R' = HASH(K' || H' || "resilient-v01 ratchet" || R) */
	for (i = 0; i < NELEM(h2lens); i++) {
		fill(h2, h2lens[i], 0xa0 + i);
		sshbuf_reset(b);
		assert_int_equal(sshbuf_putb(b, ctx->k_e), 0);
		assert_int_equal(sshbuf_put(b, h2, h2lens[i]), 0);
		put_label(b, L_RATCHET);
		assert_int_equal(sshbuf_put(b, ctx->r, hlen), 0);
		oracle_hash(alg, b, want);
		assert_int_equal(resilient_kdf_ratchet(alg, ctx->k_e, h2,
		    h2lens[i], ctx->r, hlen, got, hlen), 0);
		assert_memory_equal(got, want, hlen);
	}

	/* 4.3 token = first 32 bytes of HMAC(R, "resilient-v01 token") */
	sshbuf_reset(b);
	put_label(b, L_TOKEN);
	oracle_hmac(alg, ctx->r, hlen, b, want);
	assert_int_equal(resilient_kdf_token(alg, ctx->r, hlen, got,
	    RESILIENT_TOKEN_LEN), 0);
	assert_memory_equal(got, want, RESILIENT_TOKEN_LEN);

	/* 4.3 T_C */
	sshbuf_reset(b);
	assert_int_equal(sshbuf_put_cstring(b, V_C), 0);
	assert_int_equal(sshbuf_put_cstring(b, V_S), 0);
	put_kexinit(b, ctx->kexinit_c);
	put_kexinit(b, ctx->kexinit_s);
	assert_int_equal(sshbuf_put_string(b, ctx->token,
	    RESILIENT_TOKEN_LEN), 0);
	assert_int_equal(sshbuf_put_string(b, ctx->q_c, ctx->q_c_len), 0);
	assert_int_equal(sshbuf_put_u64(b, NEXT_C), 0);
	assert_int_equal(sshbuf_cmp(b, 0, sshbuf_ptr(ctx->t_c),
	    sshbuf_len(ctx->t_c)), 0);
	assert_int_equal(sshbuf_len(b), sshbuf_len(ctx->t_c));

	/* client_mac = HMAC(R, "resilient-v01 client" || T_C) */
	sshbuf_reset(b);
	put_label(b, L_CLIENT);
	assert_int_equal(sshbuf_putb(b, ctx->t_c), 0);
	oracle_hmac(alg, ctx->r, hlen, b, want);
	assert_memory_equal(ctx->cmac, want, hlen);

	/* T_S = T_C || string(client_mac) || string(Q_S) || uint64(next_S) */
	sshbuf_reset(b);
	assert_int_equal(sshbuf_putb(b, ctx->t_c), 0);
	assert_int_equal(sshbuf_put_string(b, ctx->cmac, hlen), 0);
	assert_int_equal(sshbuf_put_string(b, ctx->q_s, ctx->q_s_len), 0);
	assert_int_equal(sshbuf_put_u64(b, NEXT_S), 0);
	assert_int_equal(sshbuf_len(b), sshbuf_len(ctx->t_s));
	assert_int_equal(sshbuf_cmp(b, 0, sshbuf_ptr(ctx->t_s),
	    sshbuf_len(ctx->t_s)), 0);

	/* server_mac = HMAC(R, "resilient-v01 server" || T_S) */
	sshbuf_reset(b);
	put_label(b, L_SERVER);
	assert_int_equal(sshbuf_putb(b, ctx->t_s), 0);
	oracle_hmac(alg, ctx->r, hlen, b, want);
	assert_memory_equal(ctx->smac, want, hlen);

	/* 4.4 Hr = HASH(T_S || string(server_mac)) */
	sshbuf_reset(b);
	assert_int_equal(sshbuf_putb(b, ctx->t_s), 0);
	assert_int_equal(sshbuf_put_string(b, ctx->smac, hlen), 0);
	oracle_hash(alg, b, want);
	assert_memory_equal(ctx->hr, want, hlen);

	/* M = HASH(string(R) || K_e || Hr || "resilient-v01 key") */
	sshbuf_reset(b);
	assert_int_equal(sshbuf_put_string(b, ctx->r, hlen), 0);
	assert_int_equal(sshbuf_putb(b, ctx->k_e), 0);
	assert_int_equal(sshbuf_put(b, ctx->hr, hlen), 0);
	put_label(b, L_KEY);
	oracle_hash(alg, b, want);
	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, hlen,
	    ctx->k_e, ctx->hr, hlen, got, hlen), 0);
	assert_memory_equal(got, want, hlen);

	sshbuf_free(b);
}

/* The ratchet may write R' over R, as a session replaces its R */
static void
torture_kdf_ratchet_alias(void **state)
{
	static const size_t h2lens[] = { 20, 32, 48, 64 };
	struct kdf_ctx *ctx = *state;
	u_char h2[BIG], want[BIG], r[BIG];
	size_t i, hlen = ctx->hlen;

	for (i = 0; i < NELEM(h2lens); i++) {
		fill(h2, h2lens[i], 0x60 + i);
		assert_int_equal(resilient_kdf_ratchet(ctx->alg, ctx->k, h2,
		    h2lens[i], ctx->r, hlen, want, hlen), 0);
		memset(r, SENTINEL, sizeof(r));
		memcpy(r, ctx->r, hlen);
		assert_int_equal(resilient_kdf_ratchet(ctx->alg, ctx->k, h2,
		    h2lens[i], r, hlen, r, hlen), 0);
		assert_memory_equal(r, want, hlen);
		assert_untouched(r + hlen, sizeof(r) - hlen);
	}
}

/* Transcript binding: the inputs of T_C */

struct tc_in {
	const char *v_c;
	const char *v_s;
	const struct sshbuf *ic;
	const struct sshbuf *is;
	const u_char *token;
	const u_char *q_c;
	size_t q_c_len;
	uint64_t next_c;
};

static void
tc_default(const struct kdf_ctx *ctx, struct tc_in *in)
{
	in->v_c = V_C;
	in->v_s = V_S;
	in->ic = ctx->kexinit_c;
	in->is = ctx->kexinit_s;
	in->token = ctx->token;
	in->q_c = ctx->q_c;
	in->q_c_len = ctx->q_c_len;
	in->next_c = NEXT_C;
}

/* client_mac under the context's R over T_C built from in */
static void
client_mac_of(const struct kdf_ctx *ctx, const struct tc_in *in,
    u_char *mac)
{
	struct sshbuf *t;

	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, in->v_c, in->v_s,
	    in->ic, in->is, in->token, RESILIENT_TOKEN_LEN, in->q_c,
	    in->q_c_len, in->next_c), 0);
	assert_int_equal(resilient_kdf_client_mac(ctx->alg, ctx->r,
	    ctx->hlen, t, mac, ctx->hlen), 0);
	sshbuf_free(t);
}

static void
assert_cmac_changes(const struct kdf_ctx *ctx, const struct tc_in *in)
{
	u_char mac[BIG];

	client_mac_of(ctx, in, mac);
	assert_memory_not_equal(mac, ctx->cmac, ctx->hlen);
}

/* Each byte of a version string, flipped so that it stays printable */
static void
flip_version_bytes(const struct kdf_ctx *ctx, int server)
{
	struct tc_in in;
	char v[128];
	size_t i, len;

	tc_default(ctx, &in);
	len = strlcpy(v, server ? V_S : V_C, sizeof(v));
	assert_true(len < sizeof(v));
	if (server)
		in.v_s = v;
	else
		in.v_c = v;
	for (i = 0; i < len; i++) {
		v[i] ^= 0x01;
		assert_cmac_changes(ctx, &in);
		v[i] ^= 0x01;
	}
}

/* Each byte of a KEXINIT payload, and one byte more */
static void
flip_kexinit_bytes(const struct kdf_ctx *ctx, int server)
{
	const struct sshbuf *orig = server ? ctx->kexinit_s : ctx->kexinit_c;
	struct tc_in in;
	struct sshbuf *b;
	size_t i, len = sshbuf_len(orig);

	tc_default(ctx, &in);
	assert_non_null(b = buf_of(sshbuf_ptr(orig), len));
	if (server)
		in.is = b;
	else
		in.ic = b;
	for (i = 0; i < len; i++) {
		sshbuf_mutable_ptr(b)[i] ^= 0x80;
		assert_cmac_changes(ctx, &in);
		sshbuf_mutable_ptr(b)[i] ^= 0x80;
	}
	assert_int_equal(sshbuf_put_u8(b, 0), 0);
	assert_cmac_changes(ctx, &in);
	sshbuf_free(b);
}

/* Any change to any input of T_C changes client_mac */
static void
torture_kdf_transcript_binding(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct tc_in in;
	u_char mac[BIG], token[RESILIENT_TOKEN_LEN], r[BIG];
	u_char *q;
	size_t i;

	tc_default(ctx, &in);
	client_mac_of(ctx, &in, mac);
	assert_memory_equal(mac, ctx->cmac, ctx->hlen);

	/* version strings: every byte, length, order, field boundary */
	flip_version_bytes(ctx, 0);
	flip_version_bytes(ctx, 1);
	tc_default(ctx, &in);
	in.v_c = V_C "x";
	assert_cmac_changes(ctx, &in);
	in.v_c = "SSH-2.0-OpenSSH_10.0+resilient0.";
	assert_cmac_changes(ctx, &in);
	tc_default(ctx, &in);
	in.v_s = V_S "x";
	assert_cmac_changes(ctx, &in);
	in.v_s = V_C;
	assert_cmac_changes(ctx, &in);
	in.v_c = V_S;
	in.v_s = V_C;
	assert_cmac_changes(ctx, &in);
	/* the same concatenation V_C || V_S, split elsewhere */
	in.v_c = "SSH-2.0-OpenSSH_10.0+resilient0.";
	in.v_s = "1SSH-2.0-OpenSSH_10.0+resilient0.1 server";
	assert_cmac_changes(ctx, &in);

	/* KEXINIT payloads: every byte, length, order */
	flip_kexinit_bytes(ctx, 0);
	flip_kexinit_bytes(ctx, 1);
	tc_default(ctx, &in);
	in.ic = ctx->kexinit_s;
	in.is = ctx->kexinit_c;
	assert_cmac_changes(ctx, &in);

	/* every byte of the token */
	tc_default(ctx, &in);
	in.token = token;
	memcpy(token, ctx->token, sizeof(token));
	for (i = 0; i < sizeof(token); i++) {
		token[i] ^= 0x01;
		assert_cmac_changes(ctx, &in);
		token[i] ^= 0x01;
	}

	/* every byte of Q_C, and Q_C one byte longer or shorter */
	tc_default(ctx, &in);
	assert_non_null(q = calloc(1, BIGSHARE));
	memcpy(q, ctx->q_c, ctx->q_c_len);
	in.q_c = q;
	for (i = 0; i < ctx->q_c_len; i++) {
		q[i] ^= 0x40;
		assert_cmac_changes(ctx, &in);
		q[i] ^= 0x40;
	}
	in.q_c_len = ctx->q_c_len + 1;
	assert_cmac_changes(ctx, &in);
	if (ctx->q_c_len > RESILIENT_SHARE_MIN) {
		in.q_c_len = ctx->q_c_len - 1;
		assert_cmac_changes(ctx, &in);
	}
	free(q);

	/* every byte of next_C, and its neighbours */
	tc_default(ctx, &in);
	for (i = 0; i < 8; i++) {
		in.next_c = NEXT_C ^ ((uint64_t)0x01 << (8 * i));
		assert_cmac_changes(ctx, &in);
	}
	in.next_c = NEXT_C + 1;
	assert_cmac_changes(ctx, &in);
	in.next_c = NEXT_C - 1;
	assert_cmac_changes(ctx, &in);

	/* and the key: the MAC under another R differs */
	memcpy(r, ctx->r, sizeof(r));
	r[ctx->hlen - 1] ^= 0x01;
	assert_int_equal(resilient_kdf_client_mac(ctx->alg, r, ctx->hlen,
	    ctx->t_c, mac, ctx->hlen), 0);
	assert_memory_not_equal(mac, ctx->cmac, ctx->hlen);
}

/* Transcript binding: the inputs that extend T_C to T_S */

struct ts_in {
	const struct sshbuf *t_c;
	const u_char *cmac;
	size_t cmac_len;
	const u_char *q_s;
	size_t q_s_len;
	uint64_t next_s;
};

static void
ts_default(const struct kdf_ctx *ctx, struct ts_in *in)
{
	in->t_c = ctx->t_c;
	in->cmac = ctx->cmac;
	in->cmac_len = ctx->hlen;
	in->q_s = ctx->q_s;
	in->q_s_len = ctx->q_s_len;
	in->next_s = NEXT_S;
}

/* server_mac and Hr change when anything in T_S does */
static void
assert_server_side_changes(const struct kdf_ctx *ctx, const struct ts_in *in)
{
	struct sshbuf *t;
	u_char smac[BIG], hr[BIG];

	assert_non_null(t = buf_of(sshbuf_ptr(in->t_c), sshbuf_len(in->t_c)));
	assert_int_equal(resilient_kdf_transcript_server(t, in->cmac,
	    in->cmac_len, in->q_s, in->q_s_len, in->next_s), 0);
	assert_int_equal(resilient_kdf_server_mac(ctx->alg, ctx->r,
	    ctx->hlen, t, smac, ctx->hlen), 0);
	assert_int_equal(resilient_kdf_reconnect_hash(ctx->alg, t, smac,
	    ctx->hlen, hr, ctx->hlen), 0);
	assert_memory_not_equal(smac, ctx->smac, ctx->hlen);
	assert_memory_not_equal(hr, ctx->hr, ctx->hlen);
	sshbuf_free(t);
}

/* Any change to T_C, client_mac, Q_S or next_S changes server_mac, Hr */
static void
torture_kdf_transcript_server_binding(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct ts_in in;
	struct sshbuf *t_c;
	u_char cmac[BIG], mac[BIG], r[BIG];
	u_char *q;
	size_t i, len;

	/* every byte of T_C, and T_C one byte longer */
	ts_default(ctx, &in);
	len = sshbuf_len(ctx->t_c);
	assert_non_null(t_c = buf_of(sshbuf_ptr(ctx->t_c), len));
	in.t_c = t_c;
	for (i = 0; i < len; i++) {
		sshbuf_mutable_ptr(t_c)[i] ^= 0x01;
		assert_server_side_changes(ctx, &in);
		sshbuf_mutable_ptr(t_c)[i] ^= 0x01;
	}
	assert_int_equal(sshbuf_put_u8(t_c, 0), 0);
	assert_server_side_changes(ctx, &in);
	sshbuf_free(t_c);

	/* every byte of client_mac */
	ts_default(ctx, &in);
	memcpy(cmac, ctx->cmac, sizeof(cmac));
	in.cmac = cmac;
	for (i = 0; i < ctx->hlen; i++) {
		cmac[i] ^= 0x02;
		assert_server_side_changes(ctx, &in);
		cmac[i] ^= 0x02;
	}

	/* every byte of Q_S, and Q_S one byte longer or shorter */
	ts_default(ctx, &in);
	assert_non_null(q = calloc(1, BIGSHARE));
	memcpy(q, ctx->q_s, ctx->q_s_len);
	in.q_s = q;
	for (i = 0; i < ctx->q_s_len; i++) {
		q[i] ^= 0x04;
		assert_server_side_changes(ctx, &in);
		q[i] ^= 0x04;
	}
	in.q_s_len = ctx->q_s_len + 1;
	assert_server_side_changes(ctx, &in);
	if (ctx->q_s_len > RESILIENT_SHARE_MIN) {
		in.q_s_len = ctx->q_s_len - 1;
		assert_server_side_changes(ctx, &in);
	}
	free(q);

	/* every byte of next_S, and its neighbours */
	ts_default(ctx, &in);
	for (i = 0; i < 8; i++) {
		in.next_s = NEXT_S ^ ((uint64_t)0x80 << (8 * i));
		assert_server_side_changes(ctx, &in);
	}
	in.next_s = NEXT_S + 1;
	assert_server_side_changes(ctx, &in);
	in.next_s = NEXT_S - 1;
	assert_server_side_changes(ctx, &in);

	/* the key */
	memcpy(r, ctx->r, sizeof(r));
	r[0] ^= 0x01;
	assert_int_equal(resilient_kdf_server_mac(ctx->alg, r, ctx->hlen,
	    ctx->t_s, mac, ctx->hlen), 0);
	assert_memory_not_equal(mac, ctx->smac, ctx->hlen);
}

/* Hr covers every byte of T_S and of server_mac */
static void
torture_kdf_reconnect_hash_binding(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct sshbuf *t;
	u_char smac[BIG], hr[BIG];
	size_t i, len = sshbuf_len(ctx->t_s);

	assert_non_null(t = buf_of(sshbuf_ptr(ctx->t_s), len));
	for (i = 0; i < len; i++) {
		sshbuf_mutable_ptr(t)[i] ^= 0x10;
		assert_int_equal(resilient_kdf_reconnect_hash(ctx->alg, t,
		    ctx->smac, ctx->hlen, hr, ctx->hlen), 0);
		assert_memory_not_equal(hr, ctx->hr, ctx->hlen);
		sshbuf_mutable_ptr(t)[i] ^= 0x10;
	}
	assert_int_equal(sshbuf_put_u8(t, 0), 0);
	assert_int_equal(resilient_kdf_reconnect_hash(ctx->alg, t,
	    ctx->smac, ctx->hlen, hr, ctx->hlen), 0);
	assert_memory_not_equal(hr, ctx->hr, ctx->hlen);
	sshbuf_free(t);

	memcpy(smac, ctx->smac, sizeof(smac));
	for (i = 0; i < ctx->hlen; i++) {
		smac[i] ^= 0x10;
		assert_int_equal(resilient_kdf_reconnect_hash(ctx->alg,
		    ctx->t_s, smac, ctx->hlen, hr, ctx->hlen), 0);
		assert_memory_not_equal(hr, ctx->hr, ctx->hlen);
		smac[i] ^= 0x10;
	}
	/* and it is not the MAC itself */
	assert_memory_not_equal(ctx->hr, ctx->smac, ctx->hlen);
}

/* M covers every byte of R, K_e and Hr */
static void
torture_kdf_resume_key_binding(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct sshbuf *k_e;
	u_char base[BIG], m[BIG], r[BIG], hr[BIG];
	size_t i, len, hlen = ctx->hlen;
	int alg = ctx->alg;

	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, hlen,
	    ctx->k_e, ctx->hr, hlen, base, hlen), 0);

	memcpy(r, ctx->r, sizeof(r));
	for (i = 0; i < hlen; i++) {
		r[i] ^= 0x08;
		assert_int_equal(resilient_kdf_resume_key(alg, r, hlen,
		    ctx->k_e, ctx->hr, hlen, m, hlen), 0);
		assert_memory_not_equal(m, base, hlen);
		r[i] ^= 0x08;
	}

	len = sshbuf_len(ctx->k_e);
	assert_non_null(k_e = buf_of(sshbuf_ptr(ctx->k_e), len));
	for (i = 0; i < len; i++) {
		sshbuf_mutable_ptr(k_e)[i] ^= 0x08;
		assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, hlen,
		    k_e, ctx->hr, hlen, m, hlen), 0);
		assert_memory_not_equal(m, base, hlen);
		sshbuf_mutable_ptr(k_e)[i] ^= 0x08;
	}
	assert_int_equal(sshbuf_put_u8(k_e, 0), 0);
	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, hlen,
	    k_e, ctx->hr, hlen, m, hlen), 0);
	assert_memory_not_equal(m, base, hlen);
	sshbuf_free(k_e);

	memcpy(hr, ctx->hr, sizeof(hr));
	for (i = 0; i < hlen; i++) {
		hr[i] ^= 0x08;
		assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, hlen,
		    ctx->k_e, hr, hlen, m, hlen), 0);
		assert_memory_not_equal(m, base, hlen);
		hr[i] ^= 0x08;
	}
}

/* The labels keep outputs over the same bytes apart */
static void
torture_kdf_labels(void **state)
{
	struct kdf_ctx *ctx = *state;
	u_char a[BIG], b[BIG];
	size_t hlen = ctx->hlen;
	int alg = ctx->alg;

	/* client and server MACs over the same transcript */
	assert_int_equal(resilient_kdf_client_mac(alg, ctx->r, hlen,
	    ctx->t_s, a, hlen), 0);
	assert_int_equal(resilient_kdf_server_mac(alg, ctx->r, hlen,
	    ctx->t_s, b, hlen), 0);
	assert_memory_equal(b, ctx->smac, hlen);
	assert_memory_not_equal(a, b, hlen);
	assert_memory_not_equal(ctx->cmac, ctx->smac, hlen);

	/* resume secret and ratchet over the same K, H and R */
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->h,
	    hlen, ctx->r, hlen, a, hlen), 0);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, hlen,
	    ctx->r, hlen, b, hlen), 0);
	assert_memory_not_equal(a, b, hlen);

	/* R and session_id are not interchangeable */
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->sid,
	    hlen, ctx->h, hlen, b, hlen), 0);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->h,
	    hlen, ctx->sid, hlen, a, hlen), 0);
	assert_memory_not_equal(a, b, hlen);
}

/* Argument validation */

static void
torture_kdf_resume_secret_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct sshbuf *empty;
	u_char want[BIG], out[BIG];
	size_t lens[NWRONG], i, n = ctx->hlen;
	int alg = ctx->alg;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->h, n,
	    ctx->sid, n, want, n), 0);
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_resume_secret(alg, NULL, ctx->h, n,
	    ctx->sid, n, out, n), inval);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, NULL, n,
	    ctx->sid, n, out, n), inval);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->h, n,
	    NULL, n, out, n), inval);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->h, n,
	    ctx->sid, n, NULL, n), inval);
	assert_int_equal(resilient_kdf_resume_secret(alg, empty, ctx->h, n,
	    ctx->sid, n, out, n), inval);
	for (i = 0; i < NELEM(bad_algs); i++)
		assert_int_equal(resilient_kdf_resume_secret(bad_algs[i],
		    ctx->k, ctx->h, n, ctx->sid, n, out, n), inval);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k,
		    ctx->h, lens[i], ctx->sid, n, out, n), inval);
		assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k,
		    ctx->h, n, ctx->sid, lens[i], out, n), inval);
		assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k,
		    ctx->h, n, ctx->sid, n, out, lens[i]), inval);
	}
	assert_untouched(out, sizeof(out));

	/* the same call with the right arguments works */
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, ctx->h, n,
	    ctx->sid, n, out, n), 0);
	assert_memory_equal(out, want, n);
	assert_untouched(out + n, sizeof(out) - n);
	sshbuf_free(empty);
}

static void
torture_kdf_ratchet_bad_args(void **state)
{
	static const size_t h2lens[] = { 20, 32, 48, 64 };
	struct kdf_ctx *ctx = *state;
	struct sshbuf *empty;
	u_char want[BIG], out[BIG];
	size_t lens[NWRONG], i, n = ctx->hlen;
	int alg = ctx->alg;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, n,
	    ctx->r, n, want, n), 0);
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_ratchet(alg, NULL, ctx->h, n,
	    ctx->r, n, out, n), inval);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, NULL, n,
	    ctx->r, n, out, n), inval);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, n,
	    NULL, n, out, n), inval);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, n,
	    ctx->r, n, NULL, n), inval);
	assert_int_equal(resilient_kdf_ratchet(alg, empty, ctx->h, n,
	    ctx->r, n, out, n), inval);
	for (i = 0; i < NELEM(bad_algs); i++)
		assert_int_equal(resilient_kdf_ratchet(bad_algs[i], ctx->k,
		    ctx->h, n, ctx->r, n, out, n), inval);
	/* H' may have any digest length, but not none or too much */
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, 0,
	    ctx->r, n, out, n), inval);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h,
	    SSH_DIGEST_MAX_LENGTH + 1, ctx->r, n, out, n), inval);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, n,
		    ctx->r, lens[i], out, n), inval);
		assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, n,
		    ctx->r, n, out, lens[i]), inval);
	}
	assert_untouched(out, sizeof(out));

	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h, n,
	    ctx->r, n, out, n), 0);
	assert_memory_equal(out, want, n);
	assert_untouched(out + n, sizeof(out) - n);
	/* H' of a rekey with SHA-1 or any SHA-2 is accepted */
	for (i = 0; i < NELEM(h2lens); i++)
		assert_int_equal(resilient_kdf_ratchet(alg, ctx->k, ctx->h,
		    h2lens[i], ctx->r, n, out, n), 0);
	sshbuf_free(empty);
}

static void
torture_kdf_token_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	u_char want[BIG], token[BIG];
	size_t lens[NWRONG], i, n = ctx->hlen;
	int alg = ctx->alg;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	assert_int_equal(resilient_kdf_token(alg, ctx->r, n, want,
	    RESILIENT_TOKEN_LEN), 0);
	memset(token, SENTINEL, sizeof(token));

	assert_int_equal(resilient_kdf_token(alg, NULL, n, token,
	    RESILIENT_TOKEN_LEN), inval);
	assert_int_equal(resilient_kdf_token(alg, ctx->r, n, NULL,
	    RESILIENT_TOKEN_LEN), inval);
	for (i = 0; i < NELEM(bad_algs); i++)
		assert_int_equal(resilient_kdf_token(bad_algs[i], ctx->r, n,
		    token, RESILIENT_TOKEN_LEN), inval);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++)
		assert_int_equal(resilient_kdf_token(alg, ctx->r, lens[i],
		    token, RESILIENT_TOKEN_LEN), inval);
	wrong_lens(RESILIENT_TOKEN_LEN, lens);
	for (i = 0; i < NWRONG; i++)
		assert_int_equal(resilient_kdf_token(alg, ctx->r, n, token,
		    lens[i]), inval);
	assert_untouched(token, sizeof(token));

	assert_int_equal(resilient_kdf_token(alg, ctx->r, n, token,
	    RESILIENT_TOKEN_LEN), 0);
	assert_memory_equal(token, want, RESILIENT_TOKEN_LEN);
	assert_untouched(token + RESILIENT_TOKEN_LEN,
	    sizeof(token) - RESILIENT_TOKEN_LEN);
}

static void
torture_kdf_client_mac_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct sshbuf *empty;
	u_char mac[BIG];
	size_t lens[NWRONG], i, n = ctx->hlen;
	int alg = ctx->alg;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(mac, SENTINEL, sizeof(mac));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_client_mac(alg, NULL, n, ctx->t_c,
	    mac, n), inval);
	assert_int_equal(resilient_kdf_client_mac(alg, ctx->r, n, NULL,
	    mac, n), inval);
	assert_int_equal(resilient_kdf_client_mac(alg, ctx->r, n, ctx->t_c,
	    NULL, n), inval);
	assert_int_equal(resilient_kdf_client_mac(alg, ctx->r, n, empty,
	    mac, n), inval);
	for (i = 0; i < NELEM(bad_algs); i++)
		assert_int_equal(resilient_kdf_client_mac(bad_algs[i], ctx->r,
		    n, ctx->t_c, mac, n), inval);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_client_mac(alg, ctx->r,
		    lens[i], ctx->t_c, mac, n), inval);
		assert_int_equal(resilient_kdf_client_mac(alg, ctx->r, n,
		    ctx->t_c, mac, lens[i]), inval);
	}
	assert_untouched(mac, sizeof(mac));

	assert_int_equal(resilient_kdf_client_mac(alg, ctx->r, n, ctx->t_c,
	    mac, n), 0);
	assert_memory_equal(mac, ctx->cmac, n);
	assert_untouched(mac + n, sizeof(mac) - n);
	/* the transcript is read, not consumed */
	assert_int_equal(resilient_kdf_client_mac(alg, ctx->r, n, ctx->t_c,
	    mac, n), 0);
	assert_memory_equal(mac, ctx->cmac, n);
	sshbuf_free(empty);
}

static void
torture_kdf_server_mac_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct sshbuf *empty;
	u_char mac[BIG];
	size_t lens[NWRONG], i, n = ctx->hlen;
	int alg = ctx->alg;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(mac, SENTINEL, sizeof(mac));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_server_mac(alg, NULL, n, ctx->t_s,
	    mac, n), inval);
	assert_int_equal(resilient_kdf_server_mac(alg, ctx->r, n, NULL,
	    mac, n), inval);
	assert_int_equal(resilient_kdf_server_mac(alg, ctx->r, n, ctx->t_s,
	    NULL, n), inval);
	assert_int_equal(resilient_kdf_server_mac(alg, ctx->r, n, empty,
	    mac, n), inval);
	for (i = 0; i < NELEM(bad_algs); i++)
		assert_int_equal(resilient_kdf_server_mac(bad_algs[i], ctx->r,
		    n, ctx->t_s, mac, n), inval);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_server_mac(alg, ctx->r,
		    lens[i], ctx->t_s, mac, n), inval);
		assert_int_equal(resilient_kdf_server_mac(alg, ctx->r, n,
		    ctx->t_s, mac, lens[i]), inval);
	}
	assert_untouched(mac, sizeof(mac));

	assert_int_equal(resilient_kdf_server_mac(alg, ctx->r, n, ctx->t_s,
	    mac, n), 0);
	assert_memory_equal(mac, ctx->smac, n);
	assert_untouched(mac + n, sizeof(mac) - n);
	sshbuf_free(empty);
}

static void
torture_kdf_reconnect_hash_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct sshbuf *empty;
	u_char out[BIG];
	size_t lens[NWRONG], i, n = ctx->hlen;
	int alg = ctx->alg;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(out, SENTINEL, sizeof(out));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_reconnect_hash(alg, NULL, ctx->smac, n,
	    out, n), inval);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t_s, NULL, n,
	    out, n), inval);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t_s,
	    ctx->smac, n, NULL, n), inval);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, empty, ctx->smac,
	    n, out, n), inval);
	for (i = 0; i < NELEM(bad_algs); i++)
		assert_int_equal(resilient_kdf_reconnect_hash(bad_algs[i],
		    ctx->t_s, ctx->smac, n, out, n), inval);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t_s,
		    ctx->smac, lens[i], out, n), inval);
		assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t_s,
		    ctx->smac, n, out, lens[i]), inval);
	}
	assert_untouched(out, sizeof(out));

	assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t_s,
	    ctx->smac, n, out, n), 0);
	assert_memory_equal(out, ctx->hr, n);
	assert_untouched(out + n, sizeof(out) - n);
	sshbuf_free(empty);
}

static void
torture_kdf_resume_key_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	struct sshbuf *empty;
	u_char want[BIG], out[BIG];
	size_t lens[NWRONG], i, n = ctx->hlen;
	int alg = ctx->alg;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n, ctx->k_e,
	    ctx->hr, n, want, n), 0);
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_resume_key(alg, NULL, n, ctx->k_e,
	    ctx->hr, n, out, n), inval);
	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n, NULL,
	    ctx->hr, n, out, n), inval);
	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n, ctx->k_e,
	    NULL, n, out, n), inval);
	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n, ctx->k_e,
	    ctx->hr, n, NULL, n), inval);
	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n, empty,
	    ctx->hr, n, out, n), inval);
	for (i = 0; i < NELEM(bad_algs); i++)
		assert_int_equal(resilient_kdf_resume_key(bad_algs[i], ctx->r,
		    n, ctx->k_e, ctx->hr, n, out, n), inval);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_resume_key(alg, ctx->r,
		    lens[i], ctx->k_e, ctx->hr, n, out, n), inval);
		assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n,
		    ctx->k_e, ctx->hr, lens[i], out, n), inval);
		assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n,
		    ctx->k_e, ctx->hr, n, out, lens[i]), inval);
	}
	assert_untouched(out, sizeof(out));

	assert_int_equal(resilient_kdf_resume_key(alg, ctx->r, n, ctx->k_e,
	    ctx->hr, n, out, n), 0);
	assert_memory_equal(out, want, n);
	assert_untouched(out + n, sizeof(out) - n);
	sshbuf_free(empty);
}

/* Unsupported hashes fail even when every length matches their HLEN */
static void
torture_kdf_unsupported_algs(void **state)
{
	struct sshbuf *k, *t, *kout;
	u_char in[BIG], out[BIG];
	size_t i, n;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(in, 0x33, sizeof(in));
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(k = buf_of(in, 36));
	assert_non_null(t = buf_of(in, 100));
	for (i = 0; i < NELEM(bad_algs); i++) {
		if ((n = ssh_digest_bytes(bad_algs[i])) == 0)
			n = 32;
		assert_int_equal(resilient_kdf_resume_secret(bad_algs[i], k,
		    in, n, in, n, out, n), inval);
		assert_int_equal(resilient_kdf_ratchet(bad_algs[i], k, in, n,
		    in, n, out, n), inval);
		assert_int_equal(resilient_kdf_token(bad_algs[i], in, n, out,
		    RESILIENT_TOKEN_LEN), inval);
		assert_int_equal(resilient_kdf_client_mac(bad_algs[i], in, n,
		    t, out, n), inval);
		assert_int_equal(resilient_kdf_server_mac(bad_algs[i], in, n,
		    t, out, n), inval);
		assert_int_equal(resilient_kdf_reconnect_hash(bad_algs[i], t,
		    in, n, out, n), inval);
		assert_int_equal(resilient_kdf_resume_key(bad_algs[i], in, n,
		    k, in, n, out, n), inval);
	}
	assert_untouched(out, sizeof(out));
	/* nor is a SHA-1 or MD5 sized R accepted as K */
	kout = (struct sshbuf *)in;
	assert_int_equal(resilient_kdf_secret_as_k(in, 20, &kout), inval);
	assert_null(kout);
	kout = (struct sshbuf *)in;
	assert_int_equal(resilient_kdf_secret_as_k(in, 16, &kout), inval);
	assert_null(kout);
	sshbuf_free(k);
	sshbuf_free(t);
}

/* Transcript encoding */

static void
torture_kdf_transcript_encoding(void **state)
{
	static const u_char kc[] = { 0x11, 0x22, 0x33 };
	static const u_char ks[] = { 0x44 };
	static const u_char expected[] = {
		/* string(V_C) */
		0x00, 0x00, 0x00, 0x09,
		'S', 'S', 'H', '-', '2', '.', '0', '-', 'a',
		/* string(V_S) */
		0x00, 0x00, 0x00, 0x0a,
		'S', 'S', 'H', '-', '2', '.', '0', '-', 'b', 'b',
		/* string(I_C): type byte 20, then the payload */
		0x00, 0x00, 0x00, 0x04, 0x14, 0x11, 0x22, 0x33,
		/* string(I_S) */
		0x00, 0x00, 0x00, 0x02, 0x14, 0x44,
		/* string(token) */
		0x00, 0x00, 0x00, 0x20,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
		/* string(Q_C) */
		0x00, 0x00, 0x00, 0x20,
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
		0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
		0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
		/* uint64(next_C) */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	struct sshbuf *t, *ic, *is;
	u_char token[RESILIENT_TOKEN_LEN], share[32];
	size_t i;

	for (i = 0; i < sizeof(token); i++)
		token[i] = i;
	for (i = 0; i < sizeof(share); i++)
		share[i] = 0xa0 + i;
	assert_non_null(ic = buf_of(kc, sizeof(kc)));
	assert_non_null(is = buf_of(ks, sizeof(ks)));
	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, "SSH-2.0-a",
	    "SSH-2.0-bb", ic, is, token, sizeof(token), share, sizeof(share),
	    0x0102030405060708ULL), 0);
	assert_buf_is(t, expected, sizeof(expected));
	/* the inputs are read, not consumed */
	assert_buf_is(ic, kc, sizeof(kc));
	assert_buf_is(is, ks, sizeof(ks));

	/* appended after what t already holds */
	sshbuf_reset(t);
	assert_int_equal(sshbuf_put(t, "pre", 3), 0);
	assert_int_equal(resilient_kdf_transcript(t, "SSH-2.0-a",
	    "SSH-2.0-bb", ic, is, token, sizeof(token), share, sizeof(share),
	    0x0102030405060708ULL), 0);
	assert_int_equal(sshbuf_len(t), 3 + sizeof(expected));
	assert_memory_equal(sshbuf_ptr(t), "pre", 3);
	assert_memory_equal(sshbuf_ptr(t) + 3, expected, sizeof(expected));
	sshbuf_free(t);
	sshbuf_free(ic);
	sshbuf_free(is);
}

static void
torture_kdf_transcript_server_encoding(void **state)
{
	static const u_char expected[] = {
		/* T_C as the caller had it */
		't', 'c', '!',
		/* string(client_mac) */
		0x00, 0x00, 0x00, 0x20,
		0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
		0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
		0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
		0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
		/* string(Q_S) */
		0x00, 0x00, 0x00, 0x21,
		0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
		0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
		0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
		0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
		0x60,
		/* uint64(next_S) */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	};
	struct sshbuf *t;
	u_char cmac[32], share[33];
	size_t i;

	for (i = 0; i < sizeof(cmac); i++)
		cmac[i] = 0xc0 + i;
	for (i = 0; i < sizeof(share); i++)
		share[i] = 0x40 + i;
	assert_non_null(t = buf_of("tc!", 3));
	assert_int_equal(resilient_kdf_transcript_server(t, cmac,
	    sizeof(cmac), share, sizeof(share), 0xfffffffffffffffeULL), 0);
	assert_buf_is(t, expected, sizeof(expected));
	sshbuf_free(t);
}

/* A failed transcript call returns the error and leaves t as it was */
static void
expect_transcript_fail(struct sshbuf *t, const char *v_c, const char *v_s,
    const struct sshbuf *ic, const struct sshbuf *is, const u_char *token,
    size_t tokenlen, const u_char *share, size_t sharelen, int want)
{
	assert_int_equal(resilient_kdf_transcript(t, v_c, v_s, ic, is,
	    token, tokenlen, share, sharelen, NEXT_C), want);
	if (t != NULL)
		assert_buf_is(t, "pre", 3);
}

static void
torture_kdf_transcript_bad_args(void **state)
{
	static const char *bad_versions[] = {
		"", "\r", "\n", "SSH-2.0-x\r", "SSH-2.0-x\n",
		"SSH-2.0-x\r\n", "SSH-2.0\r\n-x",
	};
	struct sshbuf *t, *ic, *is, *empty, *ro;
	u_char token[BIG], *share = big_share;
	size_t lens[NWRONG], i, sl = RESILIENT_SHARE_MIN;
	const size_t tl = RESILIENT_TOKEN_LEN;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(token, 0x42, sizeof(token));
	assert_non_null(t = buf_of("pre", 3));
	assert_non_null(ic = kexinit_of(0xc0, "kexinit-c"));
	assert_non_null(is = kexinit_of(0xd0, "kexinit-s"));
	assert_non_null(empty = sshbuf_new());

	expect_transcript_fail(NULL, V_C, V_S, ic, is, token, tl, share, sl,
	    inval);
	expect_transcript_fail(t, NULL, V_S, ic, is, token, tl, share, sl,
	    inval);
	expect_transcript_fail(t, V_C, NULL, ic, is, token, tl, share, sl,
	    inval);
	expect_transcript_fail(t, V_C, V_S, NULL, is, token, tl, share, sl,
	    inval);
	expect_transcript_fail(t, V_C, V_S, ic, NULL, token, tl, share, sl,
	    inval);
	expect_transcript_fail(t, V_C, V_S, ic, is, NULL, tl, share, sl,
	    inval);
	expect_transcript_fail(t, V_C, V_S, ic, is, token, tl, NULL, sl,
	    inval);
	for (i = 0; i < NELEM(bad_versions); i++) {
		expect_transcript_fail(t, bad_versions[i], V_S, ic, is, token,
		    tl, share, sl, inval);
		expect_transcript_fail(t, V_C, bad_versions[i], ic, is, token,
		    tl, share, sl, inval);
	}
	expect_transcript_fail(t, V_C, V_S, empty, is, token, tl, share, sl,
	    inval);
	expect_transcript_fail(t, V_C, V_S, ic, empty, token, tl, share, sl,
	    inval);
	wrong_lens(RESILIENT_TOKEN_LEN, lens);
	for (i = 0; i < NWRONG; i++)
		expect_transcript_fail(t, V_C, V_S, ic, is, token, lens[i],
		    share, sl, inval);

	/* an output buffer that cannot grow: error passed on, untouched */
	assert_non_null(ro = sshbuf_from("pre", 3));
	expect_transcript_fail(ro, V_C, V_S, ic, is, token, tl, share, sl,
	    SSH_ERR_BUFFER_READ_ONLY);

	assert_int_equal(resilient_kdf_transcript(t, V_C, V_S, ic, is,
	    token, tl, share, sl, NEXT_C), 0);
	assert_true(sshbuf_len(t) > 3);
	sshbuf_free(ro);
	sshbuf_free(t);
	sshbuf_free(ic);
	sshbuf_free(is);
	sshbuf_free(empty);
}

/* Shares of 32 to 2048 bytes (section 3.1), for T_C and T_S alike */
static void
torture_kdf_share_bounds(void **state)
{
	static const size_t bad[] = {
		0, 1, RESILIENT_SHARE_MIN - 1, RESILIENT_SHARE_MAX + 1,
		BIGSHARE,
	};
	static const size_t good[] = {
		RESILIENT_SHARE_MIN, RESILIENT_SHARE_MIN + 1, 97, 1216,
		RESILIENT_SHARE_MAX - 1, RESILIENT_SHARE_MAX,
	};
	static const uint64_t nexts[] = { 0, 1, UINT64_MAX };
	struct sshbuf *t, *ic, *is;
	u_char token[RESILIENT_TOKEN_LEN], cmac[RESILIENT_MAC_MIN];
	size_t i, j, base_c = 0, base_s = 0, len;

	fill(big_share, sizeof(big_share), 0x5c);
	memset(token, 0x42, sizeof(token));
	memset(cmac, 0x24, sizeof(cmac));
	assert_non_null(ic = kexinit_of(0xc0, "kexinit-c"));
	assert_non_null(is = kexinit_of(0xd0, "kexinit-s"));
	assert_non_null(t = buf_of("pre", 3));

	for (i = 0; i < NELEM(bad); i++) {
		assert_int_equal(resilient_kdf_transcript(t, V_C, V_S, ic, is,
		    token, sizeof(token), big_share, bad[i], NEXT_C),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_transcript_server(t, cmac,
		    sizeof(cmac), big_share, bad[i], NEXT_S),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_buf_is(t, "pre", 3);
	}
	for (i = 0; i < NELEM(good); i++) {
		for (j = 0; j < NELEM(nexts); j++) {
			/* T_C: everything before string(Q_C) is fixed */
			sshbuf_reset(t);
			assert_int_equal(resilient_kdf_transcript(t, V_C, V_S,
			    ic, is, token, sizeof(token), big_share, good[i],
			    nexts[j]), 0);
			len = sshbuf_len(t);
			if (base_c == 0)
				base_c = len - 4 - good[i] - 8;
			assert_int_equal(len, base_c + 4 + good[i] + 8);
			assert_int_equal(PEEK_U32(sshbuf_ptr(t) + base_c),
			    good[i]);
			assert_memory_equal(sshbuf_ptr(t) + base_c + 4,
			    big_share, good[i]);
			assert_true(PEEK_U64(sshbuf_ptr(t) + len - 8) ==
			    nexts[j]);

			/* T_S: string(client_mac), string(Q_S), next_S */
			base_s = sshbuf_len(t) + 4 + sizeof(cmac);
			assert_int_equal(resilient_kdf_transcript_server(t,
			    cmac, sizeof(cmac), big_share, good[i],
			    nexts[j]), 0);
			len = sshbuf_len(t);
			assert_int_equal(len, base_s + 4 + good[i] + 8);
			assert_int_equal(PEEK_U32(sshbuf_ptr(t) + base_s),
			    good[i]);
			assert_memory_equal(sshbuf_ptr(t) + base_s + 4,
			    big_share, good[i]);
			assert_true(PEEK_U64(sshbuf_ptr(t) + len - 8) ==
			    nexts[j]);
		}
	}
	sshbuf_free(t);
	sshbuf_free(ic);
	sshbuf_free(is);
}

/* A failed extension to T_S returns the error and leaves t as it was */
static void
expect_server_fail(struct sshbuf *t, const u_char *cmac, size_t cmaclen,
    const u_char *share, size_t sharelen, int want)
{
	assert_int_equal(resilient_kdf_transcript_server(t, cmac, cmaclen,
	    share, sharelen, NEXT_S), want);
	if (t != NULL)
		assert_buf_is(t, "T_C", 3);
}

static void
torture_kdf_transcript_server_bad_args(void **state)
{
	static const size_t bad_maclens[] = {
		0, 1, RESILIENT_MAC_MIN - 1, RESILIENT_MAC_MAX + 1, BIG,
	};
	static const size_t good_maclens[] = {
		RESILIENT_MAC_MIN, 48, RESILIENT_MAC_MAX,
	};
	struct sshbuf *t, *empty, *ro;
	u_char cmac[BIG], *share = big_share;
	size_t i, sl = RESILIENT_SHARE_MIN;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(cmac, 0x24, sizeof(cmac));
	assert_non_null(t = buf_of("T_C", 3));
	assert_non_null(empty = sshbuf_new());

	expect_server_fail(NULL, cmac, RESILIENT_MAC_MIN, share, sl, inval);
	expect_server_fail(t, NULL, RESILIENT_MAC_MIN, share, sl, inval);
	expect_server_fail(t, cmac, RESILIENT_MAC_MIN, NULL, sl, inval);
	for (i = 0; i < NELEM(bad_maclens); i++)
		expect_server_fail(t, cmac, bad_maclens[i], share, sl, inval);
	/* T_S extends a T_C: an empty one is refused and left empty */
	assert_int_equal(resilient_kdf_transcript_server(empty, cmac,
	    RESILIENT_MAC_MIN, share, sl, NEXT_S), inval);
	assert_int_equal(sshbuf_len(empty), 0);

	/* an output buffer that cannot grow: error passed on, untouched */
	assert_non_null(ro = sshbuf_from("T_C", 3));
	expect_server_fail(ro, cmac, RESILIENT_MAC_MIN, share, sl,
	    SSH_ERR_BUFFER_READ_ONLY);

	for (i = 0; i < NELEM(good_maclens); i++) {
		sshbuf_reset(t);
		assert_int_equal(sshbuf_put(t, "T_C", 3), 0);
		assert_int_equal(resilient_kdf_transcript_server(t, cmac,
		    good_maclens[i], share, sl, NEXT_S), 0);
		assert_int_equal(sshbuf_len(t),
		    3 + 4 + good_maclens[i] + 4 + sl + 8);
	}
	sshbuf_free(ro);
	sshbuf_free(t);
	sshbuf_free(empty);
}

static void
torture_kdf_secret_as_k_bad_args(void **state)
{
	static const size_t bad_lens[] = {
		0, 1, 16, 20, 31, 33, 47, 49, 63, 65, 128
	};
	static const size_t good_lens[] = { 32, 48, 64 };
	struct sshbuf *k;
	u_char r[BIG];
	size_t i;

	for (i = 0; i < sizeof(r); i++)
		r[i] = 0xff - i;
	k = (struct sshbuf *)r;		/* must be overwritten */
	assert_int_equal(resilient_kdf_secret_as_k(NULL, 32, &k),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_null(k);
	assert_int_equal(resilient_kdf_secret_as_k(r, 32, NULL),
	    SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NELEM(bad_lens); i++) {
		k = (struct sshbuf *)r;		/* must be overwritten */
		assert_int_equal(resilient_kdf_secret_as_k(r, bad_lens[i],
		    &k), SSH_ERR_INVALID_ARGUMENT);
		assert_null(k);
	}
	/* string(R): a length, then the bytes as they are */
	for (i = 0; i < NELEM(good_lens); i++) {
		assert_int_equal(resilient_kdf_secret_as_k(r, good_lens[i],
		    &k), 0);
		assert_non_null(k);
		assert_int_equal(sshbuf_len(k), 4 + good_lens[i]);
		assert_int_equal(PEEK_U32(sshbuf_ptr(k)), good_lens[i]);
		assert_memory_equal(sshbuf_ptr(k) + 4, r, good_lens[i]);
		sshbuf_free(k);
	}
}

static void
torture_kdf_mac_check(void **state)
{
	static const size_t lens[] = {
		RESILIENT_MAC_MIN, 48, RESILIENT_MAC_MAX
	};
	u_char a[RESILIENT_MAC_MAX], b[RESILIENT_MAC_MAX];
	size_t i, j, pos[3];
	u_char bit;

	for (i = 0; i < sizeof(a); i++)
		a[i] = 0x5a ^ (i * 7);
	for (i = 0; i < NELEM(lens); i++) {
		memcpy(b, a, sizeof(b));
		assert_int_equal(resilient_kdf_mac_check(a, b, lens[i]), 0);
		assert_int_equal(resilient_kdf_mac_check(a, a, lens[i]), 0);
		pos[0] = 0;
		pos[1] = lens[i] / 2;
		pos[2] = lens[i] - 1;
		for (j = 0; j < NELEM(pos); j++) {
			for (bit = 0x01; bit != 0; bit <<= 1) {
				b[pos[j]] ^= bit;
				assert_int_equal(resilient_kdf_mac_check(a, b,
				    lens[i]), SSH_ERR_MAC_INVALID);
				assert_int_equal(resilient_kdf_mac_check(b, a,
				    lens[i]), SSH_ERR_MAC_INVALID);
				b[pos[j]] ^= bit;
				assert_int_equal(resilient_kdf_mac_check(a, b,
				    lens[i]), 0);
			}
		}
	}
	/* a difference beyond len is not looked at */
	memcpy(b, a, sizeof(b));
	b[RESILIENT_MAC_MIN] ^= 0x01;
	assert_int_equal(resilient_kdf_mac_check(a, b, RESILIENT_MAC_MIN), 0);
	assert_int_equal(resilient_kdf_mac_check(a, b, RESILIENT_MAC_MAX),
	    SSH_ERR_MAC_INVALID);
}

static void
torture_kdf_mac_check_bad_args(void **state)
{
	static const size_t bad_lens[] = {
		0, 1, RESILIENT_MAC_MIN - 1, RESILIENT_MAC_MAX + 1
	};
	u_char a[BIG], b[BIG];
	size_t i;

	memset(a, 0x11, sizeof(a));
	memset(b, 0x11, sizeof(b));
	assert_int_equal(resilient_kdf_mac_check(NULL, b, RESILIENT_MAC_MIN),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_mac_check(a, NULL, RESILIENT_MAC_MIN),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_mac_check(NULL, NULL, 0),
	    SSH_ERR_INVALID_ARGUMENT);
	/* equal contents must not pass with a bogus length */
	for (i = 0; i < NELEM(bad_lens); i++)
		assert_int_equal(resilient_kdf_mac_check(a, b, bad_lens[i]),
		    SSH_ERR_INVALID_ARGUMENT);
}

#define KDF_TEST(f, p, name) \
	{ #f "/" name, f, setup, teardown, (void *)&p }
#define KDF_TESTS(f)	KDF_TEST(f, p_sha256, "sha256"), \
			KDF_TEST(f, p_sha384, "sha384"), \
			KDF_TEST(f, p_sha512, "sha512")

int
main(void)
{
	const struct CMUnitTest tests[] = {
		KDF_TESTS(torture_kdf_formulas),
		KDF_TESTS(torture_kdf_ratchet_alias),
		KDF_TESTS(torture_kdf_transcript_binding),
		KDF_TESTS(torture_kdf_transcript_server_binding),
		KDF_TESTS(torture_kdf_reconnect_hash_binding),
		KDF_TESTS(torture_kdf_resume_key_binding),
		KDF_TESTS(torture_kdf_labels),
		KDF_TESTS(torture_kdf_resume_secret_bad_args),
		KDF_TESTS(torture_kdf_ratchet_bad_args),
		KDF_TESTS(torture_kdf_token_bad_args),
		KDF_TESTS(torture_kdf_client_mac_bad_args),
		KDF_TESTS(torture_kdf_server_mac_bad_args),
		KDF_TESTS(torture_kdf_reconnect_hash_bad_args),
		KDF_TESTS(torture_kdf_resume_key_bad_args),
		cmocka_unit_test(torture_kdf_unsupported_algs),
		cmocka_unit_test(torture_kdf_transcript_encoding),
		cmocka_unit_test(torture_kdf_transcript_server_encoding),
		cmocka_unit_test(torture_kdf_transcript_bad_args),
		cmocka_unit_test(torture_kdf_share_bounds),
		cmocka_unit_test(torture_kdf_transcript_server_bad_args),
		cmocka_unit_test(torture_kdf_secret_as_k_bad_args),
		cmocka_unit_test(torture_kdf_mac_check),
		cmocka_unit_test(torture_kdf_mac_check_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
