/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6479 anti-replay window. The bitmap is a ring of 64-bit blocks indexed by position / 64;
 * moving the window forward only clears the blocks it passes over, so a jump costs at most
 * WS_REPLAY_BLOCKS word writes however large it is.
 *
 * Counter c is tracked at bit position c + 1 so that "nothing seen yet" (next == 0) needs no
 * special case: position 0 is never used.
 */
#include <string.h>

#include "messages.h"
#include "replay.h"

void ws_replay_init(struct ws_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool ws_replay_check(struct ws_replay *r, uint64_t counter)
{
	uint64_t pos, block, cur, span;

	if (r->next > WS_REJECT_AFTER_MESSAGES || counter >= WS_REJECT_AFTER_MESSAGES)
		return false;

	pos = counter + 1;
	/* Older than the window: its bit may already belong to a newer block. */
	if (pos + WS_REPLAY_WINDOW < r->next)
		return false;

	block = pos / WS_REPLAY_BLOCK_BITS;
	if (pos > r->next) {
		cur = r->next / WS_REPLAY_BLOCK_BITS;
		span = block - cur;
		if (span > WS_REPLAY_BLOCKS)
			span = WS_REPLAY_BLOCKS;
		for (uint64_t i = 1; i <= span; i++)
			r->blocks[(cur + i) % WS_REPLAY_BLOCKS] = 0;
		r->next = pos;
	}

	uint64_t bit = 1ULL << (pos % WS_REPLAY_BLOCK_BITS);
	uint64_t *word = &r->blocks[block % WS_REPLAY_BLOCKS];
	if (*word & bit)
		return false;
	*word |= bit;
	return true;
}
