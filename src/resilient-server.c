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
 * Server side of a resilient session in its own (post-authentication)
 * process: keep the broker informed of the session's token, take over
 * the socket of a reconnect that the broker passes on, and keep the
 * session detached, for up to its timeout, when its connection is lost.
 */

#include "includes.h"

#include <sys/types.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "misc.h"
#include "ssherr.h"
#include "sshbuf.h"
#include "kex.h"
#include "packet.h"
#include "dispatch.h"
#include "openbsd-compat/sys-queue.h"
#include "channels.h"

#include "resilient.h"
#include "resilient-int.h"
#include "resilient-broker.h"
#include "resilient-buffer.h"

/* How long a reconnecting client may take to finish its handshake */
#define RESUME_HANDSHAKE_TIMEOUT	10

/*
 * The session process's title, as ps(1) shows it: upstream's "USER" or
 * "USER@TTYS", and while the session is detached "[detached since HH:MM
 * from ADDR]", so that an admin can tell detached sessions from the
 * others and end one (README.resilient 5.5).  Kept per process, as the
 * title is: an sshd-session serves a single connection.
 */
static char title_user[64], title_ttys[128], title_state[96];

static void
retitle(void)
{
	if (title_user[0] == '\0')
		return;
	setproctitle("%s%s%s%s", title_user, title_ttys[0] != '\0' ? "@" : "",
	    title_ttys, title_state);
}

void
resilient_proctitle(const char *user, const char *ttys)
{
	strlcpy(title_user, user, sizeof(title_user));
	strlcpy(title_ttys, ttys == NULL ? "" : ttys, sizeof(title_ttys));
	retitle();
}

/* Who the session is, for log lines: user and the process to signal */
static const char *
who(void)
{
	static char buf[sizeof(title_user) + 32];

	snprintf(buf, sizeof(buf), "user %s, pid %ld",
	    title_user[0] != '\0' ? title_user : "?", (long)getpid());
	return buf;
}

void
resilient_server_set_link(struct ssh *ssh, int fd, time_t timeout)
{
	struct resilient *rs = ssh->resilient;

	/* The monitor's side of the link is the monitor's alone */
	resilient_monitor_forget(ssh);
	if (rs == NULL || !rs->negotiated || fd == -1) {
		if (fd != -1)
			close(fd);
		return;
	}
	set_nonblock(fd);
	rs->brokered = 1;
	rs->has_link = 1;
	rs->link = fd;
	rs->timeout = timeout;
	explicit_bzero(rs->registered, sizeof(rs->registered));
	rs->registered_len = 0;
}

/* The monitor is gone: the session cannot be resumed any more */
static void
link_close(struct resilient *rs)
{
	if (!rs->has_link)
		return;
	close(rs->link);
	rs->has_link = 0;
	rs->link = -1;
	rs->unresumable = 1;
}

/* Tell the monitor whether the session is detached, when that changes */
static void
tell_state(struct resilient *rs)
{
	int detached = rs->detached_since != 0, r;

	if (!rs->has_link || rs->told_detached == detached)
		return;
	if ((r = resilient_frame_send(rs->link, detached ?
	    RESILIENT_BROKER_DETACH : RESILIENT_BROKER_ATTACH, NULL,
	    -1)) != 0) {
		error_r(r, "resilient: monitor unreachable");
		link_close(rs);
		return;
	}
	rs->told_detached = detached;
}

/*
 * Tell the monitor the tokens that name the session, when they change,
 * each with its R: the monitor names a token only if R gives it.
 */
