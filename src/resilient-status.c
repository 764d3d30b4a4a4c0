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
 * The status line of a client's terminal sessions.  While the connection
 * is silent or lost, one line is drawn over the bottom row of each
 * terminal a session channel with a pty writes to, with the cursor (and
 * its attributes, character set and origin mode) saved before and
 * restored after, so that what a full-screen program shows, and where
 * its cursor is, are left alone.  When the trouble is over the line is
 * erased, and the remote programs are made to draw their screen anew,
 * since only they know what the line covered: their terminal is made
 * one row shorter and, a moment later, given its size back (two
 * window-change requests, two SIGWINCHs), which an editor, a pager, top,
 * tmux or a shell's line editor answer with a full redraw.
 *
 * Only terminals that understand the ANSI sequences used are drawn on:
 * the channel writes to a tty and TERM is set and is not "dumb".  For
 * other sessions, resilient-client.c logs its lines as it always did.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "misc.h"
#include "ssherr.h"
#include "sshbuf.h"
#include "packet.h"
#include "channels.h"

#include "resilient-status.h"

/* Time between the two window changes of a redraw */
#define RESIZE_RESTORE_S	0.25

/* Save the cursor; ASCII in G0; no origin mode; to column 1 of row %u */
#define SEQ_TO_ROW	"\0337\033(B\033[?6l\033[%u;1H\033[2K"
/* Reverse video for the text, then back to the cursor as it was */
#define SEQ_TEXT	"\033[7m%s\033[m\0338"
#define SEQ_BACK	"\0338"

struct visit {
	struct resilient_status *st;
	const char *text;
	int found;
	int redraw;
};

static int
term_ok(void)
{
	const char *t = getenv("TERM");

	return t != NULL && *t != '\0' && strcmp(t, "dumb") != 0;
}

/* The terminal's size, from the descriptors of a session channel */
static int
tty_size(const Channel *c, struct winsize *ws)
{
	if (c->wfd >= 0 && ioctl(c->wfd, TIOCGWINSZ, ws) == 0)
		return 0;
	if (c->rfd >= 0 && ioctl(c->rfd, TIOCGWINSZ, ws) == 0)
		return 0;
	return -1;
}

