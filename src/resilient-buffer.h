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

#ifndef _RESILIENT_BUFFER_H
#define _RESILIENT_BUFFER_H

#include <sys/types.h>

/*
 * Bounded replay buffer for resilient sessions. Every message that must
 * survive a reconnect is numbered with a 64-bit counter (wrapping modulo
 * 2^64) and kept until the peer acknowledges it. Counters received from
 * the peer are untrusted and are checked against both ends of the buffer.
 * Each message is charged the memory it takes: its length plus
 * RESILIENT_BUFFER_MSG_OVERHEAD.  Messages are stored in chunks of 256 KiB,
 * so a buffer takes at most its bytes plus two partly used chunks and four
 * spare ones (1.5 MiB) from the allocator.
 */

struct resilient_buffer;

/* Replay position; caller-allocated, set up by resilient_buffer_replay_start */
struct resilient_buffer_cursor {
	uint64_t seq;	/* counter of the next message to yield */
	int valid;	/* nonzero once started and not yet invalidated */
};

/* Default and bounds for the configurable soft cap, in bytes. */
#define RESILIENT_BUFFER_DEFAULT_MAX	(16 * 1024 * 1024)
#define RESILIENT_BUFFER_MIN_MAX	(256 * 1024)
#define RESILIENT_BUFFER_MAX_MAX	(1024UL * 1024 * 1024)
/* Headroom above the soft cap for messages that cannot be held back. */
#define RESILIENT_BUFFER_SLACK		(512 * 1024)
/* Bytes charged per message beyond its length (its record header). */
#define RESILIENT_BUFFER_MSG_OVERHEAD	4
/* Largest single message accepted (matches upstream PACKET_MAX_SIZE). */
#define RESILIENT_BUFFER_MSG_MAX	(256 * 1024)

/* Allocate a buffer with soft cap max_bytes; NULL if out of range or no mem */
struct resilient_buffer *resilient_buffer_new(size_t max_bytes,
    uint64_t first_seq);

/* Free a buffer, clearing all held payloads. Accepts NULL */
void resilient_buffer_free(struct resilient_buffer *rb);

/* Copy a message into the buffer, returning its counter via *seqp */
int resilient_buffer_append(struct resilient_buffer *rb, const u_char *msg,
    size_t len, uint64_t *seqp);

/* Returns 1 while payload bytes held are below the soft cap, 0 otherwise */
int resilient_buffer_has_room(const struct resilient_buffer *rb);

/* Release messages before peer-supplied next_expected; rejects bad values */
int resilient_buffer_ack(struct resilient_buffer *rb, uint64_t next_expected);

/* Validate and acknowledge peer-supplied from, then point cur at it */
int resilient_buffer_replay_start(struct resilient_buffer *rb, uint64_t from,
    struct resilient_buffer_cursor *cur);

/*
 * Yield the next message at cur; *msgp = NULL and *lenp = 0 at the end.
 * *msgp stays valid until the buffer is next changed or read.
 */
int resilient_buffer_replay_next(struct resilient_buffer *rb,
    struct resilient_buffer_cursor *cur, const u_char **msgp, size_t *lenp,
    uint64_t *seqp);

/* Return the counter of the oldest unacknowledged message */
uint64_t resilient_buffer_first(const struct resilient_buffer *rb);

/* Return the counter that the next appended message will receive */
uint64_t resilient_buffer_next(const struct resilient_buffer *rb);

/* Return the bytes charged for the messages held (payload and overhead) */
size_t resilient_buffer_bytes(const struct resilient_buffer *rb);

/* Return the number of messages held */
size_t resilient_buffer_count(const struct resilient_buffer *rb);

/* Return the soft cap in bytes */
size_t resilient_buffer_max(const struct resilient_buffer *rb);

#endif /* _RESILIENT_BUFFER_H */
