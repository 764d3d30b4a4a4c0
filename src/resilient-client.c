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
 * Client side of a resilient session: when the connection is lost, keep
 * the session detached and reconnect to the same destination with
 * backoff.  Each attempt is built on a connection of its own and only a
 * validated resume replaces the session's transport (PROTOCOL.resilient
 * section 3); a failed attempt leaves the session as it was.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
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
#include "ssh2.h"

#include "resilient.h"
#include "resilient-int.h"
#include "resilient-buffer.h"
#include "resilient-config.h"
#include "resilient-status.h"
#include "routemon.h"

/* A jump of CLOCK_BOOTTIME over CLOCK_MONOTONIC this large: we slept */
#define SUSPEND_MIN_S		2.0
/* Probe early, after this much silence, while our data is unacknowledged */
#define PROBE_OUTSTANDING_S	2
/* Closing a detached session: try to reach the server this long, s */
#define CLOSE_S			3
#define CLOSE_PASSES_MAX	10000
/* A probe unanswered this long puts up the status line */
#define STATUS_AFTER_S		1.0

#define BACKOFF_FIRST_MS	250
#define BACKOFF_MAX_MS		4000
/*
 * Detached, with the server's address known: a new connect every
 * RETRY_EVERY_S at most (at random from half that on, so that clients
 * cut off together do not all come back together) for the first
 * ResilientFastRetry seconds, then a second more every RETRY_SLOWER_S up
 * to RETRY_MAX_S.  At most CONNECTS_MAX connects wait for an answer at
 * once; a new one replaces the oldest, so none is left waiting long in
 * the kernel's SYN retransmissions.  While one connection carries the
 * handshake (within ConnectTimeout), no other is opened: a server slow
 * to answer is not sent more work.
 */
#define RETRY_EVERY_S		1.0
#define RETRY_SLOWER_S		20.0
#define RETRY_MAX_S		30.0
#define CONNECTS_MAX		3
#define ATTEMPT_TIMEOUT		10	/* s, per attempt, if ConnectTimeout unset */
/*
 * A refusal in clear may be forged or stale, so it ends the session only
 * once it persists: this many refusals spanning at least this long
 * (PROTOCOL.resilient 3.2)
 */
#define REFUSALS_FINAL		3
#define REFUSALS_GRACE_S	15.0

/*
 * The session of this ssh process, for resilient_client_exit(): fatal()
 * and cleanup_exit() know no struct ssh.
 */
static struct ssh *exit_session;

struct resilient_client {
	resilient_connect_fn *connect;
	void	*ctx;
	const char *version_addendum;
	int	timeout;		/* s detached before giving up; 0 none */
	int	attempt_timeout;	/* s per attempt */
	double	next_attempt;		/* monotime_double; 0 = none due */
	int	backoff_ms;
	u_int	attempts;
	double	lost_at;
	u_int	refusals;		/* attempts refused since lost_at */
	double	first_refusal;		/* monotime_double of the first */
	struct routemon *routes;	/* NULL: not watching */
	int	probe_interval;		/* s of silence before a probe; 0 off */
	int	probe_timeout;		/* s for the answer */
	double	probe_sent;		/* monotime_double; 0 = none out */
	double	sleep_offset;		/* CLOCK_BOOTTIME - CLOCK_MONOTONIC */
	double	sleep_checked;		/* monotime_double of the last look */
	int	probe_now;		/* probe at the next tick */
	int	make_before_break;	/* move without leaving the old path */
	struct ssh *move;		/* the new connection being built */
	enum { MOVE_CONNECT, MOVE_BANNER, MOVE_KEX } move_phase;
	double	move_started;
	short	move_revents;		/* from the last poll */
	int	move_again;		/* a rekey ended a move: start anew */
	/* detached: reconnect without blocking, straight to the server */
	struct sockaddr_storage server;	/* its address */
	socklen_t server_len;		/* 0: through connect() instead */
	struct sockaddr_storage source;	/* BindAddress: bind there first */
	socklen_t source_len;		/* 0: none */
	int	fast_retry;		/* s of one attempt a second */
	int	keepalive;		/* SO_KEEPALIVE, as on the first */
	int	connects[CONNECTS_MAX];	/* in progress, or -1 */
	double	connect_started[CONNECTS_MAX];
	short	connect_revents[CONNECTS_MAX];
	char	*host;			/* the destination, for messages */
	char	why[256];		/* why it gave up, for the last line */
	char	said[100];		/* the refusal of the last attempt */
	int	proxied;		/* through a ProxyCommand's pipes */
	int	bound;			/* BindAddress or BindInterface */
	int	proxy_waits;		/* probe unanswered: up to the proxy */
	int	given_up;		/* a tick failed: the session is lost */
	struct resilient_status status;	/* on the terminal sessions */
};

/* Seconds the system has been suspended since boot, or 0 if unknown */
static double
sleep_offset(void)
{
#ifdef CLOCK_BOOTTIME
	struct timespec b, m;

	if (clock_gettime(CLOCK_BOOTTIME, &b) == 0 &&
	    clock_gettime(CLOCK_MONOTONIC, &m) == 0)
		return (b.tv_sec - m.tv_sec) + (b.tv_nsec - m.tv_nsec) / 1e9;
#endif
	return 0;
}

static uint64_t
now_ms(void)
{
	return (uint64_t)(monotime_double() * 1000.0);
}

/* Make the next reconnect attempt due at now, with the backoff reset */
static void
attempt_at(struct resilient_client *rc, double now)
{
	rc->next_attempt = now;
	rc->backoff_ms = BACKOFF_FIRST_MS;
}

int
resilient_client_set_connector(struct ssh *ssh, resilient_connect_fn *fn,
    void *ctx, int timeout, int attempt_timeout, const char *addendum)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;
	u_int i;

	if (rs == NULL || !rs->negotiated)
		return 0;
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	rc->connect = fn;
	rc->ctx = ctx;
	rc->timeout = timeout;
	rc->attempt_timeout = attempt_timeout > 0 ? attempt_timeout :
	    ATTEMPT_TIMEOUT;
	rc->version_addendum = addendum;
	rc->make_before_break = 1;
	rc->fast_retry = RESILIENT_FAST_RETRY_DEFAULT;
	for (i = 0; i < CONNECTS_MAX; i++)
		rc->connects[i] = -1;
	resilient_status_init(&rc->status);
	if (rs->client != NULL)
		free(rs->client->host);
	free(rs->client);
	rs->client = rc;
	exit_session = ssh;
	return 0;
}

/*
 * ssh is exiting without having closed the session (fatal(), e.g.
 * ExitOnForwardFailure).  Tell the server, which would otherwise keep
 * the session detached, waiting for a reconnect that never comes.  Best
 * effort, within a second, and only once.
 */
