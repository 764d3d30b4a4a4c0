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
 * Unit tests for the routing-socket monitor (cmocka).
 *
 * Link with -Wl,--wrap=socket,--wrap=connect,--wrap=getsockname,--wrap=close:
 * the decision tests script those calls.  The wrappers pass through to the
 * real calls unless a decision test's setup has enabled mocking.
 *
 * The live tests need Linux; the one in a private network namespace needs
 * root (CAP_SYS_ADMIN) and is skipped without it.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#endif

#include <cmocka.h>

#include "ssherr.h"
#include "routemon.h"

#define FAKE_FD		7777	/* never a real descriptor */
#define T0		100000	/* arbitrary monotonic start, ms */

/* System call interposition (-Wl,--wrap) */

int __real_socket(int, int, int);
int __real_connect(int, const struct sockaddr *, socklen_t);
int __real_getsockname(int, struct sockaddr *, socklen_t *);
int __real_close(int);

static int mock_sys;		/* script the calls instead of making them */
static int mock_opened;		/* FAKE_FD handed out by socket() */
static int mock_closed;		/* FAKE_FD closed */

/* will_return: errno to fail with, or 0 to return FAKE_FD */
int
__wrap_socket(int domain, int type, int protocol)
{
	int err;

	if (!mock_sys)
		return __real_socket(domain, type, protocol);
	check_expected(domain);
	check_expected(type);
	if ((err = mock_type(int)) != 0) {
		errno = err;
		return -1;
	}
	mock_opened++;
	return FAKE_FD;
}

/* will_return: errno to fail with, or 0 */
int
__wrap_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	int err;

	if (!mock_sys)
		return __real_connect(fd, addr, addrlen);
	check_expected(fd);
	check_expected_ptr(addr);
	if ((err = mock_type(int)) != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* will_return: the address to report, or NULL to fail with ENOTSOCK */
int
__wrap_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	const struct sockaddr_storage *ss;
	socklen_t len;

	if (!mock_sys)
		return __real_getsockname(fd, addr, addrlen);
	check_expected(fd);
	if ((ss = mock_ptr_type(const struct sockaddr_storage *)) == NULL) {
		errno = ENOTSOCK;
		return -1;
	}
	len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	assert_true(*addrlen >= len);
	memcpy(addr, ss, len);
	*addrlen = len;
	return 0;
}

/* expect_value(__wrap_close, fd, FAKE_FD) for every close expected */
int
__wrap_close(int fd)
{
	if (!mock_sys || fd != FAKE_FD)
		return __real_close(fd);
	check_expected(fd);
	mock_closed++;
	return 0;
}

/* Addresses */

static socklen_t
mk4(struct sockaddr_storage *ss, const char *addr, u_short port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	return sizeof(*sin);
}

static socklen_t
mk6(struct sockaddr_storage *ss, const char *addr, u_short port,
    uint32_t scope)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_scope_id = scope;
	assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
	return sizeof(*sin6);
}

static int
zeroed(const struct sockaddr_storage *ss)
{
	const u_char *p = (const u_char *)ss;
	size_t i;

	for (i = 0; i < sizeof(*ss); i++) {
		if (p[i] != 0)
			return 0;
	}
	return 1;
}

/* Decision tests, with scripted system calls */

struct dstate {
	struct sockaddr_storage local, peer, src, newsrc;
	socklen_t locallen, peerlen;
	enum routemon_verdict verdict;
};

static int
setup_mock(void **state)
{
	struct dstate *ds;

	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		return -1;
	ds->verdict = (enum routemon_verdict)-1;
	mock_opened = mock_closed = 0;
	mock_sys = 1;
	*state = ds;
	return 0;
}

static int
teardown_mock(void **state)
{
	int balanced = mock_opened == mock_closed;

	mock_sys = 0;
	free(*state);
	*state = NULL;
	return balanced ? 0 : -1;
}

/*
 * Queue one routemon_check(): socket() fails with sock_err, or connect()
 * fails with conn_err, or getsockname() reports src (NULL: it fails).
 */
static void
script(struct dstate *ds, int sock_err, int conn_err,
    const struct sockaddr_storage *src)
{
	expect_value(__wrap_socket, domain, ds->peer.ss_family);
	expect_value(__wrap_socket, type, SOCK_DGRAM);
	will_return(__wrap_socket, sock_err);
	if (sock_err != 0)
		return;
	expect_value(__wrap_connect, fd, FAKE_FD);
	expect_memory(__wrap_connect, addr, &ds->peer, ds->peerlen);
	will_return(__wrap_connect, conn_err);
	if (conn_err == 0) {
		expect_value(__wrap_getsockname, fd, FAKE_FD);
		will_return(__wrap_getsockname, src);
	}
	expect_value(__wrap_close, fd, FAKE_FD);
}

static int
check(struct dstate *ds)
{
	return routemon_check((struct sockaddr *)&ds->local, ds->locallen,
	    (struct sockaddr *)&ds->peer, ds->peerlen, &ds->verdict,
	    &ds->newsrc);
}

static void
torture_check_v4(void **state)
{
	struct dstate *ds = *state;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ds->newsrc;
	static const int gone[] = { ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL };
	size_t i;

	ds->locallen = mk4(&ds->local, "192.0.2.10", 50022);
	ds->peerlen = mk4(&ds->peer, "198.51.100.7", 22);

	/* Same address, other (ephemeral) port: still the same path */
	mk4(&ds->src, "192.0.2.10", 41234);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_SAME);
	assert_int_equal(mock_closed, 1);

	/* Ethernet came up: the kernel now prefers another source */
	mk4(&ds->src, "203.0.113.99", 41234);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_CHANGED);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_memory_equal(&sin->sin_addr,
	    &((struct sockaddr_in *)&ds->src)->sin_addr, 4);
	assert_int_equal(mock_closed, 2);

	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		script(ds, 0, gone[i], NULL);
		assert_int_equal(check(ds), 0);
		assert_int_equal(ds->verdict, ROUTEMON_GONE);
		assert_true(zeroed(&ds->newsrc));
		assert_int_equal(mock_closed, 3 + (int)i);
	}
}

