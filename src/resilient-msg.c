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

#include "includes.h"

#include <sys/types.h>
#include <string.h>

#include "sshbuf.h"
#include "ssherr.h"
#include "resilient-proto.h"
#include "resilient-msg.h"

/*
 * Bodies are parsed by hand from the caller's pointer and length: no
 * allocation, and every bound is explicit. A peer's length field is
 * untrusted; it is checked against the field's permitted range first and
 * against the bytes actually present second, and outputs are written only
 * once the whole body has been validated.
 */

/* Returns 1 if n is a permitted MAC length (HLEN of a supported hash) */
static int
mac_len_ok(size_t n)
{
	return n >= RESILIENT_MAC_MIN && n <= RESILIENT_MAC_MAX;
}

/*
 * Take a string whose length must lie in [min, max] from the body at *pp,
 * which has *lenp bytes left. On success *valp points at its contents,
 * *vlenp holds its length and *pp, *lenp are advanced past it.
 */
static int
get_string(const u_char **pp, size_t *lenp, size_t min, size_t max,
    const u_char **valp, size_t *vlenp)
{
	u_int32_t slen;

	*valp = NULL;
	*vlenp = 0;
	if (*lenp < 4)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	slen = PEEK_U32(*pp);
	if (slen < min || slen > max)
		return SSH_ERR_INVALID_FORMAT;
	if (*lenp - 4 < slen)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	*valp = *pp + 4;
	*vlenp = slen;
	*pp += 4 + slen;
	*lenp -= 4 + slen;
	return 0;
}

