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
 * The broker's frames and the listener's registry (resilient-broker.c),
 * driven over socket pairs the way sshd's processes use them: a startup
 * pipe between "listener" and "sshd-session", a link between listener
 * and session.  Descriptors that cross are checked by inode.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ssherr.h"
#include "sshbuf.h"
#include "misc.h"
#include "atomicio.h"

#include "resilient-broker.h"
#include "resilient-proto.h"

static void
pair(int sp[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
}

static int
same_file(int a, int b)
{
	struct stat sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
test_frame_roundtrip_with_fd(void **state)
{
	struct sshbuf *in, *out;
	int sp[2], other[2], fd;
	u_char type;

	pair(sp);
	pair(other);
	assert_non_null(out = sshbuf_new());
	assert_non_null(in = sshbuf_new());
	assert_int_equal(sshbuf_put_cstring(out, "hello"), 0);
	assert_int_equal(resilient_frame_send(sp[0], RESILIENT_BROKER_RESUME,
	    out, other[0]), 0);
	assert_int_equal(resilient_frame_recv(sp[1], &type, in, &fd, 1000), 0);
	assert_int_equal(type, RESILIENT_BROKER_RESUME);
	assert_int_equal(sshbuf_cmp(in, 0, sshbuf_ptr(out), sshbuf_len(out)),
	    0);
	assert_int_equal(sshbuf_len(in), sshbuf_len(out));
	assert_true(fd >= 0);
	assert_true(same_file(fd, other[0]));
	close(fd);
	/* A frame of a type without a descriptor is read without one */
	assert_int_equal(resilient_frame_send(sp[0], RESILIENT_BROKER_LIMIT,
	    NULL, -1), 0);
	assert_int_equal(resilient_frame_recv(sp[1], &type, in, &fd, 1000), 0);
	assert_int_equal(type, RESILIENT_BROKER_LIMIT);
	assert_int_equal(fd, -1);
	assert_int_equal(sshbuf_len(in), 0);
	close(other[0]);
	close(other[1]);
	close(sp[0]);
	close(sp[1]);
	sshbuf_free(in);
	sshbuf_free(out);
}

static void
test_frame_oversized_refused(void **state)
{
	struct sshbuf *in;
	u_char hdr[5], type;
	int sp[2];

	pair(sp);
	assert_non_null(in = sshbuf_new());
	hdr[0] = RESILIENT_BROKER_REGISTER;
	POKE_U32(hdr + 1, RESILIENT_FRAME_MAX + 1);
	assert_int_equal(write(sp[0], hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_not_equal(resilient_frame_recv(sp[1], &type, in, NULL,
	    1000), 0);
	assert_int_equal(sshbuf_len(in), 0);
	POKE_U32(hdr + 1, 0xffffffff);
	assert_int_equal(write(sp[0], hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_not_equal(resilient_frame_recv(sp[1], &type, in, NULL,
	    1000), 0);
	close(sp[0]);
	close(sp[1]);
	sshbuf_free(in);
}

static void
test_frame_truncated_and_slow(void **state)
{
	struct sshbuf *in;
	u_char hdr[8], type;
	struct timespec a, b;
	int sp[2];

	pair(sp);
	assert_non_null(in = sshbuf_new());
	set_nonblock(sp[1]);
	/* a header promising 10 bytes, then only 3: times out, bounded */
	hdr[0] = RESILIENT_BROKER_REGISTER;
	POKE_U32(hdr + 1, 10);
	memcpy(hdr + 5, "abc", 3);
	assert_int_equal(write(sp[0], hdr, sizeof(hdr)), sizeof(hdr));
	monotime_ts(&a);
	assert_int_equal(resilient_frame_recv(sp[1], &type, in, NULL, 200),
	    SSH_ERR_CONN_TIMEOUT);
	monotime_ts(&b);
	assert_true(b.tv_sec - a.tv_sec < 3);
	/* ... and the writer goes away: closed, not a hang */
	close(sp[0]);
	assert_int_equal(resilient_frame_recv(sp[1], &type, in, NULL, 5000),
	    SSH_ERR_CONN_CLOSED);
	close(sp[1]);
	sshbuf_free(in);
}

/* The listener side of one sshd-session: its startup pipe */
struct child {
	int	pipe[2];	/* [0] listener's end, [1] the child's */
	char	id[32];
};

/* Listener: let the broker read what a child wrote on its pipe */
static void
listener_reads(struct child *c)
{
	char ch;

	assert_int_equal(read(c->pipe[0], &ch, 1), 1);
	assert_int_equal(resilient_broker_pipe_byte(c->pipe[0], ch, c->id),
	    1);
}

/* Listener: one pass over the links, as the accept loop makes it */
static void
listener_polls(int timeout_ms)
{
	struct pollfd pfd[16];
	u_int n;

	n = resilient_broker_pollfds(pfd, 16);
	if (n == 0)
		return;
	assert_true(poll(pfd, n, timeout_ms) >= 0);
	resilient_broker_after_poll(pfd, n);
}

static void
child_new(struct child *c, const char *id)
{
	pair(c->pipe);
	set_nonblock(c->pipe[0]);
	snprintf(c->id, sizeof(c->id), "%s", id);
}

/* A session of uid registers through its pipe and names its token */
static int
session_new_uid(struct child *c, const u_char *token, uid_t uid)
{
	struct sshbuf *b;
	int link;

	resilient_broker_set_pipe(c->pipe[1]);
	assert_int_equal(resilient_broker_link_new(uid, &link), 0);
	resilient_broker_set_pipe(-1);
	assert_true(link >= 0);
	listener_reads(c);
	assert_non_null(b = sshbuf_new());
	assert_int_equal(sshbuf_put_string(b, token, RESILIENT_TOKEN_LEN), 0);
	assert_int_equal(resilient_frame_send(link, RESILIENT_BROKER_REGISTER,
	    b, -1), 0);
	listener_polls(1000);
	sshbuf_free(b);
	return link;
}

static int
session_new(struct child *c, const u_char *token)
{
	return session_new_uid(c, token, getuid());
}

/* A new connection's monitor sends a reconnect for token with sock */
static void
resume_request(struct child *c, const u_char *token, int sock)
{
	struct sshbuf *b;

	assert_non_null(b = sshbuf_new());
	assert_int_equal(sshbuf_put_string(b, token, RESILIENT_TOKEN_LEN), 0);
	assert_int_equal(sshbuf_put_cstring(b, "rest of the request"), 0);
	assert_int_equal(atomicio(vwrite, c->pipe[1], "\003", 1), 1);
	assert_int_equal(resilient_frame_send(c->pipe[1],
	    RESILIENT_BROKER_RESUME, b, sock), 0);
	listener_reads(c);
	sshbuf_free(b);
}

static u_int
result_on(int fd)
{
	struct sshbuf *b;
	u_char type;
	u_int code;

	assert_non_null(b = sshbuf_new());
	assert_int_equal(resilient_frame_recv(fd, &type, b, NULL, 2000), 0);
	assert_int_equal(type, RESILIENT_BROKER_RESULT);
	assert_int_equal(sshbuf_get_u32(b, &code), 0);
	sshbuf_free(b);
	return code;
}

static void
child_free(struct child *c)
{
	close(c->pipe[0]);
	close(c->pipe[1]);
}

static void
test_broker_routes_by_token(void **state)
{
	struct child s1, s2, n;
	struct sshbuf *b;
	u_char t1[RESILIENT_TOKEN_LEN], t2[RESILIENT_TOKEN_LEN], type;
	int l1, l2, sock[2], fd;
	u_int code;

	memset(t1, 0x11, sizeof(t1));
	memset(t2, 0x22, sizeof(t2));
	child_new(&s1, "session 1");
	child_new(&s2, "session 2");
	child_new(&n, "new connection");
	l1 = session_new(&s1, t1);
	l2 = session_new(&s2, t2);
	pair(sock);

	/* A reconnect for session 2 reaches session 2, with its socket */
	resume_request(&n, t2, sock[0]);
	assert_non_null(b = sshbuf_new());
	assert_int_equal(resilient_frame_recv(l2, &type, b, &fd, 2000), 0);
	assert_int_equal(type, RESILIENT_BROKER_RESUME);
	assert_true(same_file(fd, sock[0]));
	close(fd);
	/* ... and nothing reaches session 1 */
	set_nonblock(l1);
	assert_int_equal(resilient_frame_recv(l1, &type, b, NULL, 50),
	    SSH_ERR_CONN_TIMEOUT);
	/* A second reconnect while the first is decided: busy */
	resume_request(&n, t2, sock[0]);
	assert_int_equal(result_on(n.pipe[1]), RESILIENT_BUSY);
	/* The session's answer goes back to the waiting connection */
	sshbuf_reset(b);
	assert_int_equal(sshbuf_put_u32(b, RESILIENT_RESUMED), 0);
	assert_int_equal(resilient_frame_send(l2, RESILIENT_BROKER_RESULT, b,
	    -1), 0);
	listener_polls(1000);
	code = result_on(n.pipe[1]);
	assert_int_equal(code, RESILIENT_RESUMED);

	/* Unknown token: answered at once, no session is bothered */
	memset(t1, 0x33, sizeof(t1));
	resume_request(&n, t1, sock[0]);
	assert_int_equal(result_on(n.pipe[1]), RESILIENT_UNKNOWN);

	/* A session that dies while deciding: the connection is told */
	resume_request(&n, t2, sock[0]);
	assert_int_equal(resilient_frame_recv(l2, &type, b, &fd, 2000), 0);
	close(fd);
	close(l2);
	listener_polls(1000);
	assert_int_equal(result_on(n.pipe[1]), RESILIENT_UNKNOWN);
	/* ... and is gone from the registry */
	resume_request(&n, t2, sock[0]);
	assert_int_equal(result_on(n.pipe[1]), RESILIENT_UNKNOWN);

	close(l1);
	listener_polls(1000);
	assert_int_equal(resilient_broker_pollfds(NULL, 0), 0);
	close(sock[0]);
	close(sock[1]);
	sshbuf_free(b);
	child_free(&s1);
	child_free(&s2);
	child_free(&n);
}

/* Whether a reconnect naming token reaches the session at link */
static int
reaches(struct child *n, const u_char *token, int link, int sock)
{
	struct sshbuf *b;
	u_char type;
	int fd, r;

	resume_request(n, token, sock);
	assert_non_null(b = sshbuf_new());
	set_nonblock(link);
	if ((r = resilient_frame_recv(link, &type, b, &fd, 200)) != 0) {
		assert_int_equal(result_on(n->pipe[1]), RESILIENT_UNKNOWN);
		sshbuf_free(b);
		return 0;
	}
	assert_int_equal(type, RESILIENT_BROKER_RESUME);
	close(fd);
	sshbuf_reset(b);
	assert_int_equal(sshbuf_put_u32(b, RESILIENT_RESUMED), 0);
	assert_int_equal(resilient_frame_send(link, RESILIENT_BROKER_RESULT, b,
	    -1), 0);
	listener_polls(1000);
	assert_int_equal(result_on(n->pipe[1]), RESILIENT_RESUMED);
	sshbuf_free(b);
	return 1;
}

/* A session registers the tokens in toks (n of them) at once */
static void
register_tokens(int link, u_char toks[][RESILIENT_TOKEN_LEN], int n)
{
	struct sshbuf *b;
	int i;

	assert_non_null(b = sshbuf_new());
	for (i = 0; i < n; i++)
		assert_int_equal(sshbuf_put_string(b, toks[i],
		    RESILIENT_TOKEN_LEN), 0);
	assert_int_equal(resilient_frame_send(link, RESILIENT_BROKER_REGISTER,
	    b, -1), 0);
	listener_polls(1000);
	sshbuf_free(b);
}

/*
 * A session names up to three tokens (current, previous, next); a set
 * with a token another session holds changes nothing.
 */
static void
test_broker_registers_token_sets(void **state)
{
	struct child s1, s2, n;
	u_char t1[RESILIENT_TOKEN_LEN], set[3][RESILIENT_TOKEN_LEN];
	u_char bad[2][RESILIENT_TOKEN_LEN];
	int l1, l2, sock[2], i;

	memset(t1, 0x11, sizeof(t1));
	for (i = 0; i < 3; i++)
		memset(set[i], 0x40 + i, sizeof(set[i]));
	memset(bad[0], 0x50, sizeof(bad[0]));
	memcpy(bad[1], t1, sizeof(t1));
	child_new(&s1, "session 1");
	child_new(&s2, "session 2");
	child_new(&n, "new connection");
	l1 = session_new(&s1, t1);
	l2 = session_new(&s2, set[0]);
	pair(sock);

	register_tokens(l2, set, 3);
	for (i = 0; i < 3; i++)
		assert_true(reaches(&n, set[i], l2, sock[0]));
	/* t1 is session 1's: the whole set is ignored */
	register_tokens(l2, bad, 2);
	assert_false(reaches(&n, bad[0], l2, sock[0]));
	assert_true(reaches(&n, t1, l1, sock[0]));
	for (i = 0; i < 3; i++)
		assert_true(reaches(&n, set[i], l2, sock[0]));
	/* a smaller set drops the others */
	register_tokens(l2, set, 1);
	assert_true(reaches(&n, set[0], l2, sock[0]));
	assert_false(reaches(&n, set[2], l2, sock[0]));

	close(l1);
	close(l2);
	listener_polls(1000);
	close(sock[0]);
	close(sock[1]);
	child_free(&s1);
	child_free(&s2);
	child_free(&n);
}

/* A session tells the listener it lost (or regained) its connection */
static void
session_tells(int link, u_char type)
{
	assert_int_equal(resilient_frame_send(link, type, NULL, -1), 0);
	listener_polls(1000);
}

/* Whether the listener told the session at link to end */
static int
told_to_end(int link)
{
	struct pollfd pfd = { link, POLLIN, 0 };
	struct sshbuf *b;
	u_char type;

	if (poll(&pfd, 1, 100) != 1)
		return 0;
	assert_non_null(b = sshbuf_new());
	assert_int_equal(resilient_frame_recv(link, &type, b, NULL, 1000), 0);
	assert_int_equal(type, RESILIENT_BROKER_LIMIT);
	sshbuf_free(b);
	return 1;
}

static void
test_broker_caps_detached(void **state)
{
	struct child c[4];
	u_char t[4][RESILIENT_TOKEN_LEN];
	uid_t uid[4] = { 1000, 1000, 2000, 3000 };
	int l[4], i;

	/* two detached sessions in all, one per user */
	assert_int_equal(resilient_broker_listen(NULL, 2, 1), 0);
	for (i = 0; i < 4; i++) {
		memset(t[i], 0x31 + i, sizeof(t[i]));
		child_new(&c[i], "session");
		l[i] = session_new_uid(&c[i], t[i], uid[i]);
	}
	session_tells(l[0], RESILIENT_BROKER_DETACH);
	assert_false(told_to_end(l[0]));
	/* the same user's second one is over its limit ... */
	session_tells(l[1], RESILIENT_BROKER_DETACH);
	assert_true(told_to_end(l[1]));
	/* ... another user's is not, until the total is reached */
	session_tells(l[2], RESILIENT_BROKER_DETACH);
	assert_false(told_to_end(l[2]));
	session_tells(l[3], RESILIENT_BROKER_DETACH);
	assert_true(told_to_end(l[3]));
	/* telling twice counts once; a resumed session frees its place */
	session_tells(l[2], RESILIENT_BROKER_DETACH);
	assert_false(told_to_end(l[2]));
	session_tells(l[0], RESILIENT_BROKER_ATTACH);
	session_tells(l[3], RESILIENT_BROKER_DETACH);
	assert_false(told_to_end(l[3]));
	/* so does one that ended */
	close(l[2]);
	listener_polls(1000);
	session_tells(l[1], RESILIENT_BROKER_DETACH);
	assert_false(told_to_end(l[1]));

	for (i = 0; i < 4; i++) {
		if (i != 2)
			close(l[i]);
		child_free(&c[i]);
	}
	listener_polls(1000);
	assert_int_equal(resilient_broker_pollfds(NULL, 0), 0);
	assert_int_equal(resilient_broker_listen(NULL,
	    RESILIENT_MAX_DETACHED, RESILIENT_MAX_DETACHED_USER), 0);
}

/* Without a listener (sshd -i, -d) a reconnect finds nothing */
static void
test_no_listener(void **state)
{
	struct sshbuf *b;
	u_int code = 99;
	int link = 7;

	resilient_broker_set_pipe(-1);
	assert_non_null(b = sshbuf_new());
	assert_int_equal(resilient_broker_resume(0, b, &code), 0);
	assert_int_equal(code, RESILIENT_UNKNOWN);
	assert_int_equal(resilient_broker_link_new(getuid(), &link), 0);
	assert_int_equal(link, -1);
	sshbuf_free(b);
}

/* A request too large for a frame is refused before the listener sees
   any of it: not even the startup pipe's marker byte */
static void
test_oversized_request_sends_nothing(void **state)
{
	struct sshbuf *b;
	u_int code = 99;
	int sp[2], n = -1;

	pair(sp);
	resilient_broker_set_pipe(sp[1]);
	assert_non_null(b = sshbuf_new());
	assert_int_equal(sshbuf_reserve(b, RESILIENT_FRAME_MAX + 1, NULL), 0);
	assert_int_equal(resilient_broker_resume(sp[1], b, &code),
	    SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(code, RESILIENT_UNKNOWN);
	assert_int_equal(ioctl(sp[0], FIONREAD, &n), 0);
	assert_int_equal(n, 0);
	resilient_broker_set_pipe(-1);
	sshbuf_free(b);
	close(sp[0]);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_roundtrip_with_fd),
		cmocka_unit_test(test_frame_oversized_refused),
		cmocka_unit_test(test_frame_truncated_and_slow),
		cmocka_unit_test(test_broker_routes_by_token),
		cmocka_unit_test(test_broker_registers_token_sets),
		cmocka_unit_test(test_no_listener),
		cmocka_unit_test(test_oversized_request_sends_nothing),
		cmocka_unit_test(test_broker_caps_detached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
