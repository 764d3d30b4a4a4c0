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

/* Wire constants of the resilient-sessions extension (PROTOCOL.resilient). */

#ifndef _RESILIENT_PROTO_H
#define _RESILIENT_PROTO_H

/* Pseudo key-exchange algorithm that signals support (section 1.1). */
#define RESILIENT_KEX_NAME	"resilient-v01@resilient-ssh.invalid"

/* Message numbers (sections 2.2 and 3.1). */
#define SSH2_MSG_RESILIENT_RECONNECT		30
#define SSH2_MSG_RESILIENT_RECONNECT_REPLY	31
#define SSH2_MSG_RESILIENT_ACK			200
#define SSH2_MSG_RESILIENT_SYNC			201

/* Counted (buffered, replayed) message types (section 2.1). */
#define RESILIENT_COUNTED_MIN	80
#define RESILIENT_COUNTED_MAX	127
#define RESILIENT_IS_COUNTED(t) \
	((t) >= RESILIENT_COUNTED_MIN && (t) <= RESILIENT_COUNTED_MAX)

/* Lengths (section 6). */
#define RESILIENT_TOKEN_LEN	32
#define RESILIENT_MAC_MIN	32	/* HLEN of SHA-256 */
#define RESILIENT_MAC_MAX	64	/* HLEN of SHA-512 */
#define RESILIENT_SECRET_MAX	64	/* R is HLEN bytes */
#define RESILIENT_COUNTER_LEN	8
/* A key exchange share: X25519 (32) up to mlkem768x25519's (1216) */
#define RESILIENT_SHARE_MIN	32
#define RESILIENT_SHARE_MAX	2048
/* Tokens that may name one session at once: current, previous, next */
#define RESILIENT_BROKER_TOKENS	3

/* Key derivation labels (section 4). */
#define RESILIENT_LABEL_RESUME	"resilient-v01 resume"
#define RESILIENT_LABEL_RATCHET	"resilient-v01 ratchet"
#define RESILIENT_LABEL_TOKEN	"resilient-v01 token"
#define RESILIENT_LABEL_CLIENT	"resilient-v01 client"
#define RESILIENT_LABEL_SERVER	"resilient-v01 server"
#define RESILIENT_LABEL_KEY	"resilient-v01 key"

/*
 * Acknowledgement policy defaults (section 2.3): an ACK once this many
 * payload bytes are unacknowledged and the oldest of them arrived
 * RESILIENT_ACK_BULK_MS ago, at once at RESILIENT_ACK_BYTES_MAX, and
 * RESILIENT_ACK_DELAY_MS after the oldest in any case.
 */
#define RESILIENT_ACK_BYTES	(64 * 1024)
#define RESILIENT_ACK_BULK_MS	10
#define RESILIENT_ACK_BYTES_MAX	(1024 * 1024)
#define RESILIENT_ACK_DELAY_MS	500

#endif /* _RESILIENT_PROTO_H */
