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
 * Harness: resilient_msg_get_reconnect(), the decoder of the body of
 * SSH2_MSG_RESILIENT_RECONNECT, which sshd parses from any client that
 * opens a connection, before it knows which session, if any, the client
 * names (PROTOCOL.resilient 3.1).  The input is one body.
 *
 * Invariants (resilient-msg.h): the result is the one that judging each
 * length field before the bytes it claims gives (fuzz_expect_body); on
 * error the whole output is zero; on success the share lies inside the
 * body, the MAC buffer is zero beyond the MAC, and
 * resilient_msg_put_reconnect() appends the body back byte for byte.
 * The encoder appends exactly a body's bytes, or fails and leaves its
 * buffer as it was.
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

/* string token, string share, uint64 next, string client_mac */
static const struct fuzz_field layout[] = {
	{ FUZZ_STRING, RESILIENT_TOKEN_LEN, RESILIENT_TOKEN_LEN },
	{ FUZZ_STRING, RESILIENT_SHARE_MIN, RESILIENT_SHARE_MAX },
	{ FUZZ_U64, 0, 0 },
	{ FUZZ_STRING, RESILIENT_MAC_MIN, RESILIENT_MAC_MAX },
};

static const u_char prefix[] = { 0x7f, 0x00, 0xff };

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_msg_reconnect");
	return 0;
}

/* Put the input to the encoder as a share, with a MAC length from it */
static void
check_encoder(const uint8_t *data, size_t size)
{
	u_char token[RESILIENT_TOKEN_LEN], mac[RESILIENT_MAC_MAX + 1];
	size_t maclen = size % sizeof(mac), want;
	struct sshbuf *b;
	int ok, r;

	memset(token, 0x3c, sizeof(token));
	memset(mac, 0xc3, sizeof(mac));
	ok = size >= RESILIENT_SHARE_MIN && size <= RESILIENT_SHARE_MAX &&
	    maclen >= RESILIENT_MAC_MIN && maclen <= RESILIENT_MAC_MAX;
	if ((b = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(sshbuf_put(b, prefix, sizeof(prefix)) == 0);
	r = resilient_msg_put_reconnect(b, token, sizeof(token), data, size,
	    size, mac, maclen);
	if (!ok) {
		FUZZ_CHECK(r == SSH_ERR_INVALID_ARGUMENT);
		FUZZ_CHECK(sshbuf_len(b) == sizeof(prefix));
	} else {
		want = 4 + sizeof(token) + 4 + size + 8 + 4 + maclen;
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(sshbuf_len(b) == sizeof(prefix) + want);
	}
	FUZZ_CHECK(memcmp(sshbuf_ptr(b), prefix, sizeof(prefix)) == 0);
	sshbuf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u_char empty[1];
	struct resilient_reconnect_msg m;
	struct sshbuf *b;
	int r;

	if (data == NULL)
		data = empty;

	/* bad arguments */
	memset(&m, 0xa5, sizeof(m));
	FUZZ_CHECK(resilient_msg_get_reconnect(NULL, size, &m) ==
	    SSH_ERR_INVALID_ARGUMENT);
	FUZZ_CHECK(fuzz_all(&m, sizeof(m), 0));
	FUZZ_CHECK(resilient_msg_get_reconnect(data, size, NULL) ==
	    SSH_ERR_INVALID_ARGUMENT);

	memset(&m, 0xa5, sizeof(m));
	r = resilient_msg_get_reconnect(data, size, &m);
	FUZZ_CHECK(r == fuzz_expect_body(data, size, layout,
	    sizeof(layout) / sizeof(layout[0])));
	if (r != 0) {
		FUZZ_CHECK(fuzz_all(&m, sizeof(m), 0));
		check_encoder(data, size);
		return 0;
	}

	FUZZ_CHECK(m.share != NULL);
	FUZZ_CHECK(m.share >= data && m.share_len <= size &&
	    (size_t)(m.share - data) <= size - m.share_len);
	FUZZ_CHECK(m.share_len >= RESILIENT_SHARE_MIN &&
	    m.share_len <= RESILIENT_SHARE_MAX);
	FUZZ_CHECK(m.mac_len >= RESILIENT_MAC_MIN &&
	    m.mac_len <= RESILIENT_MAC_MAX);
	FUZZ_CHECK(fuzz_all(m.mac + m.mac_len, sizeof(m.mac) - m.mac_len, 0));

	/* Encoded again after a prefix, the body comes back as it was */
	if ((b = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(sshbuf_put(b, prefix, sizeof(prefix)) == 0);
	FUZZ_CHECK(resilient_msg_put_reconnect(b, m.token, sizeof(m.token),
	    m.share, m.share_len, m.next, m.mac, m.mac_len) == 0);
	FUZZ_CHECK(sshbuf_len(b) == sizeof(prefix) + size);
	FUZZ_CHECK(memcmp(sshbuf_ptr(b), prefix, sizeof(prefix)) == 0);
	FUZZ_CHECK(memcmp(sshbuf_ptr(b) + sizeof(prefix), data, size) == 0);
	sshbuf_free(b);
	check_encoder(data, size);
	return 0;
}
