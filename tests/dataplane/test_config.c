/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the dataplane config loader (no EAL): good configs, every kind of bad config
 * with its exact error text, and EAL argument derivation (with and without raw EAL overrides).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "ws_test.h"

static struct ws_dp_config cfg;
static char err[WS_DP_ERR_LEN];

static int parse(const char *text)
{
	err[0] = '\0';
	return ws_dp_config_parse(&cfg, "cfg.yaml", text, strlen(text), err, sizeof(err));
}

/* Checks that text is rejected with exactly the expected message. */
#define BAD(text, expect)                                                                   \
	do {                                                                                \
		int rc_ = parse(text);                                                      \
		CHECK(rc_ == -1);                                                           \
		CHECK(strcmp(err, expect) == 0);                                            \
		if (strcmp(err, expect))                                                    \
			fprintf(stderr, "  got:      %s\n  expected: %s\n", err, expect);       \
	} while (0)

static const char full[] =
	"interface: {name: wg7, listenPort: 51999, privateKey: ignored}\n"
	"peers:\n"
	"  - {publicKey: abc, allowedIPs: [10.0.0.2/32]}\n"
	"dataplane:\n"
	"  mode: gateway\n"
	"  eal: {filePrefix: ws-t, memoryMB: 128, noHuge: true, extraArgs: [--log-level, '8']}\n"
	"  ports:\n"
	"    - {name: wan0, role: wan, device: \"net_af_packet0,iface=veth0\",\n"
	"       address: \"198.18.0.1/24\", gateway: \"198.18.0.254\", rxQueues: 2,\n"
	"       txQueues: 4, rxDesc: 512, txDesc: 2048}\n"
	"    - {name: lan0, role: lan, device: \"0000:03:00.0\", address: \"fd00::1/64\"}\n"
	"  lcores: {service: 0, workers: [1, 2], mode: run-to-completion}\n"
	"  mempool: {mbufs: 4095, cache: 128, mbufSize: 2048}\n"
	"  burst: 16\n"
	"  controlSocket: /run/wirespeed/wg7.ctl\n";

