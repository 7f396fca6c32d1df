/* SPDX-License-Identifier: BSD-3-Clause */
/* The control process's clocks (with the test-only time scale) and change entry point. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "control.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * WS_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t ws_control_mono_ns(void *ctx)
{
	struct ws_control *c = ctx;
	uint64_t real = clock_ns(CLOCK_MONOTONIC);

	if (c->time_scale <= 1.0)
		return real;
	/* Protocol time runs time_scale times faster than real time, from the start. */
	return c->mono_origin_ns + (uint64_t)((double)(real - c->mono_origin_ns) * c->time_scale);
}

uint64_t ws_control_wall_ns(void *ctx)
{
	(void)ctx;
	return clock_ns(CLOCK_REALTIME);
}

int ws_control_apply(struct ws_control *c, const struct ws_change *chg, char *err, size_t len)
{
	/*
	 * The dataplane owns the UDP port (interface.listenPort in its YAML) and refuses another
	 * one; accepting it here would show a port nobody listens on. 0 ("any") is left alone.
	 */
	if ((chg->flags & WS_CHG_LISTEN_PORT) && chg->listen_port && c->dp.listen_port &&
	    chg->listen_port != c->dp.listen_port) {
		snprintf(err, len, "listen port %u: the dataplane serves port %u "
				   "(interface.listenPort; changing it needs a dataplane restart)",
			 chg->listen_port, c->dp.listen_port);
		return -EADDRINUSE;
	}
	return ws_device_apply(&c->dev, chg, err, len);
}

