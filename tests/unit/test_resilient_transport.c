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
 * Counting, buffering and acknowledgement of messages on a resilient
 * session (PROTOCOL.resilient section 2), end to end between two
 * in-process endpoints, with real ciphers, MACs, compression and rekeys.
 *
 * RESILIENT_TEST_QUICK=1 (set by make check under valgrind) streams 2 MiB
 * instead of 16 in the overhead test; RESILIENT_STREAM_MIB=N sets it.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"
#include "flow.h"

/*
 * Random messages both ways with random delivery, rekeys now and then:
 * every message arrives once, in order, byte-exact, and every buffered
 * message is released by an ACK in the end.
 */
static void
check_bidirectional(const char *cipher, const char *mac, const char *comp)
{
	struct pair p;
	struct flow c2s, s2c;
	uint32_t rng = 0xc0ffee;
	int i;

	authenticated_pair(&p, cipher, mac, comp, 0);
	flows(&p, &c2s, &s2c);
	for (i = 0; i < 600; i++) {
		switch (xorshift(&rng) % 8) {
		case 0:
		case 1:
		case 2:
			send_data(&c2s, msg_len(&c2s, &rng, MSG_MAXLEN));
			break;
		case 3:
		case 4:
			send_data(&s2c, msg_len(&s2c, &rng, MSG_MAXLEN));
			break;
		case 5:
			carry(c2s.from, c2s.to);
			drain(&c2s, &s2c);
			break;
		case 6:
			carry(s2c.from, s2c.to);
			drain(&s2c, &c2s);
			break;
		case 7:
			if (xorshift(&rng) % 10 == 0 &&
			    !ssh_packet_is_rekeying(p.client) &&
			    !ssh_packet_is_rekeying(p.server))
				assert_int_equal(kex_send_kexinit(
				    xorshift(&rng) % 2 ? p.client : p.server),
				    0);
			break;
		}
	}
	settle(&c2s, &s2c);
	assert_true(c2s.acks > 0);
	assert_true(s2c.acks > 0);
	check_all_acked(&p, &c2s, &s2c);
	assert_true(resilient_epoch(p.client) > 1);
	pair_free(&p);
}

static void
test_bidi_chacha(void **state)
{
	check_bidirectional("chacha20-poly1305@openssh.com", NULL, "none");
}

static void
test_bidi_chacha_zlib(void **state)
{
	check_bidirectional("chacha20-poly1305@openssh.com", NULL,
	    "zlib@openssh.com");
}

static void
test_bidi_aes256gcm(void **state)
{
	check_bidirectional("aes256-gcm@openssh.com", NULL, "none");
}

static void
test_bidi_aes256gcm_zlib(void **state)
{
	check_bidirectional("aes256-gcm@openssh.com", NULL, "zlib@openssh.com");
}

static void
test_bidi_aes128ctr_etm(void **state)
{
	check_bidirectional("aes128-ctr", "hmac-sha2-256-etm@openssh.com",
	    "none");
}

static void
test_bidi_aes128ctr_etm_zlib(void **state)
{
	check_bidirectional("aes128-ctr", "hmac-sha2-256-etm@openssh.com",
	    "zlib@openssh.com");
}

/*
 * A bulk transfer one way: the only bytes flowing back are ACKs.  Their
 * share of the payload must stay far below 0.1% (PROTOCOL.resilient 2.3).
 */
static void
test_ack_overhead(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct resilient_stats st;
	uint64_t total, back = 0;
	const char *env;
	double ratio;

	total = 16;
	if ((env = getenv("RESILIENT_TEST_QUICK")) != NULL && *env != '\0' &&
	    *env != '0')
		total = 2;
	if ((env = getenv("RESILIENT_STREAM_MIB")) != NULL)
		total = strtoull(env, NULL, 10);
	total *= 1024 * 1024;
	authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL, "none",
	    0);
	flows(&p, &c2s, &s2c);
	while (c2s.payload < total) {
		send_data(&c2s, MSG_MAXLEN - 1);
		carry(c2s.from, c2s.to);
		drain(&c2s, &s2c);
		back += carry(s2c.from, s2c.to);
		drain(&s2c, &c2s);
	}
	resilient_get_stats(p.client, &st);
	ratio = (double)back / (double)c2s.payload;
	print_message("ack overhead: %llu payload bytes, %llu ACKs, "
	    "%llu ACK wire bytes, %.4f%%; replay buffer peak %zu bytes\n",
	    (unsigned long long)c2s.payload, (unsigned long long)c2s.acks,
	    (unsigned long long)back, 100.0 * ratio, st.buffer_peak);
	/*
	 * In bulk, one ACK per 1 MiB at the least, and per 64 KiB at the
	 * most (when 10 ms pass between two 64 KiB, as under valgrind)
	 */
	assert_true(c2s.acks >= c2s.payload / RESILIENT_ACK_BYTES_MAX - 1);
	assert_true(c2s.acks <= c2s.payload / RESILIENT_ACK_BYTES + 1);
	assert_true(ratio < 0.001);
	assert_true(st.buffer_peak <= RESILIENT_ACK_BYTES_MAX + MSG_MAXLEN +
	    RESILIENT_ACK_BYTES_MAX / MSG_MAXLEN *
	    RESILIENT_BUFFER_MSG_OVERHEAD);
	pair_free(&p);
}

