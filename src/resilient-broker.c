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
 * The rendezvous directory and the frames exchanged through it: the
 * pre-auth monitor's side of a reconnect, the session monitor's socket
 * and names, and the listener's part at startup (resilient-broker.h).
 *
 * Directory layout (every entry made by root processes only):
 *	s.PID		a session's socket, PID being its monitor's
 *	t.HEX		one per token naming the session, a hard link to it
 *	detached/UID.PID	one per detached session, for the caps
 *	ended/HEX	a tombstone: the session named t.HEX ended while
 *			detached; holds the RESULT code that says why
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "canohost.h"
#include "digest.h"
#include "log.h"
#include "misc.h"
#include "monitor_fdpass.h"
#include "packet.h"
#include "ssherr.h"
#include "sshbuf.h"
#include "srclimit.h"
#include "xmalloc.h"

#include "resilient-broker.h"
#include "resilient-kdf.h"
#include "resilient-proto.h"

#ifndef MSG_NOSIGNAL
# define MSG_NOSIGNAL	0
#endif

/* The session answers as soon as it has sent its REPLY */
#define RESUME_ANSWER_TIMEOUT_MS	30000
/* A name: "t." and 128 bits of a hash of the token, in hex */
#define NAME_HASH_LEN	16
#define DETACHED_DIR	"detached"
#define ENDED_DIR	"ended"
/* peer/ADDR/p.PID: monitor PID's session is detached from ADDR */
#define PEER_DIR	"peer"
/* last/p.PID: the address of the connection it took over last */
#define LAST_DIR	"last"
/* An address in numeric form, with room for an IPv6 scope */
#define ADDR_MAX	64
/* Entries of peer/ADDR looked at when an address is penalised */
#define PEER_SCAN_MAX	64

struct resilient_monitor {
	pid_t	pid;			/* the monitor's */
	uid_t	uid;			/* the session's user */
	char	*user;
	char	*dir;
	int	max_all, max_user;	/* ResilientMaxDetached */
	int	link;			/* to the child; -1 once closed */
	int	child_end;		/* the child's end, until the fork */
	int	lsock;			/* the session's socket, or -1 */
	char	*base;			/* its path, dir/s.PID */
	char	*names[RESILIENT_BROKER_TOKENS]; /* dir/t.HEX linked to it */
	char	*marker;		/* dir/detached/UID.PID, if detached */
	char	*addr;			/* its client's last address */
	char	*peer;			/* dir/peer/ADDR/p.PID, if detached */
	int	failed;			/* the child was told: not resumable */
	u_int	ended;			/* why it ends (RESILIENT_ENDED_*) */
	struct sshbuf *in;		/* partial frame from the child */
	/* pre-auth: this connection's end is not the client's fault */
	int	unpenalised;
};

static void	monitor_input(struct ssh *);

/*
 * Properties of the process, not of a session: in the listener, whether
 * the connection it accepted last was let in only to resume a session; in
 * an sshd-session, whether its command line said so.
 */
static int admitted_to_resume;
static int resume_only;

/* Whether s can be an address that a root process wrote in numeric form */
static int
addr_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= ADDR_MAX && s[0] != '.' &&
	    strchr(s, '/') == NULL && strcmp(s, "UNKNOWN") != 0;
}

/* The pid of the process that listens at the other end of fd, or -1 */
static pid_t
peer_pid(int fd)
{
#if defined(SO_PEERCRED) && defined(__linux__)
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof(cred) && cred.pid > 0)
		return cred.pid;
#endif
	return -1;
}

/* Read len bytes, waiting at most timeout_ms in all */
static int
read_timeout(int fd, u_char *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd;
	struct timespec start, now;
	size_t off = 0;
	ssize_t n;
	int left;

	monotime_ts(&start);
	while (off < len) {
		if ((n = read(fd, buf + off, len - off)) > 0) {
			off += n;
			continue;
		}
		if (n == 0)
			return SSH_ERR_CONN_CLOSED;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return SSH_ERR_SYSTEM_ERROR;
		monotime_ts(&now);
		left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return SSH_ERR_CONN_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, left);
	}
	return 0;
}

int
resilient_frame_send(int sock, u_char type, const struct sshbuf *body,
    int fd)
{
	struct sshbuf *b;
	int r;

	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put_u8(b, type)) != 0 ||
	    (r = sshbuf_put_u32(b, body == NULL ? 0 : sshbuf_len(body))) != 0 ||
	    (body != NULL && (r = sshbuf_putb(b, body)) != 0))
		goto out;
	if (sshbuf_len(b) > 5 + RESILIENT_FRAME_MAX) {
		r = SSH_ERR_NO_BUFFER_SPACE;
		goto out;
	}
	if (atomicio(vwrite, sock, (void *)sshbuf_ptr(b), sshbuf_len(b)) !=
	    sshbuf_len(b)) {
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	if (fd != -1 && mm_send_fd(sock, fd) != 0) {
		r = SSH_ERR_SYSTEM_ERROR;
		goto out;
	}
	r = 0;
 out:
	sshbuf_free(b);
	return r;
}

int
resilient_frame_recv(int sock, u_char *typep, struct sshbuf *body,
    int *fdp, int timeout_ms)
{
	u_char hdr[5], *p;
	u_int32_t len;
	int r;

	*typep = 0;
	if (fdp != NULL)
		*fdp = -1;
	sshbuf_reset(body);
	if ((r = read_timeout(sock, hdr, sizeof(hdr), timeout_ms)) != 0)
		return r;
	len = PEEK_U32(hdr + 1);
	if (len > RESILIENT_FRAME_MAX)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	if ((r = sshbuf_reserve(body, len, &p)) != 0 ||
	    (r = read_timeout(sock, p, len, timeout_ms)) != 0)
		return r;
	/* Only a reconnect comes with a descriptor */
	if (fdp != NULL && hdr[0] == RESILIENT_BROKER_RESUME &&
	    (*fdp = mm_receive_fd(sock)) == -1)
		return SSH_ERR_SYSTEM_ERROR;
	*typep = hdr[0];
	return 0;
}

