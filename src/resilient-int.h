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
 * Internal to the resilient modules: the per-session state hung off
 * struct ssh.  Upstream code never includes this header.
 */

#ifndef _RESILIENT_INT_H
#define _RESILIENT_INT_H

#include "resilient-proto.h"

struct resilient_held_list;
struct resilient_attempt;

struct resilient {
	int	offered;		/* we list the pseudo-algorithm */
	int	negotiated;		/* both initial KEXINITs list it */
	int	hash_alg;		/* HASH of the initial key exchange */
	int	share_kind;		/* its family, for a resume (3.1) */
	int	share_nid;		/* its curve, for ECDH */
	u_int	epoch;			/* key exchanges folded into secret */
	size_t	buffer_max;		/* replay buffer cap, bytes */
	size_t	secret_len;
	u_char	secret[RESILIENT_SECRET_MAX];	/* R */
	u_char	token[RESILIENT_TOKEN_LEN];
	/*
	 * Server: the previous R, until the client shows it moved on (its
	 * NEWKEYS after a rekey, its SYNC after a resume).  A lost
	 * connection can leave the client one ratchet step behind.
	 */
	int	has_prev;
	u_char	prev_secret[RESILIENT_SECRET_MAX];
	u_char	prev_token[RESILIENT_TOKEN_LEN];
	/*
	 * Server: the R a verified reconnect would give the session, from
	 * its REPLY until the client shows which R it holds: its NEWKEYS on
	 * the new connection or a later reconnect naming it adopts it, its
	 * NEWKEYS on the current connection or a reconnect naming another
	 * R drops it (PROTOCOL.resilient 4.2).
	 */
	int	has_next;
	u_char	next_secret[RESILIENT_SECRET_MAX];
	u_char	next_token[RESILIENT_TOKEN_LEN];

	/* Counting starts when user authentication completes (2.1) */
	int	active;
	struct resilient_buffer *sent;	/* counted messages not yet acked */
	uint64_t recv_next;		/* counter of next message expected */
	size_t	unacked_bytes;		/* counted payload since our last ACK */
	double	last_rx;		/* monotime_double of last packet in */
	int	rx_fresh;		/* packets in since resilient_stamp() */
	double	unacked_since;		/* monotime of oldest unacked message */
	size_t	ack_bytes;		/* acknowledgement interval */
	struct resilient_stats stats;

	/* Resuming (PROTOCOL.resilient 3.2): while replaying */
	int	resuming;
	int	expect_sync;		/* adopted; the peer's SYNC is due */
	uint64_t sync_floor;		/* the counter we sent in the handshake */
	uint64_t skip;			/* replayed messages we already have */
	int	drop;			/* the message being read is one */
	u_int	replay_pending;		/* replayed messages not yet sent */
	struct resilient_held_list *held; /* messages held back meanwhile */
	size_t	held_bytes;
	u_int	resumes;		/* successful resumes so far */
	time_t	detached_since;		/* monotime; 0 while attached */

	/* Set on a connection that carries a reconnect handshake */
	struct resilient_attempt *attempt;
	/* Server: how a reconnect finds its detached session */
	resilient_lookup_fn *lookup;
	void	*lookup_ctx;
	/* Server: or how it hands a reconnect to the session's process */
	resilient_handoff_fn *handoff;
	void	*handoff_ctx;

	/* Server, in the session's process: its link to its monitor */
	int	brokered;		/* the monitor can name the session */
	int	has_link;
	int	link;
	int	unresumable;		/* no resume can come any more */
	int	turned_off;		/* ... because the listener said so */
	/* the tokens it knows, as last sent */
	u_char	registered[RESILIENT_BROKER_TOKENS * RESILIENT_TOKEN_LEN];
	size_t	registered_len;
	time_t	timeout;		/* detached lifetime, 0 = no limit */
	int	told_detached;		/* the monitor knows we are detached */
	int	over_limit;		/* the monitor said: too many detached */
	int	no_more_sessions;	/* the client will open no sessions */
	/* Server: a verified reconnect whose handshake is completing */
	struct ssh *pending;
	time_t	pending_since;		/* monotime */
	short	pending_revents;	/* from the last poll */
	/* The first connection's addresses (resilient_retire_addrs) */
	char	*first_remote;
	char	*first_local;
	int	addrs_retired;
	/* Client: how to reconnect, and when to try next */
	struct resilient_client *client;
};

struct resilient_client;
/* Free the client's reconnect settings */
void	resilient_client_free(struct resilient *rs);
/* Client: a rekey on the current connection ends any move in progress */
void	resilient_client_rekeyed(struct ssh *ssh);
/* Server: drop the reconnect whose handshake is completing, if any */
void	resilient_server_free(struct resilient *rs);
/* A patch to kex.c: its static kex_choose_conf(), for a handover */
int	kex_choose_conf_resilient(struct ssh *ssh, uint32_t seq);
/* Close a connection that never became, or no longer is, the session's
   transport, and free it; NULL-safe */
void	resilient_connection_free(struct ssh *ssh);
/* Wipe and free a reconnect attempt's state; NULL-safe */
void	resilient_attempt_free(struct resilient_attempt *att);
/* Client: a DISCONNECT arrived on a reconnect attempt */
void	resilient_attempt_disconnect(struct ssh *ssh);
/* Client: keep what the server said when it refused a reconnect */
void	resilient_client_refusal(struct ssh *ssh, const char *said);
/* Free messages held back while resuming; NULL-safe */
void	resilient_held_free(struct resilient *rs);
/* Handle SSH2_MSG_RESILIENT_SYNC on a resumed session */
int	resilient_input_sync(struct ssh *ssh);
/* Make next the session's R, with its token; the epoch advances */
int	resilient_set_secret(struct resilient *rs, const u_char *next);
/* Server: keep R as the previous secret and make next the current one */
int	resilient_advance(struct ssh *ssh, const u_char *next);
/* Server: forget the previous secret */
void	resilient_forget_prev(struct resilient *rs);
/* Server: remember next as the R a reconnect in progress would give */
int	resilient_set_next(struct resilient *rs, const u_char *next);
/* Server: forget that R */
void	resilient_forget_next(struct resilient *rs);
/* Send an ACK or SYNC carrying value */
int	resilient_send_counter(struct ssh *ssh, u_char type, uint64_t value);
/* Send a stored message (type byte first) through the packet layer */
int	resilient_send_message(struct ssh *ssh, const u_char *msg, size_t len);
/* Send, in order, the messages held back while resuming */
int	resilient_held_release(struct ssh *ssh);
/* Disconnect with "resilient: why" and return SSH_ERR_PROTOCOL_ERROR */
int	resilient_protocol_error(struct ssh *ssh, const char *why);

#endif /* _RESILIENT_INT_H */
