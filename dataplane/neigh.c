/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WAN neighbours: the MAC of the next hop towards a peer's endpoint. Learned on the service
 * lcore from what the workers see on the WAN (ARP and neighbour discovery on their way to the
 * kernel, the source MAC of handshakes and authenticated data), asked for with an ARP request
 * or neighbour solicitation of our own when missing. The next hop is the endpoint itself when
 * it is on the WAN subnet, the configured gateway otherwise. Service lcore only.
 * Gateway mode's LAN neighbour table is further down (see lan.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "lan.h"
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

/*
 * Fills the fresh mbuf m with an ARP request (AF_INET) or a neighbour solicitation for target,
 * from own_mac and the port's address src (4 or 16 bytes). to: the neighbour's MAC for a
 * unicast probe of an entry being re-confirmed (RFC 4861 7.3.3), NULL for the broadcast /
 * solicited-node multicast group.
 */
static void neigh_request_build(struct rte_mbuf *m, int family, const uint8_t *target,
				const struct rte_ether_addr *own_mac, const uint8_t *src,
				const struct rte_ether_addr *to)
{
	struct rte_ether_hdr *eth;

	if (family == AF_INET) {
		struct rte_arp_hdr *arp;

		eth = (void *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
		arp = (void *)(eth + 1);
		if (to)
			eth->dst_addr = *to;
		else
			memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
		eth->src_addr = *own_mac;
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = 6;
		arp->arp_plen = 4;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		arp->arp_data.arp_sha = *own_mac;
		memcpy(&arp->arp_data.arp_sip, src, 4);
		memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
		memcpy(&arp->arp_data.arp_tip, target, 4);
	} else {
		static const uint8_t snm[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
		struct rte_ipv6_hdr *ip;
		uint8_t *ns;
		uint16_t c;

		eth = (void *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip) + 32);
		ip = (void *)(eth + 1);
		ns = (uint8_t *)(ip + 1);
		eth->src_addr = *own_mac;
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(32);
		ip->proto = IPPROTO_ICMPV6;
		ip->hop_limits = 255;
		memcpy(ip->src_addr, src, 16);
		if (to) {
			eth->dst_addr = *to;
			memcpy(ip->dst_addr, target, 16);
		} else {
			eth->dst_addr = (struct rte_ether_addr){
				{0x33, 0x33, 0xff, target[13], target[14], target[15]}};
			memcpy(ip->dst_addr, snm, 13);
			memcpy(ip->dst_addr + 13, target + 13, 3);
		}
		memset(ns, 0, 32);
		ns[0] = 135; /* type: neighbour solicitation; code, checksum, reserved = 0 */
		memcpy(ns + 8, target, 16);
		ns[24] = 1; /* option: source link-layer address, 1 unit of 8 bytes */
		ns[25] = 1;
		memcpy(ns + 26, own_mac->addr_bytes, 6);
		c = csum_fold32((uint32_t)rte_ipv6_phdr_cksum(ip, 0) + rte_raw_cksum(ns, 32));
		memcpy(ns + 2, &c, 2);
	}
}

void ws_dp_neigh_solicit(const struct ws_ipc_addr *a)
{
	const struct ws_dp_port_cfg *wan = ws_dp_config_wan(ws_dp.cfg);
	const struct rte_ether_addr *own_mac = &ws_dp.ports[ws_dp.wan < 0 ? 0 : ws_dp.wan].mac;
	struct rte_mempool *mp = ws_dp_mempool_for(&ws_dp, 0);
	struct ws_dp_neigh_key nh;
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
	neigh_request_build(m, a->family, nh.addr, own_mac,
			    a->family == AF_INET ? wan->ip4.bytes : wan->ip6.bytes, NULL);
	ws_dp_priv(m)->kind = WS_DP_MK_RAW;
	if (rte_ring_sp_enqueue(ws_dp.svc_tx_ring, m)) {
		ws_dp_cnt_add(&ws_dp_counters[rte_lcore_id()], WS_DP_CNT_DROP_SVC_TX_RING_FULL, 1);
		rte_pktmbuf_free(m);
		return;
	}
	ws_dp_cnt_add(&ws_dp_counters[rte_lcore_id()], WS_DP_CNT_NEIGH_SOLICIT, 1);
}

/*
 * LAN neighbours (gateway mode): the MACs decrypted packets leave the LAN port to. Unlike the
 * WAN's (read by the service lcore only), this table is read by every worker for every
 * decrypted packet: an rte_hash with lock-free readers and the tables' QSBR variable
 * attached, so a deleted entry's slot is reused only after every worker has moved on. The
 * service lcore is its only writer: it learns from ARP/ND seen on the LAN, holds the packets
 * of a neighbour being resolved (at most WS_DP_LAN_HOLD each), asks for it with ARP requests
 * or neighbour solicitations from the LAN MAC and address (one a second, three at most), and
 * re-probes entries whose last confirmation is WS_DP_LAN_REACHABLE_S old: a neighbour that
 * does not answer three probes is deleted, one that answers from a new MAC is updated.
 */
struct ws_dp_lan_ctx ws_dp_lan;

/* A neighbour being resolved and its held frames (key.family 0: free slot). */
struct lan_pending {
	struct ws_dp_neigh_key key;
	uint64_t last_ns;
	uint8_t solicits;
	uint8_t n;
	struct rte_mbuf *pkts[WS_DP_LAN_HOLD];
};

/* Per table slot (the hash's key position): when last confirmed, probing state. */
struct lan_meta {
	uint64_t confirmed_ns;
	uint64_t probe_ns;
	uint8_t probes;
	bool permanent; /* configured: never probed, expired or changed by what the LAN says */
};

static struct lan_pending lan_pend[WS_DP_LAN_PENDING_MAX];
static struct lan_meta *lan_meta; /* WS_DP_LAN_NEIGH_MAX + 1 slots (positions start at 0) */
static struct rte_timer lan_timer;

/* Real time (the neighbour protocol is not sped up by --test-time-scale). */
static uint64_t lan_real_now(void)
{
	return (uint64_t)((double)rte_get_tsc_cycles() * 1e9 / (double)rte_get_tsc_hz());
}

static uint64_t (*lan_clock)(void) = lan_real_now;

static uint64_t lan_now(void)
{
	return lan_clock();
}

void ws_dp_lan_set_clock(uint64_t (*clock)(void))
{
	lan_clock = clock ? clock : lan_real_now;
}

static struct ws_dp_lcore_counters *lan_cnt(void)
{
	return &ws_dp_counters[rte_lcore_id()];
}

void ws_dp_lan_nexthop(uint8_t family, const uint8_t *addr, struct ws_dp_neigh_key *nh)
{
	const struct ws_dp_addr *own = family == AF_INET ? &ws_dp_lan.ip4 : &ws_dp_lan.ip6;
	const struct ws_dp_addr *gw = family == AF_INET ? &ws_dp_lan.gw4 : &ws_dp_lan.gw6;
	unsigned int alen = family == AF_INET ? 4 : 16;

	memset(nh, 0, sizeof(*nh));
	nh->family = family;
	if (own->family && !same_subnet(addr, own->bytes, own->prefix) && gw->family)
		memcpy(nh->addr, gw->bytes, alen);
	else
		memcpy(nh->addr, addr, alen);
}

/* An ARP request / neighbour solicitation for k out of the LAN port; to a known MAC
 * (unicast probe of an entry being re-confirmed) or the broadcast / solicited-node group. */
static void lan_solicit(const struct ws_dp_neigh_key *k, const struct rte_ether_addr *to)
{
	const struct rte_ether_addr *own_mac = &ws_dp_lan.mac;
	struct rte_mempool *mp = ws_dp_mempool_for(&ws_dp, 0);
	struct rte_mbuf *m;

	if (!mp || (k->family == AF_INET && !ws_dp_lan.ip4.family) ||
	    (k->family == AF_INET6 && !ws_dp_lan.ip6.family))
		return;
	m = rte_pktmbuf_alloc(mp);
	if (!m) {
		ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_DROP_NO_MBUF, 1);
		return;
	}
	neigh_request_build(m, k->family, k->addr, own_mac,
			    k->family == AF_INET ? ws_dp_lan.ip4.bytes : ws_dp_lan.ip6.bytes, to);
	ws_dp_priv(m)->kind = WS_DP_MK_LAN;
	if (ws_dp_service_send(m) == 0)
		ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_LAN_NEIGH_SOLICIT, 1);
}

