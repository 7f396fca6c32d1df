/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's end of the control socket (messages in ipc.h). Runs on the service lcore
 * only, never blocks: one listening SOCK_SEQPACKET socket, at most one client (a new connection
 * replaces the old one). Every message is validated; a client that breaks the framing is
 * disconnected, one that vanishes costs nothing. Requests whose tables do not exist yet are
 * answered -EOPNOTSUPP.
 */
#ifndef WS_DP_CTL_H
#define WS_DP_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* Owned by the service lcore: nothing else reads or writes it. */
struct ws_dp_ctl {
	int listen_fd;
	int fd; /* the client, or -1 */
	char path[108];
	uint64_t instance_id;   /* random per start: tells a reconnecting client to push all */
	uint16_t listen_port;   /* interface.listenPort */
	bool has_identity;      /* WS_IPC_IFACE_SET seen */
	uint8_t public_key[32]; /* the interface's public key (for mac1 checks, later) */
	uint8_t buf[WS_IPC_MAX_MSG] __attribute__((aligned(8))); /* replies and events */
};

/* Creates the socket (and its directory); replaces a stale socket, refuses a live one. */
int ws_dp_ctl_open(struct ws_dp_ctl *c, const char *path, uint16_t listen_port, char *err,
		   size_t errlen);
/* Accepts a client and answers its pending requests; never blocks. */
void ws_dp_ctl_poll(struct ws_dp_ctl *c);
/* The fds worth waiting on (listening socket, client), for poll(); returns how many. */
unsigned int ws_dp_ctl_fds(const struct ws_dp_ctl *c, int fds[2]);
/* Sends an event; 0 when sent, -1 when no client is connected or its socket is full. */
int ws_dp_ctl_event(struct ws_dp_ctl *c, uint8_t type, const void *body, size_t len);
/* Answers a request (from a request handler); a client that cannot take it is dropped. */
void ws_dp_ctl_reply(struct ws_dp_ctl *c, const struct ws_ipc_hdr *req, int32_t status,
		     const void *body, size_t len);
/* ctl_tables.c: the table requests (peers, allowed-ips, keypairs, handshakes, stats, dumps).
 * Returns false if h->type is not one of them. body may be scrubbed (keys). */
bool ws_dp_ctl_tables(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, uint8_t *body,
		      size_t len);
/* Closes everything and removes the socket file. */
void ws_dp_ctl_close(struct ws_dp_ctl *c);

#endif