int
resilient_server_register(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	const u_char *secret[RESILIENT_BROKER_TOKENS];
	u_char set[RESILIENT_BROKER_TOKENS * RESILIENT_TOKEN_LEN];
	size_t len = 0, i, n = 0;
	struct sshbuf *b = NULL;
	int r = 0;

	if (rs == NULL || !rs->brokered || !rs->has_link ||
	    !resilient_resumable(ssh))
		return 0;
	/* current, previous (4.2), next (a reconnect completing) */
	memcpy(set, rs->token, RESILIENT_TOKEN_LEN);
	secret[n++] = rs->secret;
	if (rs->has_prev) {
		memcpy(set + n * RESILIENT_TOKEN_LEN, rs->prev_token,
		    RESILIENT_TOKEN_LEN);
		secret[n++] = rs->prev_secret;
	}
	if (rs->has_next) {
		memcpy(set + n * RESILIENT_TOKEN_LEN, rs->next_token,
		    RESILIENT_TOKEN_LEN);
		secret[n++] = rs->next_secret;
	}
	len = n * RESILIENT_TOKEN_LEN;
	if (len == rs->registered_len &&
	    memcmp(rs->registered, set, len) == 0)
		goto out;
	if ((b = sshbuf_new()) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = sshbuf_put_string(b, secret[i],
		    rs->secret_len)) != 0 ||
		    (r = sshbuf_put_string(b, set + i * RESILIENT_TOKEN_LEN,
		    RESILIENT_TOKEN_LEN)) != 0)
			goto out;
	}
	if ((r = resilient_frame_send(rs->link, RESILIENT_BROKER_REGISTER, b,
	    -1)) != 0) {
		error_r(r, "resilient: monitor unreachable");
		link_close(rs);
		r = 0;
		goto out;
	}
	memcpy(rs->registered, set, len);
	rs->registered_len = len;
	debug2_f("%zu token(s) registered, epoch %u", n, rs->epoch);
 out:
	explicit_bzero(set, sizeof(set));
	if (rs->has_link)
		tell_state(rs);
	sshbuf_free(b);	/* sshbuf_free wipes what it held */
	return r;
}

void
resilient_server_free(struct resilient *rs)
{
	resilient_connection_free(rs->pending);
	rs->pending = NULL;
	rs->pending_revents = 0;
}

/*
 * The broker passed a reconnect: check it and, if it proves the session,
 * answer it.  Its handshake completes in the main loop (pending_tick), so
 * the session never waits for a client: a live connection goes on
 * carrying it meanwhile, and a later verified reconnect supersedes one
 * still completing.  The ratcheted token is registered at once, so that
 * the client can try again whether or not it got the reply.
 */
static u_int
take_over(struct ssh *ssh, int fd, struct sshbuf *req)
{
	struct resilient *rs = ssh->resilient;
	struct ssh *att = NULL;
	u_int code;
	int r;

	if ((r = resilient_attempt_server(ssh, fd, req, &att, &code)) != 0) {
		verbose("resilient: reconnect refused: %s",
		    resilient_result_str(code));
		return code;
	}
	if (rs->pending != NULL)
		verbose("resilient: a newer reconnect replaces the one "
		    "still completing");
	resilient_server_free(rs);
	ssh_packet_set_nonblocking(att);
	rs->pending = att;
	rs->pending_since = monotime();
	if ((r = resilient_server_register(ssh)) != 0)
		error_r(r, "resilient: registering the new token");
	return RESILIENT_RESUMED;
}

/*
 * Move the reconnect in progress on: send what it has queued, read the
 * client's NEWKEYS, and adopt the connection once the handshake is done.
 * 1 if the session now runs on it.
 */
static int
pending_tick(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct ssh *att = rs->pending;
	time_t since = rs->detached_since;
	short ev = rs->pending_revents;
	int r;

	if (att == NULL)
		return 0;
	rs->pending_revents = 0;
	if ((ev & (POLLIN|POLLHUP|POLLERR)) != 0 &&
	    (r = ssh_packet_process_read(att,
	    ssh_packet_get_connection_in(att))) != 0 &&
	    (r != SSH_ERR_SYSTEM_ERROR || (errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR)))
		goto fail;
	if ((r = ssh_dispatch_run(att, DISPATCH_NONBLOCK,
	    &att->kex->done)) != 0 ||
	    (r = ssh_packet_write_poll(att)) != 0)
		goto fail;
	if (!att->kex->done) {
		if (monotime() - rs->pending_since < RESUME_HANDSHAKE_TIMEOUT)
			return 0;
		r = SSH_ERR_CONN_TIMEOUT;
		goto fail;
	}
	rs->pending = NULL;
	r = resilient_adopt(ssh, att);
	resilient_connection_free(att);	/* the old connection, if adopted */
	if (r != 0) {
		error_r(r, "resilient: adopting the new connection");
		return 0;
	}
	ssh_packet_set_nonblocking(ssh);
	if (since == 0)
		verbose("resilient: session resumed from %s port %d, "
		    "replacing a connection that was still up (%s)",
		    ssh_remote_ipaddr(ssh), ssh_remote_port(ssh), who());
	else
		verbose("resilient: session resumed from %s port %d after "
		    "%lld s detached (%s)", ssh_remote_ipaddr(ssh),
		    ssh_remote_port(ssh), (long long)(monotime() - since),
		    who());
	title_state[0] = '\0';
	retitle();
	return 1;
 fail:
	error_r(r, "resilient: reconnect handshake");
	resilient_server_free(rs);
	return 0;
}

