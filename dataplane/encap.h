/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outer headers for what we send on the WAN: Ethernet, IPv4 or IPv6 from our WAN address, UDP
 * from the listen port. Checksums by the NIC when the WAN port offers IPv4 and UDP checksum
 * offload (the mbuf flags and the pseudo-header sum), in software otherwise (af_packet, tap
 * and null offer none).
 */
#ifndef WS_DP_ENCAP_H
#define WS_DP_ENCAP_H

#include <string.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_udp.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "stages.h"
#include "tables.h"

/* The 16-bit one's-complement fold of an unfolded sum. */
static inline uint16_t ws_dp_fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * One's-complement sum (RFC 1071) of len bytes in host order, plus s (an unfolded partial sum),
 * 32 bytes a step with SSE2 and eight a step after that: DPDK 22.11's rte_raw_cksum() goes two
 * bytes a step, which showed as the encrypt stage's largest cost. The sum is byte-order
 * independent (RFC 1071 2.(B)), so the 16-bit halves of little-endian 32-bit lanes will do.
 */
static inline uint16_t ws_dp_sum16(const void *buf, size_t len, uint64_t s)
{
	const uint8_t *p = buf;

#ifdef __SSE2__
	if (len >= 32) {
		/* four 32-bit lanes per accumulator gather 16-bit words: no carry out below 1 MiB */
		const __m128i lo16 = _mm_set1_epi32(0xffff);
		__m128i a = _mm_setzero_si128(), b = _mm_setzero_si128();
		uint32_t l[4];

		for (; len >= 32; p += 32, len -= 32) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));

			a = _mm_add_epi32(a, _mm_and_si128(v, lo16));
			b = _mm_add_epi32(b, _mm_srli_epi32(v, 16));
			a = _mm_add_epi32(a, _mm_and_si128(w, lo16));
			b = _mm_add_epi32(b, _mm_srli_epi32(w, 16));
		}
		_mm_storeu_si128((__m128i *)(void *)l, _mm_add_epi32(a, b));
		s += (uint64_t)l[0] + l[1] + l[2] + l[3];
	}
#endif
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		s += (v & 0xffffffffu) + (v >> 32);
	}
	if (len >= 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		s += v;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		s += v;
		p += 2;
		len -= 2;
	}
	if (len)
		s += rte_le_to_cpu_16((uint16_t)*p); /* the odd byte is a word's first byte */
	return ws_dp_fold(s);
}

/* The UDP checksum over the pseudo-header sum phdr (folded or not) and the datagram at udp. */
static inline uint16_t ws_dp_udp_cksum(uint64_t phdr, const struct rte_udp_hdr *udp)
{
	uint16_t c = (uint16_t)~ws_dp_sum16(udp, rte_be_to_cpu_16(udp->dgram_len), phdr);

	return c == 0 ? 0xffff : c; /* 0 would mean "no checksum" */
}

enum {
	WS_DP_ENCAP4_LEN = RTE_ETHER_HDR_LEN + 20 + 8,
	WS_DP_ENCAP6_LEN = RTE_ETHER_HDR_LEN + 40 + 8,
};

/*
 * The outer headers for one endpoint, built once for a run of packets to it: per packet only
 * the lengths and the checksums change, and the checksums start from the template's sums.
 */
struct ws_dp_encap_tmpl {
	uint8_t hdr[WS_DP_ENCAP6_LEN]; /* lengths and checksums 0 */
	uint16_t len;                  /* WS_DP_ENCAP4_LEN or WS_DP_ENCAP6_LEN */
	uint16_t l3_len;
	uint64_t ol_flags; /* non-zero: the NIC computes the checksums */
	uint64_t ip_sum;   /* IPv4 header without its total length */
	uint64_t phdr_sum; /* pseudo-header without its length (RFC 768, RFC 8200 8.1) */
	uint64_t ports;    /* the UDP header without its length */
};

