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
 * Negotiation of the resilient-sessions pseudo-algorithm and the resume
 * secret, between two in-process struct ssh endpoints connected through
 * upstream's ssh_api.c (the pattern of regress/unittests/kex/test_kex.c).
 */

#include "includes.h"

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

static void
new_pair(struct pair *p, const char *kex, int client_offers,
    int server_offers)
{
	struct pair_opts o;

	memset(&o, 0, sizeof(o));
	o.kex = kex;
	o.client_offers = client_offers;
	o.server_offers = server_offers;
	pair_new(p, &o);
}

/* The kex_algorithms list of an endpoint's current proposal */
static char *
my_kexalgs(struct ssh *ssh)
{
	char **prop = NULL, *ret;
	int i;

	assert_int_equal(kex_buf2prop(ssh->kex->my, NULL, &prop), 0);
	ret = prop[PROPOSAL_KEX_ALGS];
	for (i = 1; i < PROPOSAL_MAX; i++)
		free(prop[i]);
	free(prop);
	return ret;
}

static void
assert_same_token(struct pair *p)
{
	const u_char *tc, *ts;
	size_t lc, ls;

	assert_int_equal(resilient_token(p->client, &tc, &lc), 0);
	assert_int_equal(resilient_token(p->server, &ts, &ls), 0);
	assert_int_equal(lc, RESILIENT_TOKEN_LEN);
	assert_int_equal(ls, RESILIENT_TOKEN_LEN);
	assert_memory_equal(tc, ts, RESILIENT_TOKEN_LEN);
}

/* Offered: the name is the last entry of the initial kex list */
static void
test_proposal_lists_name_last(void **state)
{
	struct pair p;
	char *algs;
	const char *tail;

	new_pair(&p, NULL, 1, 0);
	algs = my_kexalgs(p.client);
	tail = strrchr(algs, ',');
	assert_non_null(tail);
	assert_string_equal(tail + 1, RESILIENT_KEX_NAME);
	free(algs);
	pair_free(&p);
}

/* Not offered: the proposal is exactly upstream's */
static void
test_not_offered_is_stock(void **state)
{
	struct pair a, b;
	char *x, *y;

	new_pair(&a, NULL, 0, 0);
	new_pair(&b, NULL, 1, 1);
	assert_null(a.client->resilient);
	x = my_kexalgs(a.client);
	y = my_kexalgs(b.client);
	assert_null(strstr(x, RESILIENT_KEX_NAME));
	/* the only difference is the appended name */
	assert_int_equal(strlen(y), strlen(x) + 1 + strlen(RESILIENT_KEX_NAME));
	assert_memory_equal(x, y, strlen(x));
	assert_int_equal(pair_run_kex(&a), 0);
	assert_false(resilient_negotiated(a.client));
	assert_int_equal(resilient_epoch(a.client), 0);
	free(x);
	free(y);
	pair_free(&a);
	pair_free(&b);
}

