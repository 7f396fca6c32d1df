/* SPDX-License-Identifier: BSD-3-Clause */
/* The control process's YAML loader: good files load whole, bad ones fail naming line and key. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "keys.h"
#include "ws_test.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define K3 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="

static int load(const char *yaml, struct ws_cfg *cfg, char *err)
{
	return ws_cfg_load_string("t.yaml", yaml, strlen(yaml), cfg, err);
}

/* Loads yaml expecting failure with an error containing want. */
static void bad(const char *yaml, const char *want)
{
	struct ws_cfg cfg;
	char err[WS_CFG_ERR_MAX];
	int r = load(yaml, &cfg, err);

	CHECK(r == -1);
	if (r == -1 && !strstr(err, want)) {
		fprintf(stderr, "  error was: %s\n  wanted:    %s\n", err, want);
		CHECK(!"error text");
	}
	if (r == 0)
		ws_cfg_free(&cfg);
}

static void test_good(void)
{
	struct ws_cfg cfg;
	char err[WS_CFG_ERR_MAX], buf[64];
	uint8_t k[WS_KEY_LEN];
	const char *y = "interface:\n"
			"  name: wg7\n"
			"  privateKey: " K1 "\n"
			"  listenPort: 51821\n"
			"  fwMark: 0x10\n"
			"  addresses: [10.0.0.1/24, \"fd00::1/64\"]\n"
			"dataplane: {mode: host}\n"
			"peers:\n"
			"  - name: laptop\n"
			"    publicKey: " K2 "\n"
			"    presharedKey: " K3 "\n"
			"    allowedIPs: [10.0.0.2/32, 10.9.8.7/8, \"fd00::2/128\"]\n"
			"    endpoint: \"192.0.2.2:51820\"\n"
			"    persistentKeepalive: 25\n"
			"  - publicKey: " K3 "\n"
			"    allowedIPs: 10.0.0.3/32, 10.0.0.4/32\n"
			"    endpoint: \"[2001:db8::1]:4500\"\n";

	CHECK(load(y, &cfg, err) == 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK(!strcmp(cfg.name, "wg7"));
	CHECK(cfg.has_private_key);
	ws_key_from_base64(k, K1);
	CHECK_MEM(cfg.private_key, k, WS_KEY_LEN);
	CHECK(cfg.listen_port == 51821);
	CHECK(cfg.fwmark == 0x10);
	CHECK(cfg.n_addresses == 2);
	ws_prefix_format(&cfg.addresses[0], buf, sizeof(buf));
	CHECK(!strcmp(buf, "10.0.0.1/24")); /* interface addresses keep their host bits */
	CHECK(cfg.n_peers == 2);
	CHECK(!strcmp(cfg.peers[0].name, "laptop"));
	CHECK(cfg.peers[0].has_psk && !cfg.peers[1].has_psk);
	CHECK(cfg.peers[0].n_allowed_ips == 3);
	ws_prefix_format(&cfg.peers[0].allowed_ips[1], buf, sizeof(buf));
	CHECK(!strcmp(buf, "10.0.0.0/8")); /* allowed IPs are masked as wg does */
	ws_endpoint_format(&cfg.peers[0].endpoint, buf, sizeof(buf));
	CHECK(!strcmp(buf, "192.0.2.2:51820"));
	CHECK(cfg.peers[0].persistent_keepalive == 25);
	CHECK(cfg.peers[1].n_allowed_ips == 2);
	ws_endpoint_format(&cfg.peers[1].endpoint, buf, sizeof(buf));
	CHECK(!strcmp(buf, "[2001:db8::1]:4500"));
	CHECK(cfg.peers[1].line == 15);
	ws_cfg_free(&cfg);

	CHECK(load("interface: {}\n", &cfg, err) == 0);
	CHECK(!strcmp(cfg.name, "wg0") && !cfg.has_private_key && cfg.n_peers == 0);
	ws_cfg_free(&cfg);
}

static void test_bad(void)
{
	bad("", "t.yaml: (file): empty file");
	bad("interface: [\n", "YAML syntax error");
	bad("peers: []\n", "t.yaml:1: interface: section is required");
	bad("interface: {}\nfoo: 1\n", "t.yaml:2: foo: unknown section");
	bad("interface:\n  listenPort: 70000\n",
	    "t.yaml:2: interface.listenPort: expected an integer 0..65535, got '70000'");
	bad("interface:\n  listenPort: -1\n", "interface.listenPort: expected an integer");
	bad("interface:\n  listenPort: [1]\n", "interface.listenPort: expected a single value");
	bad("interface:\n  privateKey: abc\n", "t.yaml:2: interface.privateKey: not a base64 key");
	bad("interface:\n  name: a/b\n", "interface.name: 'a/b' is not a valid interface name");
	bad("interface:\n  name: sixteen-chars-xx\n", "is not a valid interface name");
	bad("interface:\n  colour: red\n", "t.yaml:2: interface.colour: unknown key");
	bad("interface:\n  listenPort: 1\n  listenPort: 2\n", "key 'listenPort' given twice");
	bad("interface:\n  addresses: [10.0.0.1/33]\n",
	    "interface.addresses[0]: '10.0.0.1/33' is not an address/cidr");
	bad("interface: {}\npeers:\n  - allowedIPs: [10.0.0.2/32]\n",
	    "t.yaml:3: peers[0]: publicKey is required");
	bad("interface: {}\npeers:\n  - publicKey: " K2 "\n    endpoint: example.com:1\n",
	    "t.yaml:4: peers[0].endpoint: 'example.com:1' is not a numeric endpoint");
	bad("interface: {}\npeers:\n  - publicKey: " K2 "\n    endpoint: \"1.2.3.4:0\"\n",
	    "peers[0].endpoint");
	bad("interface: {}\npeers:\n  - publicKey: " K2 "\n    allowedIPs: [nonsense]\n",
	    "t.yaml:4: peers[0].allowedIPs[0]: 'nonsense' is not an address/cidr");
	bad("interface: {}\npeers:\n  - publicKey: " K2 "\n  - publicKey: " K2 "\n",
	    "t.yaml:4: peers[1].publicKey: the same public key as the peer at line 3");
	bad("interface: {}\npeers:\n  - publicKey: " K2 "\n    persistentKeepalive: lots\n",
	    "peers[0].persistentKeepalive: expected an integer 0..65535, got 'lots'");
	bad("interface: {}\npeers:\n  - publicKey: " K2 "\n    presharedKey: " K3
	    "\n    presharedKeyFile: /nonexistent\n",
	    "peers[0].presharedKeyFile: cannot open '/nonexistent'");
	bad("interface: {}\npeers: {a: 1}\n", "t.yaml:2: peers: expected a list of peers");
	bad("interface: {}\ndataplane: 3\n", "dataplane: expected a mapping");
}

static void test_key_file(void)
{
	char path[] = "/tmp/ws-test-key-XXXXXX", yaml[256], err[WS_CFG_ERR_MAX];
	struct ws_cfg cfg;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, K1 "\n", strlen(K1) + 1) == (ssize_t)strlen(K1) + 1);
	close(fd);
	snprintf(yaml, sizeof(yaml), "interface:\n  privateKeyFile: %s\n", path);

	CHECK(chmod(path, 0600) == 0);
	CHECK(load(yaml, &cfg, err) == 0);
	CHECK(cfg.has_private_key);
	ws_cfg_free(&cfg);

	CHECK(chmod(path, 0644) == 0);
	bad(yaml, "is accessible to group or others (mode 0644)");
	CHECK(chmod(path, 0640) == 0);
	bad(yaml, "is accessible to group or others (mode 0640)");

	snprintf(yaml, sizeof(yaml), "interface:\n  privateKey: %s\n  privateKeyFile: %s\n", K1,
		 path);
	CHECK(chmod(path, 0600) == 0);
	bad(yaml, "give privateKey or privateKeyFile, not both");
	unlink(path);
}

