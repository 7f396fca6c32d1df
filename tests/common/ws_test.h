/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal unit-test harness: CHECK() records a failure with file, line and expression and goes
 * on; ws_test_main() runs the listed cases and exits non-zero if anything failed.
 */
#ifndef WS_TEST_H
#define WS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ws_test_failures;
static int ws_test_checks;

#define CHECK(cond)                                                                         \
	do {                                                                                \
		ws_test_checks++;                                                           \
		if (!(cond)) {                                                              \
			ws_test_failures++;                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,     \
				#cond);                                                     \
		}                                                                           \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

struct ws_test_case {
	const char *name;
	void (*fn)(void);
};

#define WS_TEST(fn) { #fn, fn }

static inline int ws_test_run(const struct ws_test_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int before = ws_test_failures;
		cases[i].fn();
		printf("%s %s\n", ws_test_failures == before ? "ok  " : "FAIL", cases[i].name);
	}
	printf("%d checks, %d failed\n", ws_test_checks, ws_test_failures);
	return ws_test_failures ? 1 : 0;
}

/* Decodes a hex string into buf (at most cap bytes); returns the byte count. */
static inline size_t ws_test_unhex(unsigned char *buf, size_t cap, const char *hex)
{
	size_t n = 0;
	while (hex[0] && hex[1] && n < cap) {
		unsigned int v;
		if (sscanf(hex, "%2x", &v) != 1)
			abort();
		buf[n++] = (unsigned char)v;
		hex += 2;
	}
	return n;
}

#endif