void
resilient_client_exit(void)
{
	struct ssh *ssh = exit_session;
	int r;

	exit_session = NULL;
	if (ssh != NULL && ssh->resilient != NULL &&
	    ssh->resilient->client != NULL)
		resilient_status_clear(ssh, &ssh->resilient->client->status, 0);
	/* sshpkt_fatal() may have freed the transport's buffers already */
	if (ssh == NULL || ssh->resilient == NULL ||
	    !ssh_packet_is_initialized(ssh) ||
	    ssh->resilient->detached_since != 0 ||
	    ssh_packet_get_connection_out(ssh) < 0 ||
	    ssh_packet_is_rekeying(ssh))
		return;
	ssh_packet_set_timeout(ssh, 1, 1);
	if ((r = sshpkt_start(ssh, SSH2_MSG_DISCONNECT)) != 0 ||
	    (r = sshpkt_put_u32(ssh, SSH2_DISCONNECT_BY_APPLICATION)) != 0 ||
	    (r = sshpkt_put_cstring(ssh, "client exiting")) != 0 ||
	    (r = sshpkt_put_cstring(ssh, "")) != 0 ||
	    (r = sshpkt_send(ssh)) != 0 ||
	    (r = ssh_packet_write_wait(ssh)) != 0)
		debug_fr(r, "disconnect");
}

static void move_free(struct resilient_client *);
static void connects_close(struct resilient_client *);
static int move_start(struct ssh *, const struct sockaddr *, socklen_t);
static int move_here(struct ssh *);
static int move_from(const struct resilient_client *,
    const struct sockaddr_storage *);

void
resilient_client_free(struct resilient *rs)
{
	if (exit_session != NULL && exit_session->resilient == rs)
		exit_session = NULL;
	if (rs->client != NULL) {
		routemon_free(rs->client->routes);
		move_free(rs->client);
		connects_close(rs->client);
		free(rs->client->host);
	}
	free(rs->client);
	rs->client = NULL;
}

int
resilient_client_set_probe(struct ssh *ssh, int interval, int timeout)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;

	if (rs == NULL || (rc = rs->client) == NULL)
		return 0;
	if (interval < 0 || timeout <= 0)
		return SSH_ERR_INVALID_ARGUMENT;
	rc->probe_interval = interval;
	rc->probe_timeout = timeout;
	rc->sleep_offset = sleep_offset();
	if (rs->last_rx == 0)
		rs->last_rx = monotime_double();
	return 0;
}

/* When the next probe for silence is due: sooner while data is unacked */
static double
probe_due(const struct resilient *rs, const struct resilient_client *rc)
{
	return rs->last_rx + (resilient_buffer_bytes(rs->sent) == 0 ?
	    rc->probe_interval :
	    MINIMUM(PROBE_OUTSTANDING_S, rc->probe_interval));
}

/*
 * Dead-peer detection: after a silence, or at once after the system
 * slept, send a PING (answered by any OpenSSH 9.x server, and by ours);
 * anything received is an answer.  None within probe_timeout: the
 * connection is dead even if TCP does not know it yet.
 */
static void
probe_tick(struct ssh *ssh, double now)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc = rs->client;
	double off, slept;
	char why[64];
	int r, force = 0;

	if (rc->probe_timeout == 0)
		return;		/* not configured */
	/* Two clock reads: once a second is soon enough to notice a sleep */
	slept = 0;
	if (now - rc->sleep_checked >= 1.0 || now < rc->sleep_checked) {
		rc->sleep_checked = now;
		off = sleep_offset();
		slept = off - rc->sleep_offset;
		rc->sleep_offset = off;
	}
	if (rc->probe_now) {
		rc->probe_now = 0;
		force = 1;
	}
	if (slept >= SUSPEND_MIN_S) {
		verbose("resilient: the system slept %.0f s; probing the "
		    "connection", slept);
		force = 1;
		if (rs->detached_since != 0)
			attempt_at(rc, now);
	}
	if (rs->detached_since != 0 || ssh->kex == NULL ||
	    (ssh->kex->flags & KEX_HAS_PING) == 0)
		return;
	if (rc->probe_sent != 0 && !force) {
		if (rs->last_rx >= rc->probe_sent)
			rc->probe_sent = 0;	/* answered */
		else if (rc->proxied) {
			/*
			 * The path is the proxy's to mend (a ProxyJump's ssh
			 * reconnects by itself): wait for an answer, or for
			 * the proxy to exit; ~N reconnects at once.
			 */
			if (!rc->proxy_waits &&
			    now - rc->probe_sent >= rc->probe_timeout) {
				verbose("resilient: no answer to a probe "
				    "within %d s; waiting for the proxy",
				    rc->probe_timeout);
				rc->proxy_waits = 1;
			}
		} else if (now - rc->probe_sent >= rc->probe_timeout) {
			snprintf(why, sizeof(why), "no answer to a probe "
			    "within %d s", rc->probe_timeout);
			verbose("resilient: %s", why);
			rc->probe_sent = 0;
			(void)resilient_client_lost(ssh, why);
		}
		if (rc->probe_sent == 0)
			rc->proxy_waits = 0;
		return;
	}
	if (!force && (rc->probe_interval == 0 || now < probe_due(rs, rc)))
		return;
	debug2_f("silent for %.1f s; probing", now - rs->last_rx);
	if ((r = sshpkt_start(ssh, SSH2_MSG_PING)) != 0 ||
	    (r = sshpkt_put_cstring(ssh, "resilient")) != 0 ||
	    (r = sshpkt_send(ssh)) != 0) {
		error_fr(r, "probe");
		return;
	}
	rc->probe_sent = now;
	rc->proxy_waits = 0;
}

/* Seconds until probe_tick has something to do, or -1 */
static double
probe_deadline(const struct ssh *ssh, double now)
{
	const struct resilient *rs = ssh->resilient;
	const struct resilient_client *rc = rs->client;
	double due;

	if (rc->probe_timeout == 0 || rs->detached_since != 0)
		return -1;
	if (rc->probe_sent != 0 && rc->proxy_waits)
		return -1;	/* only an answer, or the proxy's end */
	if (rc->probe_sent != 0)
		due = rc->probe_sent + rc->probe_timeout;
	else if (rc->probe_interval != 0)
		due = probe_due(rs, rc);
	else
		return -1;
	return due <= now ? 0 : due - now;
}

int
resilient_client_watch_routes(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;
	int r;

	if (rs == NULL || (rc = rs->client) == NULL || rc->routes != NULL)
		return 0;
	if ((r = routemon_open(&rc->routes)) != 0) {
		debug_r(r, "resilient: not watching routes");
		return r == SSH_ERR_FEATURE_UNSUPPORTED ? 0 : r;
	}
	debug_f("watching routes to %s", ssh_remote_ipaddr(ssh));
	return 0;
}

