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
 * Harness: resilient_attempt_server(), in a detached session's process,
 * which takes a reconnect handed over to it with the new
 * connection's socket (src/resilient-reconnect.c).  It parses the
 * request (string token, string share, uint64 next, string client_mac,
 * then the new connection's version strings and KEXINITs, client's
 * first, as reconnect_request() packs them), checks the MAC, chooses the
 * connection's algorithms from the two KEXINITs, answers the client's
 * key share and keeps the R that the resume would give.
 *
 * The input is two bytes of settings, then the request.  The first byte
 * makes the session: its hash (SHA-256, SHA-384, SHA-512, or SHA-1,
 * which no session has but a state from sshd-auth may claim), the kind
 * of its resume exchange, whether it is detached (its replay then goes
 * with the reply), and whether it has a previous and a "next" R.  So
 * that the fuzzer gets past what no input passes by chance, the second
 * byte says how the harness mends the request before handing it over:
 * name one of the session's tokens, put in a valid share of the
 * session's kind, and compute client_mac over the result; its high
 * nibble is the number of messages the session has buffered.
 *
 * Invariants: the request is resumed (RESILIENT_RESUMED) exactly when the
 * call succeeds, and only then is a connection returned; a failure
 * changes nothing in the session; after a success the token that was
 * proven still names the session, which now holds the R the resume
 * would give.
 */

#include "includes.h"

#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef WITH_OPENSSL
#include <openssl/objects.h>
#endif

#include "sshbuf.h"
#include "ssherr.h"
#include "digest.h"
#include "kex.h"
#include "packet.h"

#include "resilient.h"
#include "resilient-int.h"
#include "resilient-broker.h"
#include "resilient-buffer.h"
#include "resilient-kdf.h"
#include "resilient-proto.h"
#include "resilient-share.h"

#include "fuzz-common.h"

#define MSG_TYPE	94		/* SSH2_MSG_CHANNEL_DATA: counted */
#define RECV_NEXT	1000		/* what the session expects next */
#define SEND_NEXT	(UINT64_MAX - 7)	/* its counters wrap soon */

/* Settings, first byte */
#define S_HASH(b)	((b) & 0x03)
#define S_SHARE(b)	(((b) >> 2) & 0x07)
#define S_DETACHED	0x20
#define S_PREV		0x40
#define S_NEXT		0x80
/* Settings, second byte */
#define M_TOKEN(b)	((b) & 0x03)	/* 0 as is, else which R */
#define M_SHARE		0x04
#define M_MAC		0x08
#define M_NMSGS(b)	((b) >> 4)

enum slot { SLOT_NONE, SLOT_CURRENT, SLOT_PREV, SLOT_NEXT };

static const int hashes[] = {
	SSH_DIGEST_SHA256, SSH_DIGEST_SHA384, SSH_DIGEST_SHA512,
	SSH_DIGEST_SHA1,
};

/* The resume exchanges, and a valid client share of each */
static struct share {
	int	kind;
	int	nid;
	struct sshbuf *client_pub;
} shares[] = {
	{ RESILIENT_SHARE_X25519, -1, NULL },
#ifdef OPENSSL_HAS_ECC
	{ RESILIENT_SHARE_ECDH, NID_X9_62_prime256v1, NULL },
	{ RESILIENT_SHARE_ECDH, NID_secp384r1, NULL },
# ifdef OPENSSL_HAS_NISTP521
	{ RESILIENT_SHARE_ECDH, NID_secp521r1, NULL },
# endif
#endif
	{ RESILIENT_SHARE_SNTRUP761X25519, -1, NULL },
	{ RESILIENT_SHARE_MLKEM768X25519, -1, NULL },
};
#define NSHARES		(sizeof(shares) / sizeof(shares[0]))

/* The session's secrets: first R, the R of a rekey, a resume's R */
static u_char secrets[3][RESILIENT_SECRET_MAX];

static const u_char session_id[] = "fuzz_attempt_server session";

/* The request, as reconnect_request() packs it; pointers into the input */
struct request {
	const u_char *token, *share, *mac, *vc, *vs, *kc, *ks, *rest;
	size_t	tokenlen, sharelen, maclen, vclen, vslen, kclen, kslen;
	size_t	restlen;
	uint64_t next;
};

int
LLVMFuzzerInitialize(int *argcp, char ***argvp)
{
	struct kex *kex;
	size_t i;

	fuzz_log_init("fuzz_attempt_server");
	for (i = 0; i < 3; i++)
		memset(secrets[i], 0x11 * (i + 1), sizeof(secrets[i]));
	for (i = 0; i < NSHARES; i++) {
		if ((kex = kex_new()) == NULL ||
		    resilient_share_keypair(kex, shares[i].kind,
		    shares[i].nid, SSH_DIGEST_SHA256) != 0 ||
		    (shares[i].client_pub = sshbuf_new()) == NULL ||
		    sshbuf_putb(shares[i].client_pub, kex->client_pub) != 0)
			abort();
		kex_free(kex);
	}
	return 0;
}

