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
 * Harness: the replay buffer (src/resilient-buffer.c) under the counters
 * a peer chooses.  An ACK or SYNC carries a counter that the session
 * hands to resilient_buffer_ack(), and a reconnect one that starts a
 * replay (resilient_buffer_replay_start(), then replay_next()); the
 * buffer must judge each against what it holds.
 *
 * The input is the first counter (8 bytes), then a program: an opcode
 * byte and its operand, again and again.
 *	0	append a message, length from a 16-bit operand
 *	1	append a message, length from a 16-bit operand times 8
 *	2	ack a counter near the window: first + (int8_t operand)
 *	3	ack a 64-bit counter
 *	4	start a replay near the window: first + (int8_t operand)
 *	5	start a replay at a 64-bit counter
 *	6	take the next message of the replay
 * A model of the buffer (what the messages were, their counters and
 * lengths) follows every step, and after each the buffer must agree with
 * it (resilient-buffer.h): counters within [first, next] are accepted and
 * release what comes before them, others are refused and change
 * nothing; next - first is the count; bytes are what the messages held
 * are charged (length and RESILIENT_BUFFER_MSG_OVERHEAD each), never
 * beyond the cap and its slack; a replay yields each message with its
 * own counter and bytes, and ends at next.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshbuf.h"
#include "ssherr.h"

#include "resilient-buffer.h"

#include "fuzz-common.h"

#define CAP		RESILIENT_BUFFER_MIN_MAX
#define MAX_MSGS	4096	/* more than an input can append */

/* The model: the lengths of the messages held, oldest first */
struct model {
	uint64_t first, next;
	size_t	bytes;
	size_t	len[MAX_MSGS];
	size_t	head, count;	/* a ring in len[] */
	int	cur_valid;
	uint64_t cur_seq;
};

static u_char *msgbuf;	/* room for the longest message appended */

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_replay_buffer");
	if ((msgbuf = calloc(1, 8 * 0xffff)) == NULL)
		abort();
	return 0;
}

/*
 * Message seq starts with its counter, as far as it is long, and ends
 * with a byte of it: enough to tell every message from its neighbours
 * without writing or reading all of a long one.
 */
static void
mark(u_char *p, uint64_t seq, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 8; i++)
		p[i] = (u_char)(seq >> (8 * i));
	if (len > 0)
		p[len - 1] = (u_char)seq ^ 0x5a;
}

static int
marked(const u_char *p, uint64_t seq, size_t len)
{
	u_char want[9];

	if (len <= sizeof(want)) {
		mark(want, seq, len);
		return len != 0 && memcmp(p, want, len) == 0;
	}
	mark(want, seq, sizeof(want));
	return memcmp(p, want, 8) == 0 && p[len - 1] == want[8];
}

static int
in_window(const struct model *md, uint64_t n)
{
	return n - md->first <= md->next - md->first;
}

static void
check_agrees(const struct resilient_buffer *rb, const struct model *md)
{
	FUZZ_CHECK(resilient_buffer_first(rb) == md->first);
	FUZZ_CHECK(resilient_buffer_next(rb) == md->next);
	FUZZ_CHECK(resilient_buffer_count(rb) == md->count);
	FUZZ_CHECK(md->next - md->first == md->count);
	FUZZ_CHECK(resilient_buffer_bytes(rb) == md->bytes);
	FUZZ_CHECK(md->bytes <= CAP + RESILIENT_BUFFER_SLACK);
	FUZZ_CHECK(resilient_buffer_has_room(rb) == (md->bytes < CAP));
	FUZZ_CHECK(resilient_buffer_max(rb) == CAP);
}

/* Drop the model's messages before n, which is in the window */
static void
release(struct model *md, uint64_t n)
{
	while (md->first != n) {
		md->bytes -= RESILIENT_BUFFER_MSG_OVERHEAD + md->len[md->head];
		md->head = (md->head + 1) % MAX_MSGS;
		md->count--;
		md->first++;
	}
}

