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
 * The reconnect handshake, end to end in one process (PROTOCOL.resilient
 * section 3): a session's connection is cut at random points, including
 * in the middle of a message and in the middle of a rekey, a new
 * connection is authenticated with the resume secret and adopted, and
 * every message in both directions must arrive exactly once, in order,
 * byte for byte.  Forged, replayed and stale attempts must be refused
 * without disturbing the session.
 *
 * RESILIENT_TEST_QUICK=1 (set by make check under valgrind) runs fewer
 * cuts.
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

#include "resilient-msg.h"
#include "resilient-broker.h"
#include "openbsd-compat/sys-queue.h"
#include "channels.h"

#include "pair.h"
#include "flow.h"

static int
ncuts(void)
{
	const char *q = getenv("RESILIENT_TEST_QUICK");

	return q != NULL && *q != '\0' && *q != '0' ? 12 : 200;
}

/* The server's broker, reduced to one session: match its current token */
static struct ssh *
lookup_one(const u_char *token, size_t len, void *ctx)
{
	struct ssh *live = ctx;

	return resilient_token_matches(live, token, len) ? live : NULL;
}

/* A fresh server connection as sshd would accept it, resilience offered */
static struct ssh *
new_server(struct ssh *live)
{
	struct ssh *ns;
	struct kex_params params;
	char *defprop[PROPOSAL_MAX] = { KEX_CLIENT };

	memcpy(params.proposal, defprop, sizeof(defprop));
	params.proposal[PROPOSAL_SERVER_HOST_KEY_ALGS] =
	    (char *)sshkey_ssh_name(pair_hostkey);
	assert_int_equal(ssh_init(&ns, 1, &params), 0);
	assert_int_equal(ssh_add_hostkey(ns, pair_hostkey), 0);
	assert_int_equal(resilient_enable(ns, RESILIENT_BUFFER_DEFAULT_MAX), 0);
	pair_reoffer(ns, params.proposal);
	resilient_set_lookup(ns, lookup_one, live);
	return ns;
}

static struct ssh *
new_client(void)
{
	struct ssh *nc;

	assert_int_equal(ssh_init(&nc, 0, NULL), 0);
	return nc;
}

/*
 * Run a reconnect handshake between two fresh connections.  Client to
 * server bytes are also appended to "tee" if it is not NULL.
 */
static int
run_attempt(struct ssh *nc, struct ssh *ns, struct sshbuf *tee)
{
	const u_char *buf;
	size_t len;
	u_char type;
	int i, r, handled;

	for (i = 0; i < 100; i++) {
		if (nc->kex->done && ns->kex->done)
			return 0;
		/* a refusing server still tells the client why */
		if ((r = pair_pump_one(ns, nc, NULL)) != 0) {
			buf = ssh_output_ptr(ns, &len);
			assert_int_equal(ssh_input_append(nc, buf, len), 0);
		}
		/* what follows the server's NEWKEYS waits for the adoption */
		if (!nc->kex->done) {
			if ((r = ssh_packet_next(nc, &type)) != 0)
				return r;
			/* ... but its SYNC, which the packet layer hands on */
			if (type == SSH2_MSG_RESILIENT_SYNC &&
			    (r = resilient_packet_input(nc, type,
			    &handled)) == 0)
				type = 0;
			if (type != 0)
				return SSH_ERR_PROTOCOL_ERROR;	/* DISCONNECT */
		}
		buf = ssh_output_ptr(nc, &len);
		if (tee != NULL)
			assert_int_equal(sshbuf_put(tee, buf, len), 0);
		if ((r = ssh_input_append(ns, buf, len)) != 0 ||
		    (r = ssh_output_consume(nc, len)) != 0)
			return r;
	}
	return SSH_ERR_INTERNAL_ERROR;
}

/* Resume the pair's session over a new connection */
static void
resume(struct pair *p)
{
	struct ssh *nc = new_client(), *ns = new_server(p->server);

	assert_int_equal(resilient_attempt_client(nc, p->client), 0);
	assert_int_equal(run_attempt(nc, ns, NULL), 0);
	assert_true(resilient_attempt_verified(nc));
	assert_true(resilient_attempt_verified(ns));
	assert_ptr_equal(resilient_attempt_session(ns), p->server);
	assert_int_equal(resilient_adopt(p->client, nc), 0);
	assert_int_equal(resilient_adopt(p->server, ns), 0);
	ssh_free(nc);
	ssh_free(ns);
}

/*
 * The connection dies: each direction delivers a random prefix of what
 * is in flight (possibly part of a packet) and loses the rest.  What the
 * receivers still say on the dead connection is lost too.
 */
