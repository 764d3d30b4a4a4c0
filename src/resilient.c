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
 * Session state of the resilient-sessions extension and the hooks that
 * upstream's key exchange calls: offering the pseudo-algorithm,
 * deciding whether both sides support it, and keeping the resume secret
 * (PROTOCOL.resilient sections 1 and 4).
 */

#include "includes.h"

#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "openbsd-compat/sys-queue.h"

#include "log.h"
#include "misc.h"
#include "ssherr.h"
#include "sshbuf.h"
#include "digest.h"
#include "kex.h"
#include "packet.h"

#include "ssh2.h"
#include "dispatch.h"

#include "resilient.h"
#include "resilient-int.h"
#include "resilient-buffer.h"
#include "resilient-kdf.h"
#include "resilient-share.h"
#include "resilient-msg.h"
#include "resilient-proto.h"


static int
is_server(const struct ssh *ssh)
{
	return ssh->kex != NULL && ssh->kex->server;
}

/* A message held back while resuming (PROTOCOL.resilient 3.2) */
struct resilient_held {
	TAILQ_ENTRY(resilient_held) next;
	size_t	len;
	u_char	*data;		/* type byte first */
};
TAILQ_HEAD(resilient_held_list, resilient_held);

int
resilient_enable(struct ssh *ssh, size_t buffer_max)
{
	struct resilient *rs;

	if (ssh == NULL || buffer_max < RESILIENT_BUFFER_MIN_MAX ||
	    buffer_max > RESILIENT_BUFFER_MAX_MAX)
		return SSH_ERR_INVALID_ARGUMENT;
	if (ssh->resilient != NULL)
		return SSH_ERR_INTERNAL_ERROR;
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	rs->offered = 1;
	rs->buffer_max = buffer_max;
	rs->ack_bytes = RESILIENT_ACK_BYTES;
	ssh->resilient = rs;
	/* A reconnect arrives as a key exchange with our pseudo-method */
	if (ssh->kex != NULL)
		ssh->kex->kex[KEX_RESILIENT] = resilient_kex_start;
	return 0;
}

void
resilient_free(struct ssh *ssh)
{
	if (ssh == NULL || ssh->resilient == NULL)
		return;
	resilient_buffer_free(ssh->resilient->sent);
	resilient_held_free(ssh->resilient);
	resilient_attempt_free(ssh->resilient->attempt);
	resilient_client_free(ssh->resilient);
	resilient_server_free(ssh->resilient);
	if (ssh->resilient->has_link)
		close(ssh->resilient->link);
	free(ssh->resilient->first_remote);
	free(ssh->resilient->first_local);
	freezero(ssh->resilient, sizeof(*ssh->resilient));
	ssh->resilient = NULL;
}

void
resilient_retire_addrs(struct ssh *ssh, char *remote, char *local)
{
	struct resilient *rs = ssh->resilient;

	if (rs == NULL || rs->addrs_retired) {
		free(remote);
		free(local);
		return;
	}
	rs->first_remote = remote;
	rs->first_local = local;
	rs->addrs_retired = 1;
}

int
resilient_negotiated(const struct ssh *ssh)
{
	return ssh != NULL && ssh->resilient != NULL &&
	    ssh->resilient->negotiated;
}