static void test_full(void)
{
	uint8_t a[4];

	CHECK(parse(full) == 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK(!strcmp(cfg.ifname, "wg7"));
	CHECK(cfg.listen_port == 51999);
	CHECK(cfg.mode == WS_DP_MODE_GATEWAY);
	CHECK(!strcmp(cfg.eal.file_prefix, "ws-t"));
	CHECK(cfg.eal.memory_mb == 128);
	CHECK(cfg.eal.no_huge);
	CHECK(cfg.eal.n_extra_args == 2);
	CHECK(!strcmp(cfg.eal.extra_args[1], "8"));
	CHECK(cfg.n_ports == 2);
	CHECK(!strcmp(cfg.ports[0].name, "wan0"));
	CHECK(cfg.ports[0].role == WS_DP_ROLE_WAN);
	CHECK(!cfg.ports[0].is_pci);
	CHECK(!strcmp(cfg.ports[0].device, "net_af_packet0,iface=veth0"));
	inet_pton(AF_INET, "198.18.0.1", a);
	CHECK(cfg.ports[0].ip4.family == AF_INET);
	CHECK(!memcmp(cfg.ports[0].ip4.bytes, a, 4));
	CHECK(cfg.ports[0].ip4.prefix == 24);
	CHECK(cfg.ports[0].ip6.family == 0);
	CHECK(cfg.ports[0].gw4.family == AF_INET);
	CHECK(cfg.ports[0].gw4.prefix == 32);
	CHECK(cfg.ports[0].gw6.family == 0);
	CHECK(cfg.ports[0].rx_queues == 2);
	CHECK(cfg.ports[0].tx_queues == 4);
	CHECK(cfg.ports[0].rx_desc == 512);
	CHECK(cfg.ports[0].tx_desc == 2048);
	CHECK(cfg.ports[0].line == 8);
	CHECK(cfg.ports[1].role == WS_DP_ROLE_LAN);
	CHECK(cfg.ports[1].is_pci);
	CHECK(cfg.ports[1].ip6.family == AF_INET6);
	CHECK(cfg.ports[1].ip6.prefix == 64);
	CHECK(cfg.ports[1].ip4.family == 0);
	CHECK(cfg.ports[1].tx_queues == 2); /* default: one per worker */
	CHECK(cfg.ports[1].rx_desc == 1024);
	CHECK(cfg.lcores.service == 0);
	CHECK(cfg.lcores.n_workers == 2);
	CHECK(cfg.lcores.workers[1] == 2);
	CHECK(cfg.mempool.mbufs == 4095);
	CHECK(cfg.mempool.cache == 128);
	CHECK(cfg.mempool.mbuf_size == 2048);
	CHECK(cfg.burst == 16);
	CHECK(!strcmp(cfg.control_socket, "/run/wirespeed/wg7.ctl"));
	CHECK(ws_dp_config_wan(&cfg) == &cfg.ports[0]);
	CHECK(ws_dp_config_data_lcores(&cfg) == 2);
}

static void test_defaults(void)
{
	CHECK(parse("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
		    "address: 192.0.2.1/24}\n") == 0);
	CHECK(!strcmp(cfg.ifname, "wg0"));
	CHECK(cfg.listen_port == 51820);
	CHECK(cfg.mode == WS_DP_MODE_HOST);
	CHECK(!strcmp(cfg.eal.file_prefix, "ws-wg0"));
	CHECK(cfg.eal.memory_mb == 256);
	CHECK(!cfg.eal.no_huge);
	CHECK(cfg.lcores.mode == WS_DP_LCORES_RTC);
	CHECK(cfg.lcores.service == 0);
	CHECK(cfg.lcores.n_workers == 1 && cfg.lcores.workers[0] == 1);
	CHECK(cfg.mempool.mbufs == 8191);
	CHECK(cfg.mempool.cache == 256);
	CHECK(cfg.mempool.mbuf_size == 2176);
	CHECK(cfg.burst == 32);
	CHECK(cfg.ports[0].rx_queues == 1 && cfg.ports[0].tx_queues == 1);
	CHECK(cfg.ports[0].rx_desc == 1024 && cfg.ports[0].tx_desc == 1024);
	CHECK(cfg.ports[0].gw4.family == 0 && cfg.ports[0].gw6.family == 0);
	CHECK(!strcmp(cfg.control_socket, "/run/wirespeed/wg0.ctl"));
	CHECK(cfg.tables.max_peers == 65536 && cfg.tables.max_allowed_ips == 65536);
	CHECK(cfg.tables.fib == WS_DP_FIB_AUTO);
	CHECK(!strcmp(cfg.crypto, "auto") && cfg.under_load_queue == 128);
	CHECK(parse("dataplane:\n  tables: {maxPeers: 10, maxAllowedIps: 100, fib: rib}\n"
		    "  crypto: ipsecmb-avx2\n  underLoadQueue: 0\n  ports:\n"
		    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n") == 0);
	CHECK(cfg.tables.max_peers == 10 && cfg.tables.max_allowed_ips == 100);
	CHECK(cfg.tables.fib == WS_DP_FIB_RIB);
	CHECK(!strcmp(cfg.crypto, "ipsecmb-avx2") && cfg.under_load_queue == 0);
}

static void test_dual_stack(void)
{
	uint8_t a6[16];

	CHECK(parse("dataplane:\n  ports:\n"
		    "    - name: wan0\n      role: wan\n      device: net_null0\n"
		    "      address: [192.0.2.1/24, '2001:db8::1/64']\n"
		    "      gateway: ['2001:db8::ff', 192.0.2.254]\n") == 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	CHECK(cfg.ports[0].ip4.family == AF_INET && cfg.ports[0].ip4.prefix == 24);
	CHECK(cfg.ports[0].ip6.family == AF_INET6 && cfg.ports[0].ip6.prefix == 64);
	CHECK(!memcmp(cfg.ports[0].ip6.bytes, a6, 16));
	CHECK(cfg.ports[0].gw4.family == AF_INET && cfg.ports[0].gw6.family == AF_INET6);
}

static void test_pipeline(void)
{
	CHECK(parse("dataplane:\n"
		    "  ports: [{name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}]\n"
		    "  lcores: {service: 0, mode: pipeline, pipeline: {io: [1], crypto: [2, 3]}}\n")
	      == 0);
	CHECK(cfg.lcores.mode == WS_DP_LCORES_PIPELINE);
	CHECK(cfg.lcores.n_io == 1 && cfg.lcores.io[0] == 1);
	CHECK(cfg.lcores.n_crypto == 2 && cfg.lcores.crypto[1] == 3);
	CHECK(ws_dp_config_data_lcores(&cfg) == 3);
	CHECK(cfg.ports[0].tx_queues == 3);
}

#define PORT "  ports: [{name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}]\n"

static void test_bad(void)
{
	BAD("", "cfg.yaml:1: dataplane: missing section (the file is empty)");
	BAD("interface: {name: wg0}\n", "cfg.yaml:1: dataplane: missing section");
	BAD("a: [\n", "cfg.yaml:2: YAML syntax error: did not find expected node content while "
		      "parsing a flow node");
	BAD("- 1\n", "cfg.yaml:1: (top level): expected a mapping, got a list");
	BAD("dataplane: 3\n", "cfg.yaml:1: dataplane: expected a mapping, got a scalar");
	BAD("dataplane:\n  foo: 1\n" PORT, "cfg.yaml:2: dataplane.foo: unknown key");
	BAD("dataplane:\n  burst: 1\n  burst: 2\n" PORT,
	    "cfg.yaml:3: dataplane.burst: duplicate key");
	BAD("dataplane:\n  tables: {maxPeers: 0}\n" PORT,
	    "cfg.yaml:2: dataplane.tables.maxPeers: expected an integer in 1..1048576, got '0'");
	BAD("dataplane:\n  tables: {fib: trie}\n" PORT,
	    "cfg.yaml:2: dataplane.tables.fib: expected auto|dir24_8|rib, got 'trie'");
	BAD("dataplane:\n  tables: {size: 3}\n" PORT, "cfg.yaml:2: dataplane.tables.size: unknown key");
	BAD("dataplane:\n  crypto: aesni\n" PORT,
	    "cfg.yaml:2: dataplane.crypto: expected auto|ipsecmb[-arch]|ref, got 'aesni'");
	BAD("dataplane:\n  underLoadQueue: 5000\n" PORT,
	    "cfg.yaml:2: dataplane.underLoadQueue: expected an integer in 0..1024, got '5000'");
	BAD("dataplane:\n  mode: bridge\n" PORT,
	    "cfg.yaml:2: dataplane.mode: expected host|gateway, got 'bridge'");
	BAD("dataplane:\n  burst: 0\n" PORT,
	    "cfg.yaml:2: dataplane.burst: expected an integer in 1..256, got '0'");
	BAD("dataplane:\n  burst: 12x\n" PORT,
	    "cfg.yaml:2: dataplane.burst: expected an integer in 1..256, got '12x'");
	BAD("dataplane:\n  burst: -1\n" PORT,
	    "cfg.yaml:2: dataplane.burst: expected an integer in 1..256, got '-1'");
	BAD("dataplane:\n  eal: {noHuge: maybe}\n" PORT,
	    "cfg.yaml:2: dataplane.eal.noHuge: expected true|false, got 'maybe'");
	BAD("dataplane:\n  eal: {filePrefix: 'a/b'}\n" PORT,
	    "cfg.yaml:2: dataplane.eal.filePrefix: expected letters, digits, '-' or '_', got "
	    "'a/b'");
	BAD("dataplane:\n  eal: {extraArgs: --foo}\n" PORT,
	    "cfg.yaml:2: dataplane.eal.extraArgs: expected a list, got a scalar");
	BAD("dataplane:\n  eal: {noHuge: true, socketMemMB: [64]}\n" PORT,
	    "cfg.yaml:2: dataplane.eal.socketMemMB: only with hugepages (noHuge: false); use "
	    "memoryMB");
	BAD("dataplane:\n  eal: {memoryMB: 1}\n" PORT,
	    "cfg.yaml:2: dataplane.eal.memoryMB: expected an integer in 16..1048576, got '1'");
	BAD("dataplane:\n  mode: host\n", "cfg.yaml:2: dataplane.ports: missing (one wan port is "
					  "required)");
	BAD("dataplane:\n  ports: {}\n",
	    "cfg.yaml:2: dataplane.ports: expected a list, got a mapping");
	BAD("dataplane:\n  ports: []\n",
	    "cfg.yaml:2: dataplane.ports: expected exactly one wan port, got 0");
	BAD("dataplane:\n"
	    "  ports:\n"
	    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n"
	    "    - {name: lan0, role: foo, device: net_null1}\n",
	    "cfg.yaml:4: dataplane.ports[1].role: expected wan|lan, got 'foo'");
	BAD("dataplane:\n  ports:\n    - {role: wan, device: net_null0}\n",
	    "cfg.yaml:3: dataplane.ports[0]: missing key 'name'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, device: net_null0}\n",
	    "cfg.yaml:3: dataplane.ports[0]: missing key 'role'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan}\n",
	    "cfg.yaml:3: dataplane.ports[0]: missing key 'device'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0}\n",
	    "cfg.yaml:3: dataplane.ports[0].address: missing (the wan port needs its address)");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: eth0}\n",
	    "cfg.yaml:3: dataplane.ports[0].device: expected a PCI address (0000:03:00.0) or a "
	    "vdev spec (net_<driver><n>[,key=value...]), got 'eth0'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: 'net_,iface=x'}\n",
	    "cfg.yaml:3: dataplane.ports[0].device: vdev spec without a driver name: "
	    "'net_,iface=x'");
	BAD("dataplane:\n  ports:\n    - {name: 'wan 0', role: wan, device: net_null0}\n",
	    "cfg.yaml:3: dataplane.ports[0].name: expected letters, digits, '-', '_' or '.', got "
	    "'wan 0'");
	BAD("dataplane:\n  ports:\n    - {name: wan0123456789abcd, role: wan, device: net_null0}\n",
	    "cfg.yaml:3: dataplane.ports[0].name: longer than 15 characters");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1}\n",
	    "cfg.yaml:3: dataplane.ports[0].address: expected address/prefix-length, got "
	    "'192.0.2.1'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.300/24}\n",
	    "cfg.yaml:3: dataplane.ports[0].address: expected an IPv4 or IPv6 "
	    "address/prefix-length, got '192.0.2.300/24'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1/33}\n",
	    "cfg.yaml:3: dataplane.ports[0].address: bad prefix length in '192.0.2.1/33'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1/24, gateway: 192.0.2.254/24}\n",
	    "cfg.yaml:3: dataplane.ports[0].gateway: expected an address without prefix length, "
	    "got '192.0.2.254/24'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1/24, gateway: 'fe80::1'}\n",
	    "cfg.yaml:3: dataplane.ports[0].gateway: an IPv6 gateway needs an IPv6 address");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0,\n"
	    "       address: [192.0.2.1/24, 192.0.2.2/24]}\n",
	    "cfg.yaml:4: dataplane.ports[0].address[1]: a second IPv4 address (one per family)");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: []}\n",
	    "cfg.yaml:3: dataplane.ports[0].address: must not be empty");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: {a: 1}}\n",
	    "cfg.yaml:3: dataplane.ports[0].address: expected an address or a list of "
	    "addresses, got a mapping");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: [192.0.2.1/24, 'x/1']}\n",
	    "cfg.yaml:3: dataplane.ports[0].address[1]: expected an IPv4 or IPv6 "
	    "address/prefix-length, got 'x/1'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1/24, rxDesc: 1000}\n",
	    "cfg.yaml:3: dataplane.ports[0].rxDesc: expected a power of two in 64..16384, got "
	    "'1000'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1/24, rxQueues: 0}\n",
	    "cfg.yaml:3: dataplane.ports[0].rxQueues: expected an integer in 1..64, got '0'");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1/24, speed: 10}\n",
	    "cfg.yaml:3: dataplane.ports[0].speed: unknown key");
	BAD("dataplane:\n  lcores: {workers: [1, 2]}\n  ports:\n"
	    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24, "
	    "txQueues: 1}\n",
	    "cfg.yaml:4: dataplane.ports[0].txQueues: 1 is fewer than the 2 lcores that transmit "
	    "(one queue each)");
	BAD("dataplane:\n  ports:\n"
	    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n"
	    "    - {name: wan0, role: lan, device: net_null1, address: 10.0.0.1/24}\n",
	    "cfg.yaml:4: dataplane.ports[1].name: 'wan0' is also the name of ports[0]");
	BAD("dataplane:\n  mode: gateway\n  ports:\n"
	    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n"
	    "    - {name: lan0, role: lan, device: net_null0, address: 10.0.0.1/24}\n",
	    "cfg.yaml:5: dataplane.ports[1].device: 'net_null0' is also the device of ports[0]");
	BAD("dataplane:\n  ports:\n"
	    "    - {name: wg0, role: wan, device: net_null0, address: 192.0.2.1/24}\n",
	    "cfg.yaml:3: dataplane.ports[0].name: 'wg0' is also interface.name");
	BAD("dataplane:\n  mode: gateway\n" PORT,
	    "cfg.yaml:3: dataplane.ports: mode gateway needs a lan port");
	BAD("dataplane:\n  mode: host\n  ports:\n"
	    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n"
	    "    - {name: lan0, role: lan, device: net_null1, address: 10.0.0.1/24}\n",
	    "cfg.yaml:2: dataplane.mode: lan ports need mode: gateway (host mode delivers to the "
	    "wg0 TAP)");
	BAD("dataplane:\n  ports:\n"
	    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n"
	    "    - {name: wan1, role: wan, device: net_null1, address: 192.0.3.1/24}\n",
	    "cfg.yaml:3: dataplane.ports: expected exactly one wan port, got 2");
	BAD("dataplane:\n  mode: gateway\n  ports:\n"
	    "    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n"
	    "    - {name: lan0, role: lan, device: net_null1, address: 10.0.0.1/24}\n"
	    "    - {name: lan1, role: lan, device: net_null2, address: 10.0.1.1/24}\n",
	    "cfg.yaml:4: dataplane.ports: expected at most one lan port, got 2 (one LAN is "
	    "served)");
	BAD("dataplane:\n  lcores: {service: 1, workers: [1]}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.workers: lcore 1 is used twice (each lcore has one "
	    "role; the service lcore is 1)");
	BAD("dataplane:\n  lcores: {workers: []}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.workers: must not be empty");
	BAD("dataplane:\n  lcores: {workers: [128]}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.workers[0]: expected an integer in 0..127, got '128'");
	BAD("dataplane:\n  lcores: {mode: turbo}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.mode: expected run-to-completion|pipeline, got 'turbo'");
	BAD("dataplane:\n  lcores: {mode: pipeline}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.pipeline: missing: mode pipeline needs pipeline: {io: "
	    "[...], crypto: [...]}");
	BAD("dataplane:\n  lcores: {mode: pipeline, workers: [1], pipeline: {io: [1]}}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.workers: only with mode: run-to-completion (use "
	    "pipeline: {io, crypto})");
	BAD("dataplane:\n  lcores: {mode: pipeline, pipeline: {io: [1]}}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.pipeline.crypto: missing");
	BAD("dataplane:\n  lcores: {mode: pipeline, pipeline: {io: [1], crypto: [1]}}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.pipeline.crypto: lcore 1 is used twice (each lcore has "
	    "one role; the service lcore is 0)");
	BAD("dataplane:\n  lcores: {pipeline: {io: [1], crypto: [2]}}\n" PORT,
	    "cfg.yaml:2: dataplane.lcores.pipeline: only with mode: pipeline");
	BAD("dataplane:\n  mempool: {mbufs: 2047, cache: 512}\n" PORT,
	    "cfg.yaml:2: dataplane.mempool.cache: 512 is more than a quarter of mbufs (2047)");
	BAD("dataplane:\n  mempool: {mbufSize: 512}\n" PORT,
	    "cfg.yaml:2: dataplane.mempool.mbufSize: expected an integer in 1152..65535, got "
	    "'512'");
	BAD("dataplane:\n  controlSocket: run/x.ctl\n" PORT,
	    "cfg.yaml:2: dataplane.controlSocket: expected an absolute path, got 'run/x.ctl'");
	BAD("interface: {listenPort: 0}\ndataplane:\n" PORT,
	    "cfg.yaml:1: interface.listenPort: expected an integer in 1..65535, got '0'");
	BAD("interface: {name: 'wg/0'}\ndataplane:\n" PORT,
	    "cfg.yaml:1: interface.name: expected letters, digits, '-', '_' or '.', got 'wg/0'");
	CHECK(ws_dp_config_load(&cfg, "/nonexistent/x.yaml", err, sizeof(err)) == -1);
	CHECK(!strcmp(err, "/nonexistent/x.yaml: cannot open: No such file or directory"));
}

