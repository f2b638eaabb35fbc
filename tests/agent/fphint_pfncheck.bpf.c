// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_pfncheck.bpf.c - test only: check that the pfn the tracker
 * derives from a raw_tp page pointer equals the pfn the classic
 * kmem:mm_page_alloc tracepoint records, event by event.
 *
 * Both programs run from the same tracepoint call, raw_tp first (it is
 * attached first), on the same cpu.  The raw_tp pushes its pfn on a
 * per-cpu stack, the classic program pops it: an interrupt that allocates
 * between the two nests properly.  Only events of one process are paired,
 * and only once user space armed the check after attaching both programs:
 * allocations made while the second one attaches (perf buffers, slab
 * refills) would otherwise leave raw_tp entries that no classic event ever
 * pops, and fill the stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 fphint_vmemmap_base = 0;
const volatile __u32 fphint_struct_page_shift = 6;
const volatile __u32 fphint_check_tgid = 0;

#define FPHINT_CHECK_DEPTH 8

struct fphint_pending {
	__u64 pfn;
	__u64 gfp;
	__u32 order;
	__u32 pad;
};

struct fphint_check_cpu {
	__u32 depth;
	__u32 pad;
	struct fphint_pending stack[FPHINT_CHECK_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fphint_check_cpu);
	__uint(max_entries, 1);
} fphint_check_state SEC(".maps");

__u32 fphint_check_armed = 0; /* set by user space once both are attached */
__u64 fphint_check_matched = 0;
__u64 fphint_check_mismatched = 0;
__u64 fphint_check_unpaired = 0;
__u64 fphint_check_overflow = 0;
__u64 fphint_check_bad_raw = 0; /* first disagreement, for the report */
__u64 fphint_check_bad_tp = 0;

static __always_inline bool fphint_check_ours(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == fphint_check_tgid;
}

SEC("raw_tp/mm_page_alloc")
int BPF_PROG(fphint_check_raw, __u64 page, __u64 order, __u64 gfp)
{
	struct fphint_check_cpu *st;
	__u32 zero = 0, d;

	if (!page || !fphint_check_armed || !fphint_check_ours())
		return 0;
	st = bpf_map_lookup_elem(&fphint_check_state, &zero);
	if (!st)
		return 0;
	d = st->depth;
	if (d >= FPHINT_CHECK_DEPTH) {
		__sync_fetch_and_add(&fphint_check_overflow, 1);
		return 0;
	}
	d &= FPHINT_CHECK_DEPTH - 1;
	st->stack[d].pfn = (page - fphint_vmemmap_base) >> fphint_struct_page_shift;
	st->stack[d].gfp = (__u32)gfp;
	st->stack[d].order = (__u32)order;
	st->depth = d + 1;
	return 0;
}

SEC("tracepoint/kmem/mm_page_alloc")
int fphint_check_tp(struct trace_event_raw_mm_page_alloc *ctx)
{
	struct fphint_check_cpu *st;
	struct fphint_pending top;
	__u32 zero = 0, d;

	if (ctx->pfn == (unsigned long)-1 || !fphint_check_ours())
		return 0;
	st = bpf_map_lookup_elem(&fphint_check_state, &zero);
	if (!st)
		return 0;
	d = st->depth;
	if (d == 0 || d > FPHINT_CHECK_DEPTH) {
		__sync_fetch_and_add(&fphint_check_unpaired, 1);
		return 0;
	}
	/* The mask keeps older verifiers (6.1) sure of the bound. */
	top = st->stack[(d - 1) & (FPHINT_CHECK_DEPTH - 1)];
	/* Not our event (its raw_tp run was skipped): leave the stack alone. */
	if (top.order != ctx->order || top.gfp != (__u32)ctx->gfp_flags) {
		__sync_fetch_and_add(&fphint_check_unpaired, 1);
		return 0;
	}
	st->depth = d - 1;
	if (top.pfn == ctx->pfn) {
		__sync_fetch_and_add(&fphint_check_matched, 1);
	} else {
		if (__sync_fetch_and_add(&fphint_check_mismatched, 1) == 0) {
			fphint_check_bad_raw = top.pfn;
			fphint_check_bad_tp = ctx->pfn;
		}
	}
	return 0;
}