static void
torture_check_v6(void **state)
{
	struct dstate *ds = *state;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ds->newsrc;

	ds->locallen = mk6(&ds->local, "2001:db8::10", 50022, 0);
	ds->peerlen = mk6(&ds->peer, "2001:db8:1::7", 22, 0);

	mk6(&ds->src, "2001:db8::10", 1, 0);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_SAME);

	/* Differs only in the last bit */
	mk6(&ds->src, "2001:db8::11", 50022, 0);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_CHANGED);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_memory_equal(&sin6->sin6_addr,
	    &((struct sockaddr_in6 *)&ds->src)->sin6_addr, 16);

	script(ds, 0, ENETUNREACH, NULL);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_GONE);
	assert_true(zeroed(&ds->newsrc));
	assert_int_equal(mock_closed, 3);
}

static void
torture_check_v6_scope(void **state)
{
	struct dstate *ds = *state;

	/* A link-local session: the scope names the interface */
	ds->locallen = mk6(&ds->local, "fe80::1", 50022, 2);
	ds->peerlen = mk6(&ds->peer, "fe80::2", 22, 2);

	mk6(&ds->src, "fe80::1", 1, 2);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_SAME);

	mk6(&ds->src, "fe80::1", 1, 3);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_CHANGED);

	/* A source without scope is compared by address only */
	mk6(&ds->src, "fe80::1", 1, 0);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_SAME);
	assert_int_equal(mock_closed, 3);
}

static void
torture_check_errors(void **state)
{
	struct dstate *ds = *state;

	ds->locallen = mk4(&ds->local, "192.0.2.10", 50022);
	ds->peerlen = mk4(&ds->peer, "198.51.100.7", 22);

	/* socket() fails: nothing to close, verdict untouched */
	script(ds, EMFILE, 0, NULL);
	assert_int_equal(check(ds), SSH_ERR_SYSTEM_ERROR);
	assert_int_equal((int)ds->verdict, -1);
	assert_int_equal(mock_closed, 0);

	/* connect() fails otherwise than unreachable */
	script(ds, 0, EACCES, NULL);
	assert_int_equal(check(ds), SSH_ERR_SYSTEM_ERROR);
	assert_int_equal((int)ds->verdict, -1);
	assert_int_equal(mock_closed, 1);

	/* getsockname() fails */
	script(ds, 0, 0, NULL);
	assert_int_equal(check(ds), SSH_ERR_SYSTEM_ERROR);
	assert_int_equal((int)ds->verdict, -1);
	assert_true(zeroed(&ds->newsrc));
	assert_int_equal(mock_closed, 2);

	/* The kernel reports a source of the wrong family */
	mk6(&ds->src, "2001:db8::10", 1, 0);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), SSH_ERR_INTERNAL_ERROR);
	assert_int_equal((int)ds->verdict, -1);
	assert_int_equal(mock_closed, 3);

	/* An unspecified source means no usable one */
	mk4(&ds->src, "0.0.0.0", 0);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(check(ds), 0);
	assert_int_equal(ds->verdict, ROUTEMON_GONE);
	assert_int_equal(mock_closed, 4);
	assert_int_equal(mock_opened, 4);
}