static void
cut(struct pair *p, struct flow *c2s, struct flow *s2c, uint32_t *rng)
{
	const u_char *buf;
	size_t len, k;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		struct ssh *from = dir ? p->server : p->client;
		struct ssh *to = dir ? p->client : p->server;

		buf = ssh_output_ptr(from, &len);
		k = len == 0 ? 0 : xorshift(rng) % (len + 1);
		assert_int_equal(ssh_input_append(to, buf, k), 0);
		assert_int_equal(ssh_output_consume(from, len), 0);
	}
	drain(c2s, s2c);
	drain(s2c, c2s);
	buf = ssh_output_ptr(p->client, &len);
	assert_int_equal(ssh_output_consume(p->client, len), 0);
	buf = ssh_output_ptr(p->server, &len);
	assert_int_equal(ssh_output_consume(p->server, len), 0);
}

/* Random traffic both ways, partly delivered, with occasional rekeys */
static void
traffic(struct pair *p, struct flow *c2s, struct flow *s2c, uint32_t *rng,
    int steps)
{
	int i;

	for (i = 0; i < steps; i++) {
		switch (xorshift(rng) % 8) {
		case 0:
		case 1:
		case 2:
			send_data(c2s, msg_len(c2s, rng, MSG_MAXLEN / 4));
			break;
		case 3:
		case 4:
			send_data(s2c, msg_len(s2c, rng, MSG_MAXLEN / 4));
			break;
		case 5:
			carry(c2s->from, c2s->to);
			drain(c2s, s2c);
			break;
		case 6:
			carry(s2c->from, s2c->to);
			drain(s2c, c2s);
			break;
		case 7:
			if (xorshift(rng) % 4 == 0 &&
			    !ssh_packet_is_rekeying(p->client) &&
			    !ssh_packet_is_rekeying(p->server))
				assert_int_equal(kex_send_kexinit(
				    xorshift(rng) % 2 ? p->client : p->server),
				    0);
			break;
		}
	}
}

static void
check_cuts(const char *cipher, const char *mac, const char *comp,
    uint32_t seed)
{
	struct pair p;
	struct flow c2s, s2c;
	struct resilient_stats cs, ss;
	u_char before[RESILIENT_TOKEN_LEN];
	const u_char *t;
	size_t l;
	uint32_t rng = seed;
	u_int epoch;
	int i, n = ncuts();

	authenticated_pair(&p, cipher, mac, comp, 0);
	flows(&p, &c2s, &s2c);
	for (i = 0; i < n; i++) {
		traffic(&p, &c2s, &s2c, &rng, 1 + xorshift(&rng) % 40);
		assert_int_equal(resilient_token(p.client, &t, &l), 0);
		memcpy(before, t, sizeof(before));
		cut(&p, &c2s, &s2c, &rng);
		assert_int_equal(resilient_detach(p.client), 0);
		assert_int_equal(resilient_detach(p.server), 0);
		resilient_get_stats(p.server, &ss);
		assert_true(ss.detached_since > 0);
		resume(&p);
		resilient_get_stats(p.server, &ss);
		assert_int_equal(ss.detached_since, 0);
		/* the token rotates with every resume */
		assert_int_equal(resilient_token(p.client, &t, &l), 0);
		assert_memory_not_equal(before, t, sizeof(before));
		/* messages sent while resuming wait for the replay */
		if (xorshift(&rng) % 2)
			send_data(&c2s, 100);
		epoch = resilient_epoch(p.client);
		settle(&c2s, &s2c);
		/* no key exchange follows a resume: it had one of its own */
		assert_int_equal(resilient_epoch(p.client), epoch);
		assert_false(ssh_packet_is_rekeying(p.client));
	}
	check_all_acked(&p, &c2s, &s2c);
	resilient_get_stats(p.client, &cs);
	resilient_get_stats(p.server, &ss);
	assert_int_equal(cs.resumes, n);
	assert_int_equal(ss.resumes, n);
	assert_false(cs.resuming);
	assert_false(ss.resuming);
	assert_int_equal(cs.held_bytes + ss.held_bytes, 0);
	assert_true(cs.replayed_msgs + ss.replayed_msgs > 0);
	print_message("%s/%s: %d cuts, %llu+%llu messages, %llu+%llu "
	    "replayed\n", cipher, comp, n,
	    (unsigned long long)c2s.sent, (unsigned long long)s2c.sent,
	    (unsigned long long)cs.replayed_msgs,
	    (unsigned long long)ss.replayed_msgs);
	pair_free(&p);
}

static void
test_cuts_chacha(void **state)
{
	check_cuts("chacha20-poly1305@openssh.com", NULL, "none", 1);
}

static void
test_cuts_chacha_zlib(void **state)
{
	check_cuts("chacha20-poly1305@openssh.com", NULL, "zlib@openssh.com",
	    2);
}

