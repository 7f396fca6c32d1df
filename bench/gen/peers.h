/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-gen's simulated peers: each one a tests/peer session (its own key pair, Noise handshake,
 * cookie, keypairs) plus the addresses it uses and what it sent and received. Peer i sends from
 * outer address first_host + i % hosts, port src_port + i / hosts (so RSS on the gateway spreads
 * the peers over its queues), and from inner address inner_src + i. Pure: no EAL.
 */
#ifndef WS_GEN_PEERS_H
#define WS_GEN_PEERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "frame.h"
#include "options.h"
#include "session.h"

enum { WS_GEN_TX_HDR_LEN = WS_GEN_OUTER_LEN + 8 }; /* + data message type and receiver index */

struct ws_gen_peer {
	struct ws_tp_session s; /* secrets inside: ws_gen_peers_destroy() zeroes it */
	uint32_t outer_ip;
	uint16_t outer_port;
	uint32_t inner_ip;
	uint8_t inner_hdr[WS_GEN_INNER_HDR_LEN];
	/* Built when the handshake completes: outer headers and the data header up to the counter.
	 * Only the counter and the ciphertext change from one packet to the next. */
	uint8_t tx_hdr[WS_GEN_TX_HDR_LEN];
	bool done;
	uint64_t next_initiation_ns; /* retransmit time; 0: send one as soon as possible */
	uint64_t first_initiation_ns;
	uint64_t handshake_ns; /* first initiation to response */

	uint64_t initiations;
	uint64_t cookies;
	uint64_t tx_packets; /* transport data accepted by the port (keepalives too) */
	uint64_t tx_bytes;   /* their UDP payload bytes, handshakes included */
	uint64_t rx_data;
	uint64_t rx_keepalives;
	uint64_t rx_decrypt_fail;
};

struct ws_gen_peers {
	struct ws_gen_peer *peer;
	uint32_t n;
	uint32_t first_host; /* first usable outer source address */
	uint32_t hosts;	     /* outer addresses before wrapping to the next port */
	uint16_t src_port;
};

/*
 * Creates the peers from the options: keys from --keys or fresh ones, sessions with the server,
 * addresses. ws_crypto_init() must have been called. 0 or -1 after printing why.
 */
int ws_gen_peers_create(struct ws_gen_peers *ps, const struct ws_gen_options *o);
void ws_gen_peers_destroy(struct ws_gen_peers *ps);

/* The peer owning an outer address and port, or NULL. */
struct ws_gen_peer *ws_gen_peers_lookup(const struct ws_gen_peers *ps, uint32_t ip, uint16_t port);

/* Whether ip is one of the outer addresses in use (ARP answers for it). */
bool ws_gen_peers_owns_ip(const struct ws_gen_peers *ps, uint32_t ip);

/* Writes the private keys, one base64 key per line, to a new mode-0600 file. 0 or -1. */
int ws_gen_peers_write_keys(const struct ws_gen_peers *ps, const char *path);

/*
 * Writes the peers as a wirespeed YAML `peers:` list to path and as `wg set` lines (interface
 * "${WG_IF:-wg0}") to path.wg, so the gateway under test can be given them. Public keys and
 * addresses only; a PSK is referred to by its file. 0 or -1.
 */
int ws_gen_peers_write_config(const struct ws_gen_peers *ps, const struct ws_gen_options *o,
			      const char *path);

#endif
