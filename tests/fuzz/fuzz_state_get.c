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
 * Harness: resilient_state_get(), which restores the extension's state
 * from the transport blob that privilege separation hands from sshd-auth,
 * the unprivileged process that ran the key exchange and user
 * authentication, to the session's process (ssh_packet_set_state).  The
 * input is what remains of that blob where the extension's part starts.
 *
 * Invariants: a failure leaves the connection without resilient state;
 * an absent state (a first byte of 0) takes that byte only; a restored
 * state reads back through the public interface as it was written, and
 * resilient_state_put() writes exactly the bytes that were consumed, but
 * with each flag as 0 or 1 and no send counter for a session that does
 * not count yet.  A second state never replaces the first.  Whatever
 * was restored can be used: its token names it, and a counted message
 * can be buffered, after which it can no longer be put.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshbuf.h"
#include "ssherr.h"
#include "packet.h"

#include "resilient.h"
#include "resilient-buffer.h"
#include "resilient-proto.h"

#include "fuzz-common.h"

/* Offsets in the blob that resilient_state_put() writes */
#define OFF_PRESENT	0
#define OFF_OFFERED	1
#define OFF_NEGOTIATED	2
#define OFF_ACTIVE	3
#define OFF_EPOCH	16
#define OFF_RECV_NEXT	28
#define OFF_SEND_NEXT	36
#define OFF_SECRET	44

#define MSG_TYPE	94	/* SSH2_MSG_CHANNEL_DATA: counted */

static struct ssh *ssh;

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_state_get");
	if ((ssh = ssh_packet_set_connection(NULL, -1, -1)) == NULL)
		abort();
	return 0;
}

/* Use the restored state as the session's process would */
static void
check_use(const u_char *blob, size_t used)
{
	static const u_char msg[] = { MSG_TYPE, 0, 0, 0, 1, 'x' };
	struct resilient_stats st;
	struct sshbuf *b;
	const u_char *token = blob + used - RESILIENT_TOKEN_LEN;
	int named;

	/* its token names it once it was negotiated and keyed */
	named = blob[OFF_NEGOTIATED] != 0 && PEEK_U32(blob + OFF_EPOCH) != 0;
	FUZZ_CHECK(resilient_token_matches(ssh, token,
	    RESILIENT_TOKEN_LEN) == named);
	if (!blob[OFF_ACTIVE])
		return;
	FUZZ_CHECK(resilient_can_send_data(ssh) == 1);
	FUZZ_CHECK(resilient_packet_sent(ssh, MSG_TYPE, msg,
	    sizeof(msg)) == 0);
	resilient_get_stats(ssh, &st);
	if (!blob[OFF_NEGOTIATED]) {
		FUZZ_CHECK(st.buffer_msgs == 0);
		return;
	}
	FUZZ_CHECK(st.buffer_msgs == 1 && st.buffer_bytes ==
	    sizeof(msg) + RESILIENT_BUFFER_MSG_OVERHEAD);
	/* a counted message was sent: the state may not move any more */
	if ((b = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(resilient_state_put(ssh, b) == SSH_ERR_INTERNAL_ERROR);
	sshbuf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resilient_stats st;
	struct sshbuf *m, *b;
	u_char *want;
	size_t used;
	int r;

	if ((m = sshbuf_from(data, size)) == NULL)
		abort();
	r = resilient_state_get(ssh, m);
	used = size - sshbuf_len(m);
	sshbuf_free(m);
	if (r != 0) {
		FUZZ_CHECK(ssh->resilient == NULL);
		return 0;
	}
	FUZZ_CHECK(used >= 1 && used <= size);
	if (data[OFF_PRESENT] == 0) {
		FUZZ_CHECK(used == 1);
		FUZZ_CHECK(ssh->resilient == NULL);
		return 0;
	}
	FUZZ_CHECK(data[OFF_PRESENT] == 1 && ssh->resilient != NULL);
	FUZZ_CHECK(used >= OFF_SECRET + 4 + 4 + RESILIENT_TOKEN_LEN);

	/* as written, through the public interface */
	FUZZ_CHECK(resilient_negotiated(ssh) == (data[OFF_NEGOTIATED] != 0));
	FUZZ_CHECK(resilient_epoch(ssh) == PEEK_U32(data + OFF_EPOCH));
	resilient_get_stats(ssh, &st);
	FUZZ_CHECK(st.active == (data[OFF_ACTIVE] != 0));
	FUZZ_CHECK(st.recv_next == PEEK_U64(data + OFF_RECV_NEXT));
	FUZZ_CHECK(st.buffer_msgs == 0 && st.buffer_bytes == 0);
	FUZZ_CHECK(st.resumes == 0 && !st.resuming && st.held_bytes == 0);

	/* put again, the same bytes, normalised */
	if ((want = malloc(used)) == NULL || (b = sshbuf_new()) == NULL)
		abort();
	memcpy(want, data, used);
	want[OFF_OFFERED] = want[OFF_OFFERED] != 0;
	want[OFF_NEGOTIATED] = want[OFF_NEGOTIATED] != 0;
	want[OFF_ACTIVE] = want[OFF_ACTIVE] != 0;
	if (!want[OFF_ACTIVE])
		memset(want + OFF_SEND_NEXT, 0, 8);
	FUZZ_CHECK(resilient_state_put(ssh, b) == 0);
	FUZZ_CHECK(sshbuf_len(b) == used);
	FUZZ_CHECK(memcmp(sshbuf_ptr(b), want, used) == 0);
	sshbuf_free(b);
	free(want);

	/* a second state does not replace the first */
	if ((m = sshbuf_from(data, size)) == NULL)
		abort();
	FUZZ_CHECK(resilient_state_get(ssh, m) == SSH_ERR_INVALID_FORMAT);
	sshbuf_free(m);
	FUZZ_CHECK(resilient_epoch(ssh) == PEEK_U32(data + OFF_EPOCH));

	check_use(data, used);
	resilient_free(ssh);
	return 0;
}
