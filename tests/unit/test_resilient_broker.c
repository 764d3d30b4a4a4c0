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
 * The rendezvous (resilient-broker.c): frames, a session monitor's names
 * in a directory of the test's own, and the path of a reconnect from a
 * "pre-auth monitor" (a forked process) through the session's monitor to
 * its "child" (the test, at the other end of the link).  Descriptors that
 * cross are checked by inode.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ssherr.h"
#include "sshbuf.h"
#include "misc.h"
#include "atomicio.h"
#include "digest.h"
#include "packet.h"

#include "resilient-broker.h"
#include "resilient-kdf.h"
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
	assert_int_equal(resilient_frame_send(sp[0], RESILIENT_BROKER_DETACH,
	    NULL, -1), 0);
	assert_int_equal(resilient_frame_recv(sp[1], &type, in, &fd, 1000), 0);
	assert_int_equal(type, RESILIENT_BROKER_DETACH);
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

static void
test_frame_take(void **state)
{
	struct sshbuf *in, *body;
	u_char hdr[5], type;

	assert_non_null(in = sshbuf_new());
	assert_non_null(body = sshbuf_new());
	/* a whole frame, then half of the next */
	hdr[0] = RESILIENT_BROKER_ATTACH;
	POKE_U32(hdr + 1, 3);
	assert_int_equal(sshbuf_put(in, hdr, 5), 0);
	assert_int_equal(sshbuf_put(in, "abc", 3), 0);
	assert_int_equal(sshbuf_put(in, hdr, 4), 0);
	assert_int_equal(resilient_frame_take(in, &type, body), 0);
	assert_int_equal(type, RESILIENT_BROKER_ATTACH);
	assert_int_equal(sshbuf_len(body), 3);
	assert_int_equal(sshbuf_len(in), 4);
	assert_int_equal(resilient_frame_take(in, &type, body),
	    SSH_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(sshbuf_len(in), 4);
	/* the length is judged before the body is waited for */
	sshbuf_reset(in);
	POKE_U32(hdr + 1, RESILIENT_FRAME_MAX + 1);
	assert_int_equal(sshbuf_put(in, hdr, 5), 0);
	assert_int_equal(resilient_frame_take(in, &type, body),
	    SSH_ERR_INVALID_FORMAT);
	sshbuf_free(in);
	sshbuf_free(body);
}

static void
test_rendezvous_path(void **state)
{
	u_char token[RESILIENT_TOKEN_LEN];
	char a[108], b[108], dir[128];

	memset(token, 7, sizeof(token));
	assert_int_equal(resilient_rendezvous_path("/run/x", token,
	    sizeof(token), a, sizeof(a)), 0);
	assert_int_equal(strncmp(a, "/run/x/t.", 9), 0);
	assert_int_equal(strlen(a), 9 + 32);
	assert_int_equal(resilient_rendezvous_path("/run/x", token,
	    sizeof(token), b, sizeof(b)), 0);
	assert_string_equal(a, b);
	token[31] ^= 1;
	assert_int_equal(resilient_rendezvous_path("/run/x", token,
	    sizeof(token), b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	/* a short token, a directory too long for a socket's path */
	assert_int_equal(resilient_rendezvous_path("/run/x", token,
	    sizeof(token) - 1, a, sizeof(a)), SSH_ERR_INVALID_ARGUMENT);
	memset(dir, 'd', sizeof(dir));
	dir[0] = '/';
	dir[80] = '\0';
	assert_int_equal(resilient_rendezvous_path(dir, token, sizeof(token),
	    a, sizeof(a)), SSH_ERR_INVALID_ARGUMENT);
	/* the longest directory allowed fits */
	dir[RESILIENT_DIR_MAX] = '\0';
	assert_int_equal(resilient_rendezvous_path(dir, token, sizeof(token),
	    a, sizeof(a)), 0);
}

/* A session's monitor and the child's end of its link */
struct mon {
	char	dir[64];
	struct ssh ssh;
	int	child;		/* the child's end */
	u_char	secret[3][32];
	u_char	token[3][RESILIENT_TOKEN_LEN];
};

static void
mon_new(struct mon *m, int max_all, int max_user)
{
	int i, fd;

	memset(m, 0, sizeof(*m));
	snprintf(m->dir, sizeof(m->dir), "/tmp/rs-unit.XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	assert_int_equal(resilient_monitor_new(&m->ssh, m->dir, getuid(),
	    "tester", max_all, max_user, &fd), 0);
	assert_true(fd >= 0);
	/* The monitor closes fd as the forked child's; the child keeps it */
	assert_true((m->child = dup(fd)) >= 0);
	for (i = 0; i < 3; i++) {
		memset(m->secret[i], 'a' + i, sizeof(m->secret[i]));
		assert_int_equal(resilient_kdf_token(SSH_DIGEST_SHA256,
		    m->secret[i], 32, m->token[i], RESILIENT_TOKEN_LEN), 0);
	}
}

/* One pass of the monitor's loop, as monitor_read() makes it */
static void
mon_poll(struct mon *m, int timeout_ms)
{
	struct pollfd pfd[RESILIENT_MONITOR_NPFD];

	resilient_monitor_pollfds(&m->ssh, pfd, RESILIENT_MONITOR_NPFD);
	assert_true(poll(pfd, RESILIENT_MONITOR_NPFD, timeout_ms) >= 0);
	resilient_monitor_after_poll(&m->ssh, pfd, RESILIENT_MONITOR_NPFD);
}

/* The child names secrets[first..first+n-1], with token bad if asked */
static void
mon_register(struct mon *m, int first, int n, int forge)
{
	struct sshbuf *b;
	u_char t[RESILIENT_TOKEN_LEN];
	int i;

	assert_non_null(b = sshbuf_new());
	for (i = first; i < first + n; i++) {
		memcpy(t, m->token[i], sizeof(t));
		if (forge)
			t[0] ^= 0x80;
		assert_int_equal(sshbuf_put_string(b, m->secret[i], 32), 0);
		assert_int_equal(sshbuf_put_string(b, t, sizeof(t)), 0);
	}
	assert_int_equal(resilient_frame_send(m->child,
	    RESILIENT_BROKER_REGISTER, b, -1), 0);
	mon_poll(m, 1000);
	sshbuf_free(b);
}

static void
mon_frame(struct mon *m, u_char type)
{
	assert_int_equal(resilient_frame_send(m->child, type, NULL, -1), 0);
	mon_poll(m, 1000);
}

/* What the monitor said to the child, if anything, within timeout_ms */
static int
child_hears(struct mon *m, int *fdp, int timeout_ms)
{
	struct pollfd pfd;
	u_char what;

	*fdp = -1;
	pfd.fd = m->child;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	assert_int_equal(resilient_monitor_recv(m->child, &what, fdp), 0);
	return what;
}

static int
named(struct mon *m, int i)
{
	char path[108], base[108];
	struct stat a, b;

	assert_int_equal(resilient_rendezvous_path(m->dir, m->token[i],
	    RESILIENT_TOKEN_LEN, path, sizeof(path)), 0);
	if (stat(path, &a) != 0)
		return 0;
	snprintf(base, sizeof(base), "%s/s.%ld", m->dir, (long)getpid());
	assert_int_equal(stat(base, &b), 0);
	assert_true(S_ISSOCK(a.st_mode));
	assert_int_equal((a.st_mode & 077), 0);
	return a.st_ino == b.st_ino;
}

static u_int
entries(const char *dir)
{
	struct dirent *dp;
	DIR *d;
	u_int n = 0;

	assert_non_null(d = opendir(dir));
	while ((dp = readdir(d)) != NULL)
		n += dp->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
mon_free(struct mon *m)
{
	char path[128];

	const char *subs[] = { "detached", "peer", "last", "ended" };
	size_t i;

	(void)resilient_monitor_cleanup(&m->ssh, 0);
	close(m->child);
	/* the names are gone: only the empty subdirectories are left */
	assert_int_equal(entries(m->dir), 4);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", m->dir, subs[i]);
		assert_int_equal(entries(path), 0);
		assert_int_equal(rmdir(path), 0);
	}
	assert_int_equal(rmdir(m->dir), 0);
	resilient_monitor_forget(&m->ssh);
}

/* Drop a monitor whatever it named, and its directory */
static void
mon_abandon(struct mon *m)
{
	char path[128];

	const char *subs[] = { "detached", "peer", "last", "ended" };
	size_t i;

	(void)resilient_monitor_cleanup(&m->ssh, 0);
	close(m->child);
	resilient_monitor_forget(&m->ssh);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", m->dir, subs[i]);
		(void)rmdir(path);
	}
	assert_int_equal(rmdir(m->dir), 0);
}

static void
test_monitor_names_proven_tokens(void **state)
{
	struct mon m;
	struct stat st;
	int fd;

	mon_new(&m, 0, 0);
	/* the directory is made root's (ours) alone */
	assert_int_equal(chmod(m.dir, 0755), 0);
	mon_register(&m, 0, 1, 0);
	assert_int_equal(child_hears(&m, &fd, 0), RESILIENT_MON_UNREGISTERED);
	assert_false(named(&m, 0));
	/* ... and the monitor does not try again for that session */
	assert_int_equal(chmod(m.dir, 0700), 0);
	mon_register(&m, 0, 1, 0);
	assert_false(named(&m, 0));
	mon_abandon(&m);

	mon_new(&m, 0, 0);
	mon_register(&m, 0, 2, 0);
	assert_true(named(&m, 0));
	assert_true(named(&m, 1));
	assert_false(named(&m, 2));
	assert_int_equal(stat(m.dir, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	/* a ratchet: 1 and 2 now; 0 loses its name */
	mon_register(&m, 1, 2, 0);
	assert_false(named(&m, 0));
	assert_true(named(&m, 1));
	assert_true(named(&m, 2));
	assert_int_equal(child_hears(&m, &fd, 0), -1);
	/* a token its secret does not give: nothing named, and the end */
	mon_register(&m, 0, 1, 1);
	assert_false(named(&m, 0));
	assert_int_equal(child_hears(&m, &fd, 1000),
	    RESILIENT_MON_UNREGISTERED);
	assert_false(named(&m, 1));
	assert_false(named(&m, 2));
	mon_free(&m);
}

/* A token listed twice is named once, and goes with the session */
static void
test_monitor_duplicate_token(void **state)
{
	struct mon m;
	struct sshbuf *b;
	int i, fd;

	mon_new(&m, 0, 0);
	assert_non_null(b = sshbuf_new());
	for (i = 0; i < 2; i++) {
		assert_int_equal(sshbuf_put_string(b, m.secret[0], 32), 0);
		assert_int_equal(sshbuf_put_string(b, m.token[0],
		    RESILIENT_TOKEN_LEN), 0);
	}
	assert_int_equal(resilient_frame_send(m.child,
	    RESILIENT_BROKER_REGISTER, b, -1), 0);
	mon_poll(&m, 1000);
	assert_int_equal(child_hears(&m, &fd, 0), -1);
	assert_true(named(&m, 0));
	sshbuf_free(b);
	mon_free(&m);	/* checks that nothing is left */
}

/* The child's end closes: the monitor removes every name */
static void
test_monitor_link_closed(void **state)
{
	struct mon m;

	mon_new(&m, 0, 0);
	mon_register(&m, 0, 3, 0);
	assert_true(named(&m, 2));
	close(m.child);
	m.child = -1;
	mon_poll(&m, 1000);
	assert_false(named(&m, 0));
	assert_false(named(&m, 2));
	assert_int_equal(entries(m.dir), 4);
	m.child = open("/dev/null", O_RDONLY);
	mon_free(&m);
}

/* Pre-auth monitor in a child process: the code it got, as exit status */
static pid_t
resume_in_child(const char *dir, const u_char *token, int sock)
{
	struct sshbuf *b;
	u_int code;
	pid_t pid;

	assert_true((pid = fork()) != -1);
	if (pid != 0)
		return pid;
	if ((b = sshbuf_new()) == NULL ||
	    sshbuf_put_string(b, token, RESILIENT_TOKEN_LEN) != 0 ||
	    sshbuf_put_cstring(b, "rest of the request") != 0 ||
	    resilient_broker_resume(dir, sock, b, &code) != 0)
		_exit(100);
	_exit(code);
}

static int
exit_code(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fprintf(stderr, "child status %d\n", status);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The child says why it ends */
static void
mon_ended(struct mon *m, u_int code)
{
	struct sshbuf *b;

	assert_non_null(b = sshbuf_new());
	assert_int_equal(sshbuf_put_u32(b, code), 0);
	assert_int_equal(resilient_frame_send(m->child,
	    RESILIENT_BROKER_ENDED, b, -1), 0);
	mon_poll(m, 1000);
	sshbuf_free(b);
}

/* The child ends: its link closes */
static void
mon_child_ends(struct mon *m)
{
	close(m->child);
	m->child = -1;
	mon_poll(m, 1000);
	m->child = open("/dev/null", O_RDONLY);
}

static u_int
tombstones(struct mon *m)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/ended", m->dir);
	return entries(path);
}

/* Make every tombstone secs older, or remove them (secs 0) */
static void
age_tombstones(struct mon *m, time_t secs)
{
	char path[128], file[400];
	struct timeval tv[2];
	struct dirent *dp;
	DIR *d;

	snprintf(path, sizeof(path), "%s/ended", m->dir);
	assert_non_null(d = opendir(path));
	while ((dp = readdir(d)) != NULL) {
		if (dp->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, dp->d_name);
		if (secs == 0) {
			assert_int_equal(unlink(file), 0);
			continue;
		}
		tv[0].tv_sec = tv[1].tv_sec = time(NULL) - secs;
		tv[0].tv_usec = tv[1].tv_usec = 0;
		assert_int_equal(utimes(file, tv), 0);
	}
	closedir(d);
}

/* What a pre-auth monitor answers a reconnect naming token i */
static u_int
answer(struct mon *m, int i)
{
	int tcp[2];
	u_int code;

	pair(tcp);
	code = exit_code(resume_in_child(m->dir, m->token[i], tcp[0]));
	close(tcp[0]);
	close(tcp[1]);
	return code;
}

static void
test_monitor_passes_reconnect(void **state)
{
	struct mon m;
	struct sshbuf *b;
	const u_char *t;
	size_t tlen;
	u_char type;
	u_int code;
	int tcp[2], conn, fd, i;
	pid_t pid;

	mon_new(&m, 0, 0);
	mon_register(&m, 0, 2, 0);
	pair(tcp);
	assert_non_null(b = sshbuf_new());
	/* previous and current token both reach the session */
	for (i = 0; i < 2; i++) {
		pid = resume_in_child(m.dir, m.token[i], tcp[0]);
		mon_poll(&m, 5000);
		assert_int_equal(child_hears(&m, &conn, 5000),
		    RESILIENT_MON_CONNECTION);
		assert_true(conn >= 0);
		assert_int_equal(resilient_frame_recv(conn, &type, b, &fd,
		    5000), 0);
		assert_int_equal(type, RESILIENT_BROKER_RESUME);
		assert_true(same_file(fd, tcp[0]));
		assert_int_equal(sshbuf_get_string_direct(b, &t, &tlen), 0);
		assert_int_equal(tlen, RESILIENT_TOKEN_LEN);
		assert_memory_equal(t, m.token[i], tlen);
		assert_int_equal(resilient_result_send(conn, i == 0 ?
		    RESILIENT_REFUSED : RESILIENT_RESUMED), 0);
		assert_int_equal(exit_code(pid), i == 0 ?
		    RESILIENT_REFUSED : RESILIENT_RESUMED);
		close(fd);
		close(conn);
	}
	/* a token never named: unknown, and nothing reaches the child */
	assert_int_equal(resilient_broker_resume(m.dir, tcp[0], b, &code), 0);
	pid = resume_in_child(m.dir, m.token[2], tcp[0]);
	assert_int_equal(exit_code(pid), RESILIENT_UNKNOWN);
	mon_poll(&m, 0);
	assert_int_equal(child_hears(&m, &conn, 0), -1);
	/* a request over the frame limit: refused before it is sent */
	sshbuf_reset(b);
	assert_int_equal(sshbuf_put_string(b, m.token[1], 32), 0);
	assert_int_equal(sshbuf_reserve(b, RESILIENT_FRAME_MAX, NULL), 0);
	assert_int_equal(resilient_broker_resume(m.dir, tcp[0], b, &code),
	    SSH_ERR_NO_BUFFER_SPACE);
	assert_int_equal(code, RESILIENT_UNKNOWN);
	mon_poll(&m, 0);
	assert_int_equal(child_hears(&m, &conn, 0), -1);
	/* the session's end goes away mid-request: an answer, not a hang */
	pid = resume_in_child(m.dir, m.token[1], tcp[0]);
	mon_poll(&m, 5000);
	assert_int_equal(child_hears(&m, &conn, 5000),
	    RESILIENT_MON_CONNECTION);
	close(conn);
	assert_int_equal(exit_code(pid), 100);
	close(tcp[0]);
	close(tcp[1]);
	sshbuf_free(b);
	mon_free(&m);
}

/*
 * A pre-auth monitor in a child process, through to its exit status:
 * 100 if its end would count against the client's address, plus 10 if a
 * login was attempted, plus the session's answer.
 */
static pid_t
reconnect_in_child(const char *dir, const u_char *token, int sock,
    int client)
{
	struct ssh ssh;
	struct sshbuf *b;
	u_int code;
	int attempted = 0, status;
	pid_t pid;

	assert_true((pid = fork()) != -1);
	if (pid != 0)
		return pid;
	close(client);	/* the client's end is the client's alone */
	memset(&ssh, 0, sizeof(ssh));
	if ((b = sshbuf_new()) == NULL ||
	    sshbuf_put_string(b, token, RESILIENT_TOKEN_LEN) != 0)
		_exit(99);
	code = resilient_broker_reconnect(&ssh, dir, sock, b, -1, &attempted);
	/* as sshd-session's cleanup_exit() after sshd-auth's DISCONNECT */
	status = resilient_monitor_cleanup(&ssh, 255);
	resilient_monitor_forget(&ssh);
	sshbuf_free(b);
	_exit((status == 0 ? 0 : 100) + (attempted ? 10 : 0) + code);
}

/* The session answers code after delay_ms; the client left, if gone */
static int
penalty_case(struct mon *m, u_int code, int delay_ms, int gone)
{
	struct sshbuf *b;
	u_char type;
	int tcp[2], conn, fd, ret;
	pid_t pid;

	pair(tcp);
	pid = reconnect_in_child(m->dir, m->token[0], tcp[0], tcp[1]);
	mon_poll(m, 5000);
	assert_int_equal(child_hears(m, &conn, 5000),
	    RESILIENT_MON_CONNECTION);
	assert_non_null(b = sshbuf_new());
	assert_int_equal(resilient_frame_recv(conn, &type, b, &fd, 5000), 0);
	close(fd);
	if (gone)
		close(tcp[1]);
	if (delay_ms > 0)
		poll(NULL, 0, delay_ms);
	assert_int_equal(resilient_result_send(conn, code), 0);
	ret = exit_code(pid);
	close(conn);
	close(tcp[0]);
	if (!gone)
		close(tcp[1]);
	sshbuf_free(b);
	return ret;
}

/* How a reconnect's end counts for PerSourcePenalties */
static void
test_reconnect_penalties(void **state)
{
	struct mon m;

	mon_new(&m, 0, 0);
	mon_register(&m, 0, 1, 0);
	/* resumed: a clean exit */
	assert_int_equal(penalty_case(&m, RESILIENT_RESUMED, 0, 0), 0);
	/* a wrong proof: a failed login */
	assert_int_equal(penalty_case(&m, RESILIENT_REFUSED, 0, 0),
	    100 + 10 + RESILIENT_REFUSED);
	/* unknown: a connection without a login, even if it left at once */
	assert_int_equal(penalty_case(&m, RESILIENT_UNKNOWN, 0, 0),
	    100 + RESILIENT_UNKNOWN);
	assert_int_equal(penalty_case(&m, RESILIENT_UNKNOWN, 0, 1),
	    100 + RESILIENT_UNKNOWN);
	/* ... but not when the server was slow and the client gave up */
	assert_int_equal(penalty_case(&m, RESILIENT_UNKNOWN, 1200, 0),
	    100 + RESILIENT_UNKNOWN);
	assert_int_equal(penalty_case(&m, RESILIENT_UNKNOWN, 1200, 1),
	    RESILIENT_UNKNOWN);
	/* busy or failed: the server's trouble */
	assert_int_equal(penalty_case(&m, RESILIENT_BUSY, 0, 0),
	    RESILIENT_BUSY);
	assert_int_equal(penalty_case(&m, RESILIENT_FAILED, 0, 0),
	    RESILIENT_FAILED);
	mon_free(&m);
}

/* A listener restarted without resumes tells the sessions so */
static void
test_listener_ends_sessions(void **state)
{
	struct mon m;
	struct sshbuf *b;
	u_char type;
	int conn, fd;

	mon_new(&m, 0, 0);
	mon_register(&m, 0, 1, 0);
	resilient_broker_listener(m.dir, 0);
	mon_poll(&m, 5000);
	assert_int_equal(child_hears(&m, &conn, 5000),
	    RESILIENT_MON_CONNECTION);
	assert_non_null(b = sshbuf_new());
	assert_int_equal(resilient_frame_recv(conn, &type, b, &fd, 5000), 0);
	assert_int_equal(type, RESILIENT_BROKER_END);
	assert_int_equal(fd, -1);
	close(conn);
	/* with resumes on, it leaves them alone */
	resilient_broker_listener(m.dir, 1);
	mon_poll(&m, 0);
	assert_int_equal(child_hears(&m, &conn, 0), -1);
	assert_true(named(&m, 0));
	sshbuf_free(b);
	mon_free(&m);
}

static void
marker(const char *dir, const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/detached/%s", dir, name);
	assert_true((fd = open(path, O_WRONLY|O_CREAT, 0600)) >= 0);
	close(fd);
}

static void
unmark(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/detached/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

/* A process that lives until end_child(): markers name live pids */
static pid_t
live_child(void)
{
	pid_t pid;

	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void
end_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_monitor_caps_detached(void **state)
{
	struct mon m;
	char path[128], mine1[32], mine2[32], theirs1[32], theirs2[32];
	pid_t a = live_child(), b = live_child();
	int fd;

	snprintf(mine1, sizeof(mine1), "%ld.%ld", (long)getuid(), (long)a);
	snprintf(mine2, sizeof(mine2), "%ld.%ld", (long)getuid(), (long)b);
	snprintf(theirs1, sizeof(theirs1), "4000000001.%ld", (long)a);
	snprintf(theirs2, sizeof(theirs2), "4000000001.%ld", (long)b);
	/* 3 in all, 2 per user; one session of ours is already detached */
	mon_new(&m, 3, 2);
	mon_register(&m, 0, 1, 0);
	marker(m.dir, mine1);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_int_equal(child_hears(&m, &fd, 0), -1);
	snprintf(path, sizeof(path), "%s/detached/%ld.%ld", m.dir,
	    (long)getuid(), (long)getpid());
	assert_int_equal(access(path, F_OK), 0);
	/* a second DETACH changes nothing; ATTACH removes the marker */
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_int_equal(child_hears(&m, &fd, 0), -1);
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	assert_int_equal(access(path, F_OK), -1);
	/* two of ours elsewhere: over the user's cap */
	marker(m.dir, mine2);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_int_equal(child_hears(&m, &fd, 1000), RESILIENT_MON_LIMIT);
	assert_int_equal(access(path, F_OK), -1);
	/* one of ours and two of another user's: over the total */
	unmark(m.dir, mine2);
	marker(m.dir, theirs1);
	marker(m.dir, theirs2);
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_int_equal(child_hears(&m, &fd, 1000), RESILIENT_MON_LIMIT);
	unmark(m.dir, theirs2);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_int_equal(child_hears(&m, &fd, 0), -1);
	assert_int_equal(access(path, F_OK), 0);
	unmark(m.dir, theirs1);
	unmark(m.dir, mine1);
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	mon_free(&m);
	end_child(a);
	end_child(b);
}

/* A pid that no process has: a child's, once reaped */
static pid_t
dead_pid(void)
{
	pid_t pid;

	assert_true((pid = fork()) != -1);
	if (pid == 0)
		_exit(0);
	assert_int_equal(exit_code(pid), 0);
	return pid;
}

/* What a killed monitor left is removed when the listener starts */
static void
test_listener_sweeps(void **state)
{
	struct mon m;
	char sock[128], name[128], mark[128], other[32], live[32], live2[32];
	pid_t gone = dead_pid(), a = live_child();
	int fd;

	mon_new(&m, 3, 3);
	mon_register(&m, 0, 1, 0);
	snprintf(sock, sizeof(sock), "%s/s.%ld", m.dir, (long)gone);
	snprintf(name, sizeof(name), "%s/t.0123456789abcdef", m.dir);
	assert_true((fd = open(sock, O_WRONLY|O_CREAT, 0600)) >= 0);
	close(fd);
	assert_int_equal(link(sock, name), 0);
	snprintf(other, sizeof(other), "%ld.%ld", (long)getuid(), (long)gone);
	marker(m.dir, other);
	snprintf(mark, sizeof(mark), "%s/detached/%s", m.dir, other);
	resilient_broker_listener(m.dir, 1);
	assert_int_equal(access(sock, F_OK), -1);
	assert_int_equal(access(name, F_OK), -1);
	assert_int_equal(access(mark, F_OK), -1);
	/* the live session keeps its own */
	assert_true(named(&m, 0));
	/* a dead monitor's marker holds no place under the caps (3) */
	snprintf(live, sizeof(live), "4000000001.%ld", (long)a);
	marker(m.dir, other);
	marker(m.dir, live);
	snprintf(live2, sizeof(live2), "4000000002.%ld", (long)a);
	marker(m.dir, live2);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_int_equal(child_hears(&m, &fd, 0), -1);
	assert_int_equal(access(mark, F_OK), -1);
	unmark(m.dir, live);
	unmark(m.dir, live2);
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	mon_free(&m);
	end_child(a);
}

/* A TCP connection on 127.0.0.1: tcp[0] the server's end */
static void
tcp_pair(int tcp[2])
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	assert_true((tcp[1] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(tcp[1], (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	assert_true((tcp[0] = accept(l, NULL, NULL)) >= 0);
	close(l);
}

/* Write s as the address of the last connection the session took over */
static void
last_address(struct mon *m, const char *s)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/last/p.%ld", m->dir, (long)getpid());
	assert_true((fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static int
peer_marked(struct mon *m, const char *addr)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/peer/%s/p.%ld", m->dir, addr,
	    (long)getpid());
	return access(path, F_OK) == 0;
}

/*
 * A session taken over from 127.0.0.1 and then detached lets 127.0.0.1
 * past PerSourcePenalties, to resume only, until it is attached again.
 */
static void
test_penalised_address_may_resume(void **state)
{
	struct mon m;
	char path[128], last[128];
	int tcp[2], conn, fd;
	u_char type;
	struct sshbuf *b;
	pid_t pid, gone = dead_pid();

	mon_new(&m, 0, 0);
	mon_register(&m, 0, 1, 0);
	snprintf(last, sizeof(last), "%s/last/p.%ld", m.dir, (long)getpid());
	tcp_pair(tcp);
	/* not penalised: let in as usual, not only to resume */
	assert_int_equal(resilient_broker_admit(m.dir, tcp[0], 1), 1);
	assert_int_equal(resilient_broker_admitted_to_resume(), 0);
	/* penalised, and no session detached from it */
	assert_int_equal(resilient_broker_admit(m.dir, tcp[0], 0), 0);
	assert_int_equal(resilient_broker_admitted_to_resume(), 0);
	/* a resume from 127.0.0.1 leaves the session its address */
	pid = resume_in_child(m.dir, m.token[0], tcp[0]);
	mon_poll(&m, 5000);
	assert_int_equal(child_hears(&m, &conn, 5000),
	    RESILIENT_MON_CONNECTION);
	assert_non_null(b = sshbuf_new());
	assert_int_equal(resilient_frame_recv(conn, &type, b, &fd, 5000), 0);
	close(fd);
	assert_int_equal(resilient_result_send(conn, RESILIENT_RESUMED), 0);
	assert_int_equal(exit_code(pid), RESILIENT_RESUMED);
	close(conn);
	assert_int_equal(access(last, F_OK), 0);
	/* detached: the address is marked, and let in to resume only */
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_true(peer_marked(&m, "127.0.0.1"));
	assert_int_equal(access(last, F_OK), -1);
	assert_int_equal(resilient_broker_admit(m.dir, tcp[0], 0), 1);
	assert_int_equal(resilient_broker_admitted_to_resume(), 1);
	assert_int_equal(resilient_broker_admit(m.dir, tcp[0], 1), 1);
	assert_int_equal(resilient_broker_admitted_to_resume(), 0);
	/* attached: no longer, and the address's directory is gone */
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	assert_false(peer_marked(&m, "127.0.0.1"));
	snprintf(path, sizeof(path), "%s/peer/127.0.0.1", m.dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(resilient_broker_admit(m.dir, tcp[0], 0), 0);
	/* the address it was detached from last is the one marked */
	last_address(&m, "192.0.2.7");
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_true(peer_marked(&m, "192.0.2.7"));
	assert_int_equal(resilient_broker_admit(m.dir, tcp[0], 0), 0);
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	/* what does not read as an address is ignored */
	last_address(&m, "../../etc");
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_true(peer_marked(&m, "192.0.2.7"));
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	/* a dead session's mark lets nobody in; the listener removes it */
	snprintf(path, sizeof(path), "%s/peer/127.0.0.1", m.dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/peer/127.0.0.1/p.%ld", m.dir,
	    (long)gone);
	assert_true((fd = open(path, O_WRONLY|O_CREAT, 0600)) >= 0);
	close(fd);
	assert_int_equal(resilient_broker_admit(m.dir, tcp[0], 0), 0);
	snprintf(last, sizeof(last), "%s/last/p.%ld", m.dir, (long)gone);
	assert_true((fd = open(last, O_WRONLY|O_CREAT, 0600)) >= 0);
	close(fd);
	resilient_broker_listener(m.dir, 1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(last, F_OK), -1);
	snprintf(path, sizeof(path), "%s/peer/127.0.0.1", m.dir);
	assert_int_equal(access(path, F_OK), -1);
	/* detached when the session ends: the mark goes with it */
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_true(peer_marked(&m, "192.0.2.7"));
	close(tcp[0]);
	close(tcp[1]);
	sshbuf_free(b);
	/* (and leaves a tombstone, test_monitor_tombstones) */
	(void)resilient_monitor_cleanup(&m.ssh, 0);
	assert_int_equal(tombstones(&m), 1);
	age_tombstones(&m, 0);
	mon_free(&m);
}

/*
 * A session that ends detached leaves tombstones: its client's next
 * attempts learn why, not "unknown", for RESILIENT_TOMBSTONE_TTL, and
 * at most RESILIENT_TOMBSTONES_MAX of them are kept.
 */
static void
test_monitor_tombstones(void **state)
{
	struct mon m;
	char path[128], mark[32];
	pid_t other = live_child();
	int fd, tcp[2], i;

	/* past ResilientTimeout: the child says so; both tokens answer */
	mon_new(&m, 0, 0);
	mon_register(&m, 0, 2, 0);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	mon_ended(&m, RESILIENT_ENDED_TIMEOUT);
	mon_child_ends(&m);
	assert_false(named(&m, 0));
	assert_int_equal(tombstones(&m), 2);
	assert_int_equal(answer(&m, 0), RESILIENT_ENDED_TIMEOUT);
	assert_int_equal(answer(&m, 1), RESILIENT_ENDED_TIMEOUT);
	assert_int_equal(answer(&m, 2), RESILIENT_UNKNOWN);
	/* its client's attempt does not count against its address */
	pair(tcp);
	assert_int_equal(exit_code(reconnect_in_child(m.dir, m.token[0],
	    tcp[0], tcp[1])), RESILIENT_ENDED_TIMEOUT);
	close(tcp[0]);
	close(tcp[1]);
	/* stale: no answer, and the listener removes them */
	age_tombstones(&m, RESILIENT_TOMBSTONE_TTL + 10);
	assert_int_equal(answer(&m, 0), RESILIENT_UNKNOWN);
	resilient_broker_listener(m.dir, 1);
	assert_int_equal(tombstones(&m), 0);
	mon_free(&m);

	/* beyond the cap: the monitor's own word */
	mon_new(&m, 1, 1);
	mon_register(&m, 0, 1, 0);
	snprintf(mark, sizeof(mark), "4000000001.%ld", (long)other);
	marker(m.dir, mark);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	assert_int_equal(child_hears(&m, &fd, 1000), RESILIENT_MON_LIMIT);
	mon_child_ends(&m);
	assert_int_equal(answer(&m, 0), RESILIENT_ENDED_LIMIT);
	unmark(m.dir, mark);
	age_tombstones(&m, 0);
	mon_free(&m);

	/* detached, then gone without a word (killed): ended, no reason */
	mon_new(&m, 0, 0);
	mon_register(&m, 0, 1, 0);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	mon_child_ends(&m);
	assert_int_equal(answer(&m, 0), RESILIENT_ENDED);
	age_tombstones(&m, 0);
	mon_free(&m);

	/* resumed, then ended: nothing to say; a made-up code: no word */
	mon_new(&m, 0, 0);
	mon_register(&m, 0, 2, 0);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	mon_ended(&m, RESILIENT_ENDED_OFF);
	mon_frame(&m, RESILIENT_BROKER_ATTACH);
	mon_ended(&m, RESILIENT_RESUMED);	/* refused: the link ends */
	assert_false(named(&m, 0));
	mon_child_ends(&m);
	assert_int_equal(tombstones(&m), 0);
	assert_int_equal(answer(&m, 0), RESILIENT_UNKNOWN);
	mon_free(&m);

	/* at most RESILIENT_TOMBSTONES_MAX; the stale ones go first */
	mon_new(&m, 0, 0);
	mon_register(&m, 0, 1, 0);
	for (i = 0; i < RESILIENT_TOMBSTONES_MAX; i++) {
		snprintf(path, sizeof(path), "%s/ended/%04d", m.dir, i);
		assert_true((fd = open(path, O_WRONLY|O_CREAT, 0600)) >= 0);
		close(fd);
	}
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	mon_ended(&m, RESILIENT_ENDED_TIMEOUT);
	mon_child_ends(&m);
	assert_int_equal(tombstones(&m), RESILIENT_TOMBSTONES_MAX);
	assert_int_equal(answer(&m, 0), RESILIENT_UNKNOWN);
	age_tombstones(&m, RESILIENT_TOMBSTONE_TTL + 10);
	/* (the link is gone: a new monitor, with the old directory) */
	resilient_monitor_forget(&m.ssh);
	close(m.child);
	assert_int_equal(resilient_monitor_new(&m.ssh, m.dir, getuid(),
	    "tester", 0, 0, &fd), 0);
	assert_true((m.child = dup(fd)) >= 0);
	mon_register(&m, 0, 1, 0);
	mon_frame(&m, RESILIENT_BROKER_DETACH);
	mon_child_ends(&m);
	assert_int_equal(tombstones(&m), 1);
	assert_int_equal(answer(&m, 0), RESILIENT_ENDED);
	age_tombstones(&m, 0);
	mon_free(&m);
	end_child(other);
}

/* A frame the monitor does not know ends its trust in the link */
static void
test_monitor_bad_frame(void **state)
{
	struct mon m;
	u_char hdr[5];
	int fd;

	mon_new(&m, 0, 0);
	mon_register(&m, 0, 1, 0);
	assert_true(named(&m, 0));
	hdr[0] = 99;
	POKE_U32(hdr + 1, 0);
	assert_int_equal(write(m.child, hdr, sizeof(hdr)), sizeof(hdr));
	mon_poll(&m, 1000);
	assert_false(named(&m, 0));
	assert_int_equal(child_hears(&m, &fd, 1000),
	    RESILIENT_MON_UNREGISTERED);
	/* an oversized one too */
	mon_abandon(&m);
	mon_new(&m, 0, 0);
	mon_register(&m, 0, 1, 0);
	hdr[0] = RESILIENT_BROKER_REGISTER;
	POKE_U32(hdr + 1, RESILIENT_FRAME_MAX + 1);
	assert_int_equal(write(m.child, hdr, sizeof(hdr)), sizeof(hdr));
	mon_poll(&m, 1000);
	assert_false(named(&m, 0));
	mon_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_roundtrip_with_fd),
		cmocka_unit_test(test_frame_oversized_refused),
		cmocka_unit_test(test_frame_truncated_and_slow),
		cmocka_unit_test(test_frame_take),
		cmocka_unit_test(test_rendezvous_path),
		cmocka_unit_test(test_monitor_names_proven_tokens),
		cmocka_unit_test(test_monitor_duplicate_token),
		cmocka_unit_test(test_monitor_link_closed),
		cmocka_unit_test(test_monitor_passes_reconnect),
		cmocka_unit_test(test_listener_ends_sessions),
		cmocka_unit_test(test_monitor_caps_detached),
		cmocka_unit_test(test_monitor_bad_frame),
		cmocka_unit_test(test_penalised_address_may_resume),
		cmocka_unit_test(test_listener_sweeps),
		cmocka_unit_test(test_reconnect_penalties),
		cmocka_unit_test(test_monitor_tombstones),
	};

	/* as sshd and sshd-session */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
