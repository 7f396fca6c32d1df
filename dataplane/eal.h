/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks before rte_eal_init, so that the common mistakes get one clear message naming the
 * cause instead of a page of EAL logs: a missing interface behind a vdev, a PCI address that
 * does not exist, too few free hugepages.
 */
#ifndef WS_DP_EAL_H
#define WS_DP_EAL_H

#include <stddef.h>

#include "config.h"

int ws_dp_preflight_ports(const struct ws_dp_config *cfg, char *err, size_t errlen);
/* MB the EAL arguments ask for (-m, or the sum of --socket-mem); 0 when neither is given. */
unsigned long ws_dp_eal_mem_mb(const struct ws_dp_eal_args *args);
int ws_dp_preflight_hugepages(const struct ws_dp_eal_args *args, char *err, size_t errlen);

#endif
