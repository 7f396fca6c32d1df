/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake filter (handshake.c). Workers only queue handshake messages to the service lcore
 * (ws_dp_stage_handshake); the service lcore runs the checks before anything reaches the
 * control process: mac1 against our public key, under load (a deep service queue) mac2 or a
 * cookie reply of our own, and a per-source rate limit. One cookie secret and one rate table,
 * owned by the service lcore, so no state is shared with the fast path.
 */
#ifndef WS_DP_HANDSHAKE_H
#define WS_DP_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane.h"

/* under_load_queue: messages waiting in the service ring from which on we are "under load"
 * (0: always). 0 or -1. */
int ws_dp_handshake_setup(unsigned int under_load_queue);
void ws_dp_handshake_teardown(void);
/* Our public key (IFACE_SET); NULL: no identity, every initiation/response is dropped. */
void ws_dp_handshake_identity(const uint8_t *public_key);
/*
 * Service lcore: whether the classified handshake message in m goes to the control process.
 * queued: messages still waiting behind it. *under_load: mac2 was required and valid.
 */
bool ws_dp_handshake_filter(struct rte_mbuf *m, unsigned int queued, bool *under_load);

#endif
