/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's view of the YAML config file: the `dataplane:` section plus the two
 * `interface:` keys it needs (name, listenPort). Loading validates everything before the
 * caller applies anything; errors name file, line and key. Pure C (libyaml only, no DPDK) so
 * it is unit-tested without EAL. The schema is documented in config/dataplane.md.
 */
#ifndef WS_DP_CONFIG_H
#define WS_DP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	WS_DP_MAX_PORTS = 8,
	WS_DP_MAX_LCORES = 128,    /* == RTE_MAX_LCORE of the Debian build */
	WS_DP_MAX_EXTRA_ARGS = 32,
	WS_DP_MAX_SOCKETS = 8,
	WS_DP_NAME_LEN = 16,       /* IFNAMSIZ: port names also name their exception TAP */
	WS_DP_DEVICE_LEN = 256,
	WS_DP_PATH_LEN = 108,      /* sun_path */
	WS_DP_ERR_LEN = 512,
	WS_DP_MAX_STATIC_NEIGH = 64, /* static neighbours per lan port */
};

enum ws_dp_mode {
	WS_DP_MODE_HOST,    /* decrypted traffic goes up a TAP named interface.name */
	WS_DP_MODE_GATEWAY, /* decrypted traffic goes out a lan port */
};

enum ws_dp_role {
	WS_DP_ROLE_WAN,
	WS_DP_ROLE_LAN,
};

enum ws_dp_fib_kind {
	WS_DP_FIB_AUTO,    /* dir24_8/trie when eal.memoryMB >= 512, rib otherwise */
	WS_DP_FIB_DIR24_8, /* rte_fib DIR24_8 + rte_fib6 TRIE: fast, 64+ MB */
	WS_DP_FIB_RIB,     /* rte_fib DUMMY (RIB lookups): small, slower */
};

enum ws_dp_lcore_mode {
	WS_DP_LCORES_RTC,      /* each worker: rx, classify, crypto, tx */
	WS_DP_LCORES_PIPELINE, /* io lcores steer by flow hash over rings to crypto lcores */
};

/* An address with an optional prefix length; family 0 means "not configured". */
struct ws_dp_addr {
	int family; /* AF_INET, AF_INET6 or 0 */
	uint8_t prefix;
	uint8_t bytes[16]; /* network order; IPv4 uses the first 4 */
};

/* A static LAN neighbour: its MAC is configured, never learned, probed or expired. */
struct ws_dp_neigh_cfg {
	struct ws_dp_addr addr; /* prefix: full length */
	uint8_t mac[6];
	unsigned int line;
};

struct ws_dp_port_cfg {
	char name[WS_DP_NAME_LEN];
	enum ws_dp_role role;
	char device[WS_DP_DEVICE_LEN]; /* PCI address or vdev spec "net_xxx0,k=v,..." */
	bool is_pci;
	/* `address:` one CIDR or a list with at most one per family; family 0 = not set */
	struct ws_dp_addr ip4;
	struct ws_dp_addr ip6;
	/* `gateway:` likewise, each needing an address of its family */
	struct ws_dp_addr gw4;
	struct ws_dp_addr gw6;
	/* `neighbours:` (lan ports only), each on the link of the port's address of its family */
	struct ws_dp_neigh_cfg neigh[WS_DP_MAX_STATIC_NEIGH];
	unsigned int n_neigh;
	uint16_t rx_queues;
	uint16_t tx_queues; /* 0 in the file means "one per data lcore" (resolved at load) */
	uint16_t rx_desc;
	uint16_t tx_desc;
	unsigned int line; /* where the port is defined, for later error messages */
};

struct ws_dp_lcores_cfg {
	unsigned int service;
	enum ws_dp_lcore_mode mode;
	unsigned int workers[WS_DP_MAX_LCORES]; /* run-to-completion */
	unsigned int n_workers;
	unsigned int io[WS_DP_MAX_LCORES]; /* pipeline */
	unsigned int n_io;
	unsigned int crypto[WS_DP_MAX_LCORES];
	unsigned int n_crypto;
};

struct ws_dp_config {
	char path[WS_DP_PATH_LEN * 4];
	/* interface: (owned by the control process; the dataplane reads two keys) */
	char ifname[WS_DP_NAME_LEN];
	uint16_t listen_port;
	/* dataplane: */
	enum ws_dp_mode mode;
	struct {
		char file_prefix[64];
		unsigned int memory_mb;
		unsigned int socket_mem[WS_DP_MAX_SOCKETS]; /* MB per socket; n_socket_mem 0 = unused */
		unsigned int n_socket_mem;
		bool no_huge;
		char extra_args[WS_DP_MAX_EXTRA_ARGS][WS_DP_DEVICE_LEN];
		unsigned int n_extra_args;
	} eal;
	struct ws_dp_port_cfg ports[WS_DP_MAX_PORTS];
	unsigned int n_ports;
	struct ws_dp_lcores_cfg lcores;
	struct {
		unsigned int mbufs;
		unsigned int cache;
		unsigned int mbuf_size; /* data room including headroom */
	} mempool;
	unsigned int burst;
	char control_socket[WS_DP_PATH_LEN];
	struct {
		unsigned int max_peers;       /* peer ids are 0..max_peers-1 */
		unsigned int max_allowed_ips; /* prefixes per address family */
		enum ws_dp_fib_kind fib;
	} tables;
	char crypto[32]; /* ws_cb_engine_create() backend name */
	unsigned int under_load_queue; /* handshakes queued from which on mac2 is required */
};

/* Fills cfg with the documented defaults (no ports). */
void ws_dp_config_defaults(struct ws_dp_config *cfg);

/*
 * Loads and validates path. On error returns -1 and writes one line
 * "FILE:LINE: KEY: what was wrong" into err (errlen bytes); cfg is then unusable.
 */
int ws_dp_config_load(struct ws_dp_config *cfg, const char *path, char *err, size_t errlen);

/* Same, from a string in memory; name stands for the file name in messages. */
int ws_dp_config_parse(struct ws_dp_config *cfg, const char *name, const char *text, size_t len,
		       char *err, size_t errlen);

/* Number of lcores that poll ports (and therefore need their own tx queue on every port). */
unsigned int ws_dp_config_data_lcores(const struct ws_dp_config *cfg);

/* The WAN port (exactly one after a successful load). */
const struct ws_dp_port_cfg *ws_dp_config_wan(const struct ws_dp_config *cfg);

/*
 * EAL argument vector: argv[0], then the arguments derived from cfg, merged with the raw EAL
 * arguments the user gave before `--` (raw wins: a raw option of a class replaces the derived
 * options of that class; see config/dataplane.md). The strings live in *args.
 */
struct ws_dp_eal_args {
	int argc;
	char *argv[128 + WS_DP_MAX_EXTRA_ARGS + 2 * WS_DP_MAX_PORTS];
	char store[16384];
	size_t used;
};

int ws_dp_config_eal_args(const struct ws_dp_config *cfg, const char *argv0, int raw_argc,
			  char *const raw_argv[], struct ws_dp_eal_args *args, char *err,
			  size_t errlen);

/* True if the EAL arguments (derived or raw) ask for --no-huge. */
bool ws_dp_eal_args_no_huge(const struct ws_dp_eal_args *args);

#endif
