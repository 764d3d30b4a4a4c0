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

#ifndef _ROUTEMON_H
#define _ROUTEMON_H

#include <sys/types.h>
#include <sys/socket.h>

/*
 * Routing-socket monitor: tells the client that links, addresses or routes
 * changed, so that it can ask at once whether its connection still has a
 * path (routemon_check) instead of waiting for TCP to time out.
 *
 * Events are coalesced: a burst is due once it has been quiet for
 * ROUTEMON_DEBOUNCE_MS, but never later than ROUTEMON_DEBOUNCE_MAX_MS
 * after its first event.  Times are monotonic milliseconds supplied by
 * the caller.  Functions returning int return 0 or an SSH_ERR_* code
 * unless said otherwise.
 */

/* Where PF_ROUTE routing sockets exist (routemon-bsd.c) */
#if defined(__OpenBSD__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__) || defined(__APPLE__)
# define ROUTEMON_BSD	1
#endif

#define ROUTEMON_DEBOUNCE_MS		50
#define ROUTEMON_DEBOUNCE_MAX_MS	250

struct routemon;

/* SAME: same source; CHANGED: other source (newsrc); GONE: no route */
enum routemon_verdict { ROUTEMON_SAME, ROUTEMON_CHANGED, ROUTEMON_GONE };

/* Open a monitor; SSH_ERR_FEATURE_UNSUPPORTED where the platform has none */
int routemon_open(struct routemon **rmp);

/* Allocate a monitor without a kernel socket (fd -1); NULL on failure */
struct routemon *routemon_new(void);

/* Free a monitor and close its fd; NULL-safe */
void routemon_free(struct routemon *rm);

/* fd for the caller's poll set (POLLIN), or -1 if it has none */
int routemon_fd(const struct routemon *rm);

/* Read and parse everything pending (non-blocking), noting events at now */
int routemon_read(struct routemon *rm, uint64_t now_ms);

/* Milliseconds until the pending burst is due (0: now), -1 if none */
int routemon_deadline_ms(const struct routemon *rm, uint64_t now_ms);

/* Nonzero once a burst is due; the burst is then cleared */
int routemon_take_event(struct routemon *rm, uint64_t now_ms);

/* Number of relevant events noted since the monitor was created */
u_int routemon_nevents(const struct routemon *rm);

/* Would the kernel now route local->peer from another source, or not at all */
int routemon_check(const struct sockaddr *local, socklen_t locallen,
    const struct sockaddr *peer, socklen_t peerlen,
    enum routemon_verdict *verdictp, struct sockaddr_storage *newsrc);
/* Connections bound to their source: does that address still reach peer */
int routemon_check_bound(const struct sockaddr *local, socklen_t locallen,
    const struct sockaddr *peer, socklen_t peerlen,
    enum routemon_verdict *verdictp);

/* Parse one buffer of rtnetlink messages, noting relevant events (tests) */
int routemon_parse_netlink(struct routemon *rm, const u_char *buf,
    size_t len, uint64_t now_ms);

/*
 * Parse one buffer of PF_ROUTE routing messages of interface version
 * version, noting relevant events (built everywhere, for tests)
 */
int routemon_parse_rtsock(struct routemon *rm, const u_char *buf,
    size_t len, u_int version, uint64_t now_ms);

/*
 * Between routemon.c and the platform backends (routemon-linux.c,
 * routemon-bsd.c, routemon-stub.c); not for callers.
 */

/* Backend: open the kernel socket, non-blocking and close-on-exec */
int routemon_sys_open(int *fdp);

/* Backend: drain fd (bounded), noting events through routemon_note() */
int routemon_sys_read(struct routemon *rm, int fd, uint64_t now_ms);

/*
 * Backend: what a failed read of the routing socket (errno set, what
 * names the call) means: 1 to read again (interrupted, or an overrun,
 * noted as an event), 0 when nothing more is pending, or an error
 */
int routemon_read_failed(struct routemon *rm, const char *what,
    uint64_t now_ms);

/* Note one relevant event at now_ms */
void routemon_note(struct routemon *rm, uint64_t now_ms);

#endif /* _ROUTEMON_H */
