/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mac1, mac2 and cookie replies (whitepaper 5.4.4 and 5.4.7). The checker is the responder's side
 * (one per interface; it owns the rotating cookie secret); the maker is the initiator's side (one
 * per peer; it remembers the cookie the peer gave us and the last mac1 we sent).
 * A message's "source" is its outer IP source address bytes (4 or 16) followed by the UDP source
 * port in network byte order: a cookie is bound to it.
 */
#ifndef WS_COOKIE_H
#define WS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"

enum { WS_COOKIE_SOURCE_MAX = 18 };

struct ws_cookie_checker {
	uint8_t mac1_key[WS_HASH_LEN];   /* HASH("mac1----" || our public key) */
	uint8_t cookie_key[WS_HASH_LEN]; /* HASH("cookie--" || our public key) */
	uint8_t secret[WS_HASH_LEN];     /* random, replaced when older than 2 minutes */
	uint64_t secret_birth_ns;
	bool secret_valid;
	bool has_identity;
};

enum ws_cookie_mac_state {
	WS_COOKIE_MAC_INVALID = 0, /* mac1 wrong: drop silently */
	WS_COOKIE_MAC1_VALID,      /* mac1 right, mac2 absent or wrong */
	WS_COOKIE_MAC2_VALID,      /* both right: the sender proved it owns its source address */
};

/* Builds a source from an IPv4 (4 bytes) or IPv6 (16 bytes) address and a port (host order). */
size_t ws_cookie_source(uint8_t out[WS_COOKIE_SOURCE_MAX], const void *addr, size_t addrlen,
			uint16_t port);

/* local_public NULL: no identity, every message is invalid. */
void ws_cookie_checker_init(struct ws_cookie_checker *cc, const uint8_t *local_public);
void ws_cookie_checker_clear(struct ws_cookie_checker *cc);

/*
 * Checks the macs of an initiation or response (len must be the message's exact size). mac2 is
 * only checked when check_mac2 (the caller is under load). mono_ns rotates the secret.
 */
enum ws_cookie_mac_state ws_cookie_validate(struct ws_cookie_checker *cc, const void *msg,
					    size_t len, const uint8_t *src, size_t srclen,
					    bool check_mac2, uint64_t mono_ns);

/* Writes the cookie reply to a handshake message (whose sender index is echoed as receiver). */
void ws_cookie_reply_create(struct ws_cookie_checker *cc, struct ws_msg_cookie *reply,
			    const void *msg, size_t len, const uint8_t *src, size_t srclen,
			    uint64_t mono_ns);

struct ws_cookie_maker {
	uint8_t mac1_key[WS_HASH_LEN];   /* HASH("mac1----" || peer public key) */
	uint8_t cookie_key[WS_HASH_LEN]; /* HASH("cookie--" || peer public key) */
	uint8_t cookie[WS_COOKIE_LEN];
	uint64_t cookie_birth_ns;
	bool have_cookie;
	uint8_t last_mac1[WS_MAC_LEN];
	bool have_last_mac1;
};

void ws_cookie_maker_init(struct ws_cookie_maker *cm, const uint8_t remote_public[WS_KEY_LEN]);
void ws_cookie_maker_clear(struct ws_cookie_maker *cm);

/* Fills mac1 and (with a fresh cookie) mac2 of an initiation or response about to be sent. */
void ws_cookie_add_macs(struct ws_cookie_maker *cm, void *msg, size_t len, uint64_t mono_ns);

/* Decrypts a cookie reply to the last message we sent. 0, or -1 if it does not authenticate. */
int ws_cookie_consume_reply(struct ws_cookie_maker *cm, const struct ws_msg_cookie *reply,
			    uint64_t mono_ns);

#endif