static void
test_cuts_aes256gcm(void **state)
{
	check_cuts("aes256-gcm@openssh.com", NULL, "none", 3);
}

static void
test_cuts_aes256gcm_zlib(void **state)
{
	check_cuts("aes256-gcm@openssh.com", NULL, "zlib@openssh.com", 4);
}

static void
test_cuts_aes128ctr_etm(void **state)
{
	check_cuts("aes128-ctr", "hmac-sha2-256-etm@openssh.com", "none", 5);
}

static void
test_cuts_aes128ctr_etm_zlib(void **state)
{
	check_cuts("aes128-ctr", "hmac-sha2-256-etm@openssh.com",
	    "zlib@openssh.com", 6);
}

/* The DISCONNECT a refused attempt got, checked against "reason" */
static void
expect_refused(struct ssh *nc, int attempt_ret, const char *reason)
{
	u_int32_t code;
	char *msg = NULL;

	assert_int_equal(attempt_ret, SSH_ERR_PROTOCOL_ERROR);
	assert_false(resilient_attempt_verified(nc));
	assert_int_equal(sshpkt_get_u32(nc, &code), 0);
	assert_int_equal(code, SSH2_DISCONNECT_KEY_EXCHANGE_FAILED);
	assert_int_equal(sshpkt_get_cstring(nc, &msg, NULL), 0);
	assert_non_null(strstr(msg, reason));
	free(msg);
}

/* A session after a cut, with traffic pending both ways */
static void
cut_session(struct pair *p, struct flow *c2s, struct flow *s2c)
{
	uint32_t rng = 77;

	authenticated_pair(p, "chacha20-poly1305@openssh.com", NULL, "none",
	    0);
	flows(p, c2s, s2c);
	traffic(p, c2s, s2c, &rng, 60);
	cut(p, c2s, s2c, &rng);
}

/* The session is unharmed: it resumes and every message arrives */
static void
still_resumable(struct pair *p, struct flow *c2s, struct flow *s2c,
    u_int epoch)
{
	struct resilient_stats st;

	resilient_get_stats(p->server, &st);
	assert_int_equal(st.epoch, epoch);
	assert_int_equal(st.resumes, 0);
	resume(p);
	settle(c2s, s2c);
	check_all_acked(p, c2s, s2c);
	pair_free(p);
}

static u_char forged_token[RESILIENT_TOKEN_LEN];

/* KEX_RESILIENT for a client that saw the token but lacks the secret */
static int
forged_start(struct ssh *ssh)
{
	struct sshbuf *b;
	u_char mac[32], share[32];
	int r;

	memset(mac, 0x5a, sizeof(mac));
	memset(share, 0x09, sizeof(share));
	assert_non_null(b = sshbuf_new());
	if ((r = resilient_msg_put_reconnect(b, forged_token,
	    sizeof(forged_token), share, sizeof(share), 0, mac,
	    sizeof(mac))) == 0 &&
	    (r = sshpkt_start(ssh, SSH2_MSG_RESILIENT_RECONNECT)) == 0 &&
	    (r = sshpkt_putb(ssh, b)) == 0)
		r = sshpkt_send(ssh);
	sshbuf_free(b);
	return r;
}

static void
test_forged_mac_refused(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct ssh *nc, *ns;
	const u_char *t;
	size_t l;
	u_int epoch;

	cut_session(&p, &c2s, &s2c);
	epoch = resilient_epoch(p.server);
	assert_int_equal(resilient_token(p.client, &t, &l), 0);
	memcpy(forged_token, t, sizeof(forged_token));
	nc = new_client();
	ns = new_server(p.server);
	assert_int_equal(resilient_attempt_client(nc, p.client), 0);
	nc->kex->kex[KEX_RESILIENT] = forged_start;
	expect_refused(nc, run_attempt(nc, ns, NULL),
	    "wrong proof of the session");
	assert_false(resilient_attempt_verified(ns));
	ssh_free(nc);
	ssh_free(ns);
	still_resumable(&p, &c2s, &s2c, epoch);
}

/*
 * A genuine reconnect message recorded on the wire and replayed on a
 * new connection: the token is still current (that attempt was never
 * adopted), but the new server cookie makes its MAC useless.
 */