/* -1 without a source address of the endpoint's family. */
static inline int ws_dp_encap_tmpl_init(struct ws_dp_encap_tmpl *t,
					const struct ws_dp_endpoint *ep)
{
	struct rte_ether_hdr *eth = (void *)t->hdr;
	struct rte_udp_hdr *udp;

	memset(t, 0, sizeof(*t));
	if (ep->addr.family == AF_INET) {
		struct rte_ipv4_hdr *ip = (void *)(eth + 1);

		if (unlikely(!ws_dp.cls.has_ip4))
			return -1;
		udp = (void *)(ip + 1);
		t->len = WS_DP_ENCAP4_LEN;
		t->l3_len = sizeof(*ip);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, ws_dp.cls.ip4, 4);
		memcpy(&ip->dst_addr, ep->addr.addr, 4);
		t->ip_sum = ws_dp_sum16(ip, sizeof(*ip), 0);
		t->phdr_sum = ws_dp_sum16(&ip->src_addr, 8, rte_cpu_to_be_16(IPPROTO_UDP));
		if (ws_dp.wan_csum_offload)
			t->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				      RTE_MBUF_F_TX_UDP_CKSUM;
	} else {
		struct rte_ipv6_hdr *ip = (void *)(eth + 1);

		if (unlikely(!ws_dp.cls.has_ip6))
			return -1;
		udp = (void *)(ip + 1);
		t->len = WS_DP_ENCAP6_LEN;
		t->l3_len = sizeof(*ip);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, ws_dp.cls.ip6, 16);
		memcpy(ip->dst_addr, ep->addr.addr, 16);
		t->phdr_sum = ws_dp_sum16(ip->src_addr, 32, rte_cpu_to_be_16(IPPROTO_UDP));
		if (ws_dp.wan_csum_offload)
			t->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
	}
	udp->src_port = ws_dp.cls.listen_port_be;
	udp->dst_port = ep->addr.port;
	t->ports = (uint64_t)udp->src_port + udp->dst_port;
	eth->dst_addr = ep->mac;
	eth->src_addr = ws_dp.ports[ws_dp.wan].mac;
	return 0;
}

/* Prepends t's headers to the UDP payload that starts at m's data; -1 (m untouched) without
 * headroom. */
static inline int ws_dp_encap_apply(struct rte_mbuf *m, const struct ws_dp_encap_tmpl *t)
{
	const uint16_t plen = (uint16_t)rte_pktmbuf_data_len(m);
	const uint16_t ulen = rte_cpu_to_be_16((uint16_t)(sizeof(struct rte_udp_hdr) + plen));
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, t->len);
	struct rte_udp_hdr *udp;

	if (unlikely(!h))
		return -1;
	if (t->len == WS_DP_ENCAP4_LEN) {
		struct rte_ipv4_hdr *ip = (void *)(h + RTE_ETHER_HDR_LEN);
		const uint16_t tot = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + 8 + plen));

		memcpy(h, t->hdr, WS_DP_ENCAP4_LEN);
		udp = (void *)(ip + 1);
		ip->total_length = tot;
		if (!t->ol_flags)
			ip->hdr_checksum = (uint16_t)~ws_dp_fold(t->ip_sum + tot);
	} else {
		struct rte_ipv6_hdr *ip = (void *)(h + RTE_ETHER_HDR_LEN);

		memcpy(h, t->hdr, WS_DP_ENCAP6_LEN);
		udp = (void *)(ip + 1);
		ip->payload_len = ulen;
	}
	udp->dgram_len = ulen;
	if (t->ol_flags) {
		/* the NIC wants the pseudo-header sum, not complemented */
		udp->dgram_cksum = ws_dp_fold(t->phdr_sum + ulen);
	} else {
		/* the length counts twice: in the pseudo-header and in the UDP header */
		uint16_t c = (uint16_t)~ws_dp_sum16(udp + 1, plen, t->phdr_sum + t->ports +
								   2 * (uint64_t)ulen);

		udp->dgram_cksum = c == 0 ? 0xffff : c; /* 0 would mean "no checksum" */
	}
	m->ol_flags = t->ol_flags;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = t->l3_len;
	return 0;
}

/*
 * Prepends the headers to the UDP payload that starts at m's data; -1 (m untouched) without
 * headroom or a source address of the endpoint's family. A run of packets to one endpoint
 * does better with one template and ws_dp_encap_apply().
 */
static inline int ws_dp_encap(struct rte_mbuf *m, const struct ws_dp_endpoint *ep)
{
	struct ws_dp_encap_tmpl t;

	if (ws_dp_encap_tmpl_init(&t, ep))
		return -1;
	return ws_dp_encap_apply(m, &t);
}

#endif