static void
torture_check_bad_args(void **state)
{
	struct dstate *ds = *state;
	struct sockaddr *l = (struct sockaddr *)&ds->local;
	struct sockaddr *p = (struct sockaddr *)&ds->peer;
	enum routemon_verdict v;

	/* None of these may reach a system call: nothing is scripted */
	ds->locallen = mk4(&ds->local, "192.0.2.10", 50022);
	ds->peerlen = mk6(&ds->peer, "2001:db8::7", 22, 0);
	assert_int_equal(routemon_check(l, ds->locallen, p, ds->peerlen, &v,
	    NULL), SSH_ERR_INVALID_ARGUMENT);
	ds->peerlen = mk4(&ds->peer, "198.51.100.7", 22);
	assert_int_equal(routemon_check(l, ds->locallen, p, ds->peerlen - 1,
	    &v, NULL), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_check(l, 1, p, ds->peerlen, &v, NULL),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_check(NULL, 0, p, ds->peerlen, &v, NULL),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_check(l, ds->locallen, NULL, 0, &v, NULL),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_check(l, ds->locallen, p, ds->peerlen, NULL,
	    NULL), SSH_ERR_INVALID_ARGUMENT);
	ds->local.ss_family = ds->peer.ss_family = AF_UNIX;
	assert_int_equal(routemon_check(l, sizeof(ds->local), p,
	    sizeof(ds->peer), &v, NULL), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(mock_opened, 0);

	/* newsrc is optional */
	ds->locallen = mk4(&ds->local, "192.0.2.10", 50022);
	ds->peerlen = mk4(&ds->peer, "198.51.100.7", 22);
	mk4(&ds->src, "192.0.2.11", 1);
	script(ds, 0, 0, &ds->src);
	assert_int_equal(routemon_check(l, ds->locallen, p, ds->peerlen, &v,
	    NULL), 0);
	assert_int_equal(v, ROUTEMON_CHANGED);
	assert_int_equal(mock_closed, 1);
}

/* Debouncing */

static int
setup_rm(void **state)
{
	struct routemon *rm;

	if ((rm = routemon_new()) == NULL)
		return -1;
	*state = rm;
	return 0;
}

static int
teardown_rm(void **state)
{
	routemon_free(*state);
	*state = NULL;
	return 0;
}

static void
torture_idle(void **state)
{
	struct routemon *rm = *state;

	assert_int_equal(routemon_fd(rm), -1);
	assert_int_equal(routemon_nevents(rm), 0);
	assert_int_equal(routemon_deadline_ms(rm, T0), -1);
	assert_int_equal(routemon_take_event(rm, T0), 0);
	assert_int_equal(routemon_take_event(rm, T0 + 100000), 0);
	assert_int_equal(routemon_read(rm, T0), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_read(NULL, T0), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_fd(NULL), -1);
	assert_int_equal(routemon_nevents(NULL), 0);
	assert_int_equal(routemon_deadline_ms(NULL, T0), -1);
	assert_int_equal(routemon_take_event(NULL, T0), 0);
	assert_int_equal(routemon_open(NULL), SSH_ERR_INVALID_ARGUMENT);
	routemon_free(NULL);
}

static void
torture_debounce_burst(void **state)
{
	struct routemon *rm = *state;
	uint64_t t;

	routemon_note(rm, T0);
	assert_int_equal(routemon_deadline_ms(rm, T0), ROUTEMON_DEBOUNCE_MS);
	routemon_note(rm, T0 + 10);
	routemon_note(rm, T0 + 20);
	assert_int_equal(routemon_nevents(rm), 3);
	assert_int_equal(routemon_deadline_ms(rm, T0 + 20),
	    ROUTEMON_DEBOUNCE_MS);
	assert_int_equal(routemon_deadline_ms(rm, T0 + 60), 10);
	for (t = T0 + 20; t < T0 + 20 + ROUTEMON_DEBOUNCE_MS; t++) {
		assert_true(routemon_deadline_ms(rm, t) > 0);
		assert_int_equal(routemon_take_event(rm, t), 0);
	}
	assert_int_equal(routemon_deadline_ms(rm, T0 + 70), 0);
	assert_int_equal(routemon_deadline_ms(rm, T0 + 5000), 0);
	assert_int_equal(routemon_take_event(rm, T0 + 70), 1);

	/* Taken: the burst is gone */
	assert_int_equal(routemon_deadline_ms(rm, T0 + 70), -1);
	assert_int_equal(routemon_take_event(rm, T0 + 70), 0);
	assert_int_equal(routemon_take_event(rm, T0 + 5000), 0);
	assert_int_equal(routemon_nevents(rm), 3);
}

static void
torture_debounce_stream(void **state)
{
	struct routemon *rm = *state;
	uint64_t t, fired = 0;
	int d;

	/* An event every 30 ms never leaves 50 ms of quiet */
	for (t = T0; t <= T0 + 1000; t++) {
		if ((t - T0) % 30 == 0)
			routemon_note(rm, t);
		d = routemon_deadline_ms(rm, t);
		assert_true(d >= 0 && d <= ROUTEMON_DEBOUNCE_MS);
		if (routemon_take_event(rm, t)) {
			fired = t;
			break;
		}
	}
	assert_int_equal(fired, T0 + ROUTEMON_DEBOUNCE_MAX_MS);
	assert_int_equal(routemon_deadline_ms(rm, fired), -1);

	/* The stream goes on: a new burst starts, capped from its start */
	routemon_note(rm, fired + 20);
	assert_int_equal(routemon_deadline_ms(rm, fired + 20),
	    ROUTEMON_DEBOUNCE_MS);
	for (t = fired + 50; t < fired + 20 + ROUTEMON_DEBOUNCE_MAX_MS;
	    t += 30) {
		routemon_note(rm, t);
		assert_int_equal(routemon_take_event(rm, t), 0);
	}
	assert_int_equal(routemon_take_event(rm,
	    fired + 20 + ROUTEMON_DEBOUNCE_MAX_MS - 1), 0);
	assert_int_equal(routemon_take_event(rm,
	    fired + 20 + ROUTEMON_DEBOUNCE_MAX_MS), 1);
}

static void
torture_debounce_clock(void **state)
{
	struct routemon *rm = *state;

	/* An earlier time than the burst's start neither extends nor breaks */
	routemon_note(rm, T0);
	routemon_note(rm, T0 - 40);
	assert_int_equal(routemon_deadline_ms(rm, T0), ROUTEMON_DEBOUNCE_MS);
	assert_int_equal(routemon_deadline_ms(rm, T0 - 1000),
	    ROUTEMON_DEBOUNCE_MAX_MS);
	assert_int_equal(routemon_take_event(rm, T0 - 1000), 0);
	assert_int_equal(routemon_take_event(rm, T0 + ROUTEMON_DEBOUNCE_MS),
	    1);
}

#ifdef __linux__

/* Netlink parser */

#define NOW		(T0 + 7)
#define NLBUF_MAX	2048

struct nlbuf {
	u_char b[NLBUF_MAX];
	size_t len;
	size_t ends[16];	/* unaligned end of each message */
	int relevant[16];	/* whether it is an event */
	size_t nmsg;
};

struct pstate {
	struct routemon *rm;
	u_char *page;		/* two pages, the second PROT_NONE */
	size_t pagesz;
};

static int
setup_parse(void **state)
{
	struct pstate *ps;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return -1;
	ps->pagesz = (size_t)sysconf(_SC_PAGESIZE);
	ps->page = mmap(NULL, 2 * ps->pagesz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ps->page == MAP_FAILED ||
	    mprotect(ps->page + ps->pagesz, ps->pagesz, PROT_NONE) != 0 ||
	    (ps->rm = routemon_new()) == NULL)
		return -1;
	*state = ps;
	return 0;
}

static int
teardown_parse(void **state)
{
	struct pstate *ps = *state;

	routemon_free(ps->rm);
	munmap(ps->page, 2 * ps->pagesz);
	free(ps);
	*state = NULL;
	return 0;
}

/*
 * Parse len bytes of p twice, each copy ending exactly where its memory
 * ends: on the heap (valgrind sees any over-read) and before a PROT_NONE
 * page (an over-read faults even without valgrind).  Both must agree;
 * the events of the heap copy go to ps->rm.
 */
typedef int parse_fn(struct routemon *, const u_char *, size_t);

static int
parse_with(struct pstate *ps, parse_fn *fn, const u_char *p, size_t len)
{
	struct routemon *tmp;
	u_char *heap = NULL, *tail;
	u_int before = routemon_nevents(ps->rm);
	int r, r2;

	assert_true(len <= ps->pagesz);
	tail = ps->page + ps->pagesz - len;
	memcpy(tail, p, len);
	assert_non_null(tmp = routemon_new());
	r2 = fn(tmp, tail, len);
	if (len > 0) {
		assert_non_null(heap = malloc(len));
		memcpy(heap, p, len);
	}
	r = fn(ps->rm, heap, len);
	assert_int_equal(r, r2);
	assert_int_equal(routemon_nevents(ps->rm) - before,
	    routemon_nevents(tmp));
	free(heap);
	routemon_free(tmp);
	return r;
}

static int
netlink(struct routemon *rm, const u_char *p, size_t len)
{
	return routemon_parse_netlink(rm, p, len, NOW);
}

static int
parse(struct pstate *ps, const u_char *p, size_t len)
{
	return parse_with(ps, netlink, p, len);
}

static int
parse_nb(struct pstate *ps, const struct nlbuf *nb)
{
	return parse(ps, nb->b, nb->len);
}

static void
nl_put(struct nlbuf *nb, const void *p, size_t len)
{
	assert_true(len <= sizeof(nb->b) - nb->len);
	memcpy(nb->b + nb->len, p, len);
	nb->len += len;
}

static void
nl_pad(struct nlbuf *nb)
{
	static const u_char zero[NLMSG_ALIGNTO];

	nl_put(nb, zero, NLMSG_ALIGN(nb->len) - nb->len);
}

static size_t
nl_begin(struct nlbuf *nb, u_short type, uint32_t pid)
{
	struct nlmsghdr nh;
	size_t off;

	nl_pad(nb);
	off = nb->len;
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = type;
	nh.nlmsg_flags = 0;
	nh.nlmsg_seq = 0;
	nh.nlmsg_pid = pid;
	nl_put(nb, &nh, sizeof(nh));
	return off;
}

static void
nl_attr(struct nlbuf *nb, u_short type, const void *data, size_t len)
{
	struct rtattr rta;

	rta.rta_type = type;
	rta.rta_len = RTA_LENGTH(len);
	nl_put(nb, &rta, sizeof(rta));
	nl_put(nb, data, len);
	nl_pad(nb);
}

/* Close the message begun at off; nlmsg_len covers its whole body */
static void
nl_end(struct nlbuf *nb, size_t off, int relevant)
{
	uint32_t len = (uint32_t)(nb->len - off);

	memcpy(nb->b + off + offsetof(struct nlmsghdr, nlmsg_len), &len,
	    sizeof(len));
	assert_true(nb->nmsg < sizeof(nb->ends) / sizeof(nb->ends[0]));
	nb->ends[nb->nmsg] = nb->len;
	nb->relevant[nb->nmsg++] = relevant;
}

static void
add_link(struct nlbuf *nb, u_short type, int wireless, int relevant)
{
	struct ifinfomsg ifi;
	size_t off;
	u_char wev[8] = { 8, 0, 0x15, 0x8b, 0, 0, 0, 0 };

	off = nl_begin(nb, type, 0);
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = 3;
	ifi.ifi_flags = IFF_UP | IFF_RUNNING;
	ifi.ifi_change = IFF_RUNNING;
	nl_put(nb, &ifi, sizeof(ifi));
	nl_attr(nb, IFLA_IFNAME, "wlan0", 6);
	if (wireless)
		nl_attr(nb, IFLA_WIRELESS, wev, sizeof(wev));
	nl_end(nb, off, relevant);
}

static void
add_addr(struct nlbuf *nb, u_short type, int family, uint32_t pid)
{
	struct ifaddrmsg ifa;
	u_char addr[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x10 };
	size_t off;

	off = nl_begin(nb, type, pid);
	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = family;
	ifa.ifa_prefixlen = family == AF_INET ? 24 : 64;
	ifa.ifa_index = 3;
	nl_put(nb, &ifa, sizeof(ifa));
	nl_attr(nb, IFA_ADDRESS, addr, family == AF_INET ? 4 : 16);
	nl_attr(nb, IFA_LOCAL, addr, family == AF_INET ? 4 : 16);
	nl_attr(nb, IFA_LABEL, "wlan0", 6);
	nl_end(nb, off, 1);
}

static void
add_route(struct nlbuf *nb, u_short type, uint32_t table)
{
	struct rtmsg rtm;
	uint32_t oif = 3, gw = htonl(0xc0000201);
	size_t off;

	off = nl_begin(nb, type, 0);
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_INET;
	rtm.rtm_table = table > 255 ? RT_TABLE_COMPAT : table;
	rtm.rtm_protocol = RTPROT_DHCP;
	rtm.rtm_scope = RT_SCOPE_UNIVERSE;
	rtm.rtm_type = RTN_UNICAST;
	nl_put(nb, &rtm, sizeof(rtm));
	nl_attr(nb, RTA_TABLE, &table, sizeof(table));
	nl_attr(nb, RTA_GATEWAY, &gw, sizeof(gw));
	nl_attr(nb, RTA_OIF, &oif, sizeof(oif));
	nl_end(nb, off, 1);
}

/* A header-only or nlmsgerr-carrying control message */
static void
add_ctl(struct nlbuf *nb, u_short type, int relevant)
{
	struct nlmsgerr err;
	size_t off;

	off = nl_begin(nb, type, 0);
	if (type == NLMSG_ERROR) {
		memset(&err, 0, sizeof(err));
		err.error = -EEXIST;
		err.msg.nlmsg_len = sizeof(err.msg);
		err.msg.nlmsg_type = RTM_NEWADDR;
		nl_put(nb, &err, sizeof(err));
	}
	nl_end(nb, off, relevant);
}

static void
set_len(struct nlbuf *nb, size_t off, uint32_t len)
{
	memcpy(nb->b + off + offsetof(struct nlmsghdr, nlmsg_len), &len,
	    sizeof(len));
}

/* The buffer of the multi-message and truncation tests */
static void
build_multi(struct nlbuf *nb)
{
	memset(nb, 0, sizeof(*nb));
	add_link(nb, RTM_NEWLINK, 0, 1);
	add_ctl(nb, NLMSG_NOOP, 0);
	add_addr(nb, RTM_NEWADDR, AF_INET6, 0);
	add_ctl(nb, RTM_NEWNEIGH, 0);		/* not subscribed: skipped */
	add_route(nb, RTM_DELROUTE, 51820);	/* a VPN's policy table */
	add_link(nb, RTM_NEWLINK, 1, 0);	/* wireless event */
	add_addr(nb, RTM_DELADDR, AF_INET, 0);
}

static void
torture_parse_each_type(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;
	u_int n = 0;

	memset(&nb, 0, sizeof(nb));
	add_link(&nb, RTM_NEWLINK, 0, 1);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), ++n);
	assert_int_equal(routemon_deadline_ms(ps->rm, NOW),
	    ROUTEMON_DEBOUNCE_MS);

	memset(&nb, 0, sizeof(nb));
	add_link(&nb, RTM_DELLINK, 0, 1);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), ++n);

	memset(&nb, 0, sizeof(nb));
	add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), ++n);

	memset(&nb, 0, sizeof(nb));
	add_addr(&nb, RTM_DELADDR, AF_INET6, 0);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), ++n);

	memset(&nb, 0, sizeof(nb));
	add_route(&nb, RTM_NEWROUTE, RT_TABLE_MAIN);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), ++n);

	memset(&nb, 0, sizeof(nb));
	add_route(&nb, RTM_DELROUTE, RT_TABLE_MAIN);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), ++n);

	/* Empty buffer: nothing */
	assert_int_equal(parse(ps, NULL, 0), 0);
	assert_int_equal(routemon_nevents(ps->rm), n);
	assert_int_equal(routemon_take_event(ps->rm,
	    NOW + ROUTEMON_DEBOUNCE_MS), 1);
}

