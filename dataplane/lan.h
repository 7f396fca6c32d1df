/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gateway mode's LAN side: the LAN receive stage (kernel-bound frames to the LAN exception
 * TAP, ICMP "too big" and IPv4 fragmentation, the rest to the encrypt stage), the output of
 * decrypted packets (next-hop MAC from the LAN neighbour table) and the LAN neighbour table
 * itself (neigh.c: written by the service lcore, read lock-free by workers).
 */
#ifndef WS_DP_LAN_H
#define WS_DP_LAN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>

#include "stages.h"
#include "tables.h"

enum {
	WS_DP_LAN_NEIGH_MAX = 4096,  /* LAN neighbours */
	WS_DP_LAN_PENDING_MAX = 256, /* neighbours being resolved at once */
	WS_DP_LAN_HOLD = 4,          /* packets held per neighbour being resolved */
	WS_DP_LAN_SOLICITS = 3,      /* requests (1 s apart) before giving up / expiring */
	WS_DP_LAN_REACHABLE_S = 30,  /* age of a confirmation after which we probe again */
	WS_DP_ICMP_RATE = 1000,      /* "too big" messages a second, per lcore */
	WS_DP_ICMP_BURST = 50,
};

/* The LAN port's addresses, set once by ws_dp_lan_setup() before the lcores start. */
struct ws_dp_lan_ctx {
	bool on;
	struct rte_ether_addr mac;
	struct ws_dp_addr ip4, ip6, gw4, gw6;
	struct rte_hash *neigh; /* struct ws_dp_neigh_key -> MAC packed in the data word */
};

extern struct ws_dp_lan_ctx ws_dp_lan;

/* neigh.c, main lcore: after the tables (their RCU) and the ports exist; 0 or -1 (err). */
int ws_dp_lan_setup(struct ws_dp *dp, char *err, size_t errlen);
/* Frees the table and whatever packets wait for a neighbour (after the lcores stopped). */
void ws_dp_lan_teardown(void);

/*
 * The LAN next hop for an inner destination (family AF_INET/AF_INET6, addr in network
 * order): the address itself when on the LAN subnet (or no gateway is configured), the
 * LAN gateway otherwise.
 */
void ws_dp_lan_nexthop(uint8_t family, const uint8_t *addr, struct ws_dp_neigh_key *nh);

/* Workers: the MAC of a LAN next hop; 0, or -1 when not resolved. */
static inline int ws_dp_lan_neigh_lookup(const struct ws_dp_neigh_key *k,
					 struct rte_ether_addr *mac)
{
	void *data;
	uint64_t v;

	if (rte_hash_lookup_data(ws_dp_lan.neigh, k, &data) < 0)
		return -1;
	v = (uint64_t)(uintptr_t)data;
	for (int i = 0; i < 6; i++)
		mac->addr_bytes[i] = (uint8_t)(v >> (8 * i));
	return 0;
}

/* Service lcore: ARP/ND seen on the LAN (to_us: asking for our LAN address). */
void ws_dp_lan_neigh_learn(uint8_t family, const uint8_t *addr,
			   const struct rte_ether_addr *mac, bool to_us);
/*
 * Service lcore: the periodic work (the LAN timer calls it every 250 ms with ws_dp_lan_now();
 * tests with a clock of their own): solicits again or gives up on neighbours being resolved,
 * probes entries unconfirmed for WS_DP_LAN_REACHABLE_S, deletes those that stay silent.
 */
void ws_dp_lan_tick(uint64_t now_ns);
/* The neighbour clock: real nanoseconds (not sped up by --test-time-scale). */
uint64_t ws_dp_lan_now(void);
/* Tests: another clock for the neighbour table (NULL: the real one again). */
void ws_dp_lan_set_clock(uint64_t (*clock)(void));
/* Service lcore: a frame (Ethernet header built, destination MAC unknown) waiting for its
 * next hop; takes ownership. */
void ws_dp_lan_hold(struct rte_mbuf *m);

/* lan.c, workers: LAN port receive stage; frames the kernel sent out the LAN TAP. */
void ws_dp_stage_lan_rx(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
void ws_dp_stage_from_lan_kernel(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
/*
 * lan.c, workers: a decrypted packet with its Ethernet header in place (type set) leaves the
 * LAN port to its next hop, or waits for it with the service lcore.
 */
void ws_dp_lan_output(struct ws_dp_lcore *lc, struct rte_mbuf *m);

#endif
