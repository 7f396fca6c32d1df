/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane counters: every drop reason and event, from ONE list that generates both the enum
 * and the exported names. Per lcore and cache-aligned: each lcore writes only its own slot, so
 * the fast path needs no atomics beyond relaxed stores; readers (telemetry thread, stats dump)
 * sum the slots on demand.
 */
#ifndef WS_DP_COUNTERS_H
#define WS_DP_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_config.h>

/* X(id, name, description). Names starting with "drop_" are drops; the rest are events. */
#define WS_DP_COUNTER_LIST(X)                                                                \
	/* WAN receive */                                                                    \
	X(WAN_RX, "wan_rx", "frames received on the WAN port")                               \
	X(WAN_TX, "wan_tx", "frames sent on the WAN port")                                   \
	X(TO_KERNEL, "to_kernel", "WAN frames not for the tunnel, sent to the exception TAP")  \
	X(FROM_KERNEL, "from_kernel", "frames from the exception TAP sent out the WAN")        \
	X(RX_IP4_FRAG, "rx_ip4_frag", "IPv4 fragments passed to the kernel")                   \
	X(RX_WG_INITIATION, "rx_wg_initiation", "handshake initiations received")              \
	X(RX_WG_RESPONSE, "rx_wg_response", "handshake responses received")                    \
	X(RX_WG_COOKIE, "rx_wg_cookie", "cookie replies received")                             \
	X(RX_WG_DATA, "rx_wg_data", "transport data messages received")                        \
	X(HANDSHAKE_TO_SERVICE, "handshake_to_service", "handshake messages queued to the service lcore") \
	X(HANDSHAKE_TO_CONTROL, "handshake_to_control", "handshake messages sent to the control process") \
	X(CTL_CONNECT, "ctl_connect", "control clients accepted")                               \
	X(CTL_REQUEST, "ctl_request", "control requests answered")                              \
	X(PLAIN_RX, "plain_rx", "plaintext frames from the tunnel TAP or a LAN port")                    \
	X(RING_STEERED, "ring_steered", "packets handed from an io lcore to a crypto lcore")   \
	X(RX_DECRYPTED, "rx_decrypted", "transport data authenticated and delivered")        \
	X(RX_KEEPALIVE, "rx_keepalive", "authenticated keepalives (consumed)")               \
	X(TX_ENCRYPTED, "tx_encrypted", "inner packets encrypted and sent")                  \
	X(TX_KEEPALIVE, "tx_keepalive", "keepalives sent")                                   \
	X(STAGED, "staged", "packets staged while their peer has no usable keypair")          \
	X(STAGED_FLUSHED, "staged_flushed", "staged packets sent after a keypair landed")     \
	X(HANDSHAKE_SENT, "handshake_sent", "handshake messages the control process sent")   \
	X(HANDSHAKE_UNDER_LOAD, "handshake_under_load", "handshakes checked for mac2 (under load)") \
	X(HANDSHAKE_COOKIE_SENT, "handshake_cookie_sent", "cookie replies sent (under load, no mac2)") \
	X(NEIGH_LEARNED, "neigh_learned", "next-hop MACs learned or changed")                \
	X(NEIGH_SOLICIT, "neigh_solicit", "ARP requests / neighbour solicitations sent")     \
	X(EV_HANDSHAKE_NEEDED, "ev_handshake_needed", "HANDSHAKE_NEEDED events sent")         \
	X(EV_REKEY_NEEDED, "ev_rekey_needed", "REKEY_NEEDED events sent")                     \
	X(EV_KEYPAIR_CONFIRMED, "ev_keypair_confirmed", "responder keypairs confirmed")        \
	X(EV_KEYPAIR_FREED, "ev_keypair_freed", "keypairs zeroed and freed")                  \
	X(EV_ENDPOINT, "ev_endpoint", "peers that roamed to a new endpoint")                  \
	/* gateway mode: the LAN side */                                                     \
	X(LAN_RX, "lan_rx", "frames received on the LAN port")                               \
	X(LAN_TO_KERNEL, "lan_to_kernel", "LAN frames for the gateway itself (ARP, ND, its address) sent to the LAN TAP") \
	X(LAN_FROM_KERNEL, "lan_from_kernel", "frames from the LAN TAP sent out the LAN port") \
	X(LAN_TX_DECRYPTED, "lan_tx_decrypted", "decrypted packets sent out the LAN port to a resolved neighbour") \
	X(LAN_NEIGH_LEARNED, "lan_neigh_learned", "LAN neighbour MACs learned or changed")    \
	X(LAN_NEIGH_SOLICIT, "lan_neigh_solicit", "ARP requests / neighbour solicitations sent on the LAN") \
	X(LAN_NEIGH_EXPIRED, "lan_neigh_expired", "LAN neighbours deleted after unanswered probes") \
	X(LAN_HELD, "lan_held", "decrypted packets held while their LAN next hop was resolved") \
	X(LAN_HELD_SENT, "lan_held_sent", "held packets sent once their next hop answered")  \
	X(LAN_ICMP_TOO_BIG, "lan_icmp_too_big", "ICMP fragmentation-needed sent to LAN senders") \
	X(LAN_ICMP6_TOO_BIG, "lan_icmp6_too_big", "ICMPv6 packet-too-big sent to LAN senders") \
	X(LAN_ICMP_TIME_EXCEEDED, "lan_icmp_time_exceeded", "ICMP time-exceeded sent to LAN senders") \
	X(LAN_ICMP6_TIME_EXCEEDED, "lan_icmp6_time_exceeded", "ICMPv6 time-exceeded sent to LAN senders") \
	X(TTL_NO_ICMP, "ttl_no_icmp", "drop_ttl_expired LAN packets that get no answer (same rules as too_big_no_icmp, multicast destinations, rate limit)") \
	X(LAN_FRAGMENTED, "lan_fragmented", "IPv4 packets without DF fragmented to the tunnel MTU") \
	X(LAN_FRAGMENTS, "lan_fragments", "fragments those packets became")                   \
	X(TOO_BIG_RATELIMITED, "too_big_ratelimited", "drop_too_big packets whose ICMP answer the rate limit withheld") \
	X(TOO_BIG_NO_ICMP, "too_big_no_icmp", "drop_too_big packets that get no answer (ICMP errors, non-first fragments, odd sources, no LAN address of the family, no mbuf)") \
	/* drops: malformed frames */                                                        \
	X(DROP_ETH_TRUNCATED, "drop_eth_truncated", "frame shorter than an Ethernet header")   \
	X(DROP_VLAN_TRUNCATED, "drop_vlan_truncated", "frame shorter than its VLAN tag")      \
	X(DROP_IP4_TRUNCATED, "drop_ip4_truncated", "frame shorter than its IPv4 header or total length") \
	X(DROP_IP4_BAD_VERSION, "drop_ip4_bad_version", "IPv4 ethertype but version != 4")   \
	X(DROP_IP4_BAD_IHL, "drop_ip4_bad_ihl", "IPv4 header length < 20")                   \
	X(DROP_IP4_BAD_LEN, "drop_ip4_bad_len", "IPv4 total length smaller than its header") \
	X(DROP_IP4_BAD_CSUM, "drop_ip4_bad_csum", "IPv4 header checksum wrong")              \
	X(DROP_IP6_TRUNCATED, "drop_ip6_truncated", "frame shorter than its IPv6 header or payload") \
	X(DROP_IP6_BAD_VERSION, "drop_ip6_bad_version", "IPv6 ethertype but version != 6")   \
	X(DROP_UDP_TRUNCATED, "drop_udp_truncated", "IP payload shorter than a UDP header")  \
	X(DROP_UDP_BAD_LEN, "drop_udp_bad_len", "UDP length field out of range")             \
	X(DROP_MULTISEG, "drop_multiseg", "chained (jumbo) mbufs: not supported on the WAN yet") \
	X(DROP_WG_MALFORMED, "drop_wg_malformed", "UDP to the listen port, not a WireGuard message") \
	/* drops: resources */                                                               \
	X(DROP_TX_FULL, "drop_tx_full", "frames a port refused to send (queue full), freed")  \
	X(DROP_RING_FULL, "drop_ring_full", "packets a full crypto ring refused, freed")     \
	X(DROP_SERVICE_RING_FULL, "drop_service_ring_full", "handshakes a full service ring refused") \
	X(DROP_HANDSHAKE_NO_CONTROL, "drop_handshake_no_control",                               \
	  "handshakes with no control process connected, or its socket full")                  \
	X(DROP_CTL_BAD_MSG, "drop_ctl_bad_msg", "control messages with broken framing (client dropped)") \
	X(DROP_NO_TX_PORT, "drop_no_tx_port", "frames with nowhere to go (port missing)")  \
	X(DROP_EVENT_RING_FULL, "drop_event_ring_full", "worker events a full ring refused")   \
	X(DROP_SVC_TX_RING_FULL, "drop_svc_tx_ring_full", "service frames a full ring refused") \
	X(DROP_NO_MBUF, "drop_no_mbuf", "service frames not built: mempool empty")            \
	X(DROP_HANDSHAKE_MAC1, "drop_handshake_mac1", "handshakes whose mac1 is wrong (or no identity)") \
	X(DROP_HANDSHAKE_RATELIMIT, "drop_handshake_ratelimit", "handshakes over their source's rate") \
	/* drops: decrypt */                                                                 \
	X(DROP_UNKNOWN_INDEX, "drop_unknown_index", "transport data for no installed keypair") \
	X(DROP_KEYPAIR_EXPIRED, "drop_keypair_expired", "transport data on an expired keypair") \
	X(DROP_DECRYPT_AUTH, "drop_decrypt_auth", "transport data that did not authenticate")  \
	X(DROP_REPLAY, "drop_replay", "replayed or too old counters (after authentication)")  \
	X(DROP_INNER_MALFORMED, "drop_inner_malformed", "decrypted payload not a valid IP packet") \
	X(DROP_INNER_SOURCE, "drop_inner_source", "inner source not in the peer's allowed-ips") \
	X(DROP_NO_ENGINE, "drop_no_engine", "no crypto engine on this lcore")                \
	/* drops: encrypt */                                                                 \
	X(DROP_PLAIN_NOT_IP, "drop_plain_not_ip", "plaintext frame that is not IPv4/IPv6")    \
	X(DROP_NO_PEER, "drop_no_peer", "plaintext destination in no peer's allowed-ips")     \
	X(DROP_NO_ENDPOINT, "drop_no_endpoint", "peer without an endpoint")                   \
	X(DROP_NO_NEIGH, "drop_no_neigh", "endpoint's next-hop MAC unknown")                  \
	X(DROP_TOO_BIG, "drop_too_big", "inner packet larger than the tunnel MTU allows (gateway mode: see lan_icmp*, too_big_*)")     \
	X(DROP_TTL_EXPIRED, "drop_ttl_expired", "gateway mode: packet to forward with TTL / hop limit <= 1 (LAN senders: see lan_icmp*_time_exceeded)") \
	X(DROP_NO_ROOM, "drop_no_room", "mbuf without head/tailroom for the encapsulation")   \
	X(DROP_STAGE_RING_FULL, "drop_stage_ring_full", "packets to stage a full ring refused") \
	X(DROP_STAGED_OVERFLOW, "drop_staged_overflow", "oldest staged packets pushed out")    \
	X(DROP_STAGED_PEER_GONE, "drop_staged_peer_gone", "staged packets of a removed peer") \
	/* drops: gateway mode, the LAN side */                                              \
	X(DROP_LAN_OTHER_HOST, "drop_lan_other_host", "LAN frames to another host's unicast MAC") \
	X(DROP_LAN_TO_GATEWAY, "drop_lan_to_gateway", "decrypted packets for the gateway's own LAN address") \
	X(DROP_LAN_NEIGH_UNRESOLVED, "drop_lan_neigh_unresolved", "held packets whose next hop never answered") \
	X(DROP_LAN_HOLD_OVERFLOW, "drop_lan_hold_overflow", "held packets pushed out by newer ones (4 per neighbour)") \
	X(DROP_LAN_PENDING_FULL, "drop_lan_pending_full", "packets for a 257th neighbour being resolved at once") \
	X(DROP_LAN_NEIGH_FULL, "drop_lan_neigh_full", "LAN neighbours not learned: table full") \
	X(DROP_FRAG_FAILED, "drop_frag_failed", "IPv4 packets that could not be fragmented (no mbufs)")

