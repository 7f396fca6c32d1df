/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server (see ctl.h): framing, HELLO, IFACE_SET and COUNTERS here; the table
 * requests in ctl_tables.c.
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "counters.h"
#include "handshake.h"
#include "tables.h"

_Static_assert(sizeof(((struct ws_ipc_counter *)0)->name) >= 32, "counter names fit");

static void disconnect(struct ws_dp_ctl *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

/* mkdir -p of the socket's directory, 0755 */
static int make_dirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0755) && errno != EEXIST ? -1 : 0;
}

int ws_dp_ctl_open(struct ws_dp_ctl *c, const char *path, uint16_t listen_port, char *err,
		   size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, rc;

	memset(c, 0, sizeof(*c));
	c->listen_fd = c->fd = -1;
	c->listen_port = listen_port;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (getrandom(&c->instance_id, sizeof(c->instance_id), 0) != sizeof(c->instance_id))
		c->instance_id = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	if (make_dirs(path)) {
		snprintf(err, errlen, "control socket %s: cannot create its directory: %s", path,
			 strerror(errno));
		return -1;
	}
	/* a socket file left by a dead dataplane is replaced; a live one is not ours to take */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		rc = fd >= 0 ? connect(fd, (struct sockaddr *)&sa, sizeof(sa)) : -1;
		if (fd >= 0)
			close(fd);
		if (rc == 0) {
			snprintf(err, errlen,
				 "control socket %s: another process is listening on it", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	old = umask(077); /* root only, like wg's UAPI sockets */
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || listen(fd, 4)) {
		close(fd);
		goto fail;
	}
	c->listen_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
	return -1;
}

static int send_msg(struct ws_dp_ctl *c, uint8_t type, uint8_t flags, uint32_t seq, int32_t status,
		    const void *body, size_t len)
{
	struct ws_ipc_hdr *h = (struct ws_ipc_hdr *)c->buf;
	ssize_t n;

	if (c->fd < 0 || len > sizeof(c->buf) - sizeof(*h))
		return -1;
	memset(h, 0, sizeof(*h));
	h->magic = WS_IPC_MAGIC;
	h->version = WS_IPC_VERSION;
	h->type = type;
	h->flags = flags;
	h->seq = seq;
	h->status = status;
	h->len = (uint32_t)(sizeof(*h) + len);
	if (len && body != c->buf + sizeof(*h))
		memcpy(c->buf + sizeof(*h), body, len);
	n = send(c->fd, c->buf, h->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)h->len)
		return -1;
	return 0;
}

void ws_dp_ctl_reply(struct ws_dp_ctl *c, const struct ws_ipc_hdr *req, int32_t status,
		     const void *body, size_t len)
{
	/* a client whose socket is full is not reading its replies: let it go */
	if (send_msg(c, req->type, WS_IPC_F_REPLY, req->seq, status, body, len))
		disconnect(c);
}

#define reply ws_dp_ctl_reply

static void counters_reply(struct ws_dp_ctl *c, const struct ws_ipc_hdr *req)
{
	static uint8_t body[sizeof(struct ws_ipc_counters_reply) +
			    WS_DP_CNT_MAX * sizeof(struct ws_ipc_counter)] __attribute__((aligned(8)));
	struct ws_ipc_counters_reply *r = (struct ws_ipc_counters_reply *)body;
	uint64_t v[WS_DP_CNT_MAX];

	memset(body, 0, sizeof(body));
	ws_dp_counters_sum_all(v);
	r->count = WS_DP_CNT_MAX;
	for (unsigned int i = 0; i < WS_DP_CNT_MAX; i++) {
		snprintf(r->entries[i].name, sizeof(r->entries[i].name), "%s",
			 ws_dp_counter_names[i]);
		r->entries[i].value = v[i];
	}
	reply(c, req, 0, body, sizeof(body));
}

