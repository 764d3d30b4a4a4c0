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
 * resilient-status.c: the status line drawn over the bottom row of a
 * session's terminal (a pty here), with the cursor saved and restored;
 * nothing drawn where the terminal cannot take it; erasing it sends the
 * two window changes that make the remote programs redraw, one row short
 * and then the real size, to the session's channel.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "pair.h"
#include "channels.h"
#include "misc.h"
#include "ssh2.h"
#include "resilient-status.h"

#define REMOTE_ID	7

struct tty {
	struct pair p;
	int master;
	int slave;
	Channel *c;
	struct resilient_status st;
};

static int
tty_setup(void **state)
{
	struct tty *t;
	struct pair_opts o;
	struct winsize ws;
	char *name;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	memset(&o, 0, sizeof(o));
	pair_new(&t->p, &o);
	assert_int_equal(pair_run_kex(&t->p), 0);
	channel_init_channels(t->p.client);
	assert_true((t->master = posix_openpt(O_RDWR|O_NOCTTY)) >= 0);
	assert_int_equal(grantpt(t->master), 0);
	assert_int_equal(unlockpt(t->master), 0);
	assert_non_null(name = ptsname(t->master));
	assert_true((t->slave = open(name, O_RDWR|O_NOCTTY)) >= 0);
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = 24;
	ws.ws_col = 80;
	assert_int_equal(ioctl(t->slave, TIOCSWINSZ, &ws), 0);
	t->c = channel_new(t->p.client, "session", SSH_CHANNEL_OPEN,
	    dup(t->slave), dup(t->slave), -1, 64 * 1024, 32 * 1024,
	    CHAN_EXTENDED_IGNORE, "test", 0);
	t->c->client_tty = 1;
	t->c->have_remote_id = 1;
	t->c->remote_id = REMOTE_ID;
	resilient_status_init(&t->st);
	setenv("TERM", "xterm", 1);
	*state = t;
	return 0;
}

static int
tty_teardown(void **state)
{
	struct tty *t = *state;

	channel_free_all(t->p.client);
	channel_free_channels(t->p.client);
	pair_free(&t->p);
	close(t->master);
	close(t->slave);
	free(t);
	return 0;
}