/*
 * A detached session as the session's process holds it: its state as
 * sshd-auth hands it over, then a rekey's R and a resume's R if asked,
 * messages not yet acknowledged, and detached if asked.
 */
static struct ssh *
live_new(u_int settings, u_int nmsgs, int hash_alg, const struct share *sh)
{
	u_char token[RESILIENT_TOKEN_LEN], msg[4 + 64];
	struct ssh *live;
	struct sshbuf *b;
	size_t hlen = ssh_digest_bytes(hash_alg);
	int keyed;
	u_int i;

	if ((live = ssh_packet_set_connection(NULL, -1, -1)) == NULL ||
	    (b = sshbuf_new()) == NULL)
		abort();
	live->kex->server = 1;
	FUZZ_CHECK(sshbuf_put(live->kex->session_id, session_id,
	    sizeof(session_id)) == 0);
	keyed = resilient_kdf_token(hash_alg, secrets[0], hlen, token,
	    sizeof(token)) == 0;
	if (!keyed)
		memset(token, 0x5a, sizeof(token));
	FUZZ_CHECK(sshbuf_put_u8(b, 1) == 0 &&
	    sshbuf_put_u8(b, 1) == 0 &&		/* offered */
	    sshbuf_put_u8(b, 1) == 0 &&		/* negotiated */
	    sshbuf_put_u8(b, 1) == 0 &&		/* active */
	    sshbuf_put_u32(b, hash_alg) == 0 &&
	    sshbuf_put_u32(b, sh->kind) == 0 &&
	    sshbuf_put_u32(b, sh->nid) == 0 &&
	    sshbuf_put_u32(b, 1) == 0 &&		/* epoch */
	    sshbuf_put_u64(b, RESILIENT_BUFFER_MIN_MAX) == 0 &&
	    sshbuf_put_u64(b, RECV_NEXT) == 0 &&
	    sshbuf_put_u64(b, SEND_NEXT) == 0 &&
	    sshbuf_put_string(b, secrets[0], hlen) == 0 &&
	    sshbuf_put_string(b, token, sizeof(token)) == 0);
	FUZZ_CHECK(resilient_state_get(live, b) == 0);
	sshbuf_free(b);
	if (keyed && (settings & S_PREV) != 0)
		FUZZ_CHECK(resilient_advance(live, secrets[1]) == 0);
	if (keyed && (settings & S_NEXT) != 0)
		FUZZ_CHECK(resilient_set_next(live->resilient,
		    secrets[2]) == 0);
	for (i = 0; i < nmsgs; i++) {
		memset(msg, i, sizeof(msg));
		msg[0] = MSG_TYPE;
		FUZZ_CHECK(resilient_packet_sent(live, MSG_TYPE, msg,
		    5 + i * 4) == 0);
	}
	if ((settings & S_DETACHED) != 0)
		FUZZ_CHECK(resilient_detach(live) == 0);
	return live;
}

static int
request_parse(const u_char *p, size_t len, struct request *q)
{
	struct sshbuf *b;
	int r;

	memset(q, 0, sizeof(*q));
	if ((b = sshbuf_from(p, len)) == NULL)
		abort();
	if ((r = sshbuf_get_string_direct(b, &q->token, &q->tokenlen)) == 0 &&
	    (r = sshbuf_get_string_direct(b, &q->share, &q->sharelen)) == 0 &&
	    (r = sshbuf_get_u64(b, &q->next)) == 0 &&
	    (r = sshbuf_get_string_direct(b, &q->mac, &q->maclen)) == 0 &&
	    (r = sshbuf_get_string_direct(b, &q->vc, &q->vclen)) == 0 &&
	    (r = sshbuf_get_string_direct(b, &q->vs, &q->vslen)) == 0 &&
	    (r = sshbuf_get_string_direct(b, &q->kc, &q->kclen)) == 0 &&
	    (r = sshbuf_get_string_direct(b, &q->ks, &q->kslen)) == 0) {
		q->rest = sshbuf_ptr(b);
		q->restlen = sshbuf_len(b);
	}
	sshbuf_free(b);
	return r;
}

/* A version string as the session reads it from the request, or NULL */
static char *
version(const u_char *p, size_t len)
{
	struct sshbuf *b;
	char *s;

	if ((b = sshbuf_from(p, len)) == NULL)
		abort();
	s = sshbuf_dup_string(b);
	sshbuf_free(b);
	return s;
}

