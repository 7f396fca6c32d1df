/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The anti-replay sliding window of RFC 6479: a ring of 64-bit blocks so that sliding forward
 * clears whole words instead of shifting a bitmap. 8192 bits in total as in the Linux kernel,
 * i.e. a window of 8128 counters behind the greatest one seen. One writer per window.
 */
#ifndef WS_REPLAY_H
#define WS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

enum {
	WS_REPLAY_BITS_TOTAL = 8192,
	WS_REPLAY_BLOCK_BITS = 64,
	WS_REPLAY_BLOCKS = WS_REPLAY_BITS_TOTAL / WS_REPLAY_BLOCK_BITS,
	WS_REPLAY_WINDOW = WS_REPLAY_BITS_TOTAL - WS_REPLAY_BLOCK_BITS,
};

struct ws_replay {
	uint64_t next; /* greatest counter accepted so far + 1; 0 before the first */
	uint64_t blocks[WS_REPLAY_BLOCKS];
};

void ws_replay_init(struct ws_replay *r);

/*
 * Accepts counter once: true if it is new and inside the window and below
 * WS_REJECT_AFTER_MESSAGES, and marks it seen. Call only after the packet authenticated.
 */
bool ws_replay_check(struct ws_replay *r, uint64_t counter);

#endif