int
resilient_client_set_make_before_break(struct ssh *ssh, int on)
{
	struct resilient *rs = ssh->resilient;

	if (rs == NULL || rs->client == NULL)
		return 0;
	rs->client->make_before_break = on != 0;
	return 0;
}

int
resilient_client_configure(struct ssh *ssh, const struct resilient_options *o,
    resilient_connect_fn *fn, void *ctx, const char *host, int attempt_timeout,
    const char *version_addendum, int bound)
{
	struct resilient_client *rc;
	int r;

	if ((r = resilient_client_set_connector(ssh, fn, ctx, o->timeout,
	    attempt_timeout, version_addendum)) != 0)
		return r;
	if (ssh->resilient != NULL && (rc = ssh->resilient->client) != NULL &&
	    host != NULL &&
	    (rc->host = strdup(host)) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if (o->route_monitor && (r = resilient_client_watch_routes(ssh)) != 0)
		return r;
	if ((r = resilient_client_set_probe(ssh, o->probe_interval,
	    o->probe_timeout)) != 0)
		return r;
	if ((r = resilient_client_set_retry(ssh, o->fast_retry, bound)) != 0)
		return r;
	/* (a move would have to keep the bound source address too) */
	return resilient_client_set_make_before_break(ssh,
	    o->make_before_break && !bound);
}

/* The local address of the connection on fd, port 0, as rc's source */
static int
source_address(struct resilient_client *rc, int fd)
{
	rc->source_len = sizeof(rc->source);
	if (getsockname(fd, (struct sockaddr *)&rc->source,
	    &rc->source_len) != 0 ||
	    rc->source.ss_family != rc->server.ss_family) {
		rc->source_len = 0;
		return -1;
	}
	if (rc->source.ss_family == AF_INET)
		((struct sockaddr_in *)&rc->source)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&rc->source)->sin6_port = 0;
	return 0;
}

int
resilient_client_set_retry(struct ssh *ssh, int fast_retry, int bound)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;
	struct stat st;
	socklen_t len;
	int fd;

	if (rs == NULL || (rc = rs->client) == NULL)
		return 0;
	if (fast_retry < 0)
		return SSH_ERR_INVALID_ARGUMENT;
	rc->fast_retry = fast_retry;
	rc->bound = bound != 0;
	/*
	 * Reconnect to the address this connection reached, without
	 * blocking, from the address it came from if BindAddress fixed
	 * that; through a ProxyCommand, or with BindInterface (whose
	 * address may change), the normal connector (which blocks) does it
	 * instead.
	 */
	rc->server_len = sizeof(rc->server);
	rc->source_len = 0;
	fd = ssh_packet_get_connection_in(ssh);
	len = sizeof(rc->keepalive);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE,
	    &rc->keepalive, &len) != 0)
		rc->keepalive = 0;
	rc->proxied = fd >= 0 && fstat(fd, &st) == 0 && !S_ISSOCK(st.st_mode);
	if (bound == RESILIENT_BOUND_INTERFACE || fd < 0 || getpeername(fd,
	    (struct sockaddr *)&rc->server, &rc->server_len) != 0 ||
	    (rc->server.ss_family != AF_INET &&
	    rc->server.ss_family != AF_INET6) ||
	    (bound && source_address(rc, fd) != 0))
		rc->server_len = 0;
	return 0;
}

static void
route_input(struct resilient_client *rc)
{
	int r;

	if ((r = routemon_read(rc->routes, now_ms())) != 0) {
		/* A broken monitor must not end the session: stop watching */
		error_r(r, "resilient: routing socket; no longer watching");
		routemon_free(rc->routes);
		rc->routes = NULL;
	}
}

void
resilient_client_prepare_poll(struct ssh *ssh, struct pollfd *pfd, u_int n)
{
	const struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;
	u_int i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = -1;
		pfd[i].events = pfd[i].revents = 0;
	}
	if (rs == NULL || (rc = rs->client) == NULL ||
	    n < RESILIENT_CLIENT_NPFD)
		return;
	resilient_stamp(ssh);
	/*
	 * What the server sent since the status line went up is written
	 * to the terminals after this poll: take the line down first.
	 */
	if (rc->status.drawn_at != 0 && rs->detached_since == 0 &&
	    rs->last_rx > rc->status.drawn_at)
		resilient_status_clear(ssh, &rc->status, 1);
	if (rc->routes != NULL) {
		pfd[0].fd = routemon_fd(rc->routes);
		pfd[0].events = POLLIN;
	}
	if (rc->move != NULL) {
		pfd[1].fd = ssh_packet_get_connection_in(rc->move);
		if (rc->move_phase == MOVE_CONNECT)
			pfd[1].events = POLLOUT;
		else
			pfd[1].events = POLLIN |
			    (ssh_packet_have_data_to_write(rc->move) ?
			    POLLOUT : 0);
	}
	for (i = 0; i < CONNECTS_MAX; i++) {
		if ((pfd[2 + i].fd = rc->connects[i]) != -1)
			pfd[2 + i].events = POLLOUT;
	}
}

void
resilient_client_after_poll(struct ssh *ssh, const struct pollfd *pfd,
    u_int n)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;
	u_int i;

	if (rs == NULL || (rc = rs->client) == NULL ||
	    n < RESILIENT_CLIENT_NPFD)
		return;
	if (rc->routes != NULL && pfd[0].fd != -1 && pfd[0].revents != 0)
		route_input(rc);
	/* The new connection's own work happens in resilient_client_tick */
	if (rc->move != NULL && pfd[1].fd != -1)
		rc->move_revents |= pfd[1].revents;
	for (i = 0; i < CONNECTS_MAX; i++) {
		if (rc->connects[i] != -1 && pfd[2 + i].fd == rc->connects[i])
			rc->connect_revents[i] |= pfd[2 + i].revents;
	}
}

static const char *
addr_str(const struct sockaddr_storage *ss, socklen_t len, char *buf,
    size_t size)
{
	if (getnameinfo((const struct sockaddr *)ss, len, buf, size, NULL, 0,
	    NI_NUMERICHOST) != 0)
		strlcpy(buf, "?", size);
	return buf;
}

/*
 * A burst of routing events is due: does the connection still have its
 * path?  Compare the source address the kernel would pick now with the
 * connection's own.  Through a ProxyCommand there is no socket to ask
 * about, and nothing to decide.
 */
