/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names (generated from the one list in counters.h) and on-demand sums. */
#include "counters.h"

const char *const ws_dp_counter_names[WS_DP_CNT_MAX] = {
#define WS_DP_X(id, name, desc) [WS_DP_CNT_##id] = name,
	WS_DP_COUNTER_LIST(WS_DP_X)
#undef WS_DP_X
};

const char *const ws_dp_counter_descs[WS_DP_CNT_MAX] = {
#define WS_DP_X(id, name, desc) [WS_DP_CNT_##id] = desc,
	WS_DP_COUNTER_LIST(WS_DP_X)
#undef WS_DP_X
};

struct ws_dp_lcore_counters ws_dp_counters[RTE_MAX_LCORE];

uint64_t ws_dp_counter_sum(enum ws_dp_counter id)
{
	uint64_t s = 0;

	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++)
		s += __atomic_load_n(&ws_dp_counters[l].v[id], __ATOMIC_RELAXED);
	return s;
}

void ws_dp_counters_sum_all(uint64_t *out)
{
	for (unsigned int i = 0; i < WS_DP_CNT_MAX; i++)
		out[i] = ws_dp_counter_sum(i);
}