static void
torture_parse_multi(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;

	build_multi(&nb);
	assert_int_equal(nb.nmsg, 7);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 4);

	/* A policy-routing table and one above 255 count as well */
	memset(&nb, 0, sizeof(nb));
	add_route(&nb, RTM_NEWROUTE, RT_TABLE_LOCAL);
	add_route(&nb, RTM_NEWROUTE, 100);
	add_route(&nb, RTM_NEWROUTE, 1000000);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 7);
}

static void
torture_parse_control(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;
	size_t off;

	/* NOOP alone: nothing pending */
	memset(&nb, 0, sizeof(nb));
	add_ctl(&nb, NLMSG_NOOP, 0);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 0);
	assert_int_equal(routemon_deadline_ms(ps->rm, NOW), -1);

	/* ERROR is skipped, what follows is parsed */
	memset(&nb, 0, sizeof(nb));
	add_ctl(&nb, NLMSG_ERROR, 0);
	add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 1);

	/* ERROR too short for its nlmsgerr */
	memset(&nb, 0, sizeof(nb));
	add_ctl(&nb, NLMSG_ERROR, 0);
	set_len(&nb, 0, NLMSG_HDRLEN + sizeof(int));
	nb.len = NLMSG_HDRLEN + sizeof(int);
	assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);
	assert_int_equal(routemon_nevents(ps->rm), 1);

	/* DONE ends the buffer, even before garbage */
	memset(&nb, 0, sizeof(nb));
	add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
	add_ctl(&nb, NLMSG_DONE, 0);
	add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
	nl_put(&nb, "\xff\xff\xff", 3);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 2);

	/* OVERRUN: notifications were lost, assume a change */
	memset(&nb, 0, sizeof(nb));
	add_ctl(&nb, NLMSG_OVERRUN, 1);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 3);

	/* Unknown types, control range included, are skipped */
	memset(&nb, 0, sizeof(nb));
	add_ctl(&nb, 7, 0);
	add_ctl(&nb, RTM_NEWRULE, 0);
	add_ctl(&nb, 0xffff, 0);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 3);

	/* An unpadded message, last in the buffer or followed by padding */
	memset(&nb, 0, sizeof(nb));
	off = nl_begin(&nb, NLMSG_NOOP, 0);
	nl_put(&nb, "xy", 2);
	nl_end(&nb, off, 0);
	assert_int_equal(nb.len, NLMSG_HDRLEN + 2);
	assert_int_equal(parse_nb(ps, &nb), 0);
	add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 4);
}

