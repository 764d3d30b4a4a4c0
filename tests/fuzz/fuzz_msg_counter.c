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
 * Harness: resilient_msg_get_counter(), the decoder of the bodies of
 * SSH2_MSG_RESILIENT_ACK and SSH2_MSG_RESILIENT_SYNC, which the peer may
 * send at any time once the session is authenticated (PROTOCOL.resilient
 * 2.2 and 3.2).  The input is one body.
 *
 * Invariants (resilient-msg.h): a body of exactly RESILIENT_COUNTER_LEN
 * bytes decodes, and resilient_msg_put_counter() appends the same bytes
 * after what its buffer already holds; a shorter body is
 * SSH_ERR_MESSAGE_INCOMPLETE and a longer one
 * SSH_ERR_UNEXPECTED_TRAILING_DATA, and on any error the output is zero.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshbuf.h"
#include "ssherr.h"

#include "resilient-proto.h"
#include "resilient-msg.h"

#include "fuzz-common.h"

#define POISON		0xa5a5a5a5a5a5a5a5ULL

static const u_char prefix[] = { 0x7f, 0x00, 0xff };

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_msg_counter");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u_char empty[1];
	struct sshbuf *b;
	uint64_t next;
	int r;

	if (data == NULL)
		data = empty;

	/* bad arguments */
	next = POISON;
	FUZZ_CHECK(resilient_msg_get_counter(NULL, size, &next) ==
	    SSH_ERR_INVALID_ARGUMENT);
	FUZZ_CHECK(next == 0);
	FUZZ_CHECK(resilient_msg_get_counter(data, size, NULL) ==
	    SSH_ERR_INVALID_ARGUMENT);

	next = POISON;
	r = resilient_msg_get_counter(data, size, &next);
	if (size < RESILIENT_COUNTER_LEN)
		FUZZ_CHECK(r == SSH_ERR_MESSAGE_INCOMPLETE);
	else if (size > RESILIENT_COUNTER_LEN)
		FUZZ_CHECK(r == SSH_ERR_UNEXPECTED_TRAILING_DATA);
	else
		FUZZ_CHECK(r == 0);
	if (r != 0) {
		FUZZ_CHECK(next == 0);
		return 0;
	}

	/* Encoded again after a prefix, the body comes back as it was */
	if ((b = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(sshbuf_put(b, prefix, sizeof(prefix)) == 0);
	FUZZ_CHECK(resilient_msg_put_counter(b, next) == 0);
	FUZZ_CHECK(sshbuf_len(b) == sizeof(prefix) + size);
	FUZZ_CHECK(memcmp(sshbuf_ptr(b), prefix, sizeof(prefix)) == 0);
	FUZZ_CHECK(memcmp(sshbuf_ptr(b) + sizeof(prefix), data, size) == 0);
	sshbuf_free(b);
	return 0;
}
