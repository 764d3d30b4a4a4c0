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
 * The reconnect handshake of the resilient-sessions extension
 * (PROTOCOL.resilient sections 3 and 4.3-4.4): a new connection proves
 * knowledge of a detached session's resume secret, derives its own keys,
 * and is then adopted as the session's transport, after which both sides
 * exchange SYNC and replay what the other lacks.
 *
 * A reconnect runs on a connection of its own (the "attempt"), as the key
 * exchange method KEX_RESILIENT.  Nothing of the session is changed until
 * resilient_adopt(), so a failed attempt leaves no trace in it.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "misc.h"
#include "ssherr.h"
#include "sshbuf.h"
#include "digest.h"
#include "kex.h"
#include "packet.h"
#include "dispatch.h"
#include "ssh2.h"

#include "resilient.h"
#include "resilient-int.h"
#include "resilient-broker.h"
#include "resilient-buffer.h"
#include "resilient-kdf.h"
#include "resilient-msg.h"
#include "resilient-proto.h"
#include "resilient-share.h"

struct resilient_attempt {
	int	server;			/* our side of the handshake */
	struct ssh *live;		/* the session being resumed */
	int	hash_alg;		/* the session's HASH */
	size_t	hlen;
	int	share_kind;		/* the resume exchange (3.1) */
	int	share_nid;
	u_char	secret[RESILIENT_SECRET_MAX];	/* the session's R */
	u_char	token[RESILIENT_TOKEN_LEN];
	u_char	client_mac[RESILIENT_MAC_MAX];
	u_char	next_secret[RESILIENT_SECRET_MAX]; /* R after the resume */
	struct sshbuf *transcript;	/* T_C, then T_S */
	uint64_t my_next;		/* the counter we sent */
	uint64_t peer_next;		/* the counter the peer sent */
	int	matched;		/* server: which R the client proved */
	int	verified;		/* both MACs good, keys derived */
	int	early;			/* server: replayed with the reply */
	uint64_t early_next;		/* ... up to here */
	int	have_sync;		/* the peer's SYNC came before adoption */
	uint64_t sync_first;
};

void
resilient_attempt_free(struct resilient_attempt *att)
{
	if (att == NULL)
		return;
	sshbuf_free(att->transcript);
	freezero(att, sizeof(*att));
}

static struct resilient_attempt *
attempt_new(int server, struct ssh *live)
{
	struct resilient_attempt *att;
	struct resilient *lrs = live->resilient;

	if ((att = calloc(1, sizeof(*att))) == NULL)
		return NULL;
	att->server = server;
	att->live = live;
	att->hash_alg = lrs->hash_alg;
	att->hlen = lrs->secret_len;
	att->share_kind = lrs->share_kind;
	att->share_nid = lrs->share_nid;
	memcpy(att->secret, lrs->secret, lrs->secret_len);
	memcpy(att->token, lrs->token, sizeof(att->token));
	att->my_next = lrs->recv_next;
	return att;
}

void
resilient_attempt_disconnect(struct ssh *ssh)
{
	struct resilient_attempt *att = ssh->resilient->attempt;
	struct sshbuf *b;
	const u_char *p;
	char *said = NULL;
	size_t len;
	u_int32_t reason;

	if (att == NULL || att->server)
		return;
	p = sshpkt_ptr(ssh, &len);
	if ((b = sshbuf_from(p, len)) == NULL)
		return;
	if (sshbuf_get_u32(b, &reason) == 0 &&
	    sshbuf_get_cstring(b, &said, NULL) == 0)
		resilient_client_refusal(att->live, said);
	free(said);
	sshbuf_free(b);
}

/* A session that can be resumed: negotiated, authenticated, keyed */
int
resilient_resumable(const struct ssh *live)
{
	const struct resilient *rs;

	if (live == NULL || (rs = live->resilient) == NULL)
		return 0;
	return rs->negotiated && rs->active && rs->epoch > 0 &&
	    rs->attempt == NULL && live->kex != NULL &&
	    sshbuf_len(live->kex->session_id) != 0;
}

/*
 * Whether the peer may say it expects next: not beyond what we sent.  A
 * value before the oldest message we keep is fine: over a connection
 * that still works the peer acknowledged more since (section 3.2).
 */
static int
counter_ok(const struct ssh *live, uint64_t next)
{
	uint64_t ours = resilient_buffer_next(live->resilient->sent);

	return ours - next < (1ULL << 63);
}

/* Where a replay to a peer that expects next starts */
static uint64_t
replay_from(const struct ssh *live, uint64_t next)
{
	const struct resilient_buffer *b = live->resilient->sent;
	uint64_t first = resilient_buffer_first(b);

	return next - first <= resilient_buffer_next(b) - first ? next : first;
}

