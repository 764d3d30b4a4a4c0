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
 * The extension's options in one table: readconf.c and servconf.c know a
 * single opcode for all of them and defer to this file for parsing,
 * defaults, "ssh -G" / "sshd -T" output and sshd's Match blocks.
 */

#include "includes.h"

#include <sys/types.h>

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "misc.h"
#include "pathnames.h"
#include "ssherr.h"
#include "xmalloc.h"

#include "resilient-broker.h"
#include "resilient-buffer.h"
#include "resilient-config.h"

#define CLIENT	RESILIENT_CFG_CLIENT
#define SERVER	RESILIENT_CFG_SERVER
#define BOTH	(CLIENT|SERVER)

enum kind {
	K_FLAG,		/* yes or no */
	K_SIZE,		/* replay buffer size, 256K to 1G */
	K_TIME,		/* a time, 0 allowed */
	K_TIME_NONE,	/* a time above 0, or "none" (stored as 0) */
	K_TIME_POS,	/* a time above 0 */
	K_DIR,		/* an absolute path of at most RESILIENT_DIR_MAX */
	K_CAP,		/* total[:per-user] */
};

#define F(field)	offsetof(struct resilient_options, field)

static const struct keyword {
	const char *name;	/* as documented; matched in any case */
	int sides;
	int match;		/* sshd: allowed in a Match block */
	enum kind kind;
	size_t off;
	long long def;		/* default (K_DIR, K_CAP: see below) */
} keywords[] = {
	{ "ResilientSessions", BOTH, 0, K_FLAG, F(sessions), 1 },
	{ "ResilientBufferSize", BOTH, 0, K_SIZE, F(buffer_size),
	    RESILIENT_BUFFER_DEFAULT_MAX },
	{ "ResilientTimeout", BOTH, 1, K_TIME_NONE, F(timeout), 3600 },
	{ "ResilientRouteMonitor", CLIENT, 0, K_FLAG, F(route_monitor), 1 },
	{ "ResilientProbeInterval", CLIENT, 0, K_TIME, F(probe_interval), 10 },
	{ "ResilientProbeTimeout", CLIENT, 0, K_TIME_POS, F(probe_timeout), 5 },
	{ "ResilientMakeBeforeBreak", CLIENT, 0, K_FLAG,
	    F(make_before_break), 1 },
	{ "ResilientFastRetry", CLIENT, 0, K_TIME, F(fast_retry), 300 },
	{ "ResilientDirectory", SERVER, 0, K_DIR, F(directory), 0 },
	{ "ResilientMaxDetached", SERVER, 0, K_CAP, F(max_detached), 0 },
};

#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))
#define DEFAULT_DIR	_PATH_SSH_PIDDIR "/sshd-resilient"

static const struct keyword *
find(const char *name, int side)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++) {
		if ((keywords[i].sides & side) != 0 &&
		    strcasecmp(name, keywords[i].name) == 0)
			return &keywords[i];
	}
	return NULL;
}

static int *
intp(struct resilient_options *o, const struct keyword *k)
{
	return (int *)((char *)o + k->off);
}

static int
intv(const struct resilient_options *o, const struct keyword *k)
{
	return *(const int *)((const char *)o + k->off);
}

int
resilient_config_lookup(const char *keyword, int side, u_int *matchp)
{
	const struct keyword *k;

	if ((k = find(keyword, side)) == NULL)
		return 0;
	if (matchp != NULL)
		*matchp = k->match;
	return 1;
}

int
resilient_parse_buffer_size(const char *arg, long long *valp)
{
	long long val;

	*valp = 0;
	if (arg == NULL || *arg == '\0' || scan_scaled((char *)arg, &val) != 0 ||
	    val < RESILIENT_BUFFER_MIN_MAX ||
	    val > (long long)RESILIENT_BUFFER_MAX_MAX)
		return SSH_ERR_INVALID_ARGUMENT;
	*valp = val;
	return 0;
}

int
resilient_parse_max_detached(const char *arg, int *totalp, int *per_userp)
{
	const char *errstr;
	char *s, *colon;
	int total, user;

	if (arg == NULL || (s = strdup(arg)) == NULL)
		return -1;
	if ((colon = strchr(s, ':')) != NULL)
		*colon++ = '\0';
	total = (int)strtonum(s, 1, RESILIENT_MAX_DETACHED, &errstr);
	if (errstr == NULL && colon != NULL)
		user = (int)strtonum(colon, 1, total, &errstr);
	else
		user = MINIMUM(total, RESILIENT_MAX_DETACHED_USER);
	free(s);
	if (errstr != NULL)
		return -1;
	*totalp = total;
	*per_userp = user;
	return 0;
}

/* yes/no, and for ssh also true/false as its other flags take */
static int
parse_flag(const char *arg, int side)
{
	if (strcasecmp(arg, "yes") == 0 ||
	    (side == CLIENT && strcasecmp(arg, "true") == 0))
		return 1;
	if (strcasecmp(arg, "no") == 0 ||
	    (side == CLIENT && strcasecmp(arg, "false") == 0))
		return 0;
	return -1;
}

