/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control process's end of the dataplane control socket (dataplane/ipc.h). Requests are
 * synchronous with a bounded wait; events that arrive meanwhile are queued and handed to the
 * event callback from ws_dpconn_poll(), never from inside a request, so handlers may issue requests.
 * Any socket error or timeout drops the connection; the owner reconnects with
 * ws_dpconn_try_connect() and, when the dataplane is a new instance, pushes everything again.
 */
#ifndef WS_CONTROL_DP_H
#define WS_CONTROL_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

struct ws_dpconn_event {
	uint8_t type;
	uint32_t len;
	uint8_t body[sizeof(struct ws_ipc_handshake)];
};

struct ws_dpconn {
	char path[108];
	int fd; /* -1: not connected */
	uint32_t seq;
	uint64_t instance_id; /* of the dataplane we last spoke to; 0 = none yet */
	uint16_t listen_port; /* the UDP port that dataplane serves (its HELLO); 0 = unknown */
	uint8_t minor;        /* its WS_IPC_MINOR: 1 and up take batched requests */
	unsigned int timeout_ms;
	struct ws_dpconn_event *queue;
	size_t q_head, q_len, q_cap;
	uint64_t events_dropped;
	void *ctx;
	void (*on_event)(void *ctx, uint8_t type, const void *body, size_t len);
};

int ws_dpconn_init(struct ws_dpconn *dp, const char *path);
void ws_dpconn_close(struct ws_dpconn *dp);
void ws_dpconn_destroy(struct ws_dpconn *dp);

/*
 * One connection attempt. Returns 1 if connected to a dataplane instance we have not spoken to
 * before (or after it restarted), 0 if connected to the same instance again, -1 if not
 * connected (the dataplane is not up yet). hello, if not NULL, receives the dataplane's hello.
 */
int ws_dpconn_try_connect(struct ws_dpconn *dp, struct ws_ipc_hello_reply *hello);

static inline bool ws_dpconn_connected(const struct ws_dpconn *dp)
{
	return dp->fd >= 0;
}

/*
 * Sends a request and waits for its reply. Returns the reply's status (0 or -errno), or -EPIPE
 * / -ETIMEDOUT after dropping the connection. reply/reply_cap receive the reply body (may be
 * NULL); *reply_len its length.
 */
int ws_dpconn_request(struct ws_dpconn *dp, uint8_t type, const void *body, size_t len, void *reply,
		  size_t reply_cap, size_t *reply_len);

/* Reads whatever is readable without blocking and delivers queued and new events. */
void ws_dpconn_poll(struct ws_dpconn *dp);

#endif
