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
 * The listener's registry of resumable sessions and the frames that the
 * listener, the pre-auth monitors and the sessions exchange through it.
 * The registry lives in the listener process only, like sshd.c's table
 * of early children; sessions hold one end of a link each.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "log.h"
#include "misc.h"
#include "monitor_fdpass.h"
#include "ssherr.h"
#include "sshbuf.h"
#include "xmalloc.h"

#include "resilient-broker.h"
#include "resilient-proto.h"

#define BROKER_MAX_SESSIONS	1024
/* The session handshakes with the client before it answers */
#define RESUME_ANSWER_TIMEOUT_MS	30000

#define BROKER_MAX_PER_UID	256

struct broker_session {
	int	link;			/* listener's end; -1 if slot free */
	uid_t	uid;			/* of the process at the other end */
	int	ntokens;		/* tokens that name it, up to 3 */
	u_char	token[RESILIENT_BROKER_TOKENS][RESILIENT_TOKEN_LEN];
	int	waiter;			/* pipe of a reconnect being decided */
	int	detached;		/* lost its connection, not resumed */
	struct sshbuf *in;		/* partial frame from the session */
};

static struct broker_session *sessions;
static u_int nsessions;		/* slots in use */
static int rendezvous = -1;	/* Unix socket sessions re-register on */
static int max_detached = RESILIENT_MAX_DETACHED;
static int max_detached_user = RESILIENT_MAX_DETACHED_USER;

/* In an sshd-session process: its startup pipe to the listener */
static int startup_pipe = -1;

/* Read len bytes, waiting at most timeout_ms in all */
static int
read_timeout(int fd, u_char *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd;
	struct timespec start, now;
	size_t off = 0;
	ssize_t n;
	int left;

	monotime_ts(&start);
	while (off < len) {
		if ((n = read(fd, buf + off, len - off)) > 0) {
			off += n;
			continue;
		}
		if (n == 0)
			return SSH_ERR_CONN_CLOSED;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return SSH_ERR_SYSTEM_ERROR;
		monotime_ts(&now);
		left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return SSH_ERR_CONN_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, left);
	}
	return 0;
}

int
resilient_frame_send(int sock, u_char type, const struct sshbuf *body,
    int fd)
{
	struct sshbuf *b;
	int r;

	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put_u8(b, type)) != 0 ||
	    (r = sshbuf_put_u32(b, body == NULL ? 0 : sshbuf_len(body))) != 0 ||
	    (body != NULL && (r = sshbuf_putb(b, body)) != 0))
		goto out;
	if (sshbuf_len(b) > 5 + RESILIENT_FRAME_MAX) {
		r = SSH_ERR_NO_BUFFER_SPACE;
		goto out;
	}
	if (atomicio(vwrite, sock, (void *)sshbuf_ptr(b), sshbuf_len(b)) !=
	    sshbuf_len(b)) {
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	if (fd != -1 && mm_send_fd(sock, fd) != 0) {
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	r = 0;
 out:
	sshbuf_free(b);
	return r;
}

int
resilient_frame_recv(int sock, u_char *typep, struct sshbuf *body,
    int *fdp, int timeout_ms)
{
	u_char hdr[5], *p;
	u_int32_t len;
	int r;

	*typep = 0;
	if (fdp != NULL)
		*fdp = -1;
	sshbuf_reset(body);
	if ((r = read_timeout(sock, hdr, sizeof(hdr), timeout_ms)) != 0)
		return r;
	len = PEEK_U32(hdr + 1);
	if (len > RESILIENT_FRAME_MAX)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	if ((r = sshbuf_reserve(body, len, &p)) != 0 ||
	    (r = read_timeout(sock, p, len, timeout_ms)) != 0)
		return r;
	/* Only a link and a reconnect come with a descriptor */
	if (fdp != NULL && (hdr[0] == RESILIENT_BROKER_LINK ||
	    hdr[0] == RESILIENT_BROKER_RESUME) &&
	    (*fdp = mm_receive_fd(sock)) == -1)
		return SSH_ERR_SYSTEM_ERROR;
	*typep = hdr[0];
	return 0;
}

int
resilient_result_send(int sock, u_int code)
{
	struct sshbuf *b;
	int r;

	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put_u32(b, code)) == 0)
		r = resilient_frame_send(sock, RESILIENT_BROKER_RESULT, b, -1);
	sshbuf_free(b);
	return r;
}