enum ws_dp_counter {
#define WS_DP_X(id, name, desc) WS_DP_CNT_##id,
	WS_DP_COUNTER_LIST(WS_DP_X)
#undef WS_DP_X
	WS_DP_CNT_MAX
};

/* Indexed by enum ws_dp_counter. */
extern const char *const ws_dp_counter_names[WS_DP_CNT_MAX];
extern const char *const ws_dp_counter_descs[WS_DP_CNT_MAX];

/*
 * One per lcore, indexed by lcore id. Written only by its lcore (relaxed stores); read by the
 * telemetry thread and the stats dump (relaxed loads), so a sum is a consistent-enough snapshot.
 */
struct ws_dp_lcore_counters {
	uint64_t v[WS_DP_CNT_MAX];
} __rte_cache_aligned;

extern struct ws_dp_lcore_counters ws_dp_counters[RTE_MAX_LCORE];

static inline void ws_dp_cnt_add(struct ws_dp_lcore_counters *c, enum ws_dp_counter id,
				 uint64_t n)
{
	/* single writer: a relaxed load + store is a plain add, and no torn reads on 64-bit */
	__atomic_store_n(&c->v[id], __atomic_load_n(&c->v[id], __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/* Sum of one counter over all lcores. */
uint64_t ws_dp_counter_sum(enum ws_dp_counter id);

/* Sums every counter into out[WS_DP_CNT_MAX]. */
void ws_dp_counters_sum_all(uint64_t *out);

#endif
