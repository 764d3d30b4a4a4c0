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


/* Unit tests for the extension's configuration table (cmocka). */

#include "includes.h"

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "misc.h"
#include "ssherr.h"

#include "resilient-broker.h"
#include "resilient-buffer.h"
#include "resilient-config.h"

#define C	RESILIENT_CFG_CLIENT
#define S	RESILIENT_CFG_SERVER

/* Parse one configuration line "keyword args..." as readconf.c would */
static int
line(struct resilient_options *o, int side, const char *text, int active,
    int *leftp)
{
	char *copy, *keyword, **oav = NULL, **av;
	int oac = 0, ac, r;

	copy = strdup(text);
	assert_non_null(copy);
	keyword = strtok(copy, " ");
	assert_non_null(keyword);
	assert_int_equal(argv_split(text + strlen(keyword) + 1, &oac, &oav,
	    1), 0);
	ac = oac;
	av = oav;
	r = resilient_config_parse(o, side, keyword, &ac, &av, "test", 1,
	    active);
	if (leftp != NULL)
		*leftp = ac;
	argv_free(oav, oac);
	free(copy);
	return r;
}

static int
setup(void **state)
{
	struct resilient_options *o;

	o = calloc(1, sizeof(*o));
	assert_non_null(o);
	resilient_config_init(o);
	*state = o;
	return 0;
}

static int
teardown(void **state)
{
	struct resilient_options *o = *state;

	free(o->directory);
	free(o);
	return 0;
}

/* Each side knows its own keywords, in any case, and only those */
static void
test_lookup(void **state)
{
	u_int match = 7;

	assert_int_equal(resilient_config_lookup("resilientsessions", C,
	    NULL), 1);
	assert_int_equal(resilient_config_lookup("ResilientSessions", S,
	    &match), 1);
	assert_int_equal(match, 0);
	assert_int_equal(resilient_config_lookup("resilienttimeout", S,
	    &match), 1);
	assert_int_equal(match, 1);
	assert_int_equal(resilient_config_lookup("resilientprobeinterval", C,
	    NULL), 1);
	assert_int_equal(resilient_config_lookup("resilientprobeinterval", S,
	    NULL), 0);
	assert_int_equal(resilient_config_lookup("resilientdirectory", C, NULL),
	    0);
	assert_int_equal(resilient_config_lookup("resilientdirectory", S, NULL),
	    1);
	assert_int_equal(resilient_config_lookup("resilientmaxdetached", S,
	    NULL), 1);
	assert_int_equal(resilient_config_lookup("resilient", C, NULL), 0);
	assert_int_equal(resilient_config_lookup("resilientsessionsx", C,
	    NULL), 0);
	assert_int_equal(resilient_config_lookup("", S, NULL), 0);
}

static void
test_defaults(void **state)
{
	struct resilient_options *o = *state;

	resilient_config_defaults(o, C);
	assert_int_equal(o->sessions, 1);
	assert_int_equal(o->buffer_size, RESILIENT_BUFFER_DEFAULT_MAX);
	assert_int_equal(o->timeout, 3600);
	assert_int_equal(o->route_monitor, 1);
	assert_int_equal(o->probe_interval, 10);
	assert_int_equal(o->probe_timeout, 5);
	assert_int_equal(o->make_before_break, 1);
	/* the server's options stay unset on the client */
	assert_null(o->directory);
	assert_int_equal(o->max_detached, -1);
	resilient_config_defaults(o, S);
	assert_non_null(o->directory);
	assert_string_equal(o->directory + strlen(o->directory) -
	    strlen("/sshd-resilient"), "/sshd-resilient");
	assert_int_equal(o->max_detached, RESILIENT_MAX_DETACHED);
	assert_int_equal(o->max_detached_user, RESILIENT_MAX_DETACHED_USER);
}

