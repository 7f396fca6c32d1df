/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirespeedctl's JSON-RPC subcommands: `call` (any method, raw JSON), `show` (like `wg show`)
 * and `set` (the `wg set` syntax, turned into peer_add / peer_update / peer_remove /
 * interface_set calls). They talk to /run/wirespeed/<iface>.rpc unless -s names a socket.
 */
#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "ctl.h"
#include "keys.h"

static const char *socket_path(const char *opt, const char *iface, char *buf, size_t len)
{
	if (opt)
		return opt;
	snprintf(buf, len, "/run/wirespeed/%s.rpc", iface);
	return buf;
}

/*
 * One call; params is borrowed. Returns the result (new reference) or NULL after printing the
 * error (unless quiet).
 */
static json_t *call_q(const char *path, const char *method, json_t *params, bool quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static int id;
	json_t *req, *reply = NULL, *result = NULL;
	char *text, buf[1 << 16];
	size_t len = 0;
	int fd;

	req = json_pack("{s:s, s:s, s:i}", "jsonrpc", "2.0", "method", method, "id", ++id);
	if (params)
		json_object_set(req, "params", params);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "wirespeedctl: cannot connect to %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		goto out;
	/* Read until one whole JSON value has arrived. */
	for (;;) {
		json_error_t jerr;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		reply = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr);
		if (reply || len == sizeof(buf) - 1)
			break;
	}
	if (!reply) {
		fprintf(stderr, "wirespeedctl: no valid reply from %s\n", path);
		goto out;
	}
	json_t *e = json_object_get(reply, "error");
	if (e) {
		if (!quiet)
			fprintf(stderr, "wirespeedctl: %s: %s (%lld)\n", method,
			json_string_value(json_object_get(e, "message")),
			(long long)json_integer_value(json_object_get(e, "code")));
		goto out;
	}
	result = json_incref(json_object_get(reply, "result"));
	if (!result)
		result = json_true();
out:
	json_decref(reply);
	if (fd >= 0)
		close(fd);
	free(text);
	return result;
}

static json_t *call(const char *path, const char *method, json_t *params)
{
	return call_q(path, method, params, false);
}

/* wirespeedctl [-s SOCKET] call IFACE METHOD [PARAMS-JSON] */
int ws_ctl_call(int argc, char **argv, const char *sock)
{
	char buf[108];
	json_t *params = NULL, *res;
	json_error_t jerr;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "Usage: wirespeedctl call <interface> <method> [<params json>]\n");
		return 1;
	}
	if (argc == 4 && !(params = json_loads(argv[3], 0, &jerr))) {
		fprintf(stderr, "wirespeedctl: params: %s\n", jerr.text);
		return 1;
	}
	res = call(socket_path(sock, argv[1], buf, sizeof(buf)), argv[2], params);
	json_decref(params);
	if (!res)
		return 1;
	char *out = json_dumps(res, JSON_INDENT(2) | JSON_ENCODE_ANY);
	puts(out);
	free(out);
	json_decref(res);
	return 0;
}

static void print_bytes(uint64_t b)
{
	if (b < 1024)
		printf("%llu B", (unsigned long long)b);
	else if (b < 1024 * 1024)
		printf("%.2f KiB", b / 1024.0);
	else if (b < 1024ULL * 1024 * 1024)
		printf("%.2f MiB", b / (1024.0 * 1024));
	else
		printf("%.2f GiB", b / (1024.0 * 1024 * 1024));
}

/* wirespeedctl [-s SOCKET] show IFACE: the `wg show` layout. */
int ws_ctl_show(int argc, char **argv, const char *sock)
{
	char buf[108];
	const char *path;
	json_t *iface, *list, *p;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "Usage: wirespeedctl show <interface>\n");
		return 1;
	}
	path = socket_path(sock, argv[1], buf, sizeof(buf));
	if (!(iface = call(path, "interface_get", NULL)))
		return 1;
	printf("interface: %s\n", json_string_value(json_object_get(iface, "name")));
	if (json_is_string(json_object_get(iface, "public_key")))
		printf("  public key: %s\n  private key: (hidden)\n",
		       json_string_value(json_object_get(iface, "public_key")));
	printf("  listening port: %lld\n",
	       (long long)json_integer_value(json_object_get(iface, "listen_port")));
	printf("  dataplane: %s\n", json_is_true(json_object_get(iface, "dataplane_connected"))
					    ? "connected"
					    : "not connected");
	json_decref(iface);

	for (long long offset = 0;; offset += 1000) {
		json_t *params = json_pack("{s:I, s:i}", "offset", (json_int_t)offset, "limit", 1000);
		list = call(path, "peer_list", params);
		json_decref(params);
		if (!list)
			return 1;
		json_t *peers = json_object_get(list, "peers");
		json_array_foreach(peers, i, p) {
			json_t *aips = json_object_get(p, "allowed_ips"), *a;
			size_t k;
			long long hs = json_integer_value(json_object_get(p, "latest_handshake"));
			printf("\npeer: %s\n", json_string_value(json_object_get(p, "public_key")));
			if (json_string_length(json_object_get(p, "name")))
				printf("  name: %s\n", json_string_value(json_object_get(p, "name")));
			if (json_is_true(json_object_get(p, "has_preshared_key")))
				printf("  preshared key: (hidden)\n");
			if (json_is_string(json_object_get(p, "endpoint")))
				printf("  endpoint: %s\n",
				       json_string_value(json_object_get(p, "endpoint")));
			printf("  allowed ips: ");
			if (!json_array_size(aips))
				printf("(none)");
			json_array_foreach(aips, k, a)
				printf("%s%s", k ? ", " : "", json_string_value(a));
			printf("\n");
			if (hs)
				printf("  latest handshake: %lld seconds ago\n",
				       (long long)time(NULL) - hs);
			printf("  transfer: ");
			print_bytes((uint64_t)json_integer_value(json_object_get(p, "rx_bytes")));
			printf(" received, ");
			print_bytes((uint64_t)json_integer_value(json_object_get(p, "tx_bytes")));
			printf(" sent\n");
			if (json_integer_value(json_object_get(p, "persistent_keepalive")))
				printf("  persistent keepalive: every %lld seconds\n",
				       (long long)json_integer_value(
					       json_object_get(p, "persistent_keepalive")));
		}
		size_t got = json_array_size(peers);
		json_decref(list);
		if (got < 1000)
			break;
	}
	return 0;
}