/*
 * Backpressure: with the smallest cap and no ACKs coming back, the
 * sender is told to stop producing at the cap, never holds more than the
 * cap plus one message, and may go on once the ACKs arrive.
 */
static void
test_backpressure(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct resilient_stats st;
	int rounds;

	authenticated_pair(&p, "aes256-gcm@openssh.com", NULL, "none",
	    RESILIENT_BUFFER_MIN_MAX);
	flows(&p, &c2s, &s2c);
	for (rounds = 0; rounds < 3; rounds++) {
		while (resilient_can_send_data(p.client)) {
			send_data(&c2s, MSG_MAXLEN - 1);
			/* delivered, but ACKs are held back */
			carry(c2s.from, c2s.to);
			drain(&c2s, &s2c);
			assert_true(c2s.sent < 10000);
		}
		resilient_get_stats(p.client, &st);
		assert_true(st.buffer_bytes >= RESILIENT_BUFFER_MIN_MAX);
		assert_true(st.buffer_bytes <
		    RESILIENT_BUFFER_MIN_MAX + MSG_MAXLEN);
		assert_false(ssh_packet_not_very_much_data_to_write(p.client));
		/* the receiver's ACKs now reach the sender */
		assert_int_equal(resilient_send_ack(p.server), 0);
		carry(s2c.from, s2c.to);
		drain(&s2c, &c2s);
		assert_true(resilient_can_send_data(p.client));
		resilient_get_stats(p.client, &st);
		assert_int_equal(st.buffer_bytes, 0);
	}
	assert_int_equal(c2s.received, c2s.sent);
	pair_free(&p);
}

/* Expect "to" to have received a DISCONNECT that mentions reason */
static void
expect_disconnect(struct ssh *from, struct ssh *to, const char *reason)
{
	u_char type;
	u_int32_t code;
	char *msg = NULL;

	carry(from, to);
	assert_int_equal(ssh_packet_next(to, &type), 0);
	assert_int_equal(type, SSH2_MSG_DISCONNECT);
	assert_int_equal(sshpkt_get_u32(to, &code), 0);
	assert_int_equal(code, SSH2_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(sshpkt_get_cstring(to, &msg, NULL), 0);
	assert_non_null(strstr(msg, reason));
	free(msg);
}

/* Send an ACK-typed message with an arbitrary body */
static void
send_raw_ack(struct ssh *ssh, const u_char *body, size_t len)
{
	assert_int_equal(sshpkt_start(ssh, SSH2_MSG_RESILIENT_ACK), 0);
	assert_int_equal(sshpkt_put(ssh, body, len), 0);
	assert_int_equal(sshpkt_send(ssh), 0);
}

/*
 * Hostile ACK values: past what was sent, far past it, before what is
 * still buffered, half the counter space away.  Each is a protocol error
 * that disconnects with a clear reason and changes nothing.
 */
static void
test_hostile_acks(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct resilient_stats before, after;
	u_char body[8], type;
	uint64_t bad[5];
	int i, handled;

	for (i = 0; i < 5; i++) {
		authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL,
		    "none", 0);
		flows(&p, &c2s, &s2c);
		/* server sends 10; client acknowledges the first 4 */
		while (s2c.sent < 10)
			send_data(&s2c, 100);
		carry(s2c.from, s2c.to);
		drain(&s2c, &c2s);
		POKE_U64(body, 4);
		send_raw_ack(p.client, body, sizeof(body));
		carry(c2s.from, c2s.to);
		drain(&c2s, &s2c);
		resilient_get_stats(p.server, &before);
		assert_int_equal(before.buffer_msgs, 6);

		bad[0] = 11;			/* one past what was sent */
		bad[1] = UINT64_MAX;
		bad[2] = 3;			/* before the buffer start */
		bad[3] = 4 + (1ULL << 63);
		bad[4] = 0;
		POKE_U64(body, bad[i]);
		send_raw_ack(p.client, body, sizeof(body));
		carry(p.client, p.server);
		assert_int_equal(ssh_packet_next(p.server, &type), 0);
		assert_int_equal(type, SSH2_MSG_RESILIENT_ACK);
		assert_int_equal(resilient_packet_input(p.server, type,
		    &handled), SSH_ERR_PROTOCOL_ERROR);
		assert_true(handled);
		resilient_get_stats(p.server, &after);
		assert_int_equal(after.buffer_msgs, before.buffer_msgs);
		assert_int_equal(after.buffer_bytes, before.buffer_bytes);
		assert_int_equal(after.acks_received, before.acks_received);
		expect_disconnect(p.server, p.client,
		    "resilient: ACK for data never sent");
		pair_free(&p);
	}
}