static void
route_changed(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc = rs->client;
	struct sockaddr_storage local, peer, newsrc;
	socklen_t llen = sizeof(local), plen = sizeof(peer);
	enum routemon_verdict v;
	char a[NI_MAXHOST], b[NI_MAXHOST], why[2 * NI_MAXHOST + 64];
	int fd = ssh_packet_get_connection_in(ssh), r;

	if (rs->detached_since != 0) {
		if (rc->move != NULL)
			return;		/* already on its way */
		/* A new path may have appeared: try now, not after backoff */
		debug_f("routes changed while reconnecting; next attempt now");
		attempt_at(rc, monotime_double());
		return;
	}
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&local, &llen) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 ||
	    (local.ss_family != AF_INET && local.ss_family != AF_INET6)) {
		debug3_f("routes changed; connection is not a socket");
		return;
	}
	memset(&newsrc, 0, sizeof(newsrc));
	if (rc->bound)
		r = routemon_check_bound((struct sockaddr *)&local, llen,
		    (struct sockaddr *)&peer, plen, &v);
	else
		r = routemon_check((struct sockaddr *)&local, llen,
		    (struct sockaddr *)&peer, plen, &v, &newsrc);
	if (r != 0) {
		debug_r(r, "resilient: route check");
		return;
	}
	addr_str(&local, llen, a, sizeof(a));
	if (v == ROUTEMON_SAME) {
		debug_f("routes changed; still from %s", a);
		return;
	}
	if (v == ROUTEMON_GONE) {
		snprintf(why, sizeof(why), "no route from %s any more", a);
		verbose("resilient: %s", why);
		move_free(rc);
		(void)resilient_client_lost(ssh, why);
		return;
	}
	snprintf(why, sizeof(why), "route now from %s, was %s",
	    addr_str(&newsrc, newsrc.ss_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
	    b, sizeof(b)), a);
	verbose("resilient: %s", why);
	if (!rc->make_before_break) {
		(void)resilient_client_lost(ssh, why);
		return;
	}
	if (rc->move != NULL && move_from(rc, &newsrc)) {
		debug_f("already moving to %s", b);
		return;
	}
	/* Build the new connection while the old one carries the session */
	if ((r = move_start(ssh, (struct sockaddr *)&peer, plen)) != 0) {
		verbose_r(r, "resilient: cannot open a new connection");
		(void)resilient_client_lost(ssh, why);
	}
}

/* The destination as the user named it (no address through a proxy) */
static const char *
destination(struct ssh *ssh)
{
	const struct resilient_client *rc = ssh->resilient->client;

	return rc->host != NULL ? rc->host : ssh_remote_ipaddr(ssh);
}

/*
 * Where the user reads about losing and resuming the connection: on a
 * terminal session, the status line; lines logged to stderr would land
 * at the cursor, over what a full-screen program shows.  Elsewhere, as
 * log lines.
 */
static LogLevel
tell_level(struct ssh *ssh)
{
	return resilient_status_capable(ssh) ?
	    SYSLOG_LEVEL_VERBOSE : SYSLOG_LEVEL_INFO;
}

static void
resumed(struct ssh *ssh)
{
	struct resilient_client *rc = ssh->resilient->client;

	resilient_status_clear(ssh, &rc->status, 1);
	do_log2(tell_level(ssh), "Connection to %s resumed after %.1f s.",
	    destination(ssh), monotime_double() - rc->lost_at);
}

/* What the user is told of: the session detached, a probe unanswered */
enum trouble { TROUBLE_NONE, TROUBLE_SILENT, TROUBLE_DETACHED };

static enum trouble
trouble(const struct ssh *ssh, double now)
{
	const struct resilient *rs = ssh->resilient;
	const struct resilient_client *rc = rs->client;

	if (rs->detached_since != 0)
		return TROUBLE_DETACHED;
	if (rc->probe_sent != 0 && now - rc->probe_sent >= STATUS_AFTER_S)
		return TROUBLE_SILENT;
	return TROUBLE_NONE;
}

/*
 * The status line: up while a probe is unanswered or the session is
 * detached, saying how long the server has been silent; down, with the
 * screen redrawn, as soon as anything comes from the server.
 */
static void
status_tick(struct ssh *ssh, double now)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc = rs->client;
	char text[sizeof(rc->status.text)];
	long quiet = (long)(now - rs->last_rx);

	switch (trouble(ssh, now)) {
	case TROUBLE_DETACHED:
		snprintf(text, sizeof(text), "ssh: connection to %s lost; "
		    "reconnecting (last contact %ld s ago)",
		    destination(ssh), quiet);
		resilient_status_show(ssh, &rc->status, text);
		break;
	case TROUBLE_SILENT:
		snprintf(text, sizeof(text), "ssh: no answer from %s%s "
		    "(last contact %ld s ago)", destination(ssh),
		    rc->proxied ? " through the proxy" : "", quiet);
		resilient_status_show(ssh, &rc->status, text);
		break;
	case TROUBLE_NONE:
		resilient_status_clear(ssh, &rc->status, 1);
		break;
	}
	resilient_status_tick(ssh, &rc->status, now);
}

/* Seconds until status_tick has something to do, or -1 */
static double
status_deadline(const struct ssh *ssh, double now)
{
	const struct resilient *rs = ssh->resilient;
	const struct resilient_client *rc = rs->client;
	double due = resilient_status_deadline(&rc->status, now), next = -1;
	double quiet = now - rs->last_rx;

	if (rs->detached_since != 0 || rc->status.drawn_at != 0)
		next = (double)((long)quiet + 1) - quiet;	/* N s ago */
	else if (rc->probe_sent != 0)
		next = MAXIMUM(0, rc->probe_sent + STATUS_AFTER_S - now);
	if (next >= 0 && (due < 0 || next < due))
		due = next;
	return due;
}

/* Leave the connection; the first attempt is due at once */
static void
detach(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc = rs->client;

	if (rs->detached_since == 0) {
		rc->lost_at = monotime_double();
		attempt_at(rc, rc->lost_at);
		rc->attempts = rc->refusals = 0;
		/* a probe of the old connection is answered by no one */
		rc->probe_sent = 0;
		rc->proxy_waits = 0;
	}
	ssh_packet_detach_transport(ssh);
	(void)resilient_detach(ssh);
}

int
resilient_client_lost(struct ssh *ssh, const char *why)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;

	if (rs == NULL || (rc = rs->client) == NULL ||
	    !resilient_resumable(ssh))
		return -1;
	if (rs->detached_since == 0)
		do_log2(tell_level(ssh), "Connection to %s lost (%s); "
		    "reconnecting...", destination(ssh), why);
	detach(ssh);
	return 0;
}

