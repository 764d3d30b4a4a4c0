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
 * Routing-socket monitor, BSD backend (OpenBSD, FreeBSD, NetBSD,
 * DragonFly, macOS): a PF_ROUTE socket, which receives every routing
 * message the kernel sends.
 *
 * Every kind of routing message (rt_msghdr, if_msghdr, ifa_msghdr,
 * if_announcemsghdr) starts with the same three fields: its length (u_short,
 * host order), the interface version and its type, whose values for the
 * types used here go back to 4.4BSD and are the same on all of them.  The
 * parser reads nothing else, so it is built and tested everywhere; only
 * the socket is BSD's.
 *
 * What counts as an event: RTM_ADD, RTM_DELETE, RTM_CHANGE and
 * RTM_REDIRECT (routes), RTM_NEWADDR and RTM_DELADDR (addresses),
 * RTM_IFINFO (link state and flags), RTM_IFANNOUNCE where the system has
 * it (interfaces coming and going), and a receive buffer overrun (ENOBUFS:
 * notifications were lost, so assume a change).  Ignored: replies to
 * requests (RTM_GET; we send none), lookups that failed (RTM_MISS),
 * neighbour resolution (RTM_RESOLVE), other and unknown types, and
 * messages of another interface version.  A malformed buffer is logged;
 * the events before the bad message stay noted.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "misc.h"
#include "ssherr.h"
#include "routemon.h"

#ifdef ROUTEMON_BSD
# include <net/if.h>
# include <net/route.h>
#endif

/* The common start of every routing message */
struct rtm_prefix {
	u_short	msglen;
	u_char	version;
	u_char	type;
};

/* 4.4BSD's numbers, which every BSD and macOS kept */
#define RTMSG_ADD	0x1
#define RTMSG_DELETE	0x2
#define RTMSG_CHANGE	0x3
#define RTMSG_REDIRECT	0x6
#define RTMSG_NEWADDR	0xc
#define RTMSG_DELADDR	0xd
#define RTMSG_IFINFO	0xe

#ifdef ROUTEMON_BSD
/* Fail the build where a system numbers them otherwise */
typedef char routemon_rtm_numbers_match[
    (RTM_ADD == RTMSG_ADD && RTM_DELETE == RTMSG_DELETE &&
    RTM_CHANGE == RTMSG_CHANGE && RTM_REDIRECT == RTMSG_REDIRECT &&
    RTM_NEWADDR == RTMSG_NEWADDR && RTM_DELADDR == RTMSG_DELADDR &&
    RTM_IFINFO == RTMSG_IFINFO) ? 1 : -1];
#endif

static int
rtm_relevant(u_int type)
{
	switch (type) {
	case RTMSG_ADD:
	case RTMSG_DELETE:
	case RTMSG_CHANGE:
	case RTMSG_REDIRECT:
	case RTMSG_NEWADDR:
	case RTMSG_DELADDR:
	case RTMSG_IFINFO:
		return 1;
	}
#if defined(ROUTEMON_BSD) && defined(RTM_IFANNOUNCE)
	if (type == RTM_IFANNOUNCE)
		return 1;
#endif
	return 0;
}

int
routemon_parse_rtsock(struct routemon *rm, const u_char *buf, size_t len,
    u_int version, uint64_t now_ms)
{
	struct rtm_prefix h;
	size_t off = 0;

	if (rm == NULL || (buf == NULL && len != 0))
		return SSH_ERR_INVALID_ARGUMENT;
	while (off < len) {
		if (len - off < sizeof(h)) {
			debug_f("truncated header at %zu/%zu", off, len);
			return SSH_ERR_INVALID_FORMAT;
		}
		memcpy(&h, buf + off, sizeof(h));
		if (h.msglen < sizeof(h) || h.msglen > len - off) {
			debug_f("bad length %u at %zu/%zu", (u_int)h.msglen,
			    off, len);
			return SSH_ERR_INVALID_FORMAT;
		}
		if (h.version != version)
			debug3_f("ignoring version %u message",
			    (u_int)h.version);
		else if (rtm_relevant(h.type)) {
			debug3_f("event type %u", (u_int)h.type);
			routemon_note(rm, now_ms);
		}
		off += h.msglen;
	}
	return 0;
}

#ifdef ROUTEMON_BSD

#define ROUTEMON_RT_BUFSZ	8192	/* one message; theirs are < 2 KiB */
#define ROUTEMON_RT_MAXREADS	64	/* messages per routemon_read() */

int
routemon_sys_open(int *fdp)
{
	int fd, r;
#ifdef ROUTE_MSGFILTER
	unsigned int filter = ROUTE_FILTER(RTM_ADD) |
	    ROUTE_FILTER(RTM_DELETE) | ROUTE_FILTER(RTM_CHANGE) |
	    ROUTE_FILTER(RTM_REDIRECT) | ROUTE_FILTER(RTM_NEWADDR) |
	    ROUTE_FILTER(RTM_DELADDR) | ROUTE_FILTER(RTM_IFINFO) |
	    ROUTE_FILTER(RTM_IFANNOUNCE);
#endif

	*fdp = -1;
	if ((fd = socket(PF_ROUTE, SOCK_RAW, AF_UNSPEC)) == -1) {
		debug_f("socket: %s", strerror(errno));
		return errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT ?
		    SSH_ERR_FEATURE_UNSUPPORTED : SSH_ERR_SYSTEM_ERROR;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || set_nonblock(fd) != 0) {
		debug_f("fcntl: %s", strerror(errno));
		r = SSH_ERR_SYSTEM_ERROR;
		close(fd);
		return r;
	}
#ifdef ROUTE_MSGFILTER
	/* OpenBSD: wake up only for what counts */
	if (setsockopt(fd, AF_ROUTE, ROUTE_MSGFILTER, &filter,
	    sizeof(filter)) == -1)
		debug_f("ROUTE_MSGFILTER: %s", strerror(errno));
#endif
	*fdp = fd;
	return 0;
}

int
routemon_sys_read(struct routemon *rm, int fd, uint64_t now_ms)
{
	u_char buf[ROUTEMON_RT_BUFSZ];
	ssize_t len;
	int i, r;

	for (i = 0; i < ROUTEMON_RT_MAXREADS; i++) {
		if ((len = read(fd, buf, sizeof(buf))) == -1) {
			if ((r = routemon_read_failed(rm, "read", now_ms)) > 0)
				continue;
			return r;
		}
		if (len == 0)
			return SSH_ERR_CONN_CLOSED;
		if ((r = routemon_parse_rtsock(rm, buf, len, RTM_VERSION,
		    now_ms)) != 0) {
			/* e.g. cut short by our buffer: assume a change */
			debug_fr(r, "parse");
			routemon_note(rm, now_ms);
		}
	}
	/* More may be pending: the fd stays readable for the next poll */
	return 0;
}

#endif /* ROUTEMON_BSD */
