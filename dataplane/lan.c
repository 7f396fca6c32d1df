/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gateway mode, the LAN side on the workers. Receive: frames for the gateway itself (ARP,
 * neighbour discovery, broadcast and multicast, its own address) go up the LAN exception TAP,
 * where the kernel answers them as it answers for the WAN; ARP/ND is also reported to the
 * service lcore for the LAN neighbour table. IP packets to anywhere else go to the encrypt
 * stage, unless too big for the tunnel: IPv4 with DF and IPv6 get the ICMP "too big" answer
 * (RFC 1191 / RFC 8201) back out the LAN, IPv4 without DF is fragmented. Output: decrypted
 * packets leave the LAN port to their next hop's MAC, or wait for it with the service lcore.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "icmp.h"
#include "lan.h"

/* Per lcore: the "too big" token bucket and the IPv4 id of the answers. */
static struct {
	struct ws_dp_tbucket bucket;
	uint16_t id;
} __rte_cache_aligned icmp_state[RTE_MAX_LCORE];

void ws_dp_stage_from_lan_kernel(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_LAN_FROM_KERNEL, n);
	for (uint16_t i = 0; i < n; i++)
		ws_dp_tx(lc, ws_dp.lan, pkts[i]);
}

/* ARP / neighbour discovery: the sender for the service lcore's LAN neighbour table. */
static void snoop(struct ws_dp_lcore *lc, const struct rte_mbuf *m, uint16_t type)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *l3 = (const uint8_t *)(eth + 1);
	uint32_t len = rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN;
	struct ws_dp_wevent ev = {.type = WS_DP_WEV_LAN_NEIGH};

	if (type == RTE_ETHER_TYPE_ARP) {
		/* Ethernet/IPv4 only: sender MAC at 8, sender IP at 14, target IP at 24 */
		if (len < 28 || l3[0] != 0 || l3[1] != 1 || l3[2] != 8 || l3[3] != 0 ||
		    l3[4] != 6 || l3[5] != 4)
			return;
		ev.family = AF_INET;
		memcpy(ev.mac, l3 + 8, 6);
		memcpy(ev.addr, l3 + 14, 4);
		ev.reserved[0] = ws_dp_lan.ip4.family && !memcmp(l3 + 24, ws_dp_lan.ip4.bytes, 4);
	} else {
		static const uint8_t unspec[16];

		/* NS: its source asks (for the target); NA: the target answers */
		if (len < 40 + 24 || (l3[40] != 135 && l3[40] != 136))
			return;
		ev.family = AF_INET6;
		memcpy(ev.mac, eth->src_addr.addr_bytes, 6);
		if (l3[40] == 135) {
			if (!memcmp(l3 + 8, unspec, 16)) /* duplicate address detection */
				return;
			memcpy(ev.addr, l3 + 8, 16);
			ev.reserved[0] = ws_dp_lan.ip6.family &&
					 !memcmp(l3 + 48, ws_dp_lan.ip6.bytes, 16);
		} else {
			memcpy(ev.addr, l3 + 48, 16);
		}
	}
	ws_dp_post_event(lc, &ev);
}

/* Whether the IP packet ip (header validated) goes to a multicast or broadcast group: no ICMP
 * error is sent about those but "too big" for IPv6 (RFC 1812 4.3.2.7, RFC 4443 2.4 (e)). */
static inline bool to_group(const uint8_t *ip, bool v6)
{
	static const uint8_t bcast[4] = {0xff, 0xff, 0xff, 0xff};

	return v6 ? ip[24] == 0xff : (ip[16] & 0xf0) == 0xe0 || !memcmp(ip + 16, bcast, 4);
}

/*
 * Builds the ICMP error about the IP packet in m (Ethernet header in front): "too big" with the
 * tunnel MTU, or "time exceeded" (ttl); sends it back to the frame's sender. m stays the
 * caller's, who has counted the drop.
 */