int
resilient_client_reconnect_now(struct ssh *ssh, const char *why)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;

	if (rs == NULL || (rc = rs->client) == NULL ||
	    !resilient_resumable(ssh))
		return SSH_ERR_FEATURE_UNSUPPORTED;
	if (rs->detached_since == 0) {
		if (rc->move != NULL) {
			debug_f("%s; already moving", why);
			return 0;
		}
		/* Keep the connection until the new one resumed the session */
		if (rc->make_before_break && move_here(ssh) == 0) {
			do_log2(tell_level(ssh), "Moving to a new connection "
			    "to %s (%s)...", destination(ssh), why);
			return 0;
		}
		do_log2(tell_level(ssh), "Reconnecting to %s (%s)...",
		    destination(ssh), why);
		detach(ssh);
		return 0;
	}
	/* Already reconnecting: skip what is left of the backoff */
	debug_f("%s; next attempt now", why);
	attempt_at(rc, monotime_double());
	return 0;
}

/* What a failed attempt says about the session's future */
enum failure { FAIL_NETWORK, FAIL_REFUSED, FAIL_LOCAL };

static enum failure
failure_kind(int r)
{
	switch (r) {
	case SSH_ERR_DISCONNECTED:	/* a refusal, in clear */
	case SSH_ERR_NO_KEX_ALG_MATCH:	/* an ordinary KEXINIT, as forgeable */
		return FAIL_REFUSED;
	case SSH_ERR_ALLOC_FAIL:
	case SSH_ERR_INTERNAL_ERROR:
		return FAIL_LOCAL;
	}
	return FAIL_NETWORK;	/* or an answer that failed its MAC */
}

void
resilient_client_refusal(struct ssh *ssh, const char *said)
{
	struct resilient_client *rc;
	const char *prefix = "resilient: ";
	size_t i;

	if (ssh->resilient == NULL || (rc = ssh->resilient->client) == NULL)
		return;
	if (strncmp(said, prefix, strlen(prefix)) == 0)
		said += strlen(prefix);
	/* Only shown, never acted on: it is as unauthenticated as the rest */
	for (i = 0; said[i] != '\0' && i < sizeof(rc->said) - 1; i++)
		rc->said[i] = isprint((u_char)said[i]) ? said[i] : '?';
	rc->said[i] = '\0';
}

/* Would one more refusal now end the session? */
static int
refusal_would_end(const struct resilient_client *rc, double now)
{
	return rc->refusals + 1 >= REFUSALS_FINAL &&
	    rc->refusals > 0 && now - rc->first_refusal >= REFUSALS_GRACE_S;
}

/*
 * The session cannot be resumed: note why, for the last line ssh prints
 * (resilient_client_why), and return r
 */
static int
give_up(struct resilient_client *rc, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rc->why, sizeof(rc->why), fmt, ap);
	va_end(ap);
	debug_f("giving up: %s", rc->why);
	return r;
}

/* SSH_ERR_CONN_TIMEOUT if ResilientTimeout ran out; else 0 */
static int
gave_up(struct resilient_client *rc, double now)
{
	if (rc->timeout == 0 || now - rc->lost_at < rc->timeout)
		return 0;
	return give_up(rc, SSH_ERR_CONN_TIMEOUT,
	    "no reconnect within %d s (ResilientTimeout)", rc->timeout);
}

/*
 * An attempt failed with r: 0 to try again, or r (or a timeout) if the
 * session cannot be resumed.  "last": a refusal now would end it.
 */
static int
attempt_failed(struct ssh *ssh, int r, double now, int last)
{
	struct resilient_client *rc = ssh->resilient->client;
	char said[sizeof(rc->said)];

	/* What the server said applies to this attempt only */
	strlcpy(said, r == SSH_ERR_DISCONNECTED ? rc->said : "", sizeof(said));
	rc->said[0] = '\0';
	switch (failure_kind(r)) {
	case FAIL_LOCAL:
		return give_up(rc, r, "cannot reconnect: %s", ssh_err(r));
	case FAIL_REFUSED:
		if (last && *said != '\0') {
			return give_up(rc, r, "the server refused to resume "
			    "it %u times over %.0f s; it said: %s",
			    rc->refusals + 1, now - rc->first_refusal, said);
		}
		if (last) {
			return give_up(rc, r, "the server refused to resume "
			    "it %u times over %.0f s (ssh -v logs its "
			    "answers)", rc->refusals + 1,
			    now - rc->first_refusal);
		}
		if (rc->refusals++ == 0)
			rc->first_refusal = now;
		verbose("resilient: reconnect refused (%s); trying again, "
		    "since a refusal in clear may be forged", ssh_err(r));
		break;
	case FAIL_NETWORK:
		break;
	}
	return gave_up(rc, now);
}

/* Seconds until the next connect while detached (see RETRY_EVERY_S) */
static double
retry_interval(const struct resilient_client *rc, double now)
{
	double since = now - rc->lost_at, iv = RETRY_EVERY_S;

	if (since >= rc->fast_retry)
		iv = MINIMUM(RETRY_MAX_S, RETRY_EVERY_S +
		    (since - rc->fast_retry) / RETRY_SLOWER_S);
	return iv * (0.5 + arc4random_uniform(1001) / 2000.0);
}

static void
connect_close(struct resilient_client *rc, u_int i)
{
	if (rc->connects[i] != -1)
		close(rc->connects[i]);
	rc->connects[i] = -1;
	rc->connect_revents[i] = 0;
}

static void
connects_close(struct resilient_client *rc)
{
	u_int i;

	for (i = 0; i < CONNECTS_MAX; i++)
		connect_close(rc, i);
}

/*
 * A socket for a new connection to peer, from source if slen is not 0,
 * connecting without waiting: TCP_NODELAY (the handshake's messages go
 * at once), SO_KEEPALIVE if keepalive, close-on-exec.  -1 with errno set
 * if it failed at once.
 */
