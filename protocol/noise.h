/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (whitepaper 5.4). Pure: no I/O, no
 * clock reads, no locking. The caller serialises access to one handshake, adds mac1/mac2 with the
 * cookie module and maps sender/receiver indices to handshakes.
 */
#ifndef WS_NOISE_H
#define WS_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"
#include "transport.h"

/* Our static identity: one per interface. */
struct ws_noise_local {
	bool has_identity;
	uint8_t private_key[WS_KEY_LEN];
	uint8_t public_key[WS_KEY_LEN];
};

enum ws_noise_state {
	WS_NOISE_ZEROED = 0,
	WS_NOISE_CREATED_INITIATION,
	WS_NOISE_CONSUMED_INITIATION,
	WS_NOISE_CREATED_RESPONSE,
	WS_NOISE_CONSUMED_RESPONSE,
};

/* Per-peer handshake state. */
struct ws_noise_handshake {
	enum ws_noise_state state;
	uint8_t remote_static[WS_KEY_LEN];
	/* DH(local private, remote static); all zero if that DH is invalid, and then every handshake
	 * with this peer fails, as in the kernel. Recompute with ws_noise_precompute() when the
	 * local private key changes. */
	uint8_t precomputed_ss[WS_KEY_LEN];
	bool precomputed_ok;
	/* Set by the deferred init and by ws_noise_precompute_later(): the precomputation is done
	 * by the first handshake that needs it, so adding a million peers or changing the private
	 * key costs no Diffie-Hellman per peer up front. */
	bool precompute_pending;
	uint8_t preshared_key[WS_KEY_LEN];
	/* Greatest TAI64N accepted in an initiation from this peer: replay protection. */
	uint8_t latest_timestamp[WS_TAI64N_LEN];
	/* Monotonic time of the last accepted initiation: WS_INITIATIONS_PER_SECOND flood limit. */
	uint64_t last_initiation_ns;
	bool have_consumed_initiation;

	uint32_t local_index;  /* our sender index for this handshake */
	uint32_t remote_index; /* the peer's sender index */
	uint8_t hash[WS_HASH_LEN];
	uint8_t chaining_key[WS_HASH_LEN];
	uint8_t ephemeral_private[WS_KEY_LEN];
	uint8_t remote_ephemeral[WS_KEY_LEN];
};

enum ws_noise_error {
	WS_NOISE_OK = 0,
	WS_NOISE_ENOIDENTITY = -1, /* the interface has no private key */
	WS_NOISE_EDECRYPT = -2,    /* an AEAD field did not authenticate */
	WS_NOISE_EUNKNOWN = -3,    /* the initiator's static key is not a configured peer */
	WS_NOISE_EREPLAY = -4,     /* timestamp not newer than the last accepted one */
	WS_NOISE_EFLOOD = -5,      /* initiations from this peer faster than the rate limit */
	WS_NOISE_ESTATE = -6,      /* message does not fit the handshake's state */
	WS_NOISE_EDH = -7,         /* a Diffie-Hellman result was all zero */
};

const char *ws_noise_strerror(int err);

/* Sets (or, with private_key NULL, clears) the interface identity. */
void ws_noise_local_init(struct ws_noise_local *local, const uint8_t *private_key);
void ws_noise_local_clear(struct ws_noise_local *local);

/* Sets up a peer's handshake: remote static, optional PSK (NULL = none), precomputed DH. */
void ws_noise_handshake_init(struct ws_noise_handshake *hs, const struct ws_noise_local *local,
			     const uint8_t remote_static[WS_KEY_LEN], const uint8_t *preshared_key);
/* The same, leaving the static-static DH to the first handshake that needs it. */
void ws_noise_handshake_init_deferred(struct ws_noise_handshake *hs,
				      const uint8_t remote_static[WS_KEY_LEN],
				      const uint8_t *preshared_key);
void ws_noise_handshake_set_psk(struct ws_noise_handshake *hs, const uint8_t *preshared_key);
void ws_noise_precompute(struct ws_noise_handshake *hs, const struct ws_noise_local *local);
/* Marks the precomputation stale (the local key changed); redone on first use. */
void ws_noise_precompute_later(struct ws_noise_handshake *hs);
/* Forgets the in-flight handshake (ephemerals, hash, chaining key); keeps the peer's config. */
void ws_noise_handshake_reset(struct ws_noise_handshake *hs);
/* Zeroes everything, config included. */
void ws_noise_handshake_destroy(struct ws_noise_handshake *hs);

/* Initiator: writes everything but the macs. wall_ns feeds the TAI64N timestamp. */
int ws_noise_create_initiation(struct ws_noise_handshake *hs, const struct ws_noise_local *local,
			       struct ws_msg_initiation *msg, uint32_t local_index,
			       uint64_t wall_ns);

/* Finds the handshake of the peer with this static key, or NULL. */
typedef struct ws_noise_handshake *(*ws_noise_lookup_fn)(void *ctx,
							  const uint8_t remote_static[WS_KEY_LEN]);

/*
 * Responder: authenticates an initiation (macs already checked by the caller), identifies the
 * peer through lookup, enforces timestamp replay protection and the per-peer initiation rate, and
 * on success moves that peer's handshake to CONSUMED_INITIATION and returns it in *out.
 */
int ws_noise_consume_initiation(const struct ws_noise_local *local,
				const struct ws_msg_initiation *msg, ws_noise_lookup_fn lookup,
				void *ctx, uint64_t mono_ns, struct ws_noise_handshake **out);

/* Responder: from CONSUMED_INITIATION, writes everything but the macs. */
int ws_noise_create_response(struct ws_noise_handshake *hs, struct ws_msg_response *msg,
			     uint32_t local_index);

/*
 * Initiator: from CREATED_INITIATION, authenticates a response whose receiver index the caller
 * already matched to hs->local_index. On failure the handshake is left as it was.
 */
int ws_noise_consume_response(struct ws_noise_handshake *hs, const struct ws_noise_local *local,
			      const struct ws_msg_response *msg);

/*
 * Derives the transport keypair from CONSUMED_RESPONSE (initiator) or CREATED_RESPONSE
 * (responder), then zeroes the handshake's ephemeral state. birth_ns is stored in the keypair.
 */
int ws_noise_derive_keypair(struct ws_noise_handshake *hs, struct ws_keypair *kp,
			    uint64_t birth_ns);

#endif
