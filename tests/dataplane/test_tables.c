/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the fast-path tables (EAL with --no-huge, no ports) and of the handshake rate
 * limiter (pure): allowed-ips ownership, masking, listing and clearing; keypair slots as the
 * kernel rotates them; confirmation; RCU-deferred freeing that waits for a reader.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>


#include "dataplane.h"
#include "dp_test.h"
#include "encap.h"
#include "messages.h"
#include "ratelimit.h"
#include "tables.h"

static struct ws_dp_config cfg;

static struct ws_ipc_prefix pfx4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t cidr)
{
	return (struct ws_ipc_prefix){.family = AF_INET, .cidr = cidr, .addr = {a, b, c, d}};
}

static uint64_t owner4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint32_t ip = (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
	uint64_t nh = 0;

	rte_fib_lookup_bulk(ws_dp_tables.fib4, &ip, &nh, 1);
	return nh;
}

static void test_allowedips(void)
{
	struct ws_ipc_peer p = {.peer_id = 0};
	struct ws_ipc_prefix e[4], out[16];
	struct ws_ipc_prefix v6 = {.family = AF_INET6, .cidr = 0};

	CHECK(ws_dp_peer_set(&p) == 0);
	p.peer_id = 1;
	p.public_key[0] = 1;
	CHECK(ws_dp_peer_set(&p) == 0);
	p.peer_id = 99; /* maxPeers 16 */
	CHECK(ws_dp_peer_set(&p) == -EINVAL);
	CHECK(ws_dp_tables.n_live_peers == 2);

	e[0] = pfx4(10, 0, 0, 0, 8);
	e[1] = pfx4(10, 1, 2, 3, 16); /* host bits are cleared, as the kernel stores it */
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, e, 1) == 0);
	CHECK(ws_dp_allowedips(1, WS_IPC_AIP_ADD, e + 1, 1) == 0);
	CHECK(owner4(10, 9, 9, 9) == 0);
	CHECK(owner4(10, 1, 200, 1) == 1);
	CHECK(owner4(11, 0, 0, 1) == WS_DP_NH_NONE);
	CHECK(ws_dp_allowedips_list(1, out, 16) == 1 && out[0].cidr == 16 && out[0].addr[2] == 0);
	/* a prefix has one owner: adding it to peer 1 moves it */
	CHECK(ws_dp_allowedips(1, WS_IPC_AIP_ADD, e, 1) == 0);
	CHECK(ws_dp_tables.peers[0].n_allowedips == 0 && ws_dp_tables.peers[1].n_allowedips == 2);
	/* deleting what one does not own changes nothing */
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_DEL, e, 1) == 0);
	CHECK(owner4(10, 9, 9, 9) == 1);
	/* default routes are listed once each */
	e[2] = pfx4(0, 0, 0, 0, 0);
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, e + 2, 1) == 0);
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, &v6, 1) == 0);
	CHECK(ws_dp_allowedips_list(0, out, 16) == 2);
	CHECK(ws_dp_tables.peers[0].n_allowedips == 2);
	CHECK(owner4(192, 168, 0, 1) == 0);
	/* invalid entries reject the whole message */
	e[3] = pfx4(1, 2, 3, 4, 33);
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, e + 2, 2) == -EINVAL);
	CHECK(ws_dp_allowedips(0, 7, e, 1) == -EINVAL);
	/* clear takes every prefix of one peer and nothing else */
	CHECK(ws_dp_allowedips(1, WS_IPC_AIP_CLEAR, NULL, 0) == 0);
	CHECK(ws_dp_tables.peers[1].n_allowedips == 0);
	CHECK(owner4(10, 1, 0, 1) == 0); /* falls back to 0.0.0.0/0 */
	CHECK(ws_dp_allowedips_list(WS_DP_NH_NONE, out, 16) == 2);
}

static struct ws_ipc_keypair kp(uint32_t peer, uint32_t local, uint8_t initiator)
{
	struct ws_ipc_keypair k = {.peer_id = peer, .local_index = local,
				   .remote_index = local + 1000, .initiator = initiator};

	memset(k.send_key, (int)local, sizeof(k.send_key));
	return k;
}

static bool indexed(uint32_t local)
{
	void *d;

	return rte_hash_lookup_data(ws_dp_tables.keypairs, &local, &d) >= 0;
}

static uint32_t slot(uint32_t peer, unsigned int s)
{
	const struct ws_dp_keypair *k = ws_dp_tables.peers[peer].kp[s];

	return k ? k->local_index : 0;
}