/* The argv as one space-separated string, without argv[0]. */
static const char *joined(const struct ws_dp_eal_args *a)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 1; i < a->argc; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i > 1 ? " " : "",
					a->argv[i]);
	return buf;
}

#define ARGS(expect, ...)                                                                   \
	do {                                                                                \
		char *const raw_[] = {__VA_ARGS__};                                                 \
		int n_ = (int)(sizeof(raw_) / sizeof(raw_[0])) - 1;                         \
		CHECK(ws_dp_config_eal_args(&cfg, "wsdp", n_, raw_, &args, err,            \
					    sizeof(err)) == 0);                             \
		CHECK(!strcmp(args.argv[0], "wsdp"));                                       \
		CHECK(args.argv[args.argc] == NULL);                                        \
		CHECK(!strcmp(joined(&args), expect));                                      \
		if (strcmp(joined(&args), expect))                                          \
			fprintf(stderr, "  got:      %s\n  expected: %s\n", joined(&args),      \
				expect);                                                    \
	} while (0)

#define GW_WAN                                                                                     \
	"dataplane:\n  mode: gateway\n  ports:\n"                                                  \
	"    - {name: wan0, role: wan, device: net_null0, address: 192.0.2.1/24}\n"
#define GW_LAN                                                                                     \
	"    - {name: lan0, role: lan, device: net_null1, address: [10.0.0.1/24, 'fd00::1/64'],\n"

