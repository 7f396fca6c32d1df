/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-bench-tables: the dataplane's fast-path tables (dataplane/tables.c, the same code the
 * dataplane runs) at 10k, 100k and 1M peers, each peer with one IPv4 /32 and one IPv6 /128
 * allowed-ip and two keypairs, as the control socket would install them:
 *   memory  EAL heap bytes in use (rte_malloc_get_socket_stats: the hash, both allowed-ips
 *           copies, RIB node pools, rings) and ordinary heap bytes (mallinfo2: the peer array,
 *           keypairs) after installing, minus before creating the tables, per peer;
 *   install wall time of peer set + allowed-ips message (one publication each, or --batch B
 *           peers per publication as a batched push would) + two keypair adds, per peer;
 *   lookup  TSC cycles per lookup of random installed entries in bursts of 32: fib4, fib6
 *           (the workers' lookups) and the keypair hash by receiver index (bulk, as decrypt.c).
 * Reference, in the same run: the same lookups on a 1-peer table (everything in L1), so the
 * ratio is the cost of the table's size (cache and TLB misses).
 *   ws-bench-tables [--smoke] [--json FILE] [--peers N[,N...]] [--fib rib|dir24_8[,...]]
 *                   [--batch B] [--no-huge]
 * Hugepages are used when enough are free (1M peers with rib: about 2 GB, e.g.
 * `echo 1024 > /proc/sys/vm/nr_hugepages`), else 4 KB pages (--no-huge; lookups then pay
 * more TLB misses, the JSON says which). --smoke (CI): 1 and 2000 peers, rib and dir24_8,
 * --no-huge; fails only if an install fails or a lookup answers wrongly.
 */
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "dataplane.h"
#include "tables.h"

enum { BURST = 32, PICKS = 1 << 16, MAX_SIZES = 8 };

struct result {
	uint32_t peers, v6_installed;
	const char *fib;
	double eal_bytes, heap_bytes; /* per peer */
	double install_us;            /* per peer */
	double cyc4, cyc6, cyckp;     /* per lookup */
	int error;
};

static uint64_t eal_in_use(void)
{
	struct rte_malloc_socket_stats s;
	uint64_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0)
			sum += s.heap_allocsz_bytes;
	return sum;
}

static uint64_t heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Receiver indices look random on the wire: a bijection of 1, 2, 3 ... */
static uint32_t local_index(uint32_t i)
{
	return (i + 1) * 0x9e3779b1u;
}

static uint32_t peer_ip4(uint32_t i)
{
	return (10u << 24) | (i + 1);
}

static void peer_ip6(uint32_t i, uint8_t ip[16])
{
	uint32_t be = rte_cpu_to_be_32(i + 1);

	memset(ip, 0, 16);
	ip[0] = 0xfd;
	memcpy(ip + 12, &be, 4);
}

