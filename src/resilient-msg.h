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

#ifndef _RESILIENT_MSG_H
#define _RESILIENT_MSG_H

#include <sys/types.h>

#include "resilient-proto.h"

/*
 * Codec for the bodies of the resilient-sessions messages
 * (PROTOCOL.resilient sections 2.2 and 3.1). A body is everything after
 * the message type byte. A token is RESILIENT_TOKEN_LEN bytes and a MAC
 * RESILIENT_MAC_MIN to RESILIENT_MAC_MAX bytes (HLEN).
 *
 * Encoders append a body to the caller's buffer, or leave it unchanged
 * and return an error. Decoders consume an untrusted body exactly. They
 * return SSH_ERR_MESSAGE_INCOMPLETE if it is short,
 * SSH_ERR_UNEXPECTED_TRAILING_DATA if it is long, and
 * SSH_ERR_INVALID_FORMAT if a length field is wrong for its field. A
 * length field is judged before the bytes it claims are looked for, and
 * nothing is copied before the whole body is valid. On error, decoders
 * zero their outputs. resilient_msg_get_reconnect zeroes the mac buffer
 * beyond the MAC. Bad arguments give SSH_ERR_INVALID_ARGUMENT.
 */

struct sshbuf;

/* Body of SSH2_MSG_RESILIENT_ACK and _SYNC: uint64 next */
int resilient_msg_put_counter(struct sshbuf *b, uint64_t next);

/* Decode an ACK or SYNC body into *nextp */
int resilient_msg_get_counter(const u_char *body, size_t len,
    uint64_t *nextp);

/* A RECONNECT, decoded; share points into the decoded body */
struct resilient_reconnect_msg {
	u_char	token[RESILIENT_TOKEN_LEN];
	const u_char *share;		/* the client's key exchange share */
	size_t	share_len;
	uint64_t next;			/* the client's next expected counter */
	u_char	mac[RESILIENT_MAC_MAX];	/* client_mac */
	size_t	mac_len;
};

/* A RECONNECT_REPLY, decoded; share points into the decoded body */
struct resilient_reply_msg {
	const u_char *share;		/* the server's key exchange share */
	size_t	share_len;
	uint64_t next;			/* the server's next expected counter */
	u_char	mac[RESILIENT_MAC_MAX];	/* server_mac */
	size_t	mac_len;
};

/* Body of SSH2_MSG_RESILIENT_RECONNECT:
   string token, string share, uint64 next, string client_mac */
int resilient_msg_put_reconnect(struct sshbuf *b, const u_char *token,
    size_t tokenlen, const u_char *share, size_t sharelen, uint64_t next,
    const u_char *mac, size_t maclen);

/* Decode a RECONNECT body */
int resilient_msg_get_reconnect(const u_char *body, size_t len,
    struct resilient_reconnect_msg *m);

/* Body of SSH2_MSG_RESILIENT_RECONNECT_REPLY:
   string share, uint64 next, string server_mac */
int resilient_msg_put_reconnect_reply(struct sshbuf *b, const u_char *share,
    size_t sharelen, uint64_t next, const u_char *mac, size_t maclen);

/* Decode a RECONNECT_REPLY body whose mac must be expected_maclen bytes */
int resilient_msg_get_reconnect_reply(const u_char *body, size_t len,
    size_t expected_maclen, struct resilient_reply_msg *m);

/* Name of one of this extension's message types for logs, or NULL */
const char *resilient_msg_type_name(u_char type);

#endif /* _RESILIENT_MSG_H */
