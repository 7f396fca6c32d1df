/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake engine of the control process: answers initiations, consumes responses and
 * cookie replies that the dataplane passes up, initiates when the dataplane says data is waiting
 * or a key is getting old, retransmits every REKEY_TIMEOUT (+ jitter) and gives up after
 * REKEY_ATTEMPT_TIME, and installs finished keypairs into the dataplane.
 *
 * Every sender index we hand out (in-flight handshakes and keypairs living in the dataplane) is
 * in one map from index to peer, so a response or cookie reply finds its peer and indices are
 * never reused while the dataplane may still see them.
 */
#ifndef WS_CONTROL_HANDSHAKE_H
#define WS_CONTROL_HANDSHAKE_H

#include <stdint.h>

#include "device.h"
#include "dp.h"

struct ws_hs_clock {
	uint64_t (*mono_ns)(void *ctx); /* may run faster than real time in tests */
	uint64_t (*wall_ns)(void *ctx); /* real Unix time: TAI64N and "latest handshake" */
	void *ctx;
};

struct ws_hs_stats {
	uint64_t initiations_sent, initiations_received, responses_sent, responses_received;
	uint64_t cookies_received, keypairs_installed, handshakes_failed, attempts_given_up;
};

struct ws_hs_engine {
	struct ws_device *dev;
	struct ws_dpconn *dp;
	struct ws_hs_clock clock;
	struct ws_hs_stats stats;

	/* index -> peer id: open addressing, power-of-two capacity, key 0 = empty */
	struct { uint32_t index, peer_id; } *map;
	uint32_t map_cap, map_used;

	uint32_t *active; /* peers with a retransmission scheduled */
	uint32_t n_active, cap_active;
};

int ws_hs_init(struct ws_hs_engine *eng, struct ws_device *dev, struct ws_dpconn *dp,
	       const struct ws_hs_clock *clock);
void ws_hs_destroy(struct ws_hs_engine *eng);

/* A handshake message from the dataplane (WS_IPC_EV_HANDSHAKE_RX). */
void ws_hs_receive(struct ws_hs_engine *eng, const struct ws_ipc_handshake *m);
/* Data is waiting (force = false: rate-limited to one initiation per REKEY_TIMEOUT). */
void ws_hs_initiate(struct ws_hs_engine *eng, struct ws_peer *peer, bool force);
/* The peer sent data on our responder keypair: the handshake is complete on our side too. */
void ws_hs_keypair_confirmed(struct ws_hs_engine *eng, uint32_t peer_id, uint32_t local_index);
/* The dataplane zeroed a keypair: its index is free again. */
void ws_hs_index_freed(struct ws_hs_engine *eng, uint32_t peer_id, uint32_t local_index);
/* Forget everything about a peer that is being removed. */
void ws_hs_peer_removed(struct ws_hs_engine *eng, struct ws_peer *peer);
/* Retransmissions and give-ups due by now; returns the next deadline (0: none). */
uint64_t ws_hs_run_timers(struct ws_hs_engine *eng);
/*
 * A keypair the dataplane already holds for this peer (a restarted control process reading
 * its dump): the index is reserved so no new handshake reuses it, and freed again by the
 * dataplane's WS_IPC_EV_KEYPAIR_FREED like any other.
 */
void ws_hs_adopt_keypair(struct ws_hs_engine *eng, struct ws_peer *peer, uint32_t local_index);
/* The dataplane restarted: every index it held is gone. */
void ws_hs_dataplane_reset(struct ws_hs_engine *eng);

#endif