int
resilient_msg_put_counter(struct sshbuf *b, uint64_t next)
{
	if (b == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	return sshbuf_put_u64(b, next);
}

int
resilient_msg_get_counter(const u_char *body, size_t len, uint64_t *nextp)
{
	int r = SSH_ERR_INTERNAL_ERROR;

	if (body == NULL || nextp == NULL) {
		r = SSH_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (len < RESILIENT_COUNTER_LEN) {
		r = SSH_ERR_MESSAGE_INCOMPLETE;
		goto out;
	}
	if (len > RESILIENT_COUNTER_LEN) {
		r = SSH_ERR_UNEXPECTED_TRAILING_DATA;
		goto out;
	}
	*nextp = PEEK_U64(body);
	r = 0;
 out:
	if (r != 0 && nextp != NULL)
		*nextp = 0;
	return r;
}

/* Take a uint64 from the body at *pp, which has *lenp bytes left */
static int
get_u64(const u_char **pp, size_t *lenp, uint64_t *vp)
{
	if (*lenp < 8)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	*vp = PEEK_U64(*pp);
	*pp += 8;
	*lenp -= 8;
	return 0;
}

static int
share_len_ok(size_t n)
{
	return n >= RESILIENT_SHARE_MIN && n <= RESILIENT_SHARE_MAX;
}

int
resilient_msg_put_reconnect(struct sshbuf *b, const u_char *token,
    size_t tokenlen, const u_char *share, size_t sharelen, uint64_t next,
    const u_char *mac, size_t maclen)
{
	struct sshbuf *t;
	int r;

	if (b == NULL || token == NULL || share == NULL || mac == NULL ||
	    tokenlen != RESILIENT_TOKEN_LEN || !share_len_ok(sharelen) ||
	    !mac_len_ok(maclen))
		return SSH_ERR_INVALID_ARGUMENT;
	/* all or nothing */
	if ((t = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put_string(t, token, tokenlen)) != 0 ||
	    (r = sshbuf_put_string(t, share, sharelen)) != 0 ||
	    (r = sshbuf_put_u64(t, next)) != 0 ||
	    (r = sshbuf_put_string(t, mac, maclen)) != 0 ||
	    (r = sshbuf_putb(b, t)) != 0)
		goto out;
 out:
	sshbuf_free(t);
	return r;
}

int
resilient_msg_get_reconnect(const u_char *body, size_t len,
    struct resilient_reconnect_msg *m)
{
	const u_char *p = body, *tok, *mac;
	size_t left = len, toklen, maclen;
	int r = SSH_ERR_INTERNAL_ERROR;

	if (m != NULL)
		memset(m, 0, sizeof(*m));
	if (body == NULL || m == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((r = get_string(&p, &left, RESILIENT_TOKEN_LEN,
	    RESILIENT_TOKEN_LEN, &tok, &toklen)) != 0 ||
	    (r = get_string(&p, &left, RESILIENT_SHARE_MIN,
	    RESILIENT_SHARE_MAX, &m->share, &m->share_len)) != 0 ||
	    (r = get_u64(&p, &left, &m->next)) != 0 ||
	    (r = get_string(&p, &left, RESILIENT_MAC_MIN,
	    RESILIENT_MAC_MAX, &mac, &maclen)) != 0)
		goto out;
	if (left != 0) {
		r = SSH_ERR_UNEXPECTED_TRAILING_DATA;
		goto out;
	}
	/* Validated: the lengths fit the arrays */
	memcpy(m->token, tok, toklen);
	memcpy(m->mac, mac, maclen);
	m->mac_len = maclen;
	r = 0;
 out:
	if (r != 0)
		explicit_bzero(m, sizeof(*m));
	return r;
}

int
resilient_msg_put_reconnect_reply(struct sshbuf *b, const u_char *share,
    size_t sharelen, uint64_t next, const u_char *mac, size_t maclen)
{
	struct sshbuf *t;
	int r;

	if (b == NULL || share == NULL || mac == NULL ||
	    !share_len_ok(sharelen) || !mac_len_ok(maclen))
		return SSH_ERR_INVALID_ARGUMENT;
	if ((t = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put_string(t, share, sharelen)) != 0 ||
	    (r = sshbuf_put_u64(t, next)) != 0 ||
	    (r = sshbuf_put_string(t, mac, maclen)) != 0 ||
	    (r = sshbuf_putb(b, t)) != 0)
		goto out;
 out:
	sshbuf_free(t);
	return r;
}

int
resilient_msg_get_reconnect_reply(const u_char *body, size_t len,
    size_t expected_maclen, struct resilient_reply_msg *m)
{
	const u_char *p = body, *mac;
	size_t left = len, maclen;
	int r = SSH_ERR_INTERNAL_ERROR;

	if (m != NULL)
		memset(m, 0, sizeof(*m));
	if (body == NULL || m == NULL || !mac_len_ok(expected_maclen))
		return SSH_ERR_INVALID_ARGUMENT;
	if ((r = get_string(&p, &left, RESILIENT_SHARE_MIN,
	    RESILIENT_SHARE_MAX, &m->share, &m->share_len)) != 0 ||
	    (r = get_u64(&p, &left, &m->next)) != 0 ||
	    (r = get_string(&p, &left, expected_maclen, expected_maclen,
	    &mac, &maclen)) != 0)
		goto out;
	if (left != 0) {
		r = SSH_ERR_UNEXPECTED_TRAILING_DATA;
		goto out;
	}
	memcpy(m->mac, mac, maclen);
	m->mac_len = maclen;
	r = 0;
 out:
	if (r != 0)
		explicit_bzero(m, sizeof(*m));
	return r;
}

const char *
resilient_msg_type_name(u_char type)
{
	switch (type) {
	case SSH2_MSG_RESILIENT_RECONNECT:
		return "SSH2_MSG_RESILIENT_RECONNECT";
	case SSH2_MSG_RESILIENT_RECONNECT_REPLY:
		return "SSH2_MSG_RESILIENT_RECONNECT_REPLY";
	case SSH2_MSG_RESILIENT_ACK:
		return "SSH2_MSG_RESILIENT_ACK";
	case SSH2_MSG_RESILIENT_SYNC:
		return "SSH2_MSG_RESILIENT_SYNC";
	default:
		return NULL;
	}
}
