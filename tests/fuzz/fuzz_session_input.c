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
 * Harness: what the peer's messages do to an authenticated resilient
 * session, through upstream's packet reader: resilient_packet_received()
 * counts them (and drops those a resume replays twice), and
 * resilient_packet_input() takes the extension's own ACK and SYNC,
 * whose counters it checks against the replay buffer and the resume
 * (src/resilient.c, src/resilient-reconnect.c).
 *
 * The input is two bytes of settings, then messages, each a 16-bit
 * length and that many bytes of payload (type byte first), which the
 * harness frames as unencrypted binary packets.  The first settings
 * byte says whether the session is the server, whether it has just
 * resumed (a SYNC is due, and how many replayed messages it still
 * skips) and how many messages it has sent that await an ACK; the
 * second, the lowest counter a SYNC may name.
 *
 * Invariants: ACK and SYNC never reach the caller; each counted message
 * that does advances the session's counter by one, and nothing else
 * does; an ACK moves the start of the replay buffer forward within what
 * was sent and never adds to it; a SYNC is taken at most once.
 */

#include "includes.h"

#include <sys/types.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sshbuf.h"
#include "ssherr.h"
#include "ssh2.h"
#include "kex.h"
#include "packet.h"

#include "resilient.h"
#include "resilient-int.h"
#include "resilient-buffer.h"
#include "resilient-proto.h"

#include "fuzz-common.h"

#define RECV_NEXT	1000		/* what the session expects next */
#define SEND_NEXT	(UINT64_MAX - 7)	/* its counters wrap soon */

/* Settings, first byte */
#define S_SERVER	0x01
#define S_RESUMED	0x02
#define S_SKIP(b)	(((b) >> 2) & 0x03)
#define S_NMSGS(b)	((b) >> 4)

static int devnull = -1;
static u_char secret[32];

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	fuzz_log_init("fuzz_session_input");
	/* replies and disconnects are written somewhere that never blocks */
	if ((devnull = open("/dev/null", O_RDWR)) == -1)
		abort();
	memset(secret, 0x42, sizeof(secret));
	return 0;
}

/* An authenticated session with resilience negotiated, as settings say */
static struct ssh *
session_new(u_int settings, u_int floor_back)
{
	struct ssh *ssh;
	struct resilient *rs;
	struct sshbuf *b;
	u_char msg[64];
	u_int i;
	int fd;

	if ((fd = dup(devnull)) == -1 ||
	    (ssh = ssh_packet_set_connection(NULL, fd, fd)) == NULL ||
	    (b = sshbuf_new()) == NULL)
		abort();
	ssh->kex->server = (settings & S_SERVER) != 0;
	FUZZ_CHECK(sshbuf_put_u8(b, 1) == 0 &&
	    sshbuf_put_u8(b, 1) == 0 && sshbuf_put_u8(b, 1) == 0 &&
	    sshbuf_put_u8(b, 1) == 0 &&
	    sshbuf_put_u32(b, 2) == 0 &&		/* SHA-256 */
	    sshbuf_put_u32(b, 1) == 0 &&		/* X25519 */
	    sshbuf_put_u32(b, (u_int32_t)-1) == 0 &&
	    sshbuf_put_u32(b, 1) == 0 &&		/* epoch */
	    sshbuf_put_u64(b, RESILIENT_BUFFER_MIN_MAX) == 0 &&
	    sshbuf_put_u64(b, RECV_NEXT) == 0 &&
	    sshbuf_put_u64(b, SEND_NEXT) == 0 &&
	    sshbuf_put_string(b, secret, sizeof(secret)) == 0 &&
	    sshbuf_put_string(b, secret, sizeof(secret)) == 0);
	FUZZ_CHECK(resilient_state_get(ssh, b) == 0);
	sshbuf_free(b);
	rs = ssh->resilient;
	for (i = 0; i < S_NMSGS(settings); i++) {
		memset(msg, i, sizeof(msg));
		msg[0] = SSH2_MSG_CHANNEL_DATA;
		FUZZ_CHECK(resilient_packet_sent(ssh, msg[0], msg,
		    1 + i * 4) == 0);
	}
	/* just resumed: as resilient_adopt() leaves it */
	if ((settings & S_RESUMED) != 0) {
		rs->resumes = 1;
		rs->expect_sync = 1;
		rs->sync_floor = RECV_NEXT - floor_back;
		rs->skip = S_SKIP(settings);
	}
	return ssh;
}

/* Frame payload as an unencrypted binary packet */
static void
frame(struct sshbuf *out, const u_char *payload, size_t len)
{
	size_t padlen = 8 - (4 + 1 + len) % 8;

	if (padlen < 4)
		padlen += 8;
	FUZZ_CHECK(sshbuf_put_u32(out, 1 + len + padlen) == 0 &&
	    sshbuf_put_u8(out, padlen) == 0 &&
	    sshbuf_put(out, payload, len) == 0 &&
	    sshbuf_reserve(out, padlen, NULL) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssh *ssh;
	struct resilient *rs;
	struct sshbuf *in;
	uint64_t recv0, first0, next0, first, counted = 0;
	uint32_t seqnr;
	u_int settings, n, syncs = 0;
	u_char type;
	size_t off = 2, len;
	int r, expected_sync;

	if (size < 2)
		return 0;
	settings = data[0];
	ssh = session_new(settings, data[1]);
	rs = ssh->resilient;
	expected_sync = rs->expect_sync;
	if ((in = sshbuf_new()) == NULL)
		abort();
	while (off + 2 <= size) {
		len = PEEK_U16(data + off);
		off += 2;
		if (len > size - off)
			len = size - off;
		if (len > 0)
			frame(in, data + off, len);
		off += len;
	}
	recv0 = rs->recv_next;
	first0 = resilient_buffer_first(rs->sent);
	next0 = resilient_buffer_next(rs->sent);
	FUZZ_CHECK(ssh_packet_process_incoming(ssh, sshbuf_ptr(in),
	    sshbuf_len(in)) == 0);
	for (n = 0; n < 10000; n++) {
		r = ssh_packet_read_poll_seqnr(ssh, &type, &seqnr);
		if (r != 0 || type == SSH_MSG_NONE)
			break;
		FUZZ_CHECK(type != SSH2_MSG_RESILIENT_ACK &&
		    type != SSH2_MSG_RESILIENT_SYNC);
		if (RESILIENT_IS_COUNTED(type))
			counted++;
		/* the counter moves with what reaches the caller only */
		FUZZ_CHECK(rs->recv_next - recv0 == counted);
		first = resilient_buffer_first(rs->sent);
		FUZZ_CHECK(first - first0 <= next0 - first0);
		FUZZ_CHECK(resilient_buffer_next(rs->sent) == next0);
		first0 = first;
		if (expected_sync && !rs->expect_sync)
			syncs++;
		expected_sync = rs->expect_sync;
		FUZZ_CHECK(syncs <= 1);
	}
	FUZZ_CHECK(rs->recv_next - recv0 == counted);
	first = resilient_buffer_first(rs->sent);
	FUZZ_CHECK(first - first0 <= next0 - first0);
	FUZZ_CHECK(resilient_buffer_next(rs->sent) == next0);
	sshbuf_free(in);
	resilient_connection_free(ssh);
	return 0;
}