/* A root process passed on by the monitor: a reconnect, or the end */
static void
connection_input(struct ssh *ssh, int conn)
{
	struct resilient *rs = ssh->resilient;
	struct sshbuf *b;
	u_char type;
	u_int code;
	int fd = -1, r;

	if ((b = sshbuf_new()) == NULL) {
		error_f("sshbuf_new failed");
		return;
	}
	/* The peer wrote its frame before the monitor accepted it */
	if ((r = resilient_frame_recv(conn, &type, b, &fd,
	    RESILIENT_BROKER_TIMEOUT_MS)) != 0) {
		debug_r(r, "resilient: reconnect request");
		goto out;
	}
	switch (type) {
	case RESILIENT_BROKER_END:
		verbose("resilient: the listener no longer resumes sessions");
		rs->unresumable = rs->turned_off = 1;
		break;
	case RESILIENT_BROKER_RESUME:
		code = take_over(ssh, fd, b);
		fd = -1;
		if ((r = resilient_result_send(conn, code)) != 0)
			debug_r(r, "resilient: cannot answer a reconnect");
		break;
	default:
		error_f("unexpected frame %u", type);
		break;
	}
 out:
	if (fd != -1)
		close(fd);
	sshbuf_free(b);
}

/* The monitor wrote to the link */
static void
link_input(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	u_char what;
	int fd = -1;

	if (!rs->has_link)
		return;
	switch (resilient_monitor_recv(rs->link, &what, &fd)) {
	case 0:
		break;
	case SSH_ERR_SYSTEM_ERROR:
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		/* FALLTHROUGH */
	default:
		debug_f("resilient: monitor link closed");
		link_close(rs);
		return;
	}
	switch (what) {
	case RESILIENT_MON_CONNECTION:
		if (fd != -1)
			connection_input(ssh, fd);
		break;
	case RESILIENT_MON_LIMIT:
		/* Only a session still detached ends; a resumed one stays */
		if (rs->detached_since != 0)
			rs->over_limit = 1;
		break;
	case RESILIENT_MON_UNREGISTERED:
		rs->unresumable = 1;
		break;
	default:
		error_f("unexpected message %u from the monitor", what);
		break;
	}
	if (fd != -1)
		close(fd);
}

void
resilient_server_no_more_sessions(struct ssh *ssh)
{
	if (ssh->resilient != NULL)
		ssh->resilient->no_more_sessions = 1;
}

struct leftovers {
	u_int	closing_sessions;	/* session channels we closed */
	u_int	others;			/* anything still in use */
};

static void
count_channel(Channel *c, void *arg)
{
	struct leftovers *l = arg;

	switch (c->type) {
	case SSH_CHANNEL_CLOSED:
	case SSH_CHANNEL_ZOMBIE:
	case SSH_CHANNEL_ABANDONED:
	case SSH_CHANNEL_AUTH_SOCKET:	/* these go with their session */
	case SSH_CHANNEL_X11_LISTENER:
		return;
	}
	if ((c->flags & CHAN_CLOSE_SENT) == 0)
		l->others++;	/* open, opening, or a remote forward */
	else if (strcmp(c->ctype, "session") == 0)
		l->closing_sessions++;
}

/*
 * Whether the session ended and the client has all of it: the client
 * will open no more sessions (a multiplexing master would), we sent
 * CLOSE for its session, nothing else is in use, and the client
 * acknowledged everything we sent, that CLOSE included (it acknowledges
 * a CLOSE at once).  A client gone at that point (a connection through
 * a forwarding that was torn down, say) would not come back; resumed,
 * it would just exit.  One that still lacks output or the exit status
 * may come back for them, so its session detaches.
 */
static int
session_finished(struct ssh *ssh)
{
	struct leftovers l = { 0, 0 };

	if (!ssh->resilient->no_more_sessions ||
	    resilient_buffer_bytes(ssh->resilient->sent) != 0)
		return 0;
	channel_foreach(ssh, count_channel, &l);
	return l.closing_sessions > 0 && l.others == 0;
}

