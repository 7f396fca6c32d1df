/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batched control requests (ipc.h minor 1) against a running dataplane, through the
 * control process's own client (dp.c): every item validated before any applies, a failure
 * while applying reported with how many items went in, the single requests unchanged.
 * Run by test_dp_batch.sh, which starts the dataplane (maxPeers 64, maxAllowedIps 16).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp.h"
#include "ws_test.h"

static struct ws_dpconn dp;

static union {
	struct ws_ipc_batch b;
	uint8_t raw[WS_IPC_MAX_MSG - sizeof(struct ws_ipc_hdr)];
} u;

static struct ws_ipc_peer peer(uint32_t id)
{
	struct ws_ipc_peer m = {.peer_id = id};

	memset(m.public_key, (int)id + 1, sizeof(m.public_key));
	return m;
}

static struct ws_ipc_aip_item v4(uint32_t id, uint8_t op, uint32_t host, uint8_t cidr)
{
	struct ws_ipc_aip_item it = {.peer_id = id, .op = op};
	uint32_t a = htonl(0x0a000000u | host);

	it.prefix.family = AF_INET;
	it.prefix.cidr = cidr;
	memcpy(it.prefix.addr, &a, 4);
	return it;
}

/* Sends count items (size each) from items with the given count field; returns the status. */
static int batch(uint8_t type, const void *items, size_t size, uint32_t n, uint32_t claimed,
		 struct ws_ipc_batch_reply *r)
{
	size_t rlen = 0;
	int rc;

	u.b.count = claimed;
	u.b.reserved = 0;
	memcpy(u.raw + sizeof(u.b), items, n * size);
	memset(r, 0xee, sizeof(*r));
	rc = ws_dpconn_request(&dp, type, &u, sizeof(u.b) + n * size, r, sizeof(*r), &rlen);
	CHECK(rlen == sizeof(*r));
	return rc;
}

static uint32_t n_peers(void)
{
	struct ws_ipc_hello_reply h = {0};
	size_t len = 0;

	CHECK(ws_dpconn_request(&dp, WS_IPC_HELLO, NULL, 0, &h, sizeof(h), &len) == 0);
	return h.n_peers;
}

/* The number of prefixes the dataplane lists for a peer. */
static uint32_t n_aips(uint32_t id)
{
	static union {
		struct ws_ipc_allowedips m;
		uint8_t raw[WS_IPC_MAX_MSG];
	} r;
	struct ws_ipc_page pg = {.first = id, .max = 1000};
	size_t len = 0;

	if (ws_dpconn_request(&dp, WS_IPC_ALLOWEDIPS_DUMP, &pg, sizeof(pg), &r, sizeof(r), &len))
		return UINT32_MAX;
	return r.m.count;
}

static void t_hello_minor(void)
{
	CHECK(dp.minor == WS_IPC_MINOR);
}

static void t_peer_batch(void)
{
	struct ws_ipc_peer p[4] = {peer(0), peer(1), peer(2), peer(3)};
	struct ws_ipc_batch_reply r;

	/* one bad item (unknown flag) anywhere: nothing applies */
	p[2].flags = 0x80;
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 4, 4, &r) == -EINVAL);
	CHECK(r.done == 0 && r.first_bad == 2);
	CHECK(n_peers() == 0);
	p[2] = peer(2);
	p[3].peer_id = 64; /* beyond maxPeers */
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 4, 4, &r) == -EINVAL);
	CHECK(r.done == 0 && r.first_bad == 3);
	p[3] = peer(3);
	p[3].flags = WS_IPC_PEER_F_ENDPOINT;
	p[3].endpoint.family = 99;
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 4, 4, &r) == -EINVAL);
	CHECK(n_peers() == 0);
	/* framing: count 0, count not matching the length, too many */
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 0, 0, &r) == -EINVAL);
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 3, 4, &r) == -EINVAL);
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 3, 2, &r) == -EINVAL);
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 1, WS_IPC_BATCH_MAX + 1, &r) ==
	      -EINVAL);
	CHECK(n_peers() == 0);
	/* all good: all in */
	p[3] = peer(3);
	p[3].flags = WS_IPC_PEER_F_ENDPOINT;
	p[3].endpoint.family = AF_INET;
	p[3].endpoint.port = htons(51820);
	CHECK(batch(WS_IPC_PEER_SET_BATCH, p, sizeof(p[0]), 4, 4, &r) == 0);
	CHECK(r.done == 4);
	CHECK(n_peers() == 4);
	CHECK(ws_dpconn_connected(&dp));
}

