/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport data messages (whitepaper 5.4.6): one packet at a time, for the control process, the
 * test peer and as the reference the dataplane's batch paths are checked against.
 */
#ifndef WS_TRANSPORT_H
#define WS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"
#include "replay.h"

struct ws_keypair {
	uint8_t send_key[WS_KEY_LEN];
	uint8_t recv_key[WS_KEY_LEN];
	uint32_t local_index;  /* receiver index the peer puts on packets to us */
	uint32_t remote_index; /* receiver index we put on packets to the peer */
	bool initiator;
	uint64_t birth_ns;     /* monotonic */
	uint64_t send_counter; /* next nonce to use */
	struct ws_replay replay;
};

void ws_keypair_destroy(struct ws_keypair *kp);

/* Whether the keypair may still send or receive at mono_ns (age and message limits). */
bool ws_keypair_usable(const struct ws_keypair *kp, uint64_t mono_ns);
/* Whether the initiator of this keypair should start a new handshake (REKEY_AFTER_*). */
bool ws_keypair_wants_rekey(const struct ws_keypair *kp, uint64_t mono_ns);
/* Takes the next sending counter; -1 once REJECT_AFTER_MESSAGES is reached. */
int ws_keypair_next_counter(struct ws_keypair *kp, uint64_t *counter);

/*
 * Payload length after zero padding to a multiple of 16, not exceeding mtu unless the payload
 * itself does (mtu 0: no cap), as the kernel pads.
 */
size_t ws_transport_padded_len(size_t plain_len, size_t mtu);

/*
 * Writes a complete type-4 message to out (room for WS_DATA_OVERHEAD + padded length), returns
 * its length. plain_len 0 makes a keepalive. out and plain must not overlap.
 */
size_t ws_transport_encrypt(uint8_t *out, const uint8_t *plain, size_t plain_len, size_t mtu,
			    uint32_t receiver, uint64_t counter, const uint8_t key[WS_KEY_LEN]);

/*
 * Authenticates and decrypts a type-4 message of len bytes into plain (room for
 * len - WS_DATA_OVERHEAD). Returns the decrypted length (padding included; 0 = keepalive) or -1.
 * The caller still has to run the replay window on *counter.
 */
long ws_transport_decrypt(uint8_t *plain, const uint8_t *msg, size_t len,
			  const uint8_t key[WS_KEY_LEN], uint64_t *counter);

/*
 * Convenience for whole-packet receivers: decrypt with kp->recv_key, then the replay window.
 * Returns the decrypted length or -1 (bad tag, replay, or keypair expired at mono_ns).
 */
long ws_keypair_decrypt(struct ws_keypair *kp, uint8_t *plain, const uint8_t *msg, size_t len,
			uint64_t mono_ns);

#endif
