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
 * Reconnecting on request: "ssh -O reconnect" asks a multiplexing master
 * through its control socket, and the ~N escape asks the session it is
 * typed into.  Both drop the current connection and resume at once, e.g.
 * after the user moved to another network that the old connection will
 * never work on again.
 *
 * The request is an extension of the multiplexing protocol (see
 * PROTOCOL.mux): a master that does not know it answers MUX_S_FAILURE.
 */

#include "includes.h"

#include <sys/types.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "openbsd-compat/sys-queue.h"
#include "log.h"
#include "ssherr.h"
#include "sshbuf.h"
#include "channels.h"

#include "resilient.h"
#include "resilient-mux.h"

/* Reply codes of the multiplexing protocol, as in PROTOCOL.mux */
#define MUX_S_OK		0x80000001
#define MUX_S_FAILURE		0x80000003

int
resilient_mux_reconnect(struct ssh *ssh, u_int rid, Channel *c,
    struct sshbuf *m, struct sshbuf *reply)
{
	int r;

	debug_f("channel %d: reconnect requested", c->self);
	if (resilient_client_reconnect_now(ssh,
	    "reconnect requested by a multiplexed client") == 0) {
		if ((r = sshbuf_put_u32(reply, MUX_S_OK)) != 0 ||
		    (r = sshbuf_put_u32(reply, rid)) != 0)
			fatal_fr(r, "reply");
		return 0;
	}
	if ((r = sshbuf_put_u32(reply, MUX_S_FAILURE)) != 0 ||
	    (r = sshbuf_put_u32(reply, rid)) != 0 ||
	    (r = sshbuf_put_cstring(reply,
	    "the session cannot be resumed")) != 0)
		fatal_fr(r, "reply");
	return 0;
}

int
resilient_mux_state(struct ssh *ssh, u_int rid, Channel *c,
    struct sshbuf *m, struct sshbuf *reply)
{
	char state[256];
	int r;

	if (resilient_client_state(ssh, state, sizeof(state)) != 0) {
		if ((r = sshbuf_put_u32(reply, MUX_S_FAILURE)) != 0 ||
		    (r = sshbuf_put_u32(reply, rid)) != 0 ||
		    (r = sshbuf_put_cstring(reply,
		    "not a resilient session")) != 0)
			fatal_fr(r, "reply");
		return 0;
	}
	if ((r = sshbuf_put_u32(reply, MUX_S_RESILIENT_STATE)) != 0 ||
	    (r = sshbuf_put_u32(reply, rid)) != 0 ||
	    (r = sshbuf_put_cstring(reply, state)) != 0)
		fatal_fr(r, "reply");
	return 0;
}

/*
 * Send the master at fd a request of this type (one without arguments)
 * and read its reply into b, up to the reply's type, checked to answer
 * rid.  0, or -1 with errno set if the master could not be written to or
 * read from; a malformed reply is fatal.
 */
static int
mux_ask(int fd, u_int type, u_int rid, struct sshbuf *b, u_int *replyp)
{
	u_int id;
	int r;

	sshbuf_reset(b);
	if ((r = sshbuf_put_u32(b, type)) != 0 ||
	    (r = sshbuf_put_u32(b, rid)) != 0)
		fatal_fr(r, "request");
	if (mux_client_write_packet(fd, b) != 0)
		return -1;
	sshbuf_reset(b);
	if (mux_client_read_packet(fd, b) != 0)
		return -1;
	if ((r = sshbuf_get_u32(b, replyp)) != 0 ||
	    (r = sshbuf_get_u32(b, &id)) != 0)
		fatal_fr(r, "parse");
	if (id != rid)
		fatal_f("out of sequence reply: my id %u theirs %u", rid, id);
	return 0;
}

/*
 * After "Master running": what the master says of its resilient
 * session.  A master without one (or an older one) answers with a
 * failure, and nothing more is printed.
 */
void
resilient_mux_report_state(int fd, u_int rid)
{
	struct sshbuf *b;
	u_int type;
	char *state = NULL;
	int r;

	if ((b = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if (mux_ask(fd, MUX_C_RESILIENT_STATE, rid, b, &type) != 0) {
		debug_f("master: %s", strerror(errno));
		goto out;
	}
	if (type != MUX_S_RESILIENT_STATE) {
		debug_f("no resilient session (reply 0x%08x)", type);
		goto out;
	}
	if ((r = sshbuf_get_cstring(b, &state, NULL)) != 0) {
		debug_fr(r, "parse");
		goto out;
	}
	fprintf(stderr, "Resilient session: %s\r\n", state);
 out:
	free(state);
	sshbuf_free(b);
}

void
resilient_mux_session_waits(struct ssh *ssh, Channel *c)
{
	char state[256], line[300];
	int n;

	if (c->efd < 0 || !resilient_client_detached(ssh) ||
	    resilient_client_state(ssh, state, sizeof(state)) != 0)
		return;
	n = snprintf(line, sizeof(line), "ssh: %s; this session opens once "
	    "it is resumed.\r\n", state);
	if (n > 0 && (size_t)n < sizeof(line) &&
	    write(c->efd, line, (size_t)n) != n)
		debug_f("channel %d: not told", c->self);
}

void
resilient_mux_request_reconnect(int fd, u_int rid, int quiet)
{
	struct sshbuf *b;
	u_int type;
	char *msg = NULL;
	int r;

	if ((b = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if (mux_ask(fd, MUX_C_RESILIENT_RECONNECT, rid, b, &type) != 0)
		fatal("Cannot send a reconnect request to the master: %s",
		    strerror(errno));
	switch (type) {
	case MUX_S_OK:
		break;
	case MUX_S_FAILURE:
		if ((r = sshbuf_get_cstring(b, &msg, NULL)) != 0)
			fatal_fr(r, "parse error message");
		fatal("Master refused reconnect request: %s", msg);
	default:
		fatal_f("unexpected response from master 0x%08x", type);
	}
	if (!quiet)
		fprintf(stderr, "Reconnect request sent.\r\n");
	sshbuf_free(b);
}

void
resilient_escape_reconnect(struct ssh *ssh, struct sshbuf *berr,
    int escape_char)
{
	int r;

	if ((r = sshbuf_putf(berr, "%cN\r\n", escape_char)) != 0)
		fatal_fr(r, "sshbuf_putf");
	if (resilient_client_reconnect_now(ssh,
	    "reconnect requested by escape") != 0 &&
	    (r = sshbuf_putf(berr, "This session cannot be resumed; "
	    "not reconnecting.\r\n")) != 0)
		fatal_fr(r, "sshbuf_putf");
}
