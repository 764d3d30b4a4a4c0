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
 * Routing-socket monitor, Linux backend: an rtnetlink socket subscribed to
 * link, address and route notifications.
 *
 * What counts as an event:
 *  - RTM_NEWLINK/DELLINK, RTM_NEWADDR/DELADDR and RTM_NEWROUTE/DELROUTE,
 *    for any interface, address family and routing table.  Routes are not
 *    filtered by table: policy routing (VPN clients such as wg-quick, or
 *    per-link tables) puts the routes that decide the source address in
 *    tables other than main, and a spurious event costs only one
 *    routemon_check().
 *  - except RTM_NEWLINK carrying IFLA_WIRELESS: wireless extension events
 *    (scan results, association notices) that cfg80211 sends to the link
 *    group; real link state changes come as separate messages.
 *  - NLMSG_OVERRUN, a receive buffer overrun (ENOBUFS) and a datagram too
 *    large for our buffer: notifications were lost, so assume a change.
 * Ignored: NLMSG_NOOP, NLMSG_ERROR (we send no requests), unknown types,
 * anything after NLMSG_DONE, and whole datagrams whose sender is not the
 * kernel (source nl_pid != 0).  A malformed datagram is logged; the events
 * before the bad message stay noted.  The nlmsg_pid field is deliberately not
 * checked: a notification caused by a request (e.g. "ip addr add") carries
 * the requester's port id there, yet it comes from the kernel.
 */

#ifdef __linux__

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ssherr.h"
#include "routemon.h"

#define ROUTEMON_NL_GROUPS	(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | \
				RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | \
				RTMGRP_IPV6_ROUTE)
#define ROUTEMON_NL_BUFSZ	16384	/* receive buffer per datagram */
#define ROUTEMON_NL_MAXREADS	64	/* datagrams per routemon_read() */

/* Round len up to the netlink alignment without overflowing */
static size_t
nl_align(size_t len, size_t limit)
{
	size_t pad = (NLMSG_ALIGNTO - (len % NLMSG_ALIGNTO)) % NLMSG_ALIGNTO;

	return pad > limit - len ? limit : len + pad;
}

/*
 * Check that attrs..attrs+len is a well-formed sequence of rtattrs and
 * report whether one of type want is present.
 */
static int
nl_attrs(const u_char *attrs, size_t len, u_short want, int *foundp)
{
	struct rtattr rta;
	size_t off = 0;

	*foundp = 0;
	while (off < len) {
		if (len - off < sizeof(rta))
			return SSH_ERR_INVALID_FORMAT;
		memcpy(&rta, attrs + off, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len - off)
			return SSH_ERR_INVALID_FORMAT;
		if (rta.rta_type == want)
			*foundp = 1;
		off = nl_align(off + rta.rta_len, len);
	}
	return 0;
}

/*
 * Decide whether one link, address or route message (its body after the
 * nlmsghdr, bodylen bytes) is an event.  The fixed header must be there
 * whole and the attributes well formed.
 */
static int
nl_relevant(u_short type, const u_char *body, size_t bodylen, int *relevantp)
{
	size_t hdrlen;
	u_short want = 0;
	int found, r;

	*relevantp = 0;
	switch (type) {
	case RTM_NEWLINK:
		want = IFLA_WIRELESS;
		/* FALLTHROUGH */
	case RTM_DELLINK:
		hdrlen = sizeof(struct ifinfomsg);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		hdrlen = sizeof(struct ifaddrmsg);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		hdrlen = sizeof(struct rtmsg);
		break;
	default:
		return 0;
	}
	hdrlen = NLMSG_ALIGN(hdrlen);
	if (bodylen < hdrlen)
		return SSH_ERR_INVALID_FORMAT;
	if ((r = nl_attrs(body + hdrlen, bodylen - hdrlen, want, &found)) != 0)
		return r;
	if (want != 0 && found) {
		debug3_f("ignoring wireless event");
		return 0;
	}
	*relevantp = 1;
	return 0;
}

