/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control process's view of a wirespeed YAML file: the `interface` and `peers` sections
 * (the `dataplane` section belongs to the dataplane and is only checked to be a mapping here).
 * Loading validates the whole file before returning anything, so a caller either gets a complete
 * config or an error naming file, line and key, never a partial one.
 */
#ifndef WS_CONTROL_CONFIG_H
#define WS_CONTROL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ipc.h"
#include "messages.h"

enum {
	WS_IFNAME_MAX = 15,  /* as IFNAMSIZ - 1 */
	WS_PEER_NAME_MAX = 63,
	WS_CFG_ERR_MAX = 512,
};

struct ws_prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t cidr;
	uint8_t addr[16]; /* network byte order; host bits cleared as `wg` does */
};

struct ws_endpoint {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6, port set; ss_family 0 = none */
};

struct ws_cfg_peer {
	char name[WS_PEER_NAME_MAX + 1];
	uint8_t public_key[WS_KEY_LEN];
	bool has_psk;
	uint8_t psk[WS_KEY_LEN];
	struct ws_prefix *allowed_ips;
	size_t n_allowed_ips;
	struct ws_endpoint endpoint;
	uint16_t persistent_keepalive; /* seconds, 0 = off */
	unsigned int line;             /* where the peer starts, for later error messages */
};

struct ws_cfg {
	char name[WS_IFNAME_MAX + 1];
	bool has_private_key;
	uint8_t private_key[WS_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	struct ws_prefix *addresses;
	size_t n_addresses;
	struct ws_cfg_peer *peers;
	size_t n_peers;
	char control_socket[108]; /* dataplane.controlSocket, "" if not given */
};

/*
 * Loads and validates path. On error returns -1 and writes "file:line: key: what" to err.
 * The config's secrets are zeroed by ws_cfg_free().
 */
int ws_cfg_load(const char *path, struct ws_cfg *cfg, char err[WS_CFG_ERR_MAX]);
/* The same from a string (name is used in messages). */
int ws_cfg_load_string(const char *name, const char *yaml, size_t len, struct ws_cfg *cfg,
		       char err[WS_CFG_ERR_MAX]);
void ws_cfg_free(struct ws_cfg *cfg);

/* Text parsers shared with the other front ends (UAPI, JSON-RPC). 0 or -1. */
int ws_prefix_parse(struct ws_prefix *p, const char *s);
void ws_prefix_format(const struct ws_prefix *p, char *buf, size_t len);
/* Clears the host bits, so 10.0.0.7/24 routes as 10.0.0.0/24 (what `wg` shows back). */
void ws_prefix_mask(struct ws_prefix *p);
int ws_endpoint_parse(struct ws_endpoint *ep, const char *s);
void ws_endpoint_format(const struct ws_endpoint *ep, char *buf, size_t len);
/* Conversions to and from the control socket's address form. */
void ws_endpoint_to_ipc(struct ws_ipc_addr *a, const struct ws_endpoint *ep);
void ws_endpoint_from_ipc(struct ws_endpoint *ep, const struct ws_ipc_addr *a);
void ws_prefix_to_ipc(struct ws_ipc_prefix *out, const struct ws_prefix *p);

#endif
