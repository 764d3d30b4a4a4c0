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
 * The ephemeral key exchange inside a resume (PROTOCOL.resilient 3.1):
 * the family of the session's initial key exchange method, through
 * upstream's keypair/enc/dec functions of kex_gen.  Finite-field methods
 * (whose group exchange has no such interface) resume with X25519.
 */

#include "includes.h"

#include <sys/types.h>
#include <string.h>

#include "sshbuf.h"
#include "ssherr.h"
#include "digest.h"
#include "kex.h"

#include "resilient-share.h"

int
resilient_share_kind(u_int kex_type)
{
	switch (kex_type) {
#ifdef OPENSSL_HAS_ECC
	case KEX_ECDH_SHA2:
		return RESILIENT_SHARE_ECDH;
#endif
	case KEX_KEM_SNTRUP761X25519_SHA512:
		return RESILIENT_SHARE_SNTRUP761X25519;
	case KEX_KEM_MLKEM768X25519_SHA256:
		return RESILIENT_SHARE_MLKEM768X25519;
	default:
		return RESILIENT_SHARE_X25519;
	}
}

/* The attempt's kex takes the session's parameters for the exchange */
static int
share_setup(struct kex *kex, int kind, int ec_nid, int hash_alg)
{
	kex->hash_alg = hash_alg;
	switch (kind) {
	case RESILIENT_SHARE_X25519:
	case RESILIENT_SHARE_SNTRUP761X25519:
	case RESILIENT_SHARE_MLKEM768X25519:
		return 0;
#ifdef OPENSSL_HAS_ECC
	case RESILIENT_SHARE_ECDH:
		kex->ec_nid = ec_nid;
		return 0;
#endif
	default:
		return SSH_ERR_INVALID_ARGUMENT;
	}
}

int
resilient_share_keypair(struct kex *kex, int kind, int ec_nid, int hash_alg)
{
	int r;

	if ((r = share_setup(kex, kind, ec_nid, hash_alg)) != 0)
		return r;
	switch (kind) {
#ifdef OPENSSL_HAS_ECC
	case RESILIENT_SHARE_ECDH:
		return kex_ecdh_keypair(kex);
#endif
	case RESILIENT_SHARE_SNTRUP761X25519:
		return kex_kem_sntrup761x25519_keypair(kex);
	case RESILIENT_SHARE_MLKEM768X25519:
		return kex_kem_mlkem768x25519_keypair(kex);
	default:
		return kex_c25519_keypair(kex);
	}
}

int
resilient_share_enc(struct kex *kex, int kind, int ec_nid, int hash_alg,
    const struct sshbuf *client_share, struct sshbuf **server_sharep,
    struct sshbuf **k_ep)
{
	int r;

	*server_sharep = *k_ep = NULL;
	if ((r = share_setup(kex, kind, ec_nid, hash_alg)) != 0)
		return r;
	switch (kind) {
#ifdef OPENSSL_HAS_ECC
	case RESILIENT_SHARE_ECDH:
		return kex_ecdh_enc(kex, client_share, server_sharep, k_ep);
#endif
	case RESILIENT_SHARE_SNTRUP761X25519:
		return kex_kem_sntrup761x25519_enc(kex, client_share,
		    server_sharep, k_ep);
	case RESILIENT_SHARE_MLKEM768X25519:
		return kex_kem_mlkem768x25519_enc(kex, client_share,
		    server_sharep, k_ep);
	default:
		return kex_c25519_enc(kex, client_share, server_sharep, k_ep);
	}
}

int
resilient_share_dec(struct kex *kex, int kind, int ec_nid, int hash_alg,
    const struct sshbuf *server_share, struct sshbuf **k_ep)
{
	int r;

	*k_ep = NULL;
	if ((r = share_setup(kex, kind, ec_nid, hash_alg)) != 0)
		return r;
	switch (kind) {
#ifdef OPENSSL_HAS_ECC
	case RESILIENT_SHARE_ECDH:
		return kex_ecdh_dec(kex, server_share, k_ep);
#endif
	case RESILIENT_SHARE_SNTRUP761X25519:
		return kex_kem_sntrup761x25519_dec(kex, server_share, k_ep);
	case RESILIENT_SHARE_MLKEM768X25519:
		return kex_kem_mlkem768x25519_dec(kex, server_share, k_ep);
	default:
		return kex_c25519_dec(kex, server_share, k_ep);
	}
}