static void test_keypairs(void)
{
	struct ws_ipc_keypair k;
	const unsigned int reader = 7;

	k = kp(0, 11, 1);
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(ws_dp_keypair_add(&k) == -EEXIST);
	k = kp(5, 12, 1); /* no such peer */
	CHECK(ws_dp_keypair_add(&k) == -EINVAL);
	k = kp(0, 12, 1);
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(slot(0, WS_DP_KP_CURRENT) == 12 && slot(0, WS_DP_KP_PREVIOUS) == 11);
	/* responder: waits in next, the previous goes */
	k = kp(0, 13, 0);
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(slot(0, WS_DP_KP_NEXT) == 13 && slot(0, WS_DP_KP_CURRENT) == 12 &&
	      slot(0, WS_DP_KP_PREVIOUS) == 0);
	CHECK(!ws_dp_keypair_confirm(0, 12));
	CHECK(ws_dp_keypair_confirm(0, 13));
	CHECK(slot(0, WS_DP_KP_CURRENT) == 13 && slot(0, WS_DP_KP_PREVIOUS) == 12 &&
	      slot(0, WS_DP_KP_NEXT) == 0);

	/* a reader online that has not passed a quiescent state holds retired keypairs */
	ws_dp_tables_reclaim(true);
	CHECK(!indexed(11));
	ws_dp_tables_reader_online(reader);
	k = kp(0, 14, 1); /* retires 12 (previous) */
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(!indexed(12));
	ws_dp_tables_reclaim(false);
	CHECK(ws_dp_tables.retired != NULL);
	ws_dp_tables_quiescent(reader);
	ws_dp_tables_reclaim(false);
	CHECK(ws_dp_tables.retired == NULL);
	ws_dp_tables_reader_offline(reader);

	/* removing the peer drops every keypair and prefix */
	CHECK(ws_dp_peer_remove(0) == 0);
	CHECK(ws_dp_peer_remove(0) == -ENOENT);
	CHECK(!indexed(13) && !indexed(14));
	CHECK(owner4(192, 168, 0, 1) == WS_DP_NH_NONE);
	ws_dp_tables_reclaim(true);
	CHECK(ws_dp_tables.n_keypairs == 0);
}

static void test_ratelimit(void)
{
	struct ws_ratelimit rl;
	const uint8_t a[4] = {198, 18, 0, 2}, b[4] = {198, 18, 0, 3};
	uint8_t v6a[16] = {0x20, 0x01, 0xd, 0xb8}, v6b[16] = {0x20, 0x01, 0xd, 0xb8};
	uint64_t t = 1000 * WS_NSEC_PER_SEC;
	int n = 0;

	v6b[15] = 9; /* same /64 */
	CHECK(ws_ratelimit_init(&rl, 64) == 0);
	for (int i = 0; i < 20; i++)
		n += ws_ratelimit_allow(&rl, a, 4, t);
	CHECK(n == WS_RL_BURST);
	CHECK(ws_ratelimit_allow(&rl, b, 4, t)); /* another source has its own bucket */
	CHECK(!ws_ratelimit_allow(&rl, a, 4, t + WS_NSEC_PER_SEC / 100));
	CHECK(ws_ratelimit_allow(&rl, a, 4, t + WS_NSEC_PER_SEC / WS_INITIATIONS_PER_SECOND));
	n = 0;
	for (int i = 0; i < 10; i++)
		n += ws_ratelimit_allow(&rl, i % 2 ? v6a : v6b, 16, t);
	CHECK(n == WS_RL_BURST);
	/* idle for a second: a full bucket again */
	n = 0;
	for (int i = 0; i < 20; i++)
		n += ws_ratelimit_allow(&rl, a, 4, t + 3 * WS_NSEC_PER_SEC);
	CHECK(n == WS_RL_BURST);
	ws_ratelimit_destroy(&rl);
}

/* The fast checksum against DPDK's, for every length and alignment. */
static void test_cksum(void)
{
	uint8_t buf[20 + 8 + 1600] __attribute__((aligned(8)));

	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (unsigned int off = 0; off < 3; off++)
		for (unsigned int len = 8; len <= 1500; len += (len < 80 ? 1 : 37)) {
			struct rte_ipv4_hdr *ip = (void *)(buf + off);
			struct rte_udp_hdr *udp = (void *)(ip + 1);

			memset(ip, 0, sizeof(*ip));
			ip->version_ihl = RTE_IPV4_VHL_DEF;
			ip->next_proto_id = IPPROTO_UDP;
			ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + len));
			ip->src_addr = rte_cpu_to_be_32(0xc6120001);
			ip->dst_addr = rte_cpu_to_be_32(0xc6120002 + len);
			udp->dgram_len = rte_cpu_to_be_16((uint16_t)len);
			udp->dgram_cksum = 0;
			CHECK(ws_dp_udp_cksum(rte_ipv4_phdr_cksum(ip, 0), udp) ==
			      rte_ipv4_udptcp_cksum(ip, udp));
		}
}