static void
check_one_sided(int client_offers, int server_offers)
{
	struct pair p;
	const u_char *t;
	size_t l;

	new_pair(&p, NULL, client_offers, server_offers);
	assert_int_equal(pair_run_kex(&p), 0);
	assert_false(resilient_negotiated(p.client));
	assert_false(resilient_negotiated(p.server));
	assert_int_equal(resilient_epoch(p.client), 0);
	assert_int_equal(resilient_epoch(p.server), 0);
	assert_int_equal(resilient_token(p.client, &t, &l),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_null(t);
	pair_free(&p);
}

static void
test_client_only(void **state)
{
	check_one_sided(1, 0);
}

static void
test_server_only(void **state)
{
	check_one_sided(0, 1);
}

/*
 * Both offer: negotiated on both sides, same secret (seen through the
 * token), name gone from the rekey proposal, and every rekey ratchets.
 */
static void
check_negotiated(const char *kexalg)
{
	struct pair p;
	u_char prev[RESILIENT_TOKEN_LEN];
	const u_char *t;
	size_t l;
	char *algs;
	int i;

	new_pair(&p, kexalg, 1, 1);
	assert_int_equal(pair_run_kex(&p), 0);
	assert_true(resilient_negotiated(p.client));
	assert_true(resilient_negotiated(p.server));
	assert_int_equal(resilient_epoch(p.client), 1);
	assert_int_equal(resilient_epoch(p.server), 1);
	assert_same_token(&p);

	/* Rekeys never list the pseudo-algorithm */
	algs = my_kexalgs(p.client);
	assert_null(strstr(algs, RESILIENT_KEX_NAME));
	free(algs);
	algs = my_kexalgs(p.server);
	assert_null(strstr(algs, RESILIENT_KEX_NAME));
	free(algs);

	for (i = 0; i < 4; i++) {
		assert_int_equal(resilient_token(p.client, &t, &l), 0);
		memcpy(prev, t, sizeof(prev));
		assert_int_equal(kex_send_kexinit(i % 2 ? p.server : p.client),
		    0);
		assert_int_equal(pair_run_kex(&p), 0);
		assert_int_equal(resilient_epoch(p.client), 2 + i);
		assert_int_equal(resilient_epoch(p.server), 2 + i);
		assert_same_token(&p);
		assert_int_equal(resilient_token(p.client, &t, &l), 0);
		assert_memory_not_equal(prev, t, sizeof(prev));
		assert_true(resilient_negotiated(p.client));
	}
	pair_free(&p);
}

static void
test_negotiated_curve25519(void **state)
{
	check_negotiated("curve25519-sha256");
}

static void
test_negotiated_sntrup761(void **state)
{
	check_negotiated("sntrup761x25519-sha512");
}

static void
test_negotiated_mlkem768(void **state)
{
	check_negotiated("mlkem768x25519-sha256");
}

static void
test_negotiated_ecdh(void **state)
{
	check_negotiated("ecdh-sha2-nistp384");
}

static void
test_negotiated_dh_group16(void **state)
{
	check_negotiated("diffie-hellman-group16-sha512");
}

/* SHA-1 key exchanges are too weak a base: both sides leave it off */
static void
test_sha1_kex_not_negotiated(void **state)
{
	struct pair p;

	new_pair(&p, "diffie-hellman-group14-sha1", 1, 1);
	assert_int_equal(pair_run_kex(&p), 0);
	assert_false(resilient_negotiated(p.client));
	assert_false(resilient_negotiated(p.server));
	assert_int_equal(resilient_epoch(p.client), 0);
	assert_int_equal(resilient_epoch(p.server), 0);
	/* and a rekey does not bring it back */
	assert_int_equal(kex_send_kexinit(p.client), 0);
	assert_int_equal(pair_run_kex(&p), 0);
	assert_false(resilient_negotiated(p.server));
	assert_int_equal(resilient_epoch(p.server), 0);
	pair_free(&p);
}

/* Two sessions never share a secret */
static void
test_sessions_differ(void **state)
{
	struct pair a, b;
	const u_char *ta, *tb;
	size_t la, lb;

	new_pair(&a, NULL, 1, 1);
	new_pair(&b, NULL, 1, 1);
	assert_int_equal(pair_run_kex(&a), 0);
	assert_int_equal(pair_run_kex(&b), 0);
	assert_int_equal(resilient_token(a.client, &ta, &la), 0);
	assert_int_equal(resilient_token(b.client, &tb, &lb), 0);
	assert_memory_not_equal(ta, tb, RESILIENT_TOKEN_LEN);
	pair_free(&a);
	pair_free(&b);
}

/* The pseudo-algorithm alone is no key exchange method */
static void
test_name_alone_fails(void **state)
{
	struct pair p;

	new_pair(&p, RESILIENT_KEX_NAME, 0, 0);
	assert_int_not_equal(pair_run_kex(&p), 0);
	pair_free(&p);
}

static void
test_enable_arguments(void **state)
{
	struct pair p;

	new_pair(&p, NULL, 0, 0);
	assert_int_equal(resilient_enable(NULL, RESILIENT_BUFFER_DEFAULT_MAX),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_enable(p.client,
	    RESILIENT_BUFFER_MIN_MAX - 1), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_enable(p.client,
	    (size_t)RESILIENT_BUFFER_MAX_MAX + 1), SSH_ERR_INVALID_ARGUMENT);
	assert_null(p.client->resilient);
	assert_int_equal(resilient_enable(p.client,
	    RESILIENT_BUFFER_MIN_MAX), 0);
	assert_int_equal(resilient_enable(p.client,
	    RESILIENT_BUFFER_MIN_MAX), SSH_ERR_INTERNAL_ERROR);
	pair_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proposal_lists_name_last),
		cmocka_unit_test(test_not_offered_is_stock),
		cmocka_unit_test(test_client_only),
		cmocka_unit_test(test_server_only),
		cmocka_unit_test(test_negotiated_curve25519),
		cmocka_unit_test(test_negotiated_sntrup761),
		cmocka_unit_test(test_negotiated_mlkem768),
		cmocka_unit_test(test_negotiated_ecdh),
		cmocka_unit_test(test_negotiated_dh_group16),
		cmocka_unit_test(test_sha1_kex_not_negotiated),
		cmocka_unit_test(test_sessions_differ),
		cmocka_unit_test(test_name_alone_fails),
		cmocka_unit_test(test_enable_arguments),
	};

	return cmocka_run_group_tests(tests, pair_group_setup, pair_group_teardown);
}
