/* SPDX-License-Identifier: BSD-3-Clause */
/* The static-key scenario of ws-testpeer's raw mode (see scenario.h) and its frame codec. */
#include "scenario.h"

#include <string.h>
#include <sys/socket.h>

#include "crypto.h"

enum { PROTO_UDP = 17, ETH_IP4 = 0x0800, ETH_IP6 = 0x86dd };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* BLAKE2s(label || seed || a || b): keys and filler bytes of the scenario. */
static void derive(uint8_t *out, size_t outlen, uint64_t seed, const char *label, uint32_t a,
		   uint32_t b)
{
	uint8_t in[64];
	size_t n = strlen(label);

	memcpy(in, label, n);
	for (int i = 0; i < 8; i++)
		in[n++] = (uint8_t)(seed >> (8 * i));
	for (int i = 0; i < 4; i++)
		in[n++] = (uint8_t)(a >> (8 * i));
	for (int i = 0; i < 4; i++)
		in[n++] = (uint8_t)(b >> (8 * i));
	ws_blake2s(out, outlen, in, n, NULL, 0);
}

static void ip4(struct ws_tp_ipaddr *ip, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	ip->bytes[0] = a;
	ip->bytes[1] = b;
	ip->bytes[2] = c;
	ip->bytes[3] = d;
}

/* prefix:x:y::z as 16 bytes: the first 8 from pfx, then group 4 = g4, last byte z */
static void ip6(struct ws_tp_ipaddr *ip, const uint8_t pfx[6], uint8_t g4, uint8_t z)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET6;
	memcpy(ip->bytes, pfx, 6);
	ip->bytes[7] = g4;
	ip->bytes[15] = z;
}

int ws_tp_scn_init(struct ws_tp_scn *s, uint64_t seed, unsigned int n_peers)
{
	static const uint8_t wan6[6] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x18};
	static const uint8_t lan6[6] = {0xfd, 0x00, 0x00, 0x01, 0x00, 0x00};
	static const uint8_t in6[6] = {0xfd, 0x00, 0x02, 0x00, 0x00, 0x00};

	if (n_peers == 0 || n_peers > WS_TP_SCN_MAX_PEERS)
		return -1;
	memset(s, 0, sizeof(*s));
	s->seed = seed;
	s->n_peers = n_peers;
	s->late = n_peers >= 3 ? 2 : -1;
	ip4(&s->dp4, 198, 18, 0, 1);
	ip6(&s->dp6, wan6, 0, 1);
	ip4(&s->lan4, 10, 1, 0, 50);
	ip6(&s->lan6, lan6, 0, 0x50);
	memcpy(s->lan_mac, (const uint8_t[6]){0x02, 0, 0, 0, 0x02, 0x50}, 6);
	ip4(&s->router4, 10, 1, 0, 254);
	ip6(&s->router6, lan6, 0, 0xfe);
	memcpy(s->router_mac, (const uint8_t[6]){0x02, 0, 0, 0, 0x02, 0xfe}, 6);
	memcpy(s->dp_mac, (const uint8_t[6]){0x02, 0, 0, 0, 0x03, 0x01}, 6);
	memcpy(s->dp_lan_mac, s->dp_mac, 6);
	for (unsigned int i = 0; i < n_peers; i++) {
		struct ws_tp_scn_peer *p = &s->peers[i];

		p->id = i;
		derive(p->key_in, WS_KEY_LEN, seed, "ws-pcap key in", i, 0);
		derive(p->key_out, WS_KEY_LEN, seed, "ws-pcap key out", i, 0);
		p->dp_index = 0x1000 + i;
		p->peer_index = 0x2000 + i;
		if (i % 2 == 0)
			ip4(&p->outer, 198, 18, 0, (uint8_t)(100 + i));
		else
			ip6(&p->outer, wan6, 0, (uint8_t)(100 + i));
		p->port = (uint16_t)(40000 + i);
		memcpy(p->mac, (const uint8_t[6]){0x02, 0, 0, 0, 0x01, (uint8_t)i}, 6);
		ip4(&p->inner4, 10, 200, (uint8_t)i, 2);
		ip6(&p->inner6, in6, (uint8_t)i, 2);
	}
	return 0;
}