/*
 * Allowed-ips changes under concurrent lookups. A reader lcore (an RCU reader, as a worker)
 * looks up a fixed set of addresses with the workers' inline lookups, and reports a quiescent
 * state after each round; the main lcore meanwhile moves prefixes between peers, deletes them,
 * removes whole peers, alone and in batches. Stable prefixes must always answer their owner;
 * a moving prefix must answer an owner it had at some point during the lookup.
 *
 * The window: before each round the reader reads every moving prefix's version, after it
 * again (v0, v1). The writer records version v+1's owner, then release-stores the version,
 * then makes the change (publish + grace period). A lookup after reading v0 loads a table
 * copy published no earlier than the change to v0-1 (the copy before that was waited out
 * before v0 was announced), so it may answer the owner of v0-1 .. v1, nothing else.
 */
enum { CAP_PEERS = 100000, CAP_AIPS = 131072, CAP_SCATTER = 2000 };

enum { ST_PEERS = 16, ST_MOVING = 48, ST_HIST = 16, ST_MAXFAIL = 8 };

struct stress {
	int family;
	unsigned int lcore;
	/* moving prefix k: hist[k][v % ST_HIST] is the owner at version v (covering owner if none) */
	uint32_t ver[ST_MOVING];
	uint32_t hist[ST_MOVING][ST_HIST];
	/* addresses: moving k, then the stable ones with their fixed answers */
	uint32_t a4[ST_MOVING + 8];
	uint8_t a6[ST_MOVING + 8][16];
	uint32_t stable_nh[8];
	unsigned int n_stable;
	/* reader -> main */
	uint8_t online, stop;
	uint64_t rounds, lookups, bad;
	char fail[ST_MAXFAIL][128];
};

static int stress_reader(void *arg)
{
	struct stress *st = arg;
	const unsigned int n = ST_MOVING + st->n_stable;
	uint64_t nh[ST_MOVING + 8];
	uint32_t v0[ST_MOVING], v1[ST_MOVING];
	uint8_t a6[ST_MOVING + 8][16];

	ws_dp_tables_reader_online(st->lcore);
	__atomic_store_n(&st->online, 1, __ATOMIC_RELEASE);
	/* bounded: the writer stops us long before this */
	for (uint64_t r = 0; r < (1ull << 40) && !__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE);
	     r++) {
		for (unsigned int k = 0; k < ST_MOVING; k++)
			v0[k] = __atomic_load_n(&st->ver[k], __ATOMIC_ACQUIRE);
		if (st->family == AF_INET) {
			ws_dp_fib4_lookup_runs(st->a4, nh, (uint16_t)n);
		} else {
			memcpy(a6, st->a6, sizeof(a6)); /* the lookup wants a writable array */
			ws_dp_fib6_lookup(a6, nh, n);
		}
		for (unsigned int k = 0; k < ST_MOVING; k++)
			v1[k] = __atomic_load_n(&st->ver[k], __ATOMIC_ACQUIRE);
		for (unsigned int k = 0; k < n; k++) {
			bool ok = false;

			if (nh[k] >= ST_PEERS) /* dir24_8's default is not WS_DP_NH_NONE */
				nh[k] = WS_DP_NH_NONE;

			if (k < ST_MOVING) {
				uint32_t lo = v0[k] ? v0[k] - 1 : 0;

				if (v1[k] - lo < ST_HIST)
					for (uint32_t v = lo; v <= v1[k] && !ok; v++)
						ok = nh[k] == st->hist[k][v % ST_HIST];
			} else {
				ok = nh[k] == st->stable_nh[k - ST_MOVING];
			}
			if (!ok) {
				uint64_t b = st->bad++;

				if (b < ST_MAXFAIL)
					snprintf(st->fail[b], sizeof(st->fail[b]),
						 "family %d address %u: next hop %" PRIu64
						 " (versions %u..%u)",
						 st->family, k, nh[k], k < ST_MOVING ? v0[k] : 0,
						 k < ST_MOVING ? v1[k] : 0);
			}
		}
		st->lookups += n;
		__atomic_store_n(&st->rounds, r + 1, __ATOMIC_RELEASE);
		ws_dp_tables_quiescent(st->lcore);
	}
	ws_dp_tables_reader_offline(st->lcore);
	return 0;
}

