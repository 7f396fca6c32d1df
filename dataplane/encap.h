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

#include "stages.h"
#include "tables.h"

/*
 * One's-complement sum (RFC 1071) of len bytes in host order, eight bytes a step: DPDK 22.11's
 * rte_raw_cksum() goes two bytes a step, which showed as the encrypt stage's largest cost.
 */
static inline uint16_t ws_dp_sum16(const void *buf, size_t len, uint64_t s)
{
	const uint8_t *p = buf;

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
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The UDP checksum over the pseudo-header sum phdr and the datagram at udp. */
static inline uint16_t ws_dp_udp_cksum(uint16_t phdr, const struct rte_udp_hdr *udp)
{
	uint16_t c = (uint16_t)~ws_dp_sum16(udp, rte_be_to_cpu_16(udp->dgram_len), phdr);

	return c == 0 ? 0xffff : c; /* 0 would mean "no checksum" */
}

enum {
	WS_DP_ENCAP4_LEN = RTE_ETHER_HDR_LEN + 20 + 8,
	WS_DP_ENCAP6_LEN = RTE_ETHER_HDR_LEN + 40 + 8,
};

/*
 * Prepends the headers to the UDP payload that starts at m's data; -1 (m untouched) without
 * headroom or a source address of the endpoint's family.
 */
static inline int ws_dp_encap(struct rte_mbuf *m, const struct ws_dp_endpoint *ep)
{
	const uint16_t plen = (uint16_t)rte_pktmbuf_data_len(m);
	struct rte_ether_hdr *eth;
	struct rte_udp_hdr *udp;

	if (ep->addr.family == AF_INET) {
		struct rte_ipv4_hdr *ip;

		if (unlikely(!ws_dp.cls.has_ip4))
			return -1;
		eth = (void *)rte_pktmbuf_prepend(m, WS_DP_ENCAP4_LEN);
		if (unlikely(!eth))
			return -1;
		ip = (void *)(eth + 1);
		udp = (void *)(ip + 1);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + plen));
		ip->packet_id = 0;
		ip->fragment_offset = 0;
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, ws_dp.cls.ip4, 4);
		memcpy(&ip->dst_addr, ep->addr.addr, 4);
		udp->src_port = ws_dp.cls.listen_port_be;
		udp->dst_port = ep->addr.port;
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
		udp->dgram_cksum = 0;
		ip->hdr_checksum = 0;
		m->l3_len = 20;
		if (ws_dp.wan_csum_offload) {
			m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				      RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		} else {
			m->ol_flags = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			udp->dgram_cksum = ws_dp_udp_cksum(rte_ipv4_phdr_cksum(ip, 0), udp);
		}
	} else {
		struct rte_ipv6_hdr *ip;

		if (unlikely(!ws_dp.cls.has_ip6))
			return -1;
		eth = (void *)rte_pktmbuf_prepend(m, WS_DP_ENCAP6_LEN);
		if (unlikely(!eth))
			return -1;
		ip = (void *)(eth + 1);
		udp = (void *)(ip + 1);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, ws_dp.cls.ip6, 16);
		memcpy(ip->dst_addr, ep->addr.addr, 16);
		udp->src_port = ws_dp.cls.listen_port_be;
		udp->dst_port = ep->addr.port;
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
		udp->dgram_cksum = 0;
		m->l3_len = 40;
		if (ws_dp.wan_csum_offload) {
			m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
		} else {
			m->ol_flags = 0;
			udp->dgram_cksum = ws_dp_udp_cksum(rte_ipv6_phdr_cksum(ip, 0), udp);
		}
	}
	eth->dst_addr = ep->mac;
	eth->src_addr = ws_dp.ports[ws_dp.wan].mac;
	m->l2_len = RTE_ETHER_HDR_LEN;
	return 0;
}

#endif
