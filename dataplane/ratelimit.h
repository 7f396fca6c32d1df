/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source token bucket for handshake messages, as the kernel's ratelimiter.c: each source
 * (an IPv4 address, or the /64 of an IPv6 address) may send WS_INITIATIONS_PER_SECOND
 * messages a second with bursts of WS_RL_BURST. A fixed open-addressing table keyed with a
 * random SipHash key (sources are attacker-chosen); entries idle for a second count as free,
 * so nothing needs collecting. Pure C, the clock passed in; one user (the service lcore).
 */
#ifndef WS_DP_RATELIMIT_H
#define WS_DP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	WS_RL_BURST = 5,
	WS_RL_PROBE = 8, /* slots looked at per source */
};

struct ws_rl_entry {
	uint8_t key[17]; /* family byte, then 16 address bytes (IPv4: 4, IPv6: the /64) */
	uint64_t last_ns; /* 0 = free */
	uint64_t tokens;  /* nanoseconds of credit */
};

struct ws_ratelimit {
	struct ws_rl_entry *slots;
	size_t mask; /* slots - 1 */
	uint8_t hash_key[16];
	uint64_t denied_full; /* sources refused because their probe window was full */
};

/* slots is rounded up to a power of two. 0 or -1 (no memory). */
int ws_ratelimit_init(struct ws_ratelimit *rl, size_t slots);
void ws_ratelimit_destroy(struct ws_ratelimit *rl);
/* Whether a message from addr (4 or 16 bytes) may pass at now_ns; takes a token if so. */
bool ws_ratelimit_allow(struct ws_ratelimit *rl, const uint8_t *addr, size_t addrlen,
			uint64_t now_ns);

#endif
