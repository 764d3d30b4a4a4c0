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
 * Test harness: two in-process struct ssh endpoints joined through
 * upstream's ssh_api.c, as regress/unittests/kex/test_kex.c does.  Bytes
 * move only when a test pumps them, so a test can also drop them.
 * Header-only; include it once per test program after cmocka.h.
 */

#ifndef _RESILIENT_TEST_PAIR_H
#define _RESILIENT_TEST_PAIR_H

#include "ssherr.h"
#include "sshbuf.h"
#include "sshkey.h"
#include "ssh_api.h"
#include "kex.h"
#include "packet.h"
#include "myproposal.h"

#include "resilient.h"
#include "resilient-buffer.h"
#include "resilient-proto.h"

struct pair_opts {
	const char *kex;	/* NULL: upstream's default list */
	const char *cipher;
	const char *mac;
	const char *comp;
	int client_offers;
	int server_offers;
	size_t buffer_max;	/* 0: default */
};

struct pair {
	struct ssh *client;
	struct ssh *server;
	struct sshkey *hostpub;
};

static struct sshkey *pair_hostkey;	/* made once by pair_group_setup */

static int
pair_group_setup(void **state)
{
	return sshkey_generate(KEY_ED25519, 0, &pair_hostkey) == 0 ? 0 : -1;
}

static int
pair_group_teardown(void **state)
{
	sshkey_free(pair_hostkey);
	pair_hostkey = NULL;
	return 0;
}

/*
 * Move what "from" has to say into "to"; bytes are counted in *moved.
 * ssh_packet_next also processes key exchange messages on the way.
 */
static int
pair_pump_one(struct ssh *from, struct ssh *to, size_t *moved)
{
	const u_char *buf;
	size_t len;
	u_char type;
	int r;

	for (;;) {
		if ((r = ssh_packet_next(from, &type)) != 0)
			return r;
		if (type != 0)
			return 0;	/* an application message waits */
		buf = ssh_output_ptr(from, &len);
		if (len == 0)
			return 0;
		if ((r = ssh_input_append(to, buf, len)) != 0 ||
		    (r = ssh_output_consume(from, len)) != 0)
			return r;
		if (moved != NULL)
			*moved += len;
	}
}

/* Run a key exchange to completion, bounded in rounds */
static int
pair_run_kex(struct pair *p)
{
	int i, r;

	for (i = 0; i < 100; i++) {
		if (p->client->kex->done && p->server->kex->done)
			return 0;
		if ((r = pair_pump_one(p->server, p->client, NULL)) != 0 ||
		    (r = pair_pump_one(p->client, p->server, NULL)) != 0)
			return r;
	}
	return SSH_ERR_INTERNAL_ERROR;
}

/* Rebuild an endpoint's KEXINIT proposal after offering resilience */
static void
pair_reoffer(struct ssh *ssh, char **proposal)
{
	char *prop[PROPOSAL_MAX];

	kex_proposal_populate_entries(ssh, prop,
	    proposal[PROPOSAL_KEX_ALGS], proposal[PROPOSAL_ENC_ALGS_CTOS],
	    proposal[PROPOSAL_MAC_ALGS_CTOS], proposal[PROPOSAL_COMP_ALGS_CTOS],
	    proposal[PROPOSAL_SERVER_HOST_KEY_ALGS]);
	sshbuf_reset(ssh->kex->my);
	assert_int_equal(kex_prop2buf(ssh->kex->my, prop), 0);
	kex_proposal_free_entries(prop);
}

static void
pair_new(struct pair *p, const struct pair_opts *o)
{
	struct kex_params params;
	char *defprop[PROPOSAL_MAX] = { KEX_CLIENT };
	size_t max = o->buffer_max ? o->buffer_max :
	    RESILIENT_BUFFER_DEFAULT_MAX;

	memset(p, 0, sizeof(*p));
	memcpy(params.proposal, defprop, sizeof(defprop));
	if (o->kex != NULL)
		params.proposal[PROPOSAL_KEX_ALGS] = (char *)o->kex;
	if (o->cipher != NULL)
		params.proposal[PROPOSAL_ENC_ALGS_CTOS] =
		    params.proposal[PROPOSAL_ENC_ALGS_STOC] = (char *)o->cipher;
	if (o->mac != NULL)
		params.proposal[PROPOSAL_MAC_ALGS_CTOS] =
		    params.proposal[PROPOSAL_MAC_ALGS_STOC] = (char *)o->mac;
	if (o->comp != NULL)
		params.proposal[PROPOSAL_COMP_ALGS_CTOS] =
		    params.proposal[PROPOSAL_COMP_ALGS_STOC] = (char *)o->comp;
	params.proposal[PROPOSAL_SERVER_HOST_KEY_ALGS] =
	    (char *)sshkey_ssh_name(pair_hostkey);
	assert_int_equal(ssh_init(&p->client, 0, &params), 0);
	assert_int_equal(ssh_init(&p->server, 1, &params), 0);
	assert_int_equal(sshkey_from_private(pair_hostkey, &p->hostpub), 0);
	assert_int_equal(ssh_add_hostkey(p->server, pair_hostkey), 0);
	assert_int_equal(ssh_add_hostkey(p->client, p->hostpub), 0);
	if (o->client_offers) {
		assert_int_equal(resilient_enable(p->client, max), 0);
		pair_reoffer(p->client, params.proposal);
	}
	if (o->server_offers) {
		assert_int_equal(resilient_enable(p->server, max), 0);
		pair_reoffer(p->server, params.proposal);
	}
}

static void
pair_free(struct pair *p)
{
	ssh_free(p->client);
	ssh_free(p->server);
	sshkey_free(p->hostpub);
	memset(p, 0, sizeof(*p));
}

#endif /* _RESILIENT_TEST_PAIR_H */