const char *
resilient_result_str(u_int code)
{
	switch (code) {
	case RESILIENT_RESUMED:
		return "resumed";
	case RESILIENT_UNKNOWN:
		return "session unknown or expired";
	case RESILIENT_REFUSED:
		return "wrong proof of the session";
	case RESILIENT_FAILED:
		return "reconnect handshake failed";
	case RESILIENT_BUSY:
		return "session busy with another reconnect";
	}
	return "unknown result";
}

void
resilient_broker_set_pipe(int fd)
{
	startup_pipe = fd;
}

int
resilient_broker_link_new(uid_t uid, int *linkp)
{
	struct sshbuf *b;
	int sp[2], r;

	*linkp = -1;
	if (startup_pipe == -1)
		return 0;	/* sshd -i or -d: no listener to register with */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		error_f("socketpair: %s", strerror(errno));
		return SSH_ERR_SYSTEM_ERROR;
	}
	if ((b = sshbuf_new()) == NULL)
		r = SSH_ERR_ALLOC_FAIL;
	else if ((r = sshbuf_put_u32(b, (u_int32_t)uid)) != 0)
		;
	else if (atomicio(vwrite, startup_pipe, "\002", 1) != 1)
		r = SSH_ERR_SYSTEM_ERROR;
	else
		r = resilient_frame_send(startup_pipe, RESILIENT_BROKER_LINK,
		    b, sp[0]);
	sshbuf_free(b);
	close(sp[0]);
	if (r != 0) {
		close(sp[1]);
		return r;
	}
	*linkp = sp[1];
	return 0;
}

