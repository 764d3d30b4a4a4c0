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
 * The sshd listener as broker between a detached session and the new
 * connection that wants to resume it (README.resilient section 5).
 *
 * Three kinds of process talk through it, over Unix stream socket pairs:
 * the listener (registry of sessions by token), the pre-auth monitor of a
 * new connection (forwards a reconnect with its socket) and the post-auth
 * process of each resilient session (registers its token, takes over the
 * socket of a validated reconnect).  Messages are frames: a type byte, a
 * 32-bit length and a body; a frame that carries a descriptor is followed
 * by it (monitor_fdpass.c).  The listener never sees key material.
 */

#ifndef _RESILIENT_BROKER_H
#define _RESILIENT_BROKER_H

struct pollfd;
struct sshbuf;

/* Startup pipe markers, after upstream's '\0' (config) and '\001' (auth) */
#define RESILIENT_PIPE_LINK	'\002'	/* a session's link follows */
#define RESILIENT_PIPE_RESUME	'\003'	/* a reconnect and its socket */

/* Frame types */
#define RESILIENT_BROKER_LINK		1	/* + fd: a session's link */
#define RESILIENT_BROKER_REGISTER	2	/* session's token(s) */
#define RESILIENT_BROKER_RESUME		3	/* + fd: a reconnect */
#define RESILIENT_BROKER_RESULT		4	/* u32 code, string detail */
#define RESILIENT_BROKER_DETACH		5	/* session lost its connection */
#define RESILIENT_BROKER_ATTACH		6	/* ... and resumed */
#define RESILIENT_BROKER_LIMIT		7	/* too many detached: end */

/* RESULT codes */
#define RESILIENT_RESUMED	0	/* the session took the connection */
#define RESILIENT_UNKNOWN	1	/* no such session (or it expired) */
#define RESILIENT_REFUSED	2	/* the session did not accept the proof */
#define RESILIENT_FAILED	3	/* valid, but the handshake failed */
#define RESILIENT_BUSY		4	/* a limit was hit; try again later */

/* Default caps on detached sessions (ResilientMaxDetached) */
#define RESILIENT_MAX_DETACHED		1024	/* in all: the registry's size */
#define RESILIENT_MAX_DETACHED_USER	64	/* per user */

#define RESILIENT_FRAME_MAX	(64 * 1024)
#define RESILIENT_BROKER_TIMEOUT_MS	5000

/* Send a frame, then fd if it is not -1 */
int	resilient_frame_send(int sock, u_char type, const struct sshbuf *body,
    int fd);
/* Receive a frame within timeout_ms; with fdp, the descriptor after a
   LINK or RESUME frame (*fdp is -1 after any other) */
int	resilient_frame_recv(int sock, u_char *typep, struct sshbuf *body,
    int *fdp, int timeout_ms);

/* sshd-session: its startup pipe to the listener, -1 if none */
void	resilient_broker_set_pipe(int startup_pipe);
/* sshd-session, after authentication: create the link of uid's session */
int	resilient_broker_link_new(uid_t uid, int *linkp);
/* Pre-auth monitor: ask the listener to resume a session with sock */
int	resilient_broker_resume(int sock, const struct sshbuf *request,
    u_int *codep);
/* Pre-auth monitor: the session took the connection; end child and us */
void	resilient_broker_handed_off(pid_t child);
/* Send a RESULT frame with code */
int	resilient_result_send(int sock, u_int code);
/* Text for a RESULT code */
const char *resilient_result_str(u_int code);

/* Listener: the caps on detached sessions; accept re-registering
   sessions on a Unix socket at path */
int	resilient_broker_listen(const char *path, int max_detached,
    int max_detached_user);
/* Session: open a new link through the listener's socket at path */
int	resilient_broker_connect(const char *path, int *linkp);

/* Listener: how many pollfd slots the broker may use */
u_int	resilient_broker_slots(void);
/* Listener: a startup pipe sent byte c; 1 if it was the broker's */
int	resilient_broker_pipe_byte(int pipefd, char c, const char *id);
/* Listener: fill pollfds for the sessions' links; returns how many */
u_int	resilient_broker_pollfds(struct pollfd *pfd, u_int max);
/* Listener: handle what ppoll reported on those pollfds */
void	resilient_broker_after_poll(const struct pollfd *pfd, u_int n);

#endif /* _RESILIENT_BROKER_H */
