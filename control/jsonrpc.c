/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON-RPC 2.0 dispatch: validation of the envelope, batches, notifications, error objects. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"

int ws_rpc_fail(struct ws_rpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static json_t *error_reply(json_t *id, int code, const char *message)
{
	return json_pack("{s:s, s:{s:i, s:s}, s:O}", "jsonrpc", "2.0", "error", "code", code,
			 "message", message, "id", id ? id : json_null());
}

/* The server's table is passed as ctx by ws_rpc_handle through a small wrapper. */
struct call_ctx {
	const struct ws_rpc_server *srv;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ws_rpc_get_methods(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	const struct ws_rpc_server *srv = ((struct call_ctx *)ctx)->srv;
	const char **names;

	if (params && (json_is_array(params) ? json_array_size(params) : json_object_size(params)))
		return ws_rpc_fail(err, WS_RPC_INVALID_PARAMS, "rpc_get_methods takes no parameters");
	names = malloc(srv->n_methods * sizeof(*names));
	if (!names)
		return ws_rpc_fail(err, WS_RPC_INTERNAL_ERROR, "out of memory");
	for (size_t i = 0; i < srv->n_methods; i++)
		names[i] = srv->methods[i].name;
	qsort(names, srv->n_methods, sizeof(*names), cmp_str);
	*result = json_array();
	for (size_t i = 0; i < srv->n_methods; i++)
		json_array_append_new(*result, json_string(names[i]));
	free(names);
	return 0;
}

/* One call object; returns the reply object, or NULL for a notification. */
static json_t *handle_one(const struct ws_rpc_server *srv, json_t *req)
{
	struct ws_rpc_error err = { 0 };
	json_t *version, *method, *params, *id, *result = NULL;
	const struct ws_rpc_method *m = NULL;
	const char *name, *key;
	json_t *v;
	void *ctx;
	struct call_ctx cc = { srv };

	if (!json_is_object(req))
		return error_reply(NULL, WS_RPC_INVALID_REQUEST, "request must be an object");
	id = json_object_get(req, "id");
	if (id && !json_is_string(id) && !json_is_integer(id) && !json_is_null(id))
		return error_reply(NULL, WS_RPC_INVALID_REQUEST, "id must be a string or integer");
	version = json_object_get(req, "jsonrpc");
	if (!json_is_string(version) || strcmp(json_string_value(version), "2.0"))
		return error_reply(id, WS_RPC_INVALID_REQUEST, "jsonrpc must be \"2.0\"");
	method = json_object_get(req, "method");
	if (!json_is_string(method))
		return error_reply(id, WS_RPC_INVALID_REQUEST, "method must be a string");
	params = json_object_get(req, "params");
	if (params && !json_is_object(params) && !json_is_array(params))
		return error_reply(id, WS_RPC_INVALID_REQUEST, "params must be an object or array");
	/* Reject unknown members: a typo like "parms" must not silently drop parameters. */
	json_object_foreach(req, key, v) {
		if (strcmp(key, "jsonrpc") && strcmp(key, "method") && strcmp(key, "params") &&
		    strcmp(key, "id")) {
			char msg[128];
			snprintf(msg, sizeof(msg), "unknown member '%.64s' in request", key);
			return error_reply(id, WS_RPC_INVALID_REQUEST, msg);
		}
	}

	name = json_string_value(method);
	for (size_t i = 0; i < srv->n_methods; i++)
		if (!strcmp(srv->methods[i].name, name))
			m = &srv->methods[i];
	if (!m) {
		char msg[128];
		snprintf(msg, sizeof(msg), "method '%.64s' not found", name);
		return id ? error_reply(id, WS_RPC_METHOD_NOT_FOUND, msg) : NULL;
	}

	ctx = m->fn == ws_rpc_get_methods ? (void *)&cc : srv->ctx;
	if (m->fn(ctx, params, &result, &err) != 0) {
		json_decref(result);
		if (!err.code)
			err.code = WS_RPC_INTERNAL_ERROR;
		return id ? error_reply(id, err.code, err.message[0] ? err.message : "failed") : NULL;
	}
	if (!id) {
		json_decref(result);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:O}", "jsonrpc", "2.0", "result",
			 result ? result : json_true(), "id", id);
}

static char *dump(json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT | JSON_ENCODE_ANY), *out;
	size_t n;

	json_decref(reply);
	if (!s)
		return NULL;
	n = strlen(s);
	out = realloc(s, n + 2);
	if (!out) {
		free(s);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	return out;
}

char *ws_rpc_handle(const struct ws_rpc_server *srv, const char *text, size_t len,
		    size_t *consumed)
{
	json_error_t jerr;
	json_t *req, *reply;
	size_t skip = 0;

	while (skip < len && (text[skip] == ' ' || text[skip] == '\n' || text[skip] == '\r' ||
			      text[skip] == '\t'))
		skip++;
	if (skip == len) {
		*consumed = len;
		return NULL;
	}
	req = json_loadb(text + skip, len - skip,
			 JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!req && json_error_code(&jerr) == json_error_premature_end_of_input) {
		*consumed = 0; /* a stream transport waits for more */
		return NULL;
	}
	if (!req) {
		char msg[256];
		*consumed = len;
		snprintf(msg, sizeof(msg), "parse error at line %d column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		return dump(error_reply(NULL, WS_RPC_PARSE_ERROR, msg));
	}
	*consumed = skip + jerr.position;

	if (json_is_array(req)) {
		size_t i;
		json_t *item;
		if (!json_array_size(req)) {
			reply = error_reply(NULL, WS_RPC_INVALID_REQUEST, "empty batch");
		} else {
			reply = json_array();
			json_array_foreach(req, i, item) {
				json_t *r = handle_one(srv, item);
				if (r)
					json_array_append_new(reply, r);
			}
			if (!json_array_size(reply)) {
				json_decref(reply);
				reply = NULL;
			}
		}
	} else {
		reply = handle_one(srv, req);
	}
	json_decref(req);
	return reply ? dump(reply) : NULL;
}