/* Moving prefix k: even k a /24 (v4) or /64 (v6), odd k a /28 or /120 (a tbl8 group). */
static struct ws_ipc_prefix moving_prefix(int family, unsigned int k)
{
	if (family == AF_INET)
		return pfx4(10, 2, (uint8_t)k, 16, k % 2 ? 28 : 24);
	return (struct ws_ipc_prefix){.family = AF_INET6, .cidr = k % 2 ? 120 : 64,
				      .addr = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, (uint8_t)k,
					       [14] = 0, [15] = 16}};
}

static void set_addr(struct stress *st, unsigned int i, const uint8_t *a)
{
	if (st->family == AF_INET)
		st->a4[i] = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	else
		memcpy(st->a6[i], a, 16);
}

/* Owner of the address in moving prefix k when k has none: the covering stable prefix. */
#define ST_COVER 0u

static void announce(struct stress *st, unsigned int k, uint32_t owner)
{
	uint32_t v = st->ver[k] + 1;

	st->hist[k][v % ST_HIST] = owner == WS_DP_NH_NONE ? ST_COVER : owner;
	__atomic_store_n(&st->ver[k], v, __ATOMIC_RELEASE);
}

/* The IPv6 answers of copy c (not necessarily the published one). */
static void lookup6_copy(unsigned int c, uint8_t (*a6)[16], uint64_t *nh, unsigned int n)
{
	if (ws_dp_tables.lpm6) {
		const struct ws_dp_lpm6 *l = &ws_dp_tables.lpm6_copy[c];
		int32_t r[64];

		for (unsigned int off = 0; off < n; off += RTE_DIM(r)) {
			unsigned int k = RTE_MIN(n - off, (unsigned int)RTE_DIM(r));

			rte_lpm6_lookup_bulk_func(l->lpm, a6 + off, r, k);
			for (unsigned int i = 0; i < k; i++)
				nh[off + i] = r[i] < 0 ? l->default_nh : (uint64_t)r[i];
		}
		return;
	}
	rte_fib6_lookup_bulk(ws_dp_tables.fib6_copy[c], a6, nh, n);
}

static bool copies_agree(int family, const struct stress *st)
{
	const unsigned int n = ST_MOVING + st->n_stable;
	uint64_t nh[2][ST_MOVING + 8];
	uint8_t a6[ST_MOVING + 8][16];

	for (unsigned int c = 0; c < 2; c++) {
		if (family == AF_INET) {
			rte_fib_lookup_bulk(ws_dp_tables.fib4_copy[c], (uint32_t *)st->a4, nh[c], n);
		} else {
			memcpy(a6, st->a6, sizeof(a6));
			lookup6_copy(c, a6, nh[c], n);
		}
	}
	return memcmp(nh[0], nh[1], sizeof(uint64_t) * n) == 0;
}

