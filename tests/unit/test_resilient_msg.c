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
 * Unit tests for the resilient message body codec (cmocka).
 *
 * RESILIENT_TEST_QUICK=1 (set by make check under valgrind) runs fewer
 * fuzz iterations; RESILIENT_MSG_FUZZ_ITERS=n sets their number.
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
#include "ssherr.h"
#include "resilient-proto.h"
#include "resilient-msg.h"

/* The longest valid body: a RECONNECT with the largest share and MAC */
#define BODY_MAX	(4 + RESILIENT_TOKEN_LEN + 4 + RESILIENT_SHARE_MAX + \
			    RESILIENT_COUNTER_LEN + 4 + RESILIENT_MAC_MAX)
#define IN_MAX		4096	/* bodies are placed at the end of this */
#define FILL		0xaa	/* output poison, to see what was written */
#define CANARY_LEN	16
#define FUZZ_ITERS	100000	/* default; env RESILIENT_MSG_FUZZ_ITERS */
#define FUZZ_ITERS_QUICK 5000	/* with RESILIENT_TEST_QUICK */
#define FUZZ_MAXLEN	(BODY_MAX + 64)
#define SHARE_MID	1216	/* mlkem768x25519 */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum kind { K_COUNTER, K_RECONNECT, K_REPLY };

struct ctx {
	struct sshbuf *b;	/* encoder output */
	u_char *in;		/* IN_MAX heap bytes; see place() */
};

/*
 * Decoder outputs, poisoned with FILL before each call. A decoder may
 * write only its own output; everything else must keep FILL.
 */
struct out {
	uint64_t next;
	u_char canary0[CANARY_LEN];
	struct resilient_reconnect_msg rc;
	u_char canary1[CANARY_LEN];
	struct resilient_reply_msg rp;
	u_char canary2[CANARY_LEN];
};

/* The fields of a vector, built independently of the encoded bodies */
struct fields {
	u_char token[RESILIENT_TOKEN_LEN];
	u_char share[RESILIENT_SHARE_MAX];
	u_char mac[RESILIENT_MAC_MAX];
};

