/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-gen command-line options (everything after the EAL's "--") and the small parsers they need:
 * IPv4 CIDR, IP:PORT, MAC. Pure: no EAL, so tests/gen checks them without a port.
 */
#ifndef WS_GEN_OPTIONS_H
#define WS_GEN_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "messages.h"

enum {
	WS_GEN_MIN_SIZE = 28,	/* inner IPv4 + UDP headers */
	WS_GEN_MAX_SIZE = 1420, /* WireGuard's default tunnel MTU: the outer frame stays <= 1514 */
	WS_GEN_MAX_PEERS = 1 << 20,
	WS_GEN_MAX_BURST = 256,
};

struct ws_gen_options {
	uint32_t peers;
	const char *keys_file;	     /* private keys, one base64 per line; else generated */
	const char *write_keys_file; /* where to save generated private keys (mode 0600) */
	uint8_t server_public[WS_KEY_LEN];
	bool has_server_key;
	uint8_t psk[WS_KEY_LEN]; /* secret: zeroed by ws_gen_options_clear() */
	bool has_psk;
	const char *psk_file;

	uint32_t server_ip; /* host byte order, like every address below */
	uint16_t server_port;
	bool has_server;
	uint32_t src_net; /* outer source addresses: one per peer, then wrap */
	unsigned int src_plen;
	uint16_t src_port; /* first outer UDP source port; next one after a wrap */
	uint8_t dst_mac[6];
	bool has_dst_mac;
	uint32_t next_hop; /* ARP for this instead of the server (routed setups) */
	bool has_next_hop;
	uint32_t inner_src; /* peer i sends from inner_src + i */
	unsigned int inner_src_plen;
	uint32_t inner_dst;
	uint16_t inner_dport;

	unsigned int size;	    /* inner IPv4 packet bytes */
	uint64_t rate;		    /* packets per second, 0: as fast as the port takes them */
	double duration;	    /* seconds of transport data */
	double handshake_timeout;   /* seconds allowed for all handshakes */
	unsigned int retransmit_ms; /* initiation retransmit interval */
	unsigned int burst;
	uint16_t port_id;
	unsigned int mbufs;  /* 0: sized from the queues and lcores */
	const char *backend; /* cryptobatch backend */
	const char *json_file;
	const char *peer_config_file;
	bool config_only; /* write keys and peer config, then exit: no EAL */
	bool quiet;	  /* no per-second lines */
};

/*
 * Parses the generator's options (argv[0] is a program name, as getopt expects) and loads the
 * key material they point to. 0, or -1 after printing why.
 */
int ws_gen_options_parse(struct ws_gen_options *o, int argc, char **argv);
void ws_gen_options_clear(struct ws_gen_options *o);
void ws_gen_options_usage(FILE *f);

int ws_gen_parse_cidr4(const char *s, uint32_t *addr, unsigned int *plen);
int ws_gen_parse_ip4(const char *s, uint32_t *addr);
int ws_gen_parse_ipport4(const char *s, uint32_t *addr, uint16_t *port);
int ws_gen_parse_mac(const char *s, uint8_t mac[6]);

#endif
