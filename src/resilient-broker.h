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
 * How a new connection finds its detached session (README.resilient
 * section 5): a rendezvous directory that only root can enter.
 *
 * The privileged monitor of each resumable session listens on a Unix
 * socket there, and gives it one name per token that names the session
 * (current, previous, next), each derived from the token.  The monitor
 * names a token only after checking that its child knows the R the
 * token comes from, so no process can claim another session's token.
 * The pre-auth monitor of a new connection that asks to resume connects
 * to the token's name, checks that a root process listens there, and
 * sends the request with the connection's socket; the session's monitor
 * hands that connection to its child, which holds the keys, checks the
 * proof and answers.  The listener takes no part: it holds nothing per
 * session, and sessions outlive its restarts.
 *
 * Messages are frames: a type byte, a 32-bit length and a body of at
 * most RESILIENT_FRAME_MAX bytes; a frame that carries a descriptor is
 * followed by it (monitor_fdpass.c).  A monitor writes to its child only
 * single-byte messages, which carry a descriptor or nothing.
 */

#ifndef _RESILIENT_BROKER_H
#define _RESILIENT_BROKER_H

struct pollfd;
struct sshbuf;
struct ssh;

/* Frame types */
#define RESILIENT_BROKER_REGISTER	2	/* child: secrets and tokens */
#define RESILIENT_BROKER_RESUME		3	/* + fd: a reconnect */
#define RESILIENT_BROKER_RESULT		4	/* u32 code */
#define RESILIENT_BROKER_DETACH		5	/* child lost its connection */
#define RESILIENT_BROKER_ATTACH		6	/* ... and resumed */
#define RESILIENT_BROKER_END		8	/* listener: no more resumes */
#define RESILIENT_BROKER_ENDED		9	/* child: u32 code, why it ends */

/* Single-byte messages from a session's monitor to its child */
#define RESILIENT_MON_CONNECTION	'C'	/* + fd: from a root process */
#define RESILIENT_MON_LIMIT		'L'	/* too many detached: end */
#define RESILIENT_MON_UNREGISTERED	'N'	/* cannot be made resumable */

/* RESULT codes */
#define RESILIENT_RESUMED	0	/* the session took the connection */
#define RESILIENT_UNKNOWN	1	/* no such session (or it expired) */
#define RESILIENT_REFUSED	2	/* the session did not accept the proof */
#define RESILIENT_FAILED	3	/* valid, but the handshake failed */
#define RESILIENT_BUSY		4	/* a limit was hit; try again later */
/* The session ended while detached, and why (its monitor's tombstone) */
#define RESILIENT_ENDED_TIMEOUT	5	/* ResilientTimeout ran out */
#define RESILIENT_ENDED_LIMIT	6	/* beyond ResilientMaxDetached */
#define RESILIENT_ENDED_OFF	7	/* ResilientSessions turned off */
#define RESILIENT_ENDED		8	/* for another reason (killed, say) */
#define RESILIENT_IS_ENDED(c)	((c) >= RESILIENT_ENDED_TIMEOUT && \
	(c) <= RESILIENT_ENDED)
/* How long a tombstone answers, and how many there may be */
#define RESILIENT_TOMBSTONE_TTL	3600	/* s */
#define RESILIENT_TOMBSTONES_MAX	1024

/* Default caps on detached sessions (ResilientMaxDetached) */
#define RESILIENT_MAX_DETACHED		1024	/* in all */
#define RESILIENT_MAX_DETACHED_USER	64	/* per user */

#define RESILIENT_FRAME_MAX	(64 * 1024)
#define RESILIENT_BROKER_TIMEOUT_MS	5000
/* Longest ResilientDirectory: its names must fit a sun_path */
#define RESILIENT_DIR_MAX	64

/* Send a frame, then fd if it is not -1 */
int	resilient_frame_send(int sock, u_char type, const struct sshbuf *body,
    int fd);
/* Receive a frame within timeout_ms; with fdp, the descriptor after a
   RESUME frame (*fdp is -1 after any other) */
int	resilient_frame_recv(int sock, u_char *typep, struct sshbuf *body,
    int *fdp, int timeout_ms);
