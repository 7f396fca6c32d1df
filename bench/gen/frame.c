/* SPDX-License-Identifier: BSD-3-Clause */
/* ws-gen's Ethernet / IPv4 / UDP / ARP frames (see frame.h). */
#include "frame.h"

#include <string.h>

#include "packet.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint16_t ws_gen_ip4_csum(const uint8_t *hdr)
{
	return ws_tp_csum_fold(ws_tp_csum_add(0, hdr, WS_GEN_IP4_LEN));
}

/* IPv4 header without options; id 0 is fine with DF set (RFC 6864). */
static void ip4_build(uint8_t *ip, uint32_t src, uint32_t dst, size_t total_len)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)total_len);
	put16(ip + 4, 0);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, ws_gen_ip4_csum(ip));
}

static void udp_build(uint8_t *udp, uint16_t sport, uint16_t dport, size_t len)
{
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)len);
	put16(udp + 6, 0);
}

size_t ws_gen_outer_build(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t src_mac[6],
			  uint32_t src_ip, uint16_t sport, uint32_t dst_ip, uint16_t dport,
			  size_t payload_len)
{
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	put16(buf + 12, WS_GEN_ETHERTYPE_IP4);
	ip4_build(buf + WS_GEN_ETH_LEN, src_ip, dst_ip,
		  WS_GEN_IP4_LEN + WS_GEN_UDP_LEN + payload_len);
	udp_build(buf + WS_GEN_ETH_LEN + WS_GEN_IP4_LEN, sport, dport,
		  WS_GEN_UDP_LEN + payload_len);
	return WS_GEN_OUTER_LEN;
}

size_t ws_gen_inner_build(uint8_t *buf, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
			  uint16_t dport, size_t total_len)
{
	ip4_build(buf, src_ip, dst_ip, total_len);
	udp_build(buf + WS_GEN_IP4_LEN, sport, dport, total_len - WS_GEN_IP4_LEN);
	return WS_GEN_INNER_HDR_LEN;
}

size_t ws_gen_arp_build(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t spa,
			const uint8_t *tha, uint32_t tpa)
{
	static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];
	uint8_t *arp = buf + WS_GEN_ETH_LEN;

	memcpy(buf, tha ? tha : broadcast, 6);
	memcpy(buf + 6, sha, 6);
	put16(buf + 12, WS_GEN_ETHERTYPE_ARP);
	put16(arp, 1);		/* Ethernet */
	put16(arp + 2, 0x0800); /* IPv4 */
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, op);
	memcpy(arp + 8, sha, 6);
	put32(arp + 14, spa);
	memcpy(arp + 18, tha ? tha : zero, 6);
	put32(arp + 24, tpa);
	return WS_GEN_ARP_FRAME_LEN;
}

static void parse_arp(struct ws_gen_rx *rx, const uint8_t *arp, size_t len)
{
	if (len < 28 || get16(arp) != 1 || get16(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4)
		return;
	rx->arp_op = get16(arp + 6);
	memcpy(rx->arp_sha, arp + 8, 6);
	rx->arp_spa = get32(arp + 14);
	rx->arp_tpa = get32(arp + 24);
	rx->kind = WS_GEN_RX_ARP;
}

static void parse_ip4(struct ws_gen_rx *rx, const uint8_t *ip, size_t len)
{
	size_t ihl, total, ulen;
	const uint8_t *udp;

	if (len < WS_GEN_IP4_LEN || ip[0] >> 4 != 4)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = get16(ip + 2);
	if (ihl < WS_GEN_IP4_LEN || total < ihl + WS_GEN_UDP_LEN || total > len || ip[9] != 17)
		return;
	if ((get16(ip + 6) & 0x3fff) != 0) /* a fragment: WireGuard never needs reassembly here */
		return;
	if (ws_tp_csum_fold(ws_tp_csum_add(0, ip, ihl)) != 0)
		return;
	udp = ip + ihl;
	ulen = get16(udp + 4);
	if (ulen < WS_GEN_UDP_LEN || ulen > total - ihl)
		return;
	rx->src_ip = get32(ip + 12);
	rx->dst_ip = get32(ip + 16);
	rx->sport = get16(udp);
	rx->dport = get16(udp + 2);
	rx->payload_off = WS_GEN_ETH_LEN + ihl + WS_GEN_UDP_LEN;
	rx->payload_len = ulen - WS_GEN_UDP_LEN;
	rx->kind = WS_GEN_RX_UDP4;
}

void ws_gen_frame_parse(struct ws_gen_rx *rx, const uint8_t *frame, size_t len)
{
	memset(rx, 0, sizeof(*rx));
	if (len < WS_GEN_ETH_LEN)
		return;
	switch (get16(frame + 12)) {
	case WS_GEN_ETHERTYPE_ARP:
		parse_arp(rx, frame + WS_GEN_ETH_LEN, len - WS_GEN_ETH_LEN);
		break;
	case WS_GEN_ETHERTYPE_IP4:
		parse_ip4(rx, frame + WS_GEN_ETH_LEN, len - WS_GEN_ETH_LEN);
		break;
	default:
		break;
	}
}