/* Reads a key file as `wg set` does (base64, one line). */
static int key_from_file(const char *file, char out[WS_KEY_B64_LEN + 1])
{
	FILE *f = fopen(file, "r");
	char line[128];
	uint8_t k[WS_KEY_LEN];
	int ok;

	if (!f) {
		fprintf(stderr, "wirespeedctl: %s: %s\n", file, strerror(errno));
		return -1;
	}
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	ok = ok && ws_key_from_base64(k, line) == 0;
	ws_memzero(k, sizeof(k));
	if (!ok) {
		fprintf(stderr, "wirespeedctl: %s: not a base64 key\n", file);
		ws_memzero(line, sizeof(line));
		return -1;
	}
	memcpy(out, line, WS_KEY_B64_LEN + 1);
	ws_memzero(line, sizeof(line));
	return 0;
}

static json_t *list_arg(const char *s)
{
	json_t *a = json_array();
	char *copy = strdup(s), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (*t)
			json_array_append_new(a, json_string(t));
	}
	free(copy);
	return a;
}

/* Sends one peer block of `set`: add, update or remove. 0 or -1. */
static int flush_peer(const char *path, json_t *peer, bool remove)
{
	json_t *q = json_pack("{s:O}", "public_key", json_object_get(peer, "public_key"));
	json_t *res = call_q(path, "peer_get", q, true);
	const char *method = remove ? "peer_remove" : res ? "peer_update" : "peer_add";

	json_decref(res);
	res = call(path, method, remove ? q : peer);
	json_decref(q);
	if (!res)
		return -1;
	json_decref(res);
	return 0;
}

/* wirespeedctl [-s SOCKET] set IFACE [listen-port P] [private-key F] [peer K [remove] ...]... */
int ws_ctl_set(int argc, char **argv, const char *sock)
{
	char buf[108], key[WS_KEY_B64_LEN + 1] = "";
	const char *path;
	json_t *iface = json_object(), *peer = NULL, *res;
	bool remove = false;
	int ret = 1;

	if (argc < 3) {
		fprintf(stderr, "Usage: wirespeedctl set <interface> [listen-port <port>] "
				"[private-key <file>] [peer <key> [remove] [preshared-key <file>] "
				"[endpoint <ip>:<port>] [persistent-keepalive <s>] "
				"[allowed-ips <ip>/<cidr>,...]]...\n");
		json_decref(iface);
		return 1;
	}
	path = socket_path(sock, argv[1], buf, sizeof(buf));
	/* Interface settings first, as `wg set` applies them. */
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "remove") && peer) {
			remove = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "wirespeedctl: '%s' needs a value\n", a);
			goto out;
		}
		i++;
		if (!strcmp(a, "peer")) {
			if (peer && flush_peer(path, peer, remove))
				goto out;
			json_decref(peer);
			peer = json_pack("{s:s}", "public_key", v);
			remove = false;
			if (json_object_size(iface)) {
				if (!(res = call(path, "interface_set", iface)))
					goto out;
				json_decref(res);
				json_object_clear(iface);
			}
		} else if (!strcmp(a, "listen-port") && !peer) {
			json_object_set_new(iface, "listen_port", json_integer(atoi(v)));
		} else if (!strcmp(a, "private-key") && !peer) {
			if (key_from_file(v, key))
				goto out;
			json_object_set_new(iface, "private_key", json_string(key));
		} else if (!strcmp(a, "preshared-key") && peer) {
			if (key_from_file(v, key))
				goto out;
			json_object_set_new(peer, "preshared_key", json_string(key));
		} else if (!strcmp(a, "endpoint") && peer) {
			json_object_set_new(peer, "endpoint", json_string(v));
		} else if (!strcmp(a, "persistent-keepalive") && peer) {
			json_object_set_new(peer, "persistent_keepalive",
					    json_integer(strcmp(v, "off") ? atoi(v) : 0));
		} else if (!strcmp(a, "allowed-ips") && peer) {
			json_object_set_new(peer, "allowed_ips", list_arg(v));
		} else {
			fprintf(stderr, "wirespeedctl: unexpected '%s'\n", a);
			goto out;
		}
	}
	if (json_object_size(iface)) {
		if (!(res = call(path, "interface_set", iface)))
			goto out;
		json_decref(res);
	}
	if (peer && flush_peer(path, peer, remove))
		goto out;
	ret = 0;
out:
	ws_memzero(key, sizeof(key));
	json_decref(iface);
	json_decref(peer);
	return ret;
}
