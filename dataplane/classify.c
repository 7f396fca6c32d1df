/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify stage. Checks come first and each rejection names its counter; anything well formed
 * that is not UDP to our address and listen port is the kernel's business and leaves unchanged.
 * Why drop malformed IP here instead of passing it up: the kernel would drop it too, and the
 * counter tells the operator what arrived.
 */
#include "classify.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "messages.h"

/*
 * One's-complement sum over the header (len: a multiple of 4); a valid header (checksum
 * included) sums to 0xffff. Four bytes a step: the end-around carry makes a sum of 32-bit
 * words fold to the same 16-bit sum (RFC 1071 2.(C)).
 */
static inline bool ip4_csum_ok(const uint8_t *h, unsigned int len)
{
	uint64_t sum = 0;
	uint32_t w;

	for (unsigned int i = 0; i < len; i += 4) {
		memcpy(&w, h + i, 4);
		sum += w;
	}
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static enum ws_dp_verdict drop(struct ws_dp_pkt_meta *meta, enum ws_dp_counter why)
{
	meta->reason = (uint16_t)why;
	return WS_DP_V_DROP;
}

enum ws_dp_verdict ws_dp_classify(const struct ws_dp_classify_ctx *ctx, const uint8_t *frame,
				  uint32_t len, unsigned int hints, struct ws_dp_pkt_meta *meta)
{
	const struct rte_ether_hdr *eth = (const void *)frame;
	const struct rte_udp_hdr *udp;
	const uint8_t *l3, *l4;
	uint32_t l4_avail, udp_len;
	uint16_t type;

	memset(meta, 0, sizeof(*meta));
	if (unlikely(len < sizeof(*eth)))
		return drop(meta, WS_DP_CNT_DROP_ETH_TRUNCATED);
	type = eth->ether_type;
	meta->l2_len = sizeof(*eth);
	if (type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		const struct rte_vlan_hdr *vlan = (const void *)(frame + sizeof(*eth));

		if (unlikely(len < sizeof(*eth) + sizeof(*vlan)))
			return drop(meta, WS_DP_CNT_DROP_VLAN_TRUNCATED);
		meta->vlan_tci = rte_be_to_cpu_16(vlan->vlan_tci);
		type = vlan->eth_proto;
		meta->l2_len += sizeof(*vlan);
	}
	l3 = frame + meta->l2_len;
	len -= meta->l2_len;

	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const void *)l3;
		unsigned int ihl;
		uint16_t total;

		meta->ip_version = 4;
		if (unlikely(len < sizeof(*ip)))
			return drop(meta, WS_DP_CNT_DROP_IP4_TRUNCATED);
		if (unlikely((ip->version_ihl >> 4) != 4))
			return drop(meta, WS_DP_CNT_DROP_IP4_BAD_VERSION);
		ihl = (ip->version_ihl & 0xf) * 4u;
		if (unlikely(ihl < sizeof(*ip)))
			return drop(meta, WS_DP_CNT_DROP_IP4_BAD_IHL);
		total = rte_be_to_cpu_16(ip->total_length);
		if (unlikely(total < ihl))
			return drop(meta, WS_DP_CNT_DROP_IP4_BAD_LEN);
		/* the frame may be longer (Ethernet padding), never shorter */
		if (unlikely(total > len))
			return drop(meta, WS_DP_CNT_DROP_IP4_TRUNCATED);
		if (unlikely(hints & WS_DP_HINT_IP4_CSUM_BAD))
			return drop(meta, WS_DP_CNT_DROP_IP4_BAD_CSUM);
		if (!(hints & WS_DP_HINT_IP4_CSUM_GOOD) && unlikely(!ip4_csum_ok(l3, ihl)))
			return drop(meta, WS_DP_CNT_DROP_IP4_BAD_CSUM);
		meta->l3_len = (uint16_t)ihl;
		/* fragments: the kernel reassembles (MF set or a non-zero offset) */
		if (unlikely(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
							     RTE_IPV4_HDR_OFFSET_MASK))) {
			meta->reason = WS_DP_CNT_RX_IP4_FRAG;
			return WS_DP_V_KERNEL;
		}
		if (ip->next_proto_id != IPPROTO_UDP)
			return WS_DP_V_KERNEL;
		if (!ctx->has_ip4 || memcmp(&ip->dst_addr, ctx->ip4, 4))
			return WS_DP_V_KERNEL;
		l4_avail = total - ihl;
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip = (const void *)l3;
		uint16_t plen;

		meta->ip_version = 6;
		if (unlikely(len < sizeof(*ip)))
			return drop(meta, WS_DP_CNT_DROP_IP6_TRUNCATED);
		if (unlikely((l3[0] >> 4) != 6))
			return drop(meta, WS_DP_CNT_DROP_IP6_BAD_VERSION);
		plen = rte_be_to_cpu_16(ip->payload_len);
		if (unlikely(plen + sizeof(*ip) > len))
			return drop(meta, WS_DP_CNT_DROP_IP6_TRUNCATED);
		meta->l3_len = sizeof(*ip);
		/* extension headers (fragments included) and jumbograms: the kernel's job */
		if (ip->proto != IPPROTO_UDP || plen == 0)
			return WS_DP_V_KERNEL;
		if (!ctx->has_ip6 || memcmp(ip->dst_addr, ctx->ip6, 16))
			return WS_DP_V_KERNEL;
		l4_avail = plen;
	} else {
		return WS_DP_V_KERNEL; /* ARP, LLDP, a second VLAN tag, ... */
	}

	l4 = l3 + meta->l3_len;
	udp = (const void *)l4;
	if (unlikely(l4_avail < sizeof(*udp)))
		return drop(meta, WS_DP_CNT_DROP_UDP_TRUNCATED);
	if (udp->dst_port != ctx->listen_port_be)
		return WS_DP_V_KERNEL;
	udp_len = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(udp_len < sizeof(*udp) || udp_len > l4_avail))
		return drop(meta, WS_DP_CNT_DROP_UDP_BAD_LEN);
	/*
	 * The UDP checksum is not verified: transport data is authenticated by its AEAD tag and
	 * handshakes by mac1, so a corrupted datagram fails there at no extra cost here.
	 */
	meta->payload_len = (uint16_t)(udp_len - sizeof(*udp));
	meta->msg_type = (uint8_t)ws_msg_classify(l4 + sizeof(*udp), meta->payload_len);
	if (unlikely(meta->msg_type == 0))
		return drop(meta, WS_DP_CNT_DROP_WG_MALFORMED);
	return WS_DP_V_WG;
}

enum ws_dp_verdict ws_dp_classify_mbuf(const struct ws_dp_classify_ctx *ctx, struct rte_mbuf *m,
				       struct ws_dp_pkt_meta *meta)
{
	unsigned int hints = 0;
	enum ws_dp_verdict v;

	if (unlikely(m->nb_segs != 1)) {
		memset(meta, 0, sizeof(*meta));
		return drop(meta, WS_DP_CNT_DROP_MULTISEG);
	}
	switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
	case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		hints = WS_DP_HINT_IP4_CSUM_GOOD;
		break;
	case RTE_MBUF_F_RX_IP_CKSUM_BAD:
		hints = WS_DP_HINT_IP4_CSUM_BAD;
		break;
	default:
		break;
	}
	v = ws_dp_classify(ctx, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, hints, meta);
	m->l2_len = meta->l2_len;
	m->l3_len = meta->l3_len;
	m->packet_type = v == WS_DP_V_WG ? ((meta->ip_version == 4 ? RTE_PTYPE_L3_IPV4
								   : RTE_PTYPE_L3_IPV6) |
					    RTE_PTYPE_L4_UDP)
					 : RTE_PTYPE_UNKNOWN;
	return v;
}
