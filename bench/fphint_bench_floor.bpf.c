// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_bench_floor.bpf.c - benchmark reference only: empty programs on
 * the tracker's tracepoints.  What they cost is the price of dispatching
 * a raw_tp program at all, the floor under any tracker.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* An empty program on raw tracepoint tp. */
#define FPHINT_FLOOR(tp)                                                                           \
	SEC("raw_tp/" #tp)                                                                         \
	int fphint_floor_##tp(void *ctx)                                                           \
	{                                                                                          \
		return 0;                                                                          \
	}

FPHINT_FLOOR(mm_page_alloc)
FPHINT_FLOOR(mm_page_free)
FPHINT_FLOOR(mm_page_alloc_zone_locked)
FPHINT_FLOOR(mm_page_pcpu_drain)
FPHINT_FLOOR(mm_compaction_isolate_freepages)
