/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-bench-dataplane: the real decrypt and encrypt stages on one core, against the raw batch
 * crypto of the same backend, to show what the pipeline costs on top of the AEAD.
 *   decrypt: WAN frames -> ws_dp_stage_wan_rx (classify, keypair lookup, batch decrypt, replay,
 *            allowed-ips) -> tunnel port (net_null)
 *   encrypt: tunnel frames -> ws_dp_stage_encrypt (allowed-ips, keypair, counter, padding,
 *            batch encrypt, UDP/IP encapsulation with software checksums) -> WAN (net_null)
 * Only the stage calls and the tx flush are timed; building the input frames (for decrypt: a
 * fresh encryption per packet, since the replay window accepts each counter once) is not.
 * Payload = the inner IP packet's size. Gbps counts inner bytes.
 *   ws-bench-dataplane [--smoke] [--backend NAME] [--bursts N] [--only decrypt|encrypt]
 *                      [--size BYTES] [--csum-offload] [--rounds N]
 * --csum-offload: the encrypt stage leaves the outer checksums to the NIC (as on a port with
 * IPv4/UDP checksum offload); net_null ignores the request, so this is the CPU cost only.
 * --rounds N: the bursts of a cell are split into N rounds (10), alternating stage and raw; the
 * best round of each counts (more, shorter rounds on a busy machine).
 * Not a test: --smoke is the CI form (a few bursts per cell; fails if a packet was lost).
 *
 * ws-bench-dataplane-profile is this program with the stage sources compiled again with
 * -DWS_DP_STAGE_PROFILE: it adds where the stage cycles go (cycles per packet per stage, from
 * rdtsc marks at the stage boundaries, which cost a few cycles per packet themselves).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "cryptobatch.h"
#include "dataplane.h"
#include "messages.h"
#include "stages.h"
#include "tables.h"
#include "transport.h"

enum { BURST = 32 };

static unsigned int rounds = 10;

static const char *yaml =
	"interface: {name: wsb0, listenPort: 51820}\n"
	"dataplane:\n"
	"  ports:\n"
	"    - {name: b0, role: wan, device: net_null0, address: \"198.18.0.1/24\"}\n"
	"  tables: {maxPeers: 16, maxAllowedIps: 64, fib: dir24_8}\n";

static struct ws_dp_config cfg;
static uint8_t key_in[32], key_out[32]; /* the peer's send key (our receive key), ours */
static struct rte_mempool *mp;

static int port_up(const char *name, uint16_t *pid)
{
	struct rte_eth_conf conf = {0};

	if (rte_eth_dev_get_port_by_name(name, pid) || rte_eth_dev_configure(*pid, 1, 1, &conf) ||
	    rte_eth_rx_queue_setup(*pid, 0, 256, 0, NULL, mp) ||
	    rte_eth_tx_queue_setup(*pid, 0, 256, 0, NULL) || rte_eth_dev_start(*pid))
		return -1;
	return 0;
}

