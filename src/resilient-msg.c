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

/* Append string(s1), then string(s2) unless s2 is NULL, all or nothing */
static int
put_strings(struct sshbuf *b, const u_char *s1, size_t len1,
    const u_char *s2, size_t len2)
{
	u_char *p;
	size_t need;
	int r;

	need = 4 + len1 + (s2 == NULL ? 0 : 4 + len2);
	if ((r = sshbuf_reserve(b, need, &p)) != 0)
		return r;
	POKE_U32(p, len1);
	memcpy(p + 4, s1, len1);
	if (s2 != NULL) {
		p += 4 + len1;
		POKE_U32(p, len2);
		memcpy(p + 4, s2, len2);
	}
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

int
resilient_msg_put_reconnect(struct sshbuf *b, const u_char *token,
    size_t tokenlen, const u_char *mac, size_t maclen)
{
	if (b == NULL || token == NULL || mac == NULL ||
	    tokenlen != RESILIENT_TOKEN_LEN || !mac_len_ok(maclen))
		return SSH_ERR_INVALID_ARGUMENT;
	return put_strings(b, token, tokenlen, mac, maclen);
}

int
resilient_msg_get_reconnect(const u_char *body, size_t len, u_char *token,
    u_char *mac, size_t *maclenp)
{
	const u_char *p = body, *tok, *m;
	size_t left = len, toklen, mlen;
	int r = SSH_ERR_INTERNAL_ERROR;

	if (body == NULL || token == NULL || mac == NULL || maclenp == NULL) {
		r = SSH_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = get_string(&p, &left, RESILIENT_TOKEN_LEN,
	    RESILIENT_TOKEN_LEN, &tok, &toklen)) != 0 ||
	    (r = get_string(&p, &left, RESILIENT_MAC_MIN,
	    RESILIENT_MAC_MAX, &m, &mlen)) != 0)
		goto out;
	if (left != 0) {
		r = SSH_ERR_UNEXPECTED_TRAILING_DATA;
		goto out;
	}
	/* Validated: toklen is the token length, mlen <= RESILIENT_MAC_MAX */
	memcpy(token, tok, toklen);
	memset(mac, 0, RESILIENT_MAC_MAX);
	memcpy(mac, m, mlen);
	*maclenp = mlen;
	r = 0;
 out:
	if (r != 0) {
		if (token != NULL)
			explicit_bzero(token, RESILIENT_TOKEN_LEN);
		if (mac != NULL)
			explicit_bzero(mac, RESILIENT_MAC_MAX);
		if (maclenp != NULL)
			*maclenp = 0;
	}
	return r;
}

int
resilient_msg_put_reconnect_reply(struct sshbuf *b, const u_char *mac,
    size_t maclen)
{
	if (b == NULL || mac == NULL || !mac_len_ok(maclen))
		return SSH_ERR_INVALID_ARGUMENT;
	return put_strings(b, mac, maclen, NULL, 0);
}

int
resilient_msg_get_reconnect_reply(const u_char *body, size_t len,
    u_char *mac, size_t expected_maclen)
{
	const u_char *p = body, *m;
	size_t left = len, mlen;
	int r = SSH_ERR_INTERNAL_ERROR;

	if (body == NULL || mac == NULL || !mac_len_ok(expected_maclen)) {
		r = SSH_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = get_string(&p, &left, expected_maclen, expected_maclen,
	    &m, &mlen)) != 0)
		goto out;
	if (left != 0) {
		r = SSH_ERR_UNEXPECTED_TRAILING_DATA;
		goto out;
	}
	/* Validated: mlen == expected_maclen */
	memcpy(mac, m, mlen);
	r = 0;
 out:
	/* With a bad expected_maclen the size of mac is unknown: leave it */
	if (r != 0 && mac != NULL && mac_len_ok(expected_maclen))
		explicit_bzero(mac, expected_maclen);
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
