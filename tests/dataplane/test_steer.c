/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of pipeline steering (no EAL): the flow hash is stable per flow, uses the NIC's RSS
 * hash when flagged, separates flows, and spreads many flows evenly over the crypto lcores.
 */
#include <stdio.h>
#include <string.h>

#include "steer.h"
#include "ws_test.h"

static uint8_t buf[256];
static struct rte_mbuf mb;

/* A classified Eth/IPv4/UDP (or IPv6) frame from src:sport, as the classify stage leaves it. */
static struct rte_mbuf *frame(int v6, uint32_t src, uint16_t sport)
{
	memset(buf, 0, sizeof(buf));
	memset(&mb, 0, sizeof(mb));
	mb.buf_addr = buf;
	mb.data_off = 0;
	mb.l2_len = 14;
	mb.l3_len = v6 ? 40 : 20;
	mb.packet_type = (v6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4) | RTE_PTYPE_L4_UDP;
	memcpy(buf + 14 + (v6 ? 8 + 12 : 12), &src, 4);
	buf[14 + mb.l3_len] = (uint8_t)(sport >> 8);
	buf[14 + mb.l3_len + 1] = (uint8_t)sport;
	buf[14 + mb.l3_len + 2] = 0xca; /* 51820 */
	buf[14 + mb.l3_len + 3] = 0x6c;
	return &mb;
}

static void test_hash(void)
{
	uint32_t a, b;

	a = ws_dp_flow_hash(frame(0, 0x0a000001, 40000));
	b = ws_dp_flow_hash(frame(0, 0x0a000001, 40000));
	CHECK(a == b);
	CHECK(a != ws_dp_flow_hash(frame(0, 0x0a000002, 40000)));
	CHECK(a != ws_dp_flow_hash(frame(0, 0x0a000001, 40001)));
	a = ws_dp_flow_hash(frame(1, 0x0a000001, 40000));
	CHECK(a == ws_dp_flow_hash(frame(1, 0x0a000001, 40000)));
	CHECK(a != ws_dp_flow_hash(frame(1, 0x0a000003, 40000)));
	/* the destination address does not matter: a peer's flow is (source, ports) */
	frame(0, 0x0a000001, 40000);
	a = ws_dp_flow_hash(&mb);
	buf[14 + 16] = 0x55;
	CHECK(a == ws_dp_flow_hash(&mb));
	/* the NIC's hash wins when flagged */
	frame(0, 0x0a000001, 40000);
	mb.ol_flags = RTE_MBUF_F_RX_RSS_HASH;
	mb.hash.rss = 0xdeadbeef;
	CHECK(ws_dp_flow_hash(&mb) == 0xdeadbeef);
}

static void test_spread(void)
{
	for (unsigned int n = 1; n <= 8; n++) {
		unsigned int count[8] = {0}, flows = 16000, lo = flows, hi = 0;

		for (unsigned int f = 0; f < flows; f++) {
			unsigned int t = ws_dp_steer_index(
				ws_dp_flow_hash(frame(f & 1, 0xc6120000 + f / 3, (uint16_t)(1024 + f))),
				n);
			CHECK(t < n);
			if (t < n)
				count[t]++;
		}
		for (unsigned int t = 0; t < n; t++) {
			lo = count[t] < lo ? count[t] : lo;
			hi = count[t] > hi ? count[t] : hi;
		}
		/* within 10% of an even share */
		CHECK(lo * 10 >= flows / n * 9 && hi * 10 <= flows / n * 11);
		if (!(lo * 10 >= flows / n * 9 && hi * 10 <= flows / n * 11))
			fprintf(stderr, "  n=%u: min %u max %u\n", n, lo, hi);
	}
	CHECK(ws_dp_steer_index(0, 4) == 0);
	CHECK(ws_dp_steer_index(UINT32_MAX, 4) == 3);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_hash),
		WS_TEST(test_spread),
	};

	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