static void stress_run(const char *fib, int family, unsigned int iters)
{
	char yaml[512], err[512];
	struct ws_dp_config c;
	struct stress *st = calloc(1, sizeof(*st));
	uint32_t owner[ST_MOVING];
	struct ws_ipc_prefix e, big[1000];
	static struct ws_ipc_prefix more[20000];
	uint64_t swaps0;
	unsigned int lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	uint32_t rng = 12345;
	int n;

	n = snprintf(yaml, sizeof(yaml),
		     "dataplane:\n  ports:\n    - {name: t0, role: wan, device: net_null0, "
		     "address: \"198.18.0.1/24\"}\n  tables: {maxPeers: %u, maxAllowedIps: 16384, "
		     "fib: %s}\n", ST_PEERS, fib);
	if (!st || ws_dp_config_parse(&c, "t", yaml, (size_t)n, err, sizeof(err)) ||
	    ws_dp_tables_create(&c, 1, err, sizeof(err))) {
		fprintf(stderr, "stress %s: %s\n", fib, st ? err : "no memory");
		ws_test_failures++;
		free(st);
		return;
	}
	ws_dp.cfg = &c;
	st->family = family;
	st->lcore = lcore;
	for (uint32_t i = 0; i < ST_PEERS; i++) {
		struct ws_ipc_peer p = {.peer_id = i, .public_key = {(uint8_t)i}};

		CHECK(ws_dp_peer_set(&p) == 0);
	}
	/* stable: the covering prefix (peer 0), host routes beside moving /28s and /120s (peers
	 * 1-3), and an address nothing covers */
	e = family == AF_INET ? pfx4(10, 0, 0, 0, 8)
			      : (struct ws_ipc_prefix){.family = AF_INET6, .cidr = 32,
						       .addr = {0x20, 0x01, 0x0d, 0xb8}};
	CHECK(ws_dp_allowedips(ST_COVER, WS_IPC_AIP_ADD, &e, 1) == 0);
	set_addr(st, ST_MOVING, e.addr);
	st->a4[ST_MOVING] |= 5;
	st->a6[ST_MOVING][15] = 5;
	st->stable_nh[0] = ST_COVER;
	for (unsigned int i = 1; i < 4; i++) {
		struct ws_ipc_prefix h = moving_prefix(family, 4 * i + 1);

		h.cidr = family == AF_INET ? 32 : 128;
		h.addr[family == AF_INET ? 3 : 15] = 200;
		CHECK(ws_dp_allowedips(i, WS_IPC_AIP_ADD, &h, 1) == 0);
		set_addr(st, ST_MOVING + i, h.addr);
		st->stable_nh[i] = i;
	}
	e = family == AF_INET ? pfx4(11, 0, 0, 1, 32)
			      : (struct ws_ipc_prefix){.family = AF_INET6, .addr = {0x20, 0x02}};
	set_addr(st, ST_MOVING + 4, e.addr);
	st->stable_nh[4] = WS_DP_NH_NONE;
	st->n_stable = 5;
	for (unsigned int k = 0; k < ST_MOVING; k++) {
		e = moving_prefix(family, k);
		e.addr[family == AF_INET ? 3 : 15] = 20; /* inside both the /24 and the /28 */
		set_addr(st, k, e.addr);
		owner[k] = WS_DP_NH_NONE;
		st->hist[k][0] = ST_COVER;
	}

	/* a whole peer's prefixes in one message: one publication, one grace period */
	for (unsigned int i = 0; i < RTE_DIM(big); i++)
		big[i] = family == AF_INET ? pfx4(172, 16, (uint8_t)(i >> 8), (uint8_t)i, 32)
			: (struct ws_ipc_prefix){.family = AF_INET6, .cidr = 128,
						 .addr = {0xfd, [14] = (uint8_t)(i >> 8),
							  [15] = (uint8_t)i}};
	swaps0 = ws_dp_tables.aip_swaps;
	CHECK(ws_dp_allowedips(ST_PEERS - 1, WS_IPC_AIP_ADD, big, RTE_DIM(big)) == 0);
	CHECK(ws_dp_tables.aip_swaps == swaps0 + 1);
	CHECK(ws_dp_tables.peers[ST_PEERS - 1].n_allowedips == RTE_DIM(big));
	/* a message that does not fit is taken back whole, in both copies */
	/* 20000 more prefixes do not fit (the RIB holds 2 x 16384 nodes) */
	for (unsigned int i = 0; i < RTE_DIM(more); i++) {
		more[i] = big[i % RTE_DIM(big)];
		more[i].addr[1] = (uint8_t)(1 + i / RTE_DIM(big));
	}
	n = ws_dp_allowedips(ST_PEERS - 2, WS_IPC_AIP_ADD, more, RTE_DIM(more));
	if (n != -ENOSPC && n != -ENOMEM)
		fprintf(stderr, "stress %s: %d from a message that does not fit\n", fib, n);
	CHECK(n == -ENOSPC || n == -ENOMEM);
	CHECK(ws_dp_tables.peers[ST_PEERS - 2].n_allowedips == 0);
	CHECK(ws_dp_tables.peers[ST_PEERS - 1].n_allowedips == RTE_DIM(big));
	CHECK(ws_dp_allowedips_list(ST_PEERS - 2, &e, 1) == 0);
	CHECK(ws_dp_allowedips(ST_PEERS - 1, WS_IPC_AIP_CLEAR, NULL, 0) == 0);
	CHECK(ws_dp_tables.aip_replay_errors == 0);
	CHECK(copies_agree(family, st));

	CHECK(rte_eal_remote_launch(stress_reader, st, lcore) == 0);
	for (unsigned int w = 0; w < 10000000 && !__atomic_load_n(&st->online, __ATOMIC_ACQUIRE);
	     w++)
		sched_yield();
	CHECK(__atomic_load_n(&st->online, __ATOMIC_ACQUIRE));
	swaps0 = ws_dp_tables.aip_swaps;
	for (unsigned int it = 0; it < iters; it++) {
		unsigned int k, what;
		uint32_t to;

		rng = rng * 1103515245u + 12345u;
		k = (rng >> 8) % ST_MOVING;
		what = (rng >> 20) % 16;
		to = 4 + (rng >> 4) % (ST_PEERS - 4);
		e = moving_prefix(family, k);
		if (what < 9) { /* move (or add) to another peer */
			announce(st, k, to);
			n = ws_dp_allowedips(to, WS_IPC_AIP_ADD, &e, 1);
			if (n)
				fprintf(stderr, "stress %s: add %u: %d\n", fib, k, n);
			CHECK(n == 0);
			owner[k] = to;
		} else if (what < 13) { /* delete */
			if (owner[k] == WS_DP_NH_NONE)
				continue;
			announce(st, k, WS_DP_NH_NONE);
			CHECK(ws_dp_allowedips(owner[k], WS_IPC_AIP_DEL, &e, 1) == 0);
			owner[k] = WS_DP_NH_NONE;
		} else if (what < 15) { /* a batch: several prefixes to one peer, one swap */
			unsigned int m = 2 + (rng >> 12) % 6;
			uint64_t s0 = ws_dp_tables.aip_swaps;
			bool changed = false;

			for (unsigned int j = 0; j < m; j++) {
				changed |= owner[(k + j) % ST_MOVING] != to;
				announce(st, (k + j) % ST_MOVING, to);
			}
			ws_dp_allowedips_begin();
			for (unsigned int j = 0; j < m; j++) {
				e = moving_prefix(family, (k + j) % ST_MOVING);
				CHECK(ws_dp_allowedips(to, WS_IPC_AIP_ADD, &e, 1) == 0);
				owner[(k + j) % ST_MOVING] = to;
			}
			ws_dp_allowedips_commit();
			CHECK(ws_dp_tables.aip_swaps == s0 + changed);
		} else { /* the peer goes (all its prefixes at once) and comes back */
			struct ws_ipc_peer p = {.peer_id = to, .public_key = {(uint8_t)to}};

			for (unsigned int j = 0; j < ST_MOVING; j++)
				if (owner[j] == to)
					announce(st, j, WS_DP_NH_NONE);
			CHECK(ws_dp_peer_remove(to) == 0);
			for (unsigned int j = 0; j < ST_MOVING; j++)
				if (owner[j] == to)
					owner[j] = WS_DP_NH_NONE;
			CHECK(ws_dp_peer_set(&p) == 0);
		}
	}
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELEASE);
	CHECK(rte_eal_wait_lcore(lcore) == 0);
	for (unsigned int f = 0; f < RTE_MIN(st->bad, (uint64_t)ST_MAXFAIL); f++)
		fprintf(stderr, "stress %s: %s\n", fib, st->fail[f]);
	CHECK(st->bad == 0);
	/* every publication waited for the reader to pass a round: they overlapped */
	CHECK(st->rounds + 1 >= ws_dp_tables.aip_swaps - swaps0);
	CHECK(ws_dp_tables.aip_swaps - swaps0 >= iters / 2);
	CHECK(ws_dp_tables.aip_replay_errors == 0);
	CHECK(copies_agree(family, st));
	for (unsigned int k = 0; k < ST_MOVING; k++) {
		e = moving_prefix(family, k);
		if (owner[k] != WS_DP_NH_NONE)
			CHECK(ws_dp_allowedips_list(owner[k], big, RTE_DIM(big)) >= 1);
	}
	/* dir24_8's IPv6 is an lpm6 (the published copy among the two) */
	if (family == AF_INET6)
		CHECK(!strcmp(fib, "dir24_8") == (ws_dp_tables.lpm6 != NULL));
	printf("stress %s ipv%d: %u changes, %" PRIu64 " publications, %" PRIu64
	       " reader rounds, %" PRIu64 " lookups checked\n",
	       fib, family == AF_INET ? 4 : 6, iters, ws_dp_tables.aip_swaps - swaps0, st->rounds,
	       st->lookups);
	ws_dp_tables_destroy();
	ws_dp.cfg = &cfg;
	free(st);
}

