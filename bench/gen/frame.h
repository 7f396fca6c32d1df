/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frames ws-gen puts on the wire and takes off it: Ethernet + IPv4 + UDP carrying WireGuard
 * messages, the inner IPv4 + UDP packets it tunnels, and ARP. Built byte by byte into caller
 * buffers; pure (no EAL) so tests/gen checks every header and checksum without a port.
 * Addresses and ports are in host byte order in the API.
 */
#ifndef WS_GEN_FRAME_H
#define WS_GEN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	WS_GEN_ETH_LEN = 14,
	WS_GEN_IP4_LEN = 20,
	WS_GEN_UDP_LEN = 8,
	WS_GEN_OUTER_LEN = WS_GEN_ETH_LEN + WS_GEN_IP4_LEN + WS_GEN_UDP_LEN, /* 42 */
	WS_GEN_INNER_HDR_LEN = WS_GEN_IP4_LEN + WS_GEN_UDP_LEN,		     /* 28 */
	WS_GEN_ARP_FRAME_LEN = WS_GEN_ETH_LEN + 28,
	WS_GEN_ETHERTYPE_IP4 = 0x0800,
	WS_GEN_ETHERTYPE_ARP = 0x0806,
	WS_GEN_ARP_REQUEST = 1,
	WS_GEN_ARP_REPLY = 2,
	/* What a frame costs on the wire beyond its bytes: FCS, preamble + SFD, inter-frame gap. */
	WS_GEN_L1_OVERHEAD = 4 + 8 + 12,
};

/*
 * Writes Ethernet + IPv4 (DF, TTL 64, header checksum) + UDP (checksum 0, allowed over IPv4)
 * headers for a UDP payload of payload_len bytes. Returns WS_GEN_OUTER_LEN.
 */
size_t ws_gen_outer_build(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t src_mac[6],
			  uint32_t src_ip, uint16_t sport, uint32_t dst_ip, uint16_t dport,
			  size_t payload_len);

/* Writes the inner IPv4 + UDP headers of a packet of total_len bytes (>= 28; payload is the
 * caller's). The UDP checksum is 0 so the payload may be anything. Returns 28. */
size_t ws_gen_inner_build(uint8_t *buf, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
			  uint16_t dport, size_t total_len);

/* Writes an ARP request or reply frame; tha NULL means all zero. Returns its length (42). */
size_t ws_gen_arp_build(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t spa,
			const uint8_t *tha, uint32_t tpa);

enum ws_gen_rx_kind {
	WS_GEN_RX_OTHER = 0, /* not for us or malformed: counted and dropped */
	WS_GEN_RX_ARP,
	WS_GEN_RX_UDP4,
};

/* What ws_gen_frame_parse() found. */
struct ws_gen_rx {
	enum ws_gen_rx_kind kind;
	uint16_t arp_op;
	uint8_t arp_sha[6];
	uint32_t arp_spa, arp_tpa;
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	size_t payload_off; /* UDP payload offset in the frame */
	size_t payload_len;
};

/*
 * Parses an Ethernet frame: ARP over Ethernet/IPv4, or an unfragmented IPv4 UDP datagram whose
 * header checksum and lengths hold (the UDP checksum is left to the NIC, as WireGuard's
 * authentication covers the payload anyway). Trailing Ethernet padding is ignored.
 */
void ws_gen_frame_parse(struct ws_gen_rx *rx, const uint8_t *frame, size_t len);

/* The RFC 1071 checksum of a 20-byte IPv4 header, host order: 0 when the header verifies. */
uint16_t ws_gen_ip4_csum(const uint8_t *hdr);

#endif
