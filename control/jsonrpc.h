/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON-RPC 2.0 request handling (jansson), transport-independent: the caller hands in one
 * request text (a single call or a batch) and gets the reply text back. Standard error codes:
 * -32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid params,
 * -32603 internal error; a method may also fail with a negative errno and its text.
 */
#ifndef WS_JSONRPC_H
#define WS_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

enum ws_rpc_code {
	WS_RPC_PARSE_ERROR = -32700,
	WS_RPC_INVALID_REQUEST = -32600,
	WS_RPC_METHOD_NOT_FOUND = -32601,
	WS_RPC_INVALID_PARAMS = -32602,
	WS_RPC_INTERNAL_ERROR = -32603,
};

struct ws_rpc_error {
	int code;
	char message[256];
};

/*
 * A method: on success returns 0 and sets *result (a new reference; NULL means `true`); on
 * failure returns -1 with err filled. params is an object, an array or NULL (absent).
 */
struct ws_rpc_method {
	const char *name;
	int (*fn)(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err);
	const char *summary;
};

struct ws_rpc_server {
	const struct ws_rpc_method *methods;
	size_t n_methods;
	void *ctx;
};

/* Fills err and returns -1: for methods' convenience. */
int ws_rpc_fail(struct ws_rpc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Handles one request text. Returns the reply as a malloc'd string ending in "\n", or NULL when
 * no reply is due (notifications only, or nothing but whitespace). *consumed tells how many
 * bytes the first JSON value took, so a stream transport can handle back-to-back requests; it is
 * 0 (and the result NULL) when the text is an incomplete prefix of a value; a parse error
 * consumes everything.
 */
char *ws_rpc_handle(const struct ws_rpc_server *srv, const char *text, size_t len,
		    size_t *consumed);

/* The built-in rpc_get_methods: returns the sorted method names. Add it to your table. */
int ws_rpc_get_methods(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err);

#endif
