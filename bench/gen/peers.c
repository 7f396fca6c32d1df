/* SPDX-License-Identifier: BSD-3-Clause */
/* ws-gen's simulated peers: keys, sessions, addresses, and the config the gateway needs. */
#include "peers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"

enum { INNER_SPORT = 1024 };

static const char *ip_str(uint32_t ip, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = {.s_addr = htonl(ip)};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/*
 * Reads n private keys, one base64 key per line (blank lines and # comments skipped), refusing a
 * file others may read. The keys are secrets: the line buffer is zeroed, nothing is quoted.
 */
static int read_keys(uint8_t (*keys)[WS_KEY_LEN], uint32_t n, const char *path)
{
	char line[256];
	struct stat st;
	uint32_t got = 0;
	unsigned int lineno = 0;
	int ret = -1;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "ws-gen: --keys: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || (st.st_mode & S_IRWXO)) {
		fprintf(stderr, "ws-gen: --keys: %s is world accessible, refusing it\n", path);
		goto out;
	}
	while (got < n && fgets(line, sizeof(line), f)) {
		char *s = line;

		lineno++;
		s[strcspn(s, "\r\n")] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (ws_key_from_base64(keys[got], s) != 0) {
			fprintf(stderr, "ws-gen: --keys: %s:%u is not a base64 key\n", path,
				lineno);
			goto out;
		}
		got++;
	}
	if (got < n) {
		fprintf(stderr, "ws-gen: --keys: %s holds %u keys, --peers wants %u\n", path, got,
			n);
		goto out;
	}
	ret = 0;
out:
	ws_memzero(line, sizeof(line));
	fclose(f);
	return ret;
}

int ws_gen_peers_create(struct ws_gen_peers *ps, const struct ws_gen_options *o)
{
	uint8_t(*keys)[WS_KEY_LEN] = NULL;
	uint32_t mask = o->src_plen ? (uint32_t)(~0ULL << (32 - o->src_plen)) : 0;
	uint32_t net = o->src_net & mask;

	memset(ps, 0, sizeof(*ps));
	if (o->src_plen >= 31) {
		ps->first_host = o->src_plen == 32 ? o->src_net : net;
		ps->hosts = o->src_plen == 32 ? 1 : 2;
	} else {
		/* Skip the network and broadcast addresses: a router would not forward to them. */
		ps->first_host = net + 1;
		ps->hosts = (uint32_t)((1ULL << (32 - o->src_plen)) - 2);
	}
	ps->src_port = o->src_port;
	ps->peer = calloc(o->peers, sizeof(*ps->peer));
	if (!ps->peer) {
		fprintf(stderr, "ws-gen: no memory for %u peers (%zu bytes each)\n", o->peers,
			sizeof(*ps->peer));
		return -1;
	}
	ps->n = o->peers;
	if (o->keys_file) {
		keys = calloc(o->peers, WS_KEY_LEN);
		if (!keys || read_keys(keys, o->peers, o->keys_file))
			goto fail;
	}
	for (uint32_t i = 0; i < ps->n; i++) {
		struct ws_gen_peer *p = &ps->peer[i];
		uint8_t priv[WS_KEY_LEN];

		if (keys)
			memcpy(priv, keys[i], WS_KEY_LEN);
		else
			ws_key_generate_private(priv);
		if (ws_tp_session_init(&p->s, priv, o->server_public, o->has_psk ? o->psk : NULL) !=
		    0) {
			ws_memzero(priv, sizeof(priv));
			fprintf(stderr,
				"ws-gen: peer %u: its key and the server key give an all-zero "
				"Diffie-Hellman result\n",
				i);
			goto fail;
		}
		ws_memzero(priv, sizeof(priv));
		p->outer_ip = ps->first_host + i % ps->hosts;
		p->outer_port = (uint16_t)(ps->src_port + i / ps->hosts);
		p->inner_ip = o->inner_src + i;
		/* Lengths of the unpadded packet: the tunnel's zero padding follows it. */
		ws_gen_inner_build(p->inner_hdr, p->inner_ip, INNER_SPORT, o->inner_dst,
				   o->inner_dport, o->size);
	}
	if (keys) {
		ws_memzero(keys, (size_t)o->peers * WS_KEY_LEN);
		free(keys);
	}
	return 0;
fail:
	if (keys) {
		ws_memzero(keys, (size_t)o->peers * WS_KEY_LEN);
		free(keys);
	}
	ws_gen_peers_destroy(ps);
	return -1;
}