static void
test_replayed_reconnect_refused(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct ssh *nc, *ns;
	struct sshbuf *rec;
	u_char type;
	int i, r = 0;
	u_int epoch;

	cut_session(&p, &c2s, &s2c);
	assert_non_null(rec = sshbuf_new());
	nc = new_client();
	ns = new_server(p.server);
	assert_int_equal(resilient_attempt_client(nc, p.client), 0);
	assert_int_equal(run_attempt(nc, ns, rec), 0);
	ssh_free(nc);
	ssh_free(ns);		/* lost before it could be adopted */
	/* the server answered that attempt; the replay must change nothing */
	epoch = resilient_epoch(p.server);

	ns = new_server(p.server);
	assert_int_equal(ssh_input_append(ns, sshbuf_ptr(rec),
	    sshbuf_len(rec)), 0);
	for (i = 0; i < 20 && r == 0; i++) {
		r = ssh_packet_next(ns, &type);
		assert_int_equal(type, 0);
	}
	assert_int_equal(r, SSH_ERR_DISCONNECTED);	/* refused */
	assert_false(resilient_attempt_verified(ns));
	ssh_free(ns);
	sshbuf_free(rec);
	still_resumable(&p, &c2s, &s2c, epoch);
}

/* An attempt that still carries the secret from before the last resume */
static void
test_stale_token_refused(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct ssh *stale, *ns;
	uint32_t rng = 5;

	cut_session(&p, &c2s, &s2c);
	stale = new_client();
	assert_int_equal(resilient_attempt_client(stale, p.client), 0);
	resume(&p);
	settle(&c2s, &s2c);
	cut(&p, &c2s, &s2c, &rng);
	ns = new_server(p.server);
	expect_refused(stale, run_attempt(stale, ns, NULL),
	    "session unknown or expired");
	ssh_free(stale);
	ssh_free(ns);
	resume(&p);
	settle(&c2s, &s2c);
	check_all_acked(&p, &c2s, &s2c);
	pair_free(&p);
}

/* A server that answers with an ordinary key exchange is not trusted */
static void
test_server_without_extension(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct ssh *nc, *ns;
	u_int epoch;

	cut_session(&p, &c2s, &s2c);
	epoch = resilient_epoch(p.server);
	nc = new_client();
	assert_int_equal(ssh_init(&ns, 1, NULL), 0);
	assert_int_equal(resilient_attempt_client(nc, p.client), 0);
	assert_int_equal(run_attempt(nc, ns, NULL), SSH_ERR_NO_KEX_ALG_MATCH);
	assert_false(resilient_attempt_verified(nc));
	ssh_free(nc);
	ssh_free(ns);
	still_resumable(&p, &c2s, &s2c, epoch);
}

/* Read what arrived at ssh until the extension's hook fails */
static int
read_until_error(struct ssh *ssh)
{
	u_char type;
	size_t len;
	int i, handled, r;

	for (i = 0; i < 1000; i++) {
		if ((r = ssh_packet_next(ssh, &type)) != 0)
			return r;
		switch (type) {
		case SSH_MSG_NONE:
			return 0;
		case SSH2_MSG_RESILIENT_SYNC:
		case SSH2_MSG_RESILIENT_ACK:
			if ((r = resilient_packet_input(ssh, type,
			    &handled)) != 0)
				return r;
			break;
		case DATA_TYPE:
			(void)sshpkt_ptr(ssh, &len);
			assert_int_equal(sshpkt_get(ssh, NULL, len), 0);
			break;
		default:
			fail_msg("unexpected message type %u", type);
		}
	}
	fail_msg("read_until_error did not finish");
	return 0;
}

/*
 * After a resume, the server sends a second SYNC (or one of the wrong
 * size): the client disconnects with a protocol error and a reason.
 */
static void
check_bad_sync(size_t len, const char *reason)
{
	struct pair p;
	struct flow c2s, s2c;
	u_char body[9] = { 0 }, type;
	u_int32_t code;
	char *msg = NULL;
	int i;

	cut_session(&p, &c2s, &s2c);
	resume(&p);
	assert_int_equal(sshpkt_start(p.server, SSH2_MSG_RESILIENT_SYNC), 0);
	assert_int_equal(sshpkt_put(p.server, body, len), 0);
	assert_int_equal(sshpkt_send(p.server), 0);
	carry(p.server, p.client);
	assert_int_equal(read_until_error(p.client), SSH_ERR_PROTOCOL_ERROR);
	/* the server reads on until the client's DISCONNECT */
	carry(p.client, p.server);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(ssh_packet_next(p.server, &type), 0);
		assert_int_not_equal(type, SSH_MSG_NONE);
		if (type == SSH2_MSG_DISCONNECT)
			break;
		if (type == SSH2_MSG_RESILIENT_SYNC ||
		    type == SSH2_MSG_RESILIENT_ACK)
			continue;	/* unread; the session is ending */
		(void)sshpkt_ptr(p.server, &(size_t){ 0 });
	}
	assert_int_equal(type, SSH2_MSG_DISCONNECT);
	assert_int_equal(sshpkt_get_u32(p.server, &code), 0);
	assert_int_equal(code, SSH2_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(sshpkt_get_cstring(p.server, &msg, NULL), 0);
	assert_non_null(strstr(msg, reason));
	free(msg);
	pair_free(&p);
}

