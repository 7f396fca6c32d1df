/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON-RPC methods of the control process. Parameters are validated strictly (unknown
 * members are errors, keys are base64 as `wg` prints them) and every method that changes
 * something builds one ws_change and applies it whole. Documented in docs/jsonrpc.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "crypto.h"
#include "keys.h"

#define BAD(...) ws_rpc_fail(err, WS_RPC_INVALID_PARAMS, __VA_ARGS__)

static int check_members(json_t *params, const char *const *allowed, struct ws_rpc_error *err)
{
	const char *key;
	json_t *v;

	if (params && !json_is_object(params))
		return BAD("params must be an object");
	json_object_foreach(params, key, v) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, key);
		if (!ok)
			return BAD("unknown parameter '%s'", key);
	}
	return 0;
}

static int get_key(json_t *params, const char *name, uint8_t key[WS_KEY_LEN], bool required,
		   bool *present, struct ws_rpc_error *err)
{
	json_t *v = json_object_get(params, name);

	if (present)
		*present = v != NULL;
	if (!v)
		return required ? BAD("%s is required", name) : 0;
	if (!json_is_string(v) || ws_key_from_base64(key, json_string_value(v)) != 0)
		return BAD("%s: expected a base64 key of 44 characters", name);
	return 0;
}

static int get_u16(json_t *params, const char *name, uint16_t *out, bool *present,
		   struct ws_rpc_error *err)
{
	json_t *v = json_object_get(params, name);

	*present = v != NULL;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
		return BAD("%s: expected an integer 0..65535", name);
	*out = (uint16_t)json_integer_value(v);
	return 0;
}

static int get_prefixes(json_t *params, const char *name, bool remove, struct ws_peer_change *pc,
			struct ws_rpc_error *err)
{
	json_t *v = json_object_get(params, name), *item;
	size_t i;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return BAD("%s: expected a list of address/cidr strings", name);
	struct ws_aip_change *a = realloc(pc->aips, (pc->n_aips + json_array_size(v) + 1) *
							    sizeof(*a));
	if (!a)
		return ws_rpc_fail(err, WS_RPC_INTERNAL_ERROR, "out of memory");
	pc->aips = a;
	json_array_foreach(v, i, item) {
		struct ws_aip_change *c = &pc->aips[pc->n_aips];
		if (!json_is_string(item) || ws_prefix_parse(&c->prefix, json_string_value(item)) != 0)
			return BAD("%s[%zu]: expected address/cidr", name, i);
		ws_prefix_mask(&c->prefix); /* host bits go, as `wg` does for allowed IPs */
		c->remove = remove;
		pc->n_aips++;
	}
	return 0;
}

/* The peer fields every add/update method takes. */
static int parse_peer(json_t *params, struct ws_peer_change *pc, bool update,
		      struct ws_rpc_error *err)
{
	static const char *const add_keys[] = { "public_key", "name", "preshared_key", "endpoint",
						"allowed_ips", "persistent_keepalive", NULL };
	static const char *const upd_keys[] = { "public_key", "name", "preshared_key", "endpoint",
						"allowed_ips", "allowed_ips_add",
						"allowed_ips_remove", "persistent_keepalive", NULL };
	bool present;
	json_t *v;

	memset(pc, 0, sizeof(*pc));
	if (check_members(params, update ? upd_keys : add_keys, err) ||
	    get_key(params, "public_key", pc->public_key, true, NULL, err))
		return -1;
	if ((v = json_object_get(params, "name"))) {
		if (!json_is_string(v) || strlen(json_string_value(v)) > WS_PEER_NAME_MAX)
			return BAD("name: expected a string of at most %d characters",
				   WS_PEER_NAME_MAX);
		snprintf(pc->name, sizeof(pc->name), "%s", json_string_value(v));
		pc->flags |= WS_PCHG_NAME;
	}
	if ((v = json_object_get(params, "preshared_key")) && json_is_null(v)) {
		pc->flags |= WS_PCHG_PSK; /* null removes it */
	} else {
		if (get_key(params, "preshared_key", pc->psk, false, &present, err))
			return -1;
		if (present)
			pc->flags |= WS_PCHG_PSK;
	}
	if ((v = json_object_get(params, "endpoint"))) {
		if (!json_is_string(v) || ws_endpoint_parse(&pc->endpoint, json_string_value(v)))
			return BAD("endpoint: expected \"a.b.c.d:port\" or \"[v6]:port\"");
		pc->flags |= WS_PCHG_ENDPOINT;
	}
	if (get_u16(params, "persistent_keepalive", &pc->persistent_keepalive, &present, err))
		return -1;
	if (present)
		pc->flags |= WS_PCHG_KEEPALIVE;
	if (json_object_get(params, "allowed_ips"))
		pc->flags |= WS_PCHG_REPLACE_AIPS;
	if (get_prefixes(params, "allowed_ips", false, pc, err) ||
	    get_prefixes(params, "allowed_ips_add", false, pc, err) ||
	    get_prefixes(params, "allowed_ips_remove", true, pc, err))
		return -1;
	pc->flags |= update ? WS_PCHG_UPDATE_ONLY : 0;
	return 0;
}