static int setup(const char *backend)
{
	char err[512];
	struct ws_ipc_peer peer = {.peer_id = 0, .flags = WS_IPC_PEER_F_ENDPOINT};
	struct ws_ipc_prefix pfx = {.family = AF_INET, .cidr = 8, .addr = {10}};
	struct ws_ipc_keypair kp = {.peer_id = 0, .local_index = 0x1000, .remote_index = 0x2000,
				    .initiator = 1};
	struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 2}};
	const uint8_t peer_ip[4] = {198, 18, 0, 2};
	struct ws_dp_lcore *lc = &ws_dp.lcores[rte_lcore_id()];

	if (ws_dp_config_parse(&cfg, "bench", yaml, strlen(yaml), err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	ws_dp.cfg = &cfg;
	ws_dp.burst = BURST;
	ws_dp.tun_mtu = 1420;
	ws_dp.ctl.listen_fd = ws_dp.ctl.fd = -1;
	ws_dp.cls.listen_port_be = rte_cpu_to_be_16(51820);
	ws_dp.cls.has_ip4 = true;
	memcpy(ws_dp.cls.ip4, (uint8_t[]){198, 18, 0, 1}, 4);
	mp = rte_pktmbuf_pool_create("bench", 16383, 256, 0, 2176, (int)rte_socket_id());
	if (!mp)
		return -1;
	ws_dp.pools[rte_socket_id()] = mp;
	for (int i = 0; i < 2; i++) {
		struct ws_dp_port *p = &ws_dp.ports[i];

		if (port_up(i ? "net_null1" : "net_null0", &p->port_id)) {
			fprintf(stderr, "cannot start net_null%d\n", i);
			return -1;
		}
		p->present = p->started = true;
		p->kind = i ? WS_DP_PORT_TUN : WS_DP_PORT_WAN;
		rte_eth_macaddr_get(p->port_id, &p->mac);
		lc->tx[i] = (struct ws_dp_txq){.port = (uint16_t)i, .queue = 0};
	}
	ws_dp.n_ports = 2;
	ws_dp.wan = 0;
	ws_dp.tun = 1;
	ws_dp.exc = ws_dp.lan = -1;
	lc->role = WS_DP_LCORE_RTC;
	lc->data_stage = ws_dp_stage_decrypt;
	lc->cnt = &ws_dp_counters[rte_lcore_id()];
	if (ws_dp_service_setup(&ws_dp, err, sizeof(err)) ||
	    ws_dp_tables_create(&cfg, 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	ws_dp.engines[rte_lcore_id()] = ws_cb_engine_create(backend);
	if (!ws_dp.engines[rte_lcore_id()]) {
		fprintf(stderr, "backend %s unavailable\n", backend);
		return -1;
	}
	ws_dp_neigh_learn(AF_INET, peer_ip, &peer_mac);
	peer.endpoint.family = AF_INET;
	peer.endpoint.port = rte_cpu_to_be_16(51820);
	memcpy(peer.endpoint.addr, peer_ip, 4);
	for (int i = 0; i < 32; i++) {
		key_in[i] = (uint8_t)(i * 7 + 1);
		key_out[i] = (uint8_t)(i * 13 + 5);
	}
	memcpy(kp.recv_key, key_in, 32);
	memcpy(kp.send_key, key_out, 32);
	if (ws_dp_peer_set(&peer) || ws_dp_allowedips(0, WS_IPC_AIP_ADD, &pfx, 1) ||
	    ws_dp_keypair_add(&kp)) {
		fprintf(stderr, "cannot install the peer\n");
		return -1;
	}
	return 0;
}

/* An IPv4 packet of len bytes from src to dst (10.x addresses), zero payload. */
static void inner4(uint8_t *b, unsigned int len, uint8_t src_last, uint8_t dst_last)
{
	struct rte_ipv4_hdr *ip = (void *)b;

	memset(b, 0, len);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0x0a000000u | src_last);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000000u | dst_last);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct result {
	double cyc;     /* per packet */
	uint64_t pkts;
	double stage[WS_DP_PROF_MAX]; /* per packet, profile build only */
};

#ifdef WS_DP_STAGE_PROFILE
struct ws_dp_prof ws_dp_prof;

static const char *const prof_names[WS_DP_PROF_MAX] = {
	[WS_DP_PROF_OUTSIDE] = "other",   [WS_DP_PROF_CLASSIFY] = "classify",
	[WS_DP_PROF_KEYPAIR] = "keypair", [WS_DP_PROF_CRYPTO] = "crypto",
	[WS_DP_PROF_REPLAY] = "replay",   [WS_DP_PROF_PEER] = "peer",
	[WS_DP_PROF_AIP] = "allowedips",  [WS_DP_PROF_ENCAP] = "encap",
	[WS_DP_PROF_TX] = "tx",
};
#endif

static void prof_start(void)
{
#ifdef WS_DP_STAGE_PROFILE
	memset(&ws_dp_prof, 0, sizeof(ws_dp_prof));
	ws_dp_prof.t = rte_rdtsc();
#endif
}

/* the timed region starts: what came before (building the frames) is not charged */
static inline void prof_mark(void)
{
#ifdef WS_DP_STAGE_PROFILE
	ws_dp_prof.t = rte_rdtsc();
	ws_dp_prof.cur = WS_DP_PROF_OUTSIDE;
#endif
}

static void prof_end(struct result *r)
{
#ifdef WS_DP_STAGE_PROFILE
	for (int s = 0; s < WS_DP_PROF_MAX; s++)
		r->stage[s] = (double)ws_dp_prof.cyc[s] / (double)r->pkts;
#else
	(void)r;
#endif
}

static int bench_encrypt(unsigned int size, unsigned int bursts, struct result *r)
{
	struct ws_dp_lcore *lc = &ws_dp.lcores[rte_lcore_id()];
	uint8_t frame[RTE_ETHER_HDR_LEN + 1500];
	struct rte_mbuf *pkts[BURST];
	uint64_t cycles = 0, before = lc->cnt->v[WS_DP_CNT_TX_ENCRYPTED];
	struct rte_ether_hdr *eth = (void *)frame;

	memset(eth, 0, sizeof(*eth));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	inner4(frame + RTE_ETHER_HDR_LEN, size, 1, 2); /* to 10.0.0.2: the peer */
	prof_start();
	for (unsigned int b = 0; b < bursts; b++) {
		uint64_t t0;

		if (rte_pktmbuf_alloc_bulk(mp, pkts, BURST))
			return -1;
		for (int i = 0; i < BURST; i++)
			memcpy(rte_pktmbuf_append(pkts[i], RTE_ETHER_HDR_LEN + size), frame,
			       RTE_ETHER_HDR_LEN + size);
		t0 = rte_rdtsc_precise();
		prof_mark();
		ws_dp_stage_encrypt(lc, pkts, BURST);
		ws_dp_tx_flush_all(lc);
		WS_DP_PROF(WS_DP_PROF_OUTSIDE);
		cycles += rte_rdtsc_precise() - t0;
	}
	r->pkts = (uint64_t)bursts * BURST;
	r->cyc = (double)cycles / (double)r->pkts;
	prof_end(r);
	return lc->cnt->v[WS_DP_CNT_TX_ENCRYPTED] - before == r->pkts ? 0 : -1;
}

static uint64_t next_counter;

static int bench_decrypt(unsigned int size, unsigned int bursts, struct result *r)
{
	struct ws_dp_lcore *lc = &ws_dp.lcores[rte_lcore_id()];
	const unsigned int hdrs = RTE_ETHER_HDR_LEN + 20 + 8;
	uint8_t plain[1500];
	struct rte_mbuf *pkts[BURST];
	uint64_t cycles = 0, before = lc->cnt->v[WS_DP_CNT_RX_DECRYPTED];

	inner4(plain, size, 2, 9); /* from 10.0.0.2: allowed for the peer */
	prof_start();
	for (unsigned int b = 0; b < bursts; b++) {
		uint64_t t0;

		if (rte_pktmbuf_alloc_bulk(mp, pkts, BURST))
			return -1;
		for (int i = 0; i < BURST; i++) {
			uint8_t *f = (uint8_t *)rte_pktmbuf_append(pkts[i], hdrs + 1500 + 32);
			struct rte_ether_hdr *eth = (void *)f;
			struct rte_ipv4_hdr *ip = (void *)(eth + 1);
			struct rte_udp_hdr *udp = (void *)(ip + 1);
			size_t len = ws_transport_encrypt((uint8_t *)(udp + 1), plain, size, 1420,
							  0x1000, next_counter++, key_in);

			rte_pktmbuf_trim(pkts[i], (uint16_t)(1500 + 32 - len));
			eth->dst_addr = ws_dp.ports[0].mac;
			eth->src_addr = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 2}};
			eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			memset(ip, 0, sizeof(*ip));
			ip->version_ihl = RTE_IPV4_VHL_DEF;
			ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + len));
			ip->time_to_live = 64;
			ip->next_proto_id = IPPROTO_UDP;
			ip->src_addr = rte_cpu_to_be_32(0xc6120002);
			ip->dst_addr = rte_cpu_to_be_32(0xc6120001);
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			udp->src_port = udp->dst_port = rte_cpu_to_be_16(51820);
			udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
			udp->dgram_cksum = 0;
		}
		t0 = rte_rdtsc_precise();
		prof_mark();
		ws_dp_stage_wan_rx(lc, pkts, BURST);
		ws_dp_tx_flush_all(lc);
		WS_DP_PROF(WS_DP_PROF_OUTSIDE);
		cycles += rte_rdtsc_precise() - t0;
	}
	r->pkts = (uint64_t)bursts * BURST;
	r->cyc = (double)cycles / (double)r->pkts;
	prof_end(r);
	return lc->cnt->v[WS_DP_CNT_RX_DECRYPTED] - before == r->pkts ? 0 : -1;
}