/* What the terminal received within a short while, as a string */
static char *
received(struct tty *t)
{
	static char buf[1024];
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;

	pfd.fd = t->master;
	pfd.events = POLLIN;
	while (len < sizeof(buf) - 1 && poll(&pfd, 1, 200) == 1) {
		if ((n = read(t->master, buf + len, sizeof(buf) - 1 - len)) <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/* The next message to the server is a window change of COLS x ROWS */
static void
expect_window_change(struct tty *t, u_int cols, u_int rows)
{
	u_char type, reply;
	u_int32_t id, c, r, x, y;
	char *req = NULL;

	assert_int_equal(pair_pump_one(t->p.client, t->p.server, NULL), 0);
	assert_int_equal(ssh_packet_next(t->p.server, &type), 0);
	assert_int_equal(type, SSH2_MSG_CHANNEL_REQUEST);
	assert_int_equal(sshpkt_get_u32(t->p.server, &id), 0);
	assert_int_equal(id, REMOTE_ID);
	assert_int_equal(sshpkt_get_cstring(t->p.server, &req, NULL), 0);
	assert_string_equal(req, "window-change");
	assert_int_equal(sshpkt_get_u8(t->p.server, &reply), 0);
	assert_int_equal(reply, 0);
	assert_int_equal(sshpkt_get_u32(t->p.server, &c), 0);
	assert_int_equal(sshpkt_get_u32(t->p.server, &r), 0);
	assert_int_equal(sshpkt_get_u32(t->p.server, &x), 0);
	assert_int_equal(sshpkt_get_u32(t->p.server, &y), 0);
	assert_int_equal(c, cols);
	assert_int_equal(r, rows);
	free(req);
}

static void
expect_no_message(struct tty *t)
{
	u_char type;

	assert_int_equal(pair_pump_one(t->p.client, t->p.server, NULL), 0);
	assert_int_equal(ssh_packet_next(t->p.server, &type), 0);
	assert_int_equal(type, 0);
}

static void
test_line_drawn_and_erased(void **state)
{
	struct tty *t = *state;
	double now;

	assert_true(resilient_status_capable(t->p.client));
	/* Saved cursor, row 24, reverse video, restored cursor; no BEL */
	resilient_status_show(t->p.client, &t->st, "ssh: lost\a here");
	assert_string_equal(received(t), "\0337\033(B\033[?6l\033[24;1H"
	    "\033[2K\033[7mssh: lost? here\033[m\0338");
	/* The same text again: nothing more */
	resilient_status_show(t->p.client, &t->st, "ssh: lost\a here");
	assert_string_equal(received(t), "");
	/* Nothing asks for a redraw while it is up */
	now = monotime_double();
	assert_true(resilient_status_deadline(&t->st, now) < 0);
	resilient_status_tick(t->p.client, &t->st, now);
	expect_no_message(t);

	/* Erased: the row cleared, the cursor back */
	resilient_status_clear(t->p.client, &t->st, 1);
	assert_string_equal(received(t),
	    "\0337\033(B\033[?6l\033[24;1H\033[2K\0338");
	/* then one row short at once, the real size a moment later */
	assert_true(resilient_status_deadline(&t->st, now) == 0);
	resilient_status_tick(t->p.client, &t->st, now);
	expect_window_change(t, 80, 23);
	assert_true(resilient_status_deadline(&t->st, now) > 0);
	resilient_status_tick(t->p.client, &t->st, now + 0.1);
	expect_no_message(t);
	resilient_status_tick(t->p.client, &t->st, now + 1);
	expect_window_change(t, 80, 24);
	assert_true(resilient_status_deadline(&t->st, now + 1) < 0);
	resilient_status_tick(t->p.client, &t->st, now + 2);
	expect_no_message(t);
	/* Erasing again does nothing: there is no line */
	resilient_status_clear(t->p.client, &t->st, 1);
	assert_string_equal(received(t), "");
	assert_true(resilient_status_deadline(&t->st, now) < 0);
}

static void
test_line_fits_the_row(void **state)
{
	struct tty *t = *state;
	struct winsize ws;
	char text[200], *got, *s, *e;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = 10;
	ws.ws_col = 40;
	assert_int_equal(ioctl(t->slave, TIOCSWINSZ, &ws), 0);
	resilient_status_show(t->p.client, &t->st, text);
	got = received(t);
	assert_non_null(strstr(got, "\033[10;1H"));
	assert_non_null(s = strstr(got, "\033[7m"));
	assert_non_null(e = strstr(got, "\033[m"));
	/* one column short of the last: the terminal never wraps */
	assert_int_equal(e - (s + 4), 39);
	/* without a redraw, no window change follows the erasure */
	resilient_status_clear(t->p.client, &t->st, 0);
	assert_non_null(strstr(received(t), "\033[2K"));
	assert_true(resilient_status_deadline(&t->st, monotime_double()) < 0);
	resilient_status_tick(t->p.client, &t->st, monotime_double());
	expect_no_message(t);
}

static void
test_nothing_where_it_cannot_be_drawn(void **state)
{
	struct tty *t = *state;

	/* TERM=dumb, or none: the client logs lines instead */
	setenv("TERM", "dumb", 1);
	assert_false(resilient_status_capable(t->p.client));
	resilient_status_show(t->p.client, &t->st, "ssh: lost");
	assert_string_equal(received(t), "");
	unsetenv("TERM");
	assert_false(resilient_status_capable(t->p.client));
	setenv("TERM", "xterm", 1);
	/* a session without a pty */
	t->c->client_tty = 0;
	assert_false(resilient_status_capable(t->p.client));
	resilient_status_show(t->p.client, &t->st, "ssh: lost");
	assert_string_equal(received(t), "");
	resilient_status_clear(t->p.client, &t->st, 1);
	resilient_status_tick(t->p.client, &t->st, monotime_double());
	expect_no_message(t);
	/* a pty session whose output goes to a file */
	t->c->client_tty = 1;
	assert_true(resilient_status_capable(t->p.client));
	close(t->c->wfd);
	assert_true((t->c->wfd = open("/dev/null", O_WRONLY)) >= 0);
	assert_false(resilient_status_capable(t->p.client));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_line_drawn_and_erased,
		    tty_setup, tty_teardown),
		cmocka_unit_test_setup_teardown(test_line_fits_the_row,
		    tty_setup, tty_teardown),
		cmocka_unit_test_setup_teardown(
		    test_nothing_where_it_cannot_be_drawn,
		    tty_setup, tty_teardown),
	};

	return cmocka_run_group_tests(tests, pair_group_setup,
	    pair_group_teardown);
}
