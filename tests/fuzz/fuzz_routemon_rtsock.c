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
 * Harness: routemon_parse_rtsock(), the parser of what a BSD kernel's
 * PF_ROUTE socket sends the route monitor (src/routemon-bsd.c), built on
 * every system.  The input is the interface version the monitor expects
 * (one byte), then one read's worth of routing messages.
 *
 * Invariants: the number of events noted and the result are those of the
 * rules in routemon-bsd.c's header comment, applied here by a walk of
 * the buffer written from 4.4BSD's routing message header (u_short
 * length in host order, u_char version, u_char type): RTM_ADD,
 * RTM_DELETE, RTM_CHANGE, RTM_REDIRECT, RTM_NEWADDR, RTM_DELADDR and
 * RTM_IFINFO (and RTM_IFANNOUNCE where the system has it) of the
 * expected version are events, anything else is ignored, and a message
 * whose length is shorter than that header or runs past the buffer is
 * SSH_ERR_INVALID_FORMAT, after the events before it were noted.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssherr.h"

#include "routemon.h"

#ifdef ROUTEMON_BSD
#include <net/if.h>
#include <net/route.h>
#endif

#include "fuzz-common.h"

#define NOW_MS		1000000

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_routemon_rtsock");
	return 0;
}

/* 4.4BSD's numbers of the types that are events */
static int
is_event(u_int type)
{
	switch (type) {
	case 0x1:	/* RTM_ADD */
	case 0x2:	/* RTM_DELETE */
	case 0x3:	/* RTM_CHANGE */
	case 0x6:	/* RTM_REDIRECT */
	case 0xc:	/* RTM_NEWADDR */
	case 0xd:	/* RTM_DELADDR */
	case 0xe:	/* RTM_IFINFO */
		return 1;
	}
#if defined(ROUTEMON_BSD) && defined(RTM_IFANNOUNCE)
	if (type == RTM_IFANNOUNCE)
		return 1;
#endif
	return 0;
}

/* The rules of routemon-bsd.c: the result, and events in *eventsp */
static int
expect(const u_char *buf, size_t len, u_int version, u_int *eventsp)
{
	u_short mlen;
	size_t off = 0;

	*eventsp = 0;
	while (off < len) {
		if (len - off < 4)
			return SSH_ERR_INVALID_FORMAT;
		memcpy(&mlen, buf + off, sizeof(mlen));
		if (mlen < 4 || mlen > len - off)
			return SSH_ERR_INVALID_FORMAT;
		if (buf[off + 2] == version && is_event(buf[off + 3]))
			(*eventsp)++;
		off += mlen;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct routemon *rm;
	u_int version, events;
	int r;

	if (size < 1)
		return 0;
	version = data[0];
	data++;
	size--;
	if ((rm = routemon_new()) == NULL)
		abort();
	r = routemon_parse_rtsock(rm, data, size, version, NOW_MS);
	FUZZ_CHECK(r == expect(data, size, version, &events));
	FUZZ_CHECK(routemon_nevents(rm) == events);
	if (events == 0)
		FUZZ_CHECK(routemon_deadline_ms(rm, NOW_MS) == -1);
	else {
		FUZZ_CHECK(routemon_deadline_ms(rm, NOW_MS) ==
		    ROUTEMON_DEBOUNCE_MS);
		FUZZ_CHECK(routemon_take_event(rm,
		    NOW_MS + ROUTEMON_DEBOUNCE_MS) == 1);
	}
	routemon_free(rm);
	return 0;
}
