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
 * Harness: resilient_msg_get_reconnect_reply(), the decoder of the body
 * of SSH2_MSG_RESILIENT_RECONNECT_REPLY, which ssh parses from whatever
 * answers its reconnect, before the server's MAC is checked
 * (PROTOCOL.resilient 3.1).  The input is one body, decoded for each MAC
 * length a session can have (HLEN of SHA-256, SHA-384 and SHA-512).
 *
 * Invariants (resilient-msg.h): the result is the one that judging each
 * length field before the bytes it claims gives (fuzz_expect_body); on
 * error the whole output is zero; on success the share lies inside the
 * body, the MAC buffer is zero beyond the MAC, and
 * resilient_msg_put_reconnect_reply() appends the body back byte for
 * byte.  A MAC length outside [RESILIENT_MAC_MIN, RESILIENT_MAC_MAX] is
 * SSH_ERR_INVALID_ARGUMENT.  The encoder appends exactly a body's bytes,
 * or fails and leaves its buffer as it was.
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

static const size_t maclens[] = { 32, 48, 64 };
static const size_t bad_maclens[] = {
	0, RESILIENT_MAC_MIN - 1, RESILIENT_MAC_MAX + 1
};

static const u_char prefix[] = { 0x7f, 0x00, 0xff };

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_msg_reply");
	return 0;
}

/* Put the input to the encoder as a share, with a MAC length from it */
static void
check_encoder(const uint8_t *data, size_t size)
{
	u_char mac[RESILIENT_MAC_MAX + 1];
	size_t maclen = size % sizeof(mac);
	struct sshbuf *b;
	int ok, r;

	memset(mac, 0xc3, sizeof(mac));
	ok = size >= RESILIENT_SHARE_MIN && size <= RESILIENT_SHARE_MAX &&
	    maclen >= RESILIENT_MAC_MIN && maclen <= RESILIENT_MAC_MAX;
	if ((b = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(sshbuf_put(b, prefix, sizeof(prefix)) == 0);
	r = resilient_msg_put_reconnect_reply(b, data, size, size, mac,
	    maclen);
	if (!ok) {
		FUZZ_CHECK(r == SSH_ERR_INVALID_ARGUMENT);
		FUZZ_CHECK(sshbuf_len(b) == sizeof(prefix));
	} else {
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(sshbuf_len(b) ==
		    sizeof(prefix) + 4 + size + 8 + 4 + maclen);
	}
	FUZZ_CHECK(memcmp(sshbuf_ptr(b), prefix, sizeof(prefix)) == 0);
	sshbuf_free(b);
}

static void
check_decoder(const uint8_t *data, size_t size, size_t maclen)
{
	struct fuzz_field layout[] = {
		{ FUZZ_STRING, RESILIENT_SHARE_MIN, RESILIENT_SHARE_MAX },
		{ FUZZ_U64, 0, 0 },
		{ FUZZ_STRING, maclen, maclen },
	};
	struct resilient_reply_msg m;
	struct sshbuf *b;
	int r;

	memset(&m, 0xa5, sizeof(m));
	r = resilient_msg_get_reconnect_reply(data, size, maclen, &m);
	FUZZ_CHECK(r == fuzz_expect_body(data, size, layout,
	    sizeof(layout) / sizeof(layout[0])));
	if (r != 0) {
		FUZZ_CHECK(fuzz_all(&m, sizeof(m), 0));
		return;
	}
	FUZZ_CHECK(m.share != NULL);
	FUZZ_CHECK(m.share >= data && m.share_len <= size &&
	    (size_t)(m.share - data) <= size - m.share_len);
	FUZZ_CHECK(m.share_len >= RESILIENT_SHARE_MIN &&
	    m.share_len <= RESILIENT_SHARE_MAX);
	FUZZ_CHECK(m.mac_len == maclen);
	FUZZ_CHECK(fuzz_all(m.mac + m.mac_len, sizeof(m.mac) - m.mac_len, 0));

	/* Encoded again after a prefix, the body comes back as it was */
	if ((b = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(sshbuf_put(b, prefix, sizeof(prefix)) == 0);
	FUZZ_CHECK(resilient_msg_put_reconnect_reply(b, m.share, m.share_len,
	    m.next, m.mac, m.mac_len) == 0);
	FUZZ_CHECK(sshbuf_len(b) == sizeof(prefix) + size);
	FUZZ_CHECK(memcmp(sshbuf_ptr(b), prefix, sizeof(prefix)) == 0);
	FUZZ_CHECK(memcmp(sshbuf_ptr(b) + sizeof(prefix), data, size) == 0);
	sshbuf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u_char empty[1];
	struct resilient_reply_msg m;
	size_t i;

	if (data == NULL)
		data = empty;

	/* bad arguments */
	for (i = 0; i < sizeof(bad_maclens) / sizeof(bad_maclens[0]); i++) {
		memset(&m, 0xa5, sizeof(m));
		FUZZ_CHECK(resilient_msg_get_reconnect_reply(data, size,
		    bad_maclens[i], &m) == SSH_ERR_INVALID_ARGUMENT);
		FUZZ_CHECK(fuzz_all(&m, sizeof(m), 0));
	}
	memset(&m, 0xa5, sizeof(m));
	FUZZ_CHECK(resilient_msg_get_reconnect_reply(NULL, size,
	    RESILIENT_MAC_MIN, &m) == SSH_ERR_INVALID_ARGUMENT);
	FUZZ_CHECK(fuzz_all(&m, sizeof(m), 0));
	FUZZ_CHECK(resilient_msg_get_reconnect_reply(data, size,
	    RESILIENT_MAC_MIN, NULL) == SSH_ERR_INVALID_ARGUMENT);

	for (i = 0; i < sizeof(maclens) / sizeof(maclens[0]); i++)
		check_decoder(data, size, maclens[i]);
	check_encoder(data, size);
	return 0;
}
