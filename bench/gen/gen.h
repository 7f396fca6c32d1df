/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's run: one DPDK port, one lcore doing rx, handshakes, batch encryption and tx,
 * and the counters the report is made of.
 */
#ifndef WS_GEN_GEN_H
#define WS_GEN_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"
#include "peers.h"

/* Run-wide counters; one list gives the fields, the per-second deltas and the JSON names. */
#define WS_GEN_COUNTER_LIST(X)                                                                     \
	X(initiations, "handshake initiations sent (retransmits included)")                        \
	X(handshakes, "handshakes completed")                                                      \
	X(cookies, "cookie replies accepted")                                                      \
	X(hs_rejected, "handshake responses or cookies that did not verify")                       \
	X(tx_packets, "transport data packets the port took")                                      \
	X(tx_frame_bytes, "their Ethernet frame bytes (no FCS)")                                   \
	X(tx_inner_bytes, "their inner IP bytes")                                                  \
	X(tx_keepalives, "keepalives sent to confirm a new keypair")                               \
	X(tx_nombuf, "mbuf allocation failures")                                                   \
	X(tx_built, "transport data packets built and encrypted")                                  \
	X(tx_build_cycles, "TSC cycles the tx lcores spent building and encrypting them")          \
	X(tx_pmd_cycles, "TSC cycles the tx lcores spent in rte_eth_tx_burst()")                   \
	X(rx_frames, "frames received")                                                            \
	X(rx_data, "transport data decrypted and accepted")                                        \
	X(rx_keepalives, "keepalives decrypted and accepted")                                      \
	X(rx_decrypt_fail, "transport data that failed authentication, replay or index")           \
	X(rx_other, "frames that are not ours (dropped)")                                          \
	X(arp_replies, "ARP replies sent for the peers' addresses")

struct ws_gen_counters {
#define WS_GEN_X(name, text) uint64_t name;
	WS_GEN_COUNTER_LIST(WS_GEN_X)
#undef WS_GEN_X
};

enum ws_gen_phase {
	WS_GEN_PHASE_HANDSHAKE, /* waiting for the handshakes */
	WS_GEN_PHASE_DATA,	/* sending transport data */
	WS_GEN_PHASE_DRAIN,	/* done sending: replies in flight still counted */
};

/* One second of the run: counter deltas, and the phase it ended in. */
struct ws_gen_second {
	double t; /* seconds since start at the end of this interval */
	double len;
	enum ws_gen_phase phase;
	uint64_t handshakes; /* completed so far */
	struct ws_gen_counters d;
};

struct ws_gen_result {
	struct ws_gen_counters total;
	struct ws_gen_second *seconds;
	unsigned int n_seconds, cap_seconds;
	double handshake_s; /* start of handshakes to data phase */
	double data_s;	    /* length of the data phase */
	uint64_t port_opackets, port_ipackets, port_imissed, port_oerrors;
	char engine[64];	/* batch crypto backend in use */
	unsigned int frame_len; /* transport frame bytes at --size */
	uint64_t tsc_hz;
};

/* Runs the generator on an initialised EAL. Returns the exit status (0, or 1). */
int ws_gen_run(const struct ws_gen_options *o, struct ws_gen_peers *ps, struct ws_gen_result *r);
void ws_gen_stop(void);

/* The report: a line per second while running, a summary, and JSON. */
void ws_gen_report_second(const struct ws_gen_options *o, const struct ws_gen_peers *ps,
			  const struct ws_gen_result *r, const struct ws_gen_second *s);
void ws_gen_report_summary(const struct ws_gen_options *o, const struct ws_gen_peers *ps,
			   const struct ws_gen_result *r);
int ws_gen_report_json(const struct ws_gen_options *o, const struct ws_gen_peers *ps,
		       const struct ws_gen_result *r, const char *path);

#endif