static int
connect_nowait(const struct sockaddr *peer, socklen_t plen,
    const struct sockaddr *source, socklen_t slen, int keepalive)
{
	int fd, oerrno;

	if ((fd = socket(peer->sa_family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (keepalive)
		(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keepalive,
		    sizeof(keepalive));
	set_nodelay(fd);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || set_nonblock(fd) != 0 ||
	    (slen != 0 && bind(fd, source, slen) == -1) ||
	    (connect(fd, peer, plen) == -1 && errno != EINPROGRESS)) {
		oerrno = errno;
		close(fd);
		errno = oerrno;
		return -1;
	}
	return fd;
}

/* Detached: one more connect to the server, never waiting for it */
static void
connect_start(struct ssh *ssh, double now)
{
	struct resilient_client *rc = ssh->resilient->client;
	u_int i, slot = 0;
	int fd;

	for (i = 0; i < CONNECTS_MAX; i++) {
		if (rc->connects[i] == -1) {
			slot = i;
			break;
		}
		if (rc->connect_started[i] < rc->connect_started[slot])
			slot = i;
	}
	/* All busy: the oldest has waited longest for its SYN's answer */
	connect_close(rc, slot);
	rc->attempts++;
	if ((fd = connect_nowait((struct sockaddr *)&rc->server,
	    rc->server_len, (struct sockaddr *)&rc->source, rc->source_len,
	    rc->keepalive)) == -1) {
		debug_f("attempt %u: connect: %s", rc->attempts,
		    strerror(errno));
		return;
	}
	/* (connected at once or not, poll says when it is writable) */
	rc->connects[slot] = fd;
	rc->connect_started[slot] = now;
	debug_f("reconnect attempt %u", rc->attempts);
}

/*
 * Detached: the first connect to complete carries the reconnect
 * handshake (as a move, move_tick); the others are closed then.
 */
static void
connects_tick(struct ssh *ssh, double now)
{
	struct resilient_client *rc = ssh->resilient->client;
	socklen_t len;
	u_int i;
	int err;

	for (i = 0; i < CONNECTS_MAX && rc->move == NULL; i++) {
		if (rc->connects[i] == -1)
			continue;
		if (rc->connect_revents[i] == 0) {
			if (now - rc->connect_started[i] >= rc->attempt_timeout)
				connect_close(rc, i);
			continue;
		}
		rc->connect_revents[i] = 0;
		err = 0;
		len = sizeof(err);
		if (getsockopt(rc->connects[i], SOL_SOCKET, SO_ERROR, &err,
		    &len) != 0 || err != 0) {
			debug_f("connect: %s", strerror(err != 0 ? err : errno));
			connect_close(rc, i);
			continue;
		}
		/* (on failure, ssh_packet_set_connection frees its own) */
		if ((rc->move = ssh_packet_set_connection(NULL,
		    rc->connects[i], rc->connects[i])) == NULL) {
			connect_close(rc, i);
			continue;
		}
		debug_f("connected after %.0f ms; resuming",
		    (now - rc->connect_started[i]) * 1000);
		rc->connects[i] = -1;
		rc->move_phase = MOVE_BANNER;
		rc->move_started = now;
		rc->move_revents = 0;
	}
	if (rc->move != NULL)
		connects_close(rc);
}

/*
 * On the new connection att, whose version strings are exchanged, offer
 * to resume live: a KEXINIT listing only the resilient method, then the
 * RECONNECT (sent by resilient_kex_start).
 */
static int
attempt_begin(struct ssh *att, struct ssh *live)
{
	char **prop = NULL;
	int r;

	ssh_packet_set_nonblocking(att);
	if ((r = kex_buf2prop(live->kex->my, NULL, &prop)) != 0)
		return r;
	if ((r = kex_ready(att, prop)) == 0 &&
	    (r = resilient_attempt_client(att, live)) == 0)
		r = kex_send_kexinit(att);
	kex_proposal_free_entries(prop);
	free(prop);
	return r;
}

static void
move_free(struct resilient_client *rc)
{
	resilient_connection_free(rc->move);
	rc->move = NULL;
	rc->move_revents = 0;
}

/* Is the new connection leaving from the address src? */
static int
move_from(const struct resilient_client *rc,
    const struct sockaddr_storage *src)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
	const struct sockaddr_in *b = (const struct sockaddr_in *)src;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)src;

	if (getsockname(ssh_packet_get_connection_in(rc->move),
	    (struct sockaddr *)&ss, &len) != 0 ||
	    ss.ss_family != src->ss_family)
		return 0;
	if (ss.ss_family == AF_INET)
		return a->sin_addr.s_addr == b->sin_addr.s_addr;
	if (ss.ss_family == AF_INET6)
		return memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	return 0;
}

/*
 * Make before break: the route to the server changed, but the old path
 * may still work.  Open a connection to the same server address, which
 * the kernel now routes the new way, without blocking; the session
 * stays on the old connection until the new one has proved the session
 * (move_tick).  TCPKeepAlive is copied from the old connection.
 */
static int
move_start(struct ssh *ssh, const struct sockaddr *peer, socklen_t plen)
{
	struct resilient_client *rc = ssh->resilient->client;
	socklen_t len;
	int fd, on = 0;

	move_free(rc);
	len = sizeof(on);
	if (getsockopt(ssh_packet_get_connection_in(ssh), SOL_SOCKET,
	    SO_KEEPALIVE, &on, &len) != 0)
		on = 0;
	if ((fd = connect_nowait(peer, plen, NULL, 0, on)) == -1)
		return SSH_ERR_SYSTEM_ERROR;
	/* (on failure, ssh_packet_set_connection frees what it allocated) */
	if ((rc->move = ssh_packet_set_connection(NULL, fd, fd)) == NULL) {
		close(fd);
		return SSH_ERR_ALLOC_FAIL;
	}
	rc->move_phase = MOVE_CONNECT;
	rc->move_started = monotime_double();
	rc->move_revents = 0;
	debug_f("opening a new connection to %s",
	    ssh_remote_ipaddr(ssh));
	return 0;
}

/* Make before break to the server this connection reaches */
static int
move_here(struct ssh *ssh)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);

	if (getpeername(ssh_packet_get_connection_in(ssh),
	    (struct sockaddr *)&peer, &plen) != 0 ||
	    (peer.ss_family != AF_INET && peer.ss_family != AF_INET6))
		return SSH_ERR_FEATURE_UNSUPPORTED;	/* a ProxyCommand */
	return move_start(ssh, (struct sockaddr *)&peer, plen);
}

/*
 * A rekey on the current connection completed: its NEWKEYS tells the
 * server that the client stays there, so a move in progress is given
 * up (PROTOCOL.resilient 4.2) and started anew once the rekey is over.
 */
void
resilient_client_rekeyed(struct ssh *ssh)
{
	struct resilient_client *rc = ssh->resilient->client;

	if (rc == NULL || rc->move == NULL)
		return;
	verbose("resilient: a key exchange completed on the current "
	    "connection; opening the new one again");
	move_free(rc);
	rc->move_again = 1;
}

/* Work on the new connection as poll allows, never waiting */
static int
move_io(struct ssh *ssh)
{
	struct resilient_client *rc = ssh->resilient->client;
	struct ssh *mv = rc->move;
	int fd = ssh_packet_get_connection_in(mv), err = 0, r;
	socklen_t len = sizeof(err);
	short ev = rc->move_revents;

	rc->move_revents = 0;
	switch (rc->move_phase) {
	case MOVE_CONNECT:
		if (ev == 0)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			return SSH_ERR_SYSTEM_ERROR;
		if (err != 0) {
			errno = err;
			return SSH_ERR_SYSTEM_ERROR;
		}
		rc->move_phase = MOVE_BANNER;
		return 0;
	case MOVE_BANNER:
		/*
		 * The server speaks first: once its version string has
		 * arrived, exchanging ours does not wait on the network.
		 */
		if (ev == 0)
			return 0;
		if ((r = kex_exchange_identification(mv,
		    rc->attempt_timeout * 1000, rc->version_addendum)) != 0 ||
		    (r = attempt_begin(mv, ssh)) != 0)
			return r;
		rc->move_phase = MOVE_KEX;
		break;
	case MOVE_KEX:
		if ((ev & (POLLIN|POLLHUP|POLLERR)) != 0 &&
		    (r = ssh_packet_process_read(mv, fd)) != 0 &&
		    (r != SSH_ERR_SYSTEM_ERROR || (errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR)))
			return r;
		if ((r = ssh_dispatch_run(mv, DISPATCH_NONBLOCK,
		    &mv->kex->done)) != 0)
			return r;
		break;
	}
	return ssh_packet_write_poll(mv);
}