void ws_tp_scn_init_loop(struct ws_tp_scn *s, uint64_t seed)
{
	ws_tp_scn_init(s, seed, 2);
	s->loop = true;
	s->late = -1;
	for (unsigned int i = 0; i < 2; i++) {
		struct ws_tp_scn_peer *p = &s->peers[i], *other = &s->peers[1 - i];

		/* sent as peer i, received on the other's keypair */
		derive(p->key_out, WS_KEY_LEN, seed, "ws-pcap loop key", i, 0);
		derive(other->key_in, WS_KEY_LEN, seed, "ws-pcap loop key", i, 0);
		p->peer_index = other->dp_index;
		p->outer = s->dp4;
		p->port = WS_TP_SCN_PORT;
		memcpy(p->mac, s->dp_mac, 6);
	}
}

void ws_tp_scn_set_lan_mac(struct ws_tp_scn *s, const uint8_t mac[6])
{
	memcpy(s->dp_lan_mac, mac, 6);
}

const uint8_t *ws_tp_scn_lan_nexthop_mac(const struct ws_tp_scn *s, const struct ws_tp_ipaddr *dst)
{
	/* 10.1.0.0/24 and fd00:1::/64: the first 3 / 8 bytes of the LAN host's address */
	size_t net = dst->family == AF_INET ? 3 : 8;
	const struct ws_tp_ipaddr *host = dst->family == AF_INET ? &s->lan4 : &s->lan6;

	return !memcmp(dst->bytes, host->bytes, net) ? s->lan_mac : s->router_mac;
}

void ws_tp_scn_clear(struct ws_tp_scn *s)
{
	ws_memzero(s, sizeof(*s));
}

void ws_tp_scn_fill(const struct ws_tp_scn *s, uint32_t a, uint32_t b, uint8_t *out, size_t len)
{
	uint8_t block[32];

	for (size_t off = 0, k = 0; off < len; off += sizeof(block), k++) {
		size_t n = len - off < sizeof(block) ? len - off : sizeof(block);

		derive(block, sizeof(block), s->seed, "ws-pcap fill", a, (uint32_t)(b * 4096 + k));
		memcpy(out + off, block, n);
	}
}

static size_t eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, type);
	return WS_TP_ETH_HDR_LEN;
}

size_t ws_tp_frame_ip(uint8_t *buf, size_t cap, const uint8_t *dst_mac, const uint8_t *src_mac,
		      const uint8_t *pkt, size_t len)
{
	if (len < 1 || cap < WS_TP_ETH_HDR_LEN + len)
		return 0;
	eth(buf, dst_mac, src_mac, (pkt[0] >> 4) == 6 ? ETH_IP6 : ETH_IP4);
	memcpy(buf + WS_TP_ETH_HDR_LEN, pkt, len);
	return WS_TP_ETH_HDR_LEN + len;
}

/* The pseudo-header sum of UDP over IPv4 or IPv6. */
static uint32_t pseudo(const struct ws_tp_ipaddr *src, const struct ws_tp_ipaddr *dst,
		       size_t udp_len)
{
	size_t alen = src->family == AF_INET ? 4 : 16;
	uint8_t tail[4] = {0, PROTO_UDP, (uint8_t)(udp_len >> 8), (uint8_t)udp_len};
	uint32_t sum = ws_tp_csum_add(0, src->bytes, alen);

	sum = ws_tp_csum_add(sum, dst->bytes, alen);
	if (src->family == AF_INET6) {
		uint8_t t6[8] = {0, 0,	      (uint8_t)(udp_len >> 8), (uint8_t)udp_len, 0, 0,
				 0, PROTO_UDP};

		return ws_tp_csum_add(sum, t6, sizeof(t6));
	}
	return ws_tp_csum_add(sum, tail, sizeof(tail));
}