/* Capacity test address i: fd77::1 + i, sequential in one /64 as a concentrator allocates. */
static struct ws_ipc_prefix cap_addr(uint32_t i)
{
	struct ws_ipc_prefix e = {.family = AF_INET6, .cidr = 128, .addr = {0xfd, 0x77}};
	uint32_t be = rte_cpu_to_be_32(i + 1);

	memcpy(e.addr + 12, &be, 4);
	return e;
}

/* Looks addresses first .. first + n - 1 up in both copies; counts the answers not peer(i). */
static uint32_t cap_check(uint32_t first, uint32_t n, uint32_t (*peer)(uint32_t, uint32_t),
			  uint32_t arg)
{
	uint8_t a6[64][16];
	uint64_t nh[64], nhc[64];
	uint32_t bad = 0;

	for (uint32_t i = 0; i < n; i += 64) {
		unsigned int k = RTE_MIN(n - i, 64u);

		for (unsigned int j = 0; j < k; j++) {
			struct ws_ipc_prefix e = cap_addr(first + i + j);

			memcpy(a6[j], e.addr, 16);
		}
		ws_dp_fib6_lookup(a6, nh, k);
		lookup6_copy(ws_dp_tables.aip_pub ^ 1, a6, nhc, k);
		for (unsigned int j = 0; j < k; j++)
			bad += nh[j] != peer(first + i + j, arg) || nhc[j] != nh[j];
	}
	return bad;
}