/*
 * The new connection failed; the old one, if any, is still the session's.
 * Detached, 0 to try again, or why the session cannot be resumed.
 */
static int
move_failed(struct ssh *ssh, int r, double now, int last)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc = rs->client;

	move_free(rc);
	if (rs->detached_since != 0) {
		debug_r(r, "resilient: new connection");
		if ((r = attempt_failed(ssh, r, now, last)) != 0)
			return r;
		rc->next_attempt = rc->server_len != 0 ?
		    now + retry_interval(rc, now) : now;
		return 0;
	}
	if (rc->probe_timeout != 0) {
		/* The old path may still work: keep it if it answers */
		verbose_r(r, "resilient: new connection failed; probing the "
		    "old one");
		rc->probe_now = 1;
		return 0;
	}
	verbose_r(r, "resilient: new connection failed");
	(void)resilient_client_lost(ssh, "new path failed");
	return 0;
}

static int
move_tick(struct ssh *ssh, double now)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc = rs->client;
	struct ssh *mv = rc->move;
	LogLevel level = log_level_get();
	double took;
	int r, detached = rs->detached_since != 0, last, quiet;

	if (mv == NULL)
		return 0;
	/* As attempt() does: a detached session's failures are reported once */
	last = detached && refusal_would_end(rc, now);
	quiet = detached && !last && level < SYSLOG_LEVEL_DEBUG1;
	if (quiet)
		log_change_level(SYSLOG_LEVEL_FATAL);
	r = move_io(ssh);
	if (quiet)
		log_change_level(level);
	if (r == 0 && rc->move_phase == MOVE_KEX && mv->kex->done) {
		if (!resilient_attempt_verified(mv))
			r = SSH_ERR_PROTOCOL_ERROR;
		else if ((r = resilient_adopt(ssh, mv)) == 0) {
			ssh_packet_set_nonblocking(ssh);
			took = monotime_double() - rc->move_started;
			move_free(rc);		/* closes the old connection */
			connects_close(rc);
			rc->next_attempt = 0;
			if (detached)
				resumed(ssh);
			verbose("resilient: moved to %s port %d in %.0f ms",
			    ssh_local_ipaddr(ssh), ssh_local_port(ssh),
			    took * 1000);
			return 0;
		}
	}
	if (r == 0 && now - rc->move_started < rc->attempt_timeout)
		return 0;
	return move_failed(ssh, r == 0 ? SSH_ERR_CONN_TIMEOUT : r, now, last);
}

/* Wait at most timeout_ms for the server to send something */
static int
server_spoke(struct ssh *att, int timeout_ms)
{
	struct pollfd pfd;
	int n;

	pfd.fd = ssh_packet_get_connection_in(att);
	pfd.events = POLLIN;
	while ((n = poll(&pfd, 1, timeout_ms)) == -1 && errno == EINTR)
		;
	if (n == -1)
		return SSH_ERR_SYSTEM_ERROR;
	return n == 0 ? SSH_ERR_CONN_TIMEOUT : 0;
}

/*
 * One reconnect attempt; 0 once the session runs on a new connection.
 * "last": a refusal would end the session, so let its errors show.
 */
