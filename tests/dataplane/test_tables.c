/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the fast-path tables (EAL with --no-huge, no ports) and of the handshake rate
 * limiter (pure): allowed-ips ownership, masking, listing and clearing; keypair slots as the
 * kernel rotates them; confirmation; RCU-deferred freeing that waits for a reader.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dataplane.h"
#include "encap.h"
#include "messages.h"
#include "ratelimit.h"
#include "tables.h"

static int failures;

#define CHECK(c)                                                                     \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static struct ws_dp_config cfg;

static struct ws_ipc_prefix pfx4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t cidr)
{
	return (struct ws_ipc_prefix){.family = AF_INET, .cidr = cidr, .addr = {a, b, c, d}};
}

static uint64_t owner4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint32_t ip = (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
	uint64_t nh = 0;

	rte_fib_lookup_bulk(ws_dp_tables.fib4, &ip, &nh, 1);
	return nh;
}

static void test_allowedips(void)
{
	struct ws_ipc_peer p = {.peer_id = 0};
	struct ws_ipc_prefix e[4], out[16];
	struct ws_ipc_prefix v6 = {.family = AF_INET6, .cidr = 0};

	CHECK(ws_dp_peer_set(&p) == 0);
	p.peer_id = 1;
	p.public_key[0] = 1;
	CHECK(ws_dp_peer_set(&p) == 0);
	p.peer_id = 99; /* maxPeers 16 */
	CHECK(ws_dp_peer_set(&p) == -EINVAL);
	CHECK(ws_dp_tables.n_live_peers == 2);

	e[0] = pfx4(10, 0, 0, 0, 8);
	e[1] = pfx4(10, 1, 2, 3, 16); /* host bits are cleared, as the kernel stores it */
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, e, 1) == 0);
	CHECK(ws_dp_allowedips(1, WS_IPC_AIP_ADD, e + 1, 1) == 0);
	CHECK(owner4(10, 9, 9, 9) == 0);
	CHECK(owner4(10, 1, 200, 1) == 1);
	CHECK(owner4(11, 0, 0, 1) == WS_DP_NH_NONE);
	CHECK(ws_dp_allowedips_list(1, out, 16) == 1 && out[0].cidr == 16 && out[0].addr[2] == 0);
	/* a prefix has one owner: adding it to peer 1 moves it */
	CHECK(ws_dp_allowedips(1, WS_IPC_AIP_ADD, e, 1) == 0);
	CHECK(ws_dp_tables.peers[0].n_allowedips == 0 && ws_dp_tables.peers[1].n_allowedips == 2);
	/* deleting what one does not own changes nothing */
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_DEL, e, 1) == 0);
	CHECK(owner4(10, 9, 9, 9) == 1);
	/* default routes are listed once each */
	e[2] = pfx4(0, 0, 0, 0, 0);
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, e + 2, 1) == 0);
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, &v6, 1) == 0);
	CHECK(ws_dp_allowedips_list(0, out, 16) == 2);
	CHECK(ws_dp_tables.peers[0].n_allowedips == 2);
	CHECK(owner4(192, 168, 0, 1) == 0);
	/* invalid entries reject the whole message */
	e[3] = pfx4(1, 2, 3, 4, 33);
	CHECK(ws_dp_allowedips(0, WS_IPC_AIP_ADD, e + 2, 2) == -EINVAL);
	CHECK(ws_dp_allowedips(0, 7, e, 1) == -EINVAL);
	/* clear takes every prefix of one peer and nothing else */
	CHECK(ws_dp_allowedips(1, WS_IPC_AIP_CLEAR, NULL, 0) == 0);
	CHECK(ws_dp_tables.peers[1].n_allowedips == 0);
	CHECK(owner4(10, 1, 0, 1) == 0); /* falls back to 0.0.0.0/0 */
	CHECK(ws_dp_allowedips_list(WS_DP_NH_NONE, out, 16) == 2);
}

static struct ws_ipc_keypair kp(uint32_t peer, uint32_t local, uint8_t initiator)
{
	struct ws_ipc_keypair k = {.peer_id = peer, .local_index = local,
				   .remote_index = local + 1000, .initiator = initiator};

	memset(k.send_key, (int)local, sizeof(k.send_key));
	return k;
}

static bool indexed(uint32_t local)
{
	void *d;

	return rte_hash_lookup_data(ws_dp_tables.keypairs, &local, &d) >= 0;
}

static uint32_t slot(uint32_t peer, unsigned int s)
{
	const struct ws_dp_keypair *k = ws_dp_tables.peers[peer].kp[s];

	return k ? k->local_index : 0;
}

