/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inner packets for the test peer: IPv4 ICMP and IPv6 ICMPv6 echo requests and replies, built and
 * parsed with every checksum checked (IPv4 header, ICMP, ICMPv6 over its pseudo-header). Pure: no
 * I/O, so the traffic generator and the unit tests share it.
 */
#ifndef WS_TP_PACKET_H
#define WS_TP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	WS_TP_IPV4_HDR_LEN = 20,
	WS_TP_IPV6_HDR_LEN = 40,
	WS_TP_ICMP_HDR_LEN = 8, /* type, code, checksum, identifier, sequence (same in ICMPv6) */
	WS_TP_IPADDR_STRLEN = 46,
};

/* An inner (tunnel) IP address. */
struct ws_tp_ipaddr {
	sa_family_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];  /* network order; the first 4 for IPv4 */
};

/* One echo request or reply; payload points into the caller's or the parsed buffer. */
struct ws_tp_echo {
	struct ws_tp_ipaddr src;
	struct ws_tp_ipaddr dst;
	bool reply;
	uint16_t id;
	uint16_t seq;
	uint8_t ttl; /* hop limit in IPv6; 0 when building means 64 */
	const uint8_t *payload;
	size_t payload_len;
};

/* Parses a dotted quad or an IPv6 address without prefix length. 0 or -1. */
int ws_tp_ipaddr_parse(struct ws_tp_ipaddr *ip, const char *s);
const char *ws_tp_ipaddr_str(const struct ws_tp_ipaddr *ip, char out[WS_TP_IPADDR_STRLEN]);
bool ws_tp_ipaddr_equal(const struct ws_tp_ipaddr *a, const struct ws_tp_ipaddr *b);

/* The RFC 1071 one's-complement sum of buf folded into 16 bits, starting from sum. */
uint32_t ws_tp_csum_add(uint32_t sum, const void *buf, size_t len);
uint16_t ws_tp_csum_fold(uint32_t sum);

/*
 * The length an IP packet claims in its header (IPv4 total length, IPv6 40 + payload length), or 0
 * if buf does not start with a plausible IP header that fits in len. Decrypted WireGuard payloads
 * carry zero padding; this is how the receiver strips it, as the kernel does.
 */
size_t ws_tp_ip_packet_len(const uint8_t *buf, size_t len);

/* Writes the packet described by e (src and dst of one family); its length, or 0 if cap is short. */
size_t ws_tp_echo_build(uint8_t *buf, size_t cap, const struct ws_tp_echo *e);

/*
 * Parses an echo request or reply, checking every length and checksum; trailing bytes past the IP
 * length (tunnel padding) are ignored. 0, or -1 if pkt is anything else.
 */
int ws_tp_echo_parse(struct ws_tp_echo *e, const uint8_t *pkt, size_t len);

/* Writes the reply to the echo request in req (same id, seq, payload; addresses swapped). */
size_t ws_tp_echo_answer(uint8_t *buf, size_t cap, const uint8_t *req, size_t len);

#endif
