/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP / ICMPv6 echo packets for the test peer (see packet.h). Fields are written byte by byte in
 * network order so the code does not depend on host struct layouts or alignment.
 */
#include "packet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

enum {
	ICMP_ECHOREPLY_T = 0,
	ICMP_ECHO_T = 8,
	ICMP6_ECHO_T = 128,
	ICMP6_ECHOREPLY_T = 129,
	PROTO_ICMP = 1,
	PROTO_ICMP6 = 58,
	DEFAULT_TTL = 64,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int ws_tp_ipaddr_parse(struct ws_tp_ipaddr *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->bytes) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->bytes) == 1) {
		ip->family = AF_INET6;
		return 0;
	}
	return -1;
}

const char *ws_tp_ipaddr_str(const struct ws_tp_ipaddr *ip, char out[WS_TP_IPADDR_STRLEN])
{
	if (!inet_ntop(ip->family, ip->bytes, out, WS_TP_IPADDR_STRLEN))
		strcpy(out, "?");
	return out;
}

static size_t addr_len(sa_family_t family)
{
	return family == AF_INET ? 4 : 16;
}

bool ws_tp_ipaddr_equal(const struct ws_tp_ipaddr *a, const struct ws_tp_ipaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, addr_len(a->family)) == 0;
}

uint32_t ws_tp_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	for (; len >= 2; p += 2, len -= 2)
		acc += get16(p);
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t ws_tp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The ICMPv6 checksum covers a pseudo-header: src, dst, upper-layer length, next header. */
static uint32_t pseudo6(const uint8_t *src, const uint8_t *dst, uint32_t len)
{
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			    (uint8_t)len, 0, 0, 0, PROTO_ICMP6 };
	uint32_t sum = ws_tp_csum_add(0, src, 16);

	sum = ws_tp_csum_add(sum, dst, 16);
	return ws_tp_csum_add(sum, tail, sizeof(tail));
}

size_t ws_tp_ip_packet_len(const uint8_t *buf, size_t len)
{
	size_t n;

	if (len < 1)
		return 0;
	switch (buf[0] >> 4) {
	case 4:
		if (len < WS_TP_IPV4_HDR_LEN || (buf[0] & 0xf) < 5)
			return 0;
		n = get16(buf + 2);
		if (n < (size_t)(buf[0] & 0xf) * 4 || n > len)
			return 0;
		return n;
	case 6:
		if (len < WS_TP_IPV6_HDR_LEN)
			return 0;
		n = WS_TP_IPV6_HDR_LEN + (size_t)get16(buf + 4);
		return n <= len ? n : 0;
	default:
		return 0;
	}
}

static void icmp_header(uint8_t *icmp, uint8_t type, const struct ws_tp_echo *e)
{
	icmp[0] = type;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, e->id);
	put16(icmp + 6, e->seq);
	if (e->payload_len)
		memcpy(icmp + WS_TP_ICMP_HDR_LEN, e->payload, e->payload_len);
}

size_t ws_tp_echo_build(uint8_t *buf, size_t cap, const struct ws_tp_echo *e)
{
	size_t icmp_len = WS_TP_ICMP_HDR_LEN + e->payload_len;
	uint8_t ttl = e->ttl ? e->ttl : DEFAULT_TTL;
	uint8_t *icmp;
	size_t total;

	if (e->src.family != e->dst.family)
		return 0;
	if (e->src.family == AF_INET) {
		total = WS_TP_IPV4_HDR_LEN + icmp_len;
		if (total > cap || total > 0xffff)
			return 0;
		buf[0] = 0x45;
		buf[1] = 0;
		put16(buf + 2, (uint16_t)total);
		put16(buf + 4, e->seq); /* IP id: any value works for an unfragmented packet */
		put16(buf + 6, 0x4000); /* DF */
		buf[8] = ttl;
		buf[9] = PROTO_ICMP;
		put16(buf + 10, 0);
		memcpy(buf + 12, e->src.bytes, 4);
		memcpy(buf + 16, e->dst.bytes, 4);
		put16(buf + 10, ws_tp_csum_fold(ws_tp_csum_add(0, buf, WS_TP_IPV4_HDR_LEN)));
		icmp = buf + WS_TP_IPV4_HDR_LEN;
		icmp_header(icmp, e->reply ? ICMP_ECHOREPLY_T : ICMP_ECHO_T, e);
		put16(icmp + 2, ws_tp_csum_fold(ws_tp_csum_add(0, icmp, icmp_len)));
		return total;
	}
	if (e->src.family == AF_INET6) {
		total = WS_TP_IPV6_HDR_LEN + icmp_len;
		if (total > cap || icmp_len > 0xffff)
			return 0;
		buf[0] = 0x60;
		buf[1] = buf[2] = buf[3] = 0;
		put16(buf + 4, (uint16_t)icmp_len);
		buf[6] = PROTO_ICMP6;
		buf[7] = ttl;
		memcpy(buf + 8, e->src.bytes, 16);
		memcpy(buf + 24, e->dst.bytes, 16);
		icmp = buf + WS_TP_IPV6_HDR_LEN;
		icmp_header(icmp, e->reply ? ICMP6_ECHOREPLY_T : ICMP6_ECHO_T, e);
		put16(icmp + 2, ws_tp_csum_fold(ws_tp_csum_add(pseudo6(buf + 8, buf + 24,
								       (uint32_t)icmp_len),
							       icmp, icmp_len)));
		return total;
	}
	return 0;
}