int
resilient_server_lost(struct ssh *ssh, const char *why)
{
	struct resilient *rs = ssh->resilient;
	struct tm *tm;
	time_t now;
	char when[16];

	if (rs == NULL || !rs->brokered || !resilient_resumable(ssh) ||
	    !rs->has_link || rs->unresumable)
		return -1;
	if (rs->detached_since == 0 && session_finished(ssh)) {
		verbose("resilient: connection from %s port %d lost after "
		    "its session ended; not detaching", ssh_remote_ipaddr(ssh),
		    ssh_remote_port(ssh));
		return -1;
	}
	if (rs->detached_since == 0) {
		verbose("resilient: session detached from %s port %d: %s (%s)",
		    ssh_remote_ipaddr(ssh), ssh_remote_port(ssh), why, who());
		now = time(NULL);
		if ((tm = localtime(&now)) == NULL ||
		    strftime(when, sizeof(when), "%H:%M", tm) == 0)
			strlcpy(when, "?", sizeof(when));
		snprintf(title_state, sizeof(title_state),
		    " [detached since %s from %s]", when,
		    ssh_remote_ipaddr(ssh));
		retitle();
	}
	ssh_packet_detach_transport(ssh);
	(void)resilient_detach(ssh);
	tell_state(rs);
	return 0;
}

/*
 * A detached session ends: tell the monitor why, for the tombstone that
 * answers its client's next attempt.  Returns 1.
 */
static int
ends(struct resilient *rs, u_int code)
{
	struct sshbuf *b;

	if (!rs->has_link || (b = sshbuf_new()) == NULL)
		return 1;
	if (sshbuf_put_u32(b, code) != 0 ||
	    resilient_frame_send(rs->link, RESILIENT_BROKER_ENDED, b, -1) != 0)
		debug_f("resilient: monitor not told why the session ends");
	sshbuf_free(b);
	return 1;
}

/* Whether a detached session must end */
static int
expired(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;

	if (rs->detached_since == 0)
		return 0;
	if (!rs->has_link || rs->unresumable) {
		logit("resilient: detached session ends: it can no longer be "
		    "resumed (%s)", who());
		return ends(rs, rs->turned_off ? RESILIENT_ENDED_OFF :
		    RESILIENT_ENDED);
	}
	if (rs->over_limit) {
		logit("resilient: detached session ends: too many detached "
		    "sessions (ResilientMaxDetached; %s)", who());
		return ends(rs, RESILIENT_ENDED_LIMIT);
	}
	if (rs->timeout == 0 || monotime() - rs->detached_since < rs->timeout)
		return 0;
	logit("resilient: detached session ends after %lld s "
	    "(ResilientTimeout; %s)", (long long)rs->timeout, who());
	return ends(rs, RESILIENT_ENDED_TIMEOUT);
}

/* Seconds until a detached session expires, or -1 */
int
resilient_server_deadline(const struct ssh *ssh)
{
	const struct resilient *rs = ssh->resilient;
	time_t left = -1, now = monotime();

	/* (a detached client has no link either: that is no reason to wake) */
	if (rs == NULL || rs->client != NULL)
		return -1;
	if (rs->detached_since != 0 && (rs->over_limit ||
	    rs->unresumable || !rs->has_link))
		return 0;
	if (rs->detached_since != 0 && rs->timeout != 0) {
		left = rs->detached_since + rs->timeout - now;
		if (left < 0)
			left = 0;
	}
	if (rs->pending != NULL && (left == -1 ||
	    rs->pending_since + RESUME_HANDSHAKE_TIMEOUT - now < left))
		left = MAXIMUM(rs->pending_since + RESUME_HANDSHAKE_TIMEOUT -
		    now, 0);
	return (int)left;
}

void
resilient_server_prepare_poll(struct ssh *ssh, struct pollfd *pfd, u_int n)
{
	struct resilient *rs = ssh->resilient;
	u_int i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = -1;
		pfd[i].events = pfd[i].revents = 0;
	}
	if (rs == NULL || n < RESILIENT_SERVER_NPFD)
		return;
	if (rs->has_link) {
		pfd[0].fd = rs->link;
		pfd[0].events = POLLIN;
	}
	if (rs->pending != NULL) {
		pfd[1].fd = ssh_packet_get_connection_in(rs->pending);
		pfd[1].events = POLLIN |
		    (ssh_packet_have_data_to_write(rs->pending) ? POLLOUT : 0);
	}
}

int
resilient_server_after_poll(struct ssh *ssh, const struct pollfd *pfd,
    u_int n)
{
	struct resilient *rs = ssh->resilient;

	if (rs == NULL || n < RESILIENT_SERVER_NPFD)
		return 0;
	if (rs->pending != NULL && pfd[1].fd != -1)
		rs->pending_revents |= pfd[1].revents;
	if (pfd[0].fd != -1 && pfd[0].revents != 0)
		link_input(ssh);
	if (pending_tick(ssh))
		return 1;
	return expired(ssh) ? -1 : 0;
}
