/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One test-peer session with one remote WireGuard peer: our identity, the peer's public key, an
 * optional PSK, the Noise handshake, cookies, and the keypairs (next / current / previous, as the
 * kernel keeps them). Pure: no sockets, no clock reads (mono_ns and wall_ns are passed in), so the
 * same session drives a UDP socket today and raw frames on a DPDK port later.
 *
 * Keypair confirmation (whitepaper 5.4.6 / kernel noise.c): a responder's fresh keypair waits in
 * "next" and is not used for sending until the initiator's first data packet arrives with it; only
 * then does it become "current". An initiator's keypair is current at once, and the initiator
 * should send a data packet (a keepalive will do) straight away so the responder can confirm.
 */
#ifndef WS_TP_SESSION_H
#define WS_TP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cookie.h"
#include "noise.h"
#include "transport.h"

/* Why a received message was dropped: one list gives the enum and the names. */
#define WS_TP_DROP_LIST(X)                                                   \
	X(MALFORMED, "malformed or unknown message")                        \
	X(MAC1, "mac1 did not verify")                                       \
	X(INDEX, "receiver index matches no handshake or keypair")          \
	X(HANDSHAKE, "handshake message rejected by Noise")                 \
	X(COOKIE, "cookie reply did not authenticate")                      \
	X(DECRYPT, "data did not authenticate, replayed, or keypair expired") \
	X(INNER, "decrypted payload is not an IP packet")                   \
	X(NOKEY, "no keypair usable for sending")                           \
	X(SPACE, "output buffer too small")

enum ws_tp_drop {
	WS_TP_DROP_NONE = 0,
#define WS_TP_X(name, text) WS_TP_DROP_##name,
	WS_TP_DROP_LIST(WS_TP_X)
#undef WS_TP_X
	WS_TP_DROP_COUNT
};

const char *ws_tp_drop_str(int drop);

/* What handling a received message produced. */
enum ws_tp_event {
	WS_TP_EV_RESPONSE = 1,     /* initiation accepted: out holds our response, send it */
	WS_TP_EV_COOKIE_SENT,      /* initiation or response without valid mac2 while we demand
				    * cookies: out holds a cookie reply, send it */
	WS_TP_EV_HANDSHAKE_DONE,   /* initiator: response accepted, current keypair installed */
	WS_TP_EV_COOKIE_STORED,    /* cookie reply accepted: resend the initiation */
	WS_TP_EV_DATA,             /* out holds the inner IP packet, padding stripped */
	WS_TP_EV_KEEPALIVE,        /* an authenticated empty data packet */
};

struct ws_tp_session {
	struct ws_noise_local local;
	struct ws_noise_handshake hs;
	struct ws_cookie_maker maker;     /* macs on what we send; the cookie the peer gave us */
	struct ws_cookie_checker checker; /* mac1 on what we receive; cookies we hand out */
	bool has_psk;
	bool demand_cookie; /* behave as if under load: answer messages lacking mac2 with a cookie */
	size_t mtu;         /* inner MTU for padding (0: pad to 16 without a cap) */

	struct ws_keypair next, current, previous;
	bool have_next, have_current, have_previous;

	/* Set when a handle call's event completes a handshake, for the caller's log. */
	bool confirmed;     /* the last DATA/KEEPALIVE promoted next to current (responder done) */
	int noise_err;      /* the ws_noise_* error of the last HANDSHAKE drop */
	uint64_t handshakes; /* keypairs installed (either role) */
};

/*
 * psk NULL: no preshared key. Returns 0, or -1 if the keys are unusable (e.g. the DH of our
 * private key and the peer's public key is zero). ws_crypto_init() must have been called.
 */
int ws_tp_session_init(struct ws_tp_session *s, const uint8_t private_key[WS_KEY_LEN],
		       const uint8_t peer_public[WS_KEY_LEN], const uint8_t *psk);
void ws_tp_session_destroy(struct ws_tp_session *s);

/* Builds a handshake initiation with mac1 (and mac2 with a fresh cookie). Length or -drop. */
long ws_tp_session_initiate(struct ws_tp_session *s, uint8_t *out, size_t cap, uint64_t mono_ns,
			    uint64_t wall_ns);

/*
 * Builds a handshake initiation whose mac1 verifies but whose encrypted static key does not: the
 * responder queues it and spends a Diffie-Hellman on it before dropping it. Many of them push a
 * responder into its "under load" mode, where it answers with cookie replies (load tests). Call it
 * before ws_tp_session_initiate(): the cookie maker remembers the mac1 of the last message built.
 */
long ws_tp_session_bogus_initiation(struct ws_tp_session *s, uint8_t *out, size_t cap,
				    uint64_t mono_ns, uint64_t wall_ns);

/*
 * Handles one received UDP payload from src (a ws_cookie_source() of the sender's address).
 * Returns an enum ws_tp_event with *out_len bytes in out (see the events), or -enum ws_tp_drop.
 * out needs room for len bytes (inner packets) and at least WS_MSG_RESPONSE_LEN.
 */
int ws_tp_session_handle(struct ws_tp_session *s, const uint8_t *msg, size_t len,
			 const uint8_t *src, size_t srclen, uint64_t mono_ns, uint8_t *out,
			 size_t cap, size_t *out_len);

/* Whether encrypt would find a keypair: false for a responder waiting for confirmation. */
bool ws_tp_session_can_send(const struct ws_tp_session *s, uint64_t mono_ns);

/* Encrypts an inner packet into a type-4 message (len 0: a keepalive). Length or -drop. */
long ws_tp_session_encrypt(struct ws_tp_session *s, uint8_t *out, size_t cap,
			   const uint8_t *plain, size_t len, uint64_t mono_ns);
long ws_tp_session_keepalive(struct ws_tp_session *s, uint8_t *out, size_t cap, uint64_t mono_ns);

/* Whether the current keypair came from a handshake we initiated. */
bool ws_tp_session_is_initiator(const struct ws_tp_session *s);

#endif
