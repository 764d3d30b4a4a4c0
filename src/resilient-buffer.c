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

#include "openbsd-compat/sys-queue.h"

#include "ssherr.h"
#include "resilient-buffer.h"

/*
 * Messages are kept in counter order on a tail queue. The entry header and
 * payload share one allocation; the payload follows the header.
 *
 * Invariants (all counter arithmetic is unsigned and modulo 2^64):
 *	next - first == count
 *	the head entry, if any, has counter first; each following entry
 *	    has the counter of its predecessor plus one
 *	bytes == sum of payload lengths <= max + RESILIENT_BUFFER_SLACK
 *	hint, if not NULL, is a live entry whose counter is hint_seq
 */
struct rb_entry {
	TAILQ_ENTRY(rb_entry) entry;
	uint64_t seq;
	size_t len;
	u_char *data;
};
TAILQ_HEAD(rb_entries, rb_entry);

struct resilient_buffer {
	struct rb_entries entries;
	uint64_t first;		/* counter of oldest held message */
	uint64_t next;		/* counter the next append receives */
	size_t count;		/* messages held */
	size_t bytes;		/* payload bytes held (no overhead) */
	size_t max;		/* soft cap on bytes */
	struct rb_entry *hint;	/* last entry yielded by replay_next */
	uint64_t hint_seq;	/* counter of hint */
};

/*
 * Returns 1 if the untrusted counter n lies within [first, next], i.e.
 * it names a held message or the position just past the newest one.
 * Both ends are checked by a single modular comparison: values before
 * first wrap around to huge offsets that exceed next - first.
 */
static int
rb_in_window(const struct resilient_buffer *rb, uint64_t n)
{
	return (n - rb->first) <= (rb->next - rb->first);
}

static void
rb_entry_free(struct rb_entry *e)
{
	if (e == NULL)
		return;
	freezero(e, sizeof(*e) + e->len);
}

/* Release every message before n; n must already be validated */
static void
rb_release(struct resilient_buffer *rb, uint64_t n)
{
	struct rb_entry *e;

	while (rb->first != n && (e = TAILQ_FIRST(&rb->entries)) != NULL) {
		TAILQ_REMOVE(&rb->entries, e, entry);
		if (rb->hint == e)
			rb->hint = NULL;
		rb->bytes -= e->len;
		rb->count--;
		rb->first++;
		rb_entry_free(e);
	}
}

/* Find the entry for held counter n; n must be in [first, next) */
static struct rb_entry *
rb_lookup(struct resilient_buffer *rb, uint64_t n)
{
	struct rb_entry *e;
	uint64_t off;

	if (rb->hint != NULL) {
		if (n == rb->hint_seq)
			return rb->hint;
		if (n == rb->hint_seq + 1)
			return TAILQ_NEXT(rb->hint, entry);
	}
	off = n - rb->first;
	TAILQ_FOREACH(e, &rb->entries, entry) {
		if (off-- == 0)
			return e;
	}
	return NULL;
}

struct resilient_buffer *
resilient_buffer_new(size_t max_bytes, uint64_t first_seq)
{
	struct resilient_buffer *rb;

	if (max_bytes < RESILIENT_BUFFER_MIN_MAX ||
	    max_bytes > RESILIENT_BUFFER_MAX_MAX)
		return NULL;
	if ((rb = calloc(1, sizeof(*rb))) == NULL)
		return NULL;
	TAILQ_INIT(&rb->entries);
	rb->first = rb->next = first_seq;
	rb->max = max_bytes;
	return rb;
}

void
resilient_buffer_free(struct resilient_buffer *rb)
{
	struct rb_entry *e;

	if (rb == NULL)
		return;
	while ((e = TAILQ_FIRST(&rb->entries)) != NULL) {
		TAILQ_REMOVE(&rb->entries, e, entry);
		rb_entry_free(e);
	}
	freezero(rb, sizeof(*rb));
}

int
resilient_buffer_append(struct resilient_buffer *rb, const u_char *msg,
    size_t len, uint64_t *seqp)
{
	struct rb_entry *e;

	if (rb == NULL || msg == NULL || len == 0 ||
	    len > RESILIENT_BUFFER_MSG_MAX)
		return SSH_ERR_INVALID_ARGUMENT;
	/* bytes never exceeds max + SLACK, so the subtraction is safe */
	if (len > rb->max + RESILIENT_BUFFER_SLACK - rb->bytes)
		return SSH_ERR_NO_BUFFER_SPACE;
	if ((e = malloc(sizeof(*e) + len)) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	e->seq = rb->next;
	e->len = len;
	e->data = (u_char *)(e + 1);
	memcpy(e->data, msg, len);
	TAILQ_INSERT_TAIL(&rb->entries, e, entry);
	rb->bytes += len;
	rb->count++;
	rb->next++;
	if (seqp != NULL)
		*seqp = e->seq;
	return 0;
}

int
resilient_buffer_has_room(const struct resilient_buffer *rb)
{
	if (rb == NULL)
		return 0;
	return rb->bytes < rb->max;
}

int
resilient_buffer_ack(struct resilient_buffer *rb, uint64_t next_expected)
{
	if (rb == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if (!rb_in_window(rb, next_expected))
		return SSH_ERR_PROTOCOL_ERROR;
	rb_release(rb, next_expected);
	return 0;
}

int
resilient_buffer_replay_start(struct resilient_buffer *rb, uint64_t from,
    struct resilient_buffer_cursor *cur)
{
	if (rb == NULL || cur == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	cur->valid = 0;
	if (!rb_in_window(rb, from))
		return SSH_ERR_PROTOCOL_ERROR;
	rb_release(rb, from);
	cur->seq = from;
	cur->valid = 1;
	return 0;
}

int
resilient_buffer_replay_next(struct resilient_buffer *rb,
    struct resilient_buffer_cursor *cur, const u_char **msgp, size_t *lenp,
    uint64_t *seqp)
{
	struct rb_entry *e;

	if (msgp != NULL)
		*msgp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if (rb == NULL || cur == NULL || msgp == NULL || lenp == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	/* Re-resolve the cursor: its message may have been released */
	if (!cur->valid || !rb_in_window(rb, cur->seq)) {
		cur->valid = 0;
		return SSH_ERR_INVALID_ARGUMENT;
	}
	if (cur->seq == rb->next)
		return 0;	/* end of replay; more may be appended later */
	if ((e = rb_lookup(rb, cur->seq)) == NULL || e->seq != cur->seq) {
		cur->valid = 0;
		return SSH_ERR_INTERNAL_ERROR;
	}
	rb->hint = e;
	rb->hint_seq = e->seq;
	*msgp = e->data;
	*lenp = e->len;
	if (seqp != NULL)
		*seqp = e->seq;
	cur->seq++;
	return 0;
}

uint64_t
resilient_buffer_first(const struct resilient_buffer *rb)
{
	return rb == NULL ? 0 : rb->first;
}

uint64_t
resilient_buffer_next(const struct resilient_buffer *rb)
{
	return rb == NULL ? 0 : rb->next;
}

size_t
resilient_buffer_bytes(const struct resilient_buffer *rb)
{
	return rb == NULL ? 0 : rb->bytes;
}

size_t
resilient_buffer_count(const struct resilient_buffer *rb)
{
	return rb == NULL ? 0 : rb->count;
}

size_t
resilient_buffer_max(const struct resilient_buffer *rb)
{
	return rb == NULL ? 0 : rb->max;
}