static void test_parsers(void)
{
	struct ws_prefix p;
	struct ws_endpoint ep;

	CHECK(ws_prefix_parse(&p, "192.168.1.1") == 0 && p.cidr == 32 && p.family == AF_INET);
	CHECK(ws_prefix_parse(&p, "::/0") == 0 && p.cidr == 0 && p.family == AF_INET6);
	CHECK(ws_prefix_parse(&p, "1.2.3.4/") == -1);
	CHECK(ws_prefix_parse(&p, "1.2.3.4/+1") == -1);
	CHECK(ws_prefix_parse(&p, "/24") == -1);
	CHECK(ws_prefix_parse(&p, "fd00::/129") == -1);
	CHECK(ws_endpoint_parse(&ep, "1.2.3.4:51820") == 0);
	CHECK(ws_endpoint_parse(&ep, "[::1]:1") == 0 && ep.ss.ss_family == AF_INET6);
	CHECK(ws_endpoint_parse(&ep, "::1:1") == -1);
	CHECK(ws_endpoint_parse(&ep, "1.2.3.4") == -1);
	CHECK(ws_endpoint_parse(&ep, "1.2.3.4:65536") == -1);
	CHECK(ws_endpoint_parse(&ep, "[::1]") == -1);
}

/* The shipped examples load (with the key file replaced: it does not exist here). */
static void test_examples(void)
{
	static const char *const files[] = { "host-mode.yaml", "gateway-mode.yaml",
					      "road-warriors.yaml" };
	char path[4096], err[WS_CFG_ERR_MAX];
	const char *dir = getenv("WS_CONFIG_EXAMPLES");
	struct ws_cfg cfg;

	CHECK(dir != NULL);
	if (!dir)
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;
		char *text;
		long n;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "r");
		CHECK(f != NULL);
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		text = calloc(1, (size_t)n + 1);
		CHECK(fread(text, 1, (size_t)n, f) == (size_t)n);
		fclose(f);
		/* privateKeyFile points at /etc: drop that line, the rest must load as shipped. */
		char *k = strstr(text, "  privateKeyFile:");
		if (k)
			memset(k, ' ', strcspn(k, "\n"));
		int r = ws_cfg_load_string(files[i], text, strlen(text), &cfg, err);
		if (r)
			fprintf(stderr, "  %s\n", err);
		CHECK(r == 0);
		if (!r)
			ws_cfg_free(&cfg);
		free(text);
	}
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_good),
		WS_TEST(test_bad),
		WS_TEST(test_key_file),
		WS_TEST(test_parsers),
		WS_TEST(test_examples),
	};
	ws_crypto_init();
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
