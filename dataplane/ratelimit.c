/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-source token bucket for handshake messages (see ratelimit.h). */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "messages.h"

/* Each message costs this much credit; a source may hold WS_RL_BURST messages' worth. */
#define PACKET_COST (WS_NSEC_PER_SEC / WS_INITIATIONS_PER_SECOND)
#define TOKEN_MAX (PACKET_COST * WS_RL_BURST)

int ws_ratelimit_init(struct ws_ratelimit *rl, size_t slots)
{
	size_t n = 16;

	memset(rl, 0, sizeof(*rl));
	while (n < slots)
		n <<= 1;
	rl->slots = calloc(n, sizeof(*rl->slots));
	if (!rl->slots)
		return -1;
	rl->mask = n - 1;
	randombytes_buf(rl->hash_key, sizeof(rl->hash_key));
	return 0;
}

void ws_ratelimit_destroy(struct ws_ratelimit *rl)
{
	free(rl->slots);
	memset(rl, 0, sizeof(*rl));
}

bool ws_ratelimit_allow(struct ws_ratelimit *rl, const uint8_t *addr, size_t addrlen,
			uint64_t now_ns)
{
	struct ws_rl_entry *free_slot = NULL;
	uint8_t key[17] = {0};
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t start;

	key[0] = (uint8_t)addrlen;
	/* an IPv6 host owns a /64: limiting single addresses would let it rotate freely */
	memcpy(key + 1, addr, addrlen == 16 ? 8 : 4);
	crypto_shorthash(h, key, sizeof(key), rl->hash_key);
	memcpy(&start, h, sizeof(start));
	for (unsigned int i = 0; i < WS_RL_PROBE; i++) {
		struct ws_rl_entry *e = &rl->slots[(start + i) & rl->mask];
		bool stale = !e->last_ns || now_ns - e->last_ns >= WS_NSEC_PER_SEC;

		if (!stale && !memcmp(e->key, key, sizeof(key))) {
			uint64_t tokens = e->tokens + (now_ns - e->last_ns);

			if (tokens > TOKEN_MAX)
				tokens = TOKEN_MAX;
			e->last_ns = now_ns;
			if (tokens < PACKET_COST) {
				e->tokens = tokens;
				return false;
			}
			e->tokens = tokens - PACKET_COST;
			return true;
		}
		if (stale && !free_slot)
			free_slot = e;
	}
	if (!free_slot) {
		rl->denied_full++;
		return false;
	}
	memcpy(free_slot->key, key, sizeof(key));
	free_slot->last_ns = now_ns;
	free_slot->tokens = TOKEN_MAX - PACKET_COST;
	return true;
}
