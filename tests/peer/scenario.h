/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The static-key scenario of the raw (pcap) mode: N test peers facing one dataplane in gateway
 * mode, with every key, receiver index, address and payload a pure function of (seed, peer
 * count). The pcap writer, the pcap checker and the control client (which installs the same
 * keys in the dataplane) are separate runs of ws-testpeer that rebuild the scenario instead of
 * passing secrets or expectations between them.
 *
 * Layout (dataplane side as in tests/dataplane/pcap.sh):
 *   dataplane WAN 198.18.0.1 / 2001:db8:18::1, listen port 51820
 *   LAN host 10.1.0.50 / fd00:1::50, MAC 02:00:00:00:02:50; LAN router 10.1.0.254 /
 *   fd00:1::fe, MAC 02:00:00:00:02:fe (the LAN port's gateway); both static neighbours of the
 *   LAN port, so decrypted packets leave to their MAC without ARP/ND
 *   peer i: endpoint 198.18.0.(100+i) (even i) or [2001:db8:18::(100+i)] (odd i), port 40000+i,
 *           MAC 02:00:00:00:01:i, allowed-ips 10.200.i.0/24 and fd00:200:0:i::/64,
 *           dataplane receives on index 0x1000+i, the peer on 0x2000+i
 *   with 3 or more peers, peer 2 is "late": its keypair is installed only after the LAN sent
 *   it packets (which the dataplane must stage, then flush); it sends no data, only an ARP
 *   request, from which the dataplane learns its MAC
 *
 * The loop variant has no outside peer: two dataplane peers whose endpoint is the dataplane's
 * own WAN address and port, with crossed keypairs (what it sends to one it receives as the
 * other), for a WAN port that loops its transmit back to its receive (net_ring). LAN packets
 * go from one peer's inner range to the other's.
 */
#ifndef WS_TP_SCENARIO_H
#define WS_TP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"
#include "packet.h"

enum {
	WS_TP_SCN_MAX_PEERS = 64,
	WS_TP_SCN_PORT = 51820,
	WS_TP_SCN_FRAME_MAX = 2048,
	WS_TP_ETH_HDR_LEN = 14,
	WS_TP_UDP_HDR_LEN = 8,
};

struct ws_tp_scn_peer {
	uint32_t id;                  /* the dataplane's peer id */
	uint8_t key_in[WS_KEY_LEN];   /* peer -> dataplane (the dataplane's receive key) */
	uint8_t key_out[WS_KEY_LEN];  /* dataplane -> peer (the dataplane's send key) */
	uint32_t dp_index;            /* receiver index on packets to the dataplane */
	uint32_t peer_index;          /* receiver index on packets to the peer */
	struct ws_tp_ipaddr outer;    /* the peer's endpoint address */
	uint16_t port;                /* and UDP port */
	uint8_t mac[6];
	struct ws_tp_ipaddr inner4, inner6; /* a host behind the peer */
	uint64_t send_counter;        /* next counter of the peer's own sending */
};

struct ws_tp_scn {
	uint64_t seed;
	unsigned int n_peers;
	bool loop;
	int late; /* the peer whose keypair comes late, or -1 */
	struct ws_tp_scn_peer peers[WS_TP_SCN_MAX_PEERS];
	struct ws_tp_ipaddr dp4, dp6;     /* dataplane WAN addresses */
	struct ws_tp_ipaddr lan4, lan6;   /* the LAN host */
	struct ws_tp_ipaddr router4, router6; /* the LAN's router (next hop off the LAN subnet) */
	uint8_t lan_mac[6], router_mac[6];
	uint8_t dp_mac[6];     /* the WAN frames' destination (the WAN port does not filter) */
	uint8_t dp_lan_mac[6]; /* the LAN port's MAC (ws_tp_scn_set_lan_mac; default dp_mac) */
};

/* Derives everything; -1 if n_peers is 0 or above WS_TP_SCN_MAX_PEERS. */
int ws_tp_scn_init(struct ws_tp_scn *s, uint64_t seed, unsigned int n_peers);
/* The loop variant: two peers, endpoint 198.18.0.1:51820, crossed keys and indices. */
void ws_tp_scn_init_loop(struct ws_tp_scn *s, uint64_t seed);
/* The dataplane's LAN port MAC, known once it runs: the LAN frames' destination. */
void ws_tp_scn_set_lan_mac(struct ws_tp_scn *s, const uint8_t mac[6]);
/*
 * The MAC a decrypted inner packet to dst must leave the LAN port to: the LAN host's for an
 * address on the LAN subnet (10.1.0.0/24, fd00:1::/64), the router's otherwise.
 */
const uint8_t *ws_tp_scn_lan_nexthop_mac(const struct ws_tp_scn *s, const struct ws_tp_ipaddr *dst);
/* Zeroes the keys. */
void ws_tp_scn_clear(struct ws_tp_scn *s);

/* Deterministic filler for payloads: byte k of stream (a, b) of this scenario. */
void ws_tp_scn_fill(const struct ws_tp_scn *s, uint32_t a, uint32_t b, uint8_t *out, size_t len);

/* An outer endpoint of a frame: MAC, IP address and UDP port. */
struct ws_tp_frame_end {
	const uint8_t *mac;
	const struct ws_tp_ipaddr *ip;
	uint16_t port;
};

/*
 * Writes Ethernet + IPv4/IPv6 + UDP around payload with every checksum right (the family is
 * src's; dst must match). Its length, or 0 if cap is short or the families differ.
 */
size_t ws_tp_frame_udp(uint8_t *buf, size_t cap, const struct ws_tp_frame_end *src,
		       const struct ws_tp_frame_end *dst, const uint8_t *payload, size_t len);

/* Writes Ethernet + the IP packet pkt (ethertype from its version). Length or 0. */
size_t ws_tp_frame_ip(uint8_t *buf, size_t cap, const uint8_t *dst_mac, const uint8_t *src_mac,
		      const uint8_t *pkt, size_t len);

/* A parsed Ethernet/IP/UDP frame; payload points into the frame. */
struct ws_tp_frame_udp_info {
	uint8_t dst_mac[6], src_mac[6];
	struct ws_tp_ipaddr src, dst;
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Parses an untagged Ethernet/IPv4 (no options, no fragment) or Ethernet/IPv6 (no extension
 * header) UDP frame, checking the IPv4 header checksum and the UDP checksum (mandatory in
 * IPv6; 0 accepted in IPv4). 0 if it is one and every check holds; 1 if it is not UDP over IP
 * at all (ARP, ICMP, ...); -1 if it is UDP but broken (why in *why).
 */
int ws_tp_frame_parse_udp(const uint8_t *f, size_t len, struct ws_tp_frame_udp_info *out,
			  const char **why);

#endif