static struct lan_pending *pending_find(const struct ws_dp_neigh_key *k)
{
	for (unsigned int i = 0; i < WS_DP_LAN_PENDING_MAX; i++)
		if (lan_pend[i].key.family && !memcmp(&lan_pend[i].key, k, sizeof(*k)))
			return &lan_pend[i];
	return NULL;
}

static void pending_clear(struct lan_pending *p)
{
	memset(p, 0, sizeof(*p));
}

/* Sends a frame that waited for its next hop. */
static void lan_send_resolved(struct rte_mbuf *m, const struct rte_ether_addr *mac)
{
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = *mac;
	ws_dp_priv(m)->kind = WS_DP_MK_LAN;
	if (ws_dp_service_send(m) == 0)
		ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_LAN_HELD_SENT, 1);
}

static bool lan_on_link(uint8_t family, const uint8_t *addr)
{
	const struct ws_dp_addr *own = family == AF_INET ? &ws_dp_lan.ip4 : &ws_dp_lan.ip6;

	if (family == AF_INET6 && addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80)
		return true; /* link-local: a router's usual address */
	return own->family && same_subnet(addr, own->bytes, own->prefix);
}

void ws_dp_lan_neigh_learn(uint8_t family, const uint8_t *addr,
			   const struct rte_ether_addr *mac, bool to_us)
{
	struct ws_dp_neigh_key k = {.family = family};
	struct lan_pending *p;
	struct rte_ether_addr old;
	uint64_t v = 0;
	int32_t pos;
	bool known;

	if (!ws_dp_lan.neigh || (family != AF_INET && family != AF_INET6) ||
	    !rte_is_unicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return;
	memcpy(k.addr, addr, family == AF_INET ? 4 : 16);
	known = ws_dp_lan_neigh_lookup(&k, &old) == 0;
	if (known) {
		pos = rte_hash_lookup(ws_dp_lan.neigh, &k);
		if (pos >= 0 && pos <= WS_DP_LAN_NEIGH_MAX && lan_meta[pos].permanent)
			return; /* the operator's word beats the LAN's (static ARP) */
	}
	p = pending_find(&k);
	/*
	 * As the kernel does: a neighbour is created when it asks for us or when we asked for
	 * it; anything else only refreshes an entry we have (a LAN host cannot fill the table
	 * with addresses nobody sends to). It must be on the LAN's link.
	 */
	if (!known && !p && !(to_us && lan_on_link(family, addr)))
		return;
	if (!known || !rte_is_same_ether_addr(&old, mac)) {
		for (int i = 0; i < 6; i++)
			v |= (uint64_t)mac->addr_bytes[i] << (8 * i);
		if (rte_hash_add_key_data(ws_dp_lan.neigh, &k, (void *)(uintptr_t)v) < 0) {
			ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_DROP_LAN_NEIGH_FULL, 1);
			return;
		}
		ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_LAN_NEIGH_LEARNED, 1);
	}
	pos = rte_hash_lookup(ws_dp_lan.neigh, &k);
	if (pos >= 0 && pos <= WS_DP_LAN_NEIGH_MAX)
		lan_meta[pos] = (struct lan_meta){.confirmed_ns = lan_now()};
	if (p) {
		for (uint8_t i = 0; i < p->n; i++)
			lan_send_resolved(p->pkts[i], mac);
		pending_clear(p);
	}
}

