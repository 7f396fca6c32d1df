/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test peer's outer I/O for now: one kernel UDP socket (IPv4 or IPv6), receives bounded by a
 * timeout. The DPDK traffic generator will replace this file, not the session or packet code.
 */
#ifndef WS_TP_UDP_H
#define WS_TP_UDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cookie.h"

/* An outer endpoint. */
struct ws_tp_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr;
	socklen_t len;
};

enum { WS_TP_ENDPOINT_STRLEN = 64 };

/* Parses "A.B.C.D:PORT" or "[IPV6]:PORT" (numeric only: tests must not depend on DNS). 0 or -1. */
int ws_tp_endpoint_parse(struct ws_tp_endpoint *ep, const char *s);
const char *ws_tp_endpoint_str(const struct ws_tp_endpoint *ep, char out[WS_TP_ENDPOINT_STRLEN]);
/* The cookie "source" of an endpoint (IPv4-mapped IPv6 counts as IPv4); its length. */
size_t ws_tp_endpoint_source(const struct ws_tp_endpoint *ep,
			     uint8_t out[WS_COOKIE_SOURCE_MAX]);

struct ws_tp_udp {
	int fd;
	sa_family_t family;
};

/* Binds a socket to ep (port 0: any). An IPv6 socket also reaches IPv4 peers. 0 or -errno. */
int ws_tp_udp_open(struct ws_tp_udp *u, const struct ws_tp_endpoint *bind_to);
/* The address the socket is bound to (to learn an ephemeral port). 0 or -errno. */
int ws_tp_udp_local(const struct ws_tp_udp *u, struct ws_tp_endpoint *ep);
void ws_tp_udp_close(struct ws_tp_udp *u);
/*
 * Asks for socket buffers of this many bytes each way (the kernel caps them at rmem_max /
 * wmem_max), so bursts of replies are not dropped before we read them. 0 or -errno.
 */
int ws_tp_udp_set_buffers(struct ws_tp_udp *u, int bytes);

/* Sends one datagram. 0 or -errno. */
int ws_tp_udp_send(struct ws_tp_udp *u, const void *buf, size_t len,
		   const struct ws_tp_endpoint *to);

/*
 * Waits at most timeout_ms for one datagram. Returns its length (0 is a valid empty datagram),
 * -ETIMEDOUT, or another -errno. IPv4-mapped sources are reported as IPv4.
 */
long ws_tp_udp_recv(struct ws_tp_udp *u, void *buf, size_t cap, struct ws_tp_endpoint *from,
		    int timeout_ms);

#endif
