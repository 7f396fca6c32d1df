/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control process's model of the interface: identity, listen port, peers with their keys,
 * endpoints and allowed IPs, and each peer's handshake state. It is the authority the dataplane
 * is synchronised from.
 *
 * Every front end (YAML file, JSON-RPC, the UAPI that `wg` speaks) describes a change as one
 * struct ws_change: a delta with flags, as wireguard-tools does. ws_device_apply() validates the
 * whole delta and reserves every allocation before touching the device, so a change applies
 * completely or not at all.
 */
#ifndef WS_CONTROL_DEVICE_H
#define WS_CONTROL_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "cookie.h"
#include "noise.h"

enum ws_change_flags {
	WS_CHG_PRIVATE_KEY = 1 << 0, /* set private_key (all zero: remove the identity) */
	WS_CHG_LISTEN_PORT = 1 << 1,
	WS_CHG_FWMARK = 1 << 2,
	WS_CHG_REPLACE_PEERS = 1 << 3, /* peers not named in the change are removed */
};

enum ws_peer_change_flags {
	WS_PCHG_REMOVE = 1 << 0,
	WS_PCHG_UPDATE_ONLY = 1 << 1, /* do not create the peer if it does not exist */
	WS_PCHG_PSK = 1 << 2,         /* set psk (all zero: none) */
	WS_PCHG_ENDPOINT = 1 << 3,
	WS_PCHG_KEEPALIVE = 1 << 4,
	WS_PCHG_REPLACE_AIPS = 1 << 5, /* the peer's allowed IPs become exactly those listed */
	WS_PCHG_NAME = 1 << 6,
};

struct ws_aip_change {
	struct ws_prefix prefix;
	bool remove;
};

struct ws_peer_change {
	unsigned int flags;
	uint8_t public_key[WS_KEY_LEN];
	uint8_t psk[WS_KEY_LEN];
	struct ws_endpoint endpoint;
	uint16_t persistent_keepalive;
	char name[WS_PEER_NAME_MAX + 1];
	struct ws_aip_change *aips;
	size_t n_aips;
};

struct ws_change {
	unsigned int flags;
	uint8_t private_key[WS_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	struct ws_peer_change *peers;
	size_t n_peers;
};

/* Frees the arrays of a change and zeroes its secrets. */
void ws_change_free(struct ws_change *chg);
/* A whole config as a change that replaces everything (what loading a file means). */
int ws_change_from_config(struct ws_change *chg, const struct ws_cfg *cfg);

struct ws_device;
struct ws_peer;

/* Receives what the device wants the dataplane to do; NULL members are skipped. */
struct ws_device_sink {
	void *ctx;
	void (*iface)(void *ctx, const struct ws_device *dev);
	void (*peer_set)(void *ctx, const struct ws_peer *peer);
	void (*peer_remove)(void *ctx, const struct ws_peer *peer);
	/* The peer's allowed IPs changed: the sink pushes the full set (clear + add). */
	void (*peer_aips)(void *ctx, const struct ws_peer *peer);
};

struct ws_peer {
	uint32_t id; /* dense, reused after removal; the dataplane's next hop */
	char name[WS_PEER_NAME_MAX + 1];
	uint8_t public_key[WS_KEY_LEN];
	bool has_psk;
	uint8_t psk[WS_KEY_LEN];
	struct ws_endpoint endpoint;
	uint16_t persistent_keepalive;
	struct ws_prefix *aips;
	size_t n_aips, cap_aips;

	struct ws_noise_handshake hs;
	struct ws_cookie_maker cookie;
	uint64_t last_handshake_wall_ns; /* 0: never */
	uint64_t rx_bytes, tx_bytes;     /* last figures read from the dataplane */

	/* handshake retransmission (handshake.c) */
	uint64_t last_initiation_sent_ns; /* 0: never */
	uint64_t attempt_started_ns;      /* first initiation of the current attempt; 0 = idle */
	uint64_t retransmit_at_ns;        /* 0: no retransmission scheduled */
	bool in_active;                   /* listed in the engine's retransmission list */
	uint32_t kp_index[8];             /* sender indices of keypairs the dataplane holds */
	uint8_t n_kp_index;
	uint8_t dp_state; /* ws_sync_full() only: what the dataplane holds for this peer (sync.c) */
	uint8_t dp_dirty; /* changes held back while the sync defers (sync.c) */

	struct ws_peer *hash_next; /* by public key */
};

struct ws_device {
	char name[WS_IFNAME_MAX + 1];
	struct ws_noise_local local;
	uint16_t listen_port;
	uint32_t fwmark;

	struct ws_peer **peers; /* by id; NULL slots are free ids */
	uint32_t n_ids;         /* ids handed out so far (peers[0..n_ids)) */
	uint32_t n_peers;       /* live peers */
	uint32_t cap_ids;       /* room in peers and free_ids */
	uint32_t *free_ids;     /* stack of ids below n_ids to reuse */
	uint32_t n_free;
	void *aip_map;          /* prefix -> owning peer id (device.c) */
	struct ws_peer **buckets; /* public key hash table */
	uint32_t n_buckets;
	uint8_t hash_key[16];

	struct ws_device_sink sink;
};

int ws_device_init(struct ws_device *dev, const char *name);
void ws_device_destroy(struct ws_device *dev);

/*
 * Validates and applies a change. On error returns a negative errno, writes a message naming
 * the offending item to err (may be NULL), and leaves the device exactly as it was.
 */
int ws_device_apply(struct ws_device *dev, const struct ws_change *chg, char *err, size_t errlen);

struct ws_peer *ws_device_peer_by_key(const struct ws_device *dev, const uint8_t key[WS_KEY_LEN]);
struct ws_peer *ws_device_peer_by_id(const struct ws_device *dev, uint32_t id);

/* Writes the device as a YAML config file (interface and peers sections). 0 or -1. */
int ws_device_write_yaml(const struct ws_device *dev, FILE *f);

/* Calls sink for the interface and every peer, as after a dataplane (re)connects. */
void ws_device_push_all(struct ws_device *dev);

#endif
