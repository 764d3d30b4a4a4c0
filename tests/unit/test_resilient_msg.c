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

/* Unit tests for the resilient message body codec (cmocka). */

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
#include "ssherr.h"
#include "resilient-proto.h"
#include "resilient-msg.h"

#define IN_MAX		512	/* bodies are placed at the end of this */
#define FILL		0xaa	/* output poison, to see what was written */
#define CANARY_LEN	16
#define FUZZ_ITERS	100000	/* default; env RESILIENT_MSG_FUZZ_ITERS */
#define FUZZ_MAXLEN	200

enum kind { K_COUNTER, K_RECONNECT, K_REPLY };

struct ctx {
	struct sshbuf *b;	/* encoder output */
	u_char *in;		/* IN_MAX heap bytes; see place() */
};

/* Decoder outputs, poisoned with FILL before each call */
struct out {
	uint64_t next;
	size_t maclen;
	u_char token[RESILIENT_TOKEN_LEN];
	u_char mac[RESILIENT_MAC_MAX];
	u_char canary[CANARY_LEN];
};

struct vector {
	enum kind kind;
	const u_char *body;
	size_t len;
	uint64_t next;		/* K_COUNTER */
	size_t maclen;		/* K_RECONNECT, K_REPLY */
};

/* Hand-written expected encodings */