static void
test_second_sync_refused(void **state)
{
	check_bad_sync(8, "unexpected SYNC");
}

static void
test_malformed_sync_refused(void **state)
{
	check_bad_sync(7, "malformed SYNC");
}

/*
 * The broker's path (sshd): the connection that receives the reconnect
 * cannot check it and hands it over; the session's process rebuilds the
 * connection's key exchange from the request alone, answers, and adopts
 * it.  A request for another session's token, or with a forged proof, is
 * refused without a byte sent and leaves the sessions untouched.
 */
struct handover {
	struct ssh *live;	/* what the session's process holds */
	struct ssh *att;	/* the connection it took over */
	u_int	code;
	int	forge;		/* 1: corrupt the proof in transit,
				   2: the client's KEXINIT */
};

static int
handoff_to(struct ssh *ssh, const struct sshbuf *req, u_int *codep,
    void *ctx)
{
	struct handover *h = ctx;
	struct sshbuf *copy;
	const u_char *t, *mac;
	size_t tlen, maclen;

	assert_non_null(copy = sshbuf_fromb((struct sshbuf *)req));
	if (h->forge == 2) {
		/*
		 * token, share, counter, MAC, both versions as they are;
		 * the client's KEXINIT all 0xff
		 */
		struct sshbuf *in, *kexinit;
		const u_char *p;
		size_t plen;
		uint64_t next;
		int i;

		sshbuf_free(copy);
		assert_non_null(in = sshbuf_fromb((struct sshbuf *)req));
		assert_non_null(copy = sshbuf_new());
		for (i = 0; i < 7; i++) {
			if (i == 2) {
				assert_int_equal(sshbuf_get_u64(in, &next), 0);
				assert_int_equal(sshbuf_put_u64(copy, next),
				    0);
			}
			assert_int_equal(sshbuf_get_string_direct(in, &p,
			    &plen), 0);
			if (i != 5) {
				assert_int_equal(sshbuf_put_string(copy, p,
				    plen), 0);
				continue;
			}
			assert_non_null(kexinit = sshbuf_new());
			while (plen-- > 0)
				assert_int_equal(sshbuf_put_u8(kexinit, 0xff),
				    0);
			assert_int_equal(sshbuf_put_stringb(copy, kexinit), 0);
			sshbuf_free(kexinit);
		}
		sshbuf_free(in);
	} else if (h->forge) {
		/* token, share, counter, then the MAC: flip its last byte */
		sshbuf_free(copy);
		assert_non_null(copy = sshbuf_new());
		assert_int_equal(sshbuf_putb(copy, req), 0);
		assert_int_equal(sshbuf_peek_string_direct(copy, &t, &tlen), 0);
		t += tlen;			/* the share's length */
		tlen = PEEK_U32(t);
		t += 4 + tlen + 8;		/* the MAC's length */
		mac = t + 4;
		maclen = PEEK_U32(t);
		assert_true(maclen > 0);
		((u_char *)mac)[maclen - 1] ^= 1;
	}
	resilient_attempt_server(h->live, -1, copy, &h->att, codep);
	h->code = *codep;
	sshbuf_free(copy);
	return 0;
}

static int
run_handover(struct ssh *nc, struct ssh *ns, struct handover *h)
{
	u_char type;
	int i, r;

	for (i = 0; i < 100; i++) {
		if (nc->kex->done && h->att != NULL && h->att->kex->done)
			return 0;
		if ((r = pair_pump_one(nc, h->att != NULL ? h->att : ns,
		    NULL)) != 0)
			return r;
		if (h->att == NULL && h->code != RESILIENT_RESUMED &&
		    h->code != 0xffff)
			return SSH_ERR_KEY_NOT_FOUND;
		if ((r = pair_pump_one(h->att != NULL ? h->att : ns, nc,
		    NULL)) != 0)
			return r;
		if ((r = ssh_packet_next(nc, &type)) != 0)
			return r;
	}
	return SSH_ERR_INTERNAL_ERROR;
}

