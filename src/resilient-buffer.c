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
 * The messages held form one byte queue of records, each a 32-bit length
 * in host order followed by the message, in counter order.  The queue is
 * stored in fixed-size chunks: appending copies a record into the last
 * chunk, spilling into a new one when it is full (a record may straddle
 * two chunks), and an acknowledgement moves the head past the records it
 * releases and recycles every chunk left behind.  So a message costs one
 * copy and no allocation, whatever its size, and the memory it takes is
 * exactly what it is charged: its length plus the record header.
 *
 * Chunks that fall empty are kept as spares (up to RB_SPARES) and reused
 * without being cleared, as upstream's sshbuf reuses its space; a chunk
 * returned to the allocator, and every chunk when the buffer is freed, is
 * wiped first.
 *
 * Invariants (all counter arithmetic is unsigned and modulo 2^64):
 *	next - first == count
 *	the record at the head (chunk TAILQ_FIRST, offset head) has counter
 *	    first; each following record the counter of its predecessor + 1
 *	bytes == the bytes of all records held == count * RB_HDR + payload
 *	bytes <= max + RESILIENT_BUFFER_SLACK
 *	the last chunk has tail bytes written; every other chunk is full
 *	hint, if hint_valid, is the position of the record hint_seq, which
 *	    is held or is next
 */
#define RB_HDR		RESILIENT_BUFFER_MSG_OVERHEAD
#define RB_CHUNK	(256 * 1024)	/* data bytes per chunk */
#define RB_SPARES	4		/* empty chunks kept for reuse */

struct rb_chunk {
	TAILQ_ENTRY(rb_chunk) entry;
	u_char data[RB_CHUNK];
};
TAILQ_HEAD(rb_chunks, rb_chunk);

/* A position in the queue: a chunk and an offset into it */
struct rb_pos {
	struct rb_chunk *c;
	size_t off;
};