void ws_gen_peers_destroy(struct ws_gen_peers *ps)
{
	if (ps->peer) {
		for (uint32_t i = 0; i < ps->n; i++)
			ws_tp_session_destroy(&ps->peer[i].s);
		ws_memzero(ps->peer, (size_t)ps->n * sizeof(*ps->peer));
		free(ps->peer);
	}
	memset(ps, 0, sizeof(*ps));
}

struct ws_gen_peer *ws_gen_peers_lookup(const struct ws_gen_peers *ps, uint32_t ip, uint16_t port)
{
	uint64_t host = (uint64_t)ip - ps->first_host, slot = (uint64_t)port - ps->src_port;
	uint64_t i;

	if (ip < ps->first_host || host >= ps->hosts || port < ps->src_port)
		return NULL;
	i = slot * ps->hosts + host;
	return i < ps->n ? &ps->peer[i] : NULL;
}

bool ws_gen_peers_owns_ip(const struct ws_gen_peers *ps, uint32_t ip)
{
	return ip >= ps->first_host && (uint64_t)ip - ps->first_host < ps->hosts &&
	       ip - ps->first_host < ps->n;
}

int ws_gen_peers_write_keys(const struct ws_gen_peers *ps, const char *path)
{
	char key[WS_KEY_B64_LEN + 1];
	int fd, ret = 0;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0) {
		fprintf(stderr, "ws-gen: --write-keys: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	for (uint32_t i = 0; i < ps->n; i++) {
		ws_key_to_base64(key, ps->peer[i].s.local.private_key);
		fprintf(f, "%s\n", key);
	}
	ws_memzero(key, sizeof(key));
	if (ferror(f))
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	if (ret)
		fprintf(stderr, "ws-gen: --write-keys: %s: write failed\n", path);
	return ret;
}

int ws_gen_peers_write_config(const struct ws_gen_peers *ps, const struct ws_gen_options *o,
			      const char *path)
{
	char key[WS_KEY_B64_LEN + 1], ip[INET_ADDRSTRLEN], psk_path[PATH_MAX] = "";
	size_t plen = strlen(path);
	char *wg_path;
	FILE *y, *w;
	int ret = 0;

	/* The PSK is a secret: both outputs name its file instead of copying it. */
	if (o->has_psk && !realpath(o->psk_file, psk_path)) {
		fprintf(stderr, "ws-gen: --psk: %s: %s\n", o->psk_file, strerror(errno));
		return -1;
	}
	wg_path = malloc(plen + 4);
	if (!wg_path)
		return -1;
	memcpy(wg_path, path, plen);
	memcpy(wg_path + plen, ".wg", 4);
	y = fopen(path, "we");
	w = fopen(wg_path, "we");
	if (!y || !w) {
		fprintf(stderr, "ws-gen: --print-peer-config: %s: %s\n", !y ? path : wg_path,
			strerror(errno));
		if (y)
			fclose(y);
		if (w)
			fclose(w);
		free(wg_path);
		return -1;
	}
	fprintf(y, "# %u ws-gen peers (wirespeed YAML, see config/); outer sources %s/%u\n", ps->n,
		ip_str(o->src_net, ip), o->src_plen);
	fprintf(y, "peers:\n");
	fprintf(w, "# %u ws-gen peers as `wg set` commands: WG_IF=wg0 sh %s\n", ps->n, wg_path);
	for (uint32_t i = 0; i < ps->n; i++) {
		const struct ws_gen_peer *p = &ps->peer[i];

		ws_key_to_base64(key, p->s.local.public_key);
		ip_str(p->inner_ip, ip);
		fprintf(y, "  - publicKey: \"%s\"\n    name: \"ws-gen-%u\"\n", key, i);
		if (o->has_psk)
			fprintf(y, "    presharedKeyFile: \"%s\"\n", psk_path);
		fprintf(y, "    allowedIPs: [\"%s/32\"]\n", ip);
		fprintf(w, "wg set \"${WG_IF:-wg0}\" peer %s allowed-ips %s/32", key, ip);
		if (o->has_psk)
			fprintf(w, " preshared-key '%s'", psk_path);
		fputc('\n', w);
	}
	if (ferror(y) || ferror(w))
		ret = -1;
	if (fclose(y) != 0)
		ret = -1;
	if (fclose(w) != 0)
		ret = -1;
	if (ret)
		fprintf(stderr, "ws-gen: --print-peer-config: write failed\n");
	free(wg_path);
	return ret;
}