/*
 * Refuse a reconnect with a DISCONNECT (PROTOCOL.resilient 3.2).  The
 * connection ends as any other that sshd disconnects: SSH_ERR_DISCONNECTED
 * makes the last line "Disconnected from ADDR port N", after the VERBOSE
 * line with the reason, where the error behind the refusal ("key not
 * found", "message authentication code incorrect") read like a fault.
 */
static int
refuse(struct ssh *ssh, const char *why)
{
	char msg[128];
	int r;

	verbose("resilient: reconnect refused: %s", why);
	snprintf(msg, sizeof(msg), "resilient: %s", why);
	if ((r = sshpkt_start(ssh, SSH2_MSG_DISCONNECT)) == 0 &&
	    (r = sshpkt_put_u32(ssh,
	    SSH2_DISCONNECT_KEY_EXCHANGE_FAILED)) == 0 &&
	    (r = sshpkt_put_cstring(ssh, msg)) == 0 &&
	    (r = sshpkt_put_cstring(ssh, "")) == 0 &&
	    (r = sshpkt_send(ssh)) == 0)
		(void)ssh_packet_write_wait(ssh);
	return SSH_ERR_DISCONNECTED;
}

/* Build T_C from this connection's version strings and KEXINITs */
static int
attempt_transcript(struct ssh *ssh, const u_char *token,
    const u_char *share, size_t sharelen, uint64_t next, struct sshbuf **tp)
{
	struct kex *kex = ssh->kex;
	struct sshbuf *t = NULL;
	char *vc = NULL, *vs = NULL;
	int r;

	*tp = NULL;
	if ((vc = sshbuf_dup_string(kex->client_version)) == NULL ||
	    (vs = sshbuf_dup_string(kex->server_version)) == NULL ||
	    (t = sshbuf_new()) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((r = resilient_kdf_transcript(t, vc, vs,
	    kex->server ? kex->peer : kex->my,
	    kex->server ? kex->my : kex->peer,
	    token, RESILIENT_TOKEN_LEN, share, sharelen, next)) != 0)
		goto out;
	*tp = t;
	t = NULL;
 out:
	free(vc);
	free(vs);
	sshbuf_free(t);
	return r;
}

/*
 * Both MACs are known and att->transcript is T_S: derive this
 * connection's keys from R, the resume's shared secret and Hr (section
 * 4.4), compute the session's next R, and switch keys.
 */
static int
attempt_derive(struct ssh *ssh, struct resilient_attempt *att,
    const u_char *server_mac, const struct sshbuf *k_e)
{
	struct kex *kex = ssh->kex;
	struct sshbuf *k = NULL;
	u_char hr[RESILIENT_SECRET_MAX], m[RESILIENT_SECRET_MAX];
	int r;

	if ((r = resilient_kdf_reconnect_hash(att->hash_alg, att->transcript,
	    server_mac, att->hlen, hr, att->hlen)) != 0 ||
	    (r = resilient_kdf_resume_key(att->hash_alg, att->secret,
	    att->hlen, k_e, hr, att->hlen, m, att->hlen)) != 0 ||
	    (r = resilient_kdf_secret_as_k(m, att->hlen, &k)) != 0)
		goto out;
	/* The session's identifier and hash, not this connection's */
	kex->hash_alg = att->hash_alg;
	sshbuf_reset(kex->session_id);
	if ((r = sshbuf_putb(kex->session_id, att->live->kex->session_id)) != 0 ||
	    (r = kex_derive_keys(ssh, hr, att->hlen, k)) != 0 ||
	    (r = resilient_kdf_ratchet(att->hash_alg, k, hr, att->hlen,
	    att->secret, att->hlen, att->next_secret, att->hlen)) != 0)
		goto out;
	att->verified = 1;
	ssh_dispatch_set(ssh, SSH2_MSG_RESILIENT_RECONNECT, &kex_protocol_error);
	ssh_dispatch_set(ssh, SSH2_MSG_RESILIENT_RECONNECT_REPLY,
	    &kex_protocol_error);
	r = kex_send_newkeys(ssh);
 out:
	explicit_bzero(hr, sizeof(hr));
	explicit_bzero(m, sizeof(m));
	sshbuf_free(k);
	return r;
}

/* Client: the server proved it holds the session's secret, or not */
static int
input_reconnect_reply(int type, u_int32_t seq, struct ssh *ssh)
{
	struct resilient_attempt *att = ssh->resilient->attempt;
	struct resilient_reply_msg m;
	struct sshbuf *q_s = NULL, *k_e = NULL;
	u_char want[RESILIENT_MAC_MAX];
	const u_char *body;
	size_t len;
	int r;

	body = sshpkt_ptr(ssh, &len);
	if ((r = resilient_msg_get_reconnect_reply(body, len, att->hlen,
	    &m)) != 0)
		goto out;
	if ((r = resilient_kdf_transcript_server(att->transcript,
	    att->client_mac, att->hlen, m.share, m.share_len, m.next)) != 0 ||
	    (r = resilient_kdf_server_mac(att->hash_alg, att->secret,
	    att->hlen, att->transcript, want, att->hlen)) != 0)
		goto out;
	if ((r = resilient_kdf_mac_check(want, m.mac, att->hlen)) != 0) {
		error("resilient: server did not prove the session; "
		    "keeping the session detached");
		goto out;
	}
	if (!counter_ok(att->live, m.next)) {
		error("resilient: server asks for messages from %llu on, "
		    "which were never sent", (unsigned long long)m.next);
		r = SSH_ERR_PROTOCOL_ERROR;
		goto out;
	}
	att->peer_next = m.next;
	if ((q_s = sshbuf_from(m.share, m.share_len)) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((r = resilient_share_dec(ssh->kex, att->share_kind,
	    att->share_nid, att->hash_alg, q_s, &k_e)) != 0)
		goto out;
	/* (m.share points into the packet: consumed only now) */
	if ((r = sshpkt_get(ssh, NULL, len)) != 0)
		goto out;
	r = attempt_derive(ssh, att, m.mac, k_e);
 out:
	explicit_bzero(want, sizeof(want));
	explicit_bzero(&m, sizeof(m));
	sshbuf_free(q_s);
	sshbuf_free(k_e);
	return r;
}

/* Client: send the reconnect message once both KEXINITs are known */
static int
send_reconnect(struct ssh *ssh)
{
	struct resilient_attempt *att = ssh->resilient->attempt;
	struct kex *kex = ssh->kex;
	struct sshbuf *b = NULL;
	int r;

	/* what we have now, though the old connection may bring more */
	att->my_next = att->live->resilient->recv_next;
	if ((r = resilient_share_keypair(kex, att->share_kind,
	    att->share_nid, att->hash_alg)) != 0 ||
	    (r = attempt_transcript(ssh, att->token,
	    sshbuf_ptr(kex->client_pub), sshbuf_len(kex->client_pub),
	    att->my_next, &att->transcript)) != 0 ||
	    (r = resilient_kdf_client_mac(att->hash_alg, att->secret,
	    att->hlen, att->transcript, att->client_mac, att->hlen)) != 0)
		return r;
	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = resilient_msg_put_reconnect(b, att->token,
	    sizeof(att->token), sshbuf_ptr(kex->client_pub),
	    sshbuf_len(kex->client_pub), att->my_next, att->client_mac,
	    att->hlen)) != 0 ||
	    (r = sshpkt_start(ssh, SSH2_MSG_RESILIENT_RECONNECT)) != 0 ||
	    (r = sshpkt_putb(ssh, b)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		goto out;
	ssh_dispatch_set(ssh, SSH2_MSG_RESILIENT_RECONNECT_REPLY,
	    &input_reconnect_reply);
	debug_f("reconnect message sent");
 out:
	sshbuf_free(b);
	return r;
}

static int replay(struct ssh *, struct ssh *, uint64_t, int);
static int sync_apply(struct ssh *, uint64_t);

/* Which of the server's secrets a reconnect proved */
enum matched { MATCH_CURRENT, MATCH_PREV, MATCH_NEXT };

/*
 * Server: check a reconnect's client_mac against the secret its token
 * names: the session's current R, its previous one, or the one an
 * earlier reconnect would give it (4.2).  On success the R, and which
 * one it was, go to the attempt.
 */
static int
server_check(struct ssh *live, const u_char *token,
    const struct sshbuf *transcript, const u_char *client_mac,
    size_t client_maclen, struct resilient_attempt *att)
{
	struct resilient *rs = live->resilient;
	u_char want[RESILIENT_MAC_MAX];
	const u_char *secret;
	size_t hlen = rs->secret_len;
	int r;

	if (timingsafe_bcmp(token, rs->token, sizeof(rs->token)) == 0) {
		secret = rs->secret;
		att->matched = MATCH_CURRENT;
	} else if (rs->has_prev && timingsafe_bcmp(token, rs->prev_token,
	    sizeof(rs->prev_token)) == 0) {
		secret = rs->prev_secret;
		att->matched = MATCH_PREV;
	} else if (rs->has_next && timingsafe_bcmp(token, rs->next_token,
	    sizeof(rs->next_token)) == 0) {
		secret = rs->next_secret;
		att->matched = MATCH_NEXT;
	} else
		return SSH_ERR_KEY_NOT_FOUND;
	if (client_maclen != hlen)
		return SSH_ERR_MAC_INVALID;
	if ((r = resilient_kdf_client_mac(rs->hash_alg, secret, hlen,
	    transcript, want, hlen)) != 0)
		goto out;
	if ((r = resilient_kdf_mac_check(want, client_mac, hlen)) != 0)
		goto out;
	memcpy(att->secret, secret, hlen);
	memcpy(att->token, token, sizeof(att->token));
 out:
	explicit_bzero(want, sizeof(want));
	return r;
}

/*
 * Server: a verified reconnect is answered.  Nothing is ratcheted yet:
 * the client may never get the reply, and may rekey on a connection
 * that still works.  The R the reconnect would give becomes the
 * session's "next" R, named by a token of its own, until the client
 * shows which R it holds.  A reconnect that proved the previous "next"
 * R shows that the client adopted the earlier one: that R becomes the
 * current one, and the others go.  One that proved the current or the
 * previous R shows that the client never adopted the earlier one.
 */
static int
server_commit(struct ssh *live, struct resilient_attempt *att)
{
	struct resilient *rs = live->resilient;
	int r;

	if (att->matched != MATCH_PREV)
		resilient_forget_prev(rs);
	if (att->matched == MATCH_NEXT &&
	    (r = resilient_set_secret(rs, rs->next_secret)) != 0)
		return r;
	return resilient_set_next(rs, att->next_secret);
}

/*
 * Server: check a reconnect for session live, over the raw transcript
 * of ssh: nothing the client sent is parsed before its MAC verified.  On
 * success the attempt hangs off ssh.  *codep tells the broker's RESULT
 * code.
 */
static int
server_verify(struct ssh *ssh, struct ssh *live,
    const struct resilient_reconnect_msg *m, u_int *codep)
{
	struct resilient_attempt *att = NULL;
	struct sshbuf *t = NULL;
	int r;

	*codep = RESILIENT_UNKNOWN;
	if (live == NULL || !resilient_resumable(live) ||
	    !resilient_token_matches(live, m->token, RESILIENT_TOKEN_LEN))
		return SSH_ERR_KEY_NOT_FOUND;
	*codep = RESILIENT_FAILED;
	if ((r = attempt_transcript(ssh, m->token, m->share, m->share_len,
	    m->next, &t)) != 0)
		goto out;
	if ((att = attempt_new(1, live)) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((r = server_check(live, m->token, t, m->mac, m->mac_len,
	    att)) != 0) {
		resilient_attempt_free(att);
		*codep = RESILIENT_REFUSED;
		goto out;
	}
	/* Proven by the client's MAC, but it must still fit our buffer */
	if (!counter_ok(live, m->next)) {
		error("resilient: reconnect asks for messages from %llu on, "
		    "which were never sent", (unsigned long long)m->next);
		resilient_attempt_free(att);
		r = SSH_ERR_PROTOCOL_ERROR;
		goto out;
	}
	att->peer_next = m->next;
	memcpy(att->client_mac, m->mac, m->mac_len);
	att->transcript = t;
	t = NULL;
	resilient_attempt_free(ssh->resilient->attempt);
	ssh->resilient->attempt = att;
 out:
	sshbuf_free(t);
	return r;
}

/*
 * Server: answer a verified reconnect on ssh with its share, our counter
 * and server_mac, derive the connection's keys from the algorithms chosen
 * for it, and keep the R the resume would give as the next one.
 */
static int
server_answer(struct ssh *ssh, struct ssh *live, const u_char *share,
    size_t sharelen, u_int *codep)
{
	struct resilient_attempt *att = ssh->resilient->attempt;
	struct sshbuf *b = NULL, *q_c = NULL, *q_s = NULL, *k_e = NULL;
	u_char smac[RESILIENT_MAC_MAX];
	int r;

	*codep = RESILIENT_FAILED;
	if ((b = sshbuf_new()) == NULL ||
	    (q_c = sshbuf_from(share, sharelen)) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	if ((r = resilient_share_enc(ssh->kex, att->share_kind,
	    att->share_nid, att->hash_alg, q_c, &q_s, &k_e)) != 0)
		goto out;
	if (sshbuf_len(q_s) < RESILIENT_SHARE_MIN ||
	    sshbuf_len(q_s) > RESILIENT_SHARE_MAX) {
		r = SSH_ERR_INTERNAL_ERROR;
		goto out;
	}
	att->my_next = live->resilient->recv_next;
	if ((r = resilient_kdf_transcript_server(att->transcript,
	    att->client_mac, att->hlen, sshbuf_ptr(q_s), sshbuf_len(q_s),
	    att->my_next)) != 0 ||
	    (r = resilient_kdf_server_mac(att->hash_alg, att->secret,
	    att->hlen, att->transcript, smac, att->hlen)) != 0 ||
	    (r = resilient_msg_put_reconnect_reply(b, sshbuf_ptr(q_s),
	    sshbuf_len(q_s), att->my_next, smac, att->hlen)) != 0 ||
	    (r = sshpkt_start(ssh, SSH2_MSG_RESILIENT_RECONNECT_REPLY)) != 0 ||
	    (r = sshpkt_putb(ssh, b)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0 ||
	    (r = attempt_derive(ssh, att, smac, k_e)) != 0 ||
	    (r = server_commit(live, att)) != 0)
		goto out;
	/*
	 * A detached session receives nothing until it adopts this
	 * connection: its replay can go with the reply, saving the client
	 * a round trip.  What it sends meanwhile follows at the adoption.
	 */
	if (live->resilient->detached_since != 0) {
		if ((r = replay(live, ssh, replay_from(live, att->peer_next),
		    1)) != 0)
			goto out;
		att->early = 1;
		att->early_next = resilient_buffer_next(live->resilient->sent);
	}
	*codep = RESILIENT_RESUMED;
 out:
	explicit_bzero(smac, sizeof(smac));
	sshbuf_free(b);
	sshbuf_free(q_c);
	sshbuf_free(q_s);
	sshbuf_free(k_e);
	return r;
}

/*
 * Server: check a reconnect for session live and, if it proves the
 * session, answer it on ssh and derive the connection's keys.  *codep
 * tells the broker's RESULT code.  Nothing is sent on failure.
 */
static int
server_reconnect(struct ssh *ssh, struct ssh *live,
    const struct resilient_reconnect_msg *m, u_int *codep)
{
	int r;

	if ((r = server_verify(ssh, live, m, codep)) == 0)
		r = server_answer(ssh, live, m->share, m->share_len, codep);
	return r;
}

/* Server: what a broker needs to have a reconnect checked elsewhere */
static int
reconnect_request(struct ssh *ssh, const struct resilient_reconnect_msg *m,
    struct sshbuf **reqp)
{
	struct kex *kex = ssh->kex;
	struct sshbuf *req;
	int r;

	*reqp = NULL;
	if ((req = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	/* The token first: the listener routes by it */
	if ((r = sshbuf_put_string(req, m->token, RESILIENT_TOKEN_LEN)) != 0 ||
	    (r = sshbuf_put_string(req, m->share, m->share_len)) != 0 ||
	    (r = sshbuf_put_u64(req, m->next)) != 0 ||
	    (r = sshbuf_put_string(req, m->mac, m->mac_len)) != 0 ||
	    (r = sshbuf_put_stringb(req, kex->client_version)) != 0 ||
	    (r = sshbuf_put_stringb(req, kex->server_version)) != 0 ||
	    (r = sshbuf_put_stringb(req, kex->peer)) != 0 ||
	    (r = sshbuf_put_stringb(req, kex->my)) != 0) {
		sshbuf_free(req);
		return r;
	}
	*reqp = req;
	return 0;
}

/* Server: a client asks to resume a session */
static int
input_reconnect(int type, u_int32_t seq, struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_reconnect_msg m;
	struct sshbuf *req = NULL;
	const u_char *body;
	size_t len;
	u_int code = RESILIENT_UNKNOWN;
	int r;

	ssh_dispatch_set(ssh, SSH2_MSG_RESILIENT_RECONNECT, &kex_protocol_error);
	body = sshpkt_ptr(ssh, &len);
	if ((r = resilient_msg_get_reconnect(body, len, &m)) != 0)
		return refuse(ssh, "malformed reconnect message");
	if (rs->handoff != NULL) {
		/* The session lives in another process; only it can decide */
		if ((r = reconnect_request(ssh, &m, &req)) != 0)
			goto out;
		r = rs->handoff(ssh, req, &code, rs->handoff_ctx);
		sshbuf_free(req);
		if (r != 0)
			code = RESILIENT_FAILED;
	} else if (rs->lookup != NULL) {
		r = server_reconnect(ssh, rs->lookup(m.token, sizeof(m.token),
		    rs->lookup_ctx), &m, &code);
	}
	/* (m.share points into the packet: consumed only now) */
	if ((r = sshpkt_get(ssh, NULL, len)) != 0)
		goto out;
	if (code == RESILIENT_RESUMED)
		goto out;
	r = refuse(ssh, resilient_result_str(code));
 out:
	explicit_bzero(&m, sizeof(m));
	return r;
}

/*
 * Server, in the session's own process: a broker passed it the socket of
 * a new connection (fd) and the reconnect that arrived on it (req, made
 * by reconnect_request).  Rebuild that connection's key exchange, check
 * the reconnect against live and answer it.  On success *attp is the
 * attempt, to be completed and adopted; on failure nothing was sent and
 * *codep says why.  fd is consumed either way.
 */
int
resilient_attempt_server(struct ssh *live, int fd, struct sshbuf *req,
    struct ssh **attp, u_int *codep)
{
	struct resilient_reconnect_msg m;
	struct ssh *ssh = NULL;
	struct kex *kex;
	const u_char *token, *mac;
	size_t tlen, maclen;
	int r;

	*attp = NULL;
	*codep = RESILIENT_FAILED;
	memset(&m, 0, sizeof(m));
	if ((ssh = ssh_packet_set_connection(NULL, fd, fd)) == NULL) {
		close(fd);
		return SSH_ERR_ALLOC_FAIL;
	}
	kex = ssh->kex;
	kex->server = 1;
	kex->flags = KEX_INITIAL;
	if ((r = sshbuf_get_string_direct(req, &token, &tlen)) != 0 ||
	    (r = sshbuf_get_string_direct(req, &m.share, &m.share_len)) != 0 ||
	    (r = sshbuf_get_u64(req, &m.next)) != 0 ||
	    (r = sshbuf_get_string_direct(req, &mac, &maclen)) != 0 ||
	    (r = sshbuf_get_stringb(req, kex->client_version)) != 0 ||
	    (r = sshbuf_get_stringb(req, kex->server_version)) != 0 ||
	    (r = sshbuf_get_stringb(req, kex->peer)) != 0 ||
	    (r = sshbuf_get_stringb(req, kex->my)) != 0)
		goto out;
	if (tlen != RESILIENT_TOKEN_LEN || maclen > RESILIENT_MAC_MAX ||
	    m.share_len < RESILIENT_SHARE_MIN ||
	    m.share_len > RESILIENT_SHARE_MAX) {
		r = SSH_ERR_INVALID_FORMAT;
		goto out;
	}
	memcpy(m.token, token, tlen);
	memcpy(m.mac, mac, maclen);
	m.mac_len = maclen;
	/*
	 * The client's KEXINIT and version are parsed only once the MAC
	 * over their raw bytes checked (the pre-auth process, sandboxed,
	 * parsed them before).
	 */
	if ((r = resilient_enable(ssh, live->resilient->buffer_max)) != 0 ||
	    (r = server_verify(ssh, live, &m, codep)) != 0)
		goto out;
	*codep = RESILIENT_FAILED;
	if ((r = kex_choose_conf_resilient(ssh, 0)) != 0)
		goto out;
	if (kex->kex_type != KEX_RESILIENT || !kex->kex_strict) {
		r = SSH_ERR_NO_KEX_ALG_MATCH;
		goto out;
	}
	kex->flags &= ~KEX_INITIAL;
	kex->ext_info_c = kex->ext_info_s = 0;
	if ((r = server_answer(ssh, live, m.share, m.share_len, codep)) != 0)
		goto out;
	*attp = ssh;
	ssh = NULL;
 out:
	explicit_bzero(&m, sizeof(m));
	resilient_connection_free(ssh);
	return r;
}

/* KEX_RESILIENT: the key exchange method chosen on a reconnect */
int
resilient_kex_start(struct ssh *ssh)
{
	struct kex *kex = ssh->kex;
	struct resilient *rs = ssh->resilient;

	/* This connection continues a session: no ext-info, no session id */
	kex->flags &= ~KEX_INITIAL;
	kex->ext_info_c = kex->ext_info_s = 0;
	if (!kex->kex_strict) {
		error("resilient: reconnect without strict key exchange");
		return SSH_ERR_PROTOCOL_ERROR;
	}
	if (kex->server) {
		if (rs == NULL || !rs->offered)
			return SSH_ERR_INTERNAL_ERROR;
		ssh_dispatch_set(ssh, SSH2_MSG_RESILIENT_RECONNECT,
		    &input_reconnect);
		return 0;
	}
	if (rs == NULL || rs->attempt == NULL) {
		error("resilient: key exchange chose %s on a new session",
		    kex->name);
		return SSH_ERR_NO_KEX_ALG_MATCH;
	}
	return send_reconnect(ssh);
}

void
resilient_set_handoff(struct ssh *ssh, resilient_handoff_fn *handoff,
    void *ctx)
{
	if (ssh->resilient == NULL)
		return;
	ssh->resilient->handoff = handoff;
	ssh->resilient->handoff_ctx = ctx;
}

void
resilient_set_lookup(struct ssh *ssh, resilient_lookup_fn *lookup, void *ctx)
{
	if (ssh->resilient == NULL)
		return;
	ssh->resilient->lookup = lookup;
	ssh->resilient->lookup_ctx = ctx;
}

int
resilient_detach(struct ssh *ssh)
{
	struct resilient *rs;

	if (!resilient_resumable(ssh))
		return SSH_ERR_INVALID_ARGUMENT;
	rs = ssh->resilient;
	if (rs->detached_since == 0) {
		rs->detached_since = monotime();
		debug_f("session detached; %zu bytes unacknowledged",
		    resilient_buffer_bytes(rs->sent));
	}
	return 0;
}

int
resilient_attempt_client(struct ssh *ssh, struct ssh *live)
{
	struct resilient *rs = NULL;
	char **prop = NULL;
	int r;

	if (ssh == NULL || ssh->kex == NULL || ssh->resilient != NULL ||
	    (ssh->kex->flags & KEX_INIT_SENT) != 0 || !resilient_resumable(live))
		return SSH_ERR_INVALID_ARGUMENT;
	if ((rs = calloc(1, sizeof(*rs))) == NULL ||
	    (rs->attempt = attempt_new(0, live)) == NULL) {
		free(rs);
		return SSH_ERR_ALLOC_FAIL;
	}
	ssh->resilient = rs;
	/* Only the pseudo-method, and strict KEX; other lists as the session */
	if ((r = kex_buf2prop(live->kex->my, NULL, &prop)) != 0)
		goto out;
	free(prop[PROPOSAL_KEX_ALGS]);
	if ((prop[PROPOSAL_KEX_ALGS] = strdup(RESILIENT_KEX_NAME
	    ",kex-strict-c-v00@openssh.com")) == NULL) {
		r = SSH_ERR_ALLOC_FAIL;
		goto out;
	}
	sshbuf_reset(ssh->kex->my);
	if ((r = kex_prop2buf(ssh->kex->my, prop)) != 0)
		goto out;
	ssh->kex->kex[KEX_RESILIENT] = resilient_kex_start;
 out:
	if (prop != NULL) {
		kex_proposal_free_entries(prop);
		free(prop);
	}
	return r;
}

int
resilient_attempt_verified(const struct ssh *ssh)
{
	const struct resilient *rs = ssh == NULL ? NULL : ssh->resilient;

	return rs != NULL && rs->attempt != NULL && rs->attempt->verified &&
	    ssh->kex != NULL && ssh->kex->done;
}

struct ssh *
resilient_attempt_session(const struct ssh *ssh)
{
	if (!resilient_attempt_verified(ssh))
		return NULL;
	return ssh->resilient->attempt->live;
}

/* Forget a key exchange that the lost connection interrupted */
static void
reset_kex(struct ssh *ssh)
{
	struct kex *kex = ssh->kex;
	u_int mode;

	if (kex->done && (kex->flags & KEX_INIT_SENT) == 0 &&
	    sshbuf_len(kex->peer) == 0)
		return;
	debug_f("abandoning the key exchange in progress");
	for (mode = 0; mode < MODE_MAX; mode++) {
		kex_free_newkeys(kex->newkeys[mode]);
		kex->newkeys[mode] = NULL;
	}
	sshbuf_reset(kex->peer);
	/* the interrupted exchange's ephemeral keys */
#ifdef WITH_OPENSSL
	DH_free(kex->dh);
	kex->dh = NULL;
# ifdef OPENSSL_HAS_ECC
	EC_KEY_free(kex->ec_client_key);
	kex->ec_client_key = NULL;
# endif
#endif
	sshbuf_free(kex->client_pub);
	kex->client_pub = NULL;
	explicit_bzero(kex->c25519_client_key, sizeof(kex->c25519_client_key));
	explicit_bzero(kex->sntrup761_client_key,
	    sizeof(kex->sntrup761_client_key));
	explicit_bzero(kex->mlkem768_client_key,
	    sizeof(kex->mlkem768_client_key));
	kex->flags &= ~KEX_INIT_SENT;
	kex->done = 1;
	/* kex->name stays: upstream frees it at the next KEXINIT */
	ssh_dispatch_range(ssh, SSH2_MSG_TRANSPORT_MIN,
	    SSH2_MSG_TRANSPORT_MAX, &kex_protocol_error);
	ssh_dispatch_set(ssh, SSH2_MSG_KEXINIT, &kex_input_kexinit);
}

/*
 * Replay, in order and on the connection of out, every message that live
 * buffers from first on, after a SYNC if sync is set (PROTOCOL.resilient
 * 3.2).  out is live itself, or a connection live has not adopted yet.
 */
static int
replay(struct ssh *live, struct ssh *out, uint64_t first, int sync)
{
	struct resilient *rs = live->resilient;
	struct resilient_buffer_cursor cur;
	const u_char *msg;
	size_t len, bytes = 0;
	uint64_t seq;
	u_int n = 0;
	int r;

	/*
	 * A cursor from the oldest message: starting one at first would
	 * also release what comes before (as an ACK of first does), and
	 * the peer has not yet acknowledged it.
	 */
	if ((r = resilient_buffer_replay_start(rs->sent,
	    resilient_buffer_first(rs->sent), &cur)) != 0)
		return r;
	if (sync && (r = resilient_send_counter(out, SSH2_MSG_RESILIENT_SYNC,
	    first)) != 0)
		return r;
	for (;;) {
		if ((r = resilient_buffer_replay_next(rs->sent, &cur, &msg,
		    &len, &seq)) != 0)
			return r;
		if (msg == NULL)
			break;
		if (seq - resilient_buffer_first(rs->sent) <
		    first - resilient_buffer_first(rs->sent))
			continue;	/* before first */
		if (out == live)
			rs->replay_pending++;	/* numbered already */
		if ((r = resilient_send_message(out, msg, len)) != 0)
			return r;
		n++;
		bytes += len;
	}
	rs->stats.replayed_msgs += n;
	rs->stats.replayed_bytes += bytes;
	if (n != 0 || sync)
		verbose("resilient: %u messages (%zu bytes) replayed", n,
		    bytes);
	return 0;
}

int
resilient_adopt(struct ssh *live, struct ssh *attempt)
{
	struct resilient *rs;
	struct resilient_attempt *att;
	int r;

	if (!resilient_attempt_verified(attempt) ||
	    (att = attempt->resilient->attempt)->live != live ||
	    !resilient_resumable(live))
		return SSH_ERR_INVALID_ARGUMENT;
	rs = live->resilient;
	reset_kex(live);
	if ((r = ssh_packet_adopt_transport(live, attempt)) != 0)
		return r;
	/*
	 * The resume ratchets R.  The server has the client's NEWKEYS: the
	 * client holds the new R, and no other R can come back (4.2).
	 */
	if ((r = resilient_set_secret(rs, att->next_secret)) != 0)
		return r;
	if (att->server) {
		resilient_forget_prev(rs);
		resilient_forget_next(rs);
	}
	rs->resumes++;
	rs->detached_since = 0;
	rs->unacked_bytes = 0;
	/* The peer's replay may repeat what the old connection brought */
	rs->sync_floor = att->my_next;
	rs->expect_sync = 1;
	debug_f("peer expects %llu, we expect %llu; buffer [%llu, %llu]%s",
	    (unsigned long long)att->peer_next,
	    (unsigned long long)att->my_next,
	    (unsigned long long)resilient_buffer_first(rs->sent),
	    (unsigned long long)resilient_buffer_next(rs->sent),
	    att->early ? ", replayed early" : "");
	/* The peer's counter acknowledges what came before it */
	if (replay_from(live, att->peer_next) == att->peer_next &&
	    (r = resilient_buffer_ack(rs->sent, att->peer_next)) != 0)
		return r;
	/* What the reply did not carry yet, or everything the peer lacks */
	rs->resuming = 1;
	if (att->early)
		r = replay(live, live, att->early_next, 0);
	else
		r = replay(live, live, replay_from(live, att->peer_next), 1);
	rs->resuming = 0;
	if (r != 0 || (r = resilient_held_release(live)) != 0)
		return r;
	if (att->have_sync && (r = sync_apply(live, att->sync_first)) != 0)
		return r;
	verbose("resilient: session resumed");
	debug_f("adopted new connection, resume %u", rs->resumes);
	return 0;
}

/* The peer's SYNC says its replay starts at first: what to drop */
static int
sync_apply(struct ssh *ssh, uint64_t first)
{
	struct resilient *rs = ssh->resilient;

	/* sync_floor <= first <= recv_next, in the window from the floor */
	if (first - rs->sync_floor > rs->recv_next - rs->sync_floor) {
		debug_f("SYNC %llu outside [%llu, %llu]",
		    (unsigned long long)first,
		    (unsigned long long)rs->sync_floor,
		    (unsigned long long)rs->recv_next);
		return resilient_protocol_error(ssh, "SYNC out of range");
	}
	rs->expect_sync = 0;
	rs->skip = rs->recv_next - first;
	if (rs->skip != 0)
		debug_f("%llu replayed messages arrived before",
		    (unsigned long long)rs->skip);
	return 0;
}

int
resilient_input_sync(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_attempt *att = rs->attempt;
	const u_char *body;
	size_t len;
	uint64_t first;
	int r;

	body = sshpkt_ptr(ssh, &len);
	if (resilient_msg_get_counter(body, len, &first) != 0)
		return resilient_protocol_error(ssh, "malformed SYNC");
	/* On a connection not yet adopted: kept for the adoption */
	if (att != NULL && att->verified && ssh->kex->done &&
	    !att->have_sync) {
		att->have_sync = 1;
		att->sync_first = first;
		return sshpkt_get(ssh, NULL, len);
	}
	if (!rs->active || !rs->expect_sync)
		return resilient_protocol_error(ssh, "unexpected SYNC");
	if ((r = sshpkt_get(ssh, NULL, len)) != 0)
		return r;
	return sync_apply(ssh, first);
}
