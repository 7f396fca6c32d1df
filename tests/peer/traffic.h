/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frames of the raw-mode scenario (scenario.h), with what the dataplane must do with each.
 * WAN frames come from the peers: transport data over IPv4 and IPv6 outer, IPv4 and IPv6
 * inner, several sizes, then deliberately bad ones, each bumping exactly one named counter.
 * LAN frames are plaintext for the peers (and a few the dataplane must drop). The gateway is a
 * router: every inner packet it forwards, either way, has its TTL / hop limit one less, and
 * the expected inner packets (item.inner) are as they leave it. Pure functions
 * of the scenario, so the pcap writer, the pcap checker and the control client agree.
 */
#ifndef WS_TP_TRAFFIC_H
#define WS_TP_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

enum { WS_TP_INNER_MTU = 1420 }; /* the peers' padding MTU and what the checker expects */

struct ws_tp_item {
	uint8_t frame[WS_TP_SCN_FRAME_MAX];
	size_t len;
	const char *counter; /* the dataplane counter this frame must bump by one */
	bool wg_data;        /* also counted under rx_wg_data (a transport message) */
	int peer;            /* LAN: the peer it is encrypted for; WAN: the sender; -1: none */
	uint8_t inner[WS_TP_INNER_MTU]; /* the inner IP packet delivered (WAN) or encrypted (LAN) */
	size_t inner_len;               /* 0: none */
};

struct ws_tp_items {
	struct ws_tp_item *v;
	size_t n, cap;
};

/* Build the lists (frees what *out held). 0, or -1 on allocation failure. */
int ws_tp_traffic_wan(struct ws_tp_scn *s, struct ws_tp_items *out);
int ws_tp_traffic_lan(const struct ws_tp_scn *s, struct ws_tp_items *out);
void ws_tp_items_free(struct ws_tp_items *l);
/*
 * The loop variant's receive side: every LAN packet for a peer comes back decrypted (counted
 * under rx_decrypted) and is delivered, two hops later. 0 or -1.
 */
int ws_tp_traffic_loop_delivered(const struct ws_tp_items *lan, struct ws_tp_items *out);

/* How many items of l name this counter (rx_wg_data: the wg_data ones). */
uint64_t ws_tp_items_count(const struct ws_tp_items *l, const char *counter);

/* The distinct counter names of l (plus rx_wg_data when some are transport data), at most max. */
size_t ws_tp_items_counters(const struct ws_tp_items *l, const char **names, size_t max);

#endif
