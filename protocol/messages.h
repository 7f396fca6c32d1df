/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard wire formats and protocol constants. Every multi-byte integer field on the wire is
 * little-endian; use ws_le32()/ws_le64() to read and ws_put_le32()/ws_put_le64() to write them.
 * Constants follow the whitepaper (section 6.4 "Timers" and 5.4.6 "Transport Data Key Derivation").
 */
#ifndef WS_MESSAGES_H
#define WS_MESSAGES_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum ws_msg_type {
	WS_MSG_INITIATION = 1,
	WS_MSG_RESPONSE = 2,
	WS_MSG_COOKIE = 3,
	WS_MSG_DATA = 4,
};

enum ws_sizes {
	WS_KEY_LEN = 32,        /* Curve25519 keys, symmetric keys, preshared keys */
	WS_HASH_LEN = 32,       /* BLAKE2s-256 */
	WS_MAC_LEN = 16,        /* BLAKE2s-128 mac1 / mac2 / cookie */
	WS_AEAD_TAG_LEN = 16,   /* Poly1305 tag */
	WS_TAI64N_LEN = 12,
	WS_XNONCE_LEN = 24,     /* XChaCha20-Poly1305 nonce in cookie replies */
	WS_COOKIE_LEN = WS_MAC_LEN,
	WS_PADDING_MULTIPLE = 16,
	WS_DATA_HEADER_LEN = 16, /* type, receiver, counter */
	WS_DATA_OVERHEAD = WS_DATA_HEADER_LEN + WS_AEAD_TAG_LEN,
	WS_MSG_INITIATION_LEN = 148,
	WS_MSG_RESPONSE_LEN = 92,
	WS_MSG_COOKIE_LEN = 64,
	WS_MSG_DATA_MIN_LEN = WS_DATA_OVERHEAD, /* a keepalive */
	WS_MAX_PACKET_LEN = 65535,              /* largest UDP payload we accept or produce */
};

/* Protocol timing and message limits (whitepaper 6.1, 6.2, 6.4). Times are in seconds. */
enum ws_limits {
	WS_REKEY_AFTER_MESSAGES = 1ULL << 60,
	WS_REJECT_AFTER_MESSAGES = UINT64_MAX - (1ULL << 13), /* 2^64 - 2^13 - 1 usable counters */
	WS_REKEY_AFTER_TIME = 120,
	WS_REJECT_AFTER_TIME = 180,
	WS_REKEY_ATTEMPT_TIME = 90,
	WS_REKEY_TIMEOUT = 5,
	WS_REKEY_TIMEOUT_JITTER_MAX_MS = 333,
	WS_KEEPALIVE_TIMEOUT = 10,
	WS_COOKIE_SECRET_MAX_AGE = 120,
	WS_COOKIE_SECRET_LATENCY = 5,
	WS_INITIATIONS_PER_SECOND = 50,
	WS_MAX_TIMER_HANDSHAKES = WS_REKEY_ATTEMPT_TIME / WS_REKEY_TIMEOUT,
	WS_MAX_STAGED_PACKETS = 128,
};

#define WS_NSEC_PER_SEC 1000000000ULL

struct ws_msg_macs {
	uint8_t mac1[WS_MAC_LEN];
	uint8_t mac2[WS_MAC_LEN];
} __attribute__((packed));

/* Type 1: 148 bytes. */
struct ws_msg_initiation {
	uint32_t type; /* le32: message type in the low byte, three reserved zero bytes */
	uint32_t sender;
	uint8_t ephemeral[WS_KEY_LEN];
	uint8_t encrypted_static[WS_KEY_LEN + WS_AEAD_TAG_LEN];
	uint8_t encrypted_timestamp[WS_TAI64N_LEN + WS_AEAD_TAG_LEN];
	struct ws_msg_macs macs;
} __attribute__((packed));

/* Type 2: 92 bytes. */
struct ws_msg_response {
	uint32_t type;
	uint32_t sender;
	uint32_t receiver;
	uint8_t ephemeral[WS_KEY_LEN];
	uint8_t encrypted_nothing[WS_AEAD_TAG_LEN];
	struct ws_msg_macs macs;
} __attribute__((packed));

/* Type 3: 64 bytes. */
struct ws_msg_cookie {
	uint32_t type;
	uint32_t receiver;
	uint8_t nonce[WS_XNONCE_LEN];
	uint8_t encrypted_cookie[WS_COOKIE_LEN + WS_AEAD_TAG_LEN];
} __attribute__((packed));

/* Type 4: 16-byte header, then the encrypted, zero-padded payload and its 16-byte tag. */
struct ws_msg_data {
	uint32_t type;
	uint32_t receiver;
	uint64_t counter; /* le64 */
	uint8_t encrypted[];
} __attribute__((packed));

_Static_assert(sizeof(struct ws_msg_initiation) == WS_MSG_INITIATION_LEN, "initiation size");
_Static_assert(sizeof(struct ws_msg_response) == WS_MSG_RESPONSE_LEN, "response size");
_Static_assert(sizeof(struct ws_msg_cookie) == WS_MSG_COOKIE_LEN, "cookie size");
_Static_assert(sizeof(struct ws_msg_data) == WS_DATA_HEADER_LEN, "data header size");

static inline uint32_t ws_le32(uint32_t v) { return le32toh(v); }
static inline uint64_t ws_le64(uint64_t v) { return le64toh(v); }
static inline uint32_t ws_to_le32(uint32_t v) { return htole32(v); }
static inline uint64_t ws_to_le64(uint64_t v) { return htole64(v); }

/*
 * The message type of a UDP payload, or 0 if the payload is not a well-formed WireGuard message
 * header of the right length for its type (reserved bytes must be zero).
 */
static inline enum ws_msg_type ws_msg_classify(const void *buf, size_t len)
{
	uint32_t t;

	if (len < 4)
		return 0;
	memcpy(&t, buf, 4);
	switch (ws_le32(t)) {
	case WS_MSG_INITIATION:
		return len == WS_MSG_INITIATION_LEN ? WS_MSG_INITIATION : 0;
	case WS_MSG_RESPONSE:
		return len == WS_MSG_RESPONSE_LEN ? WS_MSG_RESPONSE : 0;
	case WS_MSG_COOKIE:
		return len == WS_MSG_COOKIE_LEN ? WS_MSG_COOKIE : 0;
	case WS_MSG_DATA:
		return len >= WS_MSG_DATA_MIN_LEN ? WS_MSG_DATA : 0;
	default:
		return 0;
	}
}

#endif
