/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line options of ws-testpeer and loading of the key material they point to. */
#ifndef WS_TP_OPTIONS_H
#define WS_TP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"
#include "packet.h"
#include "udp.h"

enum { WS_TP_MAX_ADDRS = 2 }; /* one IPv4 and one IPv6 */

struct ws_tp_options {
	uint8_t private_key[WS_KEY_LEN]; /* secret: zeroed by ws_tp_options_clear() */
	uint8_t peer_public[WS_KEY_LEN];
	uint8_t psk[WS_KEY_LEN];         /* secret */
	bool has_psk;

	struct ws_tp_endpoint listen;
	struct ws_tp_endpoint endpoint;
	bool has_endpoint;
	bool initiate; /* else respond */

	struct ws_tp_ipaddr inner[WS_TP_MAX_ADDRS];  /* our tunnel addresses */
	unsigned int n_inner;
	struct ws_tp_ipaddr target[WS_TP_MAX_ADDRS]; /* whom --ping pings */
	unsigned int n_target;

	unsigned int ping;         /* echo requests per target, each needing its reply */
	unsigned int answer_pings; /* echo requests we must answer before going on */
	bool answer_any;           /* --answer-pings given: keep answering in later steps too */
	bool expect_keepalive;
	unsigned int flood;        /* bogus initiations sent first, to put the peer under load */
	bool expect_cookie;        /* the handshake must go through a cookie reply */
	unsigned int timeout_s;
	unsigned int retry_ms;     /* handshake initiation retransmit interval */
	unsigned int ping_wait_ms; /* how long each echo reply may take */
	unsigned int mtu;
};

/* Parses argv and loads keys. 0, or -1 after printing why (exit status 2). */
int ws_tp_options_parse(struct ws_tp_options *o, int argc, char **argv);
void ws_tp_options_clear(struct ws_tp_options *o);

#endif
