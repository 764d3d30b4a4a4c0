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
 * Harness: routemon_parse_netlink(), the parser of what the kernel's
 * rtnetlink socket sends the route monitor (src/routemon-linux.c).  The
 * input is one datagram.
 *
 * Invariants: the number of events noted and the result are those of the
 * rules in routemon-linux.c's header comment, applied here by a walk of
 * the datagram written from the rtnetlink ABI: RTM_NEW/DELLINK,
 * RTM_NEW/DELADDR and RTM_NEW/DELROUTE with a whole fixed header and
 * well-formed attributes are events, except RTM_NEWLINK carrying
 * IFLA_WIRELESS; NLMSG_OVERRUN is an event; NLMSG_DONE ends the
 * datagram; other types are ignored; a malformed message is
 * SSH_ERR_INVALID_FORMAT, and the events before it stay noted.  A burst
 * of events is due ROUTEMON_DEBOUNCE_MS after it, not before.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#endif

#include "ssherr.h"

#include "routemon.h"

#include "fuzz-common.h"

#define NOW_MS		1000000

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_routemon_netlink");
	return 0;
}

#ifdef __linux__
/* Round n up to a multiple of 4, but not beyond limit */
static size_t
align4(size_t n, size_t limit)
{
	size_t a = (n + 3) & ~(size_t)3;

	return a < n || a > limit ? limit : a;
}

/*
 * Whether the attributes at p are well formed (every rtattr whole, its
 * length at least its header's), and whether one is of type want
 */
static int
attrs_ok(const u_char *p, size_t len, u_int want, int *wantedp)
{
	u_short alen, atype;
	size_t off = 0;

	*wantedp = 0;
	while (off < len) {
		if (len - off < 4)
			return 0;
		memcpy(&alen, p + off, 2);
		memcpy(&atype, p + off + 2, 2);
		if (alen < 4 || alen > len - off)
			return 0;
		if (want != 0 && atype == want)
			*wantedp = 1;
		off = align4(off + alen, len);
	}
	return 1;
}

/* The rules of routemon-linux.c: the result, and events in *eventsp */
static int
expect(const u_char *buf, size_t len, u_int *eventsp)
{
	uint32_t mlen;
	uint16_t type;
	size_t off = 0, fixed;
	u_int want;
	int wanted;

	*eventsp = 0;
	while (off < len) {
		if (len - off < 16)
			return SSH_ERR_INVALID_FORMAT;
		memcpy(&mlen, buf + off, 4);
		memcpy(&type, buf + off + 4, 2);
		if (mlen < 16 || mlen > len - off)
			return SSH_ERR_INVALID_FORMAT;
		want = 0;
		switch (type) {
		case NLMSG_DONE:
			return 0;
		case NLMSG_ERROR:
			if (mlen < 16 + sizeof(struct nlmsgerr))
				return SSH_ERR_INVALID_FORMAT;
			goto next;
		case NLMSG_OVERRUN:
			(*eventsp)++;
			goto next;
		case RTM_NEWLINK:
			want = IFLA_WIRELESS;
			/* FALLTHROUGH */
		case RTM_DELLINK:
			fixed = sizeof(struct ifinfomsg);
			break;
		case RTM_NEWADDR:
		case RTM_DELADDR:
			fixed = sizeof(struct ifaddrmsg);
			break;
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			fixed = sizeof(struct rtmsg);
			break;
		default:
			goto next;
		}
		fixed = (fixed + 3) & ~(size_t)3;
		if (mlen - 16 < fixed ||
		    !attrs_ok(buf + off + 16 + fixed, mlen - 16 - fixed, want,
		    &wanted))
			return SSH_ERR_INVALID_FORMAT;
		if (!wanted)
			(*eventsp)++;
 next:
		off = align4(off + mlen, len);
	}
	return 0;
}
#endif /* __linux__ */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct routemon *rm;
	u_int events;
	int r, want;

	if ((rm = routemon_new()) == NULL)
		abort();
	r = routemon_parse_netlink(rm, data, size, NOW_MS);
#ifdef __linux__
	want = expect(data, size, &events);
#else
	want = SSH_ERR_FEATURE_UNSUPPORTED;
	events = 0;
#endif
	FUZZ_CHECK(r == want);
	FUZZ_CHECK(routemon_nevents(rm) == events);
	FUZZ_CHECK(routemon_fd(rm) == -1);
	if (events == 0) {
		FUZZ_CHECK(routemon_deadline_ms(rm, NOW_MS) == -1);
		FUZZ_CHECK(routemon_take_event(rm, NOW_MS + 1000) == 0);
	} else {
		FUZZ_CHECK(routemon_deadline_ms(rm, NOW_MS) ==
		    ROUTEMON_DEBOUNCE_MS);
		FUZZ_CHECK(routemon_take_event(rm,
		    NOW_MS + ROUTEMON_DEBOUNCE_MS - 1) == 0);
		FUZZ_CHECK(routemon_take_event(rm,
		    NOW_MS + ROUTEMON_DEBOUNCE_MS) == 1);
		FUZZ_CHECK(routemon_deadline_ms(rm, NOW_MS) == -1);
	}
	routemon_free(rm);
	return 0;
}
