/* SPDX-License-Identifier: BSD-3-Clause */
/* TAI64N (https://cr.yp.to/libtai/tai64.html) as WireGuard's initiation timestamp. */
#include <string.h>

#include "tai64n.h"

/* The TAI64 label of the Unix epoch: 2^62 plus the 10 s TAI-UTC offset of 1970. */
#define TAI64_EPOCH 0x400000000000000aULL

void ws_tai64n(uint8_t out[WS_TAI64N_LEN], uint64_t unix_ns)
{
	/* Largest power of two not above 1 s / WS_INITIATIONS_PER_SECOND (2^24 ns for 50/s). */
	uint32_t quantum = 1;
	while ((uint64_t)quantum * 2 <= WS_NSEC_PER_SEC / WS_INITIATIONS_PER_SECOND)
		quantum *= 2;

	uint64_t secs = htobe64(TAI64_EPOCH + unix_ns / WS_NSEC_PER_SEC);
	uint32_t nsec = htobe32((uint32_t)(unix_ns % WS_NSEC_PER_SEC) & ~(quantum - 1));

	memcpy(out, &secs, 8);
	memcpy(out + 8, &nsec, 4);
}

int ws_tai64n_cmp(const uint8_t a[WS_TAI64N_LEN], const uint8_t b[WS_TAI64N_LEN])
{
	return memcmp(a, b, WS_TAI64N_LEN);
}