static int
drawable(const Channel *c)
{
	struct winsize ws;

	return c->client_tty && c->wfd >= 0 && isatty(c->wfd) &&
	    tty_size(c, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 1;
}

static int
id_index(const int *ids, int id)
{
	u_int i;

	for (i = 0; i < RESILIENT_STATUS_TTYS; i++) {
		if (ids[i] == id)
			return (int)i;
	}
	return -1;
}

static int
id_add(int *ids, int id)
{
	int i;

	if ((i = id_index(ids, id)) >= 0)
		return i;
	if ((i = id_index(ids, -1)) >= 0)
		ids[i] = id;
	return i;
}

/* One write of the whole sequence: a terminal takes a line at once */
static void
tty_write(const Channel *c, const char *s, size_t len)
{
	if (write(c->wfd, s, len) != (ssize_t)len)
		debug_f("channel %d: status not written", c->self);
}

void
resilient_status_init(struct resilient_status *st)
{
	memset(st, 0, sizeof(*st));
	memset(st->drawn, -1, sizeof(st->drawn));
	memset(st->resize, -1, sizeof(st->resize));
}

static void
visit_capable(struct ssh *ssh, Channel *c, void *arg)
{
	struct visit *v = arg;

	if (drawable(c))
		v->found = 1;
}

int
resilient_status_capable(struct ssh *ssh)
{
	struct visit v;

	if (!term_ok())
		return 0;
	memset(&v, 0, sizeof(v));
	channel_foreach_open(ssh, visit_capable, &v);
	return v.found;
}

static void
visit_show(struct ssh *ssh, Channel *c, void *arg)
{
	struct visit *v = arg;
	struct winsize ws;
	char line[sizeof(v->st->text)], seq[sizeof(line) + 64];
	size_t i, width;
	int n;

	if (!drawable(c) || tty_size(c, &ws) != 0)
		return;
	if (id_add(v->st->drawn, c->self) < 0)
		return;		/* more terminals than we keep track of */
	/* Printable ASCII only, and short of the last column (no wrap) */
	width = MINIMUM(strlen(v->text), (size_t)ws.ws_col - 1);
	width = MINIMUM(width, sizeof(line) - 1);
	for (i = 0; i < width; i++) {
		line[i] = isprint((u_char)v->text[i]) ?
		    v->text[i] : '?';
	}
	line[width] = '\0';
	n = snprintf(seq, sizeof(seq), SEQ_TO_ROW SEQ_TEXT,
	    (u_int)ws.ws_row, line);
	if (n > 0 && (size_t)n < sizeof(seq))
		tty_write(c, seq, (size_t)n);
}

void
resilient_status_show(struct ssh *ssh, struct resilient_status *st,
    const char *text)
{
	struct visit v;

	if (!term_ok())
		return;
	if (st->drawn_at != 0 && strcmp(st->text, text) == 0)
		return;
	memset(&v, 0, sizeof(v));
	v.st = st;
	v.text = text;
	strlcpy(st->text, text, sizeof(st->text));
	channel_foreach_open(ssh, visit_show, &v);
	/* Nothing else wants a redraw while the line is up */
	st->resize_phase = 0;
	memset(st->resize, -1, sizeof(st->resize));
	if (st->drawn_at == 0)
		st->drawn_at = monotime_double();
}

static void
visit_clear(struct ssh *ssh, Channel *c, void *arg)
{
	struct visit *v = arg;
	struct winsize ws;
	char seq[64];
	int n;

	if (id_index(v->st->drawn, c->self) < 0 || !drawable(c) ||
	    tty_size(c, &ws) != 0)
		return;
	n = snprintf(seq, sizeof(seq), SEQ_TO_ROW SEQ_BACK, (u_int)ws.ws_row);
	if (n > 0 && (size_t)n < sizeof(seq))
		tty_write(c, seq, (size_t)n);
	if (v->redraw)
		(void)id_add(v->st->resize, c->self);
}

void
resilient_status_clear(struct ssh *ssh, struct resilient_status *st,
    int redraw)
{
	struct visit v;

	if (st->drawn_at == 0)
		return;
	memset(&v, 0, sizeof(v));
	v.st = st;
	v.redraw = redraw;
	channel_foreach_open(ssh, visit_clear, &v);
	memset(st->drawn, -1, sizeof(st->drawn));
	st->text[0] = '\0';
	st->drawn_at = 0;
	if (st->resize[0] != -1)		/* filled in order: any at all */
		st->resize_phase = 1;
}

/* Send the terminal's size, one row short with "shrink" */
static void
visit_resize(struct ssh *ssh, Channel *c, void *arg)
{
	struct visit *v = arg;
	struct winsize ws;
	int r;

	if (id_index(v->st->resize, c->self) < 0 || !c->client_tty ||
	    tty_size(c, &ws) != 0)
		return;
	if (v->redraw) {
		if (ws.ws_row < 3)
			return;
		ws.ws_row--;
	}
	channel_request_start(ssh, c->self, "window-change", 0);
	if ((r = sshpkt_put_u32(ssh, (u_int)ws.ws_col)) != 0 ||
	    (r = sshpkt_put_u32(ssh, (u_int)ws.ws_row)) != 0 ||
	    (r = sshpkt_put_u32(ssh, (u_int)ws.ws_xpixel)) != 0 ||
	    (r = sshpkt_put_u32(ssh, (u_int)ws.ws_ypixel)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		error_fr(r, "channel %d: window-change", c->self);
}

void
resilient_status_tick(struct ssh *ssh, struct resilient_status *st,
    double now)
{
	struct visit v;

	if (st->resize_phase == 0 ||
	    (st->resize_phase == 2 && now < st->restore_at))
		return;
	memset(&v, 0, sizeof(v));
	v.st = st;
	v.redraw = st->resize_phase == 1;	/* shrink first */
	channel_foreach_open(ssh, visit_resize, &v);
	if (st->resize_phase == 1) {
		st->resize_phase = 2;
		st->restore_at = now + RESIZE_RESTORE_S;
		debug_f("redrawing the terminal sessions");
		return;
	}
	st->resize_phase = 0;
	memset(st->resize, -1, sizeof(st->resize));
}

double
resilient_status_deadline(const struct resilient_status *st, double now)
{
	switch (st->resize_phase) {
	case 1:
		return 0;
	case 2:
		return st->restore_at > now ? st->restore_at - now : 0;
	}
	return -1;
}
