/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-testpeer's subcommands beside the UDP peer of main.c: the raw (pcap) mode of the
 * static-key scenario and its control-socket client. Each returns the process exit status
 * (0 ok, 1 a check failed, 2 usage).
 */
#ifndef WS_TP_MODES_H
#define WS_TP_MODES_H

#include <stdint.h>

int ws_tp_cmd_pcap_write(int argc, char **argv);
int ws_tp_cmd_pcap_check(int argc, char **argv);
int ws_tp_cmd_ctl(int argc, char **argv);

/* strtoull with 0x allowed, no sign, at most max; prints "prog: opt: bad number" on error. */
int ws_tp_parse_u64(const char *prog, const char *opt, const char *s, uint64_t max,
		    uint64_t *out);

#endif
