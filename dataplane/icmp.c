/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP "too big" builders and a token bucket (see icmp.h). */
#include "icmp.h"

#include <netinet/in.h>
#include <string.h>

#include <rte_ip.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's-complement sum, folded to 16 bits and complemented; bytes in memory order. */
static uint16_t csum_final(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

bool ws_dp_icmp4_may_answer(const uint8_t *ip, size_t len)
{
	unsigned int ihl;
	uint32_t src;

	if (len < 20)
		return false;
	ihl = (ip[0] & 0xf) * 4u;
	if (ihl < 20 || len < ihl)
		return false;
	if (rd16(ip + 6) & RTE_IPV4_HDR_OFFSET_MASK) /* not the first fragment */
		return false;
	src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
	/* 0.0.0.0/8, 127/8, multicast and class E / limited broadcast name no single host */
	if ((src >> 24) == 0 || (src >> 24) == 127 || (src >> 28) >= 0xe)
		return false;
	if (ip[9] == IPPROTO_ICMP) {
		uint8_t type;

		if (len < ihl + 1)
			return false;
		type = ip[ihl];
		/* the error messages: unreachable, source quench, redirect, time exceeded,
		 * parameter problem (queries such as echo may be answered) */
		if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
			return false;
	}
	return true;
}

bool ws_dp_icmp6_may_answer(const uint8_t *ip, size_t len)
{
	static const uint8_t unspec[16];

	if (len < 40)
		return false;
	if (ip[8] == 0xff || !memcmp(ip + 8, unspec, 16)) /* multicast or unspecified source */
		return false;
	/* an ICMPv6 error (types 0-127) never causes another; extension headers before the
	 * ICMPv6 header are not walked: such a packet is answered, as a router would */
	if (ip[6] == IPPROTO_ICMPV6 && (len < 41 || ip[40] < 128))
		return false;
	return true;
}

/* An ICMPv4 error of type/code with the 4 bytes after the checksum given (rest). */
static size_t icmp4_error(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
			  const uint8_t src[4], uint8_t type, uint8_t code, uint32_t rest, uint16_t id)
{
	size_t quote, total;
	unsigned int ihl;
	uint8_t *icmp;
	uint16_t c;

	if (orig_len < 20)
		return 0;
	ihl = (orig[0] & 0xf) * 4u;
	if (ihl < 20 || orig_len < ihl)
		return 0;
	quote = RTE_MIN(orig_len, (size_t)WS_DP_ICMP4_MAX - 20 - 8);
	total = 20 + 8 + quote;
	if (cap < total)
		return 0;
	memset(out, 0, 28);
	out[0] = 0x45;
	out[1] = 0xc0; /* precedence "internetwork control", as routers mark ICMP errors */
	wr16(out + 2, (uint16_t)total);
	wr16(out + 4, id);
	out[8] = 64;
	out[9] = IPPROTO_ICMP;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, orig + 12, 4); /* back to the original's source */
	c = rte_ipv4_cksum((const struct rte_ipv4_hdr *)out);
	memcpy(out + 10, &c, 2);
	icmp = out + 20;
	icmp[0] = type;
	icmp[1] = code;
	wr16(icmp + 4, (uint16_t)(rest >> 16));
	wr16(icmp + 6, (uint16_t)rest);
	memcpy(icmp + 8, orig, quote);
	c = csum_final(rte_raw_cksum(icmp, 8 + quote));
	memcpy(icmp + 2, &c, 2);
	return total;
}

size_t ws_dp_icmp4_too_big(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
			   const uint8_t src[4], uint16_t mtu, uint16_t id)
{
	/* destination unreachable, fragmentation needed and DF set; RFC 1191: the next-hop MTU
	 * in the low 16 bits */
	return icmp4_error(out, cap, orig, orig_len, src, 3, 4, mtu, id);
}

size_t ws_dp_icmp4_time_exceeded(uint8_t *out, size_t cap, const uint8_t *orig,
				 size_t orig_len, const uint8_t src[4], uint16_t id)
{
	return icmp4_error(out, cap, orig, orig_len, src, 11, 0, 0, id); /* TTL exceeded */
}

/* An ICMPv6 error of type/code with the 4 bytes after the checksum given (rest). */
static size_t icmp6_error(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
			  const uint8_t src[16], uint8_t type, uint8_t code, uint32_t rest)
{
	size_t quote, total;
	uint8_t *icmp;
	uint32_t s;
	uint16_t c;

	if (orig_len < 40)
		return 0;
	quote = RTE_MIN(orig_len, (size_t)WS_DP_ICMP6_MAX - 40 - 8);
	total = 40 + 8 + quote;
	if (cap < total)
		return 0;
	memset(out, 0, 48);
	out[0] = 0x60;
	wr16(out + 4, (uint16_t)(8 + quote));
	out[6] = IPPROTO_ICMPV6;
	out[7] = 64;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, orig + 8, 16);
	icmp = out + 40;
	icmp[0] = type;
	icmp[1] = code;
	icmp[4] = (uint8_t)(rest >> 24);
	icmp[5] = (uint8_t)(rest >> 16);
	icmp[6] = (uint8_t)(rest >> 8);
	icmp[7] = (uint8_t)rest;
	memcpy(icmp + 8, orig, quote);
	s = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)out, 0);
	s += rte_raw_cksum(icmp, 8 + quote);
	c = csum_final(s);
	memcpy(icmp + 2, &c, 2);
	return total;
}

size_t ws_dp_icmp6_too_big(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
			   const uint8_t src[16], uint32_t mtu)
{
	return icmp6_error(out, cap, orig, orig_len, src, 2, 0, mtu); /* packet too big */
}

size_t ws_dp_icmp6_time_exceeded(uint8_t *out, size_t cap, const uint8_t *orig,
				 size_t orig_len, const uint8_t src[16])
{
	return icmp6_error(out, cap, orig, orig_len, src, 3, 0, 0); /* hop limit exceeded */
}

bool ws_dp_tbucket_take(struct ws_dp_tbucket *tb, uint64_t now_ns, uint32_t rate,
			uint32_t burst)
{
	const uint64_t cost = 1000000000ull / (rate ? rate : 1);
	const uint64_t cap = cost * (burst ? burst : 1);
	uint64_t credit;

	if (tb->last_ns == 0 || now_ns < tb->last_ns)
		credit = cap;
	else
		credit = RTE_MIN(cap, tb->credit_ns + (now_ns - tb->last_ns));
	tb->last_ns = now_ns ? now_ns : 1;
	if (credit < cost) {
		tb->credit_ns = credit;
		return false;
	}
	tb->credit_ns = credit - cost;
	return true;
}
