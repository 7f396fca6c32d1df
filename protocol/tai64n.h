/* SPDX-License-Identifier: BSD-3-Clause */
/* TAI64N timestamps for handshake initiations; the wall clock is passed in. */
#ifndef WS_TAI64N_H
#define WS_TAI64N_H

#include <stdint.h>

#include "messages.h"

/*
 * Writes the TAI64N label of unix_ns (nanoseconds since the Unix epoch). As the kernel does, the
 * nanoseconds are rounded down to a power of two below 1s / WS_INITIATIONS_PER_SECOND so the
 * timestamp does not leak a fine clock to an observer.
 */
void ws_tai64n(uint8_t out[WS_TAI64N_LEN], uint64_t unix_ns);

/* Big-endian comparison: > 0 if a is later than b. */
int ws_tai64n_cmp(const uint8_t a[WS_TAI64N_LEN], const uint8_t b[WS_TAI64N_LEN]);

#endif
