/* SPDX-License-Identifier: BSD-3-Clause */
/* The control process's device model: changes as deltas, prefix ownership, ids, replacement. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "crypto.h"
#include "device.h"
#include "ws_test.h"

static int n_set, n_remove, n_aips;
static void s_set(void *c, const struct ws_peer *p) { (void)c; (void)p; n_set++; }
static void s_remove(void *c, const struct ws_peer *p) { (void)c; (void)p; n_remove++; }
static void s_aips(void *c, const struct ws_peer *p) { (void)c; (void)p; n_aips++; }

static void key(uint8_t k[32], int n)
{
	memset(k, 0, 32);
	k[0] = (uint8_t)n;
	k[1] = (uint8_t)(n >> 8);
	k[2] = (uint8_t)(n >> 16);
	k[31] = 0x42;
}

static struct ws_aip_change aip(const char *s, bool remove)
{
	struct ws_aip_change a = { .remove = remove };
	CHECK(ws_prefix_parse(&a.prefix, s) == 0);
	return a;
}

static bool has_prefix(const struct ws_peer *p, const char *s)
{
	struct ws_prefix want;
	ws_prefix_parse(&want, s);
	for (size_t i = 0; i < p->n_aips; i++)
		if (p->aips[i].cidr == want.cidr && !memcmp(p->aips[i].addr, want.addr, 16))
			return true;
	return false;
}

static void test_basic(void)
{
	struct ws_device dev;
	struct ws_peer_change pcs[3] = { 0 };
	struct ws_aip_change a0[] = { aip("10.0.0.1/32", false), aip("10.1.0.0/16", false) };
	struct ws_aip_change a1[] = { aip("10.0.0.2/32", false) };
	struct ws_change chg = { .peers = pcs, .n_peers = 3 };
	uint8_t k[32];
	char err[128];

	CHECK(ws_device_init(&dev, "wg0") == 0);
	dev.sink = (struct ws_device_sink){ NULL, NULL, s_set, s_remove, s_aips };
	for (int i = 0; i < 3; i++)
		key(pcs[i].public_key, i + 1);
	pcs[0].aips = a0;
	pcs[0].n_aips = 2;
	pcs[1].aips = a1;
	pcs[1].n_aips = 1;
	pcs[2].flags = WS_PCHG_PSK;
	memset(pcs[2].psk, 7, 32);
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	CHECK(dev.n_peers == 3);
	key(k, 1);
	struct ws_peer *p1 = ws_device_peer_by_key(&dev, k);
	CHECK(p1 && p1->id == 0 && p1->n_aips == 2 && has_prefix(p1, "10.1.0.0/16"));
	key(k, 3);
	CHECK(ws_device_peer_by_key(&dev, k)->has_psk);
	CHECK(n_set == 3);

	/* Moving a prefix: peer 2 takes 10.1.0.0/16 from peer 1. */
	struct ws_aip_change mv[] = { aip("10.1.0.0/16", false) };
	struct ws_peer_change one = { .aips = mv, .n_aips = 1 };
	key(one.public_key, 2);
	chg = (struct ws_change){ .peers = &one, .n_peers = 1 };
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	CHECK(!has_prefix(p1, "10.1.0.0/16") && p1->n_aips == 1);
	CHECK(has_prefix(ws_device_peer_by_id(&dev, 1), "10.1.0.0/16"));

	/* Removing a prefix the peer does not own changes nothing. */
	struct ws_aip_change rm[] = { aip("10.0.0.2/32", true) };
	one.aips = rm;
	key(one.public_key, 1);
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	CHECK(has_prefix(ws_device_peer_by_id(&dev, 1), "10.0.0.2/32"));

	/* update_only on an unknown peer creates nothing. */
	one = (struct ws_peer_change){ .flags = WS_PCHG_UPDATE_ONLY };
	key(one.public_key, 99);
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	CHECK(dev.n_peers == 3);

	/* Remove peer 1; its id is reused by the next new peer. */
	one = (struct ws_peer_change){ .flags = WS_PCHG_REMOVE };
	key(one.public_key, 1);
	n_remove = 0;
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	CHECK(dev.n_peers == 2 && n_remove == 1 && !ws_device_peer_by_id(&dev, 0));
	one = (struct ws_peer_change){ 0 };
	key(one.public_key, 50);
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	key(k, 50);
	CHECK(ws_device_peer_by_key(&dev, k)->id == 0);

	/* Remove and create again in one change. */
	struct ws_peer_change twice[2] = { { .flags = WS_PCHG_REMOVE }, { 0 } };
	key(twice[0].public_key, 2);
	key(twice[1].public_key, 2);
	twice[1].aips = a1;
	twice[1].n_aips = 1;
	chg = (struct ws_change){ .peers = twice, .n_peers = 2 };
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	key(k, 2);
	CHECK(ws_device_peer_by_key(&dev, k) && ws_device_peer_by_key(&dev, k)->n_aips == 1);
	CHECK(dev.n_peers == 3);
	ws_device_destroy(&dev);
}