/* Take one whole frame from the start of in: 0 and the frame, or
   SSH_ERR_MESSAGE_INCOMPLETE (in unchanged) if it is not all there, or
   SSH_ERR_INVALID_FORMAT if its length exceeds RESILIENT_FRAME_MAX */
int	resilient_frame_take(struct sshbuf *in, u_char *typep,
    struct sshbuf *body);
/* Send a RESULT frame with code */
int	resilient_result_send(int sock, u_int code);
/* Text for a RESULT code */
const char *resilient_result_str(u_int code);

/* The path that names token in dir; SSH_ERR_INVALID_ARGUMENT if long */
int	resilient_rendezvous_path(const char *dir, const u_char *token,
    size_t tokenlen, char *path, size_t pathlen);

/* Pre-auth monitor: have the session named in request, if any, take the
   connection sock; *codep is the session's answer */
int	resilient_broker_resume(const char *dir, int sock,
    const struct sshbuf *request, u_int *codep);
/* Pre-auth monitor: the session took the connection; end child and us */
void	resilient_broker_handed_off(pid_t child);
/*
 * Pre-auth monitor: pass a reconnect on (resilient_broker_resume) and
 * return the session's answer for sshd-auth.  On "resumed" it ends child
 * and itself.  How the connection's end counts for PerSourcePenalties:
 * a wrong proof sets *auth_attemptedp (authfail); "busy", "failed", and
 * "unknown" after RESILIENT_SLOW_ANSWER seconds to a client that left
 * meanwhile, count as nothing (resilient_monitor_cleanup); any other
 * "unknown" counts as a connection that never authenticated (noauth).
 */
#define RESILIENT_SLOW_ANSWER	1.0
u_int	resilient_broker_reconnect(struct ssh *ssh, const char *dir, int sock,
    const struct sshbuf *request, pid_t child, int *auth_attemptedp);

/* Listener, at each start: make the directory ready, or, when resumes
   are off, tell the sessions waiting there that none will come */
void	resilient_broker_listener(const char *dir, int sessions);

/*
 * PerSourcePenalties and resumes.  The listener passes its verdict on a
 * new connection (allowed: 1 if the address is not penalised) and gets
 * the final one: a penalised address from which a live session was
 * detached is let in, but only to resume.  The connection's sshd-session
 * is then started with RESILIENT_RESUME_ONLY_ARG, and its monitor refuses
 * to sign a key exchange, which every login needs and a resume does not.
 */
#define RESILIENT_RESUME_ONLY_ARG	"-z"
int	resilient_broker_admit(const char *dir, int sock, int allowed);
int	resilient_broker_admitted_to_resume(void);
void	resilient_broker_set_resume_only(void);
/* Whether ssh's connection may only resume (logged once if so) */
int	resilient_broker_login_refused(struct ssh *ssh);

/*
 * A session's privileged monitor.  resilient_monitor_new runs after
 * authentication, before the session's child is forked: it returns the
 * child's end of their link.  In the child, resilient_monitor_forget
 * drops the monitor's side.
 */
int	resilient_monitor_new(struct ssh *ssh, const char *dir, uid_t uid,
    const char *user, int max_all, int max_user, int *childp);
void	resilient_monitor_forget(struct ssh *ssh);
/* Monitor loop: descriptors to poll, and what they reported */
#define RESILIENT_MONITOR_NPFD	2
void	resilient_monitor_pollfds(struct ssh *ssh, struct pollfd *pfd,
    u_int n);
void	resilient_monitor_after_poll(struct ssh *ssh,
    const struct pollfd *pfd, u_int n);
/* Child: read a single-byte message and its descriptor, if any, from the
   monitor; SSH_ERR_CONN_CLOSED at its end */
int	resilient_monitor_recv(int sock, u_char *whatp, int *fdp);
/* A frame from the child; SSH_ERR_INVALID_FORMAT ends the link */
int	resilient_monitor_frame(struct ssh *ssh, u_char type,
    struct sshbuf *body);
/* Exiting with status: remove the session's names, leaving tombstones
   if the session ends detached; the status to exit with (0 for a 255
   that must not count against the client) */
int	resilient_monitor_cleanup(struct ssh *ssh, int status);

#endif /* _RESILIENT_BROKER_H */