static const u_char ack_0102[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};
static const u_char ack_zero[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const u_char ack_max[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
static const u_char ack_high[] = {
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};

/* token 00..1f, mac a0..bf */
static const u_char reconnect_32[] = {
	0x00, 0x00, 0x00, 0x20,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x00, 0x00, 0x20,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* token 00..1f, mac c0..ef */
static const u_char reconnect_48[] = {
	0x00, 0x00, 0x00, 0x20,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x00, 0x00, 0x30,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
};

/* token 00..1f, mac 40..7f */
static const u_char reconnect_64[] = {
	0x00, 0x00, 0x00, 0x20,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x00, 0x00, 0x40,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
};

/* mac a0..bf */
static const u_char reply_32[] = {
	0x00, 0x00, 0x00, 0x20,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* mac c0..ef */
static const u_char reply_48[] = {
	0x00, 0x00, 0x00, 0x30,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
};

/* mac 40..7f */
static const u_char reply_64[] = {
	0x00, 0x00, 0x00, 0x40,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
};

static const struct vector vectors[] = {
	{ K_COUNTER, ack_0102, sizeof(ack_0102), 0x0102030405060708ULL, 0 },
	{ K_COUNTER, ack_zero, sizeof(ack_zero), 0, 0 },
	{ K_COUNTER, ack_max, sizeof(ack_max), UINT64_MAX, 0 },
	{ K_COUNTER, ack_high, sizeof(ack_high), 0x8000000000000001ULL, 0 },
	{ K_RECONNECT, reconnect_32, sizeof(reconnect_32), 0, 32 },
	{ K_RECONNECT, reconnect_48, sizeof(reconnect_48), 0, 48 },
	{ K_RECONNECT, reconnect_64, sizeof(reconnect_64), 0, 64 },
	{ K_REPLY, reply_32, sizeof(reply_32), 0, 32 },
	{ K_REPLY, reply_48, sizeof(reply_48), 0, 48 },
	{ K_REPLY, reply_64, sizeof(reply_64), 0, 64 },
};
#define NVECTORS	(sizeof(vectors) / sizeof(vectors[0]))

/* Token and MACs of the vectors above, built independently of them */
static void
fill_seq(u_char *p, size_t len, u_char first)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u_char)(first + i);
}

static u_char
mac_first(size_t maclen)
{
	switch (maclen) {
	case 32:
		return 0xa0;
	case 48:
		return 0xc0;
	default:
		return 0x40;
	}
}

/* Returns 1 if all len bytes at p are v (0 or FILL) */
static int
all_equal(const u_char *p, size_t len, u_char v)
{
	static u_char ref[2][sizeof(struct out)];
	static int init;

	if (!init) {
		memset(ref[1], FILL, sizeof(ref[1]));
		init = 1;
	}
	assert_true(v == 0 || v == FILL);
	assert_true(len <= sizeof(ref[0]));
	return memcmp(p, ref[v == FILL], len) == 0;
}

/* xorshift64*, fixed seed: every run sees the same inputs */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void
rnd_fill(uint64_t *s, u_char *p, size_t len)
{
	uint64_t x;
	size_t n;

	while (len > 0) {
		x = rnd(s);
		n = len < sizeof(x) ? len : sizeof(x);
		memcpy(p, &x, n);
		p += n;
		len -= n;
	}
}

/* A length field: often near a boundary, sometimes anything */
static u_int32_t
rnd_len(uint64_t *s)
{
	static const u_int32_t interesting[] = {
		0, 1, 4, 8, 31, 32, 33, 47, 48, 49, 63, 64, 65, 128, 200,
		0x7fffffff, 0x80000000, 0x80000020, 0xfffffffc, 0xffffffff,
	};
	uint64_t x = rnd(s);

	switch (x % 3) {
	case 0:
		return interesting[(x >> 8) %
		    (sizeof(interesting) / sizeof(interesting[0]))];
	case 1:
		return (u_int32_t)((x >> 8) % 80);
	default:
		return (u_int32_t)(x >> 32);
	}
}

static void
put_u32(u_char *p, u_int32_t v)
{
	p[0] = (u_char)(v >> 24);
	p[1] = (u_char)(v >> 16);
	p[2] = (u_char)(v >> 8);
	p[3] = (u_char)v;
}

static u_int32_t
get_u32(const u_char *p)
{
	return ((u_int32_t)p[0] << 24) | ((u_int32_t)p[1] << 16) |
	    ((u_int32_t)p[2] << 8) | (u_int32_t)p[3];
}

/*
 * Copy a body to the very end of a heap block of its exact extent, so
 * that valgrind (or ASan) flags any read past len.
 */
static const u_char *
place(struct ctx *c, const u_char *body, size_t len)
{
	u_char *p;

	assert_true(len <= IN_MAX);
	p = c->in + IN_MAX - len;
	if (len != 0)
		memmove(p, body, len);
	return p;
}

static void
out_reset(struct out *o)
{
	memset(o, FILL, sizeof(*o));
}

static void
assert_canary(const struct out *o)
{
	assert_true(all_equal(o->canary, sizeof(o->canary), FILL));
}

/* Reference model of the decoders' result, written from the spec rules */
static int
model_string(const u_char *p, size_t len, size_t *offp, size_t min,
    size_t max)
{
	u_int32_t slen;

	if (len - *offp < 4)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	slen = get_u32(p + *offp);
	if (slen < min || slen > max)
		return SSH_ERR_INVALID_FORMAT;
	if (len - *offp - 4 < slen)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	*offp += 4 + slen;
	return 0;
}

static int
model(enum kind kind, const u_char *p, size_t len, size_t expected_maclen)
{
	size_t off = 0;
	int r;

	switch (kind) {
	case K_COUNTER:
		off = RESILIENT_COUNTER_LEN;
		if (len < off)
			return SSH_ERR_MESSAGE_INCOMPLETE;
		break;
	case K_RECONNECT:
		if ((r = model_string(p, len, &off, RESILIENT_TOKEN_LEN,
		    RESILIENT_TOKEN_LEN)) != 0 ||
		    (r = model_string(p, len, &off, RESILIENT_MAC_MIN,
		    RESILIENT_MAC_MAX)) != 0)
			return r;
		break;
	case K_REPLY:
		if ((r = model_string(p, len, &off, expected_maclen,
		    expected_maclen)) != 0)
			return r;
		break;
	}
	return off == len ? 0 : SSH_ERR_UNEXPECTED_TRAILING_DATA;
}

/*
 * Run the decoder for kind on body and check its result against want
 * (0 or an error). On success the outputs must match the body and
 * re-encoding must reproduce it byte for byte. On error the outputs must
 * be zero. No output byte outside the destination may ever change.
 */
static void
check_decode(struct ctx *c, enum kind kind, const u_char *body, size_t len,
    size_t expected_maclen, int want)
{
	const u_char *p;
	struct out o;
	int r;

	p = place(c, body, len);
	out_reset(&o);
	switch (kind) {
	case K_COUNTER:
		r = resilient_msg_get_counter(p, len, &o.next);
		assert_int_equal(r, want);
		if (r != 0) {
			assert_int_equal(o.next, 0);
			break;
		}
		sshbuf_reset(c->b);
		assert_int_equal(resilient_msg_put_counter(c->b, o.next), 0);
		break;
	case K_RECONNECT:
		r = resilient_msg_get_reconnect(p, len, o.token, o.mac,
		    &o.maclen);
		assert_int_equal(r, want);
		if (r != 0) {
			assert_true(all_equal(o.token, sizeof(o.token), 0));
			assert_true(all_equal(o.mac, sizeof(o.mac), 0));
			assert_int_equal(o.maclen, 0);
			break;
		}
		assert_in_range(o.maclen, RESILIENT_MAC_MIN, RESILIENT_MAC_MAX);
		assert_true(all_equal(o.mac + o.maclen,
		    sizeof(o.mac) - o.maclen, 0));
		sshbuf_reset(c->b);
		assert_int_equal(resilient_msg_put_reconnect(c->b, o.token,
		    sizeof(o.token), o.mac, o.maclen), 0);
		break;
	case K_REPLY:
		r = resilient_msg_get_reconnect_reply(p, len, o.mac,
		    expected_maclen);
		assert_int_equal(r, want);
		/* never a byte beyond expected_maclen */
		assert_true(all_equal(o.mac + expected_maclen,
		    sizeof(o.mac) - expected_maclen, FILL));
		if (r != 0) {
			assert_true(all_equal(o.mac, expected_maclen, 0));
			break;
		}
		sshbuf_reset(c->b);
		assert_int_equal(resilient_msg_put_reconnect_reply(c->b,
		    o.mac, expected_maclen), 0);
		break;
	}
	assert_canary(&o);
	if (want == 0) {
		assert_int_equal(sshbuf_len(c->b), len);
		assert_memory_equal(sshbuf_ptr(c->b), body, len);
	}
}

/* Encode vector v after a one-byte prefix, then compare by hand */
static void
check_encode(struct ctx *c, const struct vector *v)
{
	u_char token[RESILIENT_TOKEN_LEN], mac[RESILIENT_MAC_MAX];

	sshbuf_reset(c->b);
	assert_int_equal(sshbuf_put_u8(c->b, 0x55), 0);
	fill_seq(token, sizeof(token), 0x00);
	fill_seq(mac, v->maclen, mac_first(v->maclen));
	switch (v->kind) {
	case K_COUNTER:
		assert_int_equal(resilient_msg_put_counter(c->b, v->next), 0);
		break;
	case K_RECONNECT:
		assert_int_equal(resilient_msg_put_reconnect(c->b, token,
		    sizeof(token), mac, v->maclen), 0);
		break;
	case K_REPLY:
		assert_int_equal(resilient_msg_put_reconnect_reply(c->b, mac,
		    v->maclen), 0);
		break;
	}
	assert_int_equal(sshbuf_len(c->b), 1 + v->len);
	assert_int_equal(*sshbuf_ptr(c->b), 0x55);
	assert_memory_equal(sshbuf_ptr(c->b) + 1, v->body, v->len);
}

/* Decode vector v and compare the outputs with its known fields */
static void
check_vector_decode(struct ctx *c, const struct vector *v)
{
	u_char token[RESILIENT_TOKEN_LEN], mac[RESILIENT_MAC_MAX];
	const u_char *p;
	struct out o;

	fill_seq(token, sizeof(token), 0x00);
	fill_seq(mac, v->maclen, mac_first(v->maclen));
	p = place(c, v->body, v->len);
	out_reset(&o);
	switch (v->kind) {
	case K_COUNTER:
		assert_int_equal(resilient_msg_get_counter(p, v->len,
		    &o.next), 0);
		assert_int_equal(o.next, v->next);
		break;
	case K_RECONNECT:
		assert_int_equal(resilient_msg_get_reconnect(p, v->len,
		    o.token, o.mac, &o.maclen), 0);
		assert_memory_equal(o.token, token, sizeof(token));
		assert_int_equal(o.maclen, v->maclen);
		assert_memory_equal(o.mac, mac, v->maclen);
		break;
	case K_REPLY:
		assert_int_equal(resilient_msg_get_reconnect_reply(p, v->len,
		    o.mac, v->maclen), 0);
		assert_memory_equal(o.mac, mac, v->maclen);
		assert_true(all_equal(o.mac + v->maclen,
		    sizeof(o.mac) - v->maclen, FILL));
		break;
	}
	assert_canary(&o);
	/* and the generic check, which re-encodes */
	check_decode(c, v->kind, v->body, v->len, v->maclen, 0);
}

static size_t
fuzz_iters(void)
{
	const char *s, *errstr = NULL;
	long long n;

	if ((s = getenv("RESILIENT_MSG_FUZZ_ITERS")) == NULL)
		return FUZZ_ITERS;
	n = strtonum(s, 1, 100000000, &errstr);
	assert_null(errstr);
	return (size_t)n;
}

static int
setup(void **state)
{
	struct ctx *c;

	assert_non_null(c = calloc(1, sizeof(*c)));
	assert_non_null(c->b = sshbuf_new());
	assert_non_null(c->in = malloc(IN_MAX));
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	sshbuf_free(c->b);
	free(c->in);
	free(c);
	return 0;
}

static void
torture_msg_vectors(void **state)
{
	struct ctx *c = *state;
	size_t i;

	for (i = 0; i < NVECTORS; i++) {
		check_encode(c, &vectors[i]);
		check_vector_decode(c, &vectors[i]);
	}
}

/* Every proper prefix of every valid body is incomplete, whatever follows */
static void
torture_msg_truncated(void **state)
{
	struct ctx *c = *state;
	const struct vector *v;
	size_t i, n;

	for (i = 0; i < NVECTORS; i++) {
		v = &vectors[i];
		for (n = 0; n < v->len; n++) {
			check_decode(c, v->kind, v->body, n, v->maclen,
			    SSH_ERR_MESSAGE_INCOMPLETE);
		}
	}
}

static void
torture_msg_trailing(void **state)
{
	struct ctx *c = *state;
	const struct vector *v;
	u_char buf[256];
	size_t i, extra;

	for (i = 0; i < NVECTORS; i++) {
		v = &vectors[i];
		for (extra = 1; extra <= 100; extra += 33) {
			assert_true(v->len + extra <= sizeof(buf));
			memcpy(buf, v->body, v->len);
			memset(buf + v->len, 0, extra);
			check_decode(c, v->kind, buf, v->len + extra,
			    v->maclen, SSH_ERR_UNEXPECTED_TRAILING_DATA);
			/* a plausible string after the body is still junk */
			memcpy(buf + v->len, v->body, extra < v->len ?
			    extra : v->len);
			check_decode(c, v->kind, buf, v->len + extra,
			    v->maclen, SSH_ERR_UNEXPECTED_TRAILING_DATA);
		}
	}
}

/*
 * Build a string whose length field says slen but which holds only
 * min(slen, have) bytes, followed by rest.
 */
static size_t
build_string(u_char *buf, size_t bufsz, u_int32_t slen, size_t have,
    const u_char *rest, size_t restlen)
{
	size_t n;

	n = slen < have ? slen : have;
	assert_true(4 + n + restlen <= bufsz);
	put_u32(buf, slen);
	memset(buf + 4, 0x5c, n);
	if (restlen != 0)
		memcpy(buf + 4 + n, rest, restlen);
	return 4 + n + restlen;
}

static void
torture_msg_bad_token_len(void **state)
{
	struct ctx *c = *state;
	static const u_int32_t lens[] = {
		0, 1, 31, 33, 64, 0x7fffffff, 0x80000000, 0x80000020,
		0xffffffff,
	};
	const u_char *macstr = reconnect_32 + 4 + RESILIENT_TOKEN_LEN;
	u_char buf[256];
	size_t i, len, have;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* as many token bytes as claimed (up to 100), then a mac */
		len = build_string(buf, sizeof(buf), lens[i], 100, macstr, 36);
		check_decode(c, K_RECONNECT, buf, len, 0,
		    SSH_ERR_INVALID_FORMAT);
		/* the length is judged before the bytes are looked for */
		for (have = 0; have <= 40; have += 8) {
			len = build_string(buf, sizeof(buf), lens[i], have,
			    NULL, 0);
			check_decode(c, K_RECONNECT, buf, len, 0,
			    SSH_ERR_INVALID_FORMAT);
		}
	}
}

static void
torture_msg_bad_mac_len(void **state)
{
	struct ctx *c = *state;
	static const u_int32_t lens[] = {
		0, 1, 16, 31, 65, 128, 0x7fffffff, 0x80000000, 0x80000020,
		0xffffffff,
	};
	u_char buf[256];
	size_t i, len, have, tok = 4 + RESILIENT_TOKEN_LEN;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (have = 0; have <= 100; have += 25) {
			/* RECONNECT: valid token, then the bad mac */
			memcpy(buf, reconnect_32, tok);
			len = tok + build_string(buf + tok, sizeof(buf) - tok,
			    lens[i], have, NULL, 0);
			check_decode(c, K_RECONNECT, buf, len, 0,
			    SSH_ERR_INVALID_FORMAT);
			/* REPLY, for every expected length */
			len = build_string(buf, sizeof(buf), lens[i], have,
			    NULL, 0);
			check_decode(c, K_REPLY, buf, len, 32,
			    SSH_ERR_INVALID_FORMAT);
			check_decode(c, K_REPLY, buf, len, 48,
			    SSH_ERR_INVALID_FORMAT);
			check_decode(c, K_REPLY, buf, len, 64,
			    SSH_ERR_INVALID_FORMAT);
		}
	}
}