/* client_mac over the request as the session will see it, if it can */
static int
mac_for(const struct request *q, const u_char *token, const u_char *share,
    size_t sharelen, const struct resilient *rs, const u_char *secret,
    u_char *mac)
{
	struct sshbuf *t, *kc, *ks;
	char *vc, *vs;
	int r = -1;

	if ((t = sshbuf_new()) == NULL ||
	    (kc = sshbuf_from(q->kc, q->kclen)) == NULL ||
	    (ks = sshbuf_from(q->ks, q->kslen)) == NULL)
		abort();
	vc = version(q->vc, q->vclen);
	vs = version(q->vs, q->vslen);
	if (vc != NULL && vs != NULL &&
	    resilient_kdf_transcript(t, vc, vs, kc, ks, token,
	    RESILIENT_TOKEN_LEN, share, sharelen, q->next) == 0 &&
	    resilient_kdf_client_mac(rs->hash_alg, secret, rs->secret_len,
	    t, mac, rs->secret_len) == 0)
		r = 0;
	free(vc);
	free(vs);
	sshbuf_free(t);
	sshbuf_free(kc);
	sshbuf_free(ks);
	return r;
}

/* Mend the request as the second settings byte says; its token to tokenp */
static struct sshbuf *
request_mend(const struct request *q, u_int mend, const struct ssh *live,
    const struct share *sh, u_char *tokenp)
{
	const struct resilient *rs = live->resilient;
	const u_char *token = q->token, *secret = NULL, *share = q->share;
	const u_char *mac = q->mac;
	u_char newmac[RESILIENT_MAC_MAX];
	size_t tokenlen = q->tokenlen, sharelen = q->sharelen;
	size_t maclen = q->maclen;
	struct sshbuf *b;

	switch (M_TOKEN(mend)) {
	case SLOT_CURRENT:
		token = rs->token;
		secret = rs->secret;
		break;
	case SLOT_PREV:
		token = rs->has_prev ? rs->prev_token : rs->token;
		secret = rs->has_prev ? rs->prev_secret : rs->secret;
		break;
	case SLOT_NEXT:
		token = rs->has_next ? rs->next_token : rs->token;
		secret = rs->has_next ? rs->next_secret : rs->secret;
		break;
	}
	if (secret != NULL)
		tokenlen = RESILIENT_TOKEN_LEN;
	if ((mend & M_SHARE) != 0) {
		share = sshbuf_ptr(sh->client_pub);
		sharelen = sshbuf_len(sh->client_pub);
	}
	if ((mend & M_MAC) != 0 && secret != NULL &&
	    mac_for(q, token, share, sharelen, rs, secret, newmac) == 0) {
		mac = newmac;
		maclen = rs->secret_len;
	}
	if (tokenlen == RESILIENT_TOKEN_LEN)
		memcpy(tokenp, token, RESILIENT_TOKEN_LEN);
	if ((b = sshbuf_new()) == NULL)
		abort();
	FUZZ_CHECK(sshbuf_put_string(b, token, tokenlen) == 0 &&
	    sshbuf_put_string(b, share, sharelen) == 0 &&
	    sshbuf_put_u64(b, q->next) == 0 &&
	    sshbuf_put_string(b, mac, maclen) == 0 &&
	    sshbuf_put_string(b, q->vc, q->vclen) == 0 &&
	    sshbuf_put_string(b, q->vs, q->vslen) == 0 &&
	    sshbuf_put_string(b, q->kc, q->kclen) == 0 &&
	    sshbuf_put_string(b, q->ks, q->kslen) == 0 &&
	    sshbuf_put(b, q->rest, q->restlen) == 0);
	return b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct share *sh;
	struct resilient before;
	struct request q;
	struct ssh *live, *att = NULL;
	struct sshbuf *req;
	u_char token[RESILIENT_TOKEN_LEN];
	uint64_t sent_next;
	u_int settings, mend, code = 0xffff;
	int hash_alg, r;

	if (size < 2)
		return 0;
	settings = data[0];
	mend = data[1];
	data += 2;
	size -= 2;
	hash_alg = hashes[S_HASH(settings)];
	sh = &shares[S_SHARE(settings) % NSHARES];

	live = live_new(settings, M_NMSGS(mend), hash_alg, sh);
	memset(token, 0, sizeof(token));
	if (request_parse(data, size, &q) == 0)
		req = request_mend(&q, mend, live, sh, token);
	else if ((req = sshbuf_from(data, size)) == NULL)
		abort();
	memcpy(&before, live->resilient, sizeof(before));
	sent_next = resilient_buffer_next(live->resilient->sent);

	r = resilient_attempt_server(live, -1, req, &att, &code);
	if (r != 0) {
		FUZZ_CHECK(att == NULL);
		FUZZ_CHECK(code != RESILIENT_RESUMED);
		FUZZ_CHECK(memcmp(&before, live->resilient,
		    sizeof(before)) == 0);
	} else {
		FUZZ_CHECK(att != NULL);
		FUZZ_CHECK(code == RESILIENT_RESUMED);
		FUZZ_CHECK(resilient_token_matches(live, token,
		    sizeof(token)));
		FUZZ_CHECK(live->resilient->has_next);
		FUZZ_CHECK(resilient_epoch(live) == before.epoch ||
		    resilient_epoch(live) == before.epoch + 1);
		FUZZ_CHECK(resilient_buffer_next(live->resilient->sent) ==
		    sent_next);
	}
	sshbuf_free(req);
	resilient_connection_free(att);
	resilient_connection_free(live);
	return 0;
}