int
resilient_broker_resume(int sock, const struct sshbuf *request,
    u_int *codep)
{
	struct sshbuf *b = NULL;
	u_char type;
	int r;

	*codep = RESILIENT_UNKNOWN;
	if (startup_pipe == -1)
		return 0;	/* no listener (sshd -i or -d): nothing to find */
	/* Judged before the marker: the listener must get all or nothing */
	if (sshbuf_len(request) > RESILIENT_FRAME_MAX)
		return SSH_ERR_NO_BUFFER_SPACE;
	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if (atomicio(vwrite, startup_pipe, "\003", 1) != 1) {
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	if ((r = resilient_frame_send(startup_pipe, RESILIENT_BROKER_RESUME,
	    request, sock)) != 0 ||
	    (r = resilient_frame_recv(startup_pipe, &type, b, NULL,
	    RESUME_ANSWER_TIMEOUT_MS)) != 0)
		goto out;
	if (type != RESILIENT_BROKER_RESULT) {
		r = SSH_ERR_INVALID_FORMAT;
		goto out;
	}
	r = sshbuf_get_u32(b, codep);
 out:
	sshbuf_free(b);
	return r;
}

void
resilient_broker_handed_off(pid_t child)
{
	int status;

	debug_f("connection handed to its session");
	if (child > 0) {
		(void)kill(child, SIGKILL);
		while (waitpid(child, &status, 0) == -1 && errno == EINTR)
			;
	}
	/* A clean exit: the listener must not penalise the client */
	exit(0);
}

/* Listener side */

static void
session_drop(struct broker_session *s)
{
	if (s->waiter != -1) {
		(void)resilient_result_send(s->waiter, RESILIENT_UNKNOWN);
		close(s->waiter);
	}
	close(s->link);
	sshbuf_free(s->in);
	explicit_bzero(s, sizeof(*s));
	s->link = s->waiter = -1;
	nsessions--;
}

static struct broker_session *
session_find(const u_char *token, size_t len)
{
	u_int i;
	int j;

	if (len != RESILIENT_TOKEN_LEN)
		return NULL;
	for (i = 0; i < BROKER_MAX_SESSIONS && sessions != NULL; i++) {
		for (j = 0; j < sessions[i].ntokens; j++) {
			if (sessions[i].link != -1 && timingsafe_bcmp(token,
			    sessions[i].token[j], RESILIENT_TOKEN_LEN) == 0)
				return &sessions[i];
		}
	}
	return NULL;
}

/* Take fd as a session's link; closes it if there is no room */
static void
session_add(int fd, uid_t uid, const char *id)
{
	u_int i, n;

	if (sessions == NULL)
		sessions = xcalloc(BROKER_MAX_SESSIONS, sizeof(*sessions));
	if (nsessions == 0) {
		for (i = 0; i < BROKER_MAX_SESSIONS; i++)
			sessions[i].link = sessions[i].waiter = -1;
	}
	for (i = n = 0; i < BROKER_MAX_SESSIONS; i++) {
		if (sessions[i].link != -1 && sessions[i].uid == uid)
			n++;
	}
	for (i = 0; i < BROKER_MAX_SESSIONS; i++) {
		if (sessions[i].link == -1)
			break;
	}
	if (i == BROKER_MAX_SESSIONS ||
	    (uid != (uid_t)-1 && n >= BROKER_MAX_PER_UID)) {
		logit("resilient: %u resumable sessions%s; session of %s "
		    "will not be resumable", i == BROKER_MAX_SESSIONS ?
		    BROKER_MAX_SESSIONS : n, i == BROKER_MAX_SESSIONS ?
		    "" : " for its user", id);
		close(fd);
		return;
	}
	if ((sessions[i].in = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	set_nonblock(fd);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	sessions[i].link = fd;
	sessions[i].uid = uid;
	sessions[i].ntokens = 0;
	sessions[i].waiter = -1;
	sessions[i].detached = 0;
	nsessions++;
	debug2_f("session of %s linked in slot %u", id, i);
}

static void
pipe_link(int pipefd, const char *id)
{
	struct sshbuf *b;
	u_char type;
	u_int32_t uid;
	int fd = -1, r;

	if ((b = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	/* The user's uid comes from sshd-session's privileged process */
	if ((r = resilient_frame_recv(pipefd, &type, b, &fd,
	    RESILIENT_BROKER_TIMEOUT_MS)) != 0 ||
	    type != RESILIENT_BROKER_LINK || fd == -1 ||
	    (r = sshbuf_get_u32(b, &uid)) != 0) {
		error_r(r, "resilient: bad session link from %s", id);
		if (fd != -1)
			close(fd);
	} else
		session_add(fd, (uid_t)uid, id);
	sshbuf_free(b);
}

static void
pipe_resume(int pipefd, const char *id)
{
	struct broker_session *s;
	struct sshbuf *b, *req = NULL;
	const u_char *token;
	size_t tlen;
	u_char type;
	int fd = -1, r;
	u_int code = RESILIENT_UNKNOWN;

	if ((b = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if ((r = resilient_frame_recv(pipefd, &type, b, &fd,
	    RESILIENT_BROKER_TIMEOUT_MS)) != 0 ||
	    type != RESILIENT_BROKER_RESUME) {
		error_r(r, "resilient: bad reconnect request from %s", id);
		goto out;
	}
	if ((req = sshbuf_fromb(b)) == NULL)
		fatal_f("sshbuf_fromb failed");
	if ((r = sshbuf_get_string_direct(req, &token, &tlen)) != 0 ||
	    (s = session_find(token, tlen)) == NULL) {
		debug_f("reconnect from %s names no session", id);
		goto answer;
	}
	if (s->waiter != -1) {
		code = RESILIENT_BUSY;
		goto answer;
	}
	if ((r = resilient_frame_send(s->link, RESILIENT_BROKER_RESUME, b,
	    fd)) != 0) {
		error_r(r, "resilient: cannot reach session for %s", id);
		goto answer;
	}
	if ((s->waiter = dup(pipefd)) == -1) {
		error_f("dup: %s", strerror(errno));
		goto out;
	}
	(void)fcntl(s->waiter, F_SETFD, FD_CLOEXEC);
	debug2_f("reconnect from %s passed to its session", id);
	goto out;
 answer:
	if ((r = resilient_result_send(pipefd, code)) != 0)
		error_r(r, "resilient: cannot answer %s", id);
 out:
	if (fd != -1)
		close(fd);
	sshbuf_free(req);
	sshbuf_free(b);
}

int
resilient_broker_pipe_byte(int pipefd, char c, const char *id)
{
	switch (c) {
	case RESILIENT_PIPE_LINK:
		pipe_link(pipefd, id);
		return 1;
	case RESILIENT_PIPE_RESUME:
		pipe_resume(pipefd, id);
		return 1;
	}
	return 0;
}

u_int
resilient_broker_slots(void)
{
	return BROKER_MAX_SESSIONS + 1;
}

u_int
resilient_broker_pollfds(struct pollfd *pfd, u_int max)
{
	u_int i, n = 0;

	if (rendezvous != -1 && n < max) {
		pfd[n].fd = rendezvous;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	for (i = 0; sessions != NULL && i < BROKER_MAX_SESSIONS && n < max;
	    i++) {
		if (sessions[i].link == -1)
			continue;
		pfd[n].fd = sessions[i].link;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/* Another session already has this token: the first one keeps it */
static int
token_taken(const struct broker_session *self, const u_char *t)
{
	const struct broker_session *o;

	o = session_find(t, RESILIENT_TOKEN_LEN);
	return o != NULL && o != self;
}

/*
 * A session lost its connection.  Within the caps it stays detached;
 * beyond them it is told to end, and existing sessions keep their places.
 */
static void
session_detached(struct broker_session *s)
{
	u_int i, all = 0, user = 0;

	if (s->detached)
		return;
	for (i = 0; i < BROKER_MAX_SESSIONS; i++) {
		if (sessions[i].link == -1 || !sessions[i].detached)
			continue;
		all++;
		if (sessions[i].uid == s->uid)
			user++;
	}
	if (all < (u_int)max_detached && user < (u_int)max_detached_user) {
		s->detached = 1;
		debug2_f("%u detached session(s), %u of uid %ld", all + 1,
		    user + 1, (long)s->uid);
		return;
	}
	logit("resilient: %u detached sessions%s (ResilientMaxDetached); "
	    "a session of uid %ld that lost its connection ends",
	    all >= (u_int)max_detached ? all : user,
	    all >= (u_int)max_detached ? "" : " of its user", (long)s->uid);
	/* On failure the link is gone: its end of file drops the session */
	(void)resilient_frame_send(s->link, RESILIENT_BROKER_LIMIT, NULL, -1);
}

/* One frame from a session: its tokens, or its answer to a reconnect */
static int
session_frame(struct broker_session *s, u_char type, struct sshbuf *b)
{
	u_char tokens[RESILIENT_BROKER_TOKENS][RESILIENT_TOKEN_LEN];
	const u_char *t;
	size_t tlen;
	u_int code;
	int r, n;

	switch (type) {
	case RESILIENT_BROKER_REGISTER:
		/* All or nothing: a token taken keeps the old ones in place */
		for (n = 0; sshbuf_len(b) > 0; n++) {
			if (n >= RESILIENT_BROKER_TOKENS ||
			    (r = sshbuf_get_string_direct(b, &t, &tlen)) != 0 ||
			    tlen != RESILIENT_TOKEN_LEN)
				return SSH_ERR_INVALID_FORMAT;
			if (token_taken(s, t)) {
				logit("resilient: a session of uid %ld named "
				    "a token already registered; ignored",
				    (long)s->uid);
				return 0;
			}
			memcpy(tokens[n], t, tlen);
		}
		memcpy(s->token, tokens, sizeof(s->token));
		s->ntokens = n;
		explicit_bzero(tokens, sizeof(tokens));
		debug3_f("session registered %d token(s)", n);
		return 0;
	case RESILIENT_BROKER_RESULT:
		if (s->waiter == -1)
			return 0;
		if ((r = sshbuf_get_u32(b, &code)) != 0)
			return r;
		if ((r = resilient_result_send(s->waiter, code)) != 0)
			error_r(r, "resilient: cannot answer reconnect");
		close(s->waiter);
		s->waiter = -1;
		return 0;
	case RESILIENT_BROKER_DETACH:
		session_detached(s);
		return 0;
	case RESILIENT_BROKER_ATTACH:
		s->detached = 0;
		return 0;
	}
	return SSH_ERR_INVALID_FORMAT;
}

/*
 * Input from a session's link.  Sessions run as their users, so the
 * listener never waits for them: bytes are buffered until whole frames
 * are there, and a link that misbehaves is dropped.
 */
static void
session_input(struct broker_session *s)
{
	struct sshbuf *b = NULL;
	u_char buf[4096];
	const u_char *p;
	ssize_t n;
	u_int32_t len;
	int r;

	if ((n = read(s->link, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		debug2_f("session link closed");
		session_drop(s);
		return;
	}
	if ((r = sshbuf_put(s->in, buf, n)) != 0)
		fatal_fr(r, "buffer");
	while (sshbuf_len(s->in) >= 5) {
		p = sshbuf_ptr(s->in);
		if ((len = PEEK_U32(p + 1)) > RESILIENT_FRAME_MAX) {
			error_f("resilient: oversized frame from session");
			session_drop(s);
			return;
		}
		if (sshbuf_len(s->in) < 5 + len)
			return;
		if ((b = sshbuf_from(p + 5, len)) == NULL)
			fatal_f("sshbuf_from failed");
		r = session_frame(s, p[0], b);
		sshbuf_free(b);
		if (r != 0) {
			error_r(r, "resilient: bad frame %u from session",
			    p[0]);
			session_drop(s);
			return;
		}
		if ((r = sshbuf_consume(s->in, 5 + len)) != 0)
			fatal_fr(r, "consume");
	}
}

/* A session process connected to the rendezvous socket */
static void
rendezvous_accept(void)
{
	uid_t uid;
	gid_t gid;
	int fd;

	if ((fd = accept(rendezvous, NULL, NULL)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			error_f("accept: %s", strerror(errno));
		return;
	}
	if (getpeereid(fd, &uid, &gid) == -1) {
		error_f("getpeereid: %s", strerror(errno));
		close(fd);
		return;
	}
	session_add(fd, uid, "a session re-registering");
	verbose("resilient: a session of uid %ld re-registered", (long)uid);
}

void
resilient_broker_after_poll(const struct pollfd *pfd, u_int n)
{
	u_int i, j;

	for (i = 0; i < n; i++) {
		if ((pfd[i].revents & (POLLIN|POLLHUP|POLLERR)) == 0)
			continue;
		if (pfd[i].fd == rendezvous) {
			rendezvous_accept();
			continue;
		}
		for (j = 0; j < BROKER_MAX_SESSIONS; j++) {
			if (sessions[j].link == pfd[i].fd) {
				session_input(&sessions[j]);
				break;
			}
		}
	}
}

int
resilient_broker_listen(const char *path, int max_all, int max_user)
{
	mode_t old;
	int fd;

	if (max_all > 0)
		max_detached = MINIMUM(max_all, RESILIENT_MAX_DETACHED);
	if (max_user > 0)
		max_detached_user = MINIMUM(max_user, max_detached);
	if (path == NULL || strcasecmp(path, "none") == 0 || rendezvous != -1)
		return 0;
	/* A listener still answering there is another sshd's */
	if (resilient_broker_connect(path, &fd) == 0) {
		close(fd);
		error("resilient: %s is in use by another sshd; "
		    "sessions will not survive a restart", path);
		return SSH_ERR_SYSTEM_ERROR;
	}
	/* Sessions run as their users: anyone may connect */
	old = umask(0111);
	fd = unix_listener(path, 64, 1);
	umask(old);
	if (fd == -1) {
		error("resilient: cannot listen on %s; sessions will not "
		    "survive a restart", path);
		return SSH_ERR_SYSTEM_ERROR;
	}
	set_nonblock(fd);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	rendezvous = fd;
	debug_f("sessions re-register on %s", path);
	return 0;
}

int
resilient_broker_connect(const char *path, int *linkp)
{
	struct sockaddr_un sun;
	int fd;

	*linkp = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || strlcpy(sun.sun_path, path,
	    sizeof(sun.sun_path)) >= sizeof(sun.sun_path))
		return SSH_ERR_INVALID_ARGUMENT;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return SSH_ERR_SYSTEM_ERROR;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return SSH_ERR_SYSTEM_ERROR;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	*linkp = fd;
	return 0;
}
