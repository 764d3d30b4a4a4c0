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
 * Shared by the libFuzzer harnesses of tests/fuzz/: checking invariants,
 * and quiet logging.  fuzz-common.c also replaces upstream's
 * cleanup_exit(), so that a fatal() reached from fuzzed input aborts and
 * libFuzzer keeps the input.
 */

#ifndef _FUZZ_COMMON_H
#define _FUZZ_COMMON_H

#include <sys/types.h>
#include <stdint.h>

/* Abort, naming the failed check, unless cond holds */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_violation(__FILE__, __LINE__, #cond);		\
} while (0)

/* Report an invariant that does not hold, then abort() */
void	fuzz_violation(const char *file, int line, const char *what)
    __attribute__((__noreturn__));
/* Log nothing, or what the level named by $FUZZ_LOG lets through */
void	fuzz_log_init(const char *name);
/* 1 if the len bytes at p are all c */
int	fuzz_all(const void *p, size_t len, int c);

/*
 * The layout of a message body, field by field: a uint64, or a string
 * whose length must lie in [min, max]
 */
struct fuzz_field {
	int	kind;		/* FUZZ_U64 or FUZZ_STRING */
	size_t	min, max;
};
#define FUZZ_U64	1
#define FUZZ_STRING	2

/*
 * What resilient-msg.h says a decoder returns for a body of that layout:
 * each length field judged before the bytes it claims, so 0,
 * SSH_ERR_MESSAGE_INCOMPLETE, SSH_ERR_INVALID_FORMAT or
 * SSH_ERR_UNEXPECTED_TRAILING_DATA
 */
int	fuzz_expect_body(const u_char *body, size_t len,
    const struct fuzz_field *fields, size_t nfields);

/* The libFuzzer entry points */
int	LLVMFuzzerInitialize(int *argcp, char ***argvp);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* _FUZZ_COMMON_H */