static void test_neighbours(void)
{
	const struct ws_dp_port_cfg *l = &cfg.ports[1];
	uint8_t a6[16];

	CHECK(parse(GW_WAN GW_LAN
		    "       neighbours: [{address: 10.0.0.7, mac: '02:00:5E:10:00:07'},\n"
		    "                    {mac: '0a:bc:de:f0:12:34', address: 'fd00::7'},\n"
		    "                    {address: 'fe80::1', mac: '02:00:00:00:00:01'}]}\n") == 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK(l->n_neigh == 3 && cfg.ports[0].n_neigh == 0);
	CHECK(l->neigh[0].addr.family == AF_INET && l->neigh[0].addr.bytes[3] == 7);
	CHECK(!memcmp(l->neigh[0].mac, (const uint8_t[6]){2, 0, 0x5e, 0x10, 0, 7}, 6));
	inet_pton(AF_INET6, "fd00::7", a6);
	CHECK(l->neigh[1].addr.family == AF_INET6 && !memcmp(l->neigh[1].addr.bytes, a6, 16));
	CHECK(!memcmp(l->neigh[1].mac, (const uint8_t[6]){0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34}, 6));
	CHECK(l->neigh[0].line == 6 && l->neigh[1].line == 7);

	BAD(GW_WAN GW_LAN
	    "       neighbours: [{address: 10.0.0.7/32, mac: '02:00:00:00:00:07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].address: expected an address without "
	    "prefix length, got '10.0.0.7/32'");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7, mac: '02:00:00:00:00'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].mac: expected a MAC address like "
	    "02:00:00:00:00:01, got '02:00:00:00:00'");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7, mac: '02-00-00-00-00-07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].mac: expected a MAC address like "
	    "02:00:00:00:00:01, got '02-00-00-00-00-07'");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7, mac: '02:00:00:00:0:007'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].mac: expected a MAC address like "
	    "02:00:00:00:00:01, got '02:00:00:00:0:007'");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7, mac: '01:00:5e:00:00:07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].mac: '01:00:5e:00:00:07' is a "
	    "multicast MAC (a neighbour needs a unicast one)");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7, mac: '00:00:00:00:00:00'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].mac: '00:00:00:00:00:00' is the zero "
	    "MAC");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0]: missing key 'mac'");
	BAD(GW_WAN GW_LAN "       neighbours: [{mac: '02:00:00:00:00:07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0]: missing key 'address'");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7, mac: '02:00:00:00:00:07', "
			  "dev: x}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].dev: unknown key");
	BAD(GW_WAN GW_LAN "       neighbours: {address: 10.0.0.7, mac: '02:00:00:00:00:07'}}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours: expected a list, got a mapping");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.7, mac: '02:00:00:00:00:07'},\n"
			  "                    {address: 10.0.0.7, mac: '02:00:00:00:00:08'}]}\n",
	    "cfg.yaml:7: dataplane.ports[1].neighbours[1]: address also in "
	    "dataplane.ports[1].neighbours[0]");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.1.7, mac: '02:00:00:00:00:07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].address: not on the port's link "
	    "(10.0.0.1/24)");
	BAD(GW_WAN GW_LAN
	    "       neighbours: [{address: 'fd00:0:0:1::7', mac: '02:00:00:00:00:07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].address: not on the port's link "
	    "(fd00::1/64)");
	BAD(GW_WAN GW_LAN "       neighbours: [{address: 10.0.0.1, mac: '02:00:00:00:00:07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].address: is the port's own address");
	BAD(GW_WAN "    - {name: lan0, role: lan, device: net_null1, address: 10.0.0.1/24,\n"
		   "       neighbours: [{address: 'fd00::7', mac: '02:00:00:00:00:07'}]}\n",
	    "cfg.yaml:6: dataplane.ports[1].neighbours[0].address: an IPv6 neighbour needs an "
	    "IPv6 address");
	BAD("dataplane:\n  ports:\n    - {name: wan0, role: wan, device: net_null0, "
	    "address: 192.0.2.1/24,\n"
	    "       neighbours: [{address: 192.0.2.7, mac: '02:00:00:00:00:07'}]}\n",
	    "cfg.yaml:4: dataplane.ports[0].neighbours[0].address: static neighbours are for lan "
	    "ports only (the wan port learns its next hops)");
	{
		/* 65 entries: one too many */
		static char text[8192];
		size_t n =
			(size_t)snprintf(text, sizeof(text), GW_WAN GW_LAN "       neighbours: [");

		for (unsigned int i = 0; i <= WS_DP_MAX_STATIC_NEIGH; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%s{address: 10.0.0.%u, mac: '02:00:00:00:00:%02x'}",
					      i ? ", " : "", 10 + i, 10 + i);
		snprintf(text + n, sizeof(text) - n, "]}\n");
		BAD(text, "cfg.yaml:6: dataplane.ports[1].neighbours[64]: more than 64 entries");
	}
}