static uint32_t cap_peer(uint32_t i, uint32_t round)
{
	return round % 2 ? CAP_PEERS - 1 - i : i; /* every other round another owner */
}

static uint32_t cap_none(uint32_t i, uint32_t arg)
{
	(void)i;
	return arg;
}

/*
 * IPv6 capacity of the fast kind (an lpm6): CAP_PEERS peers with one sequential /128 each,
 * every one looked up in both copies, all deleted and added again to other peers (tbl8 groups
 * come back on delete). Then scattered /128s, each taking groups of its own: a round takes
 * most of the groups, so a round's groups must come back for the next to fit.
 */
static void test_capacity(void)
{
	char yaml[512], err[512];
	struct ws_dp_config c;
	struct ws_ipc_prefix e, got[2];
	uint32_t rng = 777;
	int n;

	n = snprintf(yaml, sizeof(yaml),
		     "dataplane:\n  ports:\n    - {name: t0, role: wan, device: net_null0, "
		     "address: \"198.18.0.1/24\"}\n  tables: {maxPeers: %u, maxAllowedIps: %u, "
		     "fib: dir24_8}\n", CAP_PEERS, CAP_AIPS);
	if (ws_dp_config_parse(&c, "t", yaml, (size_t)n, err, sizeof(err)) ||
	    ws_dp_tables_create(&c, 1, err, sizeof(err))) {
		fprintf(stderr, "capacity: %s\n", err);
		CHECK(false);
		return;
	}
	ws_dp.cfg = &c;
	CHECK(ws_dp_tables.lpm6 != NULL);
	for (uint32_t i = 0; i < CAP_PEERS; i++) {
		struct ws_ipc_peer p = {.peer_id = i};

		memcpy(p.public_key, &i, sizeof(i));
		CHECK(ws_dp_peer_set(&p) == 0);
	}
	for (uint32_t round = 0; round < 3; round++) {
		uint32_t failed = 0;

		/* a batched push: 1000 peers a publication */
		for (uint32_t i = 0; i < CAP_PEERS; i++) {
			if (i % 1000 == 0)
				ws_dp_allowedips_begin();
			e = cap_addr(i);
			failed += ws_dp_allowedips(cap_peer(i, round), WS_IPC_AIP_ADD, &e, 1) != 0;
			if (i % 1000 == 999 || i == CAP_PEERS - 1)
				ws_dp_allowedips_commit();
		}
		CHECK(failed == 0);
		CHECK(cap_check(0, CAP_PEERS, cap_peer, round) == 0);
		/* the neighbours of the range belong to no one */
		CHECK(cap_check(UINT32_MAX, 1, cap_none, WS_DP_NH_NONE) == 0);
		CHECK(cap_check(CAP_PEERS, 1, cap_none, WS_DP_NH_NONE) == 0);
		CHECK(ws_dp_allowedips_list(cap_peer(5, round), got, 2) == 1);
		e = cap_addr(5);
		CHECK(memcmp(got[0].addr, e.addr, 16) == 0 && got[0].cidr == 128);
		CHECK(ws_dp_tables.aip_replay_errors == 0);
		/* (not CLEAR: listing a peer's prefixes walks the whole RIB) */
		ws_dp_allowedips_begin();
		for (uint32_t i = 0; i < CAP_PEERS; i++) {
			e = cap_addr(i);
			CHECK(ws_dp_allowedips(cap_peer(i, round), WS_IPC_AIP_DEL, &e, 1) == 0);
		}
		ws_dp_allowedips_commit();
		for (uint32_t i = 0; i < CAP_PEERS; i++)
			failed += ws_dp_tables.peers[i].n_allowedips != 0;
		CHECK(failed == 0);
		CHECK(cap_check(0, CAP_PEERS, cap_none, WS_DP_NH_NONE) == 0);
	}
	/* ::/0 (lpm6 has no depth 0: kept beside it) and a longer prefix inside it */
	e = (struct ws_ipc_prefix){.family = AF_INET6, .cidr = 0};
	CHECK(ws_dp_allowedips(7, WS_IPC_AIP_ADD, &e, 1) == 0);
	CHECK(cap_check(0, 3, cap_none, 7) == 0);
	e = cap_addr(1);
	CHECK(ws_dp_allowedips(8, WS_IPC_AIP_ADD, &e, 1) == 0);
	CHECK(cap_check(1, 1, cap_none, 8) == 0 && cap_check(2, 1, cap_none, 7) == 0);
	CHECK(ws_dp_allowedips_list(7, got, 2) == 1 && got[0].cidr == 0);
	CHECK(ws_dp_peer_remove(7) == 0);
	CHECK(cap_check(0, 1, cap_none, WS_DP_NH_NONE) == 0 && cap_check(1, 1, cap_none, 8) == 0);
	CHECK(ws_dp_allowedips(8, WS_IPC_AIP_CLEAR, NULL, 0) == 0);
	{
		struct ws_ipc_peer p = {.peer_id = 7, .public_key = {7}};

		CHECK(ws_dp_peer_set(&p) == 0);
	}
	/* scattered: random host parts in fd77::/64, about 6 groups each */
	for (uint32_t round = 0; round < 6; round++) {
		static struct ws_ipc_prefix sc[CAP_SCATTER];
		uint32_t added = 0, refused = 0, left = 0;

		ws_dp_allowedips_begin();
		for (uint32_t i = 0; i < CAP_SCATTER; i++) {
			sc[i] = cap_addr(0);
			for (unsigned int b = 8; b < 16; b++) {
				rng = rng * 1103515245u + 12345u;
				sc[i].addr[b] = (uint8_t)(rng >> 16);
			}
			n = ws_dp_allowedips(i, WS_IPC_AIP_ADD, &sc[i], 1);
			added += n == 0;
			refused += n != 0;
		}
		ws_dp_allowedips_commit();
		if (refused)
			fprintf(stderr, "capacity: scattered round %u: %u refused\n", round, refused);
		CHECK(added == CAP_SCATTER);
		ws_dp_allowedips_begin();
		for (uint32_t i = 0; i < CAP_SCATTER; i++)
			CHECK(ws_dp_allowedips(i, WS_IPC_AIP_DEL, &sc[i], 1) == 0);
		ws_dp_allowedips_commit();
		for (uint32_t i = 0; i < CAP_SCATTER; i++)
			left += ws_dp_tables.peers[i].n_allowedips != 0;
		CHECK(left == 0);
	}
	CHECK(ws_dp_tables.aip_replay_errors == 0);
	printf("capacity: %u sequential /128s x 3 rounds, 6 rounds of %u scattered /128s\n",
	       CAP_PEERS, CAP_SCATTER);
	ws_dp_tables_destroy();
	ws_dp.cfg = &cfg;
}

