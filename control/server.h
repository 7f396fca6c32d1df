/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control process's local sockets: the WireGuard UAPI socket that `wg` talks to
 * (/var/run/wireguard/<iface>.sock) and the JSON-RPC socket. Both are unix stream sockets,
 * root only, served from the main loop with non-blocking connections and bounded buffers.
 */
#ifndef WS_CONTROL_SERVER_H
#define WS_CONTROL_SERVER_H

#include <poll.h>
#include <stddef.h>

#include "control.h"

enum ws_srv_kind { WS_SRV_UAPI, WS_SRV_RPC };

struct ws_srv_conn {
	int fd;
	enum ws_srv_kind kind;
	char *buf;
	size_t len, cap;
};

struct ws_server {
	struct ws_control *ctl;
	int uapi_fd, rpc_fd;
	char uapi_path[108], rpc_path[108];
	struct ws_srv_conn *conns;
	size_t n_conns, cap_conns;
	struct ws_rpc_server rpc;
};

/* Creates both listening sockets (a NULL path skips one). 0 or -errno with a message on stderr. */
int ws_server_open(struct ws_server *srv, struct ws_control *ctl, const char *uapi_path,
		   const char *rpc_path);
void ws_server_close(struct ws_server *srv);

/* Appends the server's pollfds; returns how many. */
size_t ws_server_pollfds(struct ws_server *srv, struct pollfd *pfds, size_t max);
/* Handles the revents of the pollfds it appended at pfds. */
void ws_server_handle(struct ws_server *srv, const struct pollfd *pfds, size_t n);

#endif