struct resilient_buffer {
	struct rb_chunks chunks;	/* in use, oldest first */
	struct rb_chunks spares;
	u_int nspares;
	size_t head;		/* offset of the first record in its chunk */
	size_t tail;		/* bytes written to the last chunk */
	uint64_t first;		/* counter of oldest held message */
	uint64_t next;		/* counter the next append receives */
	size_t count;		/* messages held */
	size_t bytes;		/* record bytes held (RB_HDR + payload each) */
	size_t max;		/* soft cap on bytes */
	int hint_valid;
	struct rb_pos hint;	/* where the record hint_seq starts */
	uint64_t hint_seq;
	u_char *scratch;	/* a straddling message, copied for replay */
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
rb_chunk_put(struct resilient_buffer *rb, struct rb_chunk *c)
{
	if (rb->nspares < RB_SPARES) {
		TAILQ_INSERT_HEAD(&rb->spares, c, entry);
		rb->nspares++;
	} else
		freezero(c, sizeof(*c));
}

static struct rb_chunk *
rb_chunk_get(struct resilient_buffer *rb)
{
	struct rb_chunk *c;

	if ((c = TAILQ_FIRST(&rb->spares)) != NULL) {
		TAILQ_REMOVE(&rb->spares, c, entry);
		rb->nspares--;
		return c;
	}
	return malloc(sizeof(*c));
}

/* Copy len bytes at *p out to dst (if not NULL) and move *p past them */
static void
rb_read(const struct resilient_buffer *rb, struct rb_pos *p, u_char *dst,
    size_t len)
{
	size_t n;

	while (len > 0) {
		if (p->off == RB_CHUNK) {
			p->c = TAILQ_NEXT(p->c, entry);
			p->off = 0;
		}
		n = RB_CHUNK - p->off;
		if (n > len)
			n = len;
		if (dst != NULL) {
			memcpy(dst, p->c->data + p->off, n);
			dst += n;
		}
		p->off += n;
		len -= n;
	}
}

/* The length of the record at *p; *p moves to its message */
static size_t
rb_read_len(const struct resilient_buffer *rb, struct rb_pos *p)
{
	uint32_t len;

	rb_read(rb, p, (u_char *)&len, sizeof(len));
	return len;
}

/*
 * Append len bytes at the tail, which is in chunk *cp; the chunks needed
 * must follow it.  *cp is left at the chunk the tail is in.
 */
static void
rb_write(struct resilient_buffer *rb, struct rb_chunk **cp, const u_char *src,
    size_t len)
{
	struct rb_chunk *c = *cp;
	size_t n;

	while (len > 0) {
		if (rb->tail == RB_CHUNK) {
			c = TAILQ_NEXT(c, entry);
			rb->tail = 0;
		}
		n = RB_CHUNK - rb->tail;
		if (n > len)
			n = len;
		memcpy(c->data + rb->tail, src, n);
		rb->tail += n;
		src += n;
		len -= n;
	}
	*cp = c;
}

/* Release every message before n; n must already be validated */
static void
rb_release(struct resilient_buffer *rb, uint64_t n)
{
	struct rb_pos p;
	struct rb_chunk *c;
	size_t len;

	if (rb->first == n)
		return;
	p.c = TAILQ_FIRST(&rb->chunks);
	p.off = rb->head;
	while (rb->first != n) {
		len = rb_read_len(rb, &p);
		rb_read(rb, &p, NULL, len);
		rb->bytes -= RB_HDR + len;
		rb->count--;
		rb->first++;
	}
	/* Recycle the chunks left behind; an empty queue keeps none */
	if (rb->count == 0) {
		while ((c = TAILQ_FIRST(&rb->chunks)) != NULL) {
			TAILQ_REMOVE(&rb->chunks, c, entry);
			rb_chunk_put(rb, c);
		}
		rb->head = rb->tail = 0;
		rb->hint_valid = 0;
		return;
	}
	if (p.off == RB_CHUNK) {
		p.c = TAILQ_NEXT(p.c, entry);
		p.off = 0;
	}
	while ((c = TAILQ_FIRST(&rb->chunks)) != p.c) {
		TAILQ_REMOVE(&rb->chunks, c, entry);
		rb_chunk_put(rb, c);
	}
	rb->head = p.off;
	/* A hint at first may name the end of a chunk just recycled */
	if (rb->hint_valid && (rb->hint_seq == rb->first ||
	    !rb_in_window(rb, rb->hint_seq)))
		rb->hint_valid = 0;
}

/* Where the record for held counter n starts; n must be in [first, next) */
static struct rb_pos
rb_lookup(struct resilient_buffer *rb, uint64_t n)
{
	struct rb_pos p;
	uint64_t seq;
	size_t len;

	if (rb->hint_valid && n - rb->first >= rb->hint_seq - rb->first) {
		p = rb->hint;
		seq = rb->hint_seq;
	} else {
		p.c = TAILQ_FIRST(&rb->chunks);
		p.off = rb->head;
		seq = rb->first;
	}
	for (; seq != n; seq++) {
		len = rb_read_len(rb, &p);
		rb_read(rb, &p, NULL, len);
	}
	return p;
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
	TAILQ_INIT(&rb->chunks);
	TAILQ_INIT(&rb->spares);
	rb->first = rb->next = first_seq;
	rb->max = max_bytes;
	return rb;
}

void
resilient_buffer_free(struct resilient_buffer *rb)
{
	struct rb_chunk *c;

	if (rb == NULL)
		return;
	while ((c = TAILQ_FIRST(&rb->chunks)) != NULL) {
		TAILQ_REMOVE(&rb->chunks, c, entry);
		freezero(c, sizeof(*c));
	}
	while ((c = TAILQ_FIRST(&rb->spares)) != NULL) {
		TAILQ_REMOVE(&rb->spares, c, entry);
		freezero(c, sizeof(*c));
	}
	freezero(rb->scratch, RESILIENT_BUFFER_MSG_MAX);
	freezero(rb, sizeof(*rb));
}

int
resilient_buffer_append(struct resilient_buffer *rb, const u_char *msg,
    size_t len, uint64_t *seqp)
{
	struct rb_chunk *c, *more;
	uint32_t hdr;
	size_t room;

	if (rb == NULL || msg == NULL || len == 0 ||
	    len > RESILIENT_BUFFER_MSG_MAX)
		return SSH_ERR_INVALID_ARGUMENT;
	/* bytes never exceeds max + SLACK, so the subtraction is safe */
	if (RB_HDR + len > rb->max + RESILIENT_BUFFER_SLACK - rb->bytes)
		return SSH_ERR_NO_BUFFER_SPACE;
	/* Make room first, so that a failure changes nothing */
	if ((c = TAILQ_LAST(&rb->chunks, rb_chunks)) == NULL) {
		if ((c = rb_chunk_get(rb)) == NULL)
			return SSH_ERR_ALLOC_FAIL;
		TAILQ_INSERT_TAIL(&rb->chunks, c, entry);
		rb->head = rb->tail = 0;
	}
	for (room = RB_CHUNK - rb->tail; room < RB_HDR + len;
	    room += RB_CHUNK) {
		if ((more = rb_chunk_get(rb)) == NULL) {
			/* Give back what this call took */
			while ((more = TAILQ_LAST(&rb->chunks, rb_chunks)) !=
			    c) {
				TAILQ_REMOVE(&rb->chunks, more, entry);
				rb_chunk_put(rb, more);
			}
			return SSH_ERR_ALLOC_FAIL;
		}
		TAILQ_INSERT_TAIL(&rb->chunks, more, entry);
	}
	hdr = (uint32_t)len;
	rb_write(rb, &c, (const u_char *)&hdr, sizeof(hdr));
	rb_write(rb, &c, msg, len);
	rb->bytes += RB_HDR + len;
	rb->count++;
	if (seqp != NULL)
		*seqp = rb->next;
	rb->next++;
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
	struct rb_pos p;
	size_t len;

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
	p = rb_lookup(rb, cur->seq);
	len = rb_read_len(rb, &p);
	if (len == 0 || len > RESILIENT_BUFFER_MSG_MAX) {
		cur->valid = 0;
		return SSH_ERR_INTERNAL_ERROR;
	}
	if (p.off == RB_CHUNK) {
		p.c = TAILQ_NEXT(p.c, entry);
		p.off = 0;
	}
	if (RB_CHUNK - p.off >= len) {
		*msgp = p.c->data + p.off;
		p.off += len;
	} else {
		/* It straddles two chunks: hand out a copy */
		if (rb->scratch == NULL &&
		    (rb->scratch = malloc(RESILIENT_BUFFER_MSG_MAX)) == NULL)
			return SSH_ERR_ALLOC_FAIL;
		rb_read(rb, &p, rb->scratch, len);
		*msgp = rb->scratch;
	}
	*lenp = len;
	if (seqp != NULL)
		*seqp = cur->seq;
	cur->seq++;
	rb->hint = p;
	rb->hint_seq = cur->seq;
	rb->hint_valid = 1;
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