struct vector {
	enum kind kind;
	const u_char *body;	/* hand-written, or built by vector_at() */
	size_t len;
	size_t sharelen;	/* K_RECONNECT, K_REPLY */
	uint64_t next;
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

/* token 00..1f, share 30..4f, next 0102030405060708, mac a0..bf */
static const u_char reconnect_32[] = {
	0x00, 0x00, 0x00, 0x20,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x00, 0x00, 0x20,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x00, 0x00, 0x00, 0x20,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* token 00..1f, share 30..4f, next ffffffffffffffff, mac c0..ef */
static const u_char reconnect_48[] = {
	0x00, 0x00, 0x00, 0x20,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x00, 0x00, 0x20,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x30,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
};

/* share 30..4f, next 0102030405060708, mac a0..bf */
static const u_char reply_32[] = {
	0x00, 0x00, 0x00, 0x20,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x00, 0x00, 0x00, 0x20,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* share 30..4f, next 8000000000000001, mac 40..7f */
static const u_char reply_64[] = {
	0x00, 0x00, 0x00, 0x20,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
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

static const struct vector hand[] = {
	{ K_COUNTER, ack_0102, sizeof(ack_0102), 0, 0x0102030405060708ULL, 0 },
	{ K_COUNTER, ack_zero, sizeof(ack_zero), 0, 0, 0 },
	{ K_COUNTER, ack_max, sizeof(ack_max), 0, UINT64_MAX, 0 },
	{ K_COUNTER, ack_high, sizeof(ack_high), 0, 0x8000000000000001ULL, 0 },
	{ K_RECONNECT, reconnect_32, sizeof(reconnect_32), 32,
	    0x0102030405060708ULL, 32 },
	{ K_RECONNECT, reconnect_48, sizeof(reconnect_48), 32, UINT64_MAX, 48 },
	{ K_REPLY, reply_32, sizeof(reply_32), 32, 0x0102030405060708ULL, 32 },
	{ K_REPLY, reply_64, sizeof(reply_64), 32, 0x8000000000000001ULL, 64 },
};

/* Built vectors: every combination of these, for both messages */
static const size_t share_lens[] = {
	RESILIENT_SHARE_MIN, SHARE_MID, RESILIENT_SHARE_MAX,
};
static const uint64_t nexts[] = { 0, 1, UINT64_MAX };
static const size_t mac_lens[] = { 32, 48, 64 };

#define NHAND		NELEM(hand)
#define NBUILT		(2 * NELEM(share_lens) * NELEM(nexts) * NELEM(mac_lens))
#define NVECTORS	(NHAND + NBUILT)

/*
 * Token, share and MAC of the vectors. The share pattern changes every
 * 256 bytes, so that a share misplaced by a multiple of 256 is noticed.
 */
static void
fill_seq(u_char *p, size_t len, u_char first)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u_char)(first + i) ^ (u_char)(i >> 8);
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

static void
make_fields(struct fields *f, size_t sharelen, size_t maclen)
{
	assert_true(sharelen <= sizeof(f->share));
	assert_true(maclen <= sizeof(f->mac));
	fill_seq(f->token, sizeof(f->token), 0x00);
	fill_seq(f->share, sharelen, 0x30);
	fill_seq(f->mac, maclen, mac_first(maclen));
}

/* Returns 1 if all len bytes at p are v (0 or FILL) */
static int
all_equal(const void *p, size_t len, u_char v)
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

/*
 * A length field for a string whose permitted range is [min, max]: half
 * of the time a permitted one, otherwise near a boundary of some field
 * or anything at all.
 */
static u_int32_t
rnd_len(uint64_t *s, size_t min, size_t max)
{
	static const u_int32_t interesting[] = {
		0, 1, 4, 8, 31, 32, 33, 47, 48, 49, 63, 64, 65, 128, 200,
		1216, 2047, 2048, 2049, 4096, 0x7fffffff, 0x80000000,
		0x80000020, 0xfffffff0, 0xfffffffc, 0xffffffff,
	};
	uint64_t x = rnd(s);

	switch (x % 8) {
	case 0:
	case 1:
		return interesting[(x >> 8) % NELEM(interesting)];
	case 2:
		return (u_int32_t)(x >> 32);
	case 3:
		/* min - 1, min, max or max + 1 */
		switch ((x >> 8) % 4) {
		case 0:
			return (u_int32_t)(min - 1);
		case 1:
			return (u_int32_t)min;
		case 2:
			return (u_int32_t)max;
		default:
			return (u_int32_t)(max + 1);
		}
	default:
		return (u_int32_t)(min + (x >> 8) % (max - min + 1));
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

/* Body builders, byte by byte and independent of sshbuf */

static void
wr_u64(u_char *buf, size_t bufsz, size_t *offp, uint64_t v)
{
	assert_true(*offp <= bufsz && bufsz - *offp >= 8);
	put_u32(buf + *offp, (u_int32_t)(v >> 32));
	put_u32(buf + *offp + 4, (u_int32_t)v);
	*offp += 8;
}

static void
wr_string(u_char *buf, size_t bufsz, size_t *offp, const u_char *s,
    size_t len)
{
	assert_true(*offp <= bufsz && bufsz - *offp >= 4 &&
	    bufsz - *offp - 4 >= len);
	put_u32(buf + *offp, (u_int32_t)len);
	if (len != 0)
		memcpy(buf + *offp + 4, s, len);
	*offp += 4 + len;
}

static size_t
build_reconnect(u_char *buf, size_t bufsz, const u_char *token,
    const u_char *share, size_t sharelen, uint64_t next, const u_char *mac,
    size_t maclen)
{
	size_t off = 0;

	wr_string(buf, bufsz, &off, token, RESILIENT_TOKEN_LEN);
	wr_string(buf, bufsz, &off, share, sharelen);
	wr_u64(buf, bufsz, &off, next);
	wr_string(buf, bufsz, &off, mac, maclen);
	return off;
}

static size_t
build_reply(u_char *buf, size_t bufsz, const u_char *share, size_t sharelen,
    uint64_t next, const u_char *mac, size_t maclen)
{
	size_t off = 0;

	wr_string(buf, bufsz, &off, share, sharelen);
	wr_u64(buf, bufsz, &off, next);
	wr_string(buf, bufsz, &off, mac, maclen);
	return off;
}

/* The valid body of a vector's kind and lengths, with its usual fields */
static size_t
build_valid(u_char *buf, size_t bufsz, enum kind kind, size_t sharelen,
    uint64_t next, size_t maclen)
{
	struct fields f;
	size_t off = 0;

	make_fields(&f, sharelen, maclen);
	switch (kind) {
	case K_COUNTER:
		wr_u64(buf, bufsz, &off, next);
		return off;
	case K_RECONNECT:
		return build_reconnect(buf, bufsz, f.token, f.share, sharelen,
		    next, f.mac, maclen);
	case K_REPLY:
		return build_reply(buf, bufsz, f.share, sharelen, next, f.mac,
		    maclen);
	}
	fail();
	return 0;
}

/* Vector i of NVECTORS; a built body is written to buf */
static void
vector_at(size_t i, struct vector *v, u_char *buf, size_t bufsz)
{
	assert_true(i < NVECTORS);
	if (i < NHAND) {
		*v = hand[i];
		return;
	}
	i -= NHAND;
	memset(v, 0, sizeof(*v));
	v->maclen = mac_lens[i % NELEM(mac_lens)];
	i /= NELEM(mac_lens);
	v->next = nexts[i % NELEM(nexts)];
	i /= NELEM(nexts);
	v->sharelen = share_lens[i % NELEM(share_lens)];
	i /= NELEM(share_lens);
	v->kind = i == 0 ? K_RECONNECT : K_REPLY;
	v->len = build_valid(buf, bufsz, v->kind, v->sharelen, v->next,
	    v->maclen);
	v->body = buf;
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

/* The canaries and the outputs of the other decoders are untouched */
static void
assert_untouched(const struct out *o, enum kind kind)
{
	assert_true(all_equal(o->canary0, sizeof(o->canary0), FILL));
	assert_true(all_equal(o->canary1, sizeof(o->canary1), FILL));
	assert_true(all_equal(o->canary2, sizeof(o->canary2), FILL));
	if (kind != K_COUNTER)
		assert_true(all_equal(&o->next, sizeof(o->next), FILL));
	if (kind != K_RECONNECT)
		assert_true(all_equal(&o->rc, sizeof(o->rc), FILL));
	if (kind != K_REPLY)
		assert_true(all_equal(&o->rp, sizeof(o->rp), FILL));
}

/* b holds exactly the len bytes at want */
static void
assert_buf(const struct sshbuf *b, const u_char *want, size_t len)
{
	assert_int_equal(sshbuf_len(b), len);
	assert_memory_equal(sshbuf_ptr(b), want, len);
}

/*
 * The share of a decoded body p of len bytes points into the body at off,
 * right after its length field, not at a copy.
 */
static void
check_share(const u_char *p, size_t len, size_t off, const u_char *share,
    size_t sharelen)
{
	assert_true(off >= 4 && off <= len);
	assert_ptr_equal(share, p + off);
	assert_in_range(sharelen, RESILIENT_SHARE_MIN, RESILIENT_SHARE_MAX);
	assert_true(sharelen <= len - off);
	assert_int_equal(get_u32(p + off - 4), sharelen);
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
model_u64(size_t len, size_t *offp)
{
	if (len - *offp < 8)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	*offp += 8;
	return 0;
}

static int
model(enum kind kind, const u_char *p, size_t len, size_t expected_maclen)
{
	size_t off = 0;
	int r;

	switch (kind) {
	case K_COUNTER:
		if ((r = model_u64(len, &off)) != 0)
			return r;
		break;
	case K_RECONNECT:
		if ((r = model_string(p, len, &off, RESILIENT_TOKEN_LEN,
		    RESILIENT_TOKEN_LEN)) != 0 ||
		    (r = model_string(p, len, &off, RESILIENT_SHARE_MIN,
		    RESILIENT_SHARE_MAX)) != 0 ||
		    (r = model_u64(len, &off)) != 0 ||
		    (r = model_string(p, len, &off, RESILIENT_MAC_MIN,
		    RESILIENT_MAC_MAX)) != 0)
			return r;
		break;
	case K_REPLY:
		if ((r = model_string(p, len, &off, RESILIENT_SHARE_MIN,
		    RESILIENT_SHARE_MAX)) != 0 ||
		    (r = model_u64(len, &off)) != 0 ||
		    (r = model_string(p, len, &off, expected_maclen,
		    expected_maclen)) != 0)
			return r;
		break;
	}
	return off == len ? 0 : SSH_ERR_UNEXPECTED_TRAILING_DATA;
}

/*
 * Run the decoder for kind on body and check its result against want
 * (0 or an error). On success the outputs must match the body, the share
 * must point into it, and re-encoding must reproduce it byte for byte. On
 * error the whole output struct must be zero. No byte outside the
 * decoder's own output may ever change.
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
	sshbuf_reset(c->b);
	switch (kind) {
	case K_COUNTER:
		r = resilient_msg_get_counter(p, len, &o.next);
		assert_int_equal(r, want);
		if (r != 0) {
			assert_int_equal(o.next, 0);
			break;
		}
		assert_int_equal(resilient_msg_put_counter(c->b, o.next), 0);
		break;
	case K_RECONNECT:
		r = resilient_msg_get_reconnect(p, len, &o.rc);
		assert_int_equal(r, want);
		if (r != 0) {
			assert_true(all_equal(&o.rc, sizeof(o.rc), 0));
			break;
		}
		check_share(p, len, 4 + RESILIENT_TOKEN_LEN + 4, o.rc.share,
		    o.rc.share_len);
		assert_in_range(o.rc.mac_len, RESILIENT_MAC_MIN,
		    RESILIENT_MAC_MAX);
		/* documented: the mac buffer is zero beyond the MAC */
		assert_true(all_equal(o.rc.mac + o.rc.mac_len,
		    sizeof(o.rc.mac) - o.rc.mac_len, 0));
		assert_int_equal(resilient_msg_put_reconnect(c->b, o.rc.token,
		    sizeof(o.rc.token), o.rc.share, o.rc.share_len, o.rc.next,
		    o.rc.mac, o.rc.mac_len), 0);
		break;
	case K_REPLY:
		r = resilient_msg_get_reconnect_reply(p, len, expected_maclen,
		    &o.rp);
		assert_int_equal(r, want);
		if (r != 0) {
			assert_true(all_equal(&o.rp, sizeof(o.rp), 0));
			break;
		}
		check_share(p, len, 4, o.rp.share, o.rp.share_len);
		assert_int_equal(o.rp.mac_len, expected_maclen);
		assert_int_equal(resilient_msg_put_reconnect_reply(c->b,
		    o.rp.share, o.rp.share_len, o.rp.next, o.rp.mac,
		    o.rp.mac_len), 0);
		break;
	}
	assert_untouched(&o, kind);
	if (want == 0)
		assert_buf(c->b, body, len);
}

/* Encode vector v after a one-byte prefix, then compare by hand */
static void
check_encode(struct ctx *c, const struct vector *v)
{
	struct fields f;

	make_fields(&f, v->sharelen, v->maclen);
	sshbuf_reset(c->b);
	assert_int_equal(sshbuf_put_u8(c->b, 0x55), 0);
	switch (v->kind) {
	case K_COUNTER:
		assert_int_equal(resilient_msg_put_counter(c->b, v->next), 0);
		break;
	case K_RECONNECT:
		assert_int_equal(resilient_msg_put_reconnect(c->b, f.token,
		    sizeof(f.token), f.share, v->sharelen, v->next, f.mac,
		    v->maclen), 0);
		break;
	case K_REPLY:
		assert_int_equal(resilient_msg_put_reconnect_reply(c->b,
		    f.share, v->sharelen, v->next, f.mac, v->maclen), 0);
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
	struct fields f;
	const u_char *p;
	struct out o;

	make_fields(&f, v->sharelen, v->maclen);
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
		    &o.rc), 0);
		assert_memory_equal(o.rc.token, f.token, sizeof(f.token));
		assert_ptr_equal(o.rc.share, p + 4 + RESILIENT_TOKEN_LEN + 4);
		assert_int_equal(o.rc.share_len, v->sharelen);
		assert_memory_equal(o.rc.share, f.share, v->sharelen);
		assert_int_equal(o.rc.next, v->next);
		assert_int_equal(o.rc.mac_len, v->maclen);
		assert_memory_equal(o.rc.mac, f.mac, v->maclen);
		break;
	case K_REPLY:
		assert_int_equal(resilient_msg_get_reconnect_reply(p, v->len,
		    v->maclen, &o.rp), 0);
		assert_ptr_equal(o.rp.share, p + 4);
		assert_int_equal(o.rp.share_len, v->sharelen);
		assert_memory_equal(o.rp.share, f.share, v->sharelen);
		assert_int_equal(o.rp.next, v->next);
		assert_int_equal(o.rp.mac_len, v->maclen);
		assert_memory_equal(o.rp.mac, f.mac, v->maclen);
		break;
	}
	assert_untouched(&o, v->kind);
	/* and the generic check, which re-encodes */
	check_decode(c, v->kind, v->body, v->len, v->maclen, 0);
}

static size_t
fuzz_iters(void)
{
	const char *s, *errstr = NULL;
	long long n;

	if ((s = getenv("RESILIENT_MSG_FUZZ_ITERS")) != NULL) {
		n = strtonum(s, 1, 100000000, &errstr);
		assert_null(errstr);
		return (size_t)n;
	}
	if ((s = getenv("RESILIENT_TEST_QUICK")) != NULL && *s != '\0' &&
	    *s != '0')
		return FUZZ_ITERS_QUICK;
	return FUZZ_ITERS;
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
	struct vector v;
	u_char vbuf[BODY_MAX];
	size_t i, nshare[3] = { 0, 0, 0 };

	assert_int_equal(sizeof(reconnect_32), 4 + 32 + 4 + 32 + 8 + 4 + 32);
	assert_int_equal(sizeof(reply_64), 4 + 32 + 8 + 4 + 64);
	for (i = 0; i < NVECTORS; i++) {
		vector_at(i, &v, vbuf, sizeof(vbuf));
		check_encode(c, &v);
		check_vector_decode(c, &v);
		nshare[0] += v.sharelen == RESILIENT_SHARE_MIN;
		nshare[1] += v.sharelen == SHARE_MID;
		nshare[2] += v.sharelen == RESILIENT_SHARE_MAX;
	}
	/* both messages, every counter and MAC length, for each share */
	assert_int_equal(nshare[0], NHAND - 4 + 2 * 9);
	assert_int_equal(nshare[1], 2 * 9);
	assert_int_equal(nshare[2], 2 * 9);
}

/* Every proper prefix of every valid body is incomplete, whatever follows */
static void
torture_msg_truncated(void **state)
{
	struct ctx *c = *state;
	struct vector v;
	u_char vbuf[BODY_MAX];
	size_t i, n;

	for (i = 0; i < NVECTORS; i++) {
		vector_at(i, &v, vbuf, sizeof(vbuf));
		for (n = 0; n < v.len; n++) {
			check_decode(c, v.kind, v.body, n, v.maclen,
			    SSH_ERR_MESSAGE_INCOMPLETE);
		}
	}
}

static void
torture_msg_trailing(void **state)
{
	struct ctx *c = *state;
	struct vector v;
	u_char vbuf[BODY_MAX], buf[IN_MAX];
	size_t i, extra;

	for (i = 0; i < NVECTORS; i++) {
		vector_at(i, &v, vbuf, sizeof(vbuf));
		for (extra = 1; extra <= 100; extra += 33) {
			assert_true(v.len + extra <= sizeof(buf));
			memcpy(buf, v.body, v.len);
			memset(buf + v.len, 0, extra);
			check_decode(c, v.kind, buf, v.len + extra,
			    v.maclen, SSH_ERR_UNEXPECTED_TRAILING_DATA);
			/* a plausible string after the body is still junk */
			memcpy(buf + v.len, v.body, extra < v.len ?
			    extra : v.len);
			check_decode(c, v.kind, buf, v.len + extra,
			    v.maclen, SSH_ERR_UNEXPECTED_TRAILING_DATA);
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
		0, 1, 31, 33, 64, 2048, 0x7fffffff, 0x80000000, 0x80000020,
		0xffffffff,
	};
	const size_t tok = 4 + RESILIENT_TOKEN_LEN;
	const u_char *rest = reconnect_32 + tok;
	u_char buf[256];
	size_t i, len, have;

	for (i = 0; i < NELEM(lens); i++) {
		/* as many token bytes as claimed (up to 100), then the rest */
		len = build_string(buf, sizeof(buf), lens[i], 100, rest,
		    sizeof(reconnect_32) - tok);
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
torture_msg_bad_share_len(void **state)
{
	struct ctx *c = *state;
	static const u_int32_t lens[] = {
		0, 1, 16, RESILIENT_SHARE_MIN - 1, RESILIENT_SHARE_MAX + 1,
		4096, 0x7fffffff, 0x80000000, 0x80000020, 0xffffffff,
	};
	static const size_t haves[] = {
		0, 8, RESILIENT_SHARE_MIN, SHARE_MID, RESILIENT_SHARE_MAX + 8,
	};
	const size_t tok = 4 + RESILIENT_TOKEN_LEN;
	/* next and a 32-byte mac, as they follow the share */
	const u_char *tail = reply_32 + 4 + 32;
	const size_t taillen = sizeof(reply_32) - 4 - 32;
	u_char buf[IN_MAX];
	size_t i, j, withtail, len;

	for (i = 0; i < NELEM(lens); i++) {
		for (j = 0; j < NELEM(haves); j++) {
			for (withtail = 0; withtail <= 1; withtail++) {
				/* RECONNECT: a valid token, the bad share */
				memcpy(buf, reconnect_32, tok);
				len = tok + build_string(buf + tok,
				    sizeof(buf) - tok, lens[i], haves[j],
				    withtail ? tail : NULL,
				    withtail ? taillen : 0);
				check_decode(c, K_RECONNECT, buf, len, 0,
				    SSH_ERR_INVALID_FORMAT);
				/* REPLY, for every expected mac length */
				len = build_string(buf, sizeof(buf), lens[i],
				    haves[j], withtail ? tail : NULL,
				    withtail ? taillen : 0);
				check_decode(c, K_REPLY, buf, len, 32,
				    SSH_ERR_INVALID_FORMAT);
				check_decode(c, K_REPLY, buf, len, 48,
				    SSH_ERR_INVALID_FORMAT);
				check_decode(c, K_REPLY, buf, len, 64,
				    SSH_ERR_INVALID_FORMAT);
			}
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
	u_char buf[IN_MAX];
	size_t i, j, len, have, rcpre, rppre;

	for (j = 0; j < NELEM(share_lens); j++) {
		for (i = 0; i < NELEM(lens); i++) {
			for (have = 0; have <= 100; have += 25) {
				/* RECONNECT: valid token, share and next */
				rcpre = build_valid(buf, sizeof(buf),
				    K_RECONNECT, share_lens[j], 1, 32) - 36;
				len = rcpre + build_string(buf + rcpre,
				    sizeof(buf) - rcpre, lens[i], have,
				    NULL, 0);
				check_decode(c, K_RECONNECT, buf, len, 0,
				    SSH_ERR_INVALID_FORMAT);
				/* REPLY, for every expected length */
				rppre = build_valid(buf, sizeof(buf), K_REPLY,
				    share_lens[j], 1, 32) - 36;
				len = rppre + build_string(buf + rppre,
				    sizeof(buf) - rppre, lens[i], have,
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
}

/*
 * A reply whose mac is valid in itself but not the negotiated length.
 * A RECONNECT takes any permitted length, and so does a reply that
 * expects it.
 */
static void
torture_msg_reply_mismatch(void **state)
{
	struct ctx *c = *state;
	static const struct {
		size_t have, expected;
	} cases[] = {
		{ 64, 32 }, { 48, 32 }, { 33, 32 }, { 64, 48 }, { 32, 64 },
		{ 32, 48 }, { 48, 64 }, { 63, 64 }, { 47, 48 }, { 49, 48 },
	};
	u_char buf[IN_MAX];
	size_t i, j, len, have, exp;

	for (j = 0; j < NELEM(share_lens); j++) {
		for (i = 0; i < NELEM(cases); i++) {
			have = cases[i].have;
			exp = cases[i].expected;
			len = build_valid(buf, sizeof(buf), K_REPLY,
			    share_lens[j], 7, have);
			check_decode(c, K_REPLY, buf, len, exp,
			    SSH_ERR_INVALID_FORMAT);
			check_decode(c, K_REPLY, buf, len, have, 0);
			len = build_valid(buf, sizeof(buf), K_RECONNECT,
			    share_lens[j], 7, have);
			check_decode(c, K_RECONNECT, buf, len, 0, 0);
		}
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
	    sizeof(reconnect_32), &o.rc), SSH_ERR_INVALID_ARGUMENT);
	assert_true(all_equal(&o.rc, sizeof(o.rc), 0));
	assert_untouched(&o, K_RECONNECT);
	out_reset(&o);
	assert_int_equal(resilient_msg_get_reconnect(NULL, 0, &o.rc),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_true(all_equal(&o.rc, sizeof(o.rc), 0));
	assert_int_equal(resilient_msg_get_reconnect(p, sizeof(reconnect_32),
	    NULL), SSH_ERR_INVALID_ARGUMENT);

	p = place(c, reply_32, sizeof(reply_32));
	out_reset(&o);
	assert_int_equal(resilient_msg_get_reconnect_reply(NULL,
	    sizeof(reply_32), 32, &o.rp), SSH_ERR_INVALID_ARGUMENT);
	assert_true(all_equal(&o.rp, sizeof(o.rp), 0));
	assert_untouched(&o, K_REPLY);
	assert_int_equal(resilient_msg_get_reconnect_reply(p,
	    sizeof(reply_32), 32, NULL), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NELEM(bad_maclen); i++) {
		/* the struct's size is known: it is zeroed like any error */
		out_reset(&o);
		assert_int_equal(resilient_msg_get_reconnect_reply(p,
		    sizeof(reply_32), bad_maclen[i], &o.rp),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_true(all_equal(&o.rp, sizeof(o.rp), 0));
		assert_untouched(&o, K_REPLY);
		assert_int_equal(resilient_msg_get_reconnect_reply(p,
		    sizeof(reply_32), bad_maclen[i], NULL),
		    SSH_ERR_INVALID_ARGUMENT);
	}
}

static void
torture_msg_encode_bad_args(void **state)
{
	struct ctx *c = *state;
	static const size_t bad_tokenlen[] = { 0, 1, 31, 33, 64, SIZE_MAX };
	static const size_t bad_sharelen[] = {
		0, 1, RESILIENT_SHARE_MIN - 1, RESILIENT_SHARE_MAX + 1, 4096,
		SIZE_MAX,
	};
	static const size_t bad_maclen[] = { 0, 1, 31, 65, 128, SIZE_MAX };
	static const u_char prefix[] = { 0x55 };
	struct fields f;
	size_t i;

	make_fields(&f, sizeof(f.share), sizeof(f.mac));
	sshbuf_reset(c->b);
	assert_int_equal(sshbuf_put_u8(c->b, 0x55), 0);

	assert_int_equal(resilient_msg_put_counter(NULL, 1),
	    SSH_ERR_INVALID_ARGUMENT);

	assert_int_equal(resilient_msg_put_reconnect(NULL, f.token,
	    sizeof(f.token), f.share, 32, 1, f.mac, 32),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_put_reconnect(c->b, NULL,
	    sizeof(f.token), f.share, 32, 1, f.mac, 32),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_buf(c->b, prefix, sizeof(prefix));
	assert_int_equal(resilient_msg_put_reconnect(c->b, f.token,
	    sizeof(f.token), NULL, 32, 1, f.mac, 32),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_buf(c->b, prefix, sizeof(prefix));
	assert_int_equal(resilient_msg_put_reconnect(c->b, f.token,
	    sizeof(f.token), f.share, 32, 1, NULL, 32),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_buf(c->b, prefix, sizeof(prefix));
	for (i = 0; i < NELEM(bad_tokenlen); i++) {
		assert_int_equal(resilient_msg_put_reconnect(c->b, f.token,
		    bad_tokenlen[i], f.share, 32, 1, f.mac, 32),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_buf(c->b, prefix, sizeof(prefix));
	}
	for (i = 0; i < NELEM(bad_sharelen); i++) {
		assert_int_equal(resilient_msg_put_reconnect(c->b, f.token,
		    sizeof(f.token), f.share, bad_sharelen[i], 1, f.mac, 32),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_buf(c->b, prefix, sizeof(prefix));
		assert_int_equal(resilient_msg_put_reconnect_reply(c->b,
		    f.share, bad_sharelen[i], 1, f.mac, 32),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_buf(c->b, prefix, sizeof(prefix));
	}
	for (i = 0; i < NELEM(bad_maclen); i++) {
		assert_int_equal(resilient_msg_put_reconnect(c->b, f.token,
		    sizeof(f.token), f.share, 32, 1, f.mac, bad_maclen[i]),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_buf(c->b, prefix, sizeof(prefix));
		assert_int_equal(resilient_msg_put_reconnect_reply(c->b,
		    f.share, 32, 1, f.mac, bad_maclen[i]),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_buf(c->b, prefix, sizeof(prefix));
	}
	assert_int_equal(resilient_msg_put_reconnect_reply(NULL, f.share, 32,
	    1, f.mac, 32), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_msg_put_reconnect_reply(c->b, NULL, 32,
	    1, f.mac, 32), SSH_ERR_INVALID_ARGUMENT);
	assert_buf(c->b, prefix, sizeof(prefix));
	assert_int_equal(resilient_msg_put_reconnect_reply(c->b, f.share, 32,
	    1, NULL, 32), SSH_ERR_INVALID_ARGUMENT);
	/* nothing was appended by any of the above */
	assert_buf(c->b, prefix, sizeof(prefix));
}

/* Encode a vector's kind and lengths to b, with its usual fields */
static int
encode_valid(struct sshbuf *b, enum kind kind, size_t sharelen,
    uint64_t next, size_t maclen)
{
	struct fields f;

	make_fields(&f, sharelen, maclen);
	switch (kind) {
	case K_COUNTER:
		return resilient_msg_put_counter(b, next);
	case K_RECONNECT:
		return resilient_msg_put_reconnect(b, f.token,
		    sizeof(f.token), f.share, sharelen, next, f.mac, maclen);
	case K_REPLY:
		return resilient_msg_put_reconnect_reply(b, f.share, sharelen,
		    next, f.mac, maclen);
	}
	fail();
	return SSH_ERR_INTERNAL_ERROR;
}

/*
 * A buffer that cannot take the whole body, by any number of bytes, is
 * left as it was: all or nothing.
 */
static void
torture_msg_encode_no_space(void **state)
{
	static const struct {
		enum kind kind;
		size_t sharelen, maclen;
	} cases[] = {
		{ K_COUNTER, 0, 0 },
		{ K_RECONNECT, RESILIENT_SHARE_MIN, RESILIENT_MAC_MIN },
		{ K_RECONNECT, RESILIENT_SHARE_MAX, RESILIENT_MAC_MAX },
		{ K_REPLY, RESILIENT_SHARE_MIN, RESILIENT_MAC_MAX },
		{ K_REPLY, RESILIENT_SHARE_MAX, RESILIENT_MAC_MIN },
	};
	static const u_char prefix[] = { 0x55 };
	u_char want[1 + BODY_MAX];
	struct sshbuf *b, *ro;
	size_t i, len, max;

	for (i = 0; i < NELEM(cases); i++) {
		want[0] = 0x55;
		len = build_valid(want + 1, sizeof(want) - 1, cases[i].kind,
		    cases[i].sharelen, UINT64_MAX, cases[i].maclen);
		/* every size from one byte free to one byte short */
		for (max = 2; max < 1 + len; max++) {
			assert_non_null(b = sshbuf_new());
			assert_int_equal(sshbuf_put_u8(b, 0x55), 0);
			assert_int_equal(sshbuf_set_max_size(b, max), 0);
			assert_int_equal(encode_valid(b, cases[i].kind,
			    cases[i].sharelen, UINT64_MAX, cases[i].maclen),
			    SSH_ERR_NO_BUFFER_SPACE);
			assert_buf(b, prefix, sizeof(prefix));
			sshbuf_free(b);
		}
		/* exactly enough */
		assert_non_null(b = sshbuf_new());
		assert_int_equal(sshbuf_put_u8(b, 0x55), 0);
		assert_int_equal(sshbuf_set_max_size(b, 1 + len), 0);
		assert_int_equal(encode_valid(b, cases[i].kind,
		    cases[i].sharelen, UINT64_MAX, cases[i].maclen), 0);
		assert_buf(b, want, 1 + len);
		/* and then full */
		assert_int_equal(encode_valid(b, cases[i].kind,
		    cases[i].sharelen, UINT64_MAX, cases[i].maclen),
		    SSH_ERR_NO_BUFFER_SPACE);
		assert_buf(b, want, 1 + len);
		sshbuf_free(b);
	}

	assert_non_null(ro = sshbuf_from(ack_0102, sizeof(ack_0102)));
	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(encode_valid(ro, cases[i].kind,
		    cases[i].sharelen, 1, cases[i].maclen),
		    SSH_ERR_BUFFER_READ_ONLY);
		assert_buf(ro, ack_0102, sizeof(ack_0102));
	}
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

/* The mac length a REPLY body claims, or 0 if it has none */
static size_t
claimed_maclen(const u_char *body, size_t len)
{
	size_t slen;

	if (len < 4)
		return 0;
	slen = get_u32(body);
	if (len - 4 < 8 + 4 || slen > len - 4 - 8 - 4)
		return 0;
	return get_u32(body + 4 + slen + 8);
}

/* Decode body as every message kind and compare with the model */
static void
fuzz_one(struct ctx *c, uint64_t *s, const u_char *body, size_t len,
    size_t *nok)
{
	size_t exp, claimed;
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
	claimed = claimed_maclen(body, len);
	if ((rnd(s) & 1) && claimed >= RESILIENT_MAC_MIN &&
	    claimed <= RESILIENT_MAC_MAX)
		exp = claimed;
	want = model(K_REPLY, body, len, exp);
	check_decode(c, K_REPLY, body, len, exp, want);
	nok[K_REPLY] += want == 0;
}

/* Append a string with a random length field and up to room bytes */
static void
rnd_string(uint64_t *s, u_char *buf, size_t bufsz, size_t *offp, size_t min,
    size_t max)
{
	u_int32_t l;
	size_t n;

	if (bufsz - *offp < 4)
		return;
	l = rnd_len(s, min, max);
	put_u32(buf + *offp, l);
	*offp += 4;
	n = bufsz - *offp;
	if (l < n)
		n = l;
	rnd_fill(s, buf + *offp, n);
	*offp += n;
}

static void
rnd_u64(uint64_t *s, u_char *buf, size_t bufsz, size_t *offp)
{
	size_t n = bufsz - *offp < 8 ? bufsz - *offp : 8;

	rnd_fill(s, buf + *offp, n);
	*offp += n;
}

/*
 * A random body of at most bufsz bytes: mostly fields in the order of
 * one of the messages, with length fields that are often permitted, and
 * sometimes cut short or followed by more.
 */
static size_t
rnd_body(uint64_t *s, u_char *buf, size_t bufsz)
{
	size_t len = 0, n;
	uint64_t x = rnd(s);

	assert_true(bufsz > 16);
	switch (x % 8) {
	case 0:
		len = rnd(s) % (bufsz + 1);
		rnd_fill(s, buf, len);
		return len;
	case 1:
		rnd_u64(s, buf, bufsz, &len);
		break;
	case 2:
	case 3:
	case 4:
		rnd_string(s, buf, bufsz, &len, RESILIENT_TOKEN_LEN,
		    RESILIENT_TOKEN_LEN);
		rnd_string(s, buf, bufsz, &len, RESILIENT_SHARE_MIN,
		    RESILIENT_SHARE_MAX);
		rnd_u64(s, buf, bufsz, &len);
		rnd_string(s, buf, bufsz, &len, RESILIENT_MAC_MIN,
		    RESILIENT_MAC_MAX);
		break;
	default:
		rnd_string(s, buf, bufsz, &len, RESILIENT_SHARE_MIN,
		    RESILIENT_SHARE_MAX);
		rnd_u64(s, buf, bufsz, &len);
		rnd_string(s, buf, bufsz, &len, RESILIENT_MAC_MIN,
		    RESILIENT_MAC_MAX);
		break;
	}
	x = rnd(s);
	switch (x % 8) {
	case 0:
		len = (x >> 8) % (len + 1);
		break;
	case 1:
		n = 1 + (x >> 8) % 16;
		if (n > bufsz - len)
			n = bufsz - len;
		rnd_fill(s, buf + len, n);
		len += n;
		break;
	default:
		break;
	}
	return len;
}

static void
torture_msg_fuzz_random(void **state)
{
	struct ctx *c = *state;
	uint64_t s = 0x5265736976696e67ULL;
	u_char buf[FUZZ_MAXLEN];
	size_t i, iters, len, nok[3] = { 0, 0, 0 };

	iters = fuzz_iters();
	for (i = 0; i < iters; i++) {
		len = rnd_body(&s, buf, sizeof(buf));
		fuzz_one(c, &s, buf, len, nok);
	}
	/* the success paths were exercised too */
	assert_true(nok[K_COUNTER] >= iters / 100);
	assert_true(nok[K_RECONNECT] >= iters / 100);
	assert_true(nok[K_REPLY] >= iters / 100);
}

/* A random share length: often a boundary or a real one */
static size_t
rnd_sharelen(uint64_t *s)
{
	static const size_t lens[] = {
		RESILIENT_SHARE_MIN, RESILIENT_SHARE_MIN + 1, SHARE_MID,
		RESILIENT_SHARE_MAX - 1, RESILIENT_SHARE_MAX,
	};
	uint64_t x = rnd(s);

	if (x % 2)
		return lens[(x >> 8) % NELEM(lens)];
	return RESILIENT_SHARE_MIN + (x >> 8) % (RESILIENT_SHARE_MAX -
	    RESILIENT_SHARE_MIN + 1);
}

static void
torture_msg_fuzz_mutate(void **state)
{
	struct ctx *c = *state;
	uint64_t s = 0x6d75746174696f6eULL, x, next;
	u_char buf[IN_MAX];
	struct fields f;
	size_t i, j, iters, len, pos, n, maclen, sharelen, lmin, lmax;
	size_t nok[3] = { 0, 0, 0 }, nvalid = 0;
	enum kind kind;
	int want;

	/* each mutated body is decoded five times: half as many */
	iters = (fuzz_iters() + 1) / 2;
	for (i = 0; i < iters; i++) {
		/* a valid body of a random kind */
		kind = (enum kind)(rnd(&s) % 3);
		maclen = RESILIENT_MAC_MIN + rnd(&s) % (RESILIENT_MAC_MAX -
		    RESILIENT_MAC_MIN + 1);
		sharelen = rnd_sharelen(&s);
		next = rnd(&s);
		rnd_fill(&s, f.token, sizeof(f.token));
		rnd_fill(&s, f.share, sharelen);
		rnd_fill(&s, f.mac, maclen);
		sshbuf_reset(c->b);
		switch (kind) {
		case K_COUNTER:
			assert_int_equal(resilient_msg_put_counter(c->b,
			    next), 0);
			break;
		case K_RECONNECT:
			assert_int_equal(resilient_msg_put_reconnect(c->b,
			    f.token, sizeof(f.token), f.share, sharelen, next,
			    f.mac, maclen), 0);
			break;
		case K_REPLY:
			assert_int_equal(resilient_msg_put_reconnect_reply(c->b,
			    f.share, sharelen, next, f.mac, maclen), 0);
			break;
		}
		len = sshbuf_len(c->b);
		assert_true(len <= BODY_MAX);
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
				if (kind == K_COUNTER)
					break;
				pos = kind == K_RECONNECT ?
				    4 + RESILIENT_TOKEN_LEN : 0;
				lmin = RESILIENT_SHARE_MIN;
				lmax = RESILIENT_SHARE_MAX;
				switch ((x >> 48) % 3) {
				case 0:
					if (kind != K_RECONNECT)
						break;
					pos = 0;
					lmin = lmax = RESILIENT_TOKEN_LEN;
					break;
				case 1:
					break;
				default:
					pos += 4 + sharelen + 8;
					lmin = RESILIENT_MAC_MIN;
					lmax = RESILIENT_MAC_MAX;
					break;
				}
				if (len >= pos + 4)
					put_u32(buf + pos, rnd_len(&s, lmin,
					    lmax));
				break;
			default:
				if (len >= 4) {
					pos = (x >> 8) % (len - 3);
					put_u32(buf + pos, rnd_len(&s,
					    RESILIENT_SHARE_MIN,
					    RESILIENT_SHARE_MAX));
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
		cmocka_unit_test_setup_teardown(torture_msg_bad_share_len,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_bad_mac_len,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_reply_mismatch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_decode_bad_args,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_encode_bad_args,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_msg_encode_no_space,
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
