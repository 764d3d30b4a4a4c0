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
 * Harness: the frames a session's privileged monitor (root) reads from
 * its child, and the request a new connection's monitor reads from
 * sshd-auth (resilient-broker.c).  The input is a byte stream as read on
 * the link: resilient_frame_take() cuts it into frames, and each goes to
 * resilient_monitor_frame() of a real monitor whose rendezvous directory
 * is the harness's own (REGISTER names tokens there, DETACH and ATTACH
 * add and remove markers, ENDED says why the session ends, and a session
 * that ends detached leaves tombstones).  The same bytes, as a reconnect request, go
 * to resilient_broker_resume() against a directory that holds no session.
 *
 * Invariants: resilient_frame_take() consumes exactly a header and the
 * length it gives, never more than RESILIENT_FRAME_MAX, and leaves an
 * incomplete frame in place; the monitor names only tokens that their
 * secret gives (here, the seeds' pairs), never more than
 * RESILIENT_BROKER_TOKENS; cleanup leaves the directory empty but for at
 * most one tombstone per name, each holding an ENDED code; a request
 * naming no session is answered "unknown", and one over the frame limit
 * is refused before anything is sent.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "packet.h"
#include "sshbuf.h"
#include "ssherr.h"

#include "resilient-broker.h"
#include "resilient-kdf.h"
#include "resilient-proto.h"

#include "fuzz-common.h"

static char dir[64];		/* the monitor's rendezvous directory */
static char nowhere[96];	/* a directory that holds nothing */

/* Entries in path, other than the subdirectories the monitor makes */
static u_int
entries(const char *path, int *named)
{
	struct dirent *dp;
	DIR *d;
	u_int n = 0;

	*named = 0;
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((dp = readdir(d)) != NULL) {
		if (dp->d_name[0] == '.' ||
		    strcmp(dp->d_name, "detached") == 0 ||
		    strcmp(dp->d_name, "peer") == 0 ||
		    strcmp(dp->d_name, "last") == 0 ||
		    strcmp(dp->d_name, "ended") == 0)
			continue;
		n++;
		if (strncmp(dp->d_name, "t.", 2) == 0)
			(*named)++;
	}
	closedir(d);
	return n;
}

/* Check the tombstones the session left, and remove them */
static void
tombstones_check(void)
{
	char path[160], buf[16], sub[96];
	struct dirent *dp;
	const char *errstr;
	ssize_t n;
	u_int count = 0;
	int fd;
	DIR *d;

	snprintf(sub, sizeof(sub), "%s/ended", dir);
	if ((d = opendir(sub)) == NULL)
		return;
	while ((dp = readdir(d)) != NULL) {
		if (dp->d_name[0] == '.')
			continue;
		count++;
		snprintf(path, sizeof(path), "%s/%s", sub, dp->d_name);
		FUZZ_CHECK((fd = open(path, O_RDONLY)) != -1);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		FUZZ_CHECK(n > 1 && buf[n - 1] == '\n');
		buf[n - 1] = '\0';
		(void)strtonum(buf, RESILIENT_ENDED_TIMEOUT, RESILIENT_ENDED,
		    &errstr);
		FUZZ_CHECK(errstr == NULL);
		(void)unlink(path);
	}
	closedir(d);
	FUZZ_CHECK(count <= RESILIENT_BROKER_TOKENS);
}

/* The directory goes when the fuzzer exits (and stays after a crash) */
static void
remove_dir(void)
{
	const char *subs[] = { "detached", "peer", "last", "ended" };
	char sub[96];
	size_t i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		(void)rmdir(sub);
	}
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_broker_frames");
	snprintf(dir, sizeof(dir), "/tmp/rs-fuzz.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(nowhere, sizeof(nowhere), "%s/nowhere", dir);
	atexit(remove_dir);
	return 0;
}

static void
frames(const uint8_t *data, size_t size)
{
	struct ssh ssh;
	struct sshbuf *in, *body;
	size_t before, len;
	u_char type;
	int child, r, named;

	memset(&ssh, 0, sizeof(ssh));
	if ((in = sshbuf_from(data, size)) == NULL ||
	    (body = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(resilient_monitor_new(&ssh, dir, 1000, "fuzz", 4, 2,
	    &child) == 0);
	for (;;) {
		before = sshbuf_len(in);
		r = resilient_frame_take(in, &type, body);
		if (r != 0) {
			/* nothing taken */
			FUZZ_CHECK(sshbuf_len(in) == before);
			FUZZ_CHECK(r == SSH_ERR_MESSAGE_INCOMPLETE ||
			    r == SSH_ERR_INVALID_FORMAT);
			if (r == SSH_ERR_MESSAGE_INCOMPLETE && before >= 5)
				FUZZ_CHECK(PEEK_U32(sshbuf_ptr(in) + 1) >
				    before - 5);
			if (r == SSH_ERR_INVALID_FORMAT)
				FUZZ_CHECK(PEEK_U32(sshbuf_ptr(in) + 1) >
				    RESILIENT_FRAME_MAX);
			break;
		}
		len = sshbuf_len(body);
		FUZZ_CHECK(len <= RESILIENT_FRAME_MAX);
		FUZZ_CHECK(before - sshbuf_len(in) == 5 + len);
		if (resilient_monitor_frame(&ssh, type, body) != 0)
			break;
		(void)entries(dir, &named);
		FUZZ_CHECK(named <= RESILIENT_BROKER_TOKENS);
	}
	FUZZ_CHECK(resilient_monitor_cleanup(&ssh, 255) == 255);
	FUZZ_CHECK(entries(dir, &named) == 0);
	tombstones_check();
	resilient_monitor_forget(&ssh);
	close(child);
	sshbuf_free(in);
	sshbuf_free(body);
}

static void
request(const uint8_t *data, size_t size)
{
	struct sshbuf *req;
	u_int code = 99;
	int r, sp[2];

	if ((req = sshbuf_from(data, size)) == NULL)
		abort();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		abort();
	r = resilient_broker_resume(nowhere, sp[0], req, &code);
	FUZZ_CHECK(code == RESILIENT_UNKNOWN);
	FUZZ_CHECK(r == (size > RESILIENT_FRAME_MAX ?
	    SSH_ERR_NO_BUFFER_SPACE : 0));
	close(sp[0]);
	close(sp[1]);
	sshbuf_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];

	if (data == NULL)
		data = empty;
	frames(data, size);
	request(data, size);
	return 0;
}