static void read_echo(struct ws_tp_echo *e, const uint8_t *icmp, size_t icmp_len)
{
	e->id = get16(icmp + 4);
	e->seq = get16(icmp + 6);
	e->payload = icmp + WS_TP_ICMP_HDR_LEN;
	e->payload_len = icmp_len - WS_TP_ICMP_HDR_LEN;
}

static int parse4(struct ws_tp_echo *e, const uint8_t *pkt, size_t total)
{
	size_t hlen = (size_t)(pkt[0] & 0xf) * 4;
	const uint8_t *icmp = pkt + hlen;
	size_t icmp_len;

	if (total < hlen + WS_TP_ICMP_HDR_LEN)
		return -1;
	if (ws_tp_csum_fold(ws_tp_csum_add(0, pkt, hlen)) != 0)
		return -1;
	/* A fragment's ICMP checksum cannot be checked on its own; the peer never needs them. */
	if (pkt[9] != PROTO_ICMP || (get16(pkt + 6) & 0x3fff) != 0)
		return -1;
	icmp_len = total - hlen;
	if (ws_tp_csum_fold(ws_tp_csum_add(0, icmp, icmp_len)) != 0)
		return -1;
	if (icmp[1] != 0 || (icmp[0] != ICMP_ECHO_T && icmp[0] != ICMP_ECHOREPLY_T))
		return -1;
	e->src.family = e->dst.family = AF_INET;
	memcpy(e->src.bytes, pkt + 12, 4);
	memcpy(e->dst.bytes, pkt + 16, 4);
	e->reply = icmp[0] == ICMP_ECHOREPLY_T;
	e->ttl = pkt[8];
	read_echo(e, icmp, icmp_len);
	return 0;
}

static int parse6(struct ws_tp_echo *e, const uint8_t *pkt, size_t total)
{
	const uint8_t *icmp = pkt + WS_TP_IPV6_HDR_LEN;
	size_t icmp_len = total - WS_TP_IPV6_HDR_LEN;

	/* Extension headers are not followed: echo traffic does not carry them. */
	if (pkt[6] != PROTO_ICMP6 || icmp_len < WS_TP_ICMP_HDR_LEN)
		return -1;
	if (ws_tp_csum_fold(ws_tp_csum_add(pseudo6(pkt + 8, pkt + 24, (uint32_t)icmp_len), icmp,
					   icmp_len)) != 0)
		return -1;
	if (icmp[1] != 0 || (icmp[0] != ICMP6_ECHO_T && icmp[0] != ICMP6_ECHOREPLY_T))
		return -1;
	e->src.family = e->dst.family = AF_INET6;
	memcpy(e->src.bytes, pkt + 8, 16);
	memcpy(e->dst.bytes, pkt + 24, 16);
	e->reply = icmp[0] == ICMP6_ECHOREPLY_T;
	e->ttl = pkt[7];
	read_echo(e, icmp, icmp_len);
	return 0;
}

int ws_tp_echo_parse(struct ws_tp_echo *e, const uint8_t *pkt, size_t len)
{
	size_t total = ws_tp_ip_packet_len(pkt, len);

	memset(e, 0, sizeof(*e));
	if (!total)
		return -1;
	return (pkt[0] >> 4) == 4 ? parse4(e, pkt, total) : parse6(e, pkt, total);
}

size_t ws_tp_echo_answer(uint8_t *buf, size_t cap, const uint8_t *req, size_t len)
{
	struct ws_tp_echo e, r;

	if (ws_tp_echo_parse(&e, req, len) != 0 || e.reply)
		return 0;
	r = e;
	r.src = e.dst;
	r.dst = e.src;
	r.reply = true;
	r.ttl = 0;
	/* The payload lives in req; building into an overlapping buf would corrupt it. */
	if (buf < req + len && req < buf + cap)
		return 0;
	return ws_tp_echo_build(buf, cap, &r);
}