static int
attempt(struct ssh *live, int last)
{
	struct resilient *rs = live->resilient;
	struct resilient_client *rc = rs->client;
	struct ssh *att = NULL;
	LogLevel level = log_level_get();
	double left;
	int r, quiet, secs = rc->attempt_timeout, timeout_ms, oerrno;

	/* No attempt outlasts ResilientTimeout by more than a second */
	left = rc->timeout - (monotime_double() - rc->lost_at);
	if (rc->timeout != 0 && left < secs)
		secs = MAXIMUM((int)left + 1, 1);
	timeout_ms = secs * 1000;

	if ((att = ssh_alloc_session_state()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	/*
	 * Failed attempts are expected while the network is away, and a
	 * refusal may be retried: unless debugging, keep their errors off
	 * the terminal, but for an attempt whose refusal would be final.
	 * The outcome is reported once by the caller.
	 */
	quiet = level < SYSLOG_LEVEL_DEBUG1 && !last;
	if (quiet)
		log_change_level(SYSLOG_LEVEL_FATAL);
	if (rc->connect(att, rc->ctx) != 0)
		r = SSH_ERR_SYSTEM_ERROR;
	else {
		ssh_packet_set_timeout(att, secs, 1);
		/*
		 * The server speaks first: once its version string is here,
		 * ours and the KEXINIT leave together, a round trip saved.
		 */
		if (ssh_packet_connection_is_on_socket(att))
			set_nodelay(ssh_packet_get_connection_in(att));
		if ((r = server_spoke(att, timeout_ms)) == 0)
			r = kex_exchange_identification(att, timeout_ms,
			    rc->version_addendum);
	}
	if (r == 0 && (r = attempt_begin(att, live)) == 0)
		r = ssh_dispatch_run(att, DISPATCH_BLOCK, &att->kex->done);
	if (quiet)
		log_change_level(level);
	if (r != 0)
		goto out;
	if (!resilient_attempt_verified(att)) {
		r = SSH_ERR_PROTOCOL_ERROR;
		goto out;
	}
	if ((r = resilient_adopt(live, att)) != 0)
		goto out;
	ssh_packet_set_nonblocking(live);
 out:
	/* (a failed connect's errno, for the caller's ssh_err(r)) */
	oerrno = errno;
	resilient_connection_free(att);
	errno = oerrno;
	return r;
}

static int
client_tick(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc = rs->client;
	double now;
	int r, fr, last;

	if (rc->routes != NULL && routemon_take_event(rc->routes, now_ms()))
		route_changed(ssh);
	now = monotime_double();
	if (rc->move_again && rc->move == NULL && rs->detached_since == 0 &&
	    !ssh_packet_is_rekeying(ssh)) {
		rc->move_again = 0;
		if ((r = move_here(ssh)) != 0)
			verbose_r(r, "resilient: cannot open a new connection");
	}
	if ((r = move_tick(ssh, now)) != 0)
		return r;
	probe_tick(ssh, now);
	if (rs->detached_since == 0)
		return 0;
	now = monotime_double();	/* the move may have taken a while */
	if ((r = gave_up(rc, now)) != 0)
		return r;
	if (rc->server_len != 0) {
		/* Straight to the server, without ever waiting */
		connects_tick(ssh, now);
		if (rc->move == NULL && now >= rc->next_attempt) {
			connect_start(ssh, now);
			rc->next_attempt = now + retry_interval(rc, now);
		}
		return 0;
	}
	if (rc->move != NULL || now < rc->next_attempt)
		return 0;
	rc->attempts++;
	debug_f("reconnect attempt %u", rc->attempts);
	last = refusal_would_end(rc, now);
	if ((r = attempt(ssh, last)) == 0) {
		resumed(ssh);
		rc->next_attempt = 0;
		return 0;
	}
	now = monotime_double();
	if ((fr = attempt_failed(ssh, r, now, last)) != 0)
		return fr;
	debug_f("attempt %u failed: %s; next in %d ms", rc->attempts,
	    ssh_err(r), rc->backoff_ms);
	rc->next_attempt = now + rc->backoff_ms / 1000.0;
	rc->backoff_ms = MINIMUM(rc->backoff_ms * 2, BACKOFF_MAX_MS);
	return 0;
}

int
resilient_client_tick(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;
	int r;

	if (rs == NULL || (rc = rs->client) == NULL)
		return 0;
	resilient_stamp(ssh);
	/* Before an attempt that may block (through a proxy), and after */
	if (rs->detached_since != 0 && rc->server_len == 0)
		status_tick(ssh, monotime_double());
	if ((r = client_tick(ssh)) != 0) {
		resilient_status_clear(ssh, &rc->status, 0);
		rc->given_up = 1;
		return r;
	}
	status_tick(ssh, monotime_double());
	return 0;
}

int
resilient_client_detached(struct ssh *ssh)
{
	const struct resilient *rs = ssh->resilient;

	return rs != NULL && rs->client != NULL && rs->detached_since != 0;
}

int
resilient_client_state(struct ssh *ssh, char *buf, size_t len)
{
	const struct resilient *rs = ssh->resilient;
	const struct resilient_client *rc;
	double now = monotime_double();

	if (rs == NULL || (rc = rs->client) == NULL ||
	    !resilient_resumable(ssh))
		return -1;
	switch (trouble(ssh, now)) {
	case TROUBLE_DETACHED:
		snprintf(buf, len, "connection to %s lost %.0f s ago; "
		    "reconnecting", destination(ssh), now - rc->lost_at);
		break;
	case TROUBLE_SILENT:
		snprintf(buf, len, "connected to %s, but no answer for "
		    "%.0f s", destination(ssh), now - rs->last_rx);
		break;
	case TROUBLE_NONE:
		snprintf(buf, len, "connected to %s", destination(ssh));
		break;
	}
	return 0;
}

const char *
resilient_client_why(struct ssh *ssh, int r)
{
	const struct resilient *rs = ssh->resilient;

	if (rs != NULL && rs->client != NULL && rs->client->why[0] != '\0')
		return rs->client->why;
	return ssh_err(r);
}

/*
 * The user ends ssh (~., "ssh -O exit", the last multiplexed client of a
 * master that does not persist) while the session is detached.  Without
 * a word from ssh the server would keep it until its ResilientTimeout,
 * so, for a few seconds at most, try to resume it, only to close it:
 * the caller's DISCONNECT then goes out over the new connection.
 */
void
resilient_client_close(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_client *rc;
	struct pollfd pfd[RESILIENT_CLIENT_NPFD];
	double now, end;
	int ms;
	u_int n = 0;

	if (rs == NULL || (rc = rs->client) == NULL)
		return;
	resilient_status_clear(ssh, &rc->status, 0);
	if (rs->detached_since == 0 || rc->given_up ||
	    !resilient_resumable(ssh))
		return;
	logit("Ending the session on %s: reconnecting for %d s at most...",
	    destination(ssh), CLOSE_S);
	now = monotime_double();
	end = now + CLOSE_S;
	attempt_at(rc, now);
	rc->attempt_timeout = MINIMUM(rc->attempt_timeout, CLOSE_S);
	while (rs->detached_since != 0 && (now = monotime_double()) < end &&
	    n++ < CLOSE_PASSES_MAX) {
		resilient_stamp(ssh);
		if (client_tick(ssh) != 0 || rs->detached_since == 0)
			break;
		resilient_client_prepare_poll(ssh, pfd, RESILIENT_CLIENT_NPFD);
		ms = resilient_client_deadline_ms(ssh);
		if (ms < 0 || ms > (end - now) * 1000)
			ms = (int)((end - now) * 1000) + 1;
		if (poll(pfd, RESILIENT_CLIENT_NPFD, ms) == -1 &&
		    errno != EINTR)
			break;
		resilient_client_after_poll(ssh, pfd, RESILIENT_CLIENT_NPFD);
	}
	if (rs->detached_since != 0)
		logit("Could not reach %s to end the session there; the "
		    "server ends it after its ResilientTimeout.",
		    destination(ssh));
	else
		debug_f("resumed, to end the session");
}

int
resilient_client_deadline_ms(const struct ssh *ssh)
{
	const struct resilient *rs = ssh->resilient;
	const struct resilient_client *rc;
	double left, now;
	int ms = -1, rms;
	u_int i;

	if (rs == NULL || (rc = rs->client) == NULL)
		return -1;
	now = monotime_double();
	if (rc->move != NULL) {
		left = rc->move_started + rc->attempt_timeout - now;
		ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
	} else if (rs->detached_since != 0) {
		left = rc->next_attempt - now;
		for (i = 0; i < CONNECTS_MAX; i++) {
			if (rc->connects[i] != -1 && rc->connect_started[i] +
			    rc->attempt_timeout - now < left)
				left = rc->connect_started[i] +
				    rc->attempt_timeout - now;
		}
		if (rc->timeout != 0 && rc->lost_at + rc->timeout - now < left)
			left = rc->lost_at + rc->timeout - now;
		ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
	}
	if (rc->routes != NULL && (rms = routemon_deadline_ms(rc->routes,
	    (uint64_t)(now * 1000.0))) >= 0 && (ms == -1 || rms < ms))
		ms = rms;
	if ((left = probe_deadline(ssh, now)) >= 0) {
		rms = (int)(left * 1000) + 1;
		if (ms == -1 || rms < ms)
			ms = rms;
	}
	if ((left = status_deadline(ssh, now)) >= 0) {
		rms = (int)(left * 1000) + 1;
		if (ms == -1 || rms < ms)
			ms = rms;
	}
	return ms;
}
