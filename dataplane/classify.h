/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify stage: parse and validate a WAN frame (Ethernet + one VLAN tag, IPv4/IPv6, UDP) and
 * decide whether it is a WireGuard message for us, something for the kernel, or garbage.
 * ws_dp_classify() works on a plain byte buffer (no mbuf, no EAL) so it is unit-tested on
 * hand-built frames; ws_dp_classify_mbuf() is the fast-path wrapper.
 */
#ifndef WS_DP_CLASSIFY_H
#define WS_DP_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

struct rte_mbuf;

enum ws_dp_verdict {
	WS_DP_V_KERNEL, /* not tunnel traffic: to the exception TAP, unchanged */
	WS_DP_V_DROP,   /* malformed: meta.reason names the drop counter */
	WS_DP_V_WG,     /* a well-formed WireGuard message to our port: meta.msg_type */
};

/* What the classifier learned; l2/l3 lengths are also stored in the mbuf (l2_len, l3_len). */
struct ws_dp_pkt_meta {
	uint16_t l2_len;      /* Ethernet header and VLAN tag */
	uint16_t l3_len;      /* IPv4 header with options, or the 40-byte IPv6 header */
	uint16_t payload_len; /* UDP payload bytes (the WireGuard message) */
	uint16_t vlan_tci;    /* 0 when untagged */
	uint8_t ip_version;   /* 4 or 6; 0 when not IP */
	uint8_t msg_type;     /* enum ws_msg_type when the verdict is WS_DP_V_WG */
	uint16_t reason;      /* enum ws_dp_counter: the drop, or an event (RX_IP4_FRAG); 0 none */
};

/* Hints from the NIC (mbuf ol_flags), so the classifier skips work the NIC already did. */
enum {
	WS_DP_HINT_IP4_CSUM_GOOD = 1 << 0,
	WS_DP_HINT_IP4_CSUM_BAD = 1 << 1,
};

/* Our addresses and port. Written once at startup by main, read by every worker. */
struct ws_dp_classify_ctx {
	uint16_t listen_port_be; /* network order */
	bool has_ip4;
	bool has_ip6;
	uint8_t ip4[4];
	uint8_t ip6[16];
};

enum ws_dp_verdict ws_dp_classify(const struct ws_dp_classify_ctx *ctx, const uint8_t *frame,
				  uint32_t len, unsigned int hints, struct ws_dp_pkt_meta *meta);

/*
 * Classifies a single-segment mbuf (multi-segment frames go to the kernel). Sets m->l2_len,
 * m->l3_len and m->packet_type (RTE_PTYPE_L3_IPV4/IPV6 | RTE_PTYPE_L4_UDP for WG messages).
 */
enum ws_dp_verdict ws_dp_classify_mbuf(const struct ws_dp_classify_ctx *ctx, struct rte_mbuf *m,
				       struct ws_dp_pkt_meta *meta);

#endif