/* The first value given wins, as in the rest of OpenSSH's options */
static void
test_first_wins(void **state)
{
	struct resilient_options *o = *state;
	int left = -1;

	assert_int_equal(line(o, C, "resilientsessions no", 1, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(line(o, C, "resilientsessions yes", 1, NULL), 0);
	assert_int_equal(o->sessions, 0);
	assert_int_equal(line(o, C, "ResilientBufferSize 1M", 1, NULL), 0);
	assert_int_equal(line(o, C, "ResilientBufferSize 2M", 1, NULL), 0);
	assert_int_equal(o->buffer_size, 1024 * 1024);
	resilient_config_defaults(o, C);
	assert_int_equal(o->sessions, 0);
	assert_int_equal(o->buffer_size, 1024 * 1024);
}

/* An inactive line (another Host or Match) is checked, not stored */
static void
test_inactive(void **state)
{
	struct resilient_options *o = *state;

	assert_int_equal(line(o, C, "resilientsessions no", 0, NULL), 0);
	assert_int_equal(o->sessions, -1);
	assert_int_equal(line(o, C, "resilientsessions maybe", 0, NULL), -1);
	assert_int_equal(line(o, S, "resilientdirectory /run/x", 0, NULL),
	    0);
	assert_null(o->directory);
}

static void
test_values(void **state)
{
	struct resilient_options *o = *state;

	assert_int_equal(line(o, C, "resilientsessions false", 1, NULL), 0);
	assert_int_equal(o->sessions, 0);
	assert_int_equal(line(o, C, "resilienttimeout 2m", 1, NULL), 0);
	assert_int_equal(o->timeout, 120);
	assert_int_equal(line(o, C, "resilientprobeinterval 0", 1, NULL), 0);
	assert_int_equal(o->probe_interval, 0);
	assert_int_equal(line(o, C, "resilientprobetimeout 3", 1, NULL), 0);
	assert_int_equal(o->probe_timeout, 3);
	assert_int_equal(line(o, C, "resilientroutemonitor no", 1, NULL), 0);
	assert_int_equal(o->route_monitor, 0);
	assert_int_equal(line(o, C, "resilientmakebeforebreak yes", 1, NULL),
	    0);
	assert_int_equal(o->make_before_break, 1);
	assert_int_equal(line(o, S, "resilientmaxdetached 10:3", 1, NULL), 0);
	assert_int_equal(o->max_detached, 10);
	assert_int_equal(o->max_detached_user, 3);
	assert_int_equal(line(o, S, "resilientdirectory /run/rs", 1, NULL),
	    0);
	assert_string_equal(o->directory, "/run/rs");
}

static void
test_timeout_none(void **state)
{
	struct resilient_options *o = *state;

	assert_int_equal(line(o, S, "ResilientTimeout none", 1, NULL), 0);
	assert_int_equal(o->timeout, 0);
}

/* Each bad value is refused and leaves the option unset */
static void
test_bad_values(void **state)
{
	struct resilient_options *o = *state;
	struct resilient_options before;

	memcpy(&before, o, sizeof(before));
	assert_int_equal(line(o, C, "resilientsessions maybe", 1, NULL), -1);
	/* ssh takes true/false for flags, sshd only yes/no */
	assert_int_equal(line(o, S, "resilientsessions true", 1, NULL), -1);
	assert_int_equal(line(o, C, "resilientbuffersize 1K", 1, NULL), -1);
	assert_int_equal(line(o, C, "resilientbuffersize 2G", 1, NULL), -1);
	assert_int_equal(line(o, C, "resilientbuffersize lots", 1, NULL), -1);
	assert_int_equal(line(o, C, "resilienttimeout 0", 1, NULL), -1);
	assert_int_equal(line(o, C, "resilienttimeout -5", 1, NULL), -1);
	assert_int_equal(line(o, C, "resilienttimeout soon", 1, NULL), -1);
	assert_int_equal(line(o, C, "resilientprobeinterval none", 1, NULL),
	    -1);
	assert_int_equal(line(o, C, "resilientprobetimeout 0", 1, NULL), -1);
	/* upstream's convtime() would truncate a fraction to whole seconds */
	assert_int_equal(line(o, C, "resilientprobeinterval 0.5", 1, NULL),
	    -1);
	assert_int_equal(line(o, C, "resilienttimeout 1.5s", 1, NULL), -1);
	assert_int_equal(line(o, S, "resilientdirectory relative", 1, NULL),
	    -1);
	assert_int_equal(line(o, S, "resilientdirectory none", 1, NULL), -1);
	assert_int_equal(line(o, S, "resilientdirectory "
	    "/a/directory/name/that/is/longer/than/sixty-four/characters/in/all",
	    1, NULL), -1);
	assert_int_equal(line(o, S, "resilientmaxdetached 0", 1, NULL), -1);
	assert_int_equal(line(o, S, "resilientmaxdetached 3:5", 1, NULL), -1);
	/* a keyword of the other side */
	assert_int_equal(line(o, C, "resilientdirectory /x", 1, NULL), -1);
	assert_int_equal(line(o, S, "resilientprobetimeout 3", 1, NULL), -1);
	assert_memory_equal(&before, o, sizeof(before));
}

/* Arguments past the first are left for the caller's garbage check */
static void
test_extra_arguments(void **state)
{
	struct resilient_options *o = *state;
	int left = -1;

	assert_int_equal(line(o, C, "resilientsessions yes please", 1, &left),
	    0);
	assert_int_equal(left, 1);
}

static void
test_copy_match(void **state)
{
	struct resilient_options *o = *state, match;

	resilient_config_defaults(o, S);
	resilient_config_init(&match);
	/* nothing set in the Match block: nothing changes */
	resilient_config_copy_match(o, &match);
	assert_int_equal(o->timeout, 3600);
	match.timeout = 60;
	match.sessions = 0;		/* global only: never copied */
	match.max_detached = 1;
	resilient_config_copy_match(o, &match);
	assert_int_equal(o->timeout, 60);
	assert_int_equal(o->sessions, 1);
	assert_int_equal(o->max_detached, RESILIENT_MAX_DETACHED);
}

/* The dump prints what a configuration file would say back */
static void
test_dump(void **state)
{
	struct resilient_options *o = *state;
	char buf[4096];
	FILE *f;
	size_t n;
	int fd, saved;

	assert_int_equal(line(o, S, "resilienttimeout none", 1, NULL), 0);
	assert_int_equal(line(o, S, "resilientmaxdetached 20:4", 1, NULL), 0);
	resilient_config_defaults(o, S);
	f = tmpfile();
	assert_non_null(f);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = fileno(f);
	assert_true(dup2(fd, STDOUT_FILENO) != -1);
	resilient_config_dump(o, S);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) != -1);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "resilientsessions yes\n"));
	assert_non_null(strstr(buf, "resilientbuffersize 16777216\n"));
	assert_non_null(strstr(buf, "resilienttimeout none\n"));
	assert_non_null(strstr(buf, "resilientmaxdetached 20:4\n"));
	assert_non_null(strstr(buf, "resilientdirectory /"));
	assert_null(strstr(buf, "resilientprobe"));
}