static void icmp_answer(struct ws_dp_lcore *lc, struct rte_mbuf *m, bool v6, bool ttl)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *ip = (const uint8_t *)(eth + 1);
	const size_t len = rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN;
	const unsigned int self = rte_lcore_id();
	const enum ws_dp_counter none = ttl ? WS_DP_CNT_TTL_NO_ICMP : WS_DP_CNT_TOO_BIG_NO_ICMP;
	struct rte_ether_hdr *oeth;
	struct rte_mbuf *r;
	uint8_t *out;
	size_t n, got;

	if (v6 ? !ws_dp_lan.ip6.family || !ws_dp_icmp6_may_answer(ip, len)
	       : !ws_dp_lan.ip4.family || !ws_dp_icmp4_may_answer(ip, len)) {
		ws_dp_cnt_add(lc->cnt, none, 1);
		return;
	}
	if (ttl && to_group(ip, v6)) {
		ws_dp_cnt_add(lc->cnt, none, 1);
		return;
	}
	if (!ws_dp_tbucket_take(&icmp_state[self].bucket, ws_dp_lan_now(), WS_DP_ICMP_RATE,
				WS_DP_ICMP_BURST)) {
		ws_dp_cnt_add(lc->cnt, ttl ? WS_DP_CNT_TTL_NO_ICMP : WS_DP_CNT_TOO_BIG_RATELIMITED,
			      1);
		return;
	}
	r = rte_pktmbuf_alloc(m->pool);
	if (!r) {
		ws_dp_cnt_add(lc->cnt, none, 1);
		return;
	}
	/* the answer's size: headers and as much of the original as the limit allows */
	n = v6 ? 48 + RTE_MIN(len, (size_t)WS_DP_ICMP6_MAX - 48)
	       : 28 + RTE_MIN(len, (size_t)WS_DP_ICMP4_MAX - 28);
	oeth = (struct rte_ether_hdr *)rte_pktmbuf_append(r, (uint16_t)(RTE_ETHER_HDR_LEN + n));
	if (!oeth) {
		rte_pktmbuf_free(r);
		ws_dp_cnt_add(lc->cnt, none, 1);
		return;
	}
	out = (uint8_t *)(oeth + 1);
	if (v6)
		got = ttl ? ws_dp_icmp6_time_exceeded(out, n, ip, len, ws_dp_lan.ip6.bytes)
			  : ws_dp_icmp6_too_big(out, n, ip, len, ws_dp_lan.ip6.bytes,
						ws_dp.tun_mtu);
	else
		got = ttl ? ws_dp_icmp4_time_exceeded(out, n, ip, len, ws_dp_lan.ip4.bytes,
						      icmp_state[self].id++)
			  : ws_dp_icmp4_too_big(out, n, ip, len, ws_dp_lan.ip4.bytes,
						(uint16_t)ws_dp.tun_mtu, icmp_state[self].id++);
	if (got != n) {
		rte_pktmbuf_free(r);
		ws_dp_cnt_add(lc->cnt, none, 1);
		return;
	}
	/* whoever handed us the packet is the next hop back to its sender */
	oeth->dst_addr = eth->src_addr;
	oeth->src_addr = ws_dp_lan.mac;
	oeth->ether_type = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (ttl)
		ws_dp_cnt_add(lc->cnt, v6 ? WS_DP_CNT_LAN_ICMP6_TIME_EXCEEDED
					  : WS_DP_CNT_LAN_ICMP_TIME_EXCEEDED, 1);
	else
		ws_dp_cnt_add(lc->cnt, v6 ? WS_DP_CNT_LAN_ICMP6_TOO_BIG : WS_DP_CNT_LAN_ICMP_TOO_BIG,
			      1);
	ws_dp_tx(lc, ws_dp.lan, r);
}

/* Answers the too-big IP packet in m (which stays the caller's). */
static void too_big(struct ws_dp_lcore *lc, struct rte_mbuf *m, bool v6)
{
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_TOO_BIG, 1);
	icmp_answer(lc, m, v6, false);
}

