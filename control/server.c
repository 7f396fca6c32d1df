/* SPDX-License-Identifier: BSD-3-Clause */
/* UAPI and JSON-RPC socket servers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "crypto.h"
#include "server.h"
#include "uapi.h"

enum {
	MAX_CONNS = 64,
	MAX_REQUEST = 64 << 20, /* a setconf of ~100k peers fits; beyond, use config_load */
};

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A stale socket from a killed process would make bind fail; a live one is refused. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	old = umask(0077); /* root only, as wireguard-go creates its UAPI socket */
	e = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
	umask(old);
	if (e || listen(fd, 16) != 0) {
		e = e ? e : -errno;
		close(fd);
		return e;
	}
	return fd;
}

int ws_server_open(struct ws_server *srv, struct ws_control *ctl, const char *uapi_path,
		   const char *rpc_path)
{
	memset(srv, 0, sizeof(*srv));
	srv->ctl = ctl;
	srv->uapi_fd = srv->rpc_fd = -1;
	srv->rpc = (struct ws_rpc_server){ ws_control_rpc_methods, ws_control_rpc_n_methods, ctl };
	if (uapi_path) {
		char dir[108];
		snprintf(dir, sizeof(dir), "%s", uapi_path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0755);
		}
		srv->uapi_fd = listen_on(uapi_path);
		if (srv->uapi_fd < 0) {
			fprintf(stderr, "wirespeed-control: cannot listen on %s: %s\n", uapi_path,
				strerror(-srv->uapi_fd));
			return srv->uapi_fd;
		}
		snprintf(srv->uapi_path, sizeof(srv->uapi_path), "%s", uapi_path);
	}
	if (rpc_path) {
		char dir[108];
		snprintf(dir, sizeof(dir), "%s", rpc_path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0755);
		}
		srv->rpc_fd = listen_on(rpc_path);
		if (srv->rpc_fd < 0) {
			int e = srv->rpc_fd;
			fprintf(stderr, "wirespeed-control: cannot listen on %s: %s\n", rpc_path,
				strerror(-e));
			ws_server_close(srv);
			return e;
		}
		snprintf(srv->rpc_path, sizeof(srv->rpc_path), "%s", rpc_path);
	}
	return 0;
}

static void conn_drop(struct ws_server *srv, size_t i)
{
	struct ws_srv_conn *c = &srv->conns[i];

	close(c->fd);
	if (c->buf)
		ws_memzero(c->buf, c->cap); /* a set request may carry keys */
	free(c->buf);
	srv->conns[i] = srv->conns[--srv->n_conns];
}

void ws_server_close(struct ws_server *srv)
{
	while (srv->n_conns)
		conn_drop(srv, 0);
	free(srv->conns);
	if (srv->uapi_fd >= 0) {
		close(srv->uapi_fd);
		unlink(srv->uapi_path);
	}
	if (srv->rpc_fd >= 0) {
		close(srv->rpc_fd);
		unlink(srv->rpc_path);
	}
	srv->conns = NULL;
	srv->uapi_fd = srv->rpc_fd = -1;
}

size_t ws_server_pollfds(struct ws_server *srv, struct pollfd *pfds, size_t max)
{
	size_t n = 0;

	if (n < max)
		pfds[n++] = (struct pollfd){ .fd = srv->uapi_fd, .events = POLLIN };
	if (n < max)
		pfds[n++] = (struct pollfd){ .fd = srv->rpc_fd, .events = POLLIN };
	for (size_t i = 0; i < srv->n_conns && n < max; i++)
		pfds[n++] = (struct pollfd){ .fd = srv->conns[i].fd, .events = POLLIN };
	return n;
}

/* Writes all of buf, waiting a bounded time for a slow reader. */
static int write_all(int fd, const char *buf, size_t len)
{
	for (int tries = 0; len && tries < 1000;) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		poll(&p, 1, 10);
		tries++;
	}
	return len ? -1 : 0;
}

static int reply_errno(int fd, int e)
{
	char out[32];
	int n = snprintf(out, sizeof(out), "errno=%d\n\n", e);
	return write_all(fd, out, (size_t)n);
}

/* One UAPI request: the text up to and including the blank line. */
static int uapi_request(struct ws_server *srv, int fd, char *req, size_t len)
{
	struct ws_control *ctl = srv->ctl;
	char err[256];
	size_t n;
	int ret;

	if (len >= 6 && !memcmp(req, "get=1\n", 6)) {
		if (len != 7) /* get takes no arguments */
			return reply_errno(fd, EINVAL);
		ws_sync_stats(&ctl->sync);
		char *out = ws_uapi_format_get(&ctl->dev, &n);
		if (!out)
			return reply_errno(fd, ENOMEM);
		ret = write_all(fd, out, n);
		ws_memzero(out, n);
		free(out);
		return ret;
	}
	if (len >= 6 && !memcmp(req, "set=1\n", 6)) {
		struct ws_change chg;
		ret = ws_uapi_parse_set(req + 6, len - 6, &chg, err, sizeof(err));
		if (ret == 0) {
			ws_sync_defer(&ctl->sync);
			ret = ws_control_apply(ctl, &chg, err, sizeof(err));
			ws_sync_flush(&ctl->sync);
			ws_change_free(&chg);
		}
		if (ret)
			fprintf(stderr, "wirespeed-control: uapi set refused: %s\n", err);
		return reply_errno(fd, ret);
	}
	return reply_errno(fd, EINVAL);
}

