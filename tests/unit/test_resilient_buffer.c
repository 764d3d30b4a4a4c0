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

/* Unit tests for the resilient session replay buffer (cmocka). */

#include "includes.h"

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ssherr.h"
#include "resilient-buffer.h"

/* What a message of n bytes is charged */
#define OV	RESILIENT_BUFFER_MSG_OVERHEAD
#define C(n)	((n) + OV)

#define TEST_MSG_TYPE	94	/* SSH2_MSG_CHANNEL_DATA */
#define HALF_RANGE	(1ULL << 63)

/* Snapshot of the externally visible state, to check "nothing changed" */
struct rb_state {
	uint64_t first;
	uint64_t next;
	size_t bytes;
	size_t count;
	int room;
};

/* Deterministic, seq-dependent contents so that mixups are detected */
static void
fill_msg(u_char *buf, size_t len, uint64_t seq)
{
	uint64_t x;
	size_t i;

	x = (seq * 0x9e3779b97f4a7c15ULL) ^ (len << 17) ^ 0x5deece66dULL;
	if (x == 0)
		x = 1;
	buf[0] = TEST_MSG_TYPE;
	for (i = 1; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (u_char)(x >> 24);
	}
}

static void
append_gen(struct resilient_buffer *rb, size_t len, uint64_t want_seq)
{
	u_char *buf;
	uint64_t seq = ~want_seq;

	assert_non_null(buf = malloc(len));
	fill_msg(buf, len, want_seq);
	assert_int_equal(resilient_buffer_append(rb, buf, len, &seq), 0);
	assert_int_equal(seq, want_seq);
	free(buf);
}

static void
expect_msg(struct resilient_buffer *rb, struct resilient_buffer_cursor *cur,
    uint64_t want_seq, size_t want_len)
{
	const u_char *msg = NULL;
	size_t len = 0;
	uint64_t seq = ~want_seq;
	u_char *want;

	assert_int_equal(resilient_buffer_replay_next(rb, cur, &msg, &len,
	    &seq), 0);
	assert_non_null(msg);
	assert_int_equal(seq, want_seq);
	assert_int_equal(len, want_len);
	assert_non_null(want = malloc(want_len));
	fill_msg(want, want_len, want_seq);
	assert_memory_equal(msg, want, want_len);
	free(want);
}

static void
expect_end(struct resilient_buffer *rb, struct resilient_buffer_cursor *cur)
{
	const u_char *msg = (const u_char *)"x";
	size_t len = 1;

	assert_int_equal(resilient_buffer_replay_next(rb, cur, &msg, &len,
	    NULL), 0);
	assert_null(msg);
	assert_int_equal(len, 0);
}

static void
expect_invalid_cursor(struct resilient_buffer *rb,
    struct resilient_buffer_cursor *cur)
{
	const u_char *msg = (const u_char *)"x";
	size_t len = 1;

	assert_int_equal(resilient_buffer_replay_next(rb, cur, &msg, &len,
	    NULL), SSH_ERR_INVALID_ARGUMENT);
	assert_null(msg);
	assert_int_equal(len, 0);
}

static void
snapshot(const struct resilient_buffer *rb, struct rb_state *st)
{
	st->first = resilient_buffer_first(rb);
	st->next = resilient_buffer_next(rb);
	st->bytes = resilient_buffer_bytes(rb);
	st->count = resilient_buffer_count(rb);
	st->room = resilient_buffer_has_room(rb);
	assert_int_equal(st->next - st->first, (uint64_t)st->count);
}

static void
assert_unchanged(const struct resilient_buffer *rb, const struct rb_state *st)
{
	struct rb_state now;

	snapshot(rb, &now);
	assert_int_equal(now.first, st->first);
	assert_int_equal(now.next, st->next);
	assert_int_equal(now.bytes, st->bytes);
	assert_int_equal(now.count, st->count);
	assert_int_equal(now.room, st->room);
}

/* Both ACK and SYNC must reject v and leave everything untouched */
static void
expect_hostile(struct resilient_buffer *rb, uint64_t v)
{
	struct resilient_buffer_cursor cur;
	struct rb_state st;

	snapshot(rb, &st);
	assert_int_equal(resilient_buffer_ack(rb, v), SSH_ERR_PROTOCOL_ERROR);
	assert_unchanged(rb, &st);
	/* starting at first releases nothing and yields a usable cursor */
	assert_int_equal(resilient_buffer_replay_start(rb, st.first, &cur), 0);
	assert_unchanged(rb, &st);
	assert_int_equal(resilient_buffer_replay_start(rb, v, &cur),
	    SSH_ERR_PROTOCOL_ERROR);
	assert_unchanged(rb, &st);
	/* a cursor from a failed SYNC must not be usable */
	expect_invalid_cursor(rb, &cur);
}