int
resilient_kex_proposal(struct ssh *ssh, char **kexalgsp)
{
	char *cp;

	if (ssh->resilient == NULL || !ssh->resilient->offered)
		return 0;
	if (kexalgsp == NULL || *kexalgsp == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((cp = kex_names_cat(*kexalgsp, RESILIENT_KEX_NAME)) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	free(*kexalgsp);
	*kexalgsp = cp;
	return 0;
}

int
resilient_kex_negotiate(struct ssh *ssh, const char *my_kexalgs,
    const char *peer_kexalgs)
{
	struct resilient *rs = ssh->resilient;

	if (rs == NULL || rs->attempt != NULL)
		return 0;
	rs->negotiated = rs->offered && my_kexalgs != NULL &&
	    peer_kexalgs != NULL &&
	    kex_has_any_alg(my_kexalgs, RESILIENT_KEX_NAME) &&
	    kex_has_any_alg(peer_kexalgs, RESILIENT_KEX_NAME);
	/*
	 * Said once per connection, at its first key exchange: a rekey
	 * changes nothing.  A reconnect lists the algorithm first (alone
	 * but for kex-strict), which the log says instead.
	 */
	if (ssh->kex != NULL && (ssh->kex->flags & KEX_INITIAL) == 0)
		debug3_f("resilient sessions still %s", rs->negotiated ?
		    "negotiated" : "not supported by peer");
	else if (rs->negotiated && strncmp(peer_kexalgs, RESILIENT_KEX_NAME,
	    strlen(RESILIENT_KEX_NAME)) == 0)
		debug_f("resilient sessions negotiated, for a reconnect");
	else
		debug_f("resilient sessions %s",
		    rs->negotiated ? "negotiated" : "not supported by peer");
	return 0;
}

int
resilient_kex_derive(struct ssh *ssh, const u_char *hash, size_t hashlen,
    const struct sshbuf *shared_secret)
{
	struct resilient *rs = ssh->resilient;
	struct kex *kex = ssh->kex;
	u_char next[RESILIENT_SECRET_MAX];
	size_t len;
	int r;

	/* A reconnect derives its keys itself (PROTOCOL.resilient 4.4) */
	if (rs == NULL || !rs->negotiated || rs->attempt != NULL)
		return 0;
	if (kex == NULL || hash == NULL || shared_secret == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((kex->flags & KEX_INITIAL) != 0) {
		if (rs->epoch != 0)
			return SSH_ERR_INTERNAL_ERROR;
		rs->hash_alg = kex->hash_alg;
		/* a resume exchanges keys of the same family (3.1) */
		rs->share_kind = resilient_share_kind(kex->kex_type);
		rs->share_nid = kex->ec_nid;
		len = ssh_digest_bytes(rs->hash_alg);
		if (len < RESILIENT_MAC_MIN || len > sizeof(rs->secret)) {
			/* Both sides see the same method: both turn it off */
			verbose_f("resilient sessions unavailable with %s",
			    kex->name);
			rs->negotiated = 0;
			return 0;
		}
		rs->secret_len = len;
		if ((r = resilient_kdf_resume_secret(rs->hash_alg,
		    shared_secret, hash, hashlen, sshbuf_ptr(kex->session_id),
		    sshbuf_len(kex->session_id), next, rs->secret_len)) == 0)
			r = resilient_set_secret(rs, next);
	} else {
		if (rs->epoch == 0)
			return SSH_ERR_INTERNAL_ERROR;
		if ((r = resilient_kdf_ratchet(rs->hash_alg, shared_secret,
		    hash, hashlen, rs->secret, rs->secret_len,
		    next, rs->secret_len)) == 0)
			r = is_server(ssh) ? resilient_advance(ssh, next) :
			    resilient_set_secret(rs, next);
		/* Its NEWKEYS will tell the server that we stay here (4.2) */
		if (r == 0 && !is_server(ssh))
			resilient_client_rekeyed(ssh);
	}
	explicit_bzero(next, sizeof(next));
	if (r != 0)
		return r;
	debug_f("resume secret at epoch %u", rs->epoch);
	return 0;
}

/* Make next the session's R, with its token; the epoch advances */
int
resilient_set_secret(struct resilient *rs, const u_char *next)
{
	int r;

	memcpy(rs->secret, next, rs->secret_len);
	if ((r = resilient_kdf_token(rs->hash_alg, rs->secret,
	    rs->secret_len, rs->token, sizeof(rs->token))) != 0) {
		explicit_bzero(rs->secret, sizeof(rs->secret));
		return r;
	}
	rs->epoch++;
	return 0;
}

int
resilient_advance(struct ssh *ssh, const u_char *next)
{
	struct resilient *rs = ssh->resilient;

	memcpy(rs->prev_secret, rs->secret, rs->secret_len);
	memcpy(rs->prev_token, rs->token, sizeof(rs->token));
	rs->has_prev = 1;
	return resilient_set_secret(rs, next);
}

void
resilient_forget_prev(struct resilient *rs)
{
	if (!rs->has_prev)
		return;
	explicit_bzero(rs->prev_secret, sizeof(rs->prev_secret));
	explicit_bzero(rs->prev_token, sizeof(rs->prev_token));
	rs->has_prev = 0;
}

int
resilient_set_next(struct resilient *rs, const u_char *next)
{
	int r;

	memcpy(rs->next_secret, next, rs->secret_len);
	if ((r = resilient_kdf_token(rs->hash_alg, rs->next_secret,
	    rs->secret_len, rs->next_token, sizeof(rs->next_token))) != 0) {
		resilient_forget_next(rs);
		return r;
	}
	rs->has_next = 1;
	return 0;
}

void
resilient_forget_next(struct resilient *rs)
{
	explicit_bzero(rs->next_secret, sizeof(rs->next_secret));
	explicit_bzero(rs->next_token, sizeof(rs->next_token));
	rs->has_next = 0;
}

int
resilient_token_matches(const struct ssh *ssh, const u_char *token,
    size_t len)
{
	const struct resilient *rs;
	int cur, prev, next;

	if (ssh == NULL || (rs = ssh->resilient) == NULL || !rs->negotiated ||
	    rs->epoch == 0 || token == NULL || len != RESILIENT_TOKEN_LEN)
		return 0;
	cur = timingsafe_bcmp(rs->token, token, len) == 0;
	prev = rs->has_prev && timingsafe_bcmp(rs->prev_token, token, len) == 0;
	next = rs->has_next && timingsafe_bcmp(rs->next_token, token, len) == 0;
	return cur || prev || next;
}

int
resilient_token(const struct ssh *ssh, const u_char **tokenp, size_t *lenp)
{
	if (tokenp != NULL)
		*tokenp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if (tokenp == NULL || lenp == NULL || !resilient_negotiated(ssh) ||
	    ssh->resilient->epoch == 0)
		return SSH_ERR_INVALID_ARGUMENT;
	*tokenp = ssh->resilient->token;
	*lenp = sizeof(ssh->resilient->token);
	return 0;
}

u_int
resilient_epoch(const struct ssh *ssh)
{
	return ssh == NULL || ssh->resilient == NULL ? 0 :
	    ssh->resilient->epoch;
}

/* Drop the connection with a reason the peer and the log both see */
int
resilient_protocol_error(struct ssh *ssh, const char *why)
{
	int r;

	error("resilient: %s", why);
	if ((r = sshpkt_disconnect(ssh, "resilient: %s", why)) == 0)
		(void)ssh_packet_write_wait(ssh);
	return SSH_ERR_PROTOCOL_ERROR;
}

/*
 * Start counting: the user authentication protocol has completed.  Only
 * now is any resumable state allocated.
 */
static int
resilient_activate(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;

	if (rs->active)
		return SSH_ERR_PROTOCOL_ERROR;
	if ((rs->sent = resilient_buffer_new(rs->buffer_max, 0)) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	rs->active = 1;
	rs->recv_next = 0;
	rs->unacked_bytes = 0;
	debug_f("counting messages; replay buffer cap %zu bytes",
	    rs->buffer_max);
	return 0;
}

int
resilient_packet_sent(struct ssh *ssh, u_char type, const u_char *msg,
    size_t len)
{
	struct resilient *rs = ssh->resilient;
	int r;

	if (rs == NULL || !rs->negotiated)
		return 0;
	if (!rs->active) {
		if (type == SSH2_MSG_USERAUTH_SUCCESS && is_server(ssh))
			return resilient_activate(ssh);
		return 0;
	}
	if (!RESILIENT_IS_COUNTED(type))
		return 0;
	if (msg == NULL || len == 0 || msg[0] != type)
		return SSH_ERR_INTERNAL_ERROR;
	if (rs->replay_pending > 0) {
		/* a replayed message, already buffered with its counter */
		rs->replay_pending--;
		return 0;
	}
	if ((r = resilient_buffer_append(rs->sent, msg, len, NULL)) != 0) {
		error_fr(r, "replay buffer full (%zu bytes held, cap %zu)",
		    resilient_buffer_bytes(rs->sent), rs->buffer_max);
		return r;
	}
	rs->stats.sent_msgs++;
	rs->stats.sent_bytes += len;
	if (resilient_buffer_bytes(rs->sent) > rs->stats.buffer_peak)
		rs->stats.buffer_peak = resilient_buffer_bytes(rs->sent);
	return 0;
}

int
resilient_packet_received(struct ssh *ssh, u_char type, size_t len)
{
	struct resilient *rs = ssh->resilient;

	if (rs == NULL)
		return 0;
	/* (a refusal: the packet layer ends the attempt after this) */
	if (type == SSH2_MSG_DISCONNECT && rs->attempt != NULL)
		resilient_attempt_disconnect(ssh);
	if (!rs->negotiated)
		return 0;
	rs->rx_fresh = 1;	/* the peer is alive; resilient_stamp() */
	if (!rs->active) {
		if (type == SSH2_MSG_USERAUTH_SUCCESS && !is_server(ssh))
			return resilient_activate(ssh);
		return 0;
	}
	if (type == SSH2_MSG_NEWKEYS && is_server(ssh)) {
		/*
		 * The client has the secret of this key exchange too, and
		 * gave up any reconnect it had not completed (4.2).
		 */
		resilient_forget_prev(rs);
		if (rs->has_next || rs->pending != NULL)
			debug_f("client rekeyed here; dropping the reconnect "
			    "in progress");
		resilient_forget_next(rs);
		resilient_server_free(rs);
		return 0;
	}
	if (!RESILIENT_IS_COUNTED(type))
		return 0;
	if (rs->skip > 0) {
		/* came over the old connection already (3.2) */
		rs->skip--;
		rs->drop = 1;
		return 0;
	}
	if (rs->unacked_bytes == 0)
		rs->unacked_since = 0;		/* resilient_stamp() sets it */
	rs->recv_next++;
	rs->stats.recv_msgs++;
	rs->stats.recv_bytes += 1 + len;
	rs->unacked_bytes += 1 + len;
	/*
	 * In bulk, one ACK per RESILIENT_ACK_BULK_MS (resilient_ack_tick,
	 * once per pass of the main loop) or per RESILIENT_ACK_BYTES_MAX,
	 * whichever comes first: each ACK costs both sides a packet, and a
	 * sender held back by its cap (at least four intervals) waits
	 * RESILIENT_ACK_BULK_MS at most.  A peer that closed a channel may
	 * be about to leave: tell it now.
	 */
	if (rs->unacked_bytes >= RESILIENT_ACK_BYTES_MAX ||
	    type == SSH2_MSG_CHANNEL_CLOSE)
		return resilient_send_ack(ssh);
	return 0;
}

void
resilient_connection_free(struct ssh *ssh)
{
	if (ssh == NULL)
		return;
	ssh_packet_close(ssh);
	free(ssh);
}

int
resilient_send_ack(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	int r;

	if (rs == NULL || !rs->active || rs->unacked_bytes == 0)
		return 0;
	if ((r = resilient_send_counter(ssh, SSH2_MSG_RESILIENT_ACK,
	    rs->recv_next)) != 0)
		return r;
	rs->unacked_bytes = 0;
	rs->stats.acks_sent++;
	debug3_f("acknowledged up to %llu",
	    (unsigned long long)rs->recv_next);
	return 0;
}

int
resilient_send_counter(struct ssh *ssh, u_char type, uint64_t value)
{
	struct sshbuf *b;
	int r;

	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = resilient_msg_put_counter(b, value)) == 0 &&
	    (r = sshpkt_start(ssh, type)) == 0 &&
	    (r = sshpkt_putb(ssh, b)) == 0)
		r = sshpkt_send(ssh);
	sshbuf_free(b);
	return r;
}

int
resilient_send_message(struct ssh *ssh, const u_char *msg, size_t len)
{
	int r;

	if (len == 0)
		return SSH_ERR_INTERNAL_ERROR;
	if ((r = sshpkt_start(ssh, msg[0])) != 0 ||
	    (r = sshpkt_put(ssh, msg + 1, len - 1)) != 0)
		return r;
	return sshpkt_send(ssh);
}

int
resilient_packet_input(struct ssh *ssh, u_char type, int *handledp)
{
	struct resilient *rs = ssh->resilient;
	const u_char *body;
	size_t len;
	uint64_t next;
	int r;

	*handledp = 0;
	if (rs != NULL && rs->drop) {
		rs->drop = 0;
		*handledp = 1;
		body = sshpkt_ptr(ssh, &len);
		return sshpkt_get(ssh, NULL, len);
	}
	if (rs == NULL || (type != SSH2_MSG_RESILIENT_ACK &&
	    type != SSH2_MSG_RESILIENT_SYNC))
		return 0;
	/* a reconnect's connection may see the peer's SYNC early */
	if (!rs->negotiated && rs->attempt == NULL)
		return 0;
	*handledp = 1;
	if (type == SSH2_MSG_RESILIENT_SYNC)
		return resilient_input_sync(ssh);
	if (!rs->active)
		return resilient_protocol_error(ssh, "ACK before authentication");
	body = sshpkt_ptr(ssh, &len);
	if ((r = resilient_msg_get_counter(body, len, &next)) != 0)
		return resilient_protocol_error(ssh, "malformed ACK");
	if ((r = sshpkt_get(ssh, NULL, len)) != 0)
		return r;
	if ((r = resilient_buffer_ack(rs->sent, next)) != 0) {
		debug_f("ACK %llu outside [%llu, %llu]",
		    (unsigned long long)next,
		    (unsigned long long)resilient_buffer_first(rs->sent),
		    (unsigned long long)resilient_buffer_next(rs->sent));
		return resilient_protocol_error(ssh, "ACK for data never sent");
	}
	rs->stats.acks_received++;
	debug3_f("peer acknowledged up to %llu", (unsigned long long)next);
	return 0;
}

int
resilient_can_send_data(const struct ssh *ssh)
{
	const struct resilient *rs = ssh->resilient;

	if (rs == NULL || !rs->active)
		return 1;
	if (rs->resuming)
		return 0;
	return resilient_buffer_has_room(rs->sent);
}

void
resilient_get_stats(const struct ssh *ssh, struct resilient_stats *st)
{
	const struct resilient *rs;

	memset(st, 0, sizeof(*st));
	if (ssh == NULL || (rs = ssh->resilient) == NULL)
		return;
	*st = rs->stats;
	st->active = rs->active;
	if (rs->sent != NULL) {
		st->buffer_bytes = resilient_buffer_bytes(rs->sent);
		st->buffer_msgs = resilient_buffer_count(rs->sent);
	}
	st->recv_next = rs->recv_next;
	st->resumes = rs->resumes;
	st->epoch = rs->epoch;
	st->held_bytes = rs->held_bytes;
	st->resuming = rs->resuming;
	st->detached_since = rs->detached_since;
}

int
resilient_ack_deadline_ms(const struct ssh *ssh)
{
	const struct resilient *rs = ssh->resilient;
	double left, now;

	if (rs == NULL || !rs->active || rs->unacked_bytes == 0)
		return -1;
	now = monotime_double();
	left = (rs->unacked_since == 0 ? now : rs->unacked_since) +
	    (rs->unacked_bytes >= rs->ack_bytes ?
	    RESILIENT_ACK_BULK_MS : RESILIENT_ACK_DELAY_MS) / 1000.0 - now;
	return left <= 0 ? 0 : (int)(left * 1000.0) + 1;
}

/*
 * When the last packet came in, and the oldest unacknowledged one, are
 * taken here, once per pass of a main loop, rather than per message: on
 * a virtual machine whose clock source needs a system call, a clock read
 * per message cost more CPU than all the rest of the counting.  Packets
 * are read just before the loop's next pass, so the error is the time
 * taken to process them.
 */
void
resilient_stamp(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;

	if (rs == NULL || !rs->rx_fresh)
		return;
	rs->rx_fresh = 0;
	rs->last_rx = monotime_double();
	if (rs->unacked_bytes != 0 && rs->unacked_since == 0)
		rs->unacked_since = rs->last_rx;
}

/* Half the time an ACK may wait, in ms (interactive or bulk) */
static int
half_due(const struct resilient *rs)
{
	return (rs->unacked_bytes >= rs->ack_bytes ?
	    RESILIENT_ACK_BULK_MS : RESILIENT_ACK_DELAY_MS) / 2;
}

int
resilient_ack_tick(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	int ms;

	resilient_stamp(ssh);
	if (rs == NULL || (ms = resilient_ack_deadline_ms(ssh)) == -1)
		return 0;
	/*
	 * Due, or half due while other packets are about to leave: an ACK
	 * that goes with them costs no TCP segment of its own, and riding
	 * only once half due it does not add its bytes to every keystroke
	 * (PROTOCOL.resilient 2.3)
	 */
	if (ms == 0 || (rs->detached_since == 0 && ms <= half_due(rs) &&
	    ssh_packet_have_data_to_write(ssh)))
		return resilient_send_ack(ssh);
	return 0;
}

int
resilient_loop_prepare(struct ssh *ssh, struct timespec *timeout)
{
	int r, ms;

	resilient_stamp(ssh);
	if ((r = resilient_ack_tick(ssh)) != 0 ||
	    (r = resilient_server_register(ssh)) != 0)
		return r;
	if ((ms = resilient_ack_deadline_ms(ssh)) >= 0)
		ptimeout_deadline_ms(timeout, ms);
	if ((ms = resilient_server_deadline(ssh)) >= 0)
		ptimeout_deadline_sec(timeout, ms);
	if ((ms = resilient_client_deadline_ms(ssh)) >= 0)
		ptimeout_deadline_ms(timeout, ms);
	return 0;
}

/*
 * Privilege separation moves the transport from sshd-auth to the
 * post-authentication child as a blob (ssh_packet_get_state).  The
 * extension's state travels with it, right after authentication, when
 * nothing counted can have been sent yet.
 */
int
resilient_state_put(const struct ssh *ssh, struct sshbuf *m)
{
	const struct resilient *rs = ssh->resilient;
	int r;

	if (rs == NULL)
		return sshbuf_put_u8(m, 0);
	if (rs->sent != NULL && resilient_buffer_count(rs->sent) != 0)
		return SSH_ERR_INTERNAL_ERROR;
	if ((r = sshbuf_put_u8(m, 1)) != 0 ||
	    (r = sshbuf_put_u8(m, rs->offered)) != 0 ||
	    (r = sshbuf_put_u8(m, rs->negotiated)) != 0 ||
	    (r = sshbuf_put_u8(m, rs->active)) != 0 ||
	    (r = sshbuf_put_u32(m, (u_int32_t)rs->hash_alg)) != 0 ||
	    (r = sshbuf_put_u32(m, (u_int32_t)rs->share_kind)) != 0 ||
	    (r = sshbuf_put_u32(m, (u_int32_t)rs->share_nid)) != 0 ||
	    (r = sshbuf_put_u32(m, rs->epoch)) != 0 ||
	    (r = sshbuf_put_u64(m, rs->buffer_max)) != 0 ||
	    (r = sshbuf_put_u64(m, rs->recv_next)) != 0 ||
	    (r = sshbuf_put_u64(m, rs->sent == NULL ? 0 :
	    resilient_buffer_next(rs->sent))) != 0 ||
	    (r = sshbuf_put_string(m, rs->secret, rs->secret_len)) != 0 ||
	    (r = sshbuf_put_string(m, rs->token, sizeof(rs->token))) != 0)
		return r;
	return 0;
}

int
resilient_state_get(struct ssh *ssh, struct sshbuf *m)
{
	struct resilient *rs = NULL;
	u_char present, offered, negotiated, active;
	u_int32_t hash_alg, share_kind, share_nid, epoch;
	u_int64_t buffer_max, recv_next, send_next;
	const u_char *secret, *token;
	size_t secret_len, token_len;
	int r;

	if ((r = sshbuf_get_u8(m, &present)) != 0)
		return r;
	if (present == 0)
		return 0;
	if (present != 1 || ssh->resilient != NULL)
		return SSH_ERR_INVALID_FORMAT;
	if ((r = sshbuf_get_u8(m, &offered)) != 0 ||
	    (r = sshbuf_get_u8(m, &negotiated)) != 0 ||
	    (r = sshbuf_get_u8(m, &active)) != 0 ||
	    (r = sshbuf_get_u32(m, &hash_alg)) != 0 ||
	    (r = sshbuf_get_u32(m, &share_kind)) != 0 ||
	    (r = sshbuf_get_u32(m, &share_nid)) != 0 ||
	    (r = sshbuf_get_u32(m, &epoch)) != 0 ||
	    (r = sshbuf_get_u64(m, &buffer_max)) != 0 ||
	    (r = sshbuf_get_u64(m, &recv_next)) != 0 ||
	    (r = sshbuf_get_u64(m, &send_next)) != 0 ||
	    (r = sshbuf_get_string_direct(m, &secret, &secret_len)) != 0 ||
	    (r = sshbuf_get_string_direct(m, &token, &token_len)) != 0)
		return r;
	if (buffer_max < RESILIENT_BUFFER_MIN_MAX ||
	    buffer_max > RESILIENT_BUFFER_MAX_MAX ||
	    secret_len > RESILIENT_SECRET_MAX ||
	    token_len != RESILIENT_TOKEN_LEN)
		return SSH_ERR_INVALID_FORMAT;
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	rs->offered = offered != 0;
	rs->negotiated = negotiated != 0;
	rs->hash_alg = (int)hash_alg;
	rs->share_kind = (int)share_kind;
	rs->share_nid = (int)share_nid;
	rs->epoch = epoch;
	rs->buffer_max = (size_t)buffer_max;
	rs->ack_bytes = RESILIENT_ACK_BYTES;
	rs->secret_len = secret_len;
	memcpy(rs->secret, secret, secret_len);
	memcpy(rs->token, token, token_len);
	rs->recv_next = recv_next;
	if (active) {
		if ((rs->sent = resilient_buffer_new(rs->buffer_max,
		    send_next)) == NULL) {
			freezero(rs, sizeof(*rs));
			return SSH_ERR_ALLOC_FAIL;
		}
		rs->active = 1;
	}
	ssh->resilient = rs;
	return 0;
}

int
resilient_kex_choose(struct kex *kex)
{
	/*
	 * The handshake's hash is the session's, known once the session is
	 * found; SHA-256 stands in until then and derives nothing.
	 */
	kex->kex_type = KEX_RESILIENT;
	kex->hash_alg = SSH_DIGEST_SHA256;
	kex->ec_nid = -1;
	return 0;
}

/*
 * While a resumed session replays, counted messages are held back so
 * that none overtakes the replay (PROTOCOL.resilient 3.2).  "force" holds
 * any message but ACKs and SYNCs, for packets that were queued on the old
 * connection.  The cap is the buffer's headroom.
 */
int
resilient_packet_hold(struct ssh *ssh, int force, const u_char *msg,
    size_t len, int *heldp)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_held *h;

	*heldp = 0;
	if (rs == NULL || !rs->active || len == 0 || msg == NULL)
		return 0;
	if (force) {
		if (msg[0] == SSH2_MSG_RESILIENT_ACK ||
		    msg[0] == SSH2_MSG_RESILIENT_SYNC)
			return 0;	/* superseded by the SYNC */
	} else if (!rs->resuming || rs->replay_pending > 0 ||
	    !RESILIENT_IS_COUNTED(msg[0]))
		return 0;
	if (len > RESILIENT_BUFFER_SLACK - rs->held_bytes) {
		error_f("too much held back while resuming (%zu bytes)",
		    rs->held_bytes);
		return SSH_ERR_NO_BUFFER_SPACE;
	}
	if (rs->held == NULL) {
		if ((rs->held = calloc(1, sizeof(*rs->held))) == NULL)
			return SSH_ERR_ALLOC_FAIL;
		TAILQ_INIT(rs->held);
	}
	if ((h = calloc(1, sizeof(*h) + len)) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	h->len = len;
	h->data = (u_char *)(h + 1);
	memcpy(h->data, msg, len);
	TAILQ_INSERT_TAIL(rs->held, h, next);
	rs->held_bytes += len;
	*heldp = 1;
	debug3_f("held back type %u while resuming", msg[0]);
	return 0;
}

/* Send, in order, what was held back; the session must not be resuming */
int
resilient_held_release(struct ssh *ssh)
{
	struct resilient *rs = ssh->resilient;
	struct resilient_held *h;
	int r;

	if (rs->held == NULL)
		return 0;
	while ((h = TAILQ_FIRST(rs->held)) != NULL) {
		TAILQ_REMOVE(rs->held, h, next);
		rs->held_bytes -= h->len;
		r = resilient_send_message(ssh, h->data, h->len);
		freezero(h, sizeof(*h) + h->len);
		if (r != 0)
			return r;
	}
	return 0;
}

void
resilient_held_free(struct resilient *rs)
{
	struct resilient_held *h;

	if (rs == NULL || rs->held == NULL)
		return;
	while ((h = TAILQ_FIRST(rs->held)) != NULL) {
		TAILQ_REMOVE(rs->held, h, next);
		freezero(h, sizeof(*h) + h->len);
	}
	free(rs->held);
	rs->held = NULL;
	rs->held_bytes = 0;
}