void ws_dp_lan_hold(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *ip = (const uint8_t *)(eth + 1);
	struct ws_dp_neigh_key k;
	struct rte_ether_addr mac;
	struct lan_pending *p, *free_p = NULL;

	if (!ws_dp_lan.neigh) {
		ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_DROP_NO_TX_PORT, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		ws_dp_lan_nexthop(AF_INET, ip + 16, &k);
	else
		ws_dp_lan_nexthop(AF_INET6, ip + 24, &k);
	if (ws_dp_lan_neigh_lookup(&k, &mac) == 0) { /* learned while it travelled */
		lan_send_resolved(m, &mac);
		return;
	}
	p = pending_find(&k);
	if (!p) {
		for (unsigned int i = 0; i < WS_DP_LAN_PENDING_MAX && !free_p; i++)
			if (!lan_pend[i].key.family)
				free_p = &lan_pend[i];
		if (!free_p) {
			ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_DROP_LAN_PENDING_FULL, 1);
			rte_pktmbuf_free(m);
			return;
		}
		p = free_p;
		p->key = k;
		p->solicits = 1;
		p->last_ns = lan_now();
		lan_solicit(&k, NULL);
	} else if (p->solicits < WS_DP_LAN_SOLICITS && lan_now() - p->last_ns >= 1000000000ull) {
		/* traffic asks again as soon as a second is up (the timer would, a little later) */
		p->solicits++;
		p->last_ns = lan_now();
		lan_solicit(&k, NULL);
	}
	if (p->n == WS_DP_LAN_HOLD) { /* the oldest goes, as the kernel's unresolved queue */
		rte_pktmbuf_free(p->pkts[0]);
		memmove(p->pkts, p->pkts + 1, (WS_DP_LAN_HOLD - 1) * sizeof(p->pkts[0]));
		p->n--;
		ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_DROP_LAN_HOLD_OVERFLOW, 1);
	}
	p->pkts[p->n++] = m;
	ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_LAN_HELD, 1);
}