static void
do_append(struct resilient_buffer *rb, struct model *md, size_t len)
{
	uint64_t seq = 0;
	int r, want;

	if (len == 0 || len > RESILIENT_BUFFER_MSG_MAX)
		want = SSH_ERR_INVALID_ARGUMENT;
	else if (md->bytes + RESILIENT_BUFFER_MSG_OVERHEAD + len >
	    CAP + RESILIENT_BUFFER_SLACK)
		want = SSH_ERR_NO_BUFFER_SPACE;
	else
		want = 0;
	if (want == 0 && md->count == MAX_MSGS)
		return;		/* beyond the model; cannot happen */
	mark(msgbuf, md->next, len);
	r = resilient_buffer_append(rb, msgbuf, len, &seq);
	FUZZ_CHECK(r == want);
	if (r != 0)
		return;
	FUZZ_CHECK(seq == md->next);
	md->len[(md->head + md->count) % MAX_MSGS] = len;
	md->count++;
	md->bytes += RESILIENT_BUFFER_MSG_OVERHEAD + len;
	md->next++;
}

static void
do_ack(struct resilient_buffer *rb, struct model *md, uint64_t n)
{
	int r, ok = in_window(md, n);

	r = resilient_buffer_ack(rb, n);
	FUZZ_CHECK(r == (ok ? 0 : SSH_ERR_PROTOCOL_ERROR));
	if (ok)
		release(md, n);
}

static void
do_replay_start(struct resilient_buffer *rb, struct model *md,
    struct resilient_buffer_cursor *cur, uint64_t n)
{
	int r, ok = in_window(md, n);

	r = resilient_buffer_replay_start(rb, n, cur);
	FUZZ_CHECK(r == (ok ? 0 : SSH_ERR_PROTOCOL_ERROR));
	FUZZ_CHECK((cur->valid != 0) == ok);
	md->cur_valid = ok;
	if (!ok)
		return;
	FUZZ_CHECK(cur->seq == n);
	md->cur_seq = n;
	release(md, n);
}

static void
do_replay_next(struct resilient_buffer *rb, struct model *md,
    struct resilient_buffer_cursor *cur)
{
	const u_char *msg = (const u_char *)"x";
	size_t len = 1, want;
	uint64_t seq = 0;
	int r;

	r = resilient_buffer_replay_next(rb, cur, &msg, &len, &seq);
	if (!md->cur_valid || !in_window(md, md->cur_seq)) {
		/* released under the cursor, or never started */
		FUZZ_CHECK(r == SSH_ERR_INVALID_ARGUMENT);
		FUZZ_CHECK(msg == NULL && len == 0 && !cur->valid);
		md->cur_valid = 0;
		return;
	}
	FUZZ_CHECK(r == 0);
	if (md->cur_seq == md->next) {
		FUZZ_CHECK(msg == NULL && len == 0);
		FUZZ_CHECK(cur->valid && cur->seq == md->cur_seq);
		return;
	}
	want = md->len[(md->head + (md->cur_seq - md->first)) % MAX_MSGS];
	FUZZ_CHECK(msg != NULL && seq == md->cur_seq && len == want);
	FUZZ_CHECK(marked(msg, seq, len));
	md->cur_seq++;
	FUZZ_CHECK(cur->valid && cur->seq == md->cur_seq);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resilient_buffer *rb;
	struct resilient_buffer_cursor cur;
	static struct model md;
	size_t off = 8;
	uint64_t first;
	u_int op;

	if (size < 8)
		return 0;
	first = PEEK_U64(data);
	memset(&md, 0, sizeof(md));
	memset(&cur, 0, sizeof(cur));
	md.first = md.next = first;
	if ((rb = resilient_buffer_new(CAP, first)) == NULL)
		abort();
	check_agrees(rb, &md);
	while (off < size) {
		op = data[off++] % 7;
		switch (op) {
		case 0:
		case 1:
			if (size - off < 2)
				goto done;
			do_append(rb, &md, (size_t)PEEK_U16(data + off) *
			    (op == 1 ? 8 : 1));
			off += 2;
			break;
		case 2:
		case 4:
			if (size - off < 1)
				goto done;
			if (op == 2)
				do_ack(rb, &md,
				    md.first + (int8_t)data[off]);
			else
				do_replay_start(rb, &md, &cur,
				    md.first + (int8_t)data[off]);
			off++;
			break;
		case 3:
		case 5:
			if (size - off < 8)
				goto done;
			if (op == 3)
				do_ack(rb, &md, PEEK_U64(data + off));
			else
				do_replay_start(rb, &md, &cur,
				    PEEK_U64(data + off));
			off += 8;
			break;
		case 6:
			do_replay_next(rb, &md, &cur);
			break;
		}
		check_agrees(rb, &md);
	}
 done:
	resilient_buffer_free(rb);
	return 0;
}
