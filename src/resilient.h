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
 * Per-session state of the resilient-sessions extension, hung off
 * struct ssh.  Upstream code reaches it only through the guarded hooks
 * declared here; see PROTOCOL.resilient for the protocol itself.
 */

#ifndef _RESILIENT_H
#define _RESILIENT_H

struct ssh;
struct sshbuf;
struct timespec;
struct kex;
struct resilient;

/* Server: find the detached session whose current token this is */
typedef struct ssh *resilient_lookup_fn(const u_char *token, size_t len,
    void *ctx);

/*
 * Server: have the session's process decide on a reconnect (req, see
 * resilient_attempt_server); set *codep to a RESULT code.  Returns only
 * if the connection was not handed over.
 */
typedef int resilient_handoff_fn(struct ssh *ssh, const struct sshbuf *req,
    u_int *codep, void *ctx);

/* Offer the extension on this connection; replay buffer cap in bytes */
int	resilient_enable(struct ssh *ssh, size_t buffer_max);
/* Release all resilient state of ssh, wiping secrets; NULL-safe */
void	resilient_free(struct ssh *ssh);
/* Nonzero once both sides' initial KEXINITs listed the extension */
int	resilient_negotiated(const struct ssh *ssh);

/* kex hook: append the pseudo-algorithm to an initial kex list */
int	resilient_kex_proposal(struct ssh *ssh, char **kexalgsp);
/* kex hook: decide, from both initial proposals, whether it is on */
int	resilient_kex_negotiate(struct ssh *ssh, const char *my_kexalgs,
    const char *peer_kexalgs);
/* kex hook: derive (initial kex) or ratchet (rekey) the resume secret */
int	resilient_kex_derive(struct ssh *ssh, const u_char *hash,
    size_t hashlen, const struct sshbuf *shared_secret);
/* kex hook: the pseudo-algorithm was chosen; select KEX_RESILIENT */
int	resilient_kex_choose(struct kex *kex);
/* KEX_RESILIENT method: run the reconnect handshake (both sides) */
int	resilient_kex_start(struct ssh *ssh);

/* Nonzero if the session could be resumed after losing its connection */
int	resilient_resumable(const struct ssh *ssh);
/* The connection is gone: keep the session for a resume, if resumable */
int	resilient_detach(struct ssh *ssh);

/* Client: make a fresh connection a reconnect attempt for session live */
int	resilient_attempt_client(struct ssh *ssh, struct ssh *live);
/* Server: set how reconnects on this connection find their session */
void	resilient_set_lookup(struct ssh *ssh, resilient_lookup_fn *lookup,
    void *ctx);
/* Server: set how reconnects on this connection reach their session */
void	resilient_set_handoff(struct ssh *ssh, resilient_handoff_fn *handoff,
    void *ctx);
/* Server, session process: check a handed-over reconnect on socket fd */
int	resilient_attempt_server(struct ssh *live, int fd, struct sshbuf *req,
    struct ssh **attp, u_int *codep);
/* Server: whether token names this session (current or previous R) */
int	resilient_token_matches(const struct ssh *ssh, const u_char *token,
    size_t len);
/* Nonzero once an attempt's handshake and NEWKEYS both ways are done */
int	resilient_attempt_verified(const struct ssh *ssh);
/* The session a verified attempt resumes, or NULL */
struct ssh *resilient_attempt_session(const struct ssh *ssh);
/* Make a verified attempt the session's transport; sends SYNC, replays */
int	resilient_adopt(struct ssh *live, struct ssh *attempt);

/*
 * The transport moved to a new connection: keep the first connection's
 * address strings, which callers may hold, until the session is freed;
 * free later ones.  Either may be NULL.
 */
void	resilient_retire_addrs(struct ssh *ssh, char *remote, char *local);

/* packet hook: a message (type byte first) is handed to the transport */
int	resilient_packet_sent(struct ssh *ssh, u_char type, const u_char *msg,
    size_t len);
/* packet hook: a message of type with len bytes after the type arrived */
int	resilient_packet_received(struct ssh *ssh, u_char type, size_t len);
/* packet hook: hold a message back while resuming; sets *heldp */
int	resilient_packet_hold(struct ssh *ssh, int force, const u_char *msg,
    size_t len, int *heldp);
/* packet hook: consume the extension's own messages; sets *handledp */
int	resilient_packet_input(struct ssh *ssh, u_char type, int *handledp);
/* Acknowledge now whatever arrived since the last ACK, if anything */
int	resilient_send_ack(struct ssh *ssh);
/* channels hook: nonzero while channel data may be produced */
int	resilient_can_send_data(const struct ssh *ssh);

struct resilient_stats {
	int		active;		/* counting (authenticated) */
	uint64_t	sent_msgs;	/* counted messages sent */
	uint64_t	sent_bytes;	/* their payload bytes, type included */
	uint64_t	recv_msgs;	/* counted messages received */
	uint64_t	recv_bytes;
	uint64_t	recv_next;	/* counter of next expected message */
	uint64_t	acks_sent;
	uint64_t	acks_received;
	size_t		buffer_bytes;	/* replay buffer now */
	size_t		buffer_msgs;
	size_t		buffer_peak;	/* replay buffer high-water mark */
	uint64_t	replayed_msgs;	/* re-sent after resumes */
	uint64_t	replayed_bytes;
	u_int		resumes;
	u_int		epoch;
	size_t		held_bytes;	/* held back while resuming */
	int		resuming;
	time_t		detached_since;	/* monotime, 0 while attached */
};
/* Counters for logging and tests */
void	resilient_get_stats(const struct ssh *ssh,
    struct resilient_stats *st);