uint64_t ws_dp_lan_now(void)
{
	return lan_now();
}

void ws_dp_lan_tick(uint64_t now)
{
	const uint64_t sec = 1000000000ull;
	struct ws_dp_neigh_key dead[64];
	unsigned int n_dead = 0;
	const void *key;
	void *data;
	uint32_t next = 0;
	int32_t pos;

	if (!ws_dp_lan.neigh)
		return;
	for (unsigned int i = 0; i < WS_DP_LAN_PENDING_MAX; i++) {
		struct lan_pending *p = &lan_pend[i];

		if (!p->key.family || now - p->last_ns < sec)
			continue;
		if (p->solicits >= WS_DP_LAN_SOLICITS) {
			ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_DROP_LAN_NEIGH_UNRESOLVED, p->n);
			for (uint8_t j = 0; j < p->n; j++)
				rte_pktmbuf_free(p->pkts[j]);
			pending_clear(p);
			continue;
		}
		p->solicits++;
		p->last_ns = now;
		lan_solicit(&p->key, NULL);
	}
	while ((pos = rte_hash_iterate(ws_dp_lan.neigh, &key, &data, &next)) >= 0) {
		struct lan_meta *e;
		struct rte_ether_addr mac;
		uint64_t v = (uint64_t)(uintptr_t)data;

		if (pos > WS_DP_LAN_NEIGH_MAX)
			continue;
		e = &lan_meta[pos];
		if (e->permanent)
			continue;
		if (now - e->confirmed_ns < WS_DP_LAN_REACHABLE_S * sec || now - e->probe_ns < sec)
			continue;
		if (e->probes >= WS_DP_LAN_SOLICITS) {
			if (n_dead < RTE_DIM(dead))
				memcpy(&dead[n_dead++], key, sizeof(dead[0]));
			continue;
		}
		for (int i = 0; i < 6; i++)
			mac.addr_bytes[i] = (uint8_t)(v >> (8 * i));
		e->probes++;
		e->probe_ns = now;
		lan_solicit(key, &mac);
	}
	for (unsigned int i = 0; i < n_dead; i++)
		if (rte_hash_del_key(ws_dp_lan.neigh, &dead[i]) >= 0)
			ws_dp_cnt_add(lan_cnt(), WS_DP_CNT_LAN_NEIGH_EXPIRED, 1);
}

/*
 * The neighbour tables' hash (WAN and LAN): CRC32 like rte_hash_crc, over a copy of the key,
 * since rte_hash_crc reads 8-byte words in place and keys (20 bytes of uint8_t) need not be
 * 8-byte aligned.
 */
uint32_t ws_dp_neigh_key_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t w[3] = {0};

	RTE_BUILD_BUG_ON(sizeof(struct ws_dp_neigh_key) > sizeof(w));
	memcpy(w, key, RTE_MIN(len, (uint32_t)sizeof(w)));
	return rte_hash_crc_8byte(w[2], rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], init)));
}