static int install(uint32_t n, uint32_t batch, uint32_t *v6_installed, char *err, size_t errlen)
{
	*v6_installed = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ws_ipc_peer p = {.peer_id = i};
		struct ws_ipc_prefix e[2] = {{.family = AF_INET, .cidr = 32},
					     {.family = AF_INET6, .cidr = 128}};
		uint32_t ip4 = rte_cpu_to_be_32(peer_ip4(i));
		int rc;

		if (batch > 1 && i % batch == 0)
			ws_dp_allowedips_begin();
		memcpy(p.public_key, &i, sizeof(i));
		memcpy(e[0].addr, &ip4, 4);
		peer_ip6(i, e[1].addr);
		rc = ws_dp_peer_set(&p);
		if (rc == 0) {
			rc = ws_dp_allowedips(i, WS_IPC_AIP_ADD, e, 2);
			/* an IPv6 table may refuse before maxAllowedIps (dir24_8's lpm6 when
			 * out of tbl8 groups): count what it took */
			if (rc == -ENOSPC)
				rc = ws_dp_allowedips(i, WS_IPC_AIP_ADD, e, 1);
			else if (rc == 0)
				(*v6_installed)++;
		}
		for (uint32_t k = 0; k < 2 && rc == 0; k++) {
			struct ws_ipc_keypair kp = {.peer_id = i, .local_index = local_index(2 * i + k),
						    .remote_index = 2 * i + k, .initiator = 1};

			rc = ws_dp_keypair_add(&kp);
		}
		if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
			ws_dp_allowedips_commit();
		if (rc) {
			if (batch > 1 && i % batch != batch - 1 && i != n - 1)
				ws_dp_allowedips_commit();
			snprintf(err, errlen, "peer %u: %s", i, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

struct picks {
	uint32_t a4[PICKS];
	uint8_t a6[PICKS][16];
	uint32_t idx[PICKS];
	uint32_t peer[PICKS]; /* expected owner (fib4, keypairs) */
	uint32_t peer6[PICKS];
};

static void make_picks(struct picks *pk, uint32_t n, uint32_t n6, uint64_t seed)
{
	for (uint32_t j = 0; j < PICKS; j++) {
		uint32_t i, i6;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		i = (uint32_t)((seed >> 33) % n);
		i6 = n6 ? (uint32_t)((seed >> 33) % n6) : 0;
		pk->a4[j] = peer_ip4(i);
		peer_ip6(i6, pk->a6[j]);
		pk->idx[j] = local_index(2 * i + (uint32_t)(seed & 1));
		pk->peer[j] = i;
		pk->peer6[j] = i6;
	}
}

/*
 * Cycles per lookup; bad counts wrong answers. Timed in chunks of CHUNK lookups, each chunk's
 * best of rounds, summed: on a loaded machine a round of 64k slow lookups (milliseconds) is
 * rarely free of preemption, a chunk of 1024 usually is in one of the rounds.
 */
enum { CHUNK = 1024 };

static void measure(struct picks *pk, unsigned int rounds, bool have6, struct result *r,
		    uint64_t *bad)
{
	uint64_t nh[BURST];
	void *data[BURST];
	const void *keys[BURST];
	static uint64_t best4[PICKS / CHUNK], best6[PICKS / CHUNK], bestkp[PICKS / CHUNK];
	uint64_t hits, sum4 = 0, sum6 = 0, sumkp = 0;

	for (unsigned int c = 0; c < PICKS / CHUNK; c++)
		best4[c] = best6[c] = bestkp[c] = UINT64_MAX;
	for (unsigned int rd = 0; rd < rounds; rd++) {
		for (uint32_t c = 0; c < PICKS / CHUNK; c++) {
			uint64_t t0 = rte_rdtsc_precise(), t1;

			for (uint32_t j = c * CHUNK; j < (c + 1) * CHUNK; j += BURST) {
				rte_fib_lookup_bulk(__atomic_load_n(&ws_dp_tables.fib4,
								    __ATOMIC_ACQUIRE),
						    pk->a4 + j, nh, BURST);
				for (unsigned int b = 0; b < BURST; b++)
					*bad += nh[b] != pk->peer[j + b];
			}
			t1 = rte_rdtsc_precise();
			best4[c] = RTE_MIN(best4[c], t1 - t0);
		}
		for (uint32_t c = 0; have6 && c < PICKS / CHUNK; c++) {
			uint64_t t0 = rte_rdtsc_precise(), t1;

			for (uint32_t j = c * CHUNK; j < (c + 1) * CHUNK; j += BURST) {
				ws_dp_fib6_lookup(pk->a6 + j, nh, BURST);
				for (unsigned int b = 0; b < BURST; b++)
					*bad += nh[b] != pk->peer6[j + b];
			}
			t1 = rte_rdtsc_precise();
			best6[c] = RTE_MIN(best6[c], t1 - t0);
		}
		for (uint32_t c = 0; c < PICKS / CHUNK; c++) {
			uint64_t t0 = rte_rdtsc_precise(), t1;

			for (uint32_t j = c * CHUNK; j < (c + 1) * CHUNK; j += BURST) {
				for (unsigned int b = 0; b < BURST; b++)
					keys[b] = &pk->idx[j + b];
				hits = 0;
				rte_hash_lookup_bulk_data(ws_dp_tables.keypairs, keys, BURST,
							  &hits, data);
				for (unsigned int b = 0; b < BURST; b++)
					*bad += !(hits & (1ull << b)) ||
						((struct ws_dp_keypair *)data[b])->peer_id !=
							pk->peer[j + b];
			}
			t1 = rte_rdtsc_precise();
			bestkp[c] = RTE_MIN(bestkp[c], t1 - t0);
		}
	}
	for (unsigned int c = 0; c < PICKS / CHUNK; c++) {
		sum4 += best4[c];
		sum6 += have6 ? best6[c] : 0;
		sumkp += bestkp[c];
	}
	r->cyc4 = (double)sum4 / PICKS;
	r->cyc6 = have6 ? (double)sum6 / PICKS : 0;
	r->cyckp = (double)sumkp / PICKS;
}

static int run_one(const char *fib, uint32_t n, uint32_t batch, unsigned int rounds,
		   struct picks *pk, struct result *r)
{
	char yaml[512], err[512];
	struct ws_dp_config cfg;
	uint64_t eal0, heap0, bad = 0;
	double t0;
	int len, rc;

	memset(r, 0, sizeof(*r));
	r->peers = n;
	r->fib = fib;
	len = snprintf(yaml, sizeof(yaml),
		       "dataplane:\n  ports:\n    - {name: b0, role: wan, device: net_null0, "
		       "address: \"198.18.0.1/24\"}\n  tables: {maxPeers: %u, maxAllowedIps: %u, "
		       "fib: %s}\n",
		       n, RTE_MAX(n, 16u), fib);
	if (ws_dp_config_parse(&cfg, "bench", yaml, (size_t)len, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	ws_dp.cfg = &cfg;
	eal0 = eal_in_use();
	heap0 = heap_in_use();
	if (ws_dp_tables_create(&cfg, 1, err, sizeof(err))) {
		fprintf(stderr, "%u peers, %s: %s\n", n, fib, err);
		ws_dp_tables_destroy();
		return -1;
	}
	t0 = now_s();
	rc = install(n, batch, &r->v6_installed, err, sizeof(err));
	r->install_us = (now_s() - t0) * 1e6 / n;
	if (rc) {
		fprintf(stderr, "%u peers, %s: install failed: %s\n", n, fib, err);
		ws_dp_tables_destroy();
		return -1;
	}
	r->eal_bytes = (double)(eal_in_use() - eal0) / n;
	r->heap_bytes = (double)(int64_t)(heap_in_use() - heap0) / n;
	make_picks(pk, n, r->v6_installed, 0x5eed + n);
	measure(pk, rounds, r->v6_installed > 0, r, &bad);
	ws_dp_tables_destroy();
	if (bad) {
		fprintf(stderr, "%u peers, %s: %" PRIu64 " wrong lookups\n", n, fib, bad);
		return -1;
	}
	return 0;
}

static int free_hugepages_mb(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	int n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &n) != 1)
		n = 0;
	fclose(f);
	return 2 * n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"smoke", no_argument, NULL, 's'},	 {"json", required_argument, NULL, 'j'},
		{"peers", required_argument, NULL, 'p'}, {"fib", required_argument, NULL, 'f'},
		{"batch", required_argument, NULL, 'b'}, {"no-huge", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0}};
	uint32_t sizes[MAX_SIZES] = {10000, 100000, 1000000};
	unsigned int n_sizes = 3, n_fibs = 2, rounds = 20;
	const char *fibs[2] = {"rib", "dir24_8"};
	char fibbuf[64] = "", prefix[64], mem[16];
	const char *json_path = NULL;
	bool smoke = false, no_huge = false;
	uint32_t batch = 1, max_n = 0;
	struct result ref[2], res[2][MAX_SIZES];
	struct picks *pk;
	FILE *json = NULL;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			smoke = true;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'p': {
			char *s = optarg, *end;

			n_sizes = 0;
			while (*s && n_sizes < MAX_SIZES) {
				unsigned long v = strtoul(s, &end, 10);

				if (end == s || v < 1 || v > (1u << 20))
					goto usage;
				sizes[n_sizes++] = (uint32_t)v;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 'f': {
			char *save = NULL, *tok;

			snprintf(fibbuf, sizeof(fibbuf), "%s", optarg);
			n_fibs = 0;
			for (tok = strtok_r(fibbuf, ",", &save); tok && n_fibs < 2;
			     tok = strtok_r(NULL, ",", &save)) {
				if (strcmp(tok, "rib") && strcmp(tok, "dir24_8"))
					goto usage;
				fibs[n_fibs++] = tok;
			}
			if (!n_fibs)
				goto usage;
			break;
		}
		case 'b':
			batch = (uint32_t)strtoul(optarg, NULL, 10);
			if (batch < 1)
				goto usage;
			break;
		case 'n':
			no_huge = true;
			break;
		default:
		usage:
			fprintf(stderr, "usage: %s [--smoke] [--json FILE] [--peers N[,N...]] "
					"[--fib rib|dir24_8[,...]] [--batch B] [--no-huge]\n",
				argv[0]);
			return 2;
		}
	}
	if (smoke) {
		sizes[0] = 2000;
		n_sizes = 1;
		no_huge = true;
		rounds = 1;
	}
	for (unsigned int i = 0; i < n_sizes; i++)
		max_n = RTE_MAX(max_n, sizes[i]);
	{
		/* rib: about 1.6 KB of EAL memory a peer; dir24_8 adds 4 x 64 MB + tbl8s */
		unsigned int need = 600 + (unsigned int)((uint64_t)max_n * 1700 >> 20);
		char *eal[16];
		int ne = 0;

		if (!no_huge && free_hugepages_mb() < (int)need) {
			fprintf(stderr, "%d MB of free hugepages, %u MB wanted: using 4 KB pages\n",
				free_hugepages_mb(), need);
			no_huge = true;
		}
		snprintf(prefix, sizeof(prefix), "wsbt-%d", getpid());
		snprintf(mem, sizeof(mem), "%u", need);
		eal[ne++] = argv[0];
		eal[ne++] = "-l";
		eal[ne++] = "0";
		eal[ne++] = "--file-prefix";
		eal[ne++] = prefix;
		eal[ne++] = "--log-level";
		eal[ne++] = "1";
		eal[ne++] = "--no-pci";
		eal[ne++] = "-m";
		eal[ne++] = mem;
		/* no hugepage files left behind */
		eal[ne++] = no_huge ? "--no-huge" : "--huge-unlink";
		eal[ne] = NULL;
		if (rte_eal_init(ne, eal) < 0) {
			fprintf(stderr, "EAL init failed\n");
			return 1;
		}
	}
	rte_timer_subsystem_init();
	ws_dp.ctl.listen_fd = ws_dp.ctl.fd = -1;
	setvbuf(stdout, NULL, _IOLBF, 0); /* rows as they come: 1M peers take minutes */
	pk = malloc(sizeof(*pk));
	if (!pk)
		return 1;
	printf("tables: %s pages, batch %u peer(s) per publication, %u rounds (best per 1024 lookups), "
	       "TSC %.2f GHz\n",
	       no_huge ? "4 KB" : "2 MB huge", batch, rounds, rte_get_tsc_hz() / 1e9);
	printf("%-8s %8s %8s %10s %10s %10s %8s %8s %8s %8s %8s %8s\n", "fib", "peers", "v6",
	       "EAL B/p", "heap B/p", "install", "fib4", "x ref", "fib6", "x ref", "kp", "x ref");
	for (unsigned int f = 0; f < n_fibs; f++) {
		if (run_one(fibs[f], 1, 1, rounds, pk, &ref[f])) {
			rc = 1;
			continue;
		}
		printf("%-8s %8u %8u %10s %10s %10s %8.1f %8s %8.1f %8s %8.1f %8s\n", fibs[f], 1,
		       ref[f].v6_installed, "-", "-", "-", ref[f].cyc4, "ref", ref[f].cyc6, "ref",
		       ref[f].cyckp, "ref");
		for (unsigned int i = 0; i < n_sizes; i++) {
			struct result *r = &res[f][i];

			if (run_one(fibs[f], sizes[i], batch, rounds, pk, r)) {
				r->error = 1;
				rc = 1;
				continue;
			}
			printf("%-8s %8u %8u %10.0f %10.0f %8.2fus %8.1f %8.2f %8.1f %8.2f %8.1f "
			       "%8.2f\n",
			       fibs[f], r->peers, r->v6_installed, r->eal_bytes, r->heap_bytes,
			       r->install_us, r->cyc4, r->cyc4 / ref[f].cyc4, r->cyc6,
			       r->cyc6 && ref[f].cyc6 ? r->cyc6 / ref[f].cyc6 : 0, r->cyckp,
			       r->cyckp / ref[f].cyckp);
		}
	}
	printf("cycles per lookup in bursts of %u; x ref: against the same lookups on a 1-peer "
	       "table; v6: peers whose /128 the table took\n",
	       BURST);
	if (json_path && (json = fopen(json_path, "w")) != NULL) {
		bool first = true;

		fprintf(json,
			"{\"benchmark\":\"tables\",\"pages\":\"%s\",\"batch\":%u,\"tsc_hz\":%" PRIu64
			",\"burst\":%u,\"rows\":[",
			no_huge ? "4k" : "2M", batch, rte_get_tsc_hz(), BURST);
		for (unsigned int f = 0; f < n_fibs; f++)
			for (unsigned int i = 0; i < n_sizes; i++) {
				const struct result *r = &res[f][i];

				fprintf(json,
					"%s{\"fib\":\"%s\",\"peers\":%u,\"ok\":%s,\"v6_installed\":%u,"
					"\"eal_bytes_per_peer\":%.0f,\"heap_bytes_per_peer\":%.0f,"
					"\"install_us_per_peer\":%.3f,\"cycles_fib4\":%.2f,"
					"\"cycles_fib6\":%.2f,\"cycles_keypair\":%.2f,"
					"\"ref_cycles_fib4\":%.2f,\"ref_cycles_fib6\":%.2f,"
					"\"ref_cycles_keypair\":%.2f}",
					first ? "" : ",", fibs[f], sizes[i], r->error ? "false" : "true",
					r->v6_installed, r->eal_bytes, r->heap_bytes, r->install_us,
					r->cyc4, r->cyc6, r->cyckp, ref[f].cyc4, ref[f].cyc6,
					ref[f].cyckp);
				first = false;
			}
		fprintf(json, "]}\n");
		fclose(json);
	} else if (json_path) {
		fprintf(stderr, "cannot write %s\n", json_path);
		rc = 1;
	}
	free(pk);
	rte_eal_cleanup();
	if (smoke)
		printf("smoke: %s\n", rc ? "FAILED" : "ok");
	return rc;
}