/* ws_cb_process alone: the same backend, burst and padded lengths, data in cache-warm buffers. */
static int bench_raw(struct ws_cb_engine *e, enum ws_cb_dir dir, unsigned int size,
		     unsigned int bursts, struct result *r)
{
	static uint8_t src[BURST][1536], dst[BURST][1536], tags[BURST][16];
	struct ws_cb_op ops[BURST];
	const uint32_t len = (uint32_t)ws_transport_padded_len(size, 1420);
	uint64_t cycles = 0, ok = 0;

	for (int i = 0; i < BURST; i++)
		ops[i] = (struct ws_cb_op){.key = key_in, .counter = (uint64_t)i, .src = src[i],
					   .dst = src[i], .len = len, .tag = tags[i]};
	ws_cb_process(e, WS_CB_ENCRYPT, ops, BURST); /* valid tags for the decrypt runs */
	for (unsigned int b = 0; b < bursts; b++) {
		uint64_t t0;

		for (int i = 0; i < BURST; i++)
			ops[i].dst = dir == WS_CB_DECRYPT ? dst[i] : src[i];
		t0 = rte_rdtsc_precise();
		ok += ws_cb_process(e, dir, ops, BURST);
		cycles += rte_rdtsc_precise() - t0;
	}
	r->pkts = (uint64_t)bursts * BURST;
	r->cyc = (double)cycles / (double)r->pkts;
	return ok == r->pkts ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"smoke", no_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'b'},
		{"bursts", required_argument, NULL, 'n'},
		{"only", required_argument, NULL, 'o'},
		{"size", required_argument, NULL, 'z'},
		{"csum-offload", no_argument, NULL, 'c'},
		{"rounds", required_argument, NULL, 'r'},
		{"json", required_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	char prefix[64], *eal[] = {argv[0], "-l", "0", "--no-huge", "-m", "512", "--file-prefix",
				   prefix, "--vdev", "net_null0", "--vdev", "net_null1",
				   "--log-level", "3", NULL};
	unsigned int sizes[] = {64, 512, 1420}, n_sizes = 3;
	int only = -1; /* 0 decrypt, 1 encrypt */
	const char *backend = "auto";
	unsigned int bursts = 20000;
	bool smoke = false, csum_offload = false;
	const char *json_path = NULL;
	FILE *json = NULL;
	int opt, rc = 0;
	double hz;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			smoke = true;
			bursts = 20;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'n':
			bursts = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			only = !strcmp(optarg, "encrypt");
			break;
		case 'c':
			csum_offload = true;
			break;
		case 'r':
			rounds = (unsigned int)strtoul(optarg, NULL, 10);
			rounds = rounds ? rounds : 1;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'z':
			sizes[0] = (unsigned int)strtoul(optarg, NULL, 10);
			n_sizes = sizes[0] >= 28 && sizes[0] <= 1420 ? 1 : 0;
			break;
		default:
			fprintf(stderr, "usage: %s [--smoke] [--backend NAME] [--bursts N] "
					"[--only decrypt|encrypt] [--size N] [--csum-offload] "
					"[--rounds N] [--json FILE]\n",
				argv[0]);
			return 2;
		}
	}
	snprintf(prefix, sizeof(prefix), "wsbench-%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0 || setup(backend)) {
		fprintf(stderr, "setup failed\n");
		return 2;
	}
	/* what the encrypt stage costs when the WAN NIC computes the outer checksums (net_null
	 * ignores the request: this measures the CPU side only) */
	ws_dp.wan_csum_offload = csum_offload;
	hz = (double)rte_get_tsc_hz();
	printf("ws-bench-dataplane: one core, burst %d, backend %s, %u bursts per cell (best of "
	       "%d rounds), TSC %.2f GHz%s\n",
	       BURST, ws_cb_engine_name(ws_dp.engines[rte_lcore_id()]), bursts, rounds, hz / 1e9,
	       csum_offload ? ", outer checksums left to the NIC" : ", software checksums");
	printf("%-8s %6s | %10s %8s %8s | %10s %8s %8s | %6s\n", "dir", "bytes", "stage cyc",
	       "Mpps", "Gbps", "raw cyc", "Mpps", "Gbps", "ratio");
	if (json_path && !(json = fopen(json_path, "w"))) {
		fprintf(stderr, "cannot write %s\n", json_path);
		return 2;
	}
	if (json)
		fprintf(json, "{\"benchmark\":\"dataplane\",\"backend\":\"%s\",\"tsc_hz\":%.0f,"
			      "\"csum_offload\":%s,\"results\":[",
			ws_cb_engine_name(ws_dp.engines[rte_lcore_id()]), hz,
			csum_offload ? "true" : "false");
	bool first = true;
	struct prof_row {
		int dir;
		unsigned int bytes;
		struct result r;
	} prof[6];
	unsigned int n_prof = 0;

	for (int d = 0; d < 2; d++) {
		if (only >= 0 && d != only)
			continue;
		for (unsigned int s = 0; s < n_sizes; s++) {
			struct result st = {.cyc = 1e18}, raw = {.cyc = 1e18}, a = {0}, b = {0};
			int e1 = 0, e2 = 0;

			/* rounds alternate stage and raw; the best round of each counts (the machine
			 * may be shared: the minimum is the least disturbed) */
			for (unsigned int round = 0; round < rounds; round++) {
				e1 |= d ? bench_encrypt(sizes[s], bursts / rounds + 1, &a)
					: bench_decrypt(sizes[s], bursts / rounds + 1, &a);
				e2 |= bench_raw(ws_dp.engines[rte_lcore_id()],
						d ? WS_CB_ENCRYPT : WS_CB_DECRYPT, sizes[s],
						bursts / rounds + 1, &b);
				st.cyc = RTE_MIN(st.cyc, a.cyc);
				st.pkts = a.pkts;
				for (int p = 0; p < WS_DP_PROF_MAX; p++)
					st.stage[p] = round ? RTE_MIN(st.stage[p], a.stage[p])
							    : a.stage[p];
				raw.cyc = RTE_MIN(raw.cyc, b.cyc);
			}
			double mpps = hz / st.cyc / 1e6, rmpps = hz / raw.cyc / 1e6;

			printf("%-8s %6u | %10.0f %8.2f %8.2f | %10.0f %8.2f %8.2f | %5.0f%%%s\n",
			       d ? "encrypt" : "decrypt", sizes[s], st.cyc, mpps,
			       mpps * sizes[s] * 8 / 1000, raw.cyc, rmpps, rmpps * sizes[s] * 8 / 1000,
			       100.0 * raw.cyc / st.cyc, e1 || e2 ? "  PACKETS LOST" : "");
			if (e1 || e2)
				rc = 1;
			if (n_prof < RTE_DIM(prof))
				prof[n_prof++] = (struct prof_row){d, sizes[s], st};
			if (json) {
				fprintf(json,
					"%s{\"dir\":\"%s\",\"bytes\":%u,\"stage_cycles\":%.1f,"
					"\"stage_mpps\":%.3f,\"raw_cycles\":%.1f,\"raw_mpps\":%.3f,"
					"\"ratio\":%.3f",
					first ? "" : ",", d ? "encrypt" : "decrypt", sizes[s], st.cyc,
					mpps, raw.cyc, rmpps, raw.cyc / st.cyc);
#ifdef WS_DP_STAGE_PROFILE
				fprintf(json, ",\"profile_cycles\":{");
				for (int p = 0; p < WS_DP_PROF_MAX; p++)
					fprintf(json, "%s\"%s\":%.1f", p ? "," : "", prof_names[p],
						st.stage[p]);
				fprintf(json, "}");
#endif
				fprintf(json, "}");
				first = false;
			}
		}
	}
#ifdef WS_DP_STAGE_PROFILE
	printf("\nwhere the stage cycles go (cycles per packet, each stage's best round; rdtsc "
	       "marks at the stage boundaries)\n%-8s %6s |", "dir", "bytes");
	for (int p = 1; p < WS_DP_PROF_MAX; p++)
		printf(" %8s", prof_names[p]);
	printf(" %8s | %8s\n", prof_names[0], "total");
	for (unsigned int i = 0; i < n_prof; i++) {
		printf("%-8s %6u |", prof[i].dir ? "encrypt" : "decrypt", prof[i].bytes);
		for (int p = 1; p < WS_DP_PROF_MAX; p++)
			printf(" %8.1f", prof[i].r.stage[p]);
		printf(" %8.1f | %8.1f\n", prof[i].r.stage[0], prof[i].r.cyc);
	}
#else
	(void)n_prof;
#endif
	if (json) {
		fprintf(json, "]}\n");
		fclose(json);
	}
	if (smoke)
		printf("smoke: %s\n", rc ? "FAILED" : "ok");
	ws_dp_lcores_release(&ws_dp);
	ws_dp_tables_destroy();
	return rc;
}
