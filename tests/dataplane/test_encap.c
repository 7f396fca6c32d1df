/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the outer encapsulation (encap.h) against DPDK's own header and checksum
 * functions: the one's-complement sum for every length and alignment, IPv4 and IPv6 headers
 * with software checksums and with the pseudo-header sums a checksum-offloading NIC wants,
 * one template reused for a run of different lengths, and the refusals (no source address of
 * the family, no headroom) that leave the mbuf untouched. EAL with --no-huge for the mbufs.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "dataplane.h"
#include "dp_test.h"
#include "encap.h"

static const struct rte_ether_addr wan_mac = {{0x02, 0xaa, 0, 0, 0, 1}};
static const struct rte_ether_addr nh_mac = {{0x02, 0xbb, 0, 0, 0, 2}};

static void test_sum16(void)
{
	static uint8_t buf[1700];

	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 167 + 3);
	for (unsigned int off = 0; off < 4; off++)
		for (unsigned int len = 0; len <= 1600; len++)
			CHECK(ws_dp_sum16(buf + off, len, 0) == rte_raw_cksum(buf + off, len));
	/* all ones: the lane sums and the fold at their largest */
	memset(buf, 0xff, sizeof(buf));
	CHECK(ws_dp_sum16(buf, 1600, 0xffffffffull) == rte_raw_cksum(buf, 1600));
}

static struct rte_mbuf *payload(struct rte_mempool *mp, unsigned int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;

	if (!m)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + len);
	return m;
}

/* The headers ws_dp_encap() wrote in front of a payload of len bytes, checked with DPDK. */
static void check4(struct rte_mbuf *m, unsigned int len, const uint8_t dst[4], uint16_t dport,
		   bool offload)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);

	CHECK(rte_pktmbuf_data_len(m) == WS_DP_ENCAP4_LEN + len);
	CHECK(rte_is_same_ether_addr(&eth->dst_addr, &nh_mac));
	CHECK(rte_is_same_ether_addr(&eth->src_addr, &wan_mac));
	CHECK(eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	CHECK(ip->version_ihl == RTE_IPV4_VHL_DEF && ip->time_to_live == 64 &&
	      ip->next_proto_id == IPPROTO_UDP && ip->fragment_offset == 0);
	CHECK(rte_be_to_cpu_16(ip->total_length) == 28 + len);
	CHECK(ip->src_addr == rte_cpu_to_be_32(0xc6120001));
	CHECK(!memcmp(&ip->dst_addr, dst, 4));
	CHECK(udp->src_port == rte_cpu_to_be_16(51820) && udp->dst_port == dport);
	CHECK(rte_be_to_cpu_16(udp->dgram_len) == 8 + len);
	CHECK(m->l2_len == RTE_ETHER_HDR_LEN && m->l3_len == 20);
	if (offload) {
		CHECK(m->ol_flags == (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				      RTE_MBUF_F_TX_UDP_CKSUM));
		CHECK(ip->hdr_checksum == 0);
		CHECK(udp->dgram_cksum == rte_ipv4_phdr_cksum(ip, m->ol_flags));
	} else {
		uint16_t c = udp->dgram_cksum;

		CHECK(m->ol_flags == 0);
		CHECK(rte_ipv4_cksum(ip) == 0); /* the stored checksum makes the sum 0xffff */
		CHECK(c != 0);
		CHECK(rte_ipv4_udptcp_cksum_verify(ip, udp) == 0);
		udp->dgram_cksum = 0;
		CHECK(c == rte_ipv4_udptcp_cksum(ip, udp));
		udp->dgram_cksum = c;
	}
}

static void check6(struct rte_mbuf *m, unsigned int len, const uint8_t dst[16], bool offload)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = (void *)(eth + 1);
	struct rte_udp_hdr *udp = (void *)(ip + 1);

	CHECK(rte_pktmbuf_data_len(m) == WS_DP_ENCAP6_LEN + len);
	CHECK(rte_is_same_ether_addr(&eth->dst_addr, &nh_mac));
	CHECK(eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6));
	CHECK(ip->vtc_flow == rte_cpu_to_be_32(6u << 28) && ip->proto == IPPROTO_UDP &&
	      ip->hop_limits == 64);
	CHECK(rte_be_to_cpu_16(ip->payload_len) == 8 + len);
	CHECK(!memcmp(ip->src_addr, ws_dp.cls.ip6, 16) && !memcmp(ip->dst_addr, dst, 16));
	CHECK(rte_be_to_cpu_16(udp->dgram_len) == 8 + len);
	CHECK(m->l2_len == RTE_ETHER_HDR_LEN && m->l3_len == 40);
	if (offload) {
		CHECK(m->ol_flags == (RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM));
		CHECK(udp->dgram_cksum == rte_ipv6_phdr_cksum(ip, m->ol_flags));
	} else {
		uint16_t c = udp->dgram_cksum;

		CHECK(m->ol_flags == 0);
		CHECK(c != 0);
		CHECK(rte_ipv6_udptcp_cksum_verify(ip, udp) == 0);
		udp->dgram_cksum = 0;
		CHECK(c == rte_ipv6_udptcp_cksum(ip, udp));
	}
}