/*
 * A router's hop: false when the TTL / hop limit of the IP packet at ip is spent (the caller
 * drops it), else decremented (IPv4: the header checksum updated incrementally, RFC 1624 as
 * the kernel's ip_decrease_ttl does: the word holding the TTL drops by 0x0100).
 */
static inline bool hop(uint8_t *ip, bool v6)
{
	uint32_t c;

	if (v6) {
		if (ip[7] <= 1)
			return false;
		ip[7]--;
		return true;
	}
	if (ip[8] <= 1)
		return false;
	ip[8]--;
	c = (uint32_t)(ip[10] << 8 | ip[11]) + 0x0100;
	c = (c & 0xffff) + (c >> 16);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	return true;
}

/*
 * IPv4 without DF, too big for the tunnel: fragments (rte_ipv4_fragment_packet) of at most
 * the tunnel MTU, each made one segment again (the encrypt stage wants that) with an
 * Ethernet header in front. Takes m; returns how many frames it put at out (cap room).
 */
static uint16_t fragment4(struct ws_dp_lcore *lc, struct rte_mbuf *m, struct rte_mbuf **out,
			  uint16_t cap)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_HDR_LEN);
	const uint16_t ihl = (uint16_t)((ip[0] & 0xf) * 4u);
	/* every fragment but the last carries a multiple of 8 data bytes */
	const uint16_t mtu = (uint16_t)(ihl + ((ws_dp.tun_mtu - ihl) & ~7u));
	struct rte_mbuf *frags[16];
	int32_t nf;
	uint16_t k = 0;

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	nf = rte_ipv4_fragment_packet(m, frags, (uint16_t)RTE_MIN(cap, RTE_DIM(frags)), mtu,
				      m->pool, m->pool);
	rte_pktmbuf_free(m);
	if (nf <= 0) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_FRAG_FAILED, 1);
		return 0;
	}
	for (int32_t i = 0; i < nf; i++) {
		struct rte_mbuf *f = frags[i];
		struct rte_ether_hdr *eth;
		struct rte_ipv4_hdr *h;

		if (rte_pktmbuf_linearize(f) != 0 ||
		    !(eth = (void *)rte_pktmbuf_prepend(f, RTE_ETHER_HDR_LEN))) {
			rte_pktmbuf_free(f);
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_FRAG_FAILED, 1);
			continue;
		}
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		h = (struct rte_ipv4_hdr *)(eth + 1);
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
		f->ol_flags = 0;
		out[k++] = f;
	}
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_LAN_FRAGMENTED, 1);
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_LAN_FRAGMENTS, k);
	return k;
}

/* IPv4 addresses the gateway itself receives on the LAN (the kernel's business). */
static inline bool for_us4(const uint8_t *dst)
{
	const struct ws_dp_addr *a = &ws_dp_lan.ip4;

	if (dst[0] >= 224) /* multicast, limited broadcast */
		return true;
	if (!a->family)
		return false;
	if (!memcmp(dst, a->bytes, 4))
		return true;
	/* the subnet's directed broadcast */
	if (a->prefix < 31) {
		uint32_t d, o, host = (1u << (32 - a->prefix)) - 1;

		memcpy(&d, dst, 4);
		memcpy(&o, a->bytes, 4);
		d = rte_be_to_cpu_32(d);
		o = rte_be_to_cpu_32(o);
		return (d & ~host) == (o & ~host) && (d & host) == host;
	}
	return false;
}

static inline bool for_us6(const uint8_t *dst)
{
	if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80))
		return true; /* multicast, link-local */
	return ws_dp_lan.ip6.family && !memcmp(dst, ws_dp_lan.ip6.bytes, 16);
}