static void handle(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, uint8_t *body, size_t len)
{
	struct ws_ipc_hello_reply hello = {0};
	struct ws_ipc_iface iface;

	if (h->flags & WS_IPC_F_REPLY) {
		reply(c, h, -EINVAL, NULL, 0);
		return;
	}
	switch (h->type) {
	case WS_IPC_HELLO:
		if (len != 0)
			break;
		hello.instance_id = c->instance_id;
		hello.listen_port = c->listen_port;
		hello.has_identity = c->has_identity;
		hello.minor_version = WS_IPC_MINOR;
		hello.n_peers = ws_dp_tables.n_live_peers;
		hello.n_keypairs = ws_dp_tables.n_keypairs;
		reply(c, h, 0, &hello, sizeof(hello));
		return;
	case WS_IPC_IFACE_SET:
		if (len != sizeof(iface))
			break;
		memcpy(&iface, body, sizeof(iface));
		/* the port is the dataplane's, from the shared config: it cannot move */
		if (iface.listen_port && iface.listen_port != c->listen_port) {
			reply(c, h, -EADDRINUSE, NULL, 0);
			return;
		}
		c->has_identity = iface.has_identity != 0;
		memcpy(c->public_key, iface.public_key, sizeof(c->public_key));
		ws_dp_handshake_identity(c->has_identity ? c->public_key : NULL);
		reply(c, h, 0, NULL, 0);
		return;
	case WS_IPC_COUNTERS:
		if (len != 0)
			break;
		counters_reply(c, h);
		return;
	default:
		if (ws_dp_ctl_tables(c, h, body, len))
			return;
		break;
	}
	reply(c, h, -EINVAL, NULL, 0); /* unknown type, or a body of the wrong size */
}

void ws_dp_ctl_poll(struct ws_dp_ctl *c)
{
	struct ws_dp_lcore_counters *cnt = &ws_dp_counters[rte_lcore_id()];
	/* requests are read into their own buffer: replies are built in c->buf */
	static uint8_t req[WS_IPC_MAX_MSG] __attribute__((aligned(8)));
	int fd;

	if (c->listen_fd < 0)
		return;
	while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		disconnect(c); /* one client at a time: the newest wins */
		c->fd = fd;
		ws_dp_cnt_add(cnt, WS_DP_CNT_CTL_CONNECT, 1);
	}
	/* a bounded number per call, so a chatty client cannot starve the service loop */
	for (int i = 0; i < 64 && c->fd >= 0; i++) {
		const struct ws_ipc_hdr *h = (const struct ws_ipc_hdr *)req;
		ssize_t n = recv(c->fd, req, sizeof(req), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n <= 0) { /* gone */
			disconnect(c);
			break;
		}
		if ((size_t)n > sizeof(req) || (size_t)n < sizeof(*h) || h->magic != WS_IPC_MAGIC ||
		    h->version != WS_IPC_VERSION || h->len != (uint32_t)n) {
			/* framing broken: nothing after this can be trusted */
			ws_dp_cnt_add(cnt, WS_DP_CNT_DROP_CTL_BAD_MSG, 1);
			disconnect(c);
			break;
		}
		ws_dp_cnt_add(cnt, WS_DP_CNT_CTL_REQUEST, 1);
		handle(c, h, req + sizeof(*h), (size_t)n - sizeof(*h));
	}
}

unsigned int ws_dp_ctl_fds(const struct ws_dp_ctl *c, int fds[2])
{
	unsigned int n = 0;

	if (c->listen_fd >= 0)
		fds[n++] = c->listen_fd;
	if (c->fd >= 0)
		fds[n++] = c->fd;
	return n;
}

int ws_dp_ctl_event(struct ws_dp_ctl *c, uint8_t type, const void *body, size_t len)
{
	if (c->fd < 0)
		return -1;
	if (send_msg(c, type, 0, 0, 0, body, len)) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			disconnect(c);
		return -1;
	}
	return 0;
}

void ws_dp_ctl_close(struct ws_dp_ctl *c)
{
	disconnect(c);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		c->listen_fd = -1;
		unlink(c->path);
	}
}