static void test_eal_args(void)
{
	static struct ws_dp_eal_args args;

	CHECK(parse(full) == 0);
	ARGS("-l 0,1,2 --main-lcore 0 --file-prefix ws-t --no-huge -m 128 "
	     "--vdev net_af_packet0,iface=veth0 -a 0000:03:00.0 --log-level 8",
	     NULL);
	CHECK(ws_dp_eal_args_no_huge(&args));
	/* raw options replace the derived ones of their class, and come last */
	ARGS("--no-huge -m 128 --vdev net_af_packet0,iface=veth0 -a 0000:03:00.0 --log-level 8 "
	     "-l 0-3 --file-prefix=x",
	     "-l", "0-3", "--file-prefix=x", NULL);
	ARGS("--file-prefix ws-t --log-level 8 --lcores 0@0,1@0,2@1 -m 64 --no-pci --vdev "
	     "net_af_packet0,iface=veth9",
	     "--lcores", "0@0,1@0,2@1", "-m", "64", "--no-pci", "--vdev",
	     "net_af_packet0,iface=veth9", NULL);
	ARGS("-l 0,1,2 --main-lcore 0 --file-prefix ws-t --no-huge -m 128 --vdev "
	     "net_af_packet0,iface=veth0 --log-level 8 -a0000:04:00.0 --vdev=net_tap5",
	     "-a0000:04:00.0", "--vdev=net_tap5", NULL);

	/* hugepages: -m, or --socket-mem when given; --no-pci when no PCI port */
	CHECK(parse("dataplane:\n  eal: {memoryMB: 512}\n" PORT) == 0);
	ARGS("-l 0,1 --main-lcore 0 --file-prefix ws-wg0 -m 512 --vdev net_null0 --no-pci", NULL);
	CHECK(!ws_dp_eal_args_no_huge(&args));
	CHECK(parse("dataplane:\n  eal: {socketMemMB: [1024, 512]}\n"
		    "  lcores: {service: 3, mode: pipeline, pipeline: {io: [1], crypto: [2, 5]}}\n"
		    PORT) == 0);
	ARGS("-l 3,1,2,5 --main-lcore 3 --file-prefix ws-wg0 --socket-mem 1024,512 --vdev "
	     "net_null0 --no-pci",
	     NULL);
	ARGS("-l 3,1,2,5 --main-lcore 3 --file-prefix ws-wg0 --vdev net_null0 --no-pci --no-huge",
	     "--no-huge", NULL);
	CHECK(ws_dp_eal_args_no_huge(&args));
}

static void test_example_files(void)
{
	static const char *const files[] = {"host-mode.yaml", "gateway-mode.yaml"};
	char path[1024];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", WS_CONFIG_EXAMPLES, files[i]);
		CHECK(ws_dp_config_load(&cfg, path, err, sizeof(err)) == 0);
		if (err[0])
			fprintf(stderr, "  %s\n", err);
		err[0] = '\0';
	}
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_full),	  WS_TEST(test_defaults),      WS_TEST(test_dual_stack),
		WS_TEST(test_neighbours), WS_TEST(test_pipeline),      WS_TEST(test_bad),
		WS_TEST(test_eal_args),	  WS_TEST(test_example_files),
	};

	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
