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
 * Routing-socket monitor, platform-independent part: the monitor object,
 * debouncing of event bursts, and the source-address decision.  The kernel
 * socket itself belongs to a backend (routemon-linux.c, routemon-bsd.c,
 * routemon-stub.c).
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ssherr.h"
#include "routemon.h"

/*
 * A burst is pending while "pending" is set; first_ms is the time of its
 * first event and last_ms that of its latest.  It is due at
 * min(last_ms + ROUTEMON_DEBOUNCE_MS, first_ms + ROUTEMON_DEBOUNCE_MAX_MS).
 */
struct routemon {
	int fd;			/* kernel socket or -1 */
	int pending;		/* a burst awaits evaluation */
	uint64_t first_ms;	/* first event of the pending burst */
	uint64_t last_ms;	/* latest event of the pending burst */
	u_int nevents;		/* relevant events noted, ever */
};

struct routemon *
routemon_new(void)
{
	struct routemon *rm;

	if ((rm = calloc(1, sizeof(*rm))) == NULL)
		return NULL;
	rm->fd = -1;
	return rm;
}

int
routemon_open(struct routemon **rmp)
{
	struct routemon *rm = NULL;
	int r = SSH_ERR_INTERNAL_ERROR;

	if (rmp == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	*rmp = NULL;
	if ((rm = routemon_new()) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((r = routemon_sys_open(&rm->fd)) != 0)
		goto out;
	debug3_f("monitoring routes on fd %d", rm->fd);
	*rmp = rm;
	rm = NULL;
	r = 0;
 out:
	routemon_free(rm);
	return r;
}

void
routemon_free(struct routemon *rm)
{
	if (rm == NULL)
		return;
	if (rm->fd != -1)
		close(rm->fd);
	free(rm);
}

int
routemon_fd(const struct routemon *rm)
{
	return rm == NULL ? -1 : rm->fd;
}

int
routemon_read(struct routemon *rm, uint64_t now_ms)
{
	if (rm == NULL || rm->fd == -1)
		return SSH_ERR_INVALID_ARGUMENT;
	return routemon_sys_read(rm, rm->fd, now_ms);
}

void
routemon_note(struct routemon *rm, uint64_t now_ms)
{
	if (!rm->pending) {
		rm->pending = 1;
		rm->first_ms = rm->last_ms = now_ms;
	} else if (now_ms > rm->last_ms)
		rm->last_ms = now_ms;
	rm->nevents++;
}

int
routemon_read_failed(struct routemon *rm, const char *what, uint64_t now_ms)
{
	if (errno == EINTR)
		return 1;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	if (errno == ENOBUFS) {
		/* The kernel dropped notifications: assume a change */
		debug_f("receive buffer overrun");
		routemon_note(rm, now_ms);
		return 1;
	}
	debug_f("%s: %s", what, strerror(errno));
	return SSH_ERR_SYSTEM_ERROR;
}

static uint64_t
routemon_due(const struct routemon *rm)
{
	uint64_t quiet, cap;

	quiet = rm->last_ms + ROUTEMON_DEBOUNCE_MS;
	cap = rm->first_ms + ROUTEMON_DEBOUNCE_MAX_MS;
	return quiet < cap ? quiet : cap;
}

int
routemon_deadline_ms(const struct routemon *rm, uint64_t now_ms)
{
	uint64_t due;

	if (rm == NULL || !rm->pending)
		return -1;
	if ((due = routemon_due(rm)) <= now_ms)
		return 0;
	/* Only a clock that went backwards could exceed the cap */
	if (due - now_ms > ROUTEMON_DEBOUNCE_MAX_MS)
		return ROUTEMON_DEBOUNCE_MAX_MS;
	return (int)(due - now_ms);
}

int
routemon_take_event(struct routemon *rm, uint64_t now_ms)
{
	if (rm == NULL || !rm->pending || routemon_due(rm) > now_ms)
		return 0;
	debug3_f("burst of %llu ms due",
	    (unsigned long long)(rm->last_ms - rm->first_ms));
	rm->pending = 0;
	return 1;
}

u_int
routemon_nevents(const struct routemon *rm)
{
	return rm == NULL ? 0 : rm->nevents;
}

/* Is sa an AF_INET or AF_INET6 address of at least its family's size? */
static int
sa_valid(const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL || len < (socklen_t)sizeof(sa->sa_family))
		return 0;
	switch (sa->sa_family) {
	case AF_INET:
		return len >= (socklen_t)sizeof(struct sockaddr_in);
	case AF_INET6:
		return len >= (socklen_t)sizeof(struct sockaddr_in6);
	}
	return 0;
}

/* Compare addresses, not ports; scopes matter only when both are set */
static int
sa_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;

	if (a->sa_family != b->sa_family)
		return 0;
	switch (a->sa_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		if (memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) != 0)
			return 0;
		return a6->sin6_scope_id == 0 || b6->sin6_scope_id == 0 ||
		    a6->sin6_scope_id == b6->sin6_scope_id;
	}
	return 0;
}

static int
sa_unspecified(const struct sockaddr *sa)
{
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;

	switch (sa->sa_family) {
	case AF_INET:
		s4 = (const struct sockaddr_in *)sa;
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	case AF_INET6:
		s6 = (const struct sockaddr_in6 *)sa;
		return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
	}
	return 1;
}