static void conn_input(struct ws_server *srv, size_t i)
{
	struct ws_srv_conn *c = &srv->conns[i];
	bool eof = false;

	for (;;) {
		if (c->cap - c->len < 4096) {
			size_t ncap = c->cap ? c->cap * 2 : 16384;
			char *nb;
			if (ncap > MAX_REQUEST) {
				conn_drop(srv, i);
				return;
			}
			nb = malloc(ncap);
			if (!nb) {
				conn_drop(srv, i);
				return;
			}
			if (c->buf) {
				memcpy(nb, c->buf, c->len);
				ws_memzero(c->buf, c->cap);
				free(c->buf);
			}
			c->buf = nb;
			c->cap = ncap;
		}
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, MSG_DONTWAIT);
		if (n == 0) { /* half-closed after the request (nc -N, socat): still answer it */
			eof = true;
			break;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			conn_drop(srv, i);
			return;
		}
		if (n < 0)
			break;
		c->len += (size_t)n;
	}
	c->buf[c->len] = '\0';

	/* Handle every complete request in the buffer. */
	size_t done = 0;
	for (;;) {
		char *start = c->buf + done;
		size_t avail = c->len - done;
		if (!avail)
			break;
		if (c->kind == WS_SRV_UAPI) {
			char *end = memmem(start, avail, "\n\n", 2);
			if (!end && avail == 1 && start[0] == '\n')
				end = start - 1; /* a lone blank line: an empty request */
			if (!end)
				break;
			size_t reqlen = (size_t)(end - start) + 2;
			if (uapi_request(srv, c->fd, start, reqlen) != 0) {
				conn_drop(srv, i);
				return;
			}
			done += reqlen;
		} else {
			size_t used = 0;
			/* a batch's changes reach the dataplane together, before the reply */
			ws_sync_defer(&srv->ctl->sync);
			char *out = ws_rpc_handle(&srv->rpc, start, avail, &used);
			ws_sync_flush(&srv->ctl->sync);
			if (out) {
				int w = write_all(c->fd, out, strlen(out));
				free(out);
				if (w) {
					conn_drop(srv, i);
					return;
				}
			}
			if (!used)
				break;
			done += used;
		}
	}
	if (eof) {
		static const char trunc[] = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32700,"
					    "\"message\":\"parse error: the input ends inside a "
					    "JSON value\"},\"id\":null}\n";
		if (c->kind == WS_SRV_RPC && done < c->len)
			(void)write_all(c->fd, trunc, sizeof(trunc) - 1);
		conn_drop(srv, i);
		return;
	}
	if (done) {
		memmove(c->buf, c->buf + done, c->len - done);
		ws_memzero(c->buf + c->len - done, done);
		c->len -= done;
	}
}

static void accept_on(struct ws_server *srv, int lfd, enum ws_srv_kind kind)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (srv->n_conns == MAX_CONNS) {
			close(fd);
			continue;
		}
		if (srv->n_conns == srv->cap_conns) {
			size_t ncap = srv->cap_conns ? srv->cap_conns * 2 : 8;
			struct ws_srv_conn *nc = realloc(srv->conns, ncap * sizeof(*nc));
			if (!nc) {
				close(fd);
				return;
			}
			srv->conns = nc;
			srv->cap_conns = ncap;
		}
		srv->conns[srv->n_conns++] = (struct ws_srv_conn){ .fd = fd, .kind = kind };
	}
}

void ws_server_handle(struct ws_server *srv, const struct pollfd *pfds, size_t n)
{
	size_t nconn = n >= 2 ? n - 2 : 0;

	/* Connections first (their indices match pfds), from the end so drops keep order. */
	for (size_t k = nconn; k-- > 0;) {
		if (k < srv->n_conns && pfds[2 + k].revents && pfds[2 + k].fd == srv->conns[k].fd)
			conn_input(srv, k);
	}
	if (n >= 1 && (pfds[0].revents & POLLIN))
		accept_on(srv, srv->uapi_fd, WS_SRV_UAPI);
	if (n >= 2 && (pfds[1].revents & POLLIN))
		accept_on(srv, srv->rpc_fd, WS_SRV_RPC);
}