static void
handover_case(int forge, int other)
{
	struct pair p, q;
	struct flow c2s, s2c, qc2s, qs2c;
	struct handover h;
	struct ssh *nc, *ns;
	size_t len;
	u_int epoch;
	int r;

	cut_session(&p, &c2s, &s2c);
	if (other)
		cut_session(&q, &qc2s, &qs2c);
	epoch = resilient_epoch(p.server);
	memset(&h, 0, sizeof(h));
	h.live = other ? q.server : p.server;
	h.code = 0xffff;
	h.forge = forge;
	nc = new_client();
	ns = new_server(NULL);
	resilient_set_lookup(ns, NULL, NULL);
	resilient_set_handoff(ns, handoff_to, &h);
	assert_int_equal(resilient_attempt_client(nc, p.client), 0);
	r = run_handover(nc, ns, &h);
	if (forge || other) {
		assert_int_not_equal(r, 0);
		assert_null(h.att);
		assert_int_equal(h.code, other ? RESILIENT_UNKNOWN :
		    RESILIENT_REFUSED);
		/* the refusal came from the receiving connection only */
		(void)ssh_output_ptr(ns, &len);
		assert_true(len > 0);
		ssh_free(nc);
		ssh_free(ns);
		if (other)
			still_resumable(&q, &qc2s, &qs2c,
			    resilient_epoch(q.server));
		still_resumable(&p, &c2s, &s2c, epoch);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(h.code, RESILIENT_RESUMED);
	assert_true(resilient_attempt_verified(nc));
	assert_int_equal(resilient_adopt(p.client, nc), 0);
	assert_int_equal(resilient_adopt(p.server, h.att), 0);
	ssh_packet_close(h.att);
	free(h.att);
	ssh_free(nc);
	ssh_free(ns);
	settle(&c2s, &s2c);
	check_all_acked(&p, &c2s, &s2c);
	pair_free(&p);
}

static void
test_handed_over_resume(void **state)
{
	handover_case(0, 0);
}

static void
test_handed_over_forged_refused(void **state)
{
	handover_case(1, 0);
}

static void
test_handed_over_other_session_refused(void **state)
{
	handover_case(0, 1);
}

/* A garbled KEXINIT fails the MAC before anything parses it */
static void
test_handed_over_garbled_kexinit_refused(void **state)
{
	handover_case(2, 0);
}

/*
 * Whether a server session whose connection is lost detaches, given its
 * channels: "session" channels closed by us (CLOSE sent), others open,
 * whether the client said it opens no more sessions, and whether it has
 * yet to acknowledge something we sent.
 */
static int
detaches(int closing_sessions, int open_others, int no_more_sessions,
    int unacked)
{
	struct pair p;
	Channel *c;
	int sp[2], i, r;

	authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL, "none",
	    0);
	channel_init_channels(p.server);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	resilient_server_set_link(p.server, sp[0], 60);
	for (i = 0; i < closing_sessions + open_others; i++) {
		c = channel_new(p.server, i < closing_sessions ? "session" :
		    "direct-tcpip", SSH_CHANNEL_OPEN, -1, -1, -1, 32768, 32768,
		    0, "test", 1);
		assert_non_null(c);
		if (i < closing_sessions)
			c->flags |= CHAN_CLOSE_SENT;
	}
	if (no_more_sessions)
		resilient_server_no_more_sessions(p.server);
	if (unacked) {
		/* a counted message the client never gets */
		assert_int_equal(sshpkt_start(p.server,
		    SSH2_MSG_GLOBAL_REQUEST), 0);
		assert_int_equal(sshpkt_put_cstring(p.server, "test@example"),
		    0);
		assert_int_equal(sshpkt_put_u8(p.server, 0), 0);
		assert_int_equal(sshpkt_send(p.server), 0);
	}
	r = resilient_server_lost(p.server, "test");
	channel_free_all(p.server);
	close(sp[1]);
	pair_free(&p);
	return r == 0;
}

/* CLOCK_BOOTTIME runs this far ahead: the time "suspended" */
static time_t boot_skew;

int	__real_clock_gettime(clockid_t, struct timespec *);

int
__wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	int r = __real_clock_gettime(id, ts);

#ifdef CLOCK_BOOTTIME
	if (r == 0 && id == CLOCK_BOOTTIME)
		ts->tv_sec += boot_skew;
#endif
	return r;
}

static int
connect_nowhere(struct ssh *ssh, void *ctx)
{
	return -1;
}

/* Whether the client queued something (a probe) for the server */
static int
client_sends(struct pair *p)
{
	size_t len;

	(void)ssh_output_ptr(p->client, &len);
	return len > 0;
}

static void
test_probe_after_suspend(void **state)
{
#ifdef CLOCK_BOOTTIME
	struct pair p;
	size_t len;

	authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL, "none",
	    0);
	p.client->kex->flags |= KEX_HAS_PING;	/* as an OpenSSH server says */
	assert_int_equal(resilient_client_set_connector(p.client,
	    connect_nowhere, NULL, 60, 5, NULL), 0);
	/* no probes for silence, only after a suspend */
	assert_int_equal(resilient_client_set_probe(p.client, 0, 5), 0);
	(void)ssh_output_ptr(p.client, &len);
	assert_int_equal(ssh_output_consume(p.client, len), 0);
	assert_int_equal(resilient_client_tick(p.client), 0);
	assert_false(client_sends(&p));
	/* the machine slept for 100 s */
	boot_skew = 100;
	assert_int_equal(resilient_client_tick(p.client), 0);
	assert_true(client_sends(&p));
	boot_skew = 0;
	pair_free(&p);
