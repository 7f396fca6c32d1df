/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow hash and target choice for pipeline steering. Inline and free of global state so the
 * unit tests exercise them on hand-built mbufs without EAL.
 */
#ifndef WS_DP_STEER_H
#define WS_DP_STEER_H

#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>

/*
 * The NIC's RSS hash when the PMD supplies one (RTE_MBUF_F_RX_RSS_HASH), otherwise a CRC over
 * the outer source address and both UDP ports. Needs l2_len, l3_len and packet_type as the
 * classify stage sets them.
 */
static inline uint32_t ws_dp_flow_hash(const struct rte_mbuf *m)
{
	const uint8_t *l3, *l4;
	uint32_t h = 0x5157u, ports, a[4];

	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		return m->hash.rss;
	l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	l4 = l3 + m->l3_len;
	/* copies: headers after a 14-byte Ethernet header are only 2-byte aligned */
	if (RTE_ETH_IS_IPV4_HDR(m->packet_type)) {
		memcpy(a, l3 + 12, 4); /* IPv4 source address */
		h = rte_hash_crc_4byte(a[0], h);
	} else {
		memcpy(a, l3 + 8, 16); /* IPv6 source address */
		h = rte_hash_crc(a, 16, h);
	}
	memcpy(&ports, l4, 4);
	return rte_hash_crc_4byte(ports, h);
}

/* Maps a 32-bit hash onto n targets without a division (multiply-shift). */
static inline unsigned int ws_dp_steer_index(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

#endif