/* Milliseconds until an ACK is due, or -1 if none is pending */
int	resilient_ack_deadline_ms(const struct ssh *ssh);
/* Main loop hook: send the ACK that is due, if any */
int	resilient_ack_tick(struct ssh *ssh);
/* Note the time of the packets read since the last call (main loops) */
void	resilient_stamp(struct ssh *ssh);

/* Main loop hook before poll: send a due ACK, bound the poll timeout */
int	resilient_loop_prepare(struct ssh *ssh, struct timespec *timeout);

/* Append the extension's state to a privsep transport blob */
int	resilient_state_put(const struct ssh *ssh, struct sshbuf *m);
/* Restore the extension's state from a privsep transport blob */
int	resilient_state_get(struct ssh *ssh, struct sshbuf *m);

/* Server, session process: the link to its monitor and the time limit */
void	resilient_server_set_link(struct ssh *ssh, int fd, time_t timeout);
/* Server: tell the monitor the session's tokens if they changed */
int	resilient_server_register(struct ssh *ssh);
/* Server main loop: the pollfd slots it reserves for the session's own
   descriptors (the link to its monitor, a reconnect completing) */
#define RESILIENT_SERVER_NPFD	2
struct pollfd;
void	resilient_server_prepare_poll(struct ssh *ssh, struct pollfd *pfd,
    u_int n);
/* Server main loop, after poll: 1 if the session now runs on a new
   connection, -1 if it must end, else 0 */
int	resilient_server_after_poll(struct ssh *ssh, const struct pollfd *pfd,
    u_int n);
/* Server: the client will open no more sessions */
void	resilient_server_no_more_sessions(struct ssh *ssh);
/* Server: the connection was lost; 0 if the session detached */
int	resilient_server_lost(struct ssh *ssh, const char *why);
/* Server: seconds until a detached session expires, a reconnect's
   handshake times out or the listener is due to be looked for, or -1 */
int	resilient_server_deadline(const struct ssh *ssh);

/* Client: open a new connection to the server, as at login, on ssh */
typedef int resilient_connect_fn(struct ssh *ssh, void *ctx);
/* ssh.c (a patch): the connector, resolving and connecting as at login */
resilient_connect_fn ssh_resilient_reconnect;
/* Client: how to reconnect; timeout s detached (0 none), per attempt */
int	resilient_client_set_connector(struct ssh *ssh,
    resilient_connect_fn *fn, void *ctx, int timeout, int attempt_timeout,
    const char *version_addendum);
/* Client: the connection was lost; 0 if the session detached */
int	resilient_client_lost(struct ssh *ssh, const char *why);
/* Client: probe after interval s of silence (0: only after a suspend),
   and reconnect if nothing arrives within timeout s */
int	resilient_client_set_probe(struct ssh *ssh, int interval, int timeout);
/* Client: watch the routing table (route monitor) for this session */
int	resilient_client_watch_routes(struct ssh *ssh);
/* Client: on a route change, open the new connection before leaving
   the old one (default), or leave the old one at once */
int	resilient_client_set_make_before_break(struct ssh *ssh, int on);
/* Client, while detached: a new connect every second for fast_retry s,
   then less often; "bound": whether the source address is fixed */
#define RESILIENT_FAST_RETRY_DEFAULT	300
#define RESILIENT_BOUND_ADDRESS		1	/* BindAddress: kept as is */
#define RESILIENT_BOUND_INTERFACE	2	/* BindInterface: may change */
int	resilient_client_set_retry(struct ssh *ssh, int fast_retry, int bound);
/* Client, after login: all of the above, as the options say; "bound"
   as above, or 0 */
struct resilient_options;
int	resilient_client_configure(struct ssh *ssh,
    const struct resilient_options *o, resilient_connect_fn *fn, void *ctx,
    const char *host, int attempt_timeout, const char *version_addendum,
    int bound);
/* Client main loop: the pollfd slots it reserves for the session's own
   descriptors (route monitor, a new connection being built, and up to
   three connects in progress while detached) */
#define RESILIENT_CLIENT_NPFD	5
struct pollfd;
void	resilient_client_prepare_poll(struct ssh *ssh, struct pollfd *pfd,
    u_int n);
void	resilient_client_after_poll(struct ssh *ssh, const struct pollfd *pfd,
    u_int n);
/* Client: drop the connection, if any, and reconnect at once */
int	resilient_client_reconnect_now(struct ssh *ssh, const char *why);
/* Client main loop: reconnect if due; nonzero if the session is over */
int	resilient_client_tick(struct ssh *ssh);
/* sshd-session: set the process title, USER or USER@TTYS and its state */
void	resilient_proctitle(const char *user, const char *ttys);
/* Is the session detached; its state in words (0, or -1: not resilient) */
int	resilient_client_detached(struct ssh *ssh);
int	resilient_client_state(struct ssh *ssh, char *buf, size_t len);
/* Why the session could not be resumed (after a tick returned r) */
const char *resilient_client_why(struct ssh *ssh, int r);
/* ssh ends the session: if detached, reconnect briefly to close it */
void	resilient_client_close(struct ssh *ssh);
/* Client, exiting abnormally: end the session on the server too */
void	resilient_client_exit(void);
/* Client: milliseconds until the next reconnect attempt, or -1 */
int	resilient_client_deadline_ms(const struct ssh *ssh);

/* Current resume token (RESILIENT_TOKEN_LEN bytes); for the broker */
int	resilient_token(const struct ssh *ssh, const u_char **tokenp,
    size_t *lenp);
/* Number of key exchanges that ratcheted the secret (1 = initial only) */
u_int	resilient_epoch(const struct ssh *ssh);

#endif /* _RESILIENT_H */