int
resilient_config_parse(struct resilient_options *o, int side,
    const char *keyword, int *acp, char ***avp, const char *filename,
    int linenum, int active)
{
	const struct keyword *k;
	const char *arg;
	long long size = 0;
	int value = 0, value2 = 0;

	if ((k = find(keyword, side)) == NULL) {
		error("%s line %d: unknown option %s", filename, linenum,
		    keyword);
		return -1;
	}
	if ((arg = argv_next(acp, avp)) == NULL || *arg == '\0') {
		error("%s line %d: %s needs an argument", filename, linenum,
		    k->name);
		return -1;
	}
	switch (k->kind) {
	case K_FLAG:
		if ((value = parse_flag(arg, side)) == -1) {
			error("%s line %d: %s needs yes or no, not \"%s\"",
			    filename, linenum, k->name, arg);
			return -1;
		}
		break;
	case K_SIZE:
		if (resilient_parse_buffer_size(arg, &size) != 0) {
			error("%s line %d: %s needs a size from 256K to 1G, "
			    "not \"%s\"", filename, linenum, k->name, arg);
			return -1;
		}
		if (active && o->buffer_size == -1)
			o->buffer_size = size;
		return 0;
	case K_TIME:
	case K_TIME_NONE:
	case K_TIME_POS:
		/* convtime() would cut "0.5" down to 0 */
		if (k->kind == K_TIME_NONE && strcasecmp(arg, "none") == 0)
			value = 0;
		else if (strchr(arg, '.') != NULL ||
		    (value = convtime(arg)) == -1 ||
		    (value == 0 && k->kind != K_TIME)) {
			error("%s line %d: %s needs a time%s%s in whole "
			    "units, not \"%s\"", filename, linenum, k->name,
			    k->kind == K_TIME ? "" : " above 0",
			    k->kind == K_TIME_NONE ? " or none" : "", arg);
			return -1;
		}
		break;
	case K_DIR:
		if (*arg != '/' || strlen(arg) > RESILIENT_DIR_MAX) {
			error("%s line %d: %s needs an absolute path of at most "
			    "%d characters, not \"%s\"", filename, linenum,
			    k->name, RESILIENT_DIR_MAX, arg);
			return -1;
		}
		if (active && o->directory == NULL)
			o->directory = xstrdup(arg);
		return 0;
	case K_CAP:
		if (resilient_parse_max_detached(arg, &value, &value2) != 0) {
			error("%s line %d: %s needs total[:per-user], each "
			    "from 1 to %d, not \"%s\"", filename, linenum,
			    k->name, RESILIENT_MAX_DETACHED, arg);
			return -1;
		}
		if (active && o->max_detached == -1) {
			o->max_detached = value;
			o->max_detached_user = value2;
		}
		return 0;
	}
	if (active && *intp(o, k) == -1)
		*intp(o, k) = value;
	return 0;
}

void
resilient_config_init(struct resilient_options *o)
{
	memset(o, 0, sizeof(*o));
	o->sessions = o->timeout = o->route_monitor = -1;
	o->probe_interval = o->probe_timeout = o->make_before_break = -1;
	o->fast_retry = -1;
	o->max_detached = o->max_detached_user = -1;
	o->buffer_size = -1;
	o->directory = NULL;
}

void
resilient_config_defaults(struct resilient_options *o, int side)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++) {
		if ((keywords[i].sides & side) == 0)
			continue;
		switch (keywords[i].kind) {
		case K_SIZE:
			if (o->buffer_size == -1)
				o->buffer_size = keywords[i].def;
			break;
		case K_DIR:
			if (o->directory == NULL)
				o->directory = xstrdup(DEFAULT_DIR);
			break;
		case K_CAP:
			if (o->max_detached == -1) {
				o->max_detached = RESILIENT_MAX_DETACHED;
				o->max_detached_user =
				    RESILIENT_MAX_DETACHED_USER;
			}
			break;
		default:
			if (*intp(o, &keywords[i]) == -1)
				*intp(o, &keywords[i]) = keywords[i].def;
			break;
		}
	}
}

void
resilient_config_copy_match(struct resilient_options *dst,
    const struct resilient_options *src)
{
	size_t i;

	/* Only int-valued options are allowed in Match blocks */
	for (i = 0; i < NKEYWORDS; i++) {
		if (keywords[i].match && intv(src, &keywords[i]) != -1)
			*intp(dst, &keywords[i]) = intv(src, &keywords[i]);
	}
}

void
resilient_config_dump(const struct resilient_options *o, int side)
{
	const struct keyword *k;
	char name[64];
	size_t i, j;
	int v;

	for (i = 0; i < NKEYWORDS; i++) {
		k = &keywords[i];
		if ((k->sides & side) == 0)
			continue;
		for (j = 0; k->name[j] != '\0' && j < sizeof(name) - 1; j++)
			name[j] = tolower((u_char)k->name[j]);
		name[j] = '\0';
		switch (k->kind) {
		case K_SIZE:
			printf("%s %lld\n", name, o->buffer_size);
			continue;
		case K_DIR:
			printf("%s %s\n", name,
			    o->directory == NULL ? "none" : o->directory);
			continue;
		case K_CAP:
			printf("%s %d:%d\n", name, o->max_detached,
			    o->max_detached_user);
			continue;
		default:
			break;
		}
		v = intv(o, k);
		if (k->kind == K_FLAG)
			printf("%s %s\n", name, v ? "yes" : "no");
		else if (k->kind == K_TIME_NONE && v == 0)
			printf("%s none\n", name);
		else
			printf("%s %d\n", name, v);
	}
}