static void t_aip_batch(void)
{
	struct ws_ipc_aip_item it[20];
	struct ws_ipc_batch_reply r;

	/* validation: bad prefix length last, ADD to a peer that does not exist, bad op, a
	 * CLEAR with a prefix: each fails the whole batch */
	it[0] = v4(0, WS_IPC_AIP_ADD, 1, 32);
	it[1] = v4(1, WS_IPC_AIP_ADD, 2, 33);
	CHECK(batch(WS_IPC_ALLOWEDIPS_BATCH, it, sizeof(it[0]), 2, 2, &r) == -EINVAL);
	CHECK(r.done == 0 && r.first_bad == 1);
	it[1] = v4(9, WS_IPC_AIP_ADD, 2, 32); /* id 9 is no live peer */
	CHECK(batch(WS_IPC_ALLOWEDIPS_BATCH, it, sizeof(it[0]), 2, 2, &r) == -ENOENT);
	CHECK(r.done == 0 && r.first_bad == 1);
	it[1] = v4(1, 7, 2, 32);
	CHECK(batch(WS_IPC_ALLOWEDIPS_BATCH, it, sizeof(it[0]), 2, 2, &r) == -EINVAL);
	it[1] = v4(1, WS_IPC_AIP_CLEAR, 2, 32);
	CHECK(batch(WS_IPC_ALLOWEDIPS_BATCH, it, sizeof(it[0]), 2, 2, &r) == -EINVAL);
	CHECK(n_aips(0) == 0 && n_aips(1) == 0);

	/* several peers and ops in one batch, applied in order */
	it[0] = v4(0, WS_IPC_AIP_ADD, 1, 32);
	it[1] = v4(0, WS_IPC_AIP_ADD, 2, 32);
	it[2] = v4(1, WS_IPC_AIP_ADD, 3, 32);
	it[3] = v4(1, WS_IPC_AIP_ADD, 2, 32); /* moves from peer 0 to peer 1 */
	it[4] = v4(2, WS_IPC_AIP_ADD, 0x100, 24);
	CHECK(batch(WS_IPC_ALLOWEDIPS_BATCH, it, sizeof(it[0]), 5, 5, &r) == 0);
	CHECK(r.done == 5);
	CHECK(n_aips(0) == 1 && n_aips(1) == 2 && n_aips(2) == 1);
	memset(&it[0], 0, sizeof(it[0]));
	it[0].peer_id = 1;
	it[0].op = WS_IPC_AIP_CLEAR;
	it[1] = v4(2, WS_IPC_AIP_DEL, 0x100, 24);
	CHECK(batch(WS_IPC_ALLOWEDIPS_BATCH, it, sizeof(it[0]), 2, 2, &r) == 0);
	CHECK(n_aips(0) == 1 && n_aips(1) == 0 && n_aips(2) == 0);

	/* the table holds 16 IPv4 prefixes: the 16th new one fails while applying and the
	 * reply says how many went in (and stay) */
	for (uint32_t i = 0; i < 20; i++)
		it[i] = v4(3, WS_IPC_AIP_ADD, 0x1000 + i, 32);
	int rc = batch(WS_IPC_ALLOWEDIPS_BATCH, it, sizeof(it[0]), 20, 20, &r);
	CHECK(rc == -ENOSPC || rc == -ENOMEM);
	CHECK(r.done < 20 && r.first_bad == r.done);
	CHECK(n_aips(3) == r.done);
	CHECK(n_aips(0) == 1);
	printf("  table full after %u of 20 (status %d)\n", r.done, rc);
	CHECK(ws_dpconn_connected(&dp));
}

/* The requests of minor 0 are unchanged. */
static void t_single(void)
{
	struct ws_ipc_peer p = peer(5);
	struct {
		struct ws_ipc_allowedips m;
		struct ws_ipc_prefix e[1];
	} a = {0};
	struct ws_ipc_aip_item it = v4(5, WS_IPC_AIP_ADD, 0x2000, 32);
	struct ws_ipc_peer_ref ref = {.peer_id = 3};

	CHECK(ws_dpconn_request(&dp, WS_IPC_PEER_SET, &p, sizeof(p), NULL, 0, NULL) == 0);
	CHECK(n_peers() == 5);
	/* make room first: peer 3 filled the table */
	CHECK(ws_dpconn_request(&dp, WS_IPC_PEER_REMOVE, &ref, sizeof(ref), NULL, 0, NULL) == 0);
	a.m.peer_id = 5;
	a.m.op = WS_IPC_AIP_ADD;
	a.m.count = 1;
	a.e[0] = it.prefix;
	CHECK(ws_dpconn_request(&dp, WS_IPC_ALLOWEDIPS, &a, sizeof(a), NULL, 0, NULL) == 0);
	CHECK(n_aips(5) == 1);
	a.e[0].cidr = 40;
	CHECK(ws_dpconn_request(&dp, WS_IPC_ALLOWEDIPS, &a, sizeof(a), NULL, 0, NULL) == -EINVAL);
	CHECK(n_aips(5) == 1);
}

int main(int argc, char **argv)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(t_hello_minor),
		WS_TEST(t_peer_batch),
		WS_TEST(t_aip_batch),
		WS_TEST(t_single),
	};
	int tries = 0;

	if (argc != 2 || ws_dpconn_init(&dp, argv[1]) != 0) {
		fprintf(stderr, "usage: %s CONTROL_SOCKET\n", argv[0]);
		return 2;
	}
	dp.timeout_ms = 10000;
	while (ws_dpconn_try_connect(&dp, NULL) < 0 && ++tries < 100)
		usleep(100000);
	if (!ws_dpconn_connected(&dp)) {
		fprintf(stderr, "no dataplane on %s\n", argv[1]);
		return 1;
	}
	int rc = ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
	ws_dpconn_destroy(&dp);
	return rc;
}
