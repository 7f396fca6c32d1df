/* SPDX-License-Identifier: BSD-3-Clause */
/* Kernel UDP socket I/O for the test peer (see udp.h). */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int ws_tp_endpoint_parse(struct ws_tp_endpoint *ep, const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	uint16_t port;
	size_t n;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - s - 1);
		if (n >= sizeof(host))
			return -1;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (parse_port(close + 2, &port) ||
		    inet_pton(AF_INET6, host, &ep->addr.in6.sin6_addr) != 1)
			return -1;
		ep->addr.in6.sin6_family = AF_INET6;
		ep->addr.in6.sin6_port = htons(port);
		ep->len = sizeof(ep->addr.in6);
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon)
		return -1;
	n = (size_t)(colon - s);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (parse_port(colon + 1, &port) || inet_pton(AF_INET, host, &ep->addr.in4.sin_addr) != 1)
		return -1;
	ep->addr.in4.sin_family = AF_INET;
	ep->addr.in4.sin_port = htons(port);
	ep->len = sizeof(ep->addr.in4);
	return 0;
}

const char *ws_tp_endpoint_str(const struct ws_tp_endpoint *ep, char out[WS_TP_ENDPOINT_STRLEN])
{
	char host[INET6_ADDRSTRLEN];

	if (ep->addr.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &ep->addr.in6.sin6_addr, host, sizeof(host));
		snprintf(out, WS_TP_ENDPOINT_STRLEN, "[%s]:%u", host,
			 ntohs(ep->addr.in6.sin6_port));
	} else if (ep->addr.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->addr.in4.sin_addr, host, sizeof(host));
		snprintf(out, WS_TP_ENDPOINT_STRLEN, "%s:%u", host, ntohs(ep->addr.in4.sin_port));
	} else {
		snprintf(out, WS_TP_ENDPOINT_STRLEN, "(none)");
	}
	return out;
}

size_t ws_tp_endpoint_source(const struct ws_tp_endpoint *ep, uint8_t out[WS_COOKIE_SOURCE_MAX])
{
	if (ep->addr.sa.sa_family == AF_INET6)
		return ws_cookie_source(out, &ep->addr.in6.sin6_addr, 16,
					ntohs(ep->addr.in6.sin6_port));
	return ws_cookie_source(out, &ep->addr.in4.sin_addr, 4, ntohs(ep->addr.in4.sin_port));
}

/* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; show and bind cookies to the IPv4. */
static void unmap(struct ws_tp_endpoint *ep)
{
	struct sockaddr_in in4;

	if (ep->addr.sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&ep->addr.in6.sin6_addr))
		return;
	memset(&in4, 0, sizeof(in4));
	in4.sin_family = AF_INET;
	in4.sin_port = ep->addr.in6.sin6_port;
	memcpy(&in4.sin_addr, &ep->addr.in6.sin6_addr.s6_addr[12], 4);
	memset(&ep->addr, 0, sizeof(ep->addr));
	ep->addr.in4 = in4;
	ep->len = sizeof(in4);
}

int ws_tp_udp_open(struct ws_tp_udp *u, const struct ws_tp_endpoint *bind_to)
{
	int off = 0;

	u->family = bind_to->addr.sa.sa_family;
	u->fd = socket(u->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	if (u->family == AF_INET6 &&
	    setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) != 0)
		goto fail;
	if (bind(u->fd, &bind_to->addr.sa, bind_to->len) != 0)
		goto fail;
	return 0;
fail:
	off = -errno;
	close(u->fd);
	u->fd = -1;
	return off;
}

int ws_tp_udp_local(const struct ws_tp_udp *u, struct ws_tp_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->len = sizeof(ep->addr);
	if (getsockname(u->fd, &ep->addr.sa, &ep->len) != 0)
		return -errno;
	return 0;
}

int ws_tp_udp_set_buffers(struct ws_tp_udp *u, int bytes)
{
	if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) != 0 ||
	    setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) != 0)
		return -errno;
	return 0;
}

void ws_tp_udp_close(struct ws_tp_udp *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

int ws_tp_udp_send(struct ws_tp_udp *u, const void *buf, size_t len,
		   const struct ws_tp_endpoint *to)
{
	struct sockaddr_in6 mapped;
	const struct sockaddr *sa = &to->addr.sa;
	socklen_t salen = to->len;
	ssize_t n;

	if (u->family == AF_INET6 && to->addr.sa.sa_family == AF_INET) {
		memset(&mapped, 0, sizeof(mapped));
		mapped.sin6_family = AF_INET6;
		mapped.sin6_port = to->addr.in4.sin_port;
		mapped.sin6_addr.s6_addr[10] = 0xff;
		mapped.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&mapped.sin6_addr.s6_addr[12], &to->addr.in4.sin_addr, 4);
		sa = (const struct sockaddr *)&mapped;
		salen = sizeof(mapped);
	}
	do
		n = sendto(u->fd, buf, len, 0, sa, salen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

long ws_tp_udp_recv(struct ws_tp_udp *u, void *buf, size_t cap, struct ws_tp_endpoint *from,
		    int timeout_ms)
{
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };
	ssize_t n;
	int r;

	do
		r = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	memset(from, 0, sizeof(*from));
	from->len = sizeof(from->addr);
	n = recvfrom(u->fd, buf, cap, MSG_DONTWAIT, &from->addr.sa, &from->len);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	unmap(from);
	return (long)n;
}
