// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_bench_floor.bpf.c - benchmark reference only: empty programs on
 * the tracker's tracepoints.  What they cost is the price of dispatching
 * a raw_tp program at all, the floor under any tracker.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/mm_page_alloc")
int fphint_floor_page_alloc(void *ctx)
{
	return 0;
}

SEC("raw_tp/mm_page_free")
int fphint_floor_page_free(void *ctx)
{
	return 0;
}

SEC("raw_tp/mm_page_alloc_zone_locked")
int fphint_floor_zone_locked(void *ctx)
{
	return 0;
}

SEC("raw_tp/mm_page_pcpu_drain")
int fphint_floor_pcpu_drain(void *ctx)
{
	return 0;
}

SEC("raw_tp/mm_compaction_isolate_freepages")
int fphint_floor_compaction(void *ctx)
{
	return 0;
}