int
resilient_frame_take(struct sshbuf *in, u_char *typep, struct sshbuf *body)
{
	const u_char *p = sshbuf_ptr(in);
	u_int32_t len;
	int r;

	*typep = 0;
	sshbuf_reset(body);
	if (sshbuf_len(in) < 5)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	if ((len = PEEK_U32(p + 1)) > RESILIENT_FRAME_MAX)
		return SSH_ERR_INVALID_FORMAT;
	if (sshbuf_len(in) - 5 < len)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	if ((r = sshbuf_put(body, p + 5, len)) != 0)
		return r;
	*typep = p[0];
	return sshbuf_consume(in, 5 + len);
}

int
resilient_result_send(int sock, u_int code)
{
	struct sshbuf *b;
	int r;

	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put_u32(b, code)) == 0)
		r = resilient_frame_send(sock, RESILIENT_BROKER_RESULT, b, -1);
	sshbuf_free(b);
	return r;
}

const char *
resilient_result_str(u_int code)
{
	switch (code) {
	case RESILIENT_RESUMED:
		return "resumed";
	case RESILIENT_UNKNOWN:
		return "session unknown or expired";
	case RESILIENT_REFUSED:
		return "wrong proof of the session";
	case RESILIENT_FAILED:
		return "reconnect handshake failed";
	case RESILIENT_BUSY:
		return "session busy with another reconnect";
	case RESILIENT_ENDED_TIMEOUT:
		return "session ended by the server: detached longer than "
		    "its ResilientTimeout";
	case RESILIENT_ENDED_LIMIT:
		return "session ended by the server: too many detached "
		    "sessions (ResilientMaxDetached)";
	case RESILIENT_ENDED_OFF:
		return "session ended by the server: resilient sessions "
		    "turned off (ResilientSessions)";
	case RESILIENT_ENDED:
		return "session ended by the server";
	}
	return "unknown result";
}


int
resilient_rendezvous_path(const char *dir, const u_char *token,
    size_t tokenlen, char *path, size_t pathlen)
{
	struct ssh_digest_ctx *ctx;
	u_char h[SSH_DIGEST_MAX_LENGTH];
	char hex[NAME_HASH_LEN * 2 + 1];
	const char label[] = "resilient-ssh rendezvous";
	size_t i;
	int r = SSH_ERR_LIBCRYPTO_ERROR;

	if (dir == NULL || token == NULL || tokenlen != RESILIENT_TOKEN_LEN)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((ctx = ssh_digest_start(SSH_DIGEST_SHA256)) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if (ssh_digest_update(ctx, label, sizeof(label) - 1) != 0 ||
	    ssh_digest_update(ctx, token, tokenlen) != 0 ||
	    ssh_digest_final(ctx, h, sizeof(h)) != 0)
		goto out;
	for (i = 0; i < NAME_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	r = 0;
	if ((size_t)snprintf(path, pathlen, "%s/t.%s", dir, hex) >= pathlen ||
	    strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		r = SSH_ERR_INVALID_ARGUMENT;
 out:
	ssh_digest_free(ctx);
	explicit_bzero(h, sizeof(h));
	return r;
}

/* The tombstone of the name at path (DIR/t.HEX): DIR/ended/HEX */
static int
tombstone_path(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || strncmp(slash + 1, "t.", 2) != 0 ||
	    (size_t)snprintf(out, outlen, "%.*s/%s/%s", (int)(slash - path),
	    path, ENDED_DIR, slash + 3) >= outlen)
		return -1;
	return 0;
}

/* Whether a tombstone written at mtime is too old to answer */
static int
tombstone_stale(time_t mtime, time_t now)
{
	/* (a clock set back makes it stale too, rather than everlasting) */
	return now - mtime > RESILIENT_TOMBSTONE_TTL || mtime - now > 60;
}

/* Why the session once named path ended, or RESILIENT_UNKNOWN */
static u_int
tombstone_code(const char *path)
{
	char tomb[PATH_MAX], buf[16];
	const char *errstr;
	struct stat st;
	ssize_t n;
	u_int code = RESILIENT_UNKNOWN;
	int fd;

	if (tombstone_path(path, tomb, sizeof(tomb)) != 0 ||
	    (fd = open(tomb, O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC)) == -1)
		return code;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
	    !tombstone_stale(st.st_mtime, time(NULL)) &&
	    (n = read(fd, buf, sizeof(buf) - 1)) > 1 && buf[n - 1] == '\n') {
		buf[n - 1] = '\0';
		code = (u_int)strtonum(buf, RESILIENT_ENDED_TIMEOUT,
		    RESILIENT_ENDED, &errstr);
		if (errstr != NULL)
			code = RESILIENT_UNKNOWN;
	}
	close(fd);
	return code;
}

/*
 * Connect without waiting to the socket at path and check that root (our
 * own uid) listens there.  *codep says what a failure means to a client.
 */
static int
connect_root(const char *path, int *fdp, u_int *codep)
{
	struct sockaddr_un sun;
	uid_t uid;
	gid_t gid;
	int fd;

	*fdp = -1;
	*codep = RESILIENT_UNKNOWN;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return SSH_ERR_INVALID_ARGUMENT;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return SSH_ERR_SYSTEM_ERROR;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	set_nonblock(fd);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		/* A full backlog: the session is busy with others */
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			*codep = RESILIENT_BUSY;
		close(fd);
		return SSH_ERR_SYSTEM_ERROR;
	}
	if (getpeereid(fd, &uid, &gid) == -1 || uid != geteuid()) {
		logit("resilient: %s is not held by uid %ld; ignored", path,
		    (long)geteuid());
		close(fd);
		return SSH_ERR_SYSTEM_ERROR;
	}
	unset_nonblock(fd);
	*fdp = fd;
	return 0;
}