static void test_encap(struct rte_mempool *mp)
{
	struct ws_dp_endpoint ep4 = {.addr = {.family = AF_INET, .addr = {198, 18, 0, 77}},
				     .mac = nh_mac, .have_mac = true};
	struct ws_dp_endpoint ep6 = {.addr = {.family = AF_INET6,
					      .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}},
				     .mac = nh_mac, .have_mac = true};
	static const unsigned int lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 80, 96, 511, 1436, 1452};

	ep4.addr.port = ep6.addr.port = rte_cpu_to_be_16(40000);
	for (int offload = 0; offload < 2; offload++) {
		struct ws_dp_encap_tmpl t4, t6;

		ws_dp.wan_csum_offload = offload;
		CHECK(ws_dp_encap_tmpl_init(&t4, &ep4) == 0);
		CHECK(ws_dp_encap_tmpl_init(&t6, &ep6) == 0);
		for (unsigned int i = 0; i < RTE_DIM(lens); i++) {
			struct rte_mbuf *a = payload(mp, lens[i]), *b = payload(mp, lens[i]);
			struct rte_mbuf *c = payload(mp, lens[i]);

			if (!a || !b || !c) {
				CHECK(!"mbufs");
				return;
			}
			/* the one-off form, and one template reused over the lengths */
			CHECK(ws_dp_encap(a, &ep4) == 0);
			check4(a, lens[i], ep4.addr.addr, ep4.addr.port, offload);
			CHECK(ws_dp_encap_apply(b, &t4) == 0);
			check4(b, lens[i], ep4.addr.addr, ep4.addr.port, offload);
			CHECK(ws_dp_encap_apply(c, &t6) == 0);
			check6(c, lens[i], ep6.addr.addr, offload);
			rte_pktmbuf_free(a);
			rte_pktmbuf_free(b);
			rte_pktmbuf_free(c);
		}
	}
	ws_dp.wan_csum_offload = false;

	/* refusals leave the mbuf as it was */
	{
		struct rte_mbuf *m = payload(mp, 100);
		struct ws_dp_encap_tmpl t;

		if (!m) {
			CHECK(!"mbuf");
			return;
		}
		ws_dp.cls.has_ip4 = false;
		CHECK(ws_dp_encap_tmpl_init(&t, &ep4) == -1);
		CHECK(ws_dp_encap(m, &ep4) == -1);
		CHECK(rte_pktmbuf_data_len(m) == 100 && m->data_off == RTE_PKTMBUF_HEADROOM);
		ws_dp.cls.has_ip4 = true;
		CHECK(ws_dp_encap_tmpl_init(&t, &ep4) == 0);
		rte_pktmbuf_adj(m, 0);
		m->data_off = WS_DP_ENCAP4_LEN - 1; /* one byte short of headroom */
		CHECK(ws_dp_encap_apply(m, &t) == -1);
		CHECK(rte_pktmbuf_data_len(m) == 100 && m->data_off == WS_DP_ENCAP4_LEN - 1);
		m->data_off = WS_DP_ENCAP4_LEN;
		CHECK(ws_dp_encap_apply(m, &t) == 0);
		CHECK(m->data_off == 0 && rte_pktmbuf_data_len(m) == WS_DP_ENCAP4_LEN + 100);
		rte_pktmbuf_free(m);
	}
}

int main(void)
{
	static const char *const eal[] = {"-l", "0", "-m", "64", NULL};
	struct rte_mempool *mp;

	test_sum16();
	if (!dp_test_eal_init("wste", eal))
		return 77;
	mp = rte_pktmbuf_pool_create("encap", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (!mp) {
		fprintf(stderr, "no mempool\n");
		return 1;
	}
	ws_dp.wan = 0;
	ws_dp.ports[0].mac = wan_mac;
	ws_dp.cls.listen_port_be = rte_cpu_to_be_16(51820);
	ws_dp.cls.has_ip4 = ws_dp.cls.has_ip6 = true;
	memcpy(ws_dp.cls.ip4, (uint8_t[]){198, 18, 0, 1}, 4);
	memcpy(ws_dp.cls.ip6, (uint8_t[]){0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 16);
	test_encap(mp);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	if (ws_test_failures)
		fprintf(stderr, "%d checks failed\n", ws_test_failures);
	return ws_test_failures ? 1 : 0;
}
