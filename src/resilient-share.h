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

#ifndef _RESILIENT_SHARE_H
#define _RESILIENT_SHARE_H

struct kex;
struct sshbuf;

/* The resume exchange of a session (PROTOCOL.resilient 3.1) */
#define RESILIENT_SHARE_X25519		1
#define RESILIENT_SHARE_ECDH		2	/* the session's curve */
#define RESILIENT_SHARE_SNTRUP761X25519	3
#define RESILIENT_SHARE_MLKEM768X25519	4

/* The resume exchange for a session whose initial method was kex_type */
int	resilient_share_kind(u_int kex_type);
/* Client: make an ephemeral key pair; its share is in kex->client_pub */
int	resilient_share_keypair(struct kex *kex, int kind, int ec_nid,
    int hash_alg);
/* Server: answer client_share; the reply share and K_e (encoded as the
   method encodes K) are returned in new buffers */
int	resilient_share_enc(struct kex *kex, int kind, int ec_nid, int hash_alg,
    const struct sshbuf *client_share, struct sshbuf **server_sharep,
    struct sshbuf **k_ep);
/* Client: K_e from the server's share and the key pair */
int	resilient_share_dec(struct kex *kex, int kind, int ec_nid, int hash_alg,
    const struct sshbuf *server_share, struct sshbuf **k_ep);

#endif /* _RESILIENT_SHARE_H */