static int apply(struct ws_control *c, struct ws_change *chg, struct ws_rpc_error *err)
{
	char msg[200];
	int ret = ws_control_apply(c, chg, msg, sizeof(msg));

	ws_change_free(chg);
	if (ret)
		return ws_rpc_fail(err, ret, "%s", msg[0] ? msg : strerror(-ret));
	return 0;
}

static json_t *peer_json(const struct ws_peer *p)
{
	char b64[WS_KEY_B64_LEN + 1], ep[INET6_ADDRSTRLEN + 16], pre[INET6_ADDRSTRLEN + 8];
	json_t *aips = json_array();

	for (size_t i = 0; i < p->n_aips; i++) {
		ws_prefix_format(&p->aips[i], pre, sizeof(pre));
		json_array_append_new(aips, json_string(pre));
	}
	ws_key_to_base64(b64, p->public_key);
	ws_endpoint_format(&p->endpoint, ep, sizeof(ep));
	return json_pack("{s:s, s:s, s:b, s:o, s:o, s:i, s:I, s:I, s:I}", "public_key", b64, "name",
			 p->name, "has_preshared_key", p->has_psk, "endpoint",
			 p->endpoint.ss.ss_family ? json_string(ep) : json_null(), "allowed_ips",
			 aips, "persistent_keepalive", p->persistent_keepalive, "latest_handshake",
			 (json_int_t)(p->last_handshake_wall_ns / WS_NSEC_PER_SEC), "rx_bytes",
			 (json_int_t)p->rx_bytes, "tx_bytes", (json_int_t)p->tx_bytes);
}

static int m_interface_get(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { NULL };
	struct ws_control *c = ctx;
	char b64[WS_KEY_B64_LEN + 1] = "";

	if (check_members(params, keys, err))
		return -1;
	if (c->dev.local.has_identity)
		ws_key_to_base64(b64, c->dev.local.public_key);
	*result = json_pack("{s:s, s:o, s:i, s:I, s:i, s:b}", "name", c->dev.name, "public_key",
			    c->dev.local.has_identity ? json_string(b64) : json_null(),
			    "listen_port", c->dev.listen_port, "fwmark", (json_int_t)c->dev.fwmark,
			    "peers", c->dev.n_peers, "dataplane_connected",
			    ws_dpconn_connected(&c->dp));
	if (!*result)
		return ws_rpc_fail(err, -ENOMEM, "out of memory");
	/* what the dataplane itself holds, from a fresh HELLO (null when not connected) */
	{
		struct ws_ipc_hello_reply h;
		size_t hl = 0;
		bool ok = ws_dpconn_connected(&c->dp) &&
			  ws_dpconn_request(&c->dp, WS_IPC_HELLO, NULL, 0, &h, sizeof(h), &hl) ==
				  0 &&
			  hl == sizeof(h);

		json_object_set_new(*result, "dataplane_peers",
				    ok ? json_integer(h.n_peers) : json_null());
		json_object_set_new(*result, "dataplane_keypairs",
				    ok ? json_integer(h.n_keypairs) : json_null());
	}
	return 0;
}

