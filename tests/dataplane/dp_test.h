/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the dataplane's EAL unit tests share: ws_test.h's CHECK(), and an EAL without hugepages
 * or PCI devices, quiet, under a file prefix of its own so that parallel runs never meet.
 */
#ifndef WS_DP_TEST_H
#define WS_DP_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "ws_test.h"

/*
 * rte_eal_init() with "--no-huge --no-pci --log-level 1 --file-prefix TAG-PID" and the test's
 * own arguments (NULL-terminated: lcores, memory, ...). False when the EAL does not start, which
 * here means an environment that cannot run it: the test skips (77).
 */
static inline bool dp_test_eal_init(const char *tag, const char *const *args)
{
	static char prefix[64]; /* outlives the call: kept for the EAL's lifetime */
	char *argv[32] = {"test", "--no-huge", "--no-pci", "--log-level=1", "--file-prefix"};
	int argc = 5;

	snprintf(prefix, sizeof(prefix), "%s-%d", tag, (int)getpid());
	argv[argc++] = prefix;
	for (; *args && argc < (int)RTE_DIM(argv) - 1; args++)
		argv[argc++] = (char *)*args; /* the EAL parses, never writes, its arguments */
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "SKIP: no EAL\n");
		return false;
	}
	return true;
}

#endif