#else
	skip();
#endif
}

/*
 * Make before break: a new connection proves the session while the old
 * one is still up, on neither side detached.  The server switches as
 * soon as the new connection is keyed (take_over); the client goes on
 * reading what the server had sent on the old one, key exchanges
 * included, until it switches too.  Client data still in flight on the
 * old connection is lost, and must come again in the replay.
 */
static void
test_resume_while_attached(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct resilient_stats cs, ss;
	struct ssh *nc, *ns;
	const u_char *buf;
	size_t len;
	uint32_t rng = 7;
	int i, n = ncuts() / 4;

	authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL, "none",
	    0);
	flows(&p, &c2s, &s2c);
	for (i = 0; i < n; i++) {
		traffic(&p, &c2s, &s2c, &rng, 1 + xorshift(&rng) % 40);
		/* in flight on the old connection, both ways */
		send_data(&c2s, msg_len(&c2s, &rng, MSG_MAXLEN / 4));
		send_data(&s2c, msg_len(&s2c, &rng, MSG_MAXLEN / 4));
		nc = new_client();
		ns = new_server(p.server);
		assert_int_equal(resilient_attempt_client(nc, p.client), 0);
		assert_int_equal(run_attempt(nc, ns, NULL), 0);
		resilient_get_stats(p.server, &ss);
		assert_int_equal(ss.detached_since, 0);
		/* the server switches; what it sent before may still arrive */
		buf = ssh_output_ptr(p.server, &len);
		len = len == 0 ? 0 : xorshift(&rng) % (len + 1);
		assert_int_equal(ssh_input_append(p.client, buf, len), 0);
		buf = ssh_output_ptr(p.server, &len);
		assert_int_equal(ssh_output_consume(p.server, len), 0);
		assert_int_equal(resilient_adopt(p.server, ns), 0);
		/* the client reads it, then switches; what it sent is lost */
		drain(&s2c, &c2s);
		buf = ssh_output_ptr(p.client, &len);
		assert_int_equal(ssh_output_consume(p.client, len), 0);
		assert_int_equal(resilient_adopt(p.client, nc), 0);
		ssh_free(nc);
		ssh_free(ns);
		settle(&c2s, &s2c);
	}
	check_all_acked(&p, &c2s, &s2c);
	resilient_get_stats(p.client, &cs);
	resilient_get_stats(p.server, &ss);
	assert_int_equal(cs.resumes, n);
	assert_int_equal(ss.resumes, n);
	assert_true(cs.replayed_msgs > 0 && ss.replayed_msgs > 0);
	assert_int_equal(cs.held_bytes + ss.held_bytes, 0);
	pair_free(&p);
}

/*
 * A reconnect is answered but never adopted (its REPLY is lost, or came
 * after the client gave up on it), while the old connection still works
 * and rekeys three times.  The two sides must still agree on R: the
 * session resumes after a later cut.
 */
static void
test_abandoned_reconnect_then_rekeys(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct ssh *nc, *ns;
	uint32_t rng = 11;
	u_int epoch;
	int i;

	authenticated_pair(&p, "chacha20-poly1305@openssh.com", NULL, "none",
	    0);
	flows(&p, &c2s, &s2c);
	traffic(&p, &c2s, &s2c, &rng, 40);
	settle(&c2s, &s2c);
	epoch = resilient_epoch(p.server);
	nc = new_client();
	ns = new_server(p.server);
	assert_int_equal(resilient_attempt_client(nc, p.client), 0);
	assert_int_equal(run_attempt(nc, ns, NULL), 0);
	ssh_free(nc);
	ssh_free(ns);
	/* answering ratchets nothing: the client may never hear of it */
	assert_int_equal(resilient_epoch(p.server), epoch);
	for (i = 0; i < 3; i++) {
		assert_int_equal(kex_send_kexinit(i == 1 ? p.server :
		    p.client), 0);
		send_data(&c2s, msg_len(&c2s, &rng, MSG_MAXLEN / 4));
		settle(&c2s, &s2c);
		assert_false(ssh_packet_is_rekeying(p.client));
		assert_false(ssh_packet_is_rekeying(p.server));
	}
	assert_int_equal(resilient_epoch(p.client), epoch + 3);
	traffic(&p, &c2s, &s2c, &rng, 40);
	cut(&p, &c2s, &s2c, &rng);
	resume(&p);
	settle(&c2s, &s2c);
	check_all_acked(&p, &c2s, &s2c);
	pair_free(&p);
}

/*
 * The client adopts a new connection, but its NEWKEYS and SYNC never
 * reach the server, which never adopts it.  The client's next reconnect
 * names the R that resume gave it, and must be accepted.
 */
