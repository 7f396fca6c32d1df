/* SPDX-License-Identifier: BSD-3-Clause */
/* Control socket client: framing, request/reply matching, event queueing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "dp.h"

enum { QUEUE_MAX = 4096 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int ws_dpconn_init(struct ws_dpconn *dp, const char *path)
{
	memset(dp, 0, sizeof(*dp));
	dp->fd = -1;
	dp->timeout_ms = 2000;
	if (strlen(path) >= sizeof(dp->path))
		return -ENAMETOOLONG;
	strcpy(dp->path, path);
	return 0;
}

void ws_dpconn_close(struct ws_dpconn *dp)
{
	if (dp->fd >= 0)
		close(dp->fd);
	dp->fd = -1;
}

void ws_dpconn_destroy(struct ws_dpconn *dp)
{
	ws_dpconn_close(dp);
	if (dp->queue)
		ws_memzero(dp->queue, dp->q_cap * sizeof(*dp->queue));
	free(dp->queue);
	dp->queue = NULL;
}

static void enqueue(struct ws_dpconn *dp, uint8_t type, const void *body, size_t len)
{
	struct ws_dpconn_event *e;

	if (len > sizeof(e->body) || dp->q_len == QUEUE_MAX) {
		dp->events_dropped++;
		return;
	}
	if (dp->q_len == dp->q_cap) {
		size_t ncap = dp->q_cap ? dp->q_cap * 2 : 64;
		struct ws_dpconn_event *nq = malloc(ncap * sizeof(*nq));
		if (!nq) {
			dp->events_dropped++;
			return;
		}
		for (size_t i = 0; i < dp->q_len; i++)
			nq[i] = dp->queue[(dp->q_head + i) % dp->q_cap];
		free(dp->queue);
		dp->queue = nq;
		dp->q_cap = ncap;
		dp->q_head = 0;
	}
	e = &dp->queue[(dp->q_head + dp->q_len++) % dp->q_cap];
	e->type = type;
	e->len = (uint32_t)len;
	memcpy(e->body, body, len);
}

/*
 * Receives one message into buf. Returns its length, 0 if nothing is there (nonblocking), or
 * -1 after dropping the connection on EOF, error or a malformed message.
 */
static ssize_t recv_one(struct ws_dpconn *dp, void *buf, size_t cap, int flags)
{
	const struct ws_ipc_hdr *h = buf;
	ssize_t n;

	n = recv(dp->fd, buf, cap, flags | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n <= 0 || (size_t)n > cap || (size_t)n < sizeof(*h) || h->magic != WS_IPC_MAGIC ||
	    h->version != WS_IPC_VERSION || h->len != (uint32_t)n) {
		ws_dpconn_close(dp);
		return -1;
	}
	return n;
}

int ws_dpconn_request(struct ws_dpconn *dp, uint8_t type, const void *body, size_t len, void *reply,
		  size_t reply_cap, size_t *reply_len)
{
	static uint8_t buf[WS_IPC_MAX_MSG];
	struct ws_ipc_hdr *h = (struct ws_ipc_hdr *)buf;
	uint64_t deadline;
	uint32_t seq;

	if (dp->fd < 0)
		return -EPIPE;
	if (len > WS_IPC_MAX_MSG - sizeof(*h))
		return -EMSGSIZE;
	seq = ++dp->seq ? dp->seq : ++dp->seq;
	memset(h, 0, sizeof(*h));
	h->magic = WS_IPC_MAGIC;
	h->version = WS_IPC_VERSION;
	h->type = type;
	h->seq = seq;
	h->len = (uint32_t)(sizeof(*h) + len);
	if (len)
		memcpy(buf + sizeof(*h), body, len);
	ssize_t sent = send(dp->fd, buf, h->len, MSG_NOSIGNAL);
	ws_memzero(buf, h->len); /* keypair messages carry keys */
	if (sent != (ssize_t)(sizeof(*h) + len)) {
		ws_dpconn_close(dp);
		return -EPIPE;
	}

	deadline = now_ms() + dp->timeout_ms;
	for (;;) {
		struct pollfd pfd = { .fd = dp->fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) == 0) {
			ws_dpconn_close(dp);
			return -ETIMEDOUT;
		}
		n = recv_one(dp, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return -EPIPE;
		if (n == 0)
			continue;
		if (!(h->flags & WS_IPC_F_REPLY)) {
			enqueue(dp, h->type, buf + sizeof(*h), (size_t)n - sizeof(*h));
			continue;
		}
		if (h->seq != seq || h->type != type)
			continue; /* a late reply to a request that timed out before */
		if (reply_len)
			*reply_len = (size_t)n - sizeof(*h);
		if (reply && reply_cap) {
			size_t copy = (size_t)n - sizeof(*h);
			memcpy(reply, buf + sizeof(*h), copy < reply_cap ? copy : reply_cap);
		}
		return h->status;
	}
}

int ws_dpconn_try_connect(struct ws_dpconn *dp, struct ws_ipc_hello_reply *hello)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ws_ipc_hello_reply hr;
	size_t rlen = 0;
	int fd, fresh;

	if (dp->fd >= 0)
		return 0;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strcpy(sa.sun_path, dp->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	dp->fd = fd;
	if (ws_dpconn_request(dp, WS_IPC_HELLO, NULL, 0, &hr, sizeof(hr), &rlen) != 0 ||
	    rlen != sizeof(hr)) {
		ws_dpconn_close(dp);
		return -1;
	}
	fresh = hr.instance_id != dp->instance_id;
	dp->instance_id = hr.instance_id;
	dp->listen_port = hr.listen_port;
	dp->minor = hr.minor_version;
	if (hello)
		*hello = hr;
	return fresh;
}

void ws_dpconn_poll(struct ws_dpconn *dp)
{
	static uint8_t buf[WS_IPC_MAX_MSG];
	const struct ws_ipc_hdr *h = (const struct ws_ipc_hdr *)buf;

	while (dp->fd >= 0) {
		ssize_t n = recv_one(dp, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		if (!(h->flags & WS_IPC_F_REPLY))
			enqueue(dp, h->type, buf + sizeof(*h), (size_t)n - sizeof(*h));
	}
	/* Handlers may make requests, which may queue more events: drain until empty. */
	while (dp->q_len) {
		struct ws_dpconn_event e = dp->queue[dp->q_head];
		dp->q_head = (dp->q_head + 1) % dp->q_cap;
		dp->q_len--;
		if (dp->on_event)
			dp->on_event(dp->ctx, e.type, e.body, e.len);
		ws_memzero(&e, sizeof(e));
	}
}
