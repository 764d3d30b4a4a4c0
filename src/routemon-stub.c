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
 * Routing-socket monitor backend for platforms without one (neither Linux
 * nor a BSD): opening a monitor reports SSH_ERR_FEATURE_UNSUPPORTED and
 * the client falls back to TCP timeouts and probes.  routemon_check()
 * (routemon.c) works everywhere.  Also the rtnetlink parser's stand-in
 * where there is no rtnetlink.
 */

#include "includes.h"

#include <sys/types.h>

#include "ssherr.h"
#include "routemon.h"

#if !defined(__linux__) && !defined(ROUTEMON_BSD)
int
routemon_sys_open(int *fdp)
{
	*fdp = -1;
	return SSH_ERR_FEATURE_UNSUPPORTED;
}

int
routemon_sys_read(struct routemon *rm, int fd, uint64_t now_ms)
{
	return SSH_ERR_FEATURE_UNSUPPORTED;
}
#endif /* !__linux__ && !ROUTEMON_BSD */

#if !defined(__linux__)
int
routemon_parse_netlink(struct routemon *rm, const u_char *buf, size_t len,
    uint64_t now_ms)
{
	return SSH_ERR_FEATURE_UNSUPPORTED;
}
#endif /* !__linux__ */