static void
torture_parse_sender(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;

	/*
	 * The kernel's notification of "ip addr add" carries the port id of
	 * the ip process in nlmsg_pid: it must count.  Datagrams from other
	 * senders are refused by routemon_sys_read (see the live test).
	 */
	memset(&nb, 0, sizeof(nb));
	add_addr(&nb, RTM_NEWADDR, AF_INET, 4242);
	add_addr(&nb, RTM_DELADDR, AF_INET6, UINT32_MAX);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 2);
}

static void
torture_parse_wireless(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;

	memset(&nb, 0, sizeof(nb));
	add_link(&nb, RTM_NEWLINK, 1, 0);
	add_link(&nb, RTM_NEWLINK, 1, 0);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 0);
	assert_int_equal(routemon_deadline_ms(ps->rm, NOW), -1);

	/* Only NEWLINK carries wireless events; a DELLINK always counts */
	memset(&nb, 0, sizeof(nb));
	add_link(&nb, RTM_DELLINK, 1, 1);
	add_link(&nb, RTM_NEWLINK, 0, 1);
	assert_int_equal(parse_nb(ps, &nb), 0);
	assert_int_equal(routemon_nevents(ps->rm), 2);
}

static void
torture_parse_truncated(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;
	size_t cut, i;
	u_int want, before;
	int r, boundary;

	build_multi(&nb);
	for (cut = 0; cut <= nb.len; cut++) {
		want = 0;
		boundary = cut == 0;
		for (i = 0; i < nb.nmsg; i++) {
			if (nb.ends[i] <= cut)
				want += nb.relevant[i];
			if (nb.ends[i] == cut)
				boundary = 1;
		}
		before = routemon_nevents(ps->rm);
		r = parse(ps, nb.b, cut);
		if (boundary)
			assert_int_equal(r, 0);
		else
			assert_int_equal(r, SSH_ERR_INVALID_FORMAT);
		/* Events before the cut stay counted */
		assert_int_equal(routemon_nevents(ps->rm) - before, want);
	}
}

static void
torture_parse_bad_len(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;
	size_t off, i;
	const uint32_t bad[] = {
		0, 1, NLMSG_HDRLEN - 1, 0, 0, 0, 0x80000000U,
		UINT32_MAX - 2, UINT32_MAX - 1, UINT32_MAX
	};
	uint32_t len;
	u_int before;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* A good message, then one with a bad length */
		memset(&nb, 0, sizeof(nb));
		add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
		off = nb.len;
		add_route(&nb, RTM_NEWROUTE, RT_TABLE_MAIN);
		len = bad[i];
		if (i == 3)
			len = nb.len - off + 1;		/* one past the end */
		else if (i == 4)
			len = nb.len - off + 4;		/* past with padding */
		else if (i == 5)
			len = NLMSG_HDRLEN;		/* no rtmsg */
		set_len(&nb, off, len);
		before = routemon_nevents(ps->rm);
		assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);
		assert_int_equal(routemon_nevents(ps->rm) - before, 1);

		/* The bad one alone */
		before = routemon_nevents(ps->rm);
		assert_int_equal(parse(ps, nb.b + off, nb.len - off),
		    SSH_ERR_INVALID_FORMAT);
		assert_int_equal(routemon_nevents(ps->rm), before);
	}

	/* A header only, short by one byte */
	memset(&nb, 0, sizeof(nb));
	add_ctl(&nb, NLMSG_NOOP, 0);
	assert_int_equal(parse(ps, nb.b, NLMSG_HDRLEN - 1),
	    SSH_ERR_INVALID_FORMAT);
}

