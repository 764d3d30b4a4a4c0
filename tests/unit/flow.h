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
 * Test helpers: streams of numbered messages between two endpoints of a
 * pair (pair.h), checked byte for byte on arrival.  Header-only; include
 * after pair.h.
 */

#ifndef _RESILIENT_TEST_FLOW_H
#define _RESILIENT_TEST_FLOW_H

#include "ssh2.h"

#define DATA_TYPE	SSH2_MSG_CHANNEL_DATA
#define MSG_MAXLEN	(32 * 1024)

/* One direction of a stream of test messages */
struct flow {
	struct ssh *from;
	struct ssh *to;
	uint64_t sent;		/* messages sent */
	uint64_t received;	/* messages received and checked */
	uint64_t payload;	/* bytes sent, type byte included */
	uint64_t acks;		/* ACK messages "to" sent back */
	uint32_t seed;		/* content differs per direction */
};

static uint32_t
xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Deterministic contents of message n of a flow */
static void
fill(u_char *p, size_t len, uint32_t seed, uint64_t n)
{
	uint32_t s = seed ^ (uint32_t)(n * 2654435761U) ^ (uint32_t)len;
	size_t i;

	if (s == 0)
		s = 1;
	for (i = 0; i < len; i++)
		p[i] = xorshift(&s) & 0xff;
}

static size_t
msg_len(struct flow *f, uint32_t *rng, size_t maxlen)
{
	return 1 + xorshift(rng) % maxlen;
}

static void
send_data(struct flow *f, size_t len)
{
	u_char *p;

	assert_non_null(p = malloc(len));
	fill(p, len, f->seed, f->sent);
	assert_int_equal(sshpkt_start(f->from, DATA_TYPE), 0);
	assert_int_equal(sshpkt_put(f->from, p, len), 0);
	assert_int_equal(sshpkt_send(f->from), 0);
	f->sent++;
	f->payload += 1 + len;
	free(p);
}

/* Move the bytes "from" has written to "to"; returns how many */
static size_t
carry(struct ssh *from, struct ssh *to)
{
	const u_char *buf;
	size_t len;

	buf = ssh_output_ptr(from, &len);
	if (len == 0)
		return 0;
	assert_int_equal(ssh_input_append(to, buf, len), 0);
	assert_int_equal(ssh_output_consume(from, len), 0);
	return len;
}

/*
 * Read everything that arrived at f->to: check each data message against
 * what f->from sent, hand the extension's messages to the hook as
 * ssh_packet_read_poll_seqnr does.  The other flow's ACKs may arrive
 * here too; they are counted in "other".
 */
static void
drain(struct flow *f, struct flow *other)
{
	const u_char *p;
	u_char *want, type;
	size_t len;
	int handled, i;

	for (i = 0; i < 100000; i++) {
		assert_int_equal(ssh_packet_next(f->to, &type), 0);
		if (type == SSH_MSG_NONE)
			return;
		if (type == SSH2_MSG_RESILIENT_ACK ||
		    type == SSH2_MSG_RESILIENT_SYNC) {
			assert_int_equal(resilient_packet_input(f->to, type,
			    &handled), 0);
			assert_true(handled);
			if (other != NULL && type == SSH2_MSG_RESILIENT_ACK)
				other->acks++;
			continue;
		}
		if (type == SSH2_MSG_IGNORE || type == SSH2_MSG_USERAUTH_SUCCESS)
			continue;
		/* a replayed message that came over the old connection too */
		assert_int_equal(resilient_packet_input(f->to, type,
		    &handled), 0);
		if (handled)
			continue;
		assert_int_equal(type, DATA_TYPE);
		p = sshpkt_ptr(f->to, &len);
		assert_non_null(want = malloc(len));
		fill(want, len, f->seed, f->received);
		assert_memory_equal(p, want, len);
		free(want);
		assert_int_equal(sshpkt_get(f->to, NULL, len), 0);
		f->received++;
	}
	fail_msg("drain did not finish");
}

/* Let the two flows exchange everything they have, both ways */
static void
settle(struct flow *a, struct flow *b)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (carry(a->from, a->to) == 0 && carry(b->from, b->to) == 0 &&
		    a->received == a->sent && b->received == b->sent)
			return;
		drain(a, b);
		drain(b, a);
	}
	fail_msg("settle did not finish");
}

/* A negotiated, "authenticated" session (the server sent USERAUTH_SUCCESS) */
static void
authenticated_pair(struct pair *p, const char *cipher, const char *mac,
    const char *comp, size_t buffer_max)
{
	struct pair_opts o;
	struct resilient_stats st;
	u_char type;

	memset(&o, 0, sizeof(o));
	o.kex = "curve25519-sha256";
	o.cipher = cipher;
	o.mac = mac;
	o.comp = comp;
	o.client_offers = o.server_offers = 1;
	o.buffer_max = buffer_max;
	pair_new(p, &o);
	assert_int_equal(pair_run_kex(p), 0);
	assert_true(resilient_negotiated(p->client));
	assert_int_equal(sshpkt_start(p->server, SSH2_MSG_USERAUTH_SUCCESS), 0);
	assert_int_equal(sshpkt_send(p->server), 0);
	carry(p->server, p->client);
	assert_int_equal(ssh_packet_next(p->client, &type), 0);
	assert_int_equal(type, SSH2_MSG_USERAUTH_SUCCESS);
	resilient_get_stats(p->client, &st);
	assert_true(st.active);
	resilient_get_stats(p->server, &st);
	assert_true(st.active);
}

static void
flows(struct pair *p, struct flow *c2s, struct flow *s2c)
{
	memset(c2s, 0, sizeof(*c2s));
	memset(s2c, 0, sizeof(*s2c));
	c2s->from = s2c->to = p->client;
	c2s->to = s2c->from = p->server;
	c2s->seed = 0x1234567;
	s2c->seed = 0x7654321;
}

/* Both flows' counters agree with the endpoints' and all is acknowledged */
static void
check_all_acked(struct pair *p, struct flow *c2s, struct flow *s2c)
{
	struct resilient_stats cs, ss;

	assert_int_equal(resilient_send_ack(p->client), 0);
	assert_int_equal(resilient_send_ack(p->server), 0);
	settle(c2s, s2c);
	resilient_get_stats(p->client, &cs);
	resilient_get_stats(p->server, &ss);
	assert_int_equal(cs.sent_msgs, c2s->sent);
	assert_int_equal(ss.recv_msgs, c2s->sent);
	assert_int_equal(ss.sent_msgs, s2c->sent);
	assert_int_equal(cs.recv_msgs, s2c->sent);
	assert_int_equal(cs.recv_next, s2c->sent);
	assert_int_equal(ss.recv_next, c2s->sent);
	assert_int_equal(cs.buffer_bytes, 0);
	assert_int_equal(cs.buffer_msgs, 0);
	assert_int_equal(ss.buffer_bytes, 0);
	assert_int_equal(ss.buffer_msgs, 0);
}

#endif /* _RESILIENT_TEST_FLOW_H */