static void test_keypairs(void)
{
	struct ws_ipc_keypair k;
	const unsigned int reader = 7;

	k = kp(0, 11, 1);
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(ws_dp_keypair_add(&k) == -EEXIST);
	k = kp(5, 12, 1); /* no such peer */
	CHECK(ws_dp_keypair_add(&k) == -EINVAL);
	k = kp(0, 12, 1);
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(slot(0, WS_DP_KP_CURRENT) == 12 && slot(0, WS_DP_KP_PREVIOUS) == 11);
	/* responder: waits in next, the previous goes */
	k = kp(0, 13, 0);
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(slot(0, WS_DP_KP_NEXT) == 13 && slot(0, WS_DP_KP_CURRENT) == 12 &&
	      slot(0, WS_DP_KP_PREVIOUS) == 0);
	CHECK(!ws_dp_keypair_confirm(0, 12));
	CHECK(ws_dp_keypair_confirm(0, 13));
	CHECK(slot(0, WS_DP_KP_CURRENT) == 13 && slot(0, WS_DP_KP_PREVIOUS) == 12 &&
	      slot(0, WS_DP_KP_NEXT) == 0);

	/* a reader online that has not passed a quiescent state holds retired keypairs */
	ws_dp_tables_reclaim(true);
	CHECK(!indexed(11));
	ws_dp_tables_reader_online(reader);
	k = kp(0, 14, 1); /* retires 12 (previous) */
	CHECK(ws_dp_keypair_add(&k) == 0);
	CHECK(!indexed(12));
	ws_dp_tables_reclaim(false);
	CHECK(ws_dp_tables.retired != NULL);
	ws_dp_tables_quiescent(reader);
	ws_dp_tables_reclaim(false);
	CHECK(ws_dp_tables.retired == NULL);
	ws_dp_tables_reader_offline(reader);

	/* removing the peer drops every keypair and prefix */
	CHECK(ws_dp_peer_remove(0) == 0);
	CHECK(ws_dp_peer_remove(0) == -ENOENT);
	CHECK(!indexed(13) && !indexed(14));
	CHECK(owner4(192, 168, 0, 1) == WS_DP_NH_NONE);
	ws_dp_tables_reclaim(true);
	CHECK(ws_dp_tables.n_keypairs == 0);
}

static void test_ratelimit(void)
{
	struct ws_ratelimit rl;
	const uint8_t a[4] = {198, 18, 0, 2}, b[4] = {198, 18, 0, 3};
	uint8_t v6a[16] = {0x20, 0x01, 0xd, 0xb8}, v6b[16] = {0x20, 0x01, 0xd, 0xb8};
	uint64_t t = 1000 * WS_NSEC_PER_SEC;
	int n = 0;

	v6b[15] = 9; /* same /64 */
	CHECK(ws_ratelimit_init(&rl, 64) == 0);
	for (int i = 0; i < 20; i++)
		n += ws_ratelimit_allow(&rl, a, 4, t);
	CHECK(n == WS_RL_BURST);
	CHECK(ws_ratelimit_allow(&rl, b, 4, t)); /* another source has its own bucket */
	CHECK(!ws_ratelimit_allow(&rl, a, 4, t + WS_NSEC_PER_SEC / 100));
	CHECK(ws_ratelimit_allow(&rl, a, 4, t + WS_NSEC_PER_SEC / WS_INITIATIONS_PER_SECOND));
	n = 0;
	for (int i = 0; i < 10; i++)
		n += ws_ratelimit_allow(&rl, i % 2 ? v6a : v6b, 16, t);
	CHECK(n == WS_RL_BURST);
	/* idle for a second: a full bucket again */
	n = 0;
	for (int i = 0; i < 20; i++)
		n += ws_ratelimit_allow(&rl, a, 4, t + 3 * WS_NSEC_PER_SEC);
	CHECK(n == WS_RL_BURST);
	ws_ratelimit_destroy(&rl);
}

/* The fast checksum against DPDK's, for every length and alignment. */
static void test_cksum(void)
{
	uint8_t buf[20 + 8 + 1600] __attribute__((aligned(8)));

	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (unsigned int off = 0; off < 3; off++)
		for (unsigned int len = 8; len <= 1500; len += (len < 80 ? 1 : 37)) {
			struct rte_ipv4_hdr *ip = (void *)(buf + off);
			struct rte_udp_hdr *udp = (void *)(ip + 1);

			memset(ip, 0, sizeof(*ip));
			ip->version_ihl = RTE_IPV4_VHL_DEF;
			ip->next_proto_id = IPPROTO_UDP;
			ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + len));
			ip->src_addr = rte_cpu_to_be_32(0xc6120001);
			ip->dst_addr = rte_cpu_to_be_32(0xc6120002 + len);
			udp->dgram_len = rte_cpu_to_be_16((uint16_t)len);
			udp->dgram_cksum = 0;
			CHECK(ws_dp_udp_cksum(rte_ipv4_phdr_cksum(ip, 0), udp) ==
			      rte_ipv4_udptcp_cksum(ip, udp));
		}
}

int main(void)
{
	static const char yaml[] =
		"dataplane:\n  ports:\n    - {name: t0, role: wan, device: net_null0, "
		"address: \"198.18.0.1/24\"}\n  tables: {maxPeers: 16, maxAllowedIps: 64, fib: rib}\n";
	char prefix[64], err[512];
	char *eal[] = {"test", "-l", "0", "--no-huge", "-m", "128", "--file-prefix", prefix,
		       "--log-level", "1", "--no-pci", NULL};

	test_ratelimit();
	test_cksum();
	snprintf(prefix, sizeof(prefix), "wstt-%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "SKIP: no EAL\n");
		return 77;
	}
	if (ws_dp_config_parse(&cfg, "t", yaml, sizeof(yaml) - 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rte_timer_subsystem_init();
	ws_dp.cfg = &cfg;
	ws_dp.ctl.listen_fd = ws_dp.ctl.fd = -1;
	if (ws_dp_tables_create(&cfg, 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	test_allowedips();
	test_keypairs();
	ws_dp_tables_destroy();
	rte_eal_cleanup();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	else
		printf("tables and ratelimit ok\n");
	return failures ? 1 : 0;
}