/* An ACK of the wrong size, and one before authentication, are refused */
static void
test_malformed_and_early_acks(void **state)
{
	struct pair p;
	struct pair_opts o;
	u_char body[9] = { 0 }, type;
	int handled;
	size_t lens[2] = { 7, 9 };
	int i;

	for (i = 0; i < 2; i++) {
		authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL,
		    "none", 0);
		send_raw_ack(p.client, body, lens[i]);
		carry(p.client, p.server);
		assert_int_equal(ssh_packet_next(p.server, &type), 0);
		assert_int_equal(resilient_packet_input(p.server, type,
		    &handled), SSH_ERR_PROTOCOL_ERROR);
		expect_disconnect(p.server, p.client, "resilient: malformed ACK");
		pair_free(&p);
	}

	memset(&o, 0, sizeof(o));
	o.client_offers = o.server_offers = 1;
	pair_new(&p, &o);
	assert_int_equal(pair_run_kex(&p), 0);
	send_raw_ack(p.client, body, 8);
	carry(p.client, p.server);
	assert_int_equal(ssh_packet_next(p.server, &type), 0);
	assert_int_equal(resilient_packet_input(p.server, type, &handled),
	    SSH_ERR_PROTOCOL_ERROR);
	expect_disconnect(p.server, p.client,
	    "resilient: ACK before authentication");
	pair_free(&p);
}

/*
 * Without the extension on both sides, nothing is counted, buffered or
 * acknowledged, and an ACK-numbered message is not consumed by the hook
 * (the dispatcher answers it with UNIMPLEMENTED, as stock does).
 */
static void
test_not_negotiated_is_inert(void **state)
{
	struct pair p;
	struct pair_opts o;
	struct flow c2s, s2c;
	struct resilient_stats st;
	u_char type, body[8] = { 0 };
	int i, handled;

	memset(&o, 0, sizeof(o));
	o.client_offers = 1;
	pair_new(&p, &o);
	assert_int_equal(pair_run_kex(&p), 0);
	assert_int_equal(sshpkt_start(p.server, SSH2_MSG_USERAUTH_SUCCESS), 0);
	assert_int_equal(sshpkt_send(p.server), 0);
	flows(&p, &c2s, &s2c);
	for (i = 0; i < 50; i++) {
		send_data(&c2s, MSG_MAXLEN - 1);
		send_data(&s2c, MSG_MAXLEN - 1);
	}
	settle(&c2s, &s2c);
	assert_int_equal(c2s.acks + s2c.acks, 0);
	resilient_get_stats(p.client, &st);
	assert_false(st.active);
	assert_int_equal(st.sent_msgs + st.recv_msgs + st.buffer_bytes, 0);
	send_raw_ack(p.server, body, sizeof(body));
	carry(p.server, p.client);
	assert_int_equal(ssh_packet_next(p.client, &type), 0);
	assert_int_equal(type, SSH2_MSG_RESILIENT_ACK);
	assert_int_equal(resilient_packet_input(p.client, type, &handled), 0);
	assert_false(handled);
	/* nothing to keep when the connection goes */
	assert_false(resilient_resumable(p.client));
	assert_int_equal(resilient_detach(p.client), SSH_ERR_INVALID_ARGUMENT);
	pair_free(&p);
}

/* Transport and authentication messages are never counted */
static void
test_only_connection_messages_counted(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct resilient_stats cs, ss;
	u_char type;
	int i;

	authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL, "none",
	    0);
	flows(&p, &c2s, &s2c);
	for (i = 0; i < 5; i++) {
		assert_int_equal(sshpkt_start(p.client, SSH2_MSG_IGNORE), 0);
		assert_int_equal(sshpkt_put_cstring(p.client, "pad"), 0);
		assert_int_equal(sshpkt_send(p.client), 0);
		assert_int_equal(sshpkt_start(p.client,
		    SSH2_MSG_USERAUTH_INFO_REQUEST), 0);
		assert_int_equal(sshpkt_send(p.client), 0);
		send_data(&c2s, 10);
	}
	carry(p.client, p.server);
	for (i = 0; i < 15; i++) {
		assert_int_equal(ssh_packet_next(p.server, &type), 0);
		if (type == DATA_TYPE)	/* consume its 10 bytes */
			assert_int_equal(sshpkt_get(p.server, NULL, 10), 0);
	}
	resilient_get_stats(p.client, &cs);
	resilient_get_stats(p.server, &ss);
	assert_int_equal(cs.sent_msgs, 5);
	assert_int_equal(cs.buffer_msgs, 5);
	assert_int_equal(ss.recv_msgs, 5);
	assert_int_equal(ss.recv_next, 5);
	pair_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bidi_chacha),
		cmocka_unit_test(test_bidi_chacha_zlib),
		cmocka_unit_test(test_bidi_aes256gcm),
		cmocka_unit_test(test_bidi_aes256gcm_zlib),
		cmocka_unit_test(test_bidi_aes128ctr_etm),
		cmocka_unit_test(test_bidi_aes128ctr_etm_zlib),
		cmocka_unit_test(test_ack_overhead),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_hostile_acks),
		cmocka_unit_test(test_malformed_and_early_acks),
		cmocka_unit_test(test_not_negotiated_is_inert),
		cmocka_unit_test(test_only_connection_messages_counted),
	};

	return cmocka_run_group_tests(tests, pair_group_setup,
	    pair_group_teardown);
}
