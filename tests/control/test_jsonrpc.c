/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON-RPC 2.0 dispatch: envelopes, standard errors, batches, notifications, stream framing. */
#include <stdlib.h>

#include "jsonrpc.h"
#include "ws_test.h"

static int calls;

static int m_echo(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	(void)ctx;
	(void)err;
	calls++;
	*result = params ? json_incref(params) : json_null();
	return 0;
}

static int m_need_name(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	(void)ctx;
	(void)result;
	calls++;
	if (!json_is_string(json_object_get(params, "name")))
		return ws_rpc_fail(err, WS_RPC_INVALID_PARAMS, "name: expected a string");
	return 0;
}

static int m_errno(void *ctx, json_t *params, json_t **result, struct ws_rpc_error *err)
{
	(void)ctx;
	(void)params;
	(void)result;
	calls++;
	return ws_rpc_fail(err, -22, "Invalid argument");
}

static const struct ws_rpc_method methods[] = {
	{ "echo", m_echo, "" },
	{ "need_name", m_need_name, "" },
	{ "errno_fail", m_errno, "" },
	{ "rpc_get_methods", ws_rpc_get_methods, "" },
};
static const struct ws_rpc_server srv = { methods, 4, NULL };

/* Runs a request; returns the parsed reply (or NULL when there is none). */
static json_t *call(const char *req)
{
	size_t used = 0;
	char *out = ws_rpc_handle(&srv, req, strlen(req), &used);
	json_t *j;

	if (!out)
		return NULL;
	CHECK(out[strlen(out) - 1] == '\n');
	j = json_loads(out, 0, NULL);
	CHECK(j != NULL);
	free(out);
	return j;
}

static int error_code(json_t *r)
{
	return (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static void expect_error(const char *req, int code)
{
	json_t *r = call(req);
	CHECK(r && error_code(r) == code);
	if (r && error_code(r) != code)
		fprintf(stderr, "  %s -> code %d\n", req, error_code(r));
	json_decref(r);
}

static void test_success(void)
{
	json_t *r = call("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"a\":1},\"id\":7}");
	CHECK(r && json_integer_value(json_object_get(r, "id")) == 7);
	CHECK(json_integer_value(json_object_get(json_object_get(r, "result"), "a")) == 1);
	CHECK(!json_object_get(r, "error"));
	json_decref(r);

	r = call("{\"jsonrpc\":\"2.0\",\"method\":\"need_name\",\"params\":{\"name\":\"x\"},\"id\":\"s\"}");
	CHECK(r && json_is_true(json_object_get(r, "result")));
	CHECK(!strcmp(json_string_value(json_object_get(r, "id")), "s"));
	json_decref(r);
}

static void test_errors(void)
{
	expect_error("{\"jsonrpc\":\"2.0\",}", WS_RPC_PARSE_ERROR);
	expect_error("not json", WS_RPC_PARSE_ERROR);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1,\"id\":2}", WS_RPC_PARSE_ERROR);
	expect_error("42", WS_RPC_INVALID_REQUEST);
	expect_error("{\"method\":\"echo\",\"id\":1}", WS_RPC_INVALID_REQUEST);
	expect_error("{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":1}", WS_RPC_INVALID_REQUEST);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":1}", WS_RPC_INVALID_REQUEST);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":3,\"id\":1}",
		     WS_RPC_INVALID_REQUEST);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":{}}", WS_RPC_INVALID_REQUEST);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"parms\":{},\"id\":1}",
		     WS_RPC_INVALID_REQUEST);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":1}", WS_RPC_METHOD_NOT_FOUND);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"need_name\",\"params\":{},\"id\":1}",
		     WS_RPC_INVALID_PARAMS);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"errno_fail\",\"id\":1}", -22);
	expect_error("[]", WS_RPC_INVALID_REQUEST);
}

static void test_notifications_and_batches(void)
{
	json_t *r;

	calls = 0;
	CHECK(call("{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}") == NULL);
	CHECK(calls == 1);
	CHECK(call("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}") == NULL);

	r = call("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1],\"id\":1},"
		 "{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},"
		 "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":3}, 5]");
	CHECK(json_is_array(r) && json_array_size(r) == 3);
	CHECK(json_integer_value(json_object_get(json_array_get(r, 0), "id")) == 1);
	CHECK(error_code(json_array_get(r, 1)) == WS_RPC_METHOD_NOT_FOUND);
	CHECK(error_code(json_array_get(r, 2)) == WS_RPC_INVALID_REQUEST);
	json_decref(r);

	CHECK(call("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}]") == NULL);
}

static void test_stream_framing(void)
{
	const char *two = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}"
			  "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":2}";
	size_t used = 0;
	char *out = ws_rpc_handle(&srv, two, strlen(two), &used);

	CHECK(out && strstr(out, "\"id\":1"));
	CHECK(used == strlen(two) / 2);
	free(out);
	out = ws_rpc_handle(&srv, two + used, strlen(two) - used, &used);
	CHECK(out && strstr(out, "\"id\":2"));
	free(out);

	/* An incomplete value asks for more input instead of failing. */
	out = ws_rpc_handle(&srv, two, 20, &used);
	CHECK(out == NULL && used == 0);
	/* Whitespace alone is consumed without a reply. */
	out = ws_rpc_handle(&srv, " \n\t", 3, &used);
	CHECK(out == NULL && used == 3);
}

static void test_get_methods(void)
{
	json_t *r = call("{\"jsonrpc\":\"2.0\",\"method\":\"rpc_get_methods\",\"id\":1}");
	json_t *res = json_object_get(r, "result");

	CHECK(json_array_size(res) == 4);
	CHECK(!strcmp(json_string_value(json_array_get(res, 0)), "echo"));
	CHECK(!strcmp(json_string_value(json_array_get(res, 3)), "rpc_get_methods"));
	json_decref(r);
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"rpc_get_methods\",\"params\":[1],\"id\":1}",
		     WS_RPC_INVALID_PARAMS);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_success),
		WS_TEST(test_errors),
		WS_TEST(test_notifications_and_batches),
		WS_TEST(test_stream_framing),
		WS_TEST(test_get_methods),
	};
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
