/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* fphint_time.h - the one clock reading of user space, in nanoseconds. */
#ifndef FPHINT_TIME_H
#define FPHINT_TIME_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC for durations, CLOCK_REALTIME for timestamps shown to people. */
static inline uint64_t fphint_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