static void
torture_parse_bad_body(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf nb;
	struct rtattr rta;
	size_t off, aoff;

	/* ifaddrmsg cut short */
	memset(&nb, 0, sizeof(nb));
	off = nl_begin(&nb, RTM_NEWADDR, 0);
	nl_put(&nb, "\x02\x18\0\0", 4);
	nl_end(&nb, off, 1);
	assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);

	/* Attribute shorter than its own header */
	memset(&nb, 0, sizeof(nb));
	add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
	aoff = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifaddrmsg));
	memcpy(&rta, nb.b + aoff, sizeof(rta));
	rta.rta_len = 2;
	memcpy(nb.b + aoff, &rta, sizeof(rta));
	assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);
	rta.rta_len = 0;
	memcpy(nb.b + aoff, &rta, sizeof(rta));
	assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);

	/* Attribute longer than the message */
	rta.rta_len = 0xffff;
	memcpy(nb.b + aoff, &rta, sizeof(rta));
	assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);
	rta.rta_len = nb.len - aoff + 1;
	memcpy(nb.b + aoff, &rta, sizeof(rta));
	assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);

	/* Two stray bytes after the last attribute */
	memset(&nb, 0, sizeof(nb));
	add_link(&nb, RTM_NEWLINK, 0, 1);
	nl_put(&nb, "\0\0", 2);
	set_len(&nb, 0, nb.len);
	assert_int_equal(parse_nb(ps, &nb), SSH_ERR_INVALID_FORMAT);
	assert_int_equal(routemon_nevents(ps->rm), 0);

	/* Bad arguments */
	assert_int_equal(routemon_parse_netlink(NULL, nb.b, nb.len, NOW),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_parse_netlink(ps->rm, NULL, 4, NOW),
	    SSH_ERR_INVALID_ARGUMENT);
}

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
torture_parse_random(void **state)
{
	struct pstate *ps = *state;
	struct nlbuf multi, nb;
	uint32_t seed = 0x5eed1234, v;
	u_int before;
	size_t i, j, n;
	int r;

	build_multi(&multi);
	for (i = 0; i < 1500; i++) {
		/* The good buffer with a few bytes changed, often in headers */
		nb = multi;
		n = 1 + xorshift(&seed) % 4;
		for (j = 0; j < n; j++) {
			v = xorshift(&seed);
			nb.b[(v >> 8) % nb.len] = v & 0xff;
		}
		before = routemon_nevents(ps->rm);
		r = parse_nb(ps, &nb);
		assert_true(r == 0 || r == SSH_ERR_INVALID_FORMAT);
		assert_true(routemon_nevents(ps->rm) - before <= nb.nmsg);

		/* Random bytes under plausible headers */
		memset(&nb, 0, sizeof(nb));
		n = xorshift(&seed) % 256;
		for (j = 0; j < n; j++)
			nb.b[j] = xorshift(&seed) & 0xff;
		if (n >= NLMSG_HDRLEN && (v = xorshift(&seed)) % 2 == 0)
			set_len(&nb, 0, (v >> 1) % (n + 8));
		nb.len = n;
		r = parse_nb(ps, &nb);
		assert_true(r == 0 || r == SSH_ERR_INVALID_FORMAT);
	}
}

/* Live kernel */

static void
sin4(struct sockaddr_in *sin, const char *addr, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
}

/*
 * A connection bound to its source: SAME while the address exists and
 * reaches the peer, whatever the kernel would pick unbound; GONE when the
 * address is not the host's or cannot reach the peer.
 */
static void
torture_check_bound(void **state)
{
	struct sockaddr_in local, peer;
	enum routemon_verdict v;

	sin4(&peer, "127.0.0.1", 22);
	sin4(&local, "127.0.0.1", 40000);
	v = ROUTEMON_CHANGED;
	assert_int_equal(routemon_check_bound((struct sockaddr *)&local,
	    sizeof(local), (struct sockaddr *)&peer, sizeof(peer), &v), 0);
	assert_int_equal(v, ROUTEMON_SAME);
	/* 127.0.0.2 is the host's too (all of 127/8), though not the pick */
	sin4(&local, "127.0.0.2", 40000);
	v = ROUTEMON_CHANGED;
	assert_int_equal(routemon_check_bound((struct sockaddr *)&local,
	    sizeof(local), (struct sockaddr *)&peer, sizeof(peer), &v), 0);
	assert_int_equal(v, ROUTEMON_SAME);
	/* TEST-NET-1: not an address of this host */
	sin4(&local, "192.0.2.77", 40000);
	v = ROUTEMON_SAME;
	assert_int_equal(routemon_check_bound((struct sockaddr *)&local,
	    sizeof(local), (struct sockaddr *)&peer, sizeof(peer), &v), 0);
	assert_int_equal(v, ROUTEMON_GONE);
	/* loopback cannot reach a peer elsewhere */
	sin4(&local, "127.0.0.1", 40000);
	sin4(&peer, "192.0.2.1", 22);
	v = ROUTEMON_SAME;
	assert_int_equal(routemon_check_bound((struct sockaddr *)&local,
	    sizeof(local), (struct sockaddr *)&peer, sizeof(peer), &v), 0);
	assert_int_equal(v, ROUTEMON_GONE);
	/* families must agree, lengths be sane */
	assert_int_equal(routemon_check_bound((struct sockaddr *)&local,
	    sizeof(local), (struct sockaddr *)&peer, 3, &v),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_check_bound((struct sockaddr *)&local,
	    sizeof(local), (struct sockaddr *)&peer, sizeof(peer), NULL),
	    SSH_ERR_INVALID_ARGUMENT);
}

static void
torture_live_open(void **state)
{
	struct routemon *rm = NULL;
	struct sockaddr_nl snl;
	socklen_t len = sizeof(snl);
	int r, fd, fl;

	if ((r = routemon_open(&rm)) == SSH_ERR_FEATURE_UNSUPPORTED ||
	    r == SSH_ERR_SYSTEM_ERROR)
		skip();
	assert_int_equal(r, 0);
	assert_non_null(rm);
	assert_true((fd = routemon_fd(rm)) >= 0);
	assert_true((fl = fcntl(fd, F_GETFL)) != -1);
	assert_true((fl & O_NONBLOCK) != 0);
	assert_true((fl = fcntl(fd, F_GETFD)) != -1);
	assert_true((fl & FD_CLOEXEC) != 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&snl, &len), 0);
	assert_int_equal(snl.nl_family, AF_NETLINK);
	assert_int_equal(snl.nl_groups, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
	    RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE);
	/* Idle (or not: events may come, the read still succeeds) */
	assert_int_equal(routemon_read(rm, T0), 0);
	assert_int_equal(routemon_read(rm, T0), 0);
	routemon_free(rm);
}

struct nsstate {
	int oldns;		/* the original network namespace, or -1 */
	int inns;		/* we are in a private namespace */
};

