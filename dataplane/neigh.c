/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WAN neighbours: the MAC of the next hop towards a peer's endpoint. Learned on the service
 * lcore from what the workers see on the WAN (ARP and neighbour discovery on their way to the
 * kernel, the source MAC of handshakes and authenticated data), asked for with an ARP request
 * or neighbour solicitation of our own when missing. The next hop is the endpoint itself when
 * it is on the WAN subnet, the configured gateway otherwise. Service lcore only.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "stages.h"
#include "tables.h"

static bool same_subnet(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest))) == 0;
}

int ws_dp_neigh_nexthop(const struct ws_ipc_addr *a, struct ws_dp_neigh_key *nh)
{
	const struct ws_dp_port_cfg *wan = ws_dp_config_wan(ws_dp.cfg);
	const struct ws_dp_addr *own = a->family == AF_INET ? &wan->ip4 : &wan->ip6;
	const struct ws_dp_addr *gw = a->family == AF_INET ? &wan->gw4 : &wan->gw6;
	unsigned int alen = a->family == AF_INET ? 4 : 16;

	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	memset(nh, 0, sizeof(*nh));
	nh->family = a->family;
	if (own->family && !same_subnet(a->addr, own->bytes, own->prefix) && gw->family)
		memcpy(nh->addr, gw->bytes, alen);
	else
		memcpy(nh->addr, a->addr, alen);
	return 0;
}

static int lookup(const struct ws_dp_neigh_key *k, struct rte_ether_addr *mac)
{
	void *data;
	uint64_t v;

	if (rte_hash_lookup_data(ws_dp_tables.neigh, k, &data) < 0)
		return -EHOSTUNREACH;
	v = (uint64_t)(uintptr_t)data;
	for (int i = 0; i < 6; i++)
		mac->addr_bytes[i] = (uint8_t)(v >> (8 * i));
	return 0;
}

int ws_dp_neigh_resolve(const struct ws_ipc_addr *a, struct rte_ether_addr *mac)
{
	struct ws_dp_neigh_key k;

	if (ws_dp_neigh_nexthop(a, &k))
		return -EINVAL;
	return lookup(&k, mac);
}

void ws_dp_neigh_learn(uint8_t family, const uint8_t *addr, const struct rte_ether_addr *mac)
{
	struct ws_dp_neigh_key k = {.family = family};
	struct rte_ether_addr old;
	uint64_t v = 0;

	if ((family != AF_INET && family != AF_INET6) || !rte_is_unicast_ether_addr(mac))
		return;
	memcpy(k.addr, addr, family == AF_INET ? 4 : 16);
	if (lookup(&k, &old) == 0 && rte_is_same_ether_addr(&old, mac))
		return;
	for (int i = 0; i < 6; i++)
		v |= (uint64_t)mac->addr_bytes[i] << (8 * i);
	if (rte_hash_add_key_data(ws_dp_tables.neigh, &k, (void *)(uintptr_t)v) < 0) {
		rte_hash_reset(ws_dp_tables.neigh); /* full: forget everything, relearn */
		rte_hash_add_key_data(ws_dp_tables.neigh, &k, (void *)(uintptr_t)v);
	}
	ws_dp_cnt_add(&ws_dp_counters[rte_lcore_id()], WS_DP_CNT_NEIGH_LEARNED, 1);
	/* the peers whose next hop this is (a rare event: a linear walk is fine) */
	for (uint32_t i = 0; i < ws_dp_tables.max_peers; i++) {
		struct ws_dp_peer *p = &ws_dp_tables.peers[i];
		struct ws_dp_neigh_key nh;
		struct ws_dp_endpoint ep;

		if (!p->live)
			continue;
		ws_dp_peer_endpoint(p, &ep);
		if (ep.addr.family != family || ws_dp_neigh_nexthop(&ep.addr, &nh) ||
		    memcmp(&nh, &k, sizeof(k)))
			continue;
		rte_seqlock_write_lock(&p->ep_lock);
		/* unless a worker moved it meanwhile (roaming brings its own MAC) */
		if (!memcmp(&p->ep.addr, &ep.addr, sizeof(ep.addr))) {
			p->ep.mac = *mac;
			p->ep.have_mac = true;
		}
		rte_seqlock_write_unlock(&p->ep_lock);
		if (p->keepalive_pending) {
			p->keepalive_pending = false;
			ws_dp_send_keepalive(i);
		}
	}
}