static int m_interface_set(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { "private_key", "listen_port", "fwmark", NULL };
	struct ws_control *c = ctx;
	struct ws_change chg = { 0 };
	bool present;
	json_t *v;

	(void)result;
	if (check_members(params, keys, err))
		return -1;
	if ((v = json_object_get(params, "private_key")) && json_is_null(v)) {
		chg.flags |= WS_CHG_PRIVATE_KEY; /* null removes the identity */
	} else {
		if (get_key(params, "private_key", chg.private_key, false, &present, err))
			return -1;
		if (present)
			chg.flags |= WS_CHG_PRIVATE_KEY;
	}
	if (get_u16(params, "listen_port", &chg.listen_port, &present, err))
		goto fail;
	if (present)
		chg.flags |= WS_CHG_LISTEN_PORT;
	if ((v = json_object_get(params, "fwmark"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT32_MAX) {
			BAD("fwmark: expected an integer 0..4294967295");
			goto fail;
		}
		chg.fwmark = (uint32_t)json_integer_value(v);
		chg.flags |= WS_CHG_FWMARK;
	}
	return apply(c, &chg, err);
fail:
	ws_change_free(&chg);
	return -1;
}

static int peer_change(struct ws_control *c, json_t *params, bool update,
		       struct ws_rpc_error *err)
{
	struct ws_peer_change *pc = calloc(1, sizeof(*pc));
	struct ws_change chg = { .peers = pc, .n_peers = 1 };
	struct ws_peer *existing;

	if (!pc)
		return ws_rpc_fail(err, WS_RPC_INTERNAL_ERROR, "out of memory");
	if (parse_peer(params, pc, update, err))
		goto fail;
	existing = ws_device_peer_by_key(&c->dev, pc->public_key);
	if (update && !existing) {
		ws_rpc_fail(err, -ENOENT, "no peer with that public key");
		goto fail;
	}
	if (!update && existing) {
		ws_rpc_fail(err, -EEXIST, "a peer with that public key exists; use peer_update");
		goto fail;
	}
	return apply(c, &chg, err);
fail:
	ws_change_free(&chg);
	return -1;
}

static int m_peer_add(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	(void)result;
	return peer_change(ctx, params, false, err);
}

static int m_peer_update(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	(void)result;
	return peer_change(ctx, params, true, err);
}

static int m_peer_remove(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { "public_key", NULL };
	struct ws_control *c = ctx;
	struct ws_peer_change *pc = calloc(1, sizeof(*pc));
	struct ws_change chg = { .peers = pc, .n_peers = 1 };

	(void)result;
	if (!pc)
		return ws_rpc_fail(err, WS_RPC_INTERNAL_ERROR, "out of memory");
	pc->flags = WS_PCHG_REMOVE;
	if (check_members(params, keys, err) ||
	    get_key(params, "public_key", pc->public_key, true, NULL, err))
		goto fail;
	if (!ws_device_peer_by_key(&c->dev, pc->public_key)) {
		ws_rpc_fail(err, -ENOENT, "no peer with that public key");
		goto fail;
	}
	return apply(c, &chg, err);
fail:
	ws_change_free(&chg);
	return -1;
}

static int m_peer_get(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { "public_key", NULL };
	struct ws_control *c = ctx;
	uint8_t key[WS_KEY_LEN];
	struct ws_peer *p;

	if (check_members(params, keys, err) || get_key(params, "public_key", key, true, NULL, err))
		return -1;
	p = ws_device_peer_by_key(&c->dev, key);
	if (!p)
		return ws_rpc_fail(err, -ENOENT, "no peer with that public key");
	ws_sync_stats(&c->sync);
	*result = peer_json(p);
	return 0;
}

static int m_peer_list(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { "offset", "limit", NULL };
	struct ws_control *c = ctx;
	json_int_t offset = 0, limit = 1000, seen = 0;
	json_t *v, *list;

	if (check_members(params, keys, err))
		return -1;
	if ((v = json_object_get(params, "offset"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return BAD("offset: expected an integer >= 0");
		offset = json_integer_value(v);
	}
	if ((v = json_object_get(params, "limit"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 100000)
			return BAD("limit: expected an integer 1..100000");
		limit = json_integer_value(v);
	}
	ws_sync_stats(&c->sync);
	list = json_array();
	/* Ordered by peer id, which is stable while peers are not removed. */
	for (uint32_t id = 0; id < c->dev.n_ids && (json_int_t)json_array_size(list) < limit; id++) {
		if (!c->dev.peers[id])
			continue;
		if (seen++ >= offset)
			json_array_append_new(list, peer_json(c->dev.peers[id]));
	}
	*result = json_pack("{s:i, s:I, s:o}", "total", c->dev.n_peers, "offset", offset, "peers",
			    list);
	return 0;
}

static int m_config_load(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { "path", NULL };
	struct ws_control *c = ctx;
	char msg[WS_CFG_ERR_MAX];
	struct ws_change chg;
	struct ws_cfg cfg;
	json_t *v;
	int ret;

	(void)result;
	if (check_members(params, keys, err))
		return -1;
	v = json_object_get(params, "path");
	if (!json_is_string(v))
		return BAD("path: expected the path of a YAML file");
	if (ws_cfg_load(json_string_value(v), &cfg, msg) != 0)
		return ws_rpc_fail(err, -EINVAL, "%s", msg);
	ret = ws_change_from_config(&chg, &cfg);
	ws_cfg_free(&cfg);
	if (ret)
		return ws_rpc_fail(err, ret, "out of memory");
	return apply(c, &chg, err);
}

static int m_config_save(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { "path", NULL };
	struct ws_control *c = ctx;
	char tmp[4200];
	json_t *v;
	FILE *f;
	int fd;

	(void)result;
	if (check_members(params, keys, err))
		return -1;
	v = json_object_get(params, "path");
	if (!json_is_string(v) || strlen(json_string_value(v)) > 4000)
		return BAD("path: expected a file path");
	/* Written to a private temporary file, then renamed: never a half-written config. */
	snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", json_string_value(v));
	fd = mkstemp(tmp);
	if (fd < 0)
		return ws_rpc_fail(err, -errno, "cannot create %s: %s", tmp, strerror(errno));
	f = fdopen(fd, "w");
	if (!f || ws_device_write_yaml(&c->dev, f) != 0 || fclose(f) != 0) {
		if (!f)
			close(fd);
		unlink(tmp);
		return ws_rpc_fail(err, -EIO, "cannot write %s", tmp);
	}
	if (rename(tmp, json_string_value(v)) != 0) {
		int e = errno;
		unlink(tmp);
		return ws_rpc_fail(err, -e, "cannot rename to %s: %s", json_string_value(v),
				   strerror(e));
	}
	return 0;
}

static int m_stats_get(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	static const char *const keys[] = { NULL };
	static union {
		struct ws_ipc_counters_reply r;
		uint8_t raw[WS_IPC_MAX_MSG];
	} u;
	struct ws_control *c = ctx;
	const struct ws_hs_stats *s = &c->hs.stats;
	json_t *dp = json_object();
	size_t len = 0;

	if (check_members(params, keys, err))
		return -1;
	if (ws_dpconn_request(&c->dp, WS_IPC_COUNTERS, NULL, 0, &u, sizeof(u), &len) == 0 &&
	    len >= sizeof(u.r) && u.r.count <= (len - sizeof(u.r)) / sizeof(u.r.entries[0])) {
		for (uint32_t i = 0; i < u.r.count; i++) {
			u.r.entries[i].name[WS_IPC_COUNTER_NAME_MAX - 1] = '\0';
			json_object_set_new(dp, u.r.entries[i].name,
					    json_integer((json_int_t)u.r.entries[i].value));
		}
	}
	*result = json_pack(
		"{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "dataplane", dp,
		"control", "initiations_sent", (json_int_t)s->initiations_sent,
		"initiations_received", (json_int_t)s->initiations_received, "responses_sent",
		(json_int_t)s->responses_sent, "responses_received", (json_int_t)s->responses_received,
		"cookies_received", (json_int_t)s->cookies_received, "keypairs_installed",
		(json_int_t)s->keypairs_installed, "handshakes_failed",
		(json_int_t)s->handshakes_failed, "attempts_given_up",
		(json_int_t)s->attempts_given_up, "dataplane_events_dropped",
		(json_int_t)c->dp.events_dropped);
	return 0;
}

const struct ws_rpc_method ws_control_rpc_methods[] = {
	{ "interface_get", m_interface_get, "the interface: name, public key, port, peer count" },
	{ "interface_set", m_interface_set, "set private_key, listen_port, fwmark" },
	{ "peer_add", m_peer_add, "add a peer (error if it exists)" },
	{ "peer_update", m_peer_update, "change a peer (error if it does not exist)" },
	{ "peer_remove", m_peer_remove, "remove a peer" },
	{ "peer_get", m_peer_get, "one peer with its counters" },
	{ "peer_list", m_peer_list, "peers, paged with offset and limit" },
	{ "config_load", m_config_load, "apply a YAML file as one transaction" },
	{ "config_save", m_config_save, "write the running config as YAML" },
	{ "stats_get", m_stats_get, "dataplane counters and handshake statistics" },
	{ "rpc_get_methods", ws_rpc_get_methods, "the method names" },
};
const size_t ws_control_rpc_n_methods =
	sizeof(ws_control_rpc_methods) / sizeof(ws_control_rpc_methods[0]);