/* Every 250 ms on the service lcore. */
static void lan_tick(struct rte_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	ws_dp_lan_tick(lan_now());
}

int ws_dp_lan_setup(struct ws_dp *dp, char *err, size_t errlen)
{
	const struct ws_dp_config *cfg = dp->cfg;
	const struct ws_dp_port_cfg *pc = NULL;
	struct rte_hash_parameters hp = {
		.name = "ws_lan_neigh",
		.entries = WS_DP_LAN_NEIGH_MAX,
		.key_len = sizeof(struct ws_dp_neigh_key),
		.hash_func = ws_dp_neigh_key_hash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = {.v = ws_dp_tables.rcu, .mode = RTE_HASH_QSBR_MODE_DQ};
	unsigned int n_lan = 0;

	if (cfg->mode != WS_DP_MODE_GATEWAY || dp->lan < 0)
		return 0;
	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		if (cfg->ports[i].role != WS_DP_ROLE_LAN)
			continue;
		if (!n_lan++)
			pc = &cfg->ports[i];
	}
	if (n_lan > 1) {
		snprintf(err, errlen,
			 "%s: gateway mode serves one lan port (%u configured; see "
			 "config/dataplane.md)",
			 cfg->path, n_lan);
		return -1;
	}
	ws_dp_lan.mac = dp->ports[dp->lan].mac;
	ws_dp_lan.ip4 = pc->ip4;
	ws_dp_lan.ip6 = pc->ip6;
	ws_dp_lan.gw4 = pc->gw4;
	ws_dp_lan.gw6 = pc->gw6;
	lan_meta = calloc(WS_DP_LAN_NEIGH_MAX + 1, sizeof(*lan_meta));
	ws_dp_lan.neigh = rte_hash_create(&hp);
	if (!lan_meta || !ws_dp_lan.neigh || rte_hash_rcu_qsbr_add(ws_dp_lan.neigh, &rc)) {
		snprintf(err, errlen, "cannot create the LAN neighbour table: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	/* static neighbours: in the table before any worker reads it, marked permanent */
	for (unsigned int i = 0; i < pc->n_neigh; i++) {
		const struct ws_dp_neigh_cfg *e = &pc->neigh[i];
		struct ws_dp_neigh_key k = {.family = (uint8_t)e->addr.family};
		uint64_t v = 0;
		int32_t pos;

		memcpy(k.addr, e->addr.bytes, e->addr.family == AF_INET ? 4 : 16);
		for (int j = 0; j < 6; j++)
			v |= (uint64_t)e->mac[j] << (8 * j);
		if (rte_hash_add_key_data(ws_dp_lan.neigh, &k, (void *)(uintptr_t)v) < 0 ||
		    (pos = rte_hash_lookup(ws_dp_lan.neigh, &k)) < 0 || pos > WS_DP_LAN_NEIGH_MAX) {
			snprintf(err, errlen, "%s:%u: cannot add static LAN neighbour %u",
				 cfg->path, e->line, i);
			return -1;
		}
		lan_meta[pos] = (struct lan_meta){.permanent = true};
	}
	rte_timer_init(&lan_timer);
	if (rte_timer_reset(&lan_timer, rte_get_timer_hz() / 4, PERIODICAL, rte_lcore_id(),
			    lan_tick, NULL)) {
		snprintf(err, errlen, "cannot arm the LAN neighbour timer");
		return -1;
	}
	ws_dp_lan.on = true;
	return 0;
}

void ws_dp_lan_teardown(void)
{
	if (ws_dp_lan.on)
		rte_timer_stop_sync(&lan_timer);
	for (unsigned int i = 0; i < WS_DP_LAN_PENDING_MAX; i++) {
		for (uint8_t j = 0; j < lan_pend[i].n; j++)
			rte_pktmbuf_free(lan_pend[i].pkts[j]);
		pending_clear(&lan_pend[i]);
	}
	rte_hash_free(ws_dp_lan.neigh);
	free(lan_meta);
	lan_meta = NULL;
	memset(&ws_dp_lan, 0, sizeof(ws_dp_lan));
}