static uint16_t csum_fold32(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void ws_dp_neigh_solicit(const struct ws_ipc_addr *a)
{
	const struct ws_dp_port_cfg *wan = ws_dp_config_wan(ws_dp.cfg);
	const struct rte_ether_addr *own_mac = &ws_dp.ports[ws_dp.wan < 0 ? 0 : ws_dp.wan].mac;
	struct rte_mempool *mp = ws_dp_mempool_for(&ws_dp, 0);
	struct ws_dp_neigh_key nh;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;

	if (!mp || !ws_dp.svc_tx_ring || ws_dp.wan < 0 || ws_dp_neigh_nexthop(a, &nh))
		return;
	if ((a->family == AF_INET && !wan->ip4.family) || (a->family == AF_INET6 && !wan->ip6.family))
		return;
	m = rte_pktmbuf_alloc(mp);
	if (!m) {
		ws_dp_cnt_add(&ws_dp_counters[rte_lcore_id()], WS_DP_CNT_DROP_NO_MBUF, 1);
		return;
	}
	if (a->family == AF_INET) {
		struct rte_arp_hdr *arp;

		eth = (void *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
		arp = (void *)(eth + 1);
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
		eth->src_addr = *own_mac;
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = 6;
		arp->arp_plen = 4;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		arp->arp_data.arp_sha = *own_mac;
		memcpy(&arp->arp_data.arp_sip, wan->ip4.bytes, 4);
		memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
		memcpy(&arp->arp_data.arp_tip, nh.addr, 4);
	} else {
		/* neighbour solicitation to the solicited-node multicast address */
		struct rte_ipv6_hdr *ip;
		uint8_t *ns;
		uint32_t s = 0;

		eth = (void *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip) + 32);
		ip = (void *)(eth + 1);
		ns = (uint8_t *)(ip + 1);
		eth->dst_addr = (struct rte_ether_addr){
			{0x33, 0x33, 0xff, nh.addr[13], nh.addr[14], nh.addr[15]}};
		eth->src_addr = *own_mac;
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(32);
		ip->proto = IPPROTO_ICMPV6;
		ip->hop_limits = 255;
		memcpy(ip->src_addr, wan->ip6.bytes, 16);
		static const uint8_t snm[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
		memcpy(ip->dst_addr, snm, 13);
		memcpy(ip->dst_addr + 13, nh.addr + 13, 3);
		memset(ns, 0, 32);
		ns[0] = 135; /* type: neighbour solicitation; code, checksum, reserved = 0 */
		memcpy(ns + 8, nh.addr, 16);
		ns[24] = 1; /* option: source link-layer address, 1 unit of 8 bytes */
		ns[25] = 1;
		memcpy(ns + 26, own_mac->addr_bytes, 6);
		s = rte_ipv6_phdr_cksum(ip, 0);
		s = (uint32_t)s + rte_raw_cksum(ns, 32);
		uint16_t c = csum_fold32(s);
		memcpy(ns + 2, &c, 2);
	}
	ws_dp_priv(m)->kind = WS_DP_MK_RAW;
	if (rte_ring_sp_enqueue(ws_dp.svc_tx_ring, m)) {
		ws_dp_cnt_add(&ws_dp_counters[rte_lcore_id()], WS_DP_CNT_DROP_SVC_TX_RING_FULL, 1);
		rte_pktmbuf_free(m);
		return;
	}
	ws_dp_cnt_add(&ws_dp_counters[rte_lcore_id()], WS_DP_CNT_NEIGH_SOLICIT, 1);
}