size_t ws_tp_frame_udp(uint8_t *buf, size_t cap, const struct ws_tp_frame_end *src,
		       const struct ws_tp_frame_end *dst, const uint8_t *payload, size_t len)
{
	const bool v6 = src->ip->family == AF_INET6;
	const size_t l3 = v6 ? WS_TP_IPV6_HDR_LEN : WS_TP_IPV4_HDR_LEN;
	const size_t udp_len = WS_TP_UDP_HDR_LEN + len;
	uint8_t *ip = buf + WS_TP_ETH_HDR_LEN, *udp = ip + l3;
	uint16_t c;

	if (src->ip->family != dst->ip->family || udp_len > 0xffff ||
	    cap < WS_TP_ETH_HDR_LEN + l3 + udp_len)
		return 0;
	eth(buf, dst->mac, src->mac, v6 ? ETH_IP6 : ETH_IP4);
	memset(ip, 0, l3);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)udp_len);
		ip[6] = PROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, src->ip->bytes, 16);
		memcpy(ip + 24, dst->ip->bytes, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(l3 + udp_len));
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = PROTO_UDP;
		memcpy(ip + 12, src->ip->bytes, 4);
		memcpy(ip + 16, dst->ip->bytes, 4);
		put16(ip + 10, ws_tp_csum_fold(ws_tp_csum_add(0, ip, l3)));
	}
	put16(udp, src->port);
	put16(udp + 2, dst->port);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);
	memcpy(udp + WS_TP_UDP_HDR_LEN, payload, len);
	c = ws_tp_csum_fold(ws_tp_csum_add(pseudo(src->ip, dst->ip, udp_len), udp, udp_len));
	put16(udp + 6, c ? c : 0xffff);
	return WS_TP_ETH_HDR_LEN + l3 + udp_len;
}

int ws_tp_frame_parse_udp(const uint8_t *f, size_t len, struct ws_tp_frame_udp_info *out,
			  const char **why)
{
	const uint8_t *ip = f + WS_TP_ETH_HDR_LEN, *udp;
	size_t l3, avail, udp_len;
	uint16_t type, c;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	if (len < WS_TP_ETH_HDR_LEN)
		return 1;
	memcpy(out->dst_mac, f, 6);
	memcpy(out->src_mac, f + 6, 6);
	type = get16(f + 12);
	avail = len - WS_TP_ETH_HDR_LEN;
	if (type == ETH_IP4) {
		if (avail < WS_TP_IPV4_HDR_LEN || ip[9] != PROTO_UDP)
			return 1;
		if (ip[0] != 0x45) {
			*why = "IPv4 header with options or a bad version";
			return -1;
		}
		if (ws_tp_csum_fold(ws_tp_csum_add(0, ip, WS_TP_IPV4_HDR_LEN)) != 0) {
			*why = "IPv4 header checksum";
			return -1;
		}
		if (get16(ip + 6) & 0x3fff) {
			*why = "IPv4 fragment";
			return -1;
		}
		if (get16(ip + 2) < WS_TP_IPV4_HDR_LEN || get16(ip + 2) > avail) {
			*why = "IPv4 total length";
			return -1;
		}
		l3 = WS_TP_IPV4_HDR_LEN;
		avail = get16(ip + 2) - l3;
		out->src.family = out->dst.family = AF_INET;
		memcpy(out->src.bytes, ip + 12, 4);
		memcpy(out->dst.bytes, ip + 16, 4);
	} else if (type == ETH_IP6) {
		if (avail < WS_TP_IPV6_HDR_LEN || ip[6] != PROTO_UDP)
			return 1;
		if ((ip[0] >> 4) != 6 || WS_TP_IPV6_HDR_LEN + (size_t)get16(ip + 4) > avail) {
			*why = "IPv6 version or payload length";
			return -1;
		}
		l3 = WS_TP_IPV6_HDR_LEN;
		avail = get16(ip + 4);
		out->src.family = out->dst.family = AF_INET6;
		memcpy(out->src.bytes, ip + 8, 16);
		memcpy(out->dst.bytes, ip + 24, 16);
	} else {
		return 1;
	}
	udp = ip + l3;
	if (avail < WS_TP_UDP_HDR_LEN || (udp_len = get16(udp + 4)) < WS_TP_UDP_HDR_LEN ||
	    udp_len != avail) {
		*why = "UDP length";
		return -1;
	}
	c = get16(udp + 6);
	if (c == 0 && type == ETH_IP6) {
		*why = "UDP checksum missing over IPv6";
		return -1;
	}
	if (c != 0 &&
	    ws_tp_csum_fold(ws_tp_csum_add(pseudo(&out->src, &out->dst, udp_len), udp, udp_len))) {
		*why = "UDP checksum";
		return -1;
	}
	out->sport = get16(udp);
	out->dport = get16(udp + 2);
	out->payload = udp + WS_TP_UDP_HDR_LEN;
	out->payload_len = udp_len - WS_TP_UDP_HDR_LEN;
	return 0;
}