/*
 * A UDP connect() to the peer failed: GONE if for want of a route (or,
 * from a bound loopback address, EINVAL), else SSH_ERR_SYSTEM_ERROR
 */
static int
connect_failed(enum routemon_verdict *verdictp)
{
	switch (errno) {
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EADDRNOTAVAIL:
	case ENETDOWN:
	case EINVAL:
		debug_f("no route to the peer: %s", strerror(errno));
		*verdictp = ROUTEMON_GONE;
		return 0;
	}
	return SSH_ERR_SYSTEM_ERROR;
}

/*
 * Ask the kernel which source address it would pick for peer now: connect
 * a UDP socket (this sends nothing) and read back its local address.
 * SAME: the address of local (ports are ignored).  CHANGED: another one,
 * returned in newsrc.  GONE: no source at all, the peer is unreachable now
 * (the caller should wait for the next event rather than reconnect).
 * newsrc may be NULL; it is zeroed unless the verdict is SAME or CHANGED.
 * Only socket(), connect(), getsockname() and close() are used, so that
 * tests can intercept them.
 */
int
routemon_check(const struct sockaddr *local, socklen_t locallen,
    const struct sockaddr *peer, socklen_t peerlen,
    enum routemon_verdict *verdictp, struct sockaddr_storage *newsrc)
{
	struct sockaddr_storage src;
	socklen_t srclen = sizeof(src);
	enum routemon_verdict verdict;
	char old[NI_MAXHOST], new[NI_MAXHOST];
	int fd = -1, r = SSH_ERR_INTERNAL_ERROR;

	if (newsrc != NULL)
		memset(newsrc, 0, sizeof(*newsrc));
	if (verdictp == NULL || !sa_valid(local, locallen) ||
	    !sa_valid(peer, peerlen) || local->sa_family != peer->sa_family)
		return SSH_ERR_INVALID_ARGUMENT;
	memset(&src, 0, sizeof(src));

	if ((fd = socket(peer->sa_family, SOCK_DGRAM, 0)) == -1) {
		debug_f("socket: %s", strerror(errno));
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	if (connect(fd, peer, peerlen) == -1) {
		if ((r = connect_failed(verdictp)) != 0)
			debug_f("connect: %s", strerror(errno));
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&src, &srclen) == -1) {
		debug_f("getsockname: %s", strerror(errno));
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	if (srclen > (socklen_t)sizeof(src) ||
	    !sa_valid((struct sockaddr *)&src, srclen) ||
	    src.ss_family != peer->sa_family) {
		debug_f("unexpected source address (family %d, len %u)",
		    (int)src.ss_family, (u_int)srclen);
		r = SSH_ERR_INTERNAL_ERROR;
		goto out;
	}
	if (sa_unspecified((struct sockaddr *)&src)) {
		debug_f("kernel has no source address for peer");
		*verdictp = ROUTEMON_GONE;
		r = 0;
		goto out;
	}
	if (sa_same_addr(local, (struct sockaddr *)&src))
		verdict = ROUTEMON_SAME;
	else {
		verdict = ROUTEMON_CHANGED;
		if (getnameinfo(local, locallen, old, sizeof(old), NULL, 0,
		    NI_NUMERICHOST) != 0)
			strlcpy(old, "?", sizeof(old));
		if (getnameinfo((struct sockaddr *)&src, srclen, new,
		    sizeof(new), NULL, 0, NI_NUMERICHOST) != 0)
			strlcpy(new, "?", sizeof(new));
		debug_f("source address changed from %s to %s", old, new);
	}
	if (newsrc != NULL)
		memcpy(newsrc, &src, sizeof(*newsrc));
	*verdictp = verdict;
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	return r;
}

/*
 * For a connection bound to its source address (BindAddress or
 * BindInterface): other addresses and routes do not concern it, only
 * whether the bound address still exists and still reaches the peer.
 * SAME or GONE.
 */
int
routemon_check_bound(const struct sockaddr *local, socklen_t locallen,
    const struct sockaddr *peer, socklen_t peerlen,
    enum routemon_verdict *verdictp)
{
	struct sockaddr_storage src;
	int fd = -1, r = SSH_ERR_INTERNAL_ERROR;

	if (verdictp == NULL || !sa_valid(local, locallen) ||
	    !sa_valid(peer, peerlen) || local->sa_family != peer->sa_family ||
	    locallen > (socklen_t)sizeof(src))
		return SSH_ERR_INVALID_ARGUMENT;
	/* The bound address, on any port */
	memset(&src, 0, sizeof(src));
	memcpy(&src, local, locallen);
	if (src.ss_family == AF_INET)
		((struct sockaddr_in *)&src)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&src)->sin6_port = 0;
	if ((fd = socket(peer->sa_family, SOCK_DGRAM, 0)) == -1) {
		debug_f("socket: %s", strerror(errno));
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	*verdictp = ROUTEMON_SAME;
	r = 0;
	if (bind(fd, (struct sockaddr *)&src, locallen) == -1) {
		if (errno != EADDRNOTAVAIL) {
			debug_f("bind: %s", strerror(errno));
			r = SSH_ERR_SYSTEM_ERROR;
		} else {
			debug_f("bound address gone");
			*verdictp = ROUTEMON_GONE;
		}
		goto out;
	}
	if (connect(fd, peer, peerlen) == -1 &&
	    (r = connect_failed(verdictp)) != 0)
		debug_f("connect: %s", strerror(errno));
 out:
	if (fd != -1)
		close(fd);
	return r;
}
