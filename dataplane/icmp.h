/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP "too big" and "time exceeded" builders and the token bucket that limits them (gateway mode). Pure C on byte
 * buffers with DPDK's inline checksum helpers only, so they are unit-tested without EAL; the
 * mbuf side lives in lan.c.
 */
#ifndef WS_DP_ICMP_H
#define WS_DP_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	/* RFC 1812 4.3.2.3: an ICMPv4 error holds as much of the original as fits in 576 */
	WS_DP_ICMP4_MAX = 576,
	/* RFC 4443 2.4 (c): an ICMPv6 error must not exceed the minimum IPv6 MTU */
	WS_DP_ICMP6_MAX = 1280,
};

/*
 * Whether the IPv4 packet ip (len bytes, header already validated) may be answered with an
 * ICMP error (RFC 1122 3.2.2 / RFC 1812 4.3.2.7): not about an ICMP error, not a non-first
 * fragment, not from an address that names no single host.
 */
bool ws_dp_icmp4_may_answer(const uint8_t *ip, size_t len);

/*
 * Whether the IPv6 packet ip may get a Packet Too Big (RFC 4443 2.4 (e)): not about an ICMPv6
 * error message; the source must be a unicast address (PTB is sent even to multicast
 * destinations, as the RFC asks).
 */
bool ws_dp_icmp6_may_answer(const uint8_t *ip, size_t len);

/*
 * Builds, at out (cap bytes), an IPv4 packet from src to the original's source: ICMP
 * destination unreachable, fragmentation needed (type 3 code 4) with next-hop MTU mtu, quoting
 * the original IPv4 packet orig (orig_len bytes) as far as 576 bytes allow. Returns the length
 * written, 0 if cap is too small or orig is shorter than its header.
 */
size_t ws_dp_icmp4_too_big(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
			   const uint8_t src[4], uint16_t mtu, uint16_t id);

/*
 * Builds at out an IPv6 packet from src to the original's source: ICMPv6 Packet Too Big
 * (type 2 code 0) with mtu, quoting orig as far as 1280 bytes allow. Length written, or 0.
 */
size_t ws_dp_icmp6_too_big(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
			   const uint8_t src[16], uint32_t mtu);

/* The same with ICMP time exceeded, TTL exceeded in transit (type 11 code 0). */
size_t ws_dp_icmp4_time_exceeded(uint8_t *out, size_t cap, const uint8_t *orig,
				 size_t orig_len, const uint8_t src[4], uint16_t id);

/* The same with ICMPv6 time exceeded, hop limit exceeded in transit (type 3 code 0). */
size_t ws_dp_icmp6_time_exceeded(uint8_t *out, size_t cap, const uint8_t *orig,
				 size_t orig_len, const uint8_t src[16]);

/*
 * Token bucket: `rate` tokens a second, at most `burst` stored; one per message. The clock is
 * passed in (nanoseconds). One owner (no atomics): one bucket per lcore.
 */
struct ws_dp_tbucket {
	uint64_t credit_ns; /* accumulated time, capped at burst tokens' worth */
	uint64_t last_ns;   /* 0: never used (starts full) */
};

bool ws_dp_tbucket_take(struct ws_dp_tbucket *tb, uint64_t now_ns, uint32_t rate,
			uint32_t burst);

#endif
