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

#include "includes.h"

#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "ssherr.h"

#include "fuzz-common.h"

void
fuzz_violation(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
	abort();
}

void
fuzz_log_init(const char *name)
{
	LogLevel level = SYSLOG_LEVEL_QUIET;
	char *s;

	if ((s = getenv("FUZZ_LOG")) != NULL &&
	    (level = log_level_number(s)) == SYSLOG_LEVEL_NOT_SET)
		level = SYSLOG_LEVEL_DEBUG3;
	log_init(name, level, SYSLOG_FACILITY_USER, 1);
}

int
fuzz_all(const void *p, size_t len, int c)
{
	const u_char *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		if (b[i] != (u_char)c)
			return 0;
	}
	return 1;
}

/* Written from the wire format, independently of resilient-msg.c */
int
fuzz_expect_body(const u_char *body, size_t len,
    const struct fuzz_field *fields, size_t nfields)
{
	const struct fuzz_field *f;
	size_t i, n;

	for (i = 0; i < nfields; i++) {
		f = &fields[i];
		if (f->kind == FUZZ_U64) {
			if (len < 8)
				return SSH_ERR_MESSAGE_INCOMPLETE;
			body += 8;
			len -= 8;
			continue;
		}
		if (len < 4)
			return SSH_ERR_MESSAGE_INCOMPLETE;
		n = (size_t)body[0] << 24 | (size_t)body[1] << 16 |
		    (size_t)body[2] << 8 | (size_t)body[3];
		if (n < f->min || n > f->max)
			return SSH_ERR_INVALID_FORMAT;
		if (n > len - 4)
			return SSH_ERR_MESSAGE_INCOMPLETE;
		body += 4 + n;
		len -= 4 + n;
	}
	return len == 0 ? 0 : SSH_ERR_UNEXPECTED_TRAILING_DATA;
}

/*
 * Upstream's cleanup.c exits quietly.  Library code must not reach
 * fatal() on any input: make it a crash, which libFuzzer records.
 */
void
cleanup_exit(int i)
{
	fprintf(stderr, "cleanup_exit(%d): fatal() was reached\n", i);
	abort();
}