static int
setup_netns(void **state)
{
	struct nsstate *ns;

	if ((ns = calloc(1, sizeof(*ns))) == NULL)
		return -1;
	ns->oldns = -1;
	if (geteuid() == 0 &&
	    (ns->oldns = open("/proc/self/ns/net", O_RDONLY)) != -1 &&
	    unshare(CLONE_NEWNET) == 0)
		ns->inns = 1;
	*state = ns;
	return 0;
}

static int
teardown_netns(void **state)
{
	struct nsstate *ns = *state;
	int r = 0;

	if (ns->inns && setns(ns->oldns, CLONE_NEWNET) != 0)
		r = -1;
	if (ns->oldns != -1)
		close(ns->oldns);
	free(ns);
	*state = NULL;
	return r;
}

static void
set_lo_up(void)
{
	struct ifreq ifr;
	int s;

	assert_true((s = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

static int
readable(int fd, int timeout)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, timeout) == 1 && (pfd.revents & POLLIN);
}

/* A real routemon_check() on loopback */
static void
live_check(const char *local, const char *peer, int want_r,
    enum routemon_verdict want, const char *want_src)
{
	struct sockaddr_storage l, p, src, ws;
	enum routemon_verdict v = (enum routemon_verdict)-1;
	socklen_t ll, pl;
	int six = strchr(peer, ':') != NULL;

	ll = six ? mk6(&l, local, 40000, 0) : mk4(&l, local, 40000);
	pl = six ? mk6(&p, peer, 22, 0) : mk4(&p, peer, 22);
	assert_int_equal(routemon_check((struct sockaddr *)&l, ll,
	    (struct sockaddr *)&p, pl, &v, &src), want_r);
	if (want_r != 0)
		return;
	assert_int_equal(v, want);
	if (want_src == NULL)
		return;
	if (six) {
		mk6(&ws, want_src, 0, 0);
		assert_memory_equal(&((struct sockaddr_in6 *)&src)->sin6_addr,
		    &((struct sockaddr_in6 *)&ws)->sin6_addr, 16);
	} else {
		mk4(&ws, want_src, 0);
		assert_memory_equal(&((struct sockaddr_in *)&src)->sin_addr,
		    &((struct sockaddr_in *)&ws)->sin_addr, 4);
	}
}

static void
torture_live_netns(void **state)
{
	struct nsstate *ns = *state;
	struct routemon *rm = NULL;
	struct sockaddr_nl me, to;
	socklen_t len = sizeof(me);
	struct nlbuf nb;
	int s;

	if (!ns->inns)
		skip();

	/* Loopback is down in a fresh namespace: no route at all */
	live_check("127.0.0.1", "127.0.0.1", 0, ROUTEMON_GONE, NULL);

	assert_int_equal(routemon_open(&rm), 0);
	assert_false(readable(routemon_fd(rm), 0));
	assert_int_equal(routemon_read(rm, T0), 0);
	assert_int_equal(routemon_nevents(rm), 0);

	/* A forged notification from another socket is not believed */
	assert_int_equal(getsockname(routemon_fd(rm),
	    (struct sockaddr *)&me, &len), 0);
	assert_true((s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)) != -1);
	memset(&to, 0, sizeof(to));
	to.nl_family = AF_NETLINK;
	to.nl_pid = me.nl_pid;
	memset(&nb, 0, sizeof(nb));
	add_addr(&nb, RTM_NEWADDR, AF_INET, 0);
	assert_int_equal(sendto(s, nb.b, nb.len, 0, (struct sockaddr *)&to,
	    sizeof(to)), (ssize_t)nb.len);
	close(s);
	assert_true(readable(routemon_fd(rm), 1000));
	assert_int_equal(routemon_read(rm, T0), 0);
	assert_false(readable(routemon_fd(rm), 0));
	assert_int_equal(routemon_nevents(rm), 0);

	/* Bring loopback up: link, address and route notifications */
	set_lo_up();
	assert_true(readable(routemon_fd(rm), 2000));
	assert_int_equal(routemon_read(rm, T0 + 1000), 0);
	assert_true(routemon_nevents(rm) >= 2);
	assert_int_equal(routemon_deadline_ms(rm, T0 + 1000),
	    ROUTEMON_DEBOUNCE_MS);
	assert_int_equal(routemon_take_event(rm, T0 + 1049), 0);
	assert_int_equal(routemon_take_event(rm, T0 + 1050), 1);
	routemon_free(rm);

	live_check("127.0.0.1", "127.0.0.1", 0, ROUTEMON_SAME, NULL);
	live_check("127.0.0.2", "127.0.0.1", 0, ROUTEMON_CHANGED,
	    "127.0.0.1");
	/* IPv6 may be compiled out or disabled */
	if ((s = socket(AF_INET6, SOCK_DGRAM, 0)) != -1) {
		close(s);
		live_check("::1", "::1", 0, ROUTEMON_SAME, NULL);
		live_check("2001:db8::1", "::1", 0, ROUTEMON_CHANGED, "::1");
		live_check("::1", "2001:db8::7", 0, ROUTEMON_GONE, NULL);
	}
}

/*
 * PF_ROUTE parser (routemon-bsd.c).  It reads only the header that every
 * routing message starts with, so it is tested here on constructed
 * messages; the socket itself exists only on the BSDs and macOS.
 */

#define RT_VERSION	5	/* FreeBSD's, OpenBSD's and macOS's RTM_VERSION */

struct rtbuf {
	u_char b[1024];
	size_t len;
};

/* Append a message of msglen bytes (header included, rest zero) */
static void
rt_add(struct rtbuf *rb, u_int msglen, u_int version, u_int type)
{
	u_short l = (u_short)msglen;
	size_t n = msglen < 4 ? 4 : msglen;

	assert_true(n <= sizeof(rb->b) - rb->len);
	memset(rb->b + rb->len, 0, n);
	memcpy(rb->b + rb->len, &l, sizeof(l));
	rb->b[rb->len + 2] = (u_char)version;
	rb->b[rb->len + 3] = (u_char)type;
	rb->len += n;
}

static int
rtsock(struct routemon *rm, const u_char *p, size_t len)
{
	return routemon_parse_rtsock(rm, p, len, RT_VERSION, NOW);
}

static int
parse_rt(struct pstate *ps, const struct rtbuf *rb, size_t len)
{
	return parse_with(ps, rtsock, rb->b, len);
}