static int
setup(void **state)
{
	struct resilient_buffer *rb;

	rb = resilient_buffer_new(RESILIENT_BUFFER_DEFAULT_MAX, 0);
	assert_non_null(rb);
	*state = rb;
	return 0;
}

static int
setup_small(void **state)
{
	struct resilient_buffer *rb;

	rb = resilient_buffer_new(RESILIENT_BUFFER_MIN_MAX, 0);
	assert_non_null(rb);
	*state = rb;
	return 0;
}

static int
setup_wrap(void **state)
{
	struct resilient_buffer *rb;

	rb = resilient_buffer_new(RESILIENT_BUFFER_MIN_MAX, UINT64_MAX - 3);
	assert_non_null(rb);
	*state = rb;
	return 0;
}

static int
teardown(void **state)
{
	resilient_buffer_free(*state);
	*state = NULL;
	return 0;
}

static const size_t sizes[] = {
	1, 2, 7, 100, 1000, 4096, 32768, 65535, RESILIENT_BUFFER_MSG_MAX, 3
};
#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))

static size_t
sum_sizes(size_t from, size_t to)
{
	size_t i, n = 0;

	for (i = from; i < to; i++)
		n += C(sizes[i]);
	return n;
}

static void
torture_rb_new_free(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer *rb2;

	assert_int_equal(resilient_buffer_first(rb), 0);
	assert_int_equal(resilient_buffer_next(rb), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 0);
	assert_int_equal(resilient_buffer_count(rb), 0);
	assert_int_equal(resilient_buffer_max(rb),
	    RESILIENT_BUFFER_DEFAULT_MAX);
	assert_int_equal(resilient_buffer_has_room(rb), 1);

	assert_null(resilient_buffer_new(0, 0));
	assert_null(resilient_buffer_new(RESILIENT_BUFFER_MIN_MAX - 1, 0));
	assert_null(resilient_buffer_new(RESILIENT_BUFFER_MAX_MAX + 1, 0));
	assert_null(resilient_buffer_new(SIZE_MAX, 0));

	rb2 = resilient_buffer_new(RESILIENT_BUFFER_MIN_MAX, 42);
	assert_non_null(rb2);
	assert_int_equal(resilient_buffer_max(rb2), RESILIENT_BUFFER_MIN_MAX);
	assert_int_equal(resilient_buffer_first(rb2), 42);
	assert_int_equal(resilient_buffer_next(rb2), 42);
	resilient_buffer_free(rb2);

	rb2 = resilient_buffer_new(RESILIENT_BUFFER_MAX_MAX, UINT64_MAX);
	assert_non_null(rb2);
	assert_int_equal(resilient_buffer_max(rb2), RESILIENT_BUFFER_MAX_MAX);
	assert_int_equal(resilient_buffer_first(rb2), UINT64_MAX);
	/* free with messages still held must not leak */
	append_gen(rb2, 10, UINT64_MAX);
	append_gen(rb2, 20, 0);
	resilient_buffer_free(rb2);

	resilient_buffer_free(NULL);
}