/* A reply whose mac is valid in itself but not the negotiated length */
static void
torture_msg_reply_mismatch(void **state)
{
	struct ctx *c = *state;
	static const struct {
		size_t have, expected;
	} cases[] = {
		{ 64, 32 }, { 48, 32 }, { 33, 32 }, { 64, 48 }, { 32, 64 },
		{ 32, 48 }, { 48, 64 }, { 63, 64 },
	};
	u_char buf[256], *mac;
	const u_char *p;
	size_t i, len, exp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		exp = cases[i].expected;
		len = build_string(buf, sizeof(buf), cases[i].have, 100,
		    NULL, 0);
		check_decode(c, K_REPLY, buf, len, exp,
		    SSH_ERR_INVALID_FORMAT);
		/* destination of exactly exp bytes on the heap */
		assert_non_null(mac = malloc(exp));
		memset(mac, FILL, exp);
		p = place(c, buf, len);
		assert_int_equal(resilient_msg_get_reconnect_reply(p, len, mac,
		    exp), SSH_ERR_INVALID_FORMAT);
		assert_true(all_equal(mac, exp, 0));
		free(mac);
	}
}

static void
torture_msg_decode_bad_args(void **state)
{
	struct ctx *c = *state;
	static const size_t bad_maclen[] = {
		0, 1, 31, 65, 128, SIZE_MAX,
	};
	const u_char *p;
	struct out o;
	size_t i;

	p = place(c, ack_0102, sizeof(ack_0102));
	o.next = 1;
	assert_int_equal(resilient_msg_get_counter(NULL, 8, &o.next),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(o.next, 0);
	assert_int_equal(resilient_msg_get_counter(NULL, 0, &o.next),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_get_counter(p, 8, NULL),
	    SSH_ERR_INVALID_ARGUMENT);

	p = place(c, reconnect_32, sizeof(reconnect_32));
	out_reset(&o);
	assert_int_equal(resilient_msg_get_reconnect(NULL,
	    sizeof(reconnect_32), o.token, o.mac, &o.maclen),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_true(all_equal(o.token, sizeof(o.token), 0));
	assert_true(all_equal(o.mac, sizeof(o.mac), 0));
	assert_int_equal(o.maclen, 0);
	assert_int_equal(resilient_msg_get_reconnect(p, sizeof(reconnect_32),
	    NULL, o.mac, &o.maclen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_get_reconnect(p, sizeof(reconnect_32),
	    o.token, NULL, &o.maclen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_get_reconnect(p, sizeof(reconnect_32),
	    o.token, o.mac, NULL), SSH_ERR_INVALID_ARGUMENT);
	assert_canary(&o);

	p = place(c, reply_32, sizeof(reply_32));
	out_reset(&o);
	assert_int_equal(resilient_msg_get_reconnect_reply(NULL,
	    sizeof(reply_32), o.mac, 32), SSH_ERR_INVALID_ARGUMENT);
	assert_true(all_equal(o.mac, 32, 0));
	assert_int_equal(resilient_msg_get_reconnect_reply(p,
	    sizeof(reply_32), NULL, 32), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < sizeof(bad_maclen) / sizeof(bad_maclen[0]); i++) {
		/* the size of mac is unknown, so it must stay untouched */
		out_reset(&o);
		assert_int_equal(resilient_msg_get_reconnect_reply(p,
		    sizeof(reply_32), o.mac, bad_maclen[i]),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_true(all_equal((u_char *)&o, sizeof(o), FILL));
	}
}

static void
torture_msg_encode_bad_args(void **state)
{
	struct ctx *c = *state;
	static const size_t bad_tokenlen[] = { 0, 1, 31, 33, 64, SIZE_MAX };
	static const size_t bad_maclen[] = { 0, 1, 31, 65, 128, SIZE_MAX };
	u_char token[RESILIENT_TOKEN_LEN], mac[RESILIENT_MAC_MAX];
	struct sshbuf *ro;
	size_t i;

	fill_seq(token, sizeof(token), 0x00);
	fill_seq(mac, sizeof(mac), 0x40);
	sshbuf_reset(c->b);
	assert_int_equal(sshbuf_put_u8(c->b, 0x55), 0);

	assert_int_equal(resilient_msg_put_counter(NULL, 1),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_put_reconnect(NULL, token,
	    sizeof(token), mac, 32), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_put_reconnect(c->b, NULL,
	    sizeof(token), mac, 32), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_put_reconnect(c->b, token,
	    sizeof(token), NULL, 32), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < sizeof(bad_tokenlen) / sizeof(bad_tokenlen[0]); i++) {
		assert_int_equal(resilient_msg_put_reconnect(c->b, token,
		    bad_tokenlen[i], mac, 32), SSH_ERR_INVALID_ARGUMENT);
	}
	for (i = 0; i < sizeof(bad_maclen) / sizeof(bad_maclen[0]); i++) {
		assert_int_equal(resilient_msg_put_reconnect(c->b, token,
		    sizeof(token), mac, bad_maclen[i]),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_msg_put_reconnect_reply(c->b, mac,
		    bad_maclen[i]), SSH_ERR_INVALID_ARGUMENT);
	}
	assert_int_equal(resilient_msg_put_reconnect_reply(NULL, mac, 32),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_put_reconnect_reply(c->b, NULL, 32),
	    SSH_ERR_INVALID_ARGUMENT);
	/* nothing was appended by any of the above */
	assert_int_equal(sshbuf_len(c->b), 1);

	/* a failing buffer leaves no partial message behind */
	assert_int_equal(sshbuf_set_max_size(c->b, 40), 0);
	assert_int_equal(resilient_msg_put_reconnect(c->b, token,
	    sizeof(token), mac, 32), SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(sshbuf_len(c->b), 1);
	assert_int_equal(resilient_msg_put_reconnect_reply(c->b, mac, 64),
	    SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(sshbuf_len(c->b), 1);
	assert_int_equal(resilient_msg_put_reconnect_reply(c->b, mac, 32), 0);
	assert_int_equal(sshbuf_len(c->b), 1 + 4 + 32);
	assert_int_equal(resilient_msg_put_counter(c->b, 1),
	    SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(sshbuf_len(c->b), 1 + 4 + 32);

	assert_non_null(ro = sshbuf_from(ack_0102, sizeof(ack_0102)));
	assert_int_equal(resilient_msg_put_counter(ro, 1),
	    SSH_ERR_BUFFER_READ_ONLY);
	assert_int_equal(resilient_msg_put_reconnect(ro, token,
	    sizeof(token), mac, 32), SSH_ERR_BUFFER_READ_ONLY);
	assert_int_equal(resilient_msg_put_reconnect_reply(ro, mac, 32),
	    SSH_ERR_BUFFER_READ_ONLY);
	assert_int_equal(sshbuf_len(ro), sizeof(ack_0102));
	sshbuf_free(ro);
}

static void
torture_msg_type_name(void **state)
{
	const char *s;
	u_int t;
	size_t n = 0;

	assert_string_equal(resilient_msg_type_name(30),
	    "SSH2_MSG_RESILIENT_RECONNECT");
	assert_string_equal(resilient_msg_type_name(31),
	    "SSH2_MSG_RESILIENT_RECONNECT_REPLY");
	assert_string_equal(resilient_msg_type_name(200),
	    "SSH2_MSG_RESILIENT_ACK");
	assert_string_equal(resilient_msg_type_name(201),
	    "SSH2_MSG_RESILIENT_SYNC");
	for (t = 0; t <= 255; t++) {
		if ((s = resilient_msg_type_name((u_char)t)) == NULL)
			continue;
		n++;
		assert_true(t == SSH2_MSG_RESILIENT_RECONNECT ||
		    t == SSH2_MSG_RESILIENT_RECONNECT_REPLY ||
		    t == SSH2_MSG_RESILIENT_ACK ||
		    t == SSH2_MSG_RESILIENT_SYNC);
	}
	assert_int_equal(n, 4);
}

/* Decode body as every message kind and compare with the model */
static void
fuzz_one(struct ctx *c, uint64_t *s, const u_char *body, size_t len,
    size_t *nok)
{
	size_t exp;
	int want;

	want = model(K_COUNTER, body, len, 0);
	check_decode(c, K_COUNTER, body, len, 0, want);
	nok[K_COUNTER] += want == 0;

	want = model(K_RECONNECT, body, len, 0);
	check_decode(c, K_RECONNECT, body, len, 0, want);
	nok[K_RECONNECT] += want == 0;

	/* expect the length the body claims half of the time, if plausible */
	exp = RESILIENT_MAC_MIN + rnd(s) % (RESILIENT_MAC_MAX -
	    RESILIENT_MAC_MIN + 1);
	if (len >= 4 && (rnd(s) & 1) && get_u32(body) >= RESILIENT_MAC_MIN &&
	    get_u32(body) <= RESILIENT_MAC_MAX)
		exp = get_u32(body);
	want = model(K_REPLY, body, len, exp);
	check_decode(c, K_REPLY, body, len, exp, want);
	nok[K_REPLY] += want == 0;
}

static void
torture_msg_fuzz_random(void **state)
{
	struct ctx *c = *state;
	uint64_t s = 0x5265736976696e67ULL;
	u_char buf[FUZZ_MAXLEN];
	size_t i, iters, len, nok[3] = { 0, 0, 0 };
	u_int32_t l;

	iters = fuzz_iters();
	for (i = 0; i < iters; i++) {
		len = rnd(&s) % (FUZZ_MAXLEN + 1);
		rnd_fill(&s, buf, len);
		/* give most bodies plausible length fields */
		switch (rnd(&s) % 4) {
		case 0:
			break;
		case 1:
			if (len < 4)
				break;
			l = rnd_len(&s);
			put_u32(buf, l);
			if ((rnd(&s) & 1) && l <= FUZZ_MAXLEN - 4)
				len = 4 + l;
			break;
		default:
			if (len < 4)
				break;
			put_u32(buf, rnd(&s) % 2 ? 32 : rnd_len(&s));
			if (len < 40)
				break;
			l = rnd_len(&s);
			put_u32(buf + 36, l);
			if ((rnd(&s) & 1) && l <= FUZZ_MAXLEN - 40)
				len = 40 + l;
			break;
		}
		fuzz_one(c, &s, buf, len, nok);
	}
	/* the success paths were exercised too */
	assert_true(nok[K_COUNTER] >= iters / 500);
	assert_true(nok[K_RECONNECT] >= iters / 500);
	assert_true(nok[K_REPLY] >= iters / 500);
}

static void
torture_msg_fuzz_mutate(void **state)
{
	struct ctx *c = *state;
	uint64_t s = 0x6d75746174696f6eULL, x;
	u_char buf[IN_MAX], token[RESILIENT_TOKEN_LEN];
	u_char mac[RESILIENT_MAC_MAX];
	size_t i, j, iters, len, pos, n, maclen, nok[3] = { 0, 0, 0 };
	size_t nvalid = 0;
	enum kind kind;
	int want;

	/* each mutated body is decoded five times: half as many */
	iters = (fuzz_iters() + 1) / 2;
	for (i = 0; i < iters; i++) {
		/* a valid body of a random kind */
		kind = (enum kind)(rnd(&s) % 3);
		maclen = RESILIENT_MAC_MIN + rnd(&s) % (RESILIENT_MAC_MAX -
		    RESILIENT_MAC_MIN + 1);
		rnd_fill(&s, token, sizeof(token));
		rnd_fill(&s, mac, maclen);
		sshbuf_reset(c->b);
		switch (kind) {
		case K_COUNTER:
			assert_int_equal(resilient_msg_put_counter(c->b,
			    rnd(&s)), 0);
			break;
		case K_RECONNECT:
			assert_int_equal(resilient_msg_put_reconnect(c->b,
			    token, sizeof(token), mac, maclen), 0);
			break;
		case K_REPLY:
			assert_int_equal(resilient_msg_put_reconnect_reply(c->b,
			    mac, maclen), 0);
			break;
		}
		len = sshbuf_len(c->b);
		memcpy(buf, sshbuf_ptr(c->b), len);

		/* zero to three mutations */
		n = rnd(&s) % 4;
		for (j = 0; j < n; j++) {
			x = rnd(&s);
			pos = len == 0 ? 0 : (x >> 8) % len;
			switch (x % 8) {
			case 0:
				if (len != 0)
					buf[pos] ^= 1 << ((x >> 40) % 8);
				break;
			case 1:
				if (len != 0)
					buf[pos] = (u_char)(x >> 40);
				break;
			case 2:
				len = (x >> 8) % (len + 1);
				break;
			case 3:
				rnd_fill(&s, buf + len, 1 + (x >> 8) % 8);
				len += 1 + (x >> 8) % 8;
				break;
			case 4:
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = (u_char)(x >> 40);
				len++;
				break;
			case 5:
				if (len == 0)
					break;
				memmove(buf + pos, buf + pos + 1,
				    len - pos - 1);
				len--;
				break;
			case 6:
				/* a length field of this kind of message */
				pos = (kind == K_RECONNECT && (x & 256)) ?
				    4 + RESILIENT_TOKEN_LEN : 0;
				if (len >= pos + 4)
					put_u32(buf + pos, rnd_len(&s));
				break;
			default:
				if (len >= 4) {
					pos = (x >> 8) % (len - 3);
					put_u32(buf + pos, rnd_len(&s));
				}
				break;
			}
			assert_true(len <= IN_MAX - 16);
		}
		if (n == 0) {
			/* unmutated: its own decoder must accept it */
			want = model(kind, buf, len, maclen);
			assert_int_equal(want, 0);
			check_decode(c, kind, buf, len, maclen, 0);
			nvalid++;
		}
		/* always with the original expected mac length, too */
		want = model(K_REPLY, buf, len, maclen);
		check_decode(c, K_REPLY, buf, len, maclen, want);
		fuzz_one(c, &s, buf, len, nok);
	}
	assert_true(nvalid >= iters / 8);
	assert_true(nok[K_COUNTER] >= iters / 100);
	assert_true(nok[K_RECONNECT] >= iters / 100);
	assert_true(nok[K_REPLY] >= iters / 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(torture_msg_vectors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_truncated,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_trailing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_bad_token_len,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_bad_mac_len,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_reply_mismatch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_decode_bad_args,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_encode_bad_args,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_type_name,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_fuzz_random,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_fuzz_mutate,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