static void
torture_rtsock_types(void **state)
{
	struct pstate *ps = *state;
	struct rtbuf rb;
	/* route add/delete/change/redirect, address new/del, link info */
	const u_int yes[] = { 0x1, 0x2, 0x3, 0x6, 0xc, 0xd, 0xe };
	/* get, losing, miss, lock, resolve, 0x15 (OpenBSD's 802.11 info) */
	const u_int no[] = { 0x4, 0x5, 0x7, 0x8, 0xb, 0x15, 0xff };
	u_int i, want = 0;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		memset(&rb, 0, sizeof(rb));
		rt_add(&rb, 92, RT_VERSION, yes[i]);
		assert_int_equal(parse_rt(ps, &rb, rb.len), 0);
		assert_int_equal(routemon_nevents(ps->rm), ++want);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		memset(&rb, 0, sizeof(rb));
		rt_add(&rb, 92, RT_VERSION, no[i]);
		assert_int_equal(parse_rt(ps, &rb, rb.len), 0);
		assert_int_equal(routemon_nevents(ps->rm), want);
	}
	/* another interface version: not understood, not counted */
	memset(&rb, 0, sizeof(rb));
	rt_add(&rb, 92, RT_VERSION - 1, 0x1);
	assert_int_equal(parse_rt(ps, &rb, rb.len), 0);
	assert_int_equal(routemon_nevents(ps->rm), want);
	/* nothing to read is not an error */
	assert_int_equal(parse_rt(ps, &rb, 0), 0);
	assert_int_equal(routemon_nevents(ps->rm), want);
}

static void
torture_rtsock_multi(void **state)
{
	struct pstate *ps = *state;
	struct rtbuf rb;

	/* several messages in one read, of odd lengths */
	memset(&rb, 0, sizeof(rb));
	rt_add(&rb, 4, RT_VERSION, 0x4);
	rt_add(&rb, 153, RT_VERSION, 0x1);
	rt_add(&rb, 7, RT_VERSION, 0x7);
	rt_add(&rb, 300, RT_VERSION, 0xc);
	rt_add(&rb, 4, RT_VERSION, 0xe);
	assert_int_equal(parse_rt(ps, &rb, rb.len), 0);
	assert_int_equal(routemon_nevents(ps->rm), 3);
}

static void
torture_rtsock_malformed(void **state)
{
	struct pstate *ps = *state;
	struct rtbuf rb;
	size_t l;

	/* shorter than a header, at the start and after a good message */
	memset(&rb, 0, sizeof(rb));
	rt_add(&rb, 60, RT_VERSION, 0x1);
	for (l = 1; l < 4; l++)
		assert_int_equal(parse_rt(ps, &rb, l), SSH_ERR_INVALID_FORMAT);
	assert_int_equal(routemon_nevents(ps->rm), 0);
	rt_add(&rb, 60, RT_VERSION, 0x2);
	assert_int_equal(parse_rt(ps, &rb, 62), SSH_ERR_INVALID_FORMAT);
	/* the message before the bad one still counts */
	assert_int_equal(routemon_nevents(ps->rm), 1);

	/* a length that cannot even cover the header: no endless loop */
	memset(&rb, 0, sizeof(rb));
	rt_add(&rb, 0, RT_VERSION, 0x1);
	assert_int_equal(parse_rt(ps, &rb, rb.len), SSH_ERR_INVALID_FORMAT);
	memset(&rb, 0, sizeof(rb));
	rt_add(&rb, 3, RT_VERSION, 0x1);
	assert_int_equal(parse_rt(ps, &rb, rb.len), SSH_ERR_INVALID_FORMAT);
	assert_int_equal(routemon_nevents(ps->rm), 1);

	/* a length past the end of what was read: cut short */
	memset(&rb, 0, sizeof(rb));
	rt_add(&rb, 200, RT_VERSION, 0x3);
	assert_int_equal(parse_rt(ps, &rb, 199), SSH_ERR_INVALID_FORMAT);
	assert_int_equal(parse_rt(ps, &rb, 200), 0);
	assert_int_equal(routemon_nevents(ps->rm), 2);

	assert_int_equal(routemon_parse_rtsock(NULL, rb.b, rb.len,
	    RT_VERSION, NOW), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(routemon_parse_rtsock(ps->rm, NULL, 4, RT_VERSION,
	    NOW), SSH_ERR_INVALID_ARGUMENT);
}

/* Random bytes: never a crash, an over-read or an endless loop */
static void
torture_rtsock_random(void **state)
{
	struct pstate *ps = *state;
	struct rtbuf rb;
	uint32_t x = 0x9e3779b9;
	size_t i, n;
	int r;

	for (n = 0; n < 2000; n++) {
		memset(&rb, 0, sizeof(rb));
		rb.len = 1 + n % 64;
		for (i = 0; i < rb.len; i++)
			rb.b[i] = (u_char)xorshift(&x);
		r = parse_rt(ps, &rb, rb.len);
		assert_true(r == 0 || r == SSH_ERR_INVALID_FORMAT);
	}
}

#endif /* __linux__ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(torture_check_v4,
		    setup_mock, teardown_mock),
		cmocka_unit_test_setup_teardown(torture_check_v6,
		    setup_mock, teardown_mock),
		cmocka_unit_test_setup_teardown(torture_check_v6_scope,
		    setup_mock, teardown_mock),
		cmocka_unit_test_setup_teardown(torture_check_errors,
		    setup_mock, teardown_mock),
		cmocka_unit_test_setup_teardown(torture_check_bad_args,
		    setup_mock, teardown_mock),
		cmocka_unit_test_setup_teardown(torture_idle,
		    setup_rm, teardown_rm),
		cmocka_unit_test_setup_teardown(torture_debounce_burst,
		    setup_rm, teardown_rm),
		cmocka_unit_test_setup_teardown(torture_debounce_stream,
		    setup_rm, teardown_rm),
		cmocka_unit_test_setup_teardown(torture_debounce_clock,
		    setup_rm, teardown_rm),
#ifdef __linux__
		cmocka_unit_test_setup_teardown(torture_parse_each_type,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_multi,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_control,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_sender,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_wireless,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_truncated,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_bad_len,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_bad_body,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_parse_random,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_rtsock_types,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_rtsock_multi,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_rtsock_malformed,
		    setup_parse, teardown_parse),
		cmocka_unit_test_setup_teardown(torture_rtsock_random,
		    setup_parse, teardown_parse),
		cmocka_unit_test(torture_check_bound),
		cmocka_unit_test(torture_live_open),
		cmocka_unit_test_setup_teardown(torture_live_netns,
		    setup_netns, teardown_netns),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