static void
torture_rb_bad_args(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur;
	struct rb_state st;
	u_char *buf;
	uint64_t seq = 12345;
	const u_char *msg;
	size_t len;

	assert_non_null(buf = calloc(1, RESILIENT_BUFFER_MSG_MAX + 1));
	snapshot(rb, &st);
	assert_int_equal(resilient_buffer_append(rb, buf, 0, &seq),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_append(rb, buf,
	    RESILIENT_BUFFER_MSG_MAX + 1, &seq), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_append(rb, buf, SIZE_MAX, &seq),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_append(rb, NULL, 1, &seq),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_append(NULL, buf, 1, &seq),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(seq, 12345);
	assert_unchanged(rb, &st);

	/* exactly MSG_MAX is fine; seqp may be NULL */
	assert_int_equal(resilient_buffer_append(rb, buf,
	    RESILIENT_BUFFER_MSG_MAX, NULL), 0);
	assert_int_equal(resilient_buffer_bytes(rb),
	    C(RESILIENT_BUFFER_MSG_MAX));
	assert_int_equal(resilient_buffer_count(rb), 1);
	free(buf);

	assert_int_equal(resilient_buffer_ack(NULL, 0),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_replay_start(NULL, 0, &cur),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_replay_start(rb, 0, NULL),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_replay_start(rb, 0, &cur), 0);
	assert_int_equal(resilient_buffer_replay_next(rb, &cur, NULL, &len,
	    NULL), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_replay_next(rb, &cur, &msg, NULL,
	    NULL), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_buffer_replay_next(NULL, &cur, &msg, &len,
	    NULL), SSH_ERR_INVALID_ARGUMENT);

	/* a cursor that was never started is rejected */
	memset(&cur, 0, sizeof(cur));
	expect_invalid_cursor(rb, &cur);
}

static void
torture_rb_append_ack_replay(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur;
	size_t i;

	for (i = 0; i < NSIZES; i++) {
		append_gen(rb, sizes[i], i);
		assert_int_equal(resilient_buffer_count(rb), i + 1);
		assert_int_equal(resilient_buffer_bytes(rb),
		    sum_sizes(0, i + 1));
	}
	assert_int_equal(resilient_buffer_first(rb), 0);
	assert_int_equal(resilient_buffer_next(rb), NSIZES);

	/* full replay, twice: replay does not consume */
	assert_int_equal(resilient_buffer_replay_start(rb, 0, &cur), 0);
	for (i = 0; i < NSIZES; i++)
		expect_msg(rb, &cur, i, sizes[i]);
	expect_end(rb, &cur);
	expect_end(rb, &cur);
	assert_int_equal(resilient_buffer_replay_start(rb, 0, &cur), 0);
	for (i = 0; i < NSIZES; i++)
		expect_msg(rb, &cur, i, sizes[i]);
	expect_end(rb, &cur);
	assert_int_equal(resilient_buffer_count(rb), NSIZES);

	/* trim the first three */
	assert_int_equal(resilient_buffer_ack(rb, 3), 0);
	assert_int_equal(resilient_buffer_first(rb), 3);
	assert_int_equal(resilient_buffer_next(rb), NSIZES);
	assert_int_equal(resilient_buffer_count(rb), NSIZES - 3);
	assert_int_equal(resilient_buffer_bytes(rb), sum_sizes(3, NSIZES));
	assert_int_equal(resilient_buffer_replay_start(rb, 3, &cur), 0);
	for (i = 3; i < NSIZES; i++)
		expect_msg(rb, &cur, i, sizes[i]);
	expect_end(rb, &cur);

	/* acking the same point again is a no-op */
	assert_int_equal(resilient_buffer_ack(rb, 3), 0);
	assert_int_equal(resilient_buffer_count(rb), NSIZES - 3);

	/* ack everything */
	assert_int_equal(resilient_buffer_ack(rb, NSIZES), 0);
	assert_int_equal(resilient_buffer_first(rb), NSIZES);
	assert_int_equal(resilient_buffer_next(rb), NSIZES);
	assert_int_equal(resilient_buffer_count(rb), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 0);
	assert_int_equal(resilient_buffer_replay_start(rb, NSIZES, &cur), 0);
	expect_end(rb, &cur);

	/* numbering continues after a full ack */
	append_gen(rb, 17, NSIZES);
	assert_int_equal(resilient_buffer_replay_start(rb, NSIZES, &cur), 0);
	expect_msg(rb, &cur, NSIZES, 17);
	expect_end(rb, &cur);
}

static void
torture_rb_wraparound(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur;
	uint64_t s, start = UINT64_MAX - 3;
	size_t i;

	assert_int_equal(resilient_buffer_first(rb), start);
	for (i = 0; i < 10; i++)
		append_gen(rb, 50 + i * 13, start + i);
	assert_int_equal(resilient_buffer_first(rb), start);
	assert_int_equal(resilient_buffer_next(rb), 6);
	assert_int_equal(resilient_buffer_count(rb), 10);

	/* counters outside the wrapped window */
	expect_hostile(rb, 7);
	expect_hostile(rb, start - 1);
	expect_hostile(rb, start + HALF_RANGE);
	expect_hostile(rb, UINT64_MAX - 100);

	/* full replay across the wrap */
	assert_int_equal(resilient_buffer_replay_start(rb, start, &cur), 0);
	for (i = 0, s = start; i < 10; i++, s++)
		expect_msg(rb, &cur, s, 50 + i * 13);
	expect_end(rb, &cur);

	/* SYNC from just before the wrap: releases two */
	assert_int_equal(resilient_buffer_replay_start(rb, UINT64_MAX - 1,
	    &cur), 0);
	assert_int_equal(resilient_buffer_first(rb), UINT64_MAX - 1);
	assert_int_equal(resilient_buffer_count(rb), 8);
	for (i = 2, s = UINT64_MAX - 1; i < 10; i++, s++)
		expect_msg(rb, &cur, s, 50 + i * 13);
	expect_end(rb, &cur);

	/* ACK across the wrap */
	assert_int_equal(resilient_buffer_ack(rb, 2), 0);
	assert_int_equal(resilient_buffer_first(rb), 2);
	assert_int_equal(resilient_buffer_next(rb), 6);
	assert_int_equal(resilient_buffer_count(rb), 4);
	assert_int_equal(resilient_buffer_bytes(rb), C(50 + 6 * 13) +
	    C(50 + 7 * 13) + C(50 + 8 * 13) + C(50 + 9 * 13));

	/* what was valid before the wrap is now behind the window */
	expect_hostile(rb, UINT64_MAX);
	expect_hostile(rb, 0);
	expect_hostile(rb, 1);
	expect_hostile(rb, 7);

	assert_int_equal(resilient_buffer_replay_start(rb, 2, &cur), 0);
	for (i = 6, s = 2; i < 10; i++, s++)
		expect_msg(rb, &cur, s, 50 + i * 13);
	expect_end(rb, &cur);
	assert_int_equal(resilient_buffer_ack(rb, 6), 0);
	assert_int_equal(resilient_buffer_count(rb), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 0);
}

static void
torture_rb_cap(void **state)
{
	struct resilient_buffer *rb = *state;
	struct rb_state st;
	size_t max = RESILIENT_BUFFER_MIN_MAX;
	size_t hard = max + RESILIENT_BUFFER_SLACK;
	u_char *buf;
	uint64_t seq = 999;

	assert_int_equal(resilient_buffer_max(rb), max);
	assert_int_equal(resilient_buffer_has_room(rb), 1);

	/* has_room flips exactly when bytes reaches max */
	append_gen(rb, max - 2 * OV - 1, 0);
	assert_int_equal(resilient_buffer_bytes(rb), max - OV - 1);
	assert_int_equal(resilient_buffer_has_room(rb), 1);
	append_gen(rb, 1, 1);
	assert_int_equal(resilient_buffer_bytes(rb), max);
	assert_int_equal(resilient_buffer_has_room(rb), 0);

	/* the slack still admits messages, up to max + SLACK exactly */
	append_gen(rb, RESILIENT_BUFFER_MSG_MAX, 2);
	append_gen(rb, hard - max - C(RESILIENT_BUFFER_MSG_MAX) - 100 - OV, 3);
	assert_int_equal(resilient_buffer_bytes(rb), hard - 100);
	assert_int_equal(resilient_buffer_has_room(rb), 0);

	/* one byte too many: refused, nothing changes */
	assert_non_null(buf = calloc(1, RESILIENT_BUFFER_MSG_MAX));
	snapshot(rb, &st);
	assert_int_equal(resilient_buffer_append(rb, buf, 100 - OV + 1, &seq),
	    SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(resilient_buffer_append(rb, buf,
	    RESILIENT_BUFFER_MSG_MAX, &seq), SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(seq, 999);
	assert_unchanged(rb, &st);

	/* exactly fits */
	append_gen(rb, 100 - OV, 4);
	assert_int_equal(resilient_buffer_bytes(rb), hard);
	assert_int_equal(resilient_buffer_count(rb), 5);
	snapshot(rb, &st);
	assert_int_equal(resilient_buffer_append(rb, buf, 1, &seq),
	    SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(seq, 999);
	assert_unchanged(rb, &st);

	/* releasing the first message frees max - OV - 1: still over cap */
	assert_int_equal(resilient_buffer_ack(rb, 1), 0);
	assert_int_equal(resilient_buffer_bytes(rb), hard - (max - OV - 1));
	assert_int_equal(resilient_buffer_has_room(rb), 0);
	append_gen(rb, max - 2 * OV - 1, 5);
	assert_int_equal(resilient_buffer_bytes(rb), hard);
	assert_int_equal(resilient_buffer_append(rb, buf, 1, &seq),
	    SSH_ERR_NO_BUFFER_SPACE);

	/* release enough to drop below the soft cap: room returns */
	assert_int_equal(resilient_buffer_ack(rb, 4), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 100 + max - OV - 1);
	assert_int_equal(resilient_buffer_has_room(rb), 0);
	assert_int_equal(resilient_buffer_ack(rb, 5), 0);
	assert_int_equal(resilient_buffer_bytes(rb), max - OV - 1);
	assert_int_equal(resilient_buffer_has_room(rb), 1);
	append_gen(rb, 1, 6);
	assert_int_equal(resilient_buffer_has_room(rb), 0);
	assert_int_equal(resilient_buffer_ack(rb, 7), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 0);
	assert_int_equal(resilient_buffer_has_room(rb), 1);
	free(buf);
}

static void
torture_rb_hostile(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur;
	uint64_t first, next;
	size_t i;

	/* empty buffer at 0: only 0 is acceptable */
	assert_int_equal(resilient_buffer_ack(rb, 0), 0);
	expect_hostile(rb, 1);
	expect_hostile(rb, UINT64_MAX);
	expect_hostile(rb, HALF_RANGE);
	assert_int_equal(resilient_buffer_replay_start(rb, 0, &cur), 0);
	expect_end(rb, &cur);

	/* move the window to [1000, 1005] */
	for (i = 0; i < 1005; i++)
		append_gen(rb, 1 + (i % 37), i);
	assert_int_equal(resilient_buffer_ack(rb, 1000), 0);
	first = resilient_buffer_first(rb);
	next = resilient_buffer_next(rb);
	assert_int_equal(first, 1000);
	assert_int_equal(next, 1005);
	assert_int_equal(resilient_buffer_count(rb), 5);

	expect_hostile(rb, next + 1);
	expect_hostile(rb, next + 1000);
	expect_hostile(rb, UINT64_MAX);
	expect_hostile(rb, first - 1);
	expect_hostile(rb, first + HALF_RANGE);
	expect_hostile(rb, first + HALF_RANGE - 1);
	expect_hostile(rb, first - HALF_RANGE);
	expect_hostile(rb, next + HALF_RANGE);
	expect_hostile(rb, 0);
	expect_hostile(rb, 1);
	expect_hostile(rb, first - (next - first));

	/* every value inside the window is accepted (checked by SYNC) */
	assert_int_equal(resilient_buffer_replay_start(rb, first, &cur), 0);
	assert_int_equal(resilient_buffer_count(rb), 5);
	expect_msg(rb, &cur, first, 1 + (first % 37));

	/* ack == first is a no-op */
	assert_int_equal(resilient_buffer_ack(rb, first), 0);
	assert_int_equal(resilient_buffer_first(rb), first);
	assert_int_equal(resilient_buffer_count(rb), 5);

	/* ack == next releases everything */
	assert_int_equal(resilient_buffer_ack(rb, next), 0);
	assert_int_equal(resilient_buffer_first(rb), next);
	assert_int_equal(resilient_buffer_count(rb), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 0);

	/* empty buffer elsewhere */
	assert_int_equal(resilient_buffer_ack(rb, next), 0);
	expect_hostile(rb, next + 1);
	expect_hostile(rb, next - 1);
	expect_hostile(rb, first);
	expect_hostile(rb, 0);
	expect_hostile(rb, UINT64_MAX);
	expect_hostile(rb, next + HALF_RANGE);
	assert_int_equal(resilient_buffer_replay_start(rb, next, &cur), 0);
	expect_end(rb, &cur);
}

static void
torture_rb_replay_partial(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur;
	uint64_t i;

	for (i = 0; i < 6; i++)
		append_gen(rb, 10 + i * 1000, i);
	assert_int_equal(resilient_buffer_ack(rb, 2), 0);

	assert_int_equal(resilient_buffer_replay_start(rb, 2, &cur), 0);
	for (i = 2; i < 6; i++)
		expect_msg(rb, &cur, i, 10 + i * 1000);
	expect_end(rb, &cur);

	/* SYNC 4 acknowledges 2 and 3 */
	assert_int_equal(resilient_buffer_replay_start(rb, 4, &cur), 0);
	assert_int_equal(resilient_buffer_first(rb), 4);
	assert_int_equal(resilient_buffer_next(rb), 6);
	assert_int_equal(resilient_buffer_count(rb), 2);
	assert_int_equal(resilient_buffer_bytes(rb), C(4010) + C(5010));
	expect_msg(rb, &cur, 4, 4010);
	expect_msg(rb, &cur, 5, 5010);
	expect_end(rb, &cur);

	/* SYNC == next: nothing to replay, everything released */
	assert_int_equal(resilient_buffer_replay_start(rb, 6, &cur), 0);
	assert_int_equal(resilient_buffer_count(rb), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 0);
	expect_end(rb, &cur);
}

static void
torture_rb_append_during_replay(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur;

	append_gen(rb, 5, 0);
	append_gen(rb, 6, 1);
	append_gen(rb, 7, 2);
	assert_int_equal(resilient_buffer_replay_start(rb, 0, &cur), 0);
	expect_msg(rb, &cur, 0, 5);
	append_gen(rb, 8, 3);
	append_gen(rb, 9, 4);
	expect_msg(rb, &cur, 1, 6);
	expect_msg(rb, &cur, 2, 7);
	expect_msg(rb, &cur, 3, 8);
	expect_msg(rb, &cur, 4, 9);
	expect_end(rb, &cur);
	/* a cursor at the end picks up later appends */
	append_gen(rb, 4000, 5);
	expect_msg(rb, &cur, 5, 4000);
	expect_end(rb, &cur);
	/* acking up to the cursor leaves it valid */
	assert_int_equal(resilient_buffer_ack(rb, 6), 0);
	expect_end(rb, &cur);
	append_gen(rb, 1, 6);
	expect_msg(rb, &cur, 6, 1);
	expect_end(rb, &cur);
}

static void
torture_rb_cursor_invalidated(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur, cur2;
	uint64_t i;

	for (i = 0; i < 8; i++)
		append_gen(rb, 100 + i, i);
	assert_int_equal(resilient_buffer_replay_start(rb, 0, &cur), 0);
	expect_msg(rb, &cur, 0, 100);
	expect_msg(rb, &cur, 1, 101);

	/* releasing the message just yielded keeps the cursor usable */
	assert_int_equal(resilient_buffer_ack(rb, 2), 0);
	expect_msg(rb, &cur, 2, 102);

	/* a second cursor interleaved with the first */
	assert_int_equal(resilient_buffer_replay_start(rb, 2, &cur2), 0);
	expect_msg(rb, &cur2, 2, 102);
	expect_msg(rb, &cur, 3, 103);
	expect_msg(rb, &cur2, 3, 103);
	expect_msg(rb, &cur2, 4, 104);
	expect_msg(rb, &cur2, 5, 105);
	expect_msg(rb, &cur, 4, 104);

	/* release the message cur points at (5): cur must be refused */
	assert_int_equal(resilient_buffer_ack(rb, 6), 0);
	expect_invalid_cursor(rb, &cur);
	/* and stays refused */
	expect_invalid_cursor(rb, &cur);
	/* cur2 pointed at 6, which is still held */
	expect_msg(rb, &cur2, 6, 106);
	expect_msg(rb, &cur2, 7, 107);
	expect_end(rb, &cur2);

	/* releasing everything past a cursor also invalidates it */
	assert_int_equal(resilient_buffer_replay_start(rb, 6, &cur), 0);
	assert_int_equal(resilient_buffer_ack(rb, 8), 0);
	expect_invalid_cursor(rb, &cur);
	/* cur2 is at the end (8), which remains a valid position */
	expect_end(rb, &cur2);

	/* a restarted cursor works again */
	append_gen(rb, 33, 8);
	assert_int_equal(resilient_buffer_replay_start(rb, 8, &cur), 0);
	expect_msg(rb, &cur, 8, 33);
	expect_end(rb, &cur);
}

/* Randomised comparison against a trivial reference model */

#define MODEL_STEPS	2000
#define MODEL_CAP	(MODEL_STEPS + 16)

struct model {
	u_char *msg[MODEL_CAP];	/* held messages, oldest first */
	size_t len[MODEL_CAP];
	size_t n;
	uint64_t first;
	uint64_t next;
	size_t bytes;
	size_t max;
};

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Deliberately naive: is v one of first, first+1, ..., first+n? */
static int
model_in_window(const struct model *m, uint64_t v)
{
	uint64_t s = m->first;
	size_t k;

	for (k = 0; k <= m->n; k++, s++) {
		if (s == v)
			return 1;
	}
	return 0;
}

static void
model_release(struct model *m, uint64_t v)
{
	while (m->first != v) {
		assert_true(m->n > 0);
		m->bytes -= C(m->len[0]);
		free(m->msg[0]);
		memmove(m->msg, m->msg + 1, (m->n - 1) * sizeof(*m->msg));
		memmove(m->len, m->len + 1, (m->n - 1) * sizeof(*m->len));
		m->n--;
		m->first++;
	}
}

static void
model_check(const struct resilient_buffer *rb, const struct model *m)
{
	assert_int_equal(resilient_buffer_first(rb), m->first);
	assert_int_equal(resilient_buffer_next(rb), m->next);
	assert_int_equal(resilient_buffer_count(rb), m->n);
	assert_int_equal(resilient_buffer_bytes(rb), m->bytes);
	assert_int_equal(resilient_buffer_has_room(rb), m->bytes < m->max);
	assert_int_equal(m->next - m->first, (uint64_t)m->n);
}

static uint64_t
model_pick_counter(const struct model *m, uint64_t *s)
{
	switch (rnd(s) % 10) {
	case 0:
	case 1:
	case 2:
		return m->first + rnd(s) % (m->n + 1);
	case 3:
		return m->first;
	case 4:
		return m->next;
	case 5:
		return m->next + 1 + rnd(s) % 1000;
	case 6:
		return m->first - 1 - rnd(s) % 1000;
	case 7:
		return rnd(s);
	case 8:
		return m->first + HALF_RANGE + rnd(s) % 3 - 1;
	default:
		return (rnd(s) & 1) ? 0 : UINT64_MAX;
	}
}

/* Returns 1 if appended, 0 if refused (as the model predicted) */
static int
model_append(struct resilient_buffer *rb, struct model *m, uint64_t *s,
    size_t *nfull)
{
	u_char *buf;
	size_t i, len;
	uint64_t seq = 0xdeadbeef;
	int r, want;

	switch (rnd(s) % 20) {
	case 0:
		len = (rnd(s) & 1) ? 0 : RESILIENT_BUFFER_MSG_MAX + 1;
		break;
	case 1:
	case 2:
		len = 1 + rnd(s) % RESILIENT_BUFFER_MSG_MAX;
		break;
	default:
		len = 1 + rnd(s) % 2048;
		break;
	}
	assert_non_null(buf = malloc(len + 1));
	buf[0] = TEST_MSG_TYPE;
	for (i = 1; i < len; i++)
		buf[i] = (u_char)rnd(s);
	if (len == 0 || len > RESILIENT_BUFFER_MSG_MAX)
		want = SSH_ERR_INVALID_ARGUMENT;
	else if (m->bytes + C(len) > m->max + RESILIENT_BUFFER_SLACK)
		want = SSH_ERR_NO_BUFFER_SPACE;
	else
		want = 0;
	r = resilient_buffer_append(rb, buf, len, &seq);
	assert_int_equal(r, want);
	if (r != 0) {
		assert_int_equal(seq, 0xdeadbeef);
		if (r == SSH_ERR_NO_BUFFER_SPACE)
			(*nfull)++;
		free(buf);
		return 0;
	}
	assert_int_equal(seq, m->next);
	assert_true(m->n < MODEL_CAP);
	m->msg[m->n] = buf;
	m->len[m->n] = len;
	m->n++;
	m->next++;
	m->bytes += C(len);
	return 1;
}

/* Check one replay_next result against the model for position pos */
static void
model_expect_next(struct resilient_buffer *rb, const struct model *m,
    struct resilient_buffer_cursor *cur, uint64_t pos)
{
	const u_char *msg = NULL;
	size_t len = 99, k;
	uint64_t seq = 0;

	assert_int_equal(resilient_buffer_replay_next(rb, cur, &msg, &len,
	    &seq), 0);
	if (pos == m->next) {
		assert_null(msg);
		assert_int_equal(len, 0);
		return;
	}
	k = (size_t)(pos - m->first);
	assert_true(k < m->n);
	assert_non_null(msg);
	assert_int_equal(seq, pos);
	assert_int_equal(len, m->len[k]);
	assert_memory_equal(msg, m->msg[k], len);
}

static void
torture_rb_model(void **state)
{
	struct resilient_buffer *rb;
	struct resilient_buffer_cursor cur, pcur;
	struct model *m;
	uint64_t s = 0x0123456789abcdefULL, v, pos, pcur_pos = 0;
	uint64_t start = UINT64_MAX - 600;
	u_int op;
	size_t step, nfull = 0, nbad = 0, ngood = 0, ninval = 0, nyield = 0;
	int r, pcur_valid = 0, valid;

	assert_non_null(m = calloc(1, sizeof(*m)));
	m->max = RESILIENT_BUFFER_MIN_MAX;
	m->first = m->next = start;
	assert_non_null(rb = resilient_buffer_new(m->max, start));
	memset(&pcur, 0, sizeof(pcur));

	for (step = 0; step < MODEL_STEPS; step++) {
		op = rnd(&s) % 20;
		/* alternate phases: in "congested" ones the peer never acks */
		if ((step / 250) % 2 == 1 && op >= 9 && op <= 16)
			op = 0;
		switch (op) {
		case 0: case 1: case 2: case 3: case 4:
		case 5: case 6: case 7: case 8:
			model_append(rb, m, &s, &nfull);
			break;
		case 9: case 10: case 11: case 12:
			/* ACK */
			v = model_pick_counter(m, &s);
			valid = model_in_window(m, v);
			r = resilient_buffer_ack(rb, v);
			if (!valid) {
				assert_int_equal(r, SSH_ERR_PROTOCOL_ERROR);
				nbad++;
				break;
			}
			assert_int_equal(r, 0);
			model_release(m, v);
			ngood++;
			break;
		case 13: case 14:
			/* SYNC with a full replay, maybe appending midway */
			v = model_pick_counter(m, &s);
			valid = model_in_window(m, v);
			r = resilient_buffer_replay_start(rb, v, &cur);
			if (!valid) {
				assert_int_equal(r, SSH_ERR_PROTOCOL_ERROR);
				nbad++;
				break;
			}
			assert_int_equal(r, 0);
			model_release(m, v);
			ngood++;
			for (pos = v; pos != m->next; pos++) {
				model_expect_next(rb, m, &cur, pos);
				nyield++;
				if (rnd(&s) % 8 == 0)
					model_append(rb, m, &s, &nfull);
			}
			model_expect_next(rb, m, &cur, pos);
			break;
		case 15: case 16:
			/* (re)start the persistent cursor */
			v = model_pick_counter(m, &s);
			valid = model_in_window(m, v);
			r = resilient_buffer_replay_start(rb, v, &pcur);
			if (!valid) {
				assert_int_equal(r, SSH_ERR_PROTOCOL_ERROR);
				pcur_valid = 0;
				nbad++;
				break;
			}
			assert_int_equal(r, 0);
			model_release(m, v);
			pcur_valid = 1;
			pcur_pos = v;
			ngood++;
			break;
		default:
			/* step the persistent cursor */
			if (pcur_valid && !model_in_window(m, pcur_pos))
				pcur_valid = 0;
			if (!pcur_valid) {
				expect_invalid_cursor(rb, &pcur);
				ninval++;
				break;
			}
			model_expect_next(rb, m, &pcur, pcur_pos);
			if (pcur_pos != m->next) {
				pcur_pos++;
				nyield++;
			}
			break;
		}
		model_check(rb, m);
	}

	/* make sure the interesting cases were actually exercised */
	assert_true(nfull > 50);
	assert_true(nbad > 100);
	assert_true(ngood > 100);
	assert_true(ninval > 20);
	assert_true(nyield > 200);
	assert_true(m->next < start);	/* counter wrapped */

	resilient_buffer_free(rb);
	model_release(m, m->next);
	free(m);
}

/*
 * Many one-byte messages, as a peer that never acknowledges keystrokes
 * makes the sender keep: each is charged its length and header, they
 * cross chunk boundaries (256 KiB) intact, and a replay from any point,
 * an ACK in the middle and appends afterwards keep them in order.
 */
static void
torture_rb_small_messages(void **state)
{
	struct resilient_buffer *rb = *state;
	struct resilient_buffer_cursor cur;
	const size_t n = 3 * 256 * 1024 / C(1) + 7;
	size_t i;

	for (i = 0; i < n; i++)
		append_gen(rb, 1 + (i % 3 == 0 ? 4 : 0), i);
	assert_int_equal(resilient_buffer_count(rb), n);
	assert_int_equal(resilient_buffer_bytes(rb),
	    n * C(1) + 4 * ((n + 2) / 3));
	assert_int_equal(resilient_buffer_replay_start(rb, 0, &cur), 0);
	for (i = 0; i < n; i++)
		expect_msg(rb, &cur, i, 1 + (i % 3 == 0 ? 4 : 0));
	expect_end(rb, &cur);
	/* from the middle of the second chunk, after an ACK of the first */
	assert_int_equal(resilient_buffer_ack(rb, n / 2), 0);
	assert_int_equal(resilient_buffer_replay_start(rb, n / 2 + 1, &cur),
	    0);
	for (i = n / 2 + 1; i < n; i++)
		expect_msg(rb, &cur, i, 1 + (i % 3 == 0 ? 4 : 0));
	append_gen(rb, 70000, n);
	expect_msg(rb, &cur, n, 70000);
	expect_end(rb, &cur);
	assert_int_equal(resilient_buffer_ack(rb, n + 1), 0);
	assert_int_equal(resilient_buffer_bytes(rb), 0);
	/* emptied, the buffer starts again from its spare chunks */
	append_gen(rb, RESILIENT_BUFFER_MSG_MAX, n + 1);
	assert_int_equal(resilient_buffer_replay_start(rb, n + 1, &cur), 0);
	expect_msg(rb, &cur, n + 1, RESILIENT_BUFFER_MSG_MAX);
	expect_end(rb, &cur);
}

/* Resident memory of this process, in bytes */
static size_t
rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f;

	assert_non_null(f = fopen("/proc/self/statm", "r"));
	assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * A peer that never acknowledges, and one-byte messages: the buffer
 * fills to its cap plus the headroom, 5 bytes a message, and the
 * process grows by no more than that and the chunks' own headroom
 * (resilient-buffer.h: 1.5 MiB), plus 512 KiB for the allocator.
 * Skipped under valgrind, whose allocator has its own idea of memory.
 */
static void
torture_rb_memory(void **state)
{
	struct resilient_buffer *rb = *state;
	const char *preload = getenv("LD_PRELOAD");
	size_t before, grown, limit, n = 0;
	u_char b = 'k';
	int r;

	if (preload != NULL && strstr(preload, "vgpreload") != NULL)
		skip();
#ifndef __linux__
	skip();
#endif
	before = rss_bytes();
	while ((r = resilient_buffer_append(rb, &b, 1, NULL)) == 0)
		n++;
	assert_int_equal(r, SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(resilient_buffer_bytes(rb), n * C(1));
	limit = RESILIENT_BUFFER_DEFAULT_MAX + RESILIENT_BUFFER_SLACK;
	assert_true(resilient_buffer_bytes(rb) <= limit);
	assert_true(resilient_buffer_bytes(rb) > limit - C(1));
	grown = rss_bytes() - before;
	print_message("%zu one-byte messages: %zu bytes charged, process "
	    "grew by %zu\n", n, resilient_buffer_bytes(rb), grown);
	assert_true(grown <= limit + 1536 * 1024 + 512 * 1024);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(torture_rb_new_free,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_bad_args,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_append_ack_replay,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_wraparound,
		    setup_wrap, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_cap,
		    setup_small, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_hostile,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_replay_partial,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_append_during_replay,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_cursor_invalidated,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_small_messages,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(torture_rb_memory,
		    setup, teardown),
		cmocka_unit_test(torture_rb_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