static void
test_adoption_unseen_by_server(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct resilient_stats cs, ss;
	struct ssh *nc, *ns;
	size_t len;

	cut_session(&p, &c2s, &s2c);
	nc = new_client();
	ns = new_server(p.server);
	assert_int_equal(resilient_attempt_client(nc, p.client), 0);
	assert_int_equal(run_attempt(nc, ns, NULL), 0);
	assert_int_equal(resilient_adopt(p.client, nc), 0);
	(void)ssh_output_ptr(p.client, &len);
	assert_int_equal(ssh_output_consume(p.client, len), 0);
	ssh_free(nc);
	ssh_free(ns);
	resume(&p);
	settle(&c2s, &s2c);
	check_all_acked(&p, &c2s, &s2c);
	resilient_get_stats(p.client, &cs);
	resilient_get_stats(p.server, &ss);
	assert_int_equal(cs.resumes, 2);
	assert_int_equal(ss.resumes, 1);
	pair_free(&p);
}

/*
 * A detached server replays with its reply, before the client's NEWKEYS
 * arrives; what it sends between that and the adoption follows at the
 * adoption.  Nothing is released before the client acknowledges it.
 */
static void
test_early_replay_then_more(void **state)
{
	struct pair p;
	struct flow c2s, s2c;
	struct ssh *nc, *ns;
	uint32_t rng = 23;
	int i;

	for (i = 0; i < 20; i++) {
		if (i == 0)
			cut_session(&p, &c2s, &s2c);
		else {
			traffic(&p, &c2s, &s2c, &rng, 1 + xorshift(&rng) % 40);
			cut(&p, &c2s, &s2c, &rng);
		}
		assert_int_equal(resilient_detach(p.client), 0);
		assert_int_equal(resilient_detach(p.server), 0);
		nc = new_client();
		ns = new_server(p.server);
		assert_int_equal(resilient_attempt_client(nc, p.client), 0);
		assert_int_equal(run_attempt(nc, ns, NULL), 0);
		/* produced while the reply is on its way */
		send_data(&s2c, msg_len(&s2c, &rng, MSG_MAXLEN / 4));
		send_data(&s2c, msg_len(&s2c, &rng, MSG_MAXLEN / 4));
		assert_int_equal(resilient_adopt(p.client, nc), 0);
		assert_int_equal(resilient_adopt(p.server, ns), 0);
		ssh_free(nc);
		ssh_free(ns);
		settle(&c2s, &s2c);
	}
	check_all_acked(&p, &c2s, &s2c);
	pair_free(&p);
}

static void
test_finished_session_not_detached(void **state)
{
	/* the client's one session is over: nothing to come back for */
	assert_false(detaches(1, 0, 1, 0));
	/* ... but it lacks some of it, the CLOSE at least: it may */
	assert_true(detaches(1, 0, 1, 1));
	/* a multiplexing master (no no-more-sessions) may open more */
	assert_true(detaches(1, 0, 0, 0));
	/* a forwarded connection is still in use */
	assert_true(detaches(1, 1, 1, 0));
	/* ssh -N: no session at all, just forwards to come */
	assert_true(detaches(0, 0, 1, 0));
	/* another channel still open */
	assert_true(detaches(0, 1, 1, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cuts_chacha),
		cmocka_unit_test(test_cuts_chacha_zlib),
		cmocka_unit_test(test_cuts_aes256gcm),
		cmocka_unit_test(test_cuts_aes256gcm_zlib),
		cmocka_unit_test(test_cuts_aes128ctr_etm),
		cmocka_unit_test(test_cuts_aes128ctr_etm_zlib),
		cmocka_unit_test(test_forged_mac_refused),
		cmocka_unit_test(test_replayed_reconnect_refused),
		cmocka_unit_test(test_stale_token_refused),
		cmocka_unit_test(test_server_without_extension),
		cmocka_unit_test(test_second_sync_refused),
		cmocka_unit_test(test_malformed_sync_refused),
		cmocka_unit_test(test_handed_over_resume),
		cmocka_unit_test(test_handed_over_forged_refused),
		cmocka_unit_test(test_handed_over_other_session_refused),
		cmocka_unit_test(test_handed_over_garbled_kexinit_refused),
		cmocka_unit_test(test_resume_while_attached),
		cmocka_unit_test(test_abandoned_reconnect_then_rekeys),
		cmocka_unit_test(test_adoption_unseen_by_server),
		cmocka_unit_test(test_early_replay_then_more),
		cmocka_unit_test(test_finished_session_not_detached),
		cmocka_unit_test(test_probe_after_suspend),
	};

	return cmocka_run_group_tests(tests, pair_group_setup,
	    pair_group_teardown);
}
