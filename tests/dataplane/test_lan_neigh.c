/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of gateway mode's LAN neighbour table (EAL with --no-huge, no ports, the clock of
 * the periodic work passed in): next hops, which ARP/ND creates or only refreshes entries,
 * packets held while resolving (the bound, the request that goes out, their release with the
 * learned MAC, the give-up after three requests), probes of old entries and their expiry,
 * static (configured) entries, and every mbuf back in the pool.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_ip.h>

#include "dataplane.h"
#include "dp_test.h"
#include "lan.h"
#include "tables.h"

#define SEC 1000000000ull

static struct ws_dp_config cfg;
static uint64_t fake_ns = 1000 * SEC; /* the neighbour table's clock in these tests */

static uint64_t fake_clock(void)
{
	return fake_ns;
}

/* Moves the clock to t and runs the periodic work. */
static void tick_at(uint64_t t)
{
	fake_ns = t;
	ws_dp_lan_tick(t);
}

static const struct rte_ether_addr lan_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr host_mac = {{0x02, 0, 0, 0, 0, 0x05}};
static const struct rte_ether_addr host_mac2 = {{0x02, 0, 0, 0, 0, 0x55}};

static const uint8_t *ip4(uint8_t d)
{
	static uint8_t a[8][4];
	static unsigned int i;
	uint8_t *p = a[i++ % 8];

	p[0] = 10, p[1] = 1, p[2] = 0, p[3] = d;
	return p;
}

static uint64_t cnt(enum ws_dp_counter c)
{
	return ws_dp_counter_sum(c);
}

static bool known4(uint8_t d, struct rte_ether_addr *mac)
{
	struct ws_dp_neigh_key k = {.family = AF_INET};

	memcpy(k.addr, ip4(d), 4);
	return ws_dp_lan_neigh_lookup(&k, mac) == 0;
}

/* Frames the service lcore queued for the pollers: count, and the last one kept in *last. */
static unsigned int drain(struct rte_mbuf **last)
{
	unsigned int n = 0;
	void *m = NULL;

	if (last)
		*last = NULL;
	while (rte_ring_dequeue(ws_dp.svc_tx_ring, &m) == 0) {
		n++;
		CHECK(ws_dp_priv(m)->kind == WS_DP_MK_LAN);
		if (last && !*last)
			*last = m;
		else
			rte_pktmbuf_free(m);
	}
	return n;
}

/* A decrypted frame as the worker hands it over: Ethernet header, IPv4 or IPv6 to dst. */
static struct rte_mbuf *frame(bool v6, const uint8_t *dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ws_dp_mempool_for(&ws_dp, 0));
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 14 + 60);

	memset(p, 0, 74);
	p[12] = v6 ? 0x86 : 0x08;
	p[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		p[14] = 0x60;
		memcpy(p + 14 + 24, dst, 16);
	} else {
		p[14] = 0x45;
		memcpy(p + 14 + 16, dst, 4);
	}
	ws_dp_priv(m)->kind = WS_DP_MK_LAN_HOLD;
	return m;
}

static void test_nexthop(void)
{
	struct ws_dp_neigh_key nh;
	const uint8_t off4[4] = {192, 0, 2, 7};
	uint8_t off6[16] = {0x20, 0x01, 0x0d, 0xb8};

	ws_dp_lan_nexthop(AF_INET, ip4(9), &nh);
	CHECK(nh.family == AF_INET && !memcmp(nh.addr, ip4(9), 4));
	ws_dp_lan_nexthop(AF_INET, off4, &nh);
	CHECK(!memcmp(nh.addr, ip4(254), 4)); /* the LAN gateway */
	off6[15] = 1;
	ws_dp_lan_nexthop(AF_INET6, off6, &nh); /* no IPv6 gateway: resolved on the link */
	CHECK(nh.family == AF_INET6 && !memcmp(nh.addr, off6, 16));
}