/*
 * The session at the other end of fd took over sock: leave its monitor
 * the client's address, which it keeps for when the session is detached
 * (the monitor never sees the connection itself).
 */
static void
record_address(const char *dir, int fd, int sock)
{
	char *addr, *path = NULL;
	pid_t pid;
	int afd = -1;

	addr = get_peer_ipaddr(sock);
	if ((pid = peer_pid(fd)) == -1 || !addr_ok(addr))
		goto out;
	xasprintf(&path, "%s/%s/p.%ld", dir, LAST_DIR, (long)pid);
	if ((afd = open(path, O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW|O_CLOEXEC,
	    0600)) == -1 ||
	    atomicio(vwrite, afd, addr, strlen(addr)) != strlen(addr))
		debug_f("%s: %s", path, strerror(errno));
 out:
	if (afd != -1)
		close(afd);
	free(path);
	free(addr);
}

int
resilient_broker_resume(const char *dir, int sock,
    const struct sshbuf *request, u_int *codep)
{
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	struct sshbuf *b = NULL, *req = NULL;
	const u_char *token;
	size_t tlen;
	u_char type;
	int fd = -1, r;

	*codep = RESILIENT_UNKNOWN;
	if (dir == NULL)
		return 0;
	/* Judged before anything is sent: the session gets all or nothing */
	if (sshbuf_len(request) > RESILIENT_FRAME_MAX)
		return SSH_ERR_NO_BUFFER_SPACE;
	if ((req = sshbuf_from(sshbuf_ptr(request),
	    sshbuf_len(request))) == NULL || (b = sshbuf_new()) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((r = sshbuf_get_string_direct(req, &token, &tlen)) != 0 ||
	    (r = resilient_rendezvous_path(dir, token, tlen, path,
	    sizeof(path))) != 0) {
		r = 0;	/* names no session */
		goto out;
	}
	if (connect_root(path, &fd, codep) != 0) {
		if (*codep == RESILIENT_UNKNOWN && errno == ENOENT)
			*codep = tombstone_code(path);
		debug_f("no session at %s: %s", path,
		    resilient_result_str(*codep));
		r = 0;
		goto out;
	}
	if ((r = resilient_frame_send(fd, RESILIENT_BROKER_RESUME, request,
	    sock)) != 0 ||
	    (r = resilient_frame_recv(fd, &type, b, NULL,
	    RESUME_ANSWER_TIMEOUT_MS)) != 0)
		goto out;
	if (type != RESILIENT_BROKER_RESULT) {
		r = SSH_ERR_INVALID_FORMAT;
		goto out;
	}
	if ((r = sshbuf_get_u32(b, codep)) == 0 &&
	    *codep == RESILIENT_RESUMED)
		record_address(dir, fd, sock);
 out:
	if (fd != -1)
		close(fd);
	sshbuf_free(req);
	sshbuf_free(b);
	return r;
}

/* Whether the client closed or reset its connection */
static int
client_gone(int sock)
{
	char c;
	ssize_t n;

	n = recv(sock, &c, 1, MSG_PEEK|MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR);
}

/* The monitor's state, made for a pre-auth monitor that has none */
static struct resilient_monitor *
monitor_state(struct ssh *ssh)
{
	struct resilient_monitor *m;

	if ((m = ssh->resilient_monitor) != NULL)
		return m;
	m = xcalloc(1, sizeof(*m));
	m->pid = getpid();
	m->link = m->child_end = m->lsock = -1;
	if ((m->in = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	ssh->resilient_monitor = m;
	return m;
}

u_int
resilient_broker_reconnect(struct ssh *ssh, const char *dir, int sock,
    const struct sshbuf *request, pid_t child, int *auth_attemptedp)
{
	double start = monotime_double();
	u_int code;
	int r;

	if ((r = resilient_broker_resume(dir, sock, request, &code)) != 0) {
		error_r(r, "resilient: passing a reconnect on");
		code = RESILIENT_FAILED;
	}
	switch (code) {
	case RESILIENT_RESUMED:
		resilient_broker_handed_off(child);
		break;
	case RESILIENT_REFUSED:
		/* A wrong proof is a failed login (authfail) */
		*auth_attemptedp = 1;
		break;
	case RESILIENT_ENDED_TIMEOUT:
	case RESILIENT_ENDED_LIMIT:
	case RESILIENT_ENDED_OFF:
	case RESILIENT_ENDED:
		/* The session was the client's: it could not know */
		monitor_state(ssh)->unpenalised = 1;
		break;
	case RESILIENT_UNKNOWN:
		/* Unknown is the client's fault, unless it gave up waiting */
		if (monotime_double() - start < RESILIENT_SLOW_ANSWER ||
		    !client_gone(sock))
			break;
		/* FALLTHROUGH */
	default:
		/* Busy, failed or slow: the server's trouble */
		debug_f("this connection's end will not count against "
		    "its address (%s)", resilient_result_str(code));
		monitor_state(ssh)->unpenalised = 1;
		break;
	}
	return code;
}

void
resilient_broker_handed_off(pid_t child)
{
	int status;

	debug_f("connection handed to its session");
	if (child > 0) {
		(void)kill(child, SIGKILL);
		while (waitpid(child, &status, 0) == -1 && errno == EINTR)
			;
	}
	/* A clean exit: the listener must not penalise the client */
	exit(0);
}

/*
 * Make path a directory of ours that nobody else may enter, creating it
 * if needed.  On failure, err says why.
 */
static int
own_dir(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s must be a directory of uid %ld with "
		    "mode 0700", path, (long)geteuid());
		return -1;
	}
	return 0;
}

static int
dir_ready(const char *dir, char *err, size_t errlen)
{
	const char *subs[] = { DETACHED_DIR, PEER_DIR, LAST_DIR, ENDED_DIR };
	char *sub;
	size_t i;
	int r = 0;

	if (own_dir(dir, err, errlen) != 0)
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]) && r == 0; i++) {
		xasprintf(&sub, "%s/%s", dir, subs[i]);
		r = own_dir(sub, err, errlen);
		free(sub);
	}
	return r;
}