void ws_dp_stage_lan_rx(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *fwd[WS_DP_BURST_MAX], *drop[WS_DP_BURST_MAX];
	uint16_t nf = 0, nd = 0, nk = 0;
	const uint32_t mtu = ws_dp.tun_mtu;

	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_LAN_RX, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const uint8_t *ip = (const uint8_t *)(eth + 1);
		uint32_t len = rte_pktmbuf_data_len(m), tot;
		enum ws_dp_counter why;
		uint16_t type;

		if (unlikely(m->nb_segs != 1)) {
			why = WS_DP_CNT_DROP_MULTISEG;
			goto drop;
		}
		if (unlikely(len < RTE_ETHER_HDR_LEN)) {
			why = WS_DP_CNT_DROP_ETH_TRUNCATED;
			goto drop;
		}
		if (unlikely(rte_is_unicast_ether_addr(&eth->dst_addr) &&
			     !rte_is_same_ether_addr(&eth->dst_addr, &ws_dp_lan.mac))) {
			why = WS_DP_CNT_DROP_LAN_OTHER_HOST;
			goto drop;
		}
		len -= RTE_ETHER_HDR_LEN;
		type = rte_be_to_cpu_16(eth->ether_type);
		if (type == RTE_ETHER_TYPE_IPV4) {
			unsigned int ihl;

			if (unlikely(len < 20)) {
				why = WS_DP_CNT_DROP_IP4_TRUNCATED;
				goto drop;
			}
			if (unlikely((ip[0] >> 4) != 4)) {
				why = WS_DP_CNT_DROP_IP4_BAD_VERSION;
				goto drop;
			}
			ihl = (ip[0] & 0xf) * 4u;
			tot = (uint32_t)(ip[2] << 8 | ip[3]);
			if (unlikely(ihl < 20)) {
				why = WS_DP_CNT_DROP_IP4_BAD_IHL;
				goto drop;
			}
			if (unlikely(tot < ihl)) {
				why = WS_DP_CNT_DROP_IP4_BAD_LEN;
				goto drop;
			}
			if (unlikely(tot > len)) {
				why = WS_DP_CNT_DROP_IP4_TRUNCATED;
				goto drop;
			}
			/* a router drops what the next hop would (the NIC may have checked) */
			if (unlikely((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
					     RTE_MBUF_F_RX_IP_CKSUM_BAD ||
				     ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) !=
					      RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
				      rte_raw_cksum(ip, ihl) != 0xffff))) {
				why = WS_DP_CNT_DROP_IP4_BAD_CSUM;
				goto drop;
			}
			if (for_us4(ip + 16))
				goto kernel;
			rte_pktmbuf_trim(m, (uint16_t)(len - tot)); /* Ethernet padding */
			if (unlikely(!hop((uint8_t *)(uintptr_t)ip, false))) {
				ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_TTL_EXPIRED, 1);
				icmp_answer(lc, m, false, true);
				drop[nd++] = m;
				continue;
			}
			if (unlikely(tot > mtu)) {
				if (ip[6] & 0x40) { /* DF */
					too_big(lc, m, false);
					drop[nd++] = m;
					continue;
				}
				if (nf + 16 > WS_DP_BURST_MAX) { /* room for its fragments */
					ws_dp_stage_encrypt(lc, fwd, nf);
					nf = 0;
				}
				nf += fragment4(lc, m, fwd + nf, (uint16_t)(WS_DP_BURST_MAX - nf));
				continue;
			}
			fwd[nf++] = m;
			continue;
		}
		if (type == RTE_ETHER_TYPE_IPV6) {
			if (unlikely(len < 40)) {
				why = WS_DP_CNT_DROP_IP6_TRUNCATED;
				goto drop;
			}
			if (unlikely((ip[0] >> 4) != 6)) {
				why = WS_DP_CNT_DROP_IP6_BAD_VERSION;
				goto drop;
			}
			tot = 40u + (uint32_t)(ip[4] << 8 | ip[5]);
			if (unlikely(tot > len)) {
				why = WS_DP_CNT_DROP_IP6_TRUNCATED;
				goto drop;
			}
			if (ip[6] == IPPROTO_ICMPV6 && len >= 41 &&
			    (ip[40] == 135 || ip[40] == 136))
				snoop(lc, m, type);
			if (for_us6(ip + 24))
				goto kernel;
			rte_pktmbuf_trim(m, (uint16_t)(len - tot));
			if (unlikely(!hop((uint8_t *)(uintptr_t)ip, true))) {
				ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_TTL_EXPIRED, 1);
				icmp_answer(lc, m, true, true);
				drop[nd++] = m;
				continue;
			}
			if (unlikely(tot > mtu)) {
				too_big(lc, m, true);
				drop[nd++] = m;
				continue;
			}
			fwd[nf++] = m;
			continue;
		}
		if (type == RTE_ETHER_TYPE_ARP)
			snoop(lc, m, type);