static void test_learn_rules(void)
{
	const uint8_t off[4] = {10, 9, 9, 9};
	struct rte_ether_addr mac, bcast;
	uint64_t learned = cnt(WS_DP_CNT_LAN_NEIGH_LEARNED);

	memset(&bcast, 0xff, sizeof(bcast));
	/* ARP/ND not about us, from a host we never asked for: ignored */
	ws_dp_lan_neigh_learn(AF_INET, ip4(5), &host_mac, false);
	CHECK(!known4(5, &mac));
	/* off the LAN's link: ignored even when asking for us */
	ws_dp_lan_neigh_learn(AF_INET, off, &host_mac, true);
	CHECK(cnt(WS_DP_CNT_LAN_NEIGH_LEARNED) == learned);
	ws_dp_lan_neigh_learn(AF_INET, ip4(5), &bcast, true);
	CHECK(!known4(5, &mac));
	/* asking for our address creates it */
	ws_dp_lan_neigh_learn(AF_INET, ip4(5), &host_mac, true);
	CHECK(known4(5, &mac) && rte_is_same_ether_addr(&mac, &host_mac));
	CHECK(cnt(WS_DP_CNT_LAN_NEIGH_LEARNED) == learned + 1);
	/* the same again changes nothing; any ARP from it with a new MAC updates it */
	ws_dp_lan_neigh_learn(AF_INET, ip4(5), &host_mac, false);
	CHECK(cnt(WS_DP_CNT_LAN_NEIGH_LEARNED) == learned + 1);
	ws_dp_lan_neigh_learn(AF_INET, ip4(5), &host_mac2, false);
	CHECK(known4(5, &mac) && rte_is_same_ether_addr(&mac, &host_mac2));
	CHECK(cnt(WS_DP_CNT_LAN_NEIGH_LEARNED) == learned + 2);
}

static void test_hold_and_release(void)
{
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_ether_addr mac;
	uint64_t held = cnt(WS_DP_CNT_LAN_HELD), over = cnt(WS_DP_CNT_DROP_LAN_HOLD_OVERFLOW);

	for (int i = 0; i < WS_DP_LAN_HOLD + 2; i++)
		ws_dp_lan_hold(frame(false, ip4(7)));
	CHECK(cnt(WS_DP_CNT_LAN_HELD) == held + WS_DP_LAN_HOLD + 2);
	CHECK(cnt(WS_DP_CNT_DROP_LAN_HOLD_OVERFLOW) == over + 2);
	/* one ARP request went out, from the LAN MAC and address, for 10.1.0.7 */
	CHECK(drain(&m) == 1);
	if (m) {
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		arp = (struct rte_arp_hdr *)(eth + 1);
		CHECK(rte_is_broadcast_ether_addr(&eth->dst_addr));
		CHECK(rte_is_same_ether_addr(&eth->src_addr, &lan_mac));
		CHECK(arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST));
		CHECK(!memcmp(&arp->arp_data.arp_sip, ip4(1), 4));
		CHECK(!memcmp(&arp->arp_data.arp_tip, ip4(7), 4));
		rte_pktmbuf_free(m);
	}
	/* its answer (not "to us", but we asked) creates it and releases the held frames */
	ws_dp_lan_neigh_learn(AF_INET, ip4(7), &host_mac, false);
	CHECK(known4(7, &mac));
	CHECK(drain(&m) == WS_DP_LAN_HOLD);
	if (m) {
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		CHECK(rte_is_same_ether_addr(&eth->dst_addr, &host_mac));
		rte_pktmbuf_free(m);
	}
	/* now known: a late frame goes at once */
	ws_dp_lan_hold(frame(false, ip4(7)));
	CHECK(drain(NULL) == 1);
}

static uint8_t v6host[16] = {0xfd, 0x01};