/* Tell every session in dir that it will not be resumed */
static void
end_sessions(const char *dir)
{
	struct sshbuf *none;
	struct dirent *dp;
	char *path;
	DIR *d;
	u_int code, n = 0;
	int fd;

	if ((d = opendir(dir)) == NULL)
		return;
	if ((none = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	while ((dp = readdir(d)) != NULL) {
		if (strncmp(dp->d_name, "s.", 2) != 0)
			continue;
		xasprintf(&path, "%s/%s", dir, dp->d_name);
		if (connect_root(path, &fd, &code) == 0) {
			set_nonblock(fd);
			if (resilient_frame_send(fd, RESILIENT_BROKER_END,
			    none, -1) == 0)
				n++;
			close(fd);
		}
		free(path);
	}
	closedir(d);
	sshbuf_free(none);
	if (n > 0)
		logit("resilient: ResilientSessions is off; %u resumable "
		    "session(s) told that they will not be resumed", n);
}

/* The PID of an entry named PREFIX.PID, or -1 */
static pid_t
name_pid(const char *name)
{
	const char *dot = strrchr(name, '.'), *errstr;
	long long pid;

	if (dot == NULL)
		return -1;
	pid = strtonum(dot + 1, 2, INT_MAX, &errstr);
	return errstr == NULL ? (pid_t)pid : -1;
}

/* Whether an entry named PREFIX.PID names a process that is gone */
static int
pid_gone(const char *name)
{
	pid_t pid = name_pid(name);

	return pid != -1 && kill(pid, 0) == -1 && errno == ESRCH;
}

/* Remove the entries of dead processes (PREFIX.PID) from directory path */
static u_int
sweep_dead(const char *path)
{
	struct dirent *dp;
	u_int n = 0;
	DIR *d;

	if ((d = opendir(path)) == NULL)
		return 0;
	while ((dp = readdir(d)) != NULL) {
		if (dp->d_name[0] != '.' && pid_gone(dp->d_name) &&
		    unlinkat(dirfd(d), dp->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Remove the stale tombstones from the directory open at dfd; return how
 * many are left (RESILIENT_TOMBSTONES_MAX if it cannot be read)
 */
static u_int
sweep_tombstones(int dfd)
{
	struct dirent *dp;
	struct stat st;
	time_t now = time(NULL);
	u_int left = 0;
	DIR *d;
	int fd;

	if ((fd = dup(dfd)) == -1)
		return RESILIENT_TOMBSTONES_MAX;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return RESILIENT_TOMBSTONES_MAX;
	}
	rewinddir(d);
	while ((dp = readdir(d)) != NULL) {
		if (dp->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), dp->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    !tombstone_stale(st.st_mtime, now))
			left++;
		else
			(void)unlinkat(dirfd(d), dp->d_name, 0);
	}
	closedir(d);
	return left;
}

/*
 * Open the directory at path and lock it, waiting if wait; -1 (errno
 * set) if it cannot be.  Only root processes take these locks, briefly.
 */
static int
lock_dir(const char *path, int wait)
{
	int dfd, oerrno;

	if ((dfd = open(path, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC)) ==
	    -1)
		return -1;
	if (flock(dfd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		oerrno = errno;
		close(dfd);
		errno = oerrno;
		return -1;
	}
	return dfd;
}

/* Open dir's tombstones' directory, locked; -1 if it cannot be */
static int
tombstones_lock(const char *dir, int wait)
{
	char *sub;
	int dfd;

	xasprintf(&sub, "%s/%s", dir, ENDED_DIR);
	if ((dfd = lock_dir(sub, wait)) == -1)
		debug_f("%s: %s", sub, strerror(errno));
	free(sub);
	return dfd;
}

/*
 * Remove what sessions whose monitor died without cleaning up (killed,
 * say) left behind: their sockets, the names linked only to those, their
 * markers, which would otherwise count toward the caps, and the addresses
 * they were detached from, which would otherwise be let in to resume.
 */
static void
sweep(const char *dir)
{
	struct dirent *dp;
	struct stat st;
	char *path;
	u_int n = 0, pass;
	DIR *d;
	int dfd;

	for (pass = 0; pass < 2; pass++) {
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((dp = readdir(d)) != NULL) {
			if (dp->d_name[0] == '.' || (pass == 0 &&
			    strncmp(dp->d_name, "s.", 2) != 0) || (pass == 1 &&
			    strncmp(dp->d_name, "t.", 2) != 0))
				continue;
			xasprintf(&path, "%s/%s", dir, dp->d_name);
			/* A name outlives its socket only once that is gone */
			if ((pass == 1 ? lstat(path, &st) == 0 &&
			    st.st_nlink == 1 : pid_gone(dp->d_name)) &&
			    unlink(path) == 0)
				n++;
			free(path);
		}
		closedir(d);
	}
	xasprintf(&path, "%s/%s", dir, DETACHED_DIR);
	n += sweep_dead(path);
	free(path);
	xasprintf(&path, "%s/%s", dir, LAST_DIR);
	n += sweep_dead(path);
	free(path);
	xasprintf(&path, "%s/%s", dir, PEER_DIR);
	if ((d = opendir(path)) != NULL) {
		while ((dp = readdir(d)) != NULL) {
			if (dp->d_name[0] == '.')
				continue;
			free(path);
			xasprintf(&path, "%s/%s/%s", dir, PEER_DIR,
			    dp->d_name);
			n += sweep_dead(path);
			(void)rmdir(path);	/* if it is empty now */
		}
		closedir(d);
	}
	free(path);
	if (n > 0)
		logit("resilient: removed %u entries of sessions that are "
		    "gone from %s", n, dir);
	/* (monitors hold this lock for moments: never wait for them) */
	if ((dfd = tombstones_lock(dir, 0)) != -1) {
		(void)sweep_tombstones(dfd);
		close(dfd);
	}
}

void
resilient_broker_listener(const char *dir, int sessions)
{
	char err[512];

	if (dir == NULL)
		return;
	if (!sessions) {
		end_sessions(dir);
		return;
	}
	if (dir_ready(dir, err, sizeof(err)) != 0) {
		error("resilient: %s; sessions will not be resumable", err);
		return;
	}
	sweep(dir);
}

/* Whether an entry named PREFIX.PID names a live process */
static int
pid_alive(const char *name)
{
	pid_t pid = name_pid(name);

	return pid != -1 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Whether a live session was detached from the client at addr */
static int
detached_from(const char *dir, const char *addr)
{
	struct dirent *dp;
	char *path;
	u_int n = 0;
	int found = 0;
	DIR *d;

	xasprintf(&path, "%s/%s/%s", dir, PEER_DIR, addr);
	if ((d = opendir(path)) != NULL) {
		while (!found && n++ < PEER_SCAN_MAX &&
		    (dp = readdir(d)) != NULL)
			found = dp->d_name[0] != '.' && pid_alive(dp->d_name);
		closedir(d);
	}
	free(path);
	return found;
}

int
resilient_broker_admit(const char *dir, int sock, int allowed)
{
	char *addr;

	admitted_to_resume = 0;
	if (allowed || dir == NULL)
		return allowed;
	addr = get_peer_ipaddr(sock);
	if (addr_ok(addr) && detached_from(dir, addr)) {
		debug("resilient: [%s] is penalised, but a session detached "
		    "from it may resume: let in to resume only", addr);
		admitted_to_resume = 1;
	}
	free(addr);
	return admitted_to_resume;
}

int
resilient_broker_admitted_to_resume(void)
{
	return admitted_to_resume;
}

void
resilient_broker_set_resume_only(void)
{
	resume_only = 1;
}

int
resilient_broker_login_refused(struct ssh *ssh)
{
	if (!resume_only)
		return 0;
	logit("resilient: [%s] is penalised (PerSourcePenalties) and was let "
	    "in only to resume a session; login refused",
	    ssh_remote_ipaddr(ssh));
	return 1;
}

/* A session's privileged monitor */

int
resilient_monitor_new(struct ssh *ssh, const char *dir, uid_t uid,
    const char *user, int max_all, int max_user, int *childp)
{
	struct resilient_monitor *m;
	int sp[2];

	*childp = -1;
	if (dir == NULL || ssh->resilient_monitor != NULL)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		error_f("socketpair: %s", strerror(errno));
		return SSH_ERR_SYSTEM_ERROR;
	}
	(void)fcntl(sp[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(sp[1], F_SETFD, FD_CLOEXEC);
	set_nonblock(sp[0]);
	m = xcalloc(1, sizeof(*m));
	m->pid = getpid();
	m->uid = uid;
	m->user = xstrdup(user);
	m->dir = xstrdup(dir);
	m->max_all = max_all > 0 ? max_all : RESILIENT_MAX_DETACHED;
	m->max_user = max_user > 0 ? max_user : RESILIENT_MAX_DETACHED_USER;
	m->link = sp[0];
	m->child_end = sp[1];
	m->lsock = -1;
	if (ssh->state != NULL && addr_ok(ssh_remote_ipaddr(ssh)))
		m->addr = xstrdup(ssh_remote_ipaddr(ssh));
	if ((m->in = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	ssh->resilient_monitor = m;
	*childp = sp[1];
	return 0;
}

static void
monitor_free(struct resilient_monitor *m)
{
	u_int i;

	for (i = 0; i < RESILIENT_BROKER_TOKENS; i++)
		free(m->names[i]);
	free(m->user);
	free(m->dir);
	free(m->base);
	free(m->marker);
	free(m->addr);
	free(m->peer);
	sshbuf_free(m->in);
	freezero(m, sizeof(*m));
}

void
resilient_monitor_forget(struct ssh *ssh)
{
	struct resilient_monitor *m = ssh->resilient_monitor;

	if (m == NULL)
		return;
	/* The child's copy: its names and marker belong to the monitor */
	close(m->link);
	if (m->lsock != -1)
		close(m->lsock);
	monitor_free(m);
	ssh->resilient_monitor = NULL;
}

/*
 * The session is detached: say which address it was last seen at, so
 * that the listener lets that address in to resume it even if the address
 * is penalised.  Called with the markers' lock held.
 */
static void
peer_mark(struct resilient_monitor *m)
{
	char *last, *sub = NULL, buf[ADDR_MAX + 1];
	ssize_t n;
	int fd, tries;

	xasprintf(&last, "%s/%s/p.%ld", m->dir, LAST_DIR, (long)m->pid);
	if ((fd = open(last, O_RDONLY|O_NOFOLLOW|O_CLOEXEC)) != -1) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		(void)unlink(last);
		if (n > 0) {
			buf[n] = '\0';
			if (addr_ok(buf) && strlen(buf) == (size_t)n) {
				free(m->addr);
				m->addr = xstrdup(buf);
			}
		}
	}
	free(last);
	if (m->addr == NULL || m->peer != NULL)
		return;
	xasprintf(&sub, "%s/%s/%s", m->dir, PEER_DIR, m->addr);
	xasprintf(&m->peer, "%s/p.%ld", sub, (long)m->pid);
	/* Another session may remove an empty sub at any time: retry */
	for (tries = 0; tries < 3; tries++) {
		if (mkdir(sub, 0700) == -1 && errno != EEXIST)
			break;
		if ((fd = open(m->peer, O_WRONLY|O_CREAT|O_NOFOLLOW|O_CLOEXEC,
		    0600)) != -1) {
			close(fd);
			free(sub);
			return;
		}
		if (errno != ENOENT)
			break;
	}
	debug_f("%s: %s", m->peer, strerror(errno));
	free(m->peer);
	m->peer = NULL;
	free(sub);
}

/* The session is no longer detached (or ends) */
static void
peer_unmark(struct resilient_monitor *m)
{
	char *slash;

	if (m->peer == NULL)
		return;
	(void)unlink(m->peer);
	if ((slash = strrchr(m->peer, '/')) != NULL) {
		*slash = '\0';
		(void)rmdir(m->peer);	/* if no other session is there */
	}
	free(m->peer);
	m->peer = NULL;
}

/*
 * The session ends detached: leave a tombstone for each of its names, so
 * that its client's next attempt learns why, not "unknown".  They are
 * bounded in age and number, stale ones removed first.  Called with the
 * names still in place.
 */
static void
bury(struct resilient_monitor *m)
{
	char tomb[PATH_MAX], buf[16];
	u_int code, i, left, n = 0;
	int dfd, fd, len;

	if (m->dir == NULL || (m->marker == NULL && m->ended == 0))
		return;
	for (i = 0; i < RESILIENT_BROKER_TOKENS && m->names[i] == NULL; i++)
		;
	if (i == RESILIENT_BROKER_TOKENS ||
	    (dfd = tombstones_lock(m->dir, 1)) == -1)
		return;
	if ((left = sweep_tombstones(dfd)) >= RESILIENT_TOMBSTONES_MAX) {
		debug_f("%u tombstones: none for the session of %s", left,
		    m->user);
		goto out;
	}
	code = m->ended != 0 ? m->ended : RESILIENT_ENDED;
	len = snprintf(buf, sizeof(buf), "%u\n", code);
	for (i = 0; i < RESILIENT_BROKER_TOKENS; i++) {
		if (m->names[i] == NULL ||
		    tombstone_path(m->names[i], tomb, sizeof(tomb)) != 0)
			continue;
		if ((fd = open(tomb, O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW|
		    O_CLOEXEC, 0600)) == -1) {
			debug_f("%s: %s", tomb, strerror(errno));
			continue;
		}
		if (atomicio(vwrite, fd, buf, len) == (size_t)len)
			n++;
		close(fd);
	}
	debug_f("%u tombstone(s): %s", n, resilient_result_str(code));
 out:
	close(dfd);
}

/* Remove the session's names, marker and socket */
static void
unname(struct resilient_monitor *m)
{
	char *last;
	u_int i;

	bury(m);
	for (i = 0; i < RESILIENT_BROKER_TOKENS; i++) {
		if (m->names[i] != NULL)
			(void)unlink(m->names[i]);
		free(m->names[i]);
		m->names[i] = NULL;
	}
	if (m->marker != NULL)
		(void)unlink(m->marker);
	free(m->marker);
	m->marker = NULL;
	peer_unmark(m);
	if (m->dir != NULL) {
		xasprintf(&last, "%s/%s/p.%ld", m->dir, LAST_DIR,
		    (long)m->pid);
		(void)unlink(last);
		free(last);
	}
	if (m->lsock != -1) {
		close(m->lsock);
		m->lsock = -1;
		(void)unlink(m->base);
	}
}

int
resilient_monitor_cleanup(struct ssh *ssh, int status)
{
	struct resilient_monitor *m;

	/*
	 * Let in only to resume: stock sshd would have dropped this
	 * connection, which counts for nothing; so does its end, unless
	 * its unprivileged child crashed.
	 */
	if (resume_only && status != EXIT_CHILD_CRASH)
		status = 0;
	if (ssh == NULL || (m = ssh->resilient_monitor) == NULL ||
	    m->pid != getpid())
		return status;
	/* What the child said before it ended (why it ends, say) */
	if (m->link != -1)
		monitor_input(ssh);
	unname(m);
	/* 255 would count as a connection that never authenticated */
	return m->unpenalised && status == 255 ? 0 : status;
}

/* A single-byte message with room for one descriptor */
struct onebyte {
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
};

static void
onebyte_init(struct onebyte *o, u_char *byte)
{
	memset(o, 0, sizeof(*o));
	o->iov.iov_base = byte;
	o->iov.iov_len = 1;
	o->msg.msg_iov = &o->iov;
	o->msg.msg_iovlen = 1;
	o->msg.msg_control = &o->cmsgbuf.buf;
	o->msg.msg_controllen = sizeof(o->cmsgbuf.buf);
}

/* Send the child a single-byte message, with fd unless it is -1 */
static int
tell_child(struct resilient_monitor *m, u_char what, int fd)
{
	struct onebyte o;
	struct cmsghdr *cmsg;
	ssize_t n;

	if (m->link == -1)
		return SSH_ERR_CONN_CLOSED;
	onebyte_init(&o, &what);
	if (fd == -1) {
		o.msg.msg_control = NULL;
		o.msg.msg_controllen = 0;
	} else {
		cmsg = CMSG_FIRSTHDR(&o.msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	/* Never wait for the child: it runs as the user */
	while ((n = sendmsg(m->link, &o.msg, MSG_DONTWAIT|MSG_NOSIGNAL)) ==
	    -1 && errno == EINTR)
		;
	if (n != 1)
		return SSH_ERR_SYSTEM_ERROR;
	return 0;
}

int
resilient_monitor_recv(int sock, u_char *whatp, int *fdp)
{
	struct onebyte o;
	struct cmsghdr *cmsg;
	ssize_t n;

	*whatp = 0;
	*fdp = -1;
	onebyte_init(&o, whatp);
	if ((n = recvmsg(sock, &o.msg, MSG_DONTWAIT)) == -1)
		return SSH_ERR_SYSTEM_ERROR;
	if (n == 0)
		return SSH_ERR_CONN_CLOSED;
	for (cmsg = CMSG_FIRSTHDR(&o.msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&o.msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS &&
		    cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(fdp, CMSG_DATA(cmsg), sizeof(int));
			(void)fcntl(*fdp, F_SETFD, FD_CLOEXEC);
		}
	}
	if ((o.msg.msg_flags & MSG_CTRUNC) != 0) {
		if (*fdp != -1)
			close(*fdp);
		*fdp = -1;
		return SSH_ERR_INVALID_FORMAT;
	}
	return 0;
}

static void
not_resumable(struct resilient_monitor *m, const char *why)
{
	if (!m->failed)
		logit("resilient: session of %s cannot be made resumable: %s",
		    m->user, why);
	m->failed = 1;
	unname(m);
	(void)tell_child(m, RESILIENT_MON_UNREGISTERED, -1);
}

/* Whether token is the token of secret r under one of the KEX hashes */
static int
token_proved(const u_char *r, size_t rlen, const u_char *token)
{
	const int algs[] = { SSH_DIGEST_SHA256, SSH_DIGEST_SHA384,
	    SSH_DIGEST_SHA512 };
	u_char t[RESILIENT_TOKEN_LEN];
	size_t i;
	int ok = 0;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]) && !ok; i++) {
		if (rlen != ssh_digest_bytes(algs[i]) ||
		    resilient_kdf_token(algs[i], r, rlen, t, sizeof(t)) != 0)
			continue;
		ok = timingsafe_bcmp(t, token, sizeof(t)) == 0;
	}
	explicit_bzero(t, sizeof(t));
	return ok;
}

static int
session_socket(struct resilient_monitor *m)
{
	char err[512];
	mode_t old;
	int fd;

	if (m->lsock != -1)
		return 0;
	if (strlen(m->dir) > RESILIENT_DIR_MAX) {
		not_resumable(m, "ResilientDirectory is too long");
		return -1;
	}
	if (dir_ready(m->dir, err, sizeof(err)) != 0) {
		not_resumable(m, err);
		return -1;
	}
	free(m->base);
	xasprintf(&m->base, "%s/s.%ld", m->dir, (long)m->pid);
	old = umask(0177);
	fd = unix_listener(m->base, 16, 1);
	umask(old);
	if (fd == -1) {
		not_resumable(m, "cannot listen in ResilientDirectory");
		return -1;
	}
	set_nonblock(fd);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	m->lsock = fd;
	return 0;
}

static int
named(char * const *set, const char *path)
{
	u_int i;

	for (i = 0; i < RESILIENT_BROKER_TOKENS; i++) {
		if (set[i] != NULL && strcmp(set[i], path) == 0)
			return 1;
	}
	return 0;
}

/*
 * The child's secrets and tokens: name each token the child proves, and
 * remove the names of tokens it no longer lists.
 */
static int
monitor_register(struct resilient_monitor *m, struct sshbuf *b)
{
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char *want[RESILIENT_BROKER_TOKENS];
	const u_char *r, *t;
	size_t rlen, tlen;
	u_int i, k, n = 0;
	int ret = SSH_ERR_INVALID_FORMAT;

	memset(want, 0, sizeof(want));
	for (k = 0; sshbuf_len(b) > 0; k++) {
		if (k >= RESILIENT_BROKER_TOKENS ||
		    sshbuf_get_string_direct(b, &r, &rlen) != 0 ||
		    sshbuf_get_string_direct(b, &t, &tlen) != 0 ||
		    rlen > RESILIENT_SECRET_MAX || tlen != RESILIENT_TOKEN_LEN)
			goto out;
		if (!token_proved(r, rlen, t)) {
			error_f("resilient: session of %s named a token "
			    "that its secret does not give", m->user);
			goto out;
		}
		if (resilient_rendezvous_path(m->dir, t, tlen, path,
		    sizeof(path)) != 0) {
			not_resumable(m, "ResilientDirectory is too long");
			ret = 0;
			goto out;
		}
		/* A token named twice is named once */
		if (!named(want, path))
			want[n++] = xstrdup(path);
	}
	ret = 0;
	if (m->failed || session_socket(m) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (named(m->names, want[i]))
			continue;
		if (link(m->base, want[i]) == -1) {
			snprintf(path, sizeof(path), "link: %s",
			    strerror(errno));
			/* Undo this call's names; not_resumable() the rest */
			while (i-- > 0) {
				if (!named(m->names, want[i]))
					(void)unlink(want[i]);
			}
			not_resumable(m, path);
			goto out;
		}
	}
	for (i = 0; i < RESILIENT_BROKER_TOKENS; i++) {
		if (m->names[i] != NULL && !named(want, m->names[i]))
			(void)unlink(m->names[i]);
	}
	for (i = 0; i < RESILIENT_BROKER_TOKENS; i++) {
		free(m->names[i]);
		m->names[i] = want[i];
		want[i] = NULL;
	}
	debug3_f("session named by %u token(s)", n);
 out:
	for (i = 0; i < RESILIENT_BROKER_TOKENS; i++)
		free(want[i]);
	return ret;
}

/*
 * The session lost its connection.  Within the caps it stays detached
 * and leaves a marker; beyond them it is told to end, and sessions
 * already detached keep their places.  Monitors count under a lock on
 * the markers' directory, which only root processes hold, briefly.
 */
static void
monitor_detached(struct resilient_monitor *m)
{
	struct dirent *dp;
	char *sub, prefix[32];
	u_int all = 0, user = 0;
	DIR *d = NULL;
	int dfd, fd;

	if (m->marker != NULL || m->failed || m->lsock == -1)
		return;
	xasprintf(&sub, "%s/%s", m->dir, DETACHED_DIR);
	if ((dfd = lock_dir(sub, 1)) == -1 || (fd = dup(dfd)) == -1) {
		error_f("resilient: %s: %s", sub, strerror(errno));
		goto out;
	}
	if ((d = fdopendir(fd)) == NULL) {
		error_f("resilient: %s: %s", sub, strerror(errno));
		close(fd);
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "%ld.", (long)m->uid);
	while ((dp = readdir(d)) != NULL) {
		if (dp->d_name[0] == '.')
			continue;
		/* A marker left by a monitor that died holds no place */
		if (pid_gone(dp->d_name)) {
			(void)unlinkat(dirfd(d), dp->d_name, 0);
			continue;
		}
		all++;
		if (strncmp(dp->d_name, prefix, strlen(prefix)) == 0)
			user++;
	}
	if (all >= (u_int)m->max_all || user >= (u_int)m->max_user) {
		logit("resilient: %u detached sessions%s "
		    "(ResilientMaxDetached); a session of %s that lost its "
		    "connection ends", all >= (u_int)m->max_all ? all : user,
		    all >= (u_int)m->max_all ? "" : " of its user", m->user);
		(void)tell_child(m, RESILIENT_MON_LIMIT, -1);
		m->ended = RESILIENT_ENDED_LIMIT;
		goto out;
	}
	xasprintf(&m->marker, "%s/%ld.%ld", sub, (long)m->uid, (long)m->pid);
	if ((fd = open(m->marker, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC,
	    0600)) == -1) {
		error_f("resilient: %s: %s", m->marker, strerror(errno));
		free(m->marker);
		m->marker = NULL;
		goto out;
	}
	close(fd);
	peer_mark(m);
	debug2_f("%u detached session(s), %u of %s", all + 1, user + 1,
	    m->user);
 out:
	if (d != NULL)
		closedir(d);
	if (dfd != -1)
		close(dfd);	/* and the lock with it */
	free(sub);
}

int
resilient_monitor_frame(struct ssh *ssh, u_char type, struct sshbuf *b)
{
	struct resilient_monitor *m = ssh->resilient_monitor;
	u_int code;

	switch (type) {
	case RESILIENT_BROKER_REGISTER:
		return monitor_register(m, b);
	case RESILIENT_BROKER_DETACH:
		monitor_detached(m);
		return 0;
	case RESILIENT_BROKER_ENDED:
		/* The child says why it ends: a word for its client only */
		if (sshbuf_get_u32(b, &code) != 0 || sshbuf_len(b) != 0 ||
		    !RESILIENT_IS_ENDED(code))
			return SSH_ERR_INVALID_FORMAT;
		m->ended = code;
		return 0;
	case RESILIENT_BROKER_ATTACH:
		m->ended = 0;
		if (m->marker != NULL)
			(void)unlink(m->marker);
		free(m->marker);
		m->marker = NULL;
		peer_unmark(m);
		return 0;
	}
	return SSH_ERR_INVALID_FORMAT;
}

static void
link_gone(struct resilient_monitor *m)
{
	close(m->link);
	m->link = -1;
	sshbuf_reset(m->in);
	unname(m);
}

/* Frames from the child; the monitor never waits for more of them */
static void
monitor_input(struct ssh *ssh)
{
	struct resilient_monitor *m = ssh->resilient_monitor;
	struct sshbuf *b;
	u_char buf[4096], type;
	ssize_t n;
	int r;

	if ((n = read(m->link, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		debug2_f("session's link closed");
		link_gone(m);
		return;
	}
	if ((b = sshbuf_new()) == NULL ||
	    (r = sshbuf_put(m->in, buf, n)) != 0)
		fatal_f("buffer");
	while ((r = resilient_frame_take(m->in, &type, b)) == 0) {
		if ((r = resilient_monitor_frame(ssh, type, b)) != 0)
			break;
	}
	/* What was read carried secrets: leave no copy behind */
	explicit_bzero(buf, sizeof(buf));
	if (sshbuf_len(m->in) == 0)
		sshbuf_reset(m->in);
	sshbuf_free(b);
	if (r != SSH_ERR_MESSAGE_INCOMPLETE) {
		error_r(r, "resilient: bad frame from the session of %s",
		    m->user);
		not_resumable(m, "bad frame from the session");
		link_gone(m);
	}
}

/* A root process connected: hand the connection to the child */
static void
monitor_accept(struct resilient_monitor *m)
{
	uid_t uid;
	gid_t gid;
	int fd;

	if ((fd = accept(m->lsock, NULL, NULL)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			error_f("accept: %s", strerror(errno));
		return;
	}
	if (getpeereid(fd, &uid, &gid) == -1 || uid != geteuid()) {
		logit("resilient: a process of uid %ld reached the session "
		    "of %s; refused", (long)uid, m->user);
		close(fd);
		return;
	}
	if (tell_child(m, RESILIENT_MON_CONNECTION, fd) != 0)
		debug_f("session of %s is not reading; reconnect dropped",
		    m->user);
	close(fd);
}

void
resilient_monitor_pollfds(struct ssh *ssh, struct pollfd *pfd, u_int n)
{
	struct resilient_monitor *m = ssh->resilient_monitor;
	u_int i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = -1;
		pfd[i].events = pfd[i].revents = 0;
	}
	if (m == NULL || n < RESILIENT_MONITOR_NPFD || m->pid != getpid())
		return;
	if (m->child_end != -1) {
		/* Forked: the child's end is the child's alone */
		close(m->child_end);
		m->child_end = -1;
	}
	pfd[0].fd = m->link;
	pfd[0].events = POLLIN;
	pfd[1].fd = m->lsock;
	pfd[1].events = POLLIN;
}

void
resilient_monitor_after_poll(struct ssh *ssh, const struct pollfd *pfd,
    u_int n)
{
	struct resilient_monitor *m = ssh->resilient_monitor;

	if (m == NULL || n < RESILIENT_MONITOR_NPFD || m->pid != getpid())
		return;
	if (pfd[0].fd != -1 && pfd[0].fd == m->link &&
	    (pfd[0].revents & (POLLIN|POLLHUP|POLLERR)) != 0)
		monitor_input(ssh);
	if (pfd[1].fd != -1 && pfd[1].fd == m->lsock &&
	    (pfd[1].revents & POLLIN) != 0)
		monitor_accept(m);
}