int
routemon_parse_netlink(struct routemon *rm, const u_char *buf, size_t len,
    uint64_t now_ms)
{
	struct nlmsghdr nh;
	size_t off = 0, msglen;
	int relevant, r = SSH_ERR_INTERNAL_ERROR;

	if (rm == NULL || (buf == NULL && len != 0))
		return SSH_ERR_INVALID_ARGUMENT;
	while (off < len) {
		if (len - off < sizeof(nh)) {
			debug_f("truncated header at %zu/%zu", off, len);
			r = SSH_ERR_INVALID_FORMAT;
			goto out;
		}
		memcpy(&nh, buf + off, sizeof(nh));
		msglen = nh.nlmsg_len;
		if (msglen < sizeof(nh) || msglen > len - off) {
			debug_f("bad length %zu at %zu/%zu", msglen, off, len);
			r = SSH_ERR_INVALID_FORMAT;
			goto out;
		}
		switch (nh.nlmsg_type) {
		case NLMSG_DONE:
			r = 0;
			goto out;
		case NLMSG_ERROR:
			if (msglen < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
				debug_f("truncated NLMSG_ERROR");
				r = SSH_ERR_INVALID_FORMAT;
				goto out;
			}
			debug3_f("ignoring NLMSG_ERROR");
			break;
		case NLMSG_OVERRUN:
			debug_f("kernel reports lost notifications");
			routemon_note(rm, now_ms);
			break;
		default:
			if ((r = nl_relevant(nh.nlmsg_type,
			    buf + off + NLMSG_HDRLEN, msglen - NLMSG_HDRLEN,
			    &relevant)) != 0) {
				debug_f("malformed message type %u at %zu/%zu",
				    (u_int)nh.nlmsg_type, off, len);
				goto out;
			}
			if (relevant) {
				debug3_f("event type %u", (u_int)nh.nlmsg_type);
				routemon_note(rm, now_ms);
			}
			break;
		}
		off = nl_align(off + msglen, len);
	}
	r = 0;
 out:
	return r;
}

int
routemon_sys_open(int *fdp)
{
	struct sockaddr_nl snl;
	int fd = -1, r = SSH_ERR_INTERNAL_ERROR;

	*fdp = -1;
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1) {
		debug_f("socket: %s", strerror(errno));
		if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
			r = SSH_ERR_FEATURE_UNSUPPORTED;
		else
			r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = ROUTEMON_NL_GROUPS;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		debug_f("bind: %s", strerror(errno));
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	*fdp = fd;
	fd = -1;
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	return r;
}

int
routemon_sys_read(struct routemon *rm, int fd, uint64_t now_ms)
{
	u_char buf[ROUTEMON_NL_BUFSZ];
	struct sockaddr_nl snl;
	socklen_t snllen;
	ssize_t len;
	int i, r;

	for (i = 0; i < ROUTEMON_NL_MAXREADS; i++) {
		memset(&snl, 0, sizeof(snl));
		snllen = sizeof(snl);
		/* MSG_TRUNC: return the datagram's real length */
		len = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&snl, &snllen);
		if (len == -1) {
			if ((r = routemon_read_failed(rm, "recvfrom",
			    now_ms)) > 0)
				continue;
			return r;
		}
		if (snllen < sizeof(snl) || snl.nl_family != AF_NETLINK ||
		    snl.nl_pid != 0) {
			debug3_f("ignoring datagram from port %u",
			    (u_int)snl.nl_pid);
			continue;
		}
		if ((size_t)len > sizeof(buf)) {
			debug_f("datagram of %zd bytes truncated", len);
			routemon_note(rm, now_ms);
			continue;
		}
		if ((r = routemon_parse_netlink(rm, buf, len, now_ms)) != 0) {
			/* Messages parsed before the bad one were noted */
			debug_fr(r, "parse");
		}
	}
	/* More may be pending: the fd stays readable for the next poll */
	return 0;
}

#endif /* __linux__ */