static void test_ns(void)
{
	uint8_t *dst = v6host;
	struct rte_mbuf *m;

	dst[13] = 0xab, dst[14] = 0xcd, dst[15] = 0x09;
	ws_dp_lan_hold(frame(true, dst));
	CHECK(drain(&m) == 1);
	if (m) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		const uint8_t snm[16] = {0xff, 0x02, 0, 0,    0,    0,    0,    0,
					 0,    0,    0, 1, 0xff, 0xab, 0xcd, 9};
		const uint8_t gmac[6] = {0x33, 0x33, 0xff, 0xab, 0xcd, 9};
		uint32_t s = 0;

		CHECK(!memcmp(p, gmac, 6));
		CHECK(p[12] == 0x86 && p[13] == 0xdd);
		CHECK(p[14 + 6] == IPPROTO_ICMPV6 && p[14 + 7] == 255);
		CHECK(!memcmp(p + 14 + 24, snm, 16));
		CHECK(p[54] == 135 && !memcmp(p + 54 + 8, dst, 16));
		/* checksum: pseudo-header + message, big-endian words, sums to 0xffff */
		for (int i = 0; i < 32; i += 2)
			s += (uint32_t)(p[14 + 8 + i] << 8 | p[14 + 8 + i + 1]);
		s += 32 + IPPROTO_ICMPV6;
		for (int i = 0; i < 32; i += 2)
			s += (uint32_t)(p[54 + i] << 8 | p[54 + i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		CHECK(s == 0xffff);
		rte_pktmbuf_free(m);
	}
	/* the neighbour advertisement (the target answering) releases it */
	ws_dp_lan_neigh_learn(AF_INET6, dst, &host_mac, false);
	CHECK(drain(NULL) == 1);
}

static void test_give_up(void)
{
	const uint64_t t = fake_ns;
	uint64_t un = cnt(WS_DP_CNT_DROP_LAN_NEIGH_UNRESOLVED);

	ws_dp_lan_hold(frame(false, ip4(8)));
	ws_dp_lan_hold(frame(false, ip4(8)));
	CHECK(drain(NULL) == 1);
	tick_at(t + SEC / 2); /* too early for another request */
	CHECK(drain(NULL) == 0);
	tick_at(t + SEC + SEC / 10);
	CHECK(drain(NULL) == 1);
	tick_at(t + 2 * SEC + SEC / 5);
	CHECK(drain(NULL) == 1);
	CHECK(cnt(WS_DP_CNT_DROP_LAN_NEIGH_UNRESOLVED) == un);
	tick_at(t + 3 * SEC + SEC / 2); /* three asked, no answer */
	CHECK(drain(NULL) == 0);
	CHECK(cnt(WS_DP_CNT_DROP_LAN_NEIGH_UNRESOLVED) == un + 2);
	/* a later answer is no longer wanted */
	ws_dp_lan_neigh_learn(AF_INET, ip4(8), &host_mac, false);
	{
		struct rte_ether_addr mac;

		CHECK(!known4(8, &mac));
	}
}

/* Packets for a neighbour still being resolved ask again once a second is up. */
static void test_traffic_asks_again(void)
{
	const uint64_t t = fake_ns;

	ws_dp_lan_hold(frame(false, ip4(9)));
	CHECK(drain(NULL) == 1);
	fake_ns = t + SEC / 2;
	ws_dp_lan_hold(frame(false, ip4(9)));
	CHECK(drain(NULL) == 0);
	fake_ns = t + SEC + SEC / 10;
	ws_dp_lan_hold(frame(false, ip4(9)));
	CHECK(drain(NULL) == 1);
	ws_dp_lan_neigh_learn(AF_INET, ip4(9), &host_mac, false);
	CHECK(drain(NULL) == 3);
}

static void test_expiry(void)
{
	const uint64_t t = fake_ns;
	uint64_t expired = cnt(WS_DP_CNT_LAN_NEIGH_EXPIRED);
	struct rte_ether_addr mac;
	struct rte_mbuf *m = NULL;
	unsigned int probes = 0;

	/* 10.1.0.5 (host_mac2), 10.1.0.7 (host_mac) and v6host are known, confirmed now; only
	 * .7 will answer its probes */
	ws_dp_lan_neigh_learn(AF_INET6, v6host, &host_mac, false);
	ws_dp_lan_neigh_learn(AF_INET, ip4(5), &host_mac2, false);
	ws_dp_lan_neigh_learn(AF_INET, ip4(7), &host_mac, false);
	drain(NULL);
	tick_at(t + (WS_DP_LAN_REACHABLE_S - 1) * SEC);
	CHECK(drain(NULL) == 0);
	for (unsigned int i = 0; i < WS_DP_LAN_SOLICITS; i++) {
		tick_at(t + (WS_DP_LAN_REACHABLE_S + i) * SEC + SEC / 10);
		while (rte_ring_dequeue(ws_dp.svc_tx_ring, (void **)&m) == 0) {
			const struct rte_ether_hdr *eth =
				rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
			const struct rte_arp_hdr *arp = (const void *)(eth + 1);

			/* unicast probes, to the MAC we have */
			CHECK(rte_is_same_ether_addr(&eth->dst_addr, &host_mac) ||
			      rte_is_same_ether_addr(&eth->dst_addr, &host_mac2));
			if (!memcmp(&arp->arp_data.arp_tip, ip4(7), 4))
				probes++;
			rte_pktmbuf_free(m);
		}
		if (i == 0) /* .7 answers the first probe: confirmed again */
			ws_dp_lan_neigh_learn(AF_INET, ip4(7), &host_mac, false);
	}
	CHECK(probes == 1);
	if (probes != 1)
		fprintf(stderr, "probes of 10.1.0.7: %u\n", probes);
	tick_at(t + (WS_DP_LAN_REACHABLE_S + WS_DP_LAN_SOLICITS) * SEC + SEC / 5);
	CHECK(!known4(5, &mac));
	CHECK(known4(7, &mac));
	CHECK(cnt(WS_DP_CNT_LAN_NEIGH_EXPIRED) >= expired + 1);
	drain(NULL);
}

/* Static neighbours: there from the start, never probed, expired or changed by the LAN. */
static void test_static(void)
{
	static const struct rte_ether_addr st4 = {{0x02, 0, 0, 0, 0, 0xc8}};
	static const struct rte_ether_addr st6 = {{0x02, 0, 0, 0, 0, 0xc9}};
	uint8_t a6[16] = {0xfd, 0x01};
	struct ws_dp_neigh_key k6 = {.family = AF_INET6};
	const uint64_t t = fake_ns;
	uint64_t learned = cnt(WS_DP_CNT_LAN_NEIGH_LEARNED);
	struct rte_ether_addr mac;
	struct rte_mbuf *m;

	a6[15] = 0xc8;
	memcpy(k6.addr, a6, 16);
	CHECK(known4(200, &mac) && rte_is_same_ether_addr(&mac, &st4));
	CHECK(ws_dp_lan_neigh_lookup(&k6, &mac) == 0 && rte_is_same_ether_addr(&mac, &st6));
	/* a LAN host claiming the address (ARP to us, a gratuitous one) changes nothing */
	ws_dp_lan_neigh_learn(AF_INET, ip4(200), &host_mac, true);
	ws_dp_lan_neigh_learn(AF_INET6, a6, &host_mac, false);
	CHECK(known4(200, &mac) && rte_is_same_ether_addr(&mac, &st4));
	CHECK(ws_dp_lan_neigh_lookup(&k6, &mac) == 0 && rte_is_same_ether_addr(&mac, &st6));
	CHECK(cnt(WS_DP_CNT_LAN_NEIGH_LEARNED) == learned);
	/* a packet handed to the service lcore for it leaves at once, to the static MAC */
	ws_dp_lan_hold(frame(false, ip4(200)));
	CHECK(drain(&m) == 1);
	if (m) {
		CHECK(rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
					     &st4));
		rte_pktmbuf_free(m);
	}
	/* far past every probe and expiry time: no probe sent, still there */
	drain(NULL);
	for (unsigned int i = 0; i <= WS_DP_LAN_SOLICITS + 1; i++)
		tick_at(t + (2 * WS_DP_LAN_REACHABLE_S + i) * SEC);
	while (rte_ring_dequeue(ws_dp.svc_tx_ring, (void **)&m) == 0) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		CHECK(!rte_is_same_ether_addr(&eth->dst_addr, &st4) &&
		      !rte_is_same_ether_addr(&eth->dst_addr, &st6));
		rte_pktmbuf_free(m);
	}
	CHECK(known4(200, &mac) && rte_is_same_ether_addr(&mac, &st4));
	CHECK(ws_dp_lan_neigh_lookup(&k6, &mac) == 0 && rte_is_same_ether_addr(&mac, &st6));
}