static void
test_parse_max_detached(void **state)
{
	int all = -1, user = -1;

	assert_int_equal(resilient_parse_max_detached("10:3", &all, &user), 0);
	assert_int_equal(all, 10);
	assert_int_equal(user, 3);
	assert_int_equal(resilient_parse_max_detached("5", &all, &user), 0);
	assert_int_equal(all, 5);
	assert_int_equal(user, 5);
	assert_int_equal(resilient_parse_max_detached("1024", &all, &user), 0);
	assert_int_equal(all, 1024);
	assert_int_equal(user, RESILIENT_MAX_DETACHED_USER);
	assert_int_equal(resilient_parse_max_detached("0", &all, &user), -1);
	assert_int_equal(resilient_parse_max_detached("1025", &all, &user), -1);
	assert_int_equal(resilient_parse_max_detached("3:5", &all, &user), -1);
	assert_int_equal(resilient_parse_max_detached("3:", &all, &user), -1);
	assert_int_equal(resilient_parse_max_detached(":3", &all, &user), -1);
	assert_int_equal(resilient_parse_max_detached("x", &all, &user), -1);
	assert_int_equal(resilient_parse_max_detached(NULL, &all, &user), -1);
	/* failures leave the values alone */
	assert_int_equal(all, 1024);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_wins, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inactive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_none, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_extra_arguments, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_match, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
		cmocka_unit_test(test_parse_max_detached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