static void test_replace_and_identity(void)
{
	struct ws_device dev;
	struct ws_peer_change pcs[2] = { 0 };
	struct ws_change chg = { .peers = pcs, .n_peers = 2 };
	uint8_t priv[32], pub[32], k[32];

	CHECK(ws_device_init(&dev, "wg0") == 0);
	key(pcs[0].public_key, 1);
	key(pcs[1].public_key, 2);
	pcs[0].flags = WS_PCHG_PSK | WS_PCHG_KEEPALIVE;
	memset(pcs[0].psk, 1, 32);
	pcs[0].persistent_keepalive = 25;
	CHECK(ws_device_apply(&dev, &chg, NULL, 0) == 0);

	/* Replace: peer 1 stays (same id) but loses psk/keepalive not given again; 2 goes. */
	struct ws_peer_change keep = { 0 };
	key(keep.public_key, 1);
	chg = (struct ws_change){ .flags = WS_CHG_REPLACE_PEERS, .peers = &keep, .n_peers = 1 };
	CHECK(ws_device_apply(&dev, &chg, NULL, 0) == 0);
	CHECK(dev.n_peers == 1);
	key(k, 1);
	struct ws_peer *p = ws_device_peer_by_key(&dev, k);
	CHECK(p && p->id == 0 && !p->has_psk && p->persistent_keepalive == 0);

	/* A peer with our own public key is ignored; setting our key to a peer's removes it. */
	ws_x25519_generate(priv);
	ws_x25519_public(pub, priv);
	struct ws_peer_change self = { 0 };
	memcpy(self.public_key, pub, 32);
	chg = (struct ws_change){ .flags = WS_CHG_PRIVATE_KEY, .peers = &self, .n_peers = 1 };
	memcpy(chg.private_key, priv, 32);
	CHECK(ws_device_apply(&dev, &chg, NULL, 0) == 0);
	CHECK(dev.n_peers == 1 && !ws_device_peer_by_key(&dev, pub));
	CHECK(dev.local.has_identity && !memcmp(dev.local.public_key, pub, 32));

	/* All-zero private key removes the identity. */
	chg = (struct ws_change){ .flags = WS_CHG_PRIVATE_KEY };
	CHECK(ws_device_apply(&dev, &chg, NULL, 0) == 0);
	CHECK(!dev.local.has_identity);
	ws_device_destroy(&dev);
}

static void test_many(void)
{
	enum { N = 20000 };
	struct ws_device dev;
	struct ws_peer_change *pcs = calloc(N, sizeof(*pcs));
	struct ws_aip_change *aips = calloc(N, sizeof(*aips));
	struct ws_change chg = { .flags = WS_CHG_REPLACE_PEERS, .peers = pcs, .n_peers = N };
	char s[64];

	CHECK(ws_device_init(&dev, "wg0") == 0);
	for (int i = 0; i < N; i++) {
		key(pcs[i].public_key, i);
		snprintf(s, sizeof(s), "10.%d.%d.0/24", i >> 8, i & 255);
		aips[i] = aip(s, false);
		pcs[i].aips = &aips[i];
		pcs[i].n_aips = 1;
	}
	CHECK(ws_device_apply(&dev, &chg, NULL, 0) == 0);
	CHECK(dev.n_peers == N);
	/* Every peer findable, every prefix owned by its peer. */
	int ok = 0;
	for (int i = 0; i < N; i++) {
		uint8_t k[32];
		key(k, i);
		struct ws_peer *p = ws_device_peer_by_key(&dev, k);
		ok += p && p->n_aips == 1 && !memcmp(&p->aips[0], &aips[i].prefix, sizeof(aips[i].prefix));
	}
	CHECK(ok == N);
	/* Replace with the second half only. */
	chg.peers = pcs + N / 2;
	chg.n_peers = N / 2;
	CHECK(ws_device_apply(&dev, &chg, NULL, 0) == 0);
	CHECK(dev.n_peers == N / 2);
	ws_device_destroy(&dev);
	free(pcs);
	free(aips);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_basic),
		WS_TEST(test_replace_and_identity),
		WS_TEST(test_many),
	};
	ws_crypto_init();
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