int main(void)
{
	static const char yaml[] =
		"dataplane:\n  mode: gateway\n  ports:\n"
		"    - {name: t0, role: wan, device: net_null0, address: \"198.18.0.1/24\"}\n"
		"    - {name: l0, role: lan, device: net_null1, address: [\"10.1.0.1/24\", "
		"\"fd01::1/64\"], gateway: 10.1.0.254,\n"
		"       neighbours: [{address: 10.1.0.200, mac: \"02:00:00:00:00:c8\"},\n"
		"                    {address: \"fd01::c8\", mac: \"02:00:00:00:00:c9\"}]}\n"
		"  mempool: {mbufs: 1023, cache: 0}\n"
		"  tables: {maxPeers: 16, maxAllowedIps: 64, fib: rib}\n";
	char err[512], rundir[256];
	/* no shared configuration: nothing left in the runtime directory */
	static const char *const eal[] = {"-l", "0", "-m", "128", "--no-shconf", "--no-telemetry",
					  NULL};
	struct rte_mempool *mp;

	if (!dp_test_eal_init("wstl", eal))
		return 77;
	if (ws_dp_config_parse(&cfg, "t", yaml, sizeof(yaml) - 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	ws_dp.cfg = &cfg;
	ws_dp.ctl.listen_fd = ws_dp.ctl.fd = -1;
	ws_dp.lan = 1;
	ws_dp.ports[1].mac = lan_mac;
	if (ws_dp_mempools_create(&ws_dp, err, sizeof(err)) ||
	    ws_dp_service_setup(&ws_dp, err, sizeof(err)) ||
	    ws_dp_tables_create(&cfg, 1, err, sizeof(err)) ||
	    ws_dp_lan_setup(&ws_dp, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	mp = ws_dp_mempool_for(&ws_dp, 0);
	ws_dp_lan_set_clock(fake_clock);
	test_nexthop();
	test_learn_rules();
	test_hold_and_release();
	test_ns();
	test_give_up();
	test_traffic_asks_again();
	test_expiry();
	test_static();
	/* something still held when the dataplane stops is freed */
	ws_dp_lan_hold(frame(false, ip4(99)));
	drain(NULL);
	ws_dp_lan_teardown();
	CHECK(rte_mempool_avail_count(mp) == mp->size);
	ws_dp_tables_destroy();
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir); /* empty without a shared configuration */
	if (ws_test_failures)
		fprintf(stderr, "%d checks failed\n", ws_test_failures);
	else
		printf("LAN neighbours ok\n");
	return ws_test_failures ? 1 : 0;
}