int main(void)
{
	static const char yaml[] =
		"dataplane:\n  ports:\n    - {name: t0, role: wan, device: net_null0, "
		"address: \"198.18.0.1/24\"}\n  tables: {maxPeers: 16, maxAllowedIps: 64, fib: rib}\n";
	char err[512];
	/* lcore 1 is the stress test's reader; dir24_8 copies take 2 x 160 MB */
	static const char *const eal[] = {"-l", "0,1", "-m", "1024", NULL};

	test_ratelimit();
	test_cksum();
	if (!dp_test_eal_init("wstt", eal))
		return 77;
	if (ws_dp_config_parse(&cfg, "t", yaml, sizeof(yaml) - 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rte_timer_subsystem_init();
	ws_dp.cfg = &cfg;
	ws_dp.ctl.listen_fd = ws_dp.ctl.fd = -1;
	if (ws_dp_tables_create(&cfg, 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	test_allowedips();
	test_keypairs();
	ws_dp_tables_destroy();
	for (unsigned int f = 0; f < 2; f++)
		for (int fam = 0; fam < 2; fam++)
			stress_run(f ? "dir24_8" : "rib", fam ? AF_INET6 : AF_INET, 3000);
	test_capacity();
	rte_eal_cleanup();
	if (ws_test_failures)
		fprintf(stderr, "%d checks failed\n", ws_test_failures);
	else
		printf("tables and ratelimit ok\n");
	return ws_test_failures ? 1 : 0;
}
