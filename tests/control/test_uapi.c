/* SPDX-License-Identifier: BSD-3-Clause */
/* UAPI text protocol: set parsing (every error path), get formatting, round trip. */
#include <errno.h>
#include <stdlib.h>

#include "crypto.h"
#include "keys.h"
#include "uapi.h"
#include "ws_test.h"

#define HK1 "e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a"
#define HK2 "c4c8e984c5322c8184c72265b92b250fdb63688705f504ba003c88f03393cf28"
#define HK3 "188515093e952f5f22e865cef3012e72f8b5f0b108b1a98c0a7b0e7e9bb9f6b0"

static int parse(const char *s, struct ws_change *chg, char *err)
{
	return ws_uapi_parse_set(s, strlen(s), chg, err, 200);
}

static void expect(const char *s, int code, const char *errpart)
{
	struct ws_change chg;
	char err[200] = "";
	int r = parse(s, &chg, err);

	CHECK(r == code);
	if (r != code)
		fprintf(stderr, "  '%s' -> %d (%s)\n", s, r, err);
	if (errpart && !strstr(err, errpart)) {
		fprintf(stderr, "  err '%s' lacks '%s'\n", err, errpart);
		CHECK(!"error text");
	}
	if (r == 0)
		ws_change_free(&chg);
}

static void test_parse_good(void)
{
	struct ws_change chg;
	char err[200];
	const char *s = "private_key=" HK1 "\nlisten_port=51820\nfwmark=0\nreplace_peers=true\n"
			"public_key=" HK2 "\npreshared_key=" HK3 "\nendpoint=[::1]:51820\n"
			"persistent_keepalive_interval=25\nreplace_allowed_ips=true\n"
			"allowed_ip=10.0.0.7/24\nallowed_ip=-10.9.0.0/16\nprotocol_version=1\n"
			"public_key=" HK3 "\nremove=true\n"
			"public_key=" HK1 "\nupdate_only=true\n\n";

	CHECK(parse(s, &chg, err) == 0);
	CHECK(chg.flags == (WS_CHG_PRIVATE_KEY | WS_CHG_LISTEN_PORT | WS_CHG_FWMARK |
			    WS_CHG_REPLACE_PEERS));
	CHECK(chg.listen_port == 51820 && chg.n_peers == 3);
	CHECK(chg.peers[0].flags == (WS_PCHG_PSK | WS_PCHG_ENDPOINT | WS_PCHG_KEEPALIVE |
				     WS_PCHG_REPLACE_AIPS));
	CHECK(chg.peers[0].persistent_keepalive == 25 && chg.peers[0].n_aips == 2);
	CHECK(chg.peers[0].aips[0].prefix.addr[3] == 0 && !chg.peers[0].aips[0].remove);
	CHECK(chg.peers[0].aips[1].remove && chg.peers[0].aips[1].prefix.cidr == 16);
	CHECK(chg.peers[1].flags == WS_PCHG_REMOVE);
	CHECK(chg.peers[2].flags == WS_PCHG_UPDATE_ONLY);
	ws_change_free(&chg);
}

static void test_parse_bad(void)
{
	expect("listen_port\n\n", -EPROTO, "no '='");
	expect("listen_port=70000\n\n", -EINVAL, "line 1");
	expect("listen_port=-1\n\n", -EINVAL, NULL);
	expect("listen_port=\n\n", -EINVAL, NULL);
	expect("private_key=abcd\n\n", -EINVAL, "hex key");
	expect("replace_peers=yes\n\n", -EINVAL, "only 'true'");
	expect("frobnicate=1\n\n", -EINVAL, "unknown device key");
	expect("endpoint=1.2.3.4:5\n\n", -EINVAL, "unknown device key");
	expect("public_key=" HK2 "\nendpoint=example.com:5\n\n", -EINVAL, "line 2");
	expect("public_key=" HK2 "\nallowed_ip=10.0.0.1\n\n", -EINVAL, "address/cidr");
	expect("public_key=" HK2 "\nallowed_ip=10.0.0.1/40\n\n", -EINVAL, NULL);
	expect("public_key=" HK2 "\nprotocol_version=2\n\n", -EINVAL, NULL);
	expect("public_key=" HK2 "\nremove=false\n\n", -EINVAL, NULL);
	expect("public_key=" HK2 "\nlisten_port=1\n\n", -EINVAL, "unknown peer key");
	expect("public_key=" HK2 "\npersistent_keepalive_interval=65536\n\n", -EINVAL, NULL);
	expect("public_key=zz\n\n", -EINVAL, NULL);
	/* An error on the last line still rejects the whole request. */
	expect("listen_port=1\npublic_key=" HK2 "\nallowed_ip=10.0.0.0/8\nbogus\n\n", -EPROTO,
	       "line 4");
}

static void test_apply_and_get(void)
{
	struct ws_device dev;
	struct ws_change chg;
	char err[200], *out;
	size_t len;
	const char *s = "private_key=" HK1 "\nlisten_port=51820\n"
			"public_key=" HK2 "\nendpoint=192.0.2.1:51820\nallowed_ip=10.0.0.2/32\n"
			"allowed_ip=fd00::2/128\npersistent_keepalive_interval=5\n\n";

	CHECK(ws_device_init(&dev, "wg0") == 0);
	CHECK(parse(s, &chg, err) == 0);
	CHECK(ws_device_apply(&dev, &chg, err, sizeof(err)) == 0);
	ws_change_free(&chg);
	out = ws_uapi_format_get(&dev, &len);
	CHECK(out && strlen(out) == len);
	CHECK(strstr(out, "private_key=" HK1 "\nlisten_port=51820\npublic_key=" HK2 "\n"));
	CHECK(strstr(out, "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"));
	CHECK(strstr(out, "endpoint=192.0.2.1:51820\n"));
	CHECK(strstr(out, "last_handshake_time_sec=0\n"));
	CHECK(strstr(out, "persistent_keepalive_interval=5\n"));
	CHECK(strstr(out, "allowed_ip=10.0.0.2/32\nallowed_ip=fd00::2/128\n"));
	CHECK(len >= 9 && !strcmp(out + len - 9, "errno=0\n\n"));
	ws_memzero(out, len);
	free(out);
	ws_device_destroy(&dev);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_parse_good),
		WS_TEST(test_parse_bad),
		WS_TEST(test_apply_and_get),
	};
	ws_crypto_init();
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
