/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket between the dataplane and the control process: one unix SOCK_SEQPACKET
 * connection carrying small, versioned binary messages, one per datagram, in host byte order
 * (both ends are on one machine). Both processes include this header and nothing else of each
 * other: the dataplane never trusts the control process's memory and validates every message
 * (magic, version, length against the type's exact size), and the control process can die at
 * any moment without disturbing forwarding.
 *
 * Requests (control -> dataplane) carry a sequence number and get exactly one reply of the same
 * type with WS_IPC_F_REPLY set, the same seq, and status 0 or a negative errno. Events
 * (dataplane -> control) have seq 0 and no reply. The dataplane accepts one control client at a
 * time; a new connection replaces the old one.
 *
 * Peers are named by a peer id the control process chooses (small dense integers, the next hop
 * in the dataplane's allowed-ips tables); the public key travels with the peer only so that a
 * restarted control process can match the dataplane's peers to its config (WS_IPC_DUMP).
 */
#ifndef WS_IPC_H
#define WS_IPC_H

#include <stdint.h>

#define WS_IPC_MAGIC 0x43505357u /* "WSPC" */
#define WS_IPC_VERSION 1
/*
 * Additions that keep the framing and every existing message as they were raise the minor
 * version, which the dataplane reports in its HELLO reply (0 in a dataplane older than the
 * field). 1: WS_IPC_PEER_SET_BATCH and WS_IPC_ALLOWEDIPS_BATCH.
 */
#define WS_IPC_MINOR 1

enum {
	WS_IPC_MAX_MSG = 65536,
	WS_IPC_HANDSHAKE_MAX = 148, /* the largest handshake message */
	WS_IPC_PEER_NONE = UINT32_MAX,
	WS_IPC_COUNTER_NAME_MAX = 48,
};

enum ws_ipc_type {
	/* requests */
	WS_IPC_HELLO = 1,          /* -> ws_ipc_hello_reply */
	WS_IPC_IFACE_SET = 2,      /* ws_ipc_iface */
	WS_IPC_PEER_SET = 3,       /* ws_ipc_peer: create or update */
	WS_IPC_PEER_REMOVE = 4,    /* ws_ipc_peer_ref */
	WS_IPC_ALLOWEDIPS = 5,     /* ws_ipc_allowedips + entries */
	WS_IPC_KEYPAIR_ADD = 6,    /* ws_ipc_keypair */
	WS_IPC_HANDSHAKE_SEND = 7, /* ws_ipc_handshake */
	WS_IPC_STATS = 8,          /* ws_ipc_page -> ws_ipc_stats_reply + entries */
	WS_IPC_COUNTERS = 9,       /* no body -> ws_ipc_counters_reply + entries */
	WS_IPC_DUMP = 10,          /* ws_ipc_page -> ws_ipc_dump_reply + entries */
	WS_IPC_ALLOWEDIPS_DUMP = 11, /* ws_ipc_page (first = peer id) -> ws_ipc_allowedips + entries */
	/* minor 1 */
	WS_IPC_PEER_SET_BATCH = 12,   /* ws_ipc_batch + ws_ipc_peer[] -> ws_ipc_batch_reply */
	WS_IPC_ALLOWEDIPS_BATCH = 13, /* ws_ipc_batch + ws_ipc_aip_item[] -> ws_ipc_batch_reply */

	/* events */
	WS_IPC_EV_HANDSHAKE_RX = 64,     /* ws_ipc_handshake: a type 1/2/3 message that passed */
	WS_IPC_EV_HANDSHAKE_NEEDED = 65, /* ws_ipc_peer_ref: data waiting, no usable keypair */
	WS_IPC_EV_REKEY_NEEDED = 66,     /* ws_ipc_peer_ref: current keypair getting old */
	WS_IPC_EV_KEYPAIR_CONFIRMED = 67, /* ws_ipc_keypair_ref: first data on a responder keypair */
	WS_IPC_EV_KEYPAIR_FREED = 68,    /* ws_ipc_keypair_ref: zeroed, its index may be reused */
	WS_IPC_EV_ENDPOINT = 69,         /* ws_ipc_endpoint: roaming moved a peer */
};

enum ws_ipc_flags {
	WS_IPC_F_REPLY = 1 << 0,
};

struct ws_ipc_hdr {
	uint32_t magic;
	uint16_t version;
	uint8_t type;
	uint8_t flags;
	uint32_t seq;
	int32_t status; /* replies: 0 or -errno */
	uint32_t len;   /* whole message, header included */
	uint32_t reserved;
};

/* An IP address and UDP port; family 0 means "none". */
struct ws_ipc_addr {
	uint8_t family; /* 0, AF_INET (2) or AF_INET6 (10) */
	uint8_t reserved;
	uint16_t port;  /* network byte order */
	uint8_t addr[16];
};

struct ws_ipc_hello_reply {
	uint64_t instance_id; /* random per dataplane start: a change means "push everything" */
	uint32_t n_peers;
	uint32_t n_keypairs;
	uint16_t listen_port;
	uint8_t has_identity;
	uint8_t minor_version; /* WS_IPC_MINOR of the dataplane; 0 before minor 1 */
	uint8_t reserved[4];
};

struct ws_ipc_iface {
	uint8_t public_key[32]; /* for mac1 checks and cookie replies; never the private key */
	uint8_t has_identity;
	uint8_t reserved;
	uint16_t listen_port;
	uint32_t reserved2;
};

enum ws_ipc_peer_flags {
	WS_IPC_PEER_F_ENDPOINT = 1 << 0, /* set the endpoint (family 0 clears it) */
};

struct ws_ipc_peer {
	uint32_t peer_id;
	uint16_t persistent_keepalive; /* seconds, 0 = off */
	uint8_t flags;
	uint8_t reserved;
	uint8_t public_key[32];
	struct ws_ipc_addr endpoint;
};

struct ws_ipc_peer_ref {
	uint32_t peer_id;
	uint32_t reserved;
};

enum ws_ipc_allowedips_op {
	WS_IPC_AIP_ADD = 1,   /* entries move to this peer (a prefix has one owner) */
	WS_IPC_AIP_DEL = 2,   /* entries leave this peer if it owns them */
	WS_IPC_AIP_CLEAR = 3, /* every prefix of this peer goes; no entries */
};

struct ws_ipc_prefix {
	uint8_t family;
	uint8_t cidr;
	uint8_t reserved[2];
	uint8_t addr[16];
};

struct ws_ipc_allowedips {
	uint32_t peer_id;
	uint8_t op;
	uint8_t reserved[3];
	uint32_t count;
	uint32_t reserved2;
	struct ws_ipc_prefix entries[];
};

struct ws_ipc_keypair {
	uint32_t peer_id;
	uint32_t local_index;  /* receiver index on packets to us */
	uint32_t remote_index; /* receiver index we send with */
	uint8_t initiator;     /* 1: usable for sending at once; 0: only after the peer used it */
	uint8_t reserved[3];
	uint8_t send_key[32];
	uint8_t recv_key[32];
};

struct ws_ipc_keypair_ref {
	uint32_t peer_id;
	uint32_t local_index;
};

struct ws_ipc_handshake {
	uint32_t peer_id;         /* send: to this peer's endpoint unless addr is set; rx: unknown */
	struct ws_ipc_addr addr;  /* send: destination (family 0 = peer's endpoint); rx: source */
	uint8_t under_load;       /* rx: the dataplane was under load and mac2 was valid */
	uint8_t reserved;
	uint16_t len;
	uint8_t packet[WS_IPC_HANDSHAKE_MAX];
};

struct ws_ipc_endpoint {
	uint32_t peer_id;
	uint32_t reserved;
	struct ws_ipc_addr endpoint;
};

struct ws_ipc_page {
	uint32_t first; /* first peer id to report */
	uint32_t max;   /* at most this many entries */
};

struct ws_ipc_peer_stats {
	uint32_t peer_id;
	uint32_t reserved;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_packets, tx_packets;
	uint64_t last_rx_age_ns; /* UINT64_MAX: never */
	struct ws_ipc_addr endpoint;
};

struct ws_ipc_stats_reply {
	uint32_t count;
	uint32_t next; /* next peer id to ask for, WS_IPC_PEER_NONE when done */
	struct ws_ipc_peer_stats entries[];
};

struct ws_ipc_counter {
	char name[WS_IPC_COUNTER_NAME_MAX];
	uint64_t value;
};

struct ws_ipc_counters_reply {
	uint32_t count;
	uint32_t reserved;
	struct ws_ipc_counter entries[];
};

struct ws_ipc_dump_keypair {
	uint32_t local_index;
	uint32_t remote_index;
	uint64_t age_ns;
	uint8_t initiator;
	uint8_t slot; /* 0 current, 1 previous, 2 next */
	uint8_t reserved[6];
};

struct ws_ipc_dump_peer {
	struct ws_ipc_peer peer;
	uint32_t n_allowedips;
	uint32_t n_keypairs;
	struct ws_ipc_dump_keypair keypairs[3];
};

struct ws_ipc_dump_reply {
	uint32_t count;
	uint32_t next;
	struct ws_ipc_dump_peer entries[];
};

/*
 * Batches (minor 1): many items in one message, each item validated exactly as the single
 * request would be (WS_IPC_PEER_SET, WS_IPC_ALLOWEDIPS). Every item is validated before any is
 * applied: one invalid item fails the whole batch with -EINVAL, done = 0 and first_bad naming
 * it, and nothing changes. After validation items apply in order; should one still fail (e.g.
 * -ENOSPC: the allowed-ips table is full), the reply's status is its error, done says how many
 * items before it were applied and stay applied, and none after it is attempted. count must be
 * 1..WS_IPC_BATCH_MAX and the message exactly header + count items.
 */
enum {
	WS_IPC_BATCH_MAX = 4096,
};

struct ws_ipc_batch {
	uint32_t count;
	uint32_t reserved;
};

/* One allowed-ips operation: ADD / DEL of one prefix, or CLEAR (prefix all zero). */
struct ws_ipc_aip_item {
	uint32_t peer_id;
	uint8_t op; /* enum ws_ipc_allowedips_op */
	uint8_t reserved[3];
	struct ws_ipc_prefix prefix;
};

struct ws_ipc_batch_reply {
	uint32_t done;      /* items applied, from the first */
	uint32_t first_bad; /* the item that failed, when status != 0 */
};

#endif
