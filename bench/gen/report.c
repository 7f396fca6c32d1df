/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-gen's report: one line per second while running, a summary at the end, and the same figures
 * as JSON (totals, per second, per peer) for bench/ scripts. Gbps are given on the wire (L1: frame
 * + FCS + preamble + inter-frame gap, what a 100G port's line rate is counted in) and for the inner
 * packets (what the tunnel carries).
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "gen.h"
#include "keys.h"

enum { PER_PEER_JSON_MAX = 4096 }; /* more would make the JSON the size of the peer table */

static const char *const phase_names[] = {
	[WS_GEN_PHASE_HANDSHAKE] = "handshake",
	[WS_GEN_PHASE_DATA] = "data",
	[WS_GEN_PHASE_DRAIN] = "drain",
};

static double per_s(uint64_t v, double s)
{
	return s > 0 ? (double)v / s : 0;
}

static double l1_gbps(uint64_t packets, unsigned int frame_len, double s)
{
	return per_s(packets * (uint64_t)(frame_len + WS_GEN_L1_OVERHEAD) * 8, s) / 1e9;
}

void ws_gen_report_second(const struct ws_gen_options *o, const struct ws_gen_peers *ps,
			  const struct ws_gen_result *r, const struct ws_gen_second *s)
{
	(void)o;
	printf("%7.1f s %-9s hs %u/%u  tx %10.0f pps %7.3f Gbps L1 %7.3f Gbps inner  "
	       "rx %8.0f pps  keepalives %llu  decrypt-fail %llu\n",
	       s->t, phase_names[s->phase], (unsigned int)s->handshakes, ps->n,
	       per_s(s->d.tx_packets, s->len), l1_gbps(s->d.tx_packets, r->frame_len, s->len),
	       per_s(s->d.tx_inner_bytes * 8, s->len) / 1e9,
	       per_s(s->d.rx_data + s->d.rx_keepalives, s->len),
	       (unsigned long long)s->d.rx_keepalives, (unsigned long long)s->d.rx_decrypt_fail);
	fflush(stdout);
}

void ws_gen_report_summary(const struct ws_gen_options *o, const struct ws_gen_peers *ps,
			   const struct ws_gen_result *r)
{
	const struct ws_gen_counters *c = &r->total;

	printf("handshakes: %llu/%u completed in %.3f s (%llu initiations, %llu cookie replies, "
	       "%llu rejected)\n",
	       (unsigned long long)c->handshakes, ps->n, r->handshake_s,
	       (unsigned long long)c->initiations, (unsigned long long)c->cookies,
	       (unsigned long long)c->hs_rejected);
	printf("tx: %llu packets of %u B inner / %u B frame in %.3f s: %.0f pps, %.3f Gbps L1, "
	       "%.3f Gbps inner (%llu keepalives, %llu mbuf shortages)\n",
	       (unsigned long long)c->tx_packets, o->size, r->frame_len, r->data_s,
	       per_s(c->tx_packets, r->data_s), l1_gbps(c->tx_packets, r->frame_len, r->data_s),
	       per_s(c->tx_inner_bytes * 8, r->data_s) / 1e9, (unsigned long long)c->tx_keepalives,
	       (unsigned long long)c->tx_nombuf);
	printf("tx cost: %.0f cycles/packet building and encrypting (%s), %.0f in the PMD's tx "
	       "burst "
	       "(TSC %.2f GHz)\n",
	       c->tx_built ? (double)c->tx_build_cycles / (double)c->tx_built : 0, r->engine,
	       c->tx_packets ? (double)c->tx_pmd_cycles / (double)c->tx_packets : 0,
	       (double)r->tsc_hz / 1e9);
	printf("rx: %llu data, %llu keepalives, %llu decrypt failures, %llu other frames "
	       "(%.0f pps data)\n",
	       (unsigned long long)c->rx_data, (unsigned long long)c->rx_keepalives,
	       (unsigned long long)c->rx_decrypt_fail, (unsigned long long)c->rx_other,
	       per_s(c->rx_data, r->data_s));
	printf("port: opackets %llu ipackets %llu imissed %llu oerrors %llu\n",
	       (unsigned long long)r->port_opackets, (unsigned long long)r->port_ipackets,
	       (unsigned long long)r->port_imissed, (unsigned long long)r->port_oerrors);
}

static const char *ip_str(uint32_t ip, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = {.s_addr = htonl(ip)};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

int ws_gen_report_json(const struct ws_gen_options *o, const struct ws_gen_peers *ps,
		       const struct ws_gen_result *r, const char *path)
{
	const struct ws_gen_counters *c = &r->total;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], key[WS_KEY_B64_LEN + 1];
	FILE *f = fopen(path, "we");
	int ret = 0;

	if (!f) {
		perror("ws-gen: --json");
		return -1;
	}
	fprintf(f, "{\n  \"tool\": \"ws-gen\",\n");
	fprintf(f,
		"  \"config\": {\"peers\": %u, \"server\": \"%s:%u\", \"size\": %u, "
		"\"frame_bytes\": %u, \"rate_pps\": %llu, \"duration_s\": %g, \"burst\": %u, "
		"\"crypto\": \"%s\", \"psk\": %s},\n",
		ps->n, ip_str(o->server_ip, a), o->server_port, o->size, r->frame_len,
		(unsigned long long)o->rate, o->duration, o->burst, r->engine,
		o->has_psk ? "true" : "false");
	fprintf(f,
		"  \"handshakes\": {\"completed\": %llu, \"peers\": %u, \"seconds\": %.6f, "
		"\"initiations\": %llu, \"cookies\": %llu, \"rejected\": %llu},\n",
		(unsigned long long)c->handshakes, ps->n, r->handshake_s,
		(unsigned long long)c->initiations, (unsigned long long)c->cookies,
		(unsigned long long)c->hs_rejected);
	fprintf(f,
		"  \"tx\": {\"packets\": %llu, \"seconds\": %.6f, \"pps\": %.1f, "
		"\"gbps_l1\": %.6f, \"gbps_inner\": %.6f, \"keepalives\": %llu, "
		"\"nombuf\": %llu},\n",
		(unsigned long long)c->tx_packets, r->data_s, per_s(c->tx_packets, r->data_s),
		l1_gbps(c->tx_packets, r->frame_len, r->data_s),
		per_s(c->tx_inner_bytes * 8, r->data_s) / 1e9, (unsigned long long)c->tx_keepalives,
		(unsigned long long)c->tx_nombuf);
	fprintf(f,
		"  \"tx_cost\": {\"build_cycles_per_packet\": %.1f, "
		"\"pmd_cycles_per_packet\": %.1f, \"tsc_hz\": %llu},\n",
		c->tx_built ? (double)c->tx_build_cycles / (double)c->tx_built : 0,
		c->tx_packets ? (double)c->tx_pmd_cycles / (double)c->tx_packets : 0,
		(unsigned long long)r->tsc_hz);
	fprintf(f,
		"  \"rx\": {\"frames\": %llu, \"data\": %llu, \"pps\": %.1f, \"keepalives\": %llu, "
		"\"decrypt_failures\": %llu, \"other\": %llu},\n",
		(unsigned long long)c->rx_frames, (unsigned long long)c->rx_data,
		per_s(c->rx_data, r->data_s), (unsigned long long)c->rx_keepalives,
		(unsigned long long)c->rx_decrypt_fail, (unsigned long long)c->rx_other);
	fprintf(f,
		"  \"port\": {\"opackets\": %llu, \"ipackets\": %llu, \"imissed\": %llu, "
		"\"oerrors\": %llu},\n",
		(unsigned long long)r->port_opackets, (unsigned long long)r->port_ipackets,
		(unsigned long long)r->port_imissed, (unsigned long long)r->port_oerrors);
	fprintf(f, "  \"counters\": {");
#define WS_GEN_X(name, text)                                                                       \
	fprintf(f, "%s\"" #name "\": %llu", &c->name == &c->initiations ? "" : ", ",               \
		(unsigned long long)c->name);
	WS_GEN_COUNTER_LIST(WS_GEN_X)
#undef WS_GEN_X
	fprintf(f, "},\n  \"seconds\": [");
	for (unsigned int i = 0; i < r->n_seconds; i++) {
		const struct ws_gen_second *s = &r->seconds[i];

		fprintf(f,
			"%s\n    {\"t\": %.3f, \"phase\": \"%s\", \"handshakes\": %llu, "
			"\"tx_pps\": %.1f, \"tx_gbps_l1\": %.6f, \"rx_pps\": %.1f, "
			"\"rx_keepalives\": %llu, \"decrypt_failures\": %llu}",
			i ? "," : "", s->t, phase_names[s->phase],
			(unsigned long long)s->handshakes, per_s(s->d.tx_packets, s->len),
			l1_gbps(s->d.tx_packets, r->frame_len, s->len),
			per_s(s->d.rx_data + s->d.rx_keepalives, s->len),
			(unsigned long long)s->d.rx_keepalives,
			(unsigned long long)s->d.rx_decrypt_fail);
	}
	fprintf(f, "\n  ]");
	if (ps->n <= PER_PEER_JSON_MAX) {
		fprintf(f, ",\n  \"per_peer\": [");
		for (uint32_t i = 0; i < ps->n; i++) {
			const struct ws_gen_peer *p = &ps->peer[i];

			ws_key_to_base64(key, p->s.local.public_key);
			fprintf(f,
				"%s\n    {\"index\": %u, \"public_key\": \"%s\", "
				"\"outer\": \"%s:%u\", \"inner\": \"%s\", \"handshake\": %s, "
				"\"handshake_ms\": %.3f, \"initiations\": %llu, \"cookies\": %llu, "
				"\"tx_packets\": %llu, \"tx_bytes\": %llu, \"rx_data\": %llu, "
				"\"rx_keepalives\": %llu, \"rx_decrypt_fail\": %llu}",
				i ? "," : "", i, key, ip_str(p->outer_ip, a), p->outer_port,
				ip_str(p->inner_ip, b), p->done ? "true" : "false",
				p->done ? (double)p->handshake_ns / 1e6 : 0.0,
				(unsigned long long)p->initiations, (unsigned long long)p->cookies,
				(unsigned long long)p->tx_packets, (unsigned long long)p->tx_bytes,
				(unsigned long long)p->rx_data,
				(unsigned long long)p->rx_keepalives,
				(unsigned long long)p->rx_decrypt_fail);
		}
		fprintf(f, "\n  ]");
	}
	fprintf(f, "\n}\n");
	if (ferror(f))
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	if (ret)
		fprintf(stderr, "ws-gen: --json: %s: write failed\n", path);
	return ret;
}