kernel:
		/* ARP, ND, LLDP, our own address: what a host's stack deals with */
		nk++;
		ws_dp_tx(lc, ws_dp.lan_exc, m);
		continue;
drop:
		ws_dp_cnt_add(lc->cnt, why, 1);
		drop[nd++] = m;
	}
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_LAN_TO_KERNEL, nk);
	if (nd)
		rte_pktmbuf_free_bulk(drop, nd);
	if (nf)
		ws_dp_stage_encrypt(lc, fwd, nf);
}

/* The Ethernet multicast address of an IP multicast / broadcast destination; false if the
 * destination is unicast. */
static inline bool group_mac(const uint8_t *ip, bool v6, struct rte_ether_addr *mac)
{
	if (v6) {
		if (ip[24] != 0xff)
			return false;
		*mac = (struct rte_ether_addr){{0x33, 0x33, ip[36], ip[37], ip[38], ip[39]}};
		return true;
	}
	if (ip[16] == 255 && ip[17] == 255 && ip[18] == 255 && ip[19] == 255) {
		memset(mac, 0xff, sizeof(*mac));
		return true;
	}
	if ((ip[16] & 0xf0) != 0xe0)
		return false;
	*mac = (struct rte_ether_addr){{0x01, 0x00, 0x5e, ip[17] & 0x7f, ip[18], ip[19]}};
	return true;
}

void ws_dp_lan_output(struct ws_dp_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const uint8_t *ip = (const uint8_t *)(eth + 1);
	const bool v6 = eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6);
	const uint8_t *dst = v6 ? ip + 24 : ip + 16;
	struct ws_dp_neigh_key nh;

	/* forwarded from the tunnel to the LAN: one hop, as the kernel routing out of wg0 counts
	 * it (no ICMP back into the tunnel for a spent TTL: dropped and counted) */
	if (unlikely(!hop((uint8_t *)(uintptr_t)ip, v6))) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_TTL_EXPIRED, 1);
		rte_pktmbuf_free(m);
		return;
	}
	eth->src_addr = ws_dp_lan.mac;
	if (unlikely(group_mac(ip, v6, &eth->dst_addr)))
		goto send;
	ws_dp_lan_nexthop(v6 ? AF_INET6 : AF_INET, dst, &nh);
	if (unlikely(v6 ? ws_dp_lan.ip6.family && !memcmp(nh.addr, ws_dp_lan.ip6.bytes, 16)
			: ws_dp_lan.ip4.family && !memcmp(nh.addr, ws_dp_lan.ip4.bytes, 4))) {
		/* to the kernel it would be answered by its own routes, maybe in clear on the
		 * WAN: the gateway's LAN address is reachable from the LAN only */
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_LAN_TO_GATEWAY, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(ws_dp_lan_neigh_lookup(&nh, &eth->dst_addr) != 0)) {
		ws_dp_priv(m)->kind = WS_DP_MK_LAN_HOLD;
		if (unlikely(rte_ring_mp_enqueue(ws_dp.stage_ring, m) != 0)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_STAGE_RING_FULL, 1);
			rte_pktmbuf_free(m);
		}
		return;
	}
send:
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_LAN_TX_DECRYPTED, 1);
	ws_dp_tx(lc, ws_dp.lan, m);
}
