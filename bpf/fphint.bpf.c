// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint.bpf.c - keep a bitmap of free page frames from the page
 * allocator's tracepoints.
 *
 * raw_tp programs receive the tracepoint arguments as plain u64s, which
 * lets us turn a struct page pointer into a pfn with plain arithmetic
 * (tp_btf would hand us a trusted pointer on which arithmetic is refused).
 * The bitmap is a candidate index only: see include/fphint_layout.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fphint_layout.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Set by the agent before load.  They live in the frozen .rodata map, so
 * the verifier knows their values (for bounds and dead branches); the
 * loads themselves stay and hit L1.
 * pfn = (page - vmemmap_base) >> struct_page_shift.
 */
const volatile __u64 fphint_vmemmap_base = 0;
const volatile __u64 fphint_nr_pfns = 0;
const volatile __u32 fphint_struct_page_shift = 6;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fphint_word);
	__uint(max_entries, 1); /* set by the agent: ceil(nr_pfns / 64) */
} bitmap SEC(".maps");

/* Mmapable so that each owner updates its fields in place (fphint_layout.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fphint_meta);
	__uint(max_entries, 1);
} meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fphint_stats);
	__uint(max_entries, 1);
} stats SEC(".maps");

/* Whole words an order >= 6 block can span: 2^(FPHINT_MAX_ORDER - 6). */
#define FPHINT_MAX_BLOCK_WORDS (1u << (FPHINT_MAX_ORDER - 6))
/* Words a compaction range summary may clear (a pageblock is 8 words). */
#define FPHINT_MAX_COMPACT_WORDS 64

/*
 * Stats are per cpu and updated without atomics: a raw_tp program is not
 * re-entered on its own cpu, and a different one of ours nesting from an
 * interrupt at exactly the increment can lose a count, which is cheaper
 * than an atomic on every event and only blurs a statistic.
 */
static __always_inline struct fphint_stats *fphint_stats_this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

static __always_inline void fphint_count(enum fphint_event_kind kind, __u64 pages)
{
	struct fphint_stats *s = fphint_stats_this_cpu();

	if (!s)
		return;
	s->events[kind] += 1;
	s->pages[kind] += pages;
}

static __always_inline void fphint_count_order(enum fphint_event_kind kind, __u32 order, bool freed)
{
	struct fphint_stats *s = fphint_stats_this_cpu();

	/*
	 * The caller has checked order already, but clang drops a repeated
	 * check and the verifier then sees an unbounded index: hide the value.
	 */
	asm volatile("" : "+r"(order));
	if (!s || order > FPHINT_MAX_ORDER)
		return;
	s->events[kind] += 1;
	s->pages[kind] += 1ull << order;
	if (freed)
		s->freed_by_order[order] += 1;
	else
		s->allocated_by_order[order] += 1;
}

enum fphint_op {
	FPHINT_OP_FREE,	 /* set free and freed_since_epoch */
	FPHINT_OP_DRAIN, /* set free only */
	FPHINT_OP_ALLOC, /* clear free */
};

/*
 * Apply op to mask in one word.  The plain read first skips the atomic
 * (and the cache line going exclusive) when the bits are already right,
 * which is common: a page freed to a pcp list and drained later is set
 * twice, an allocation seen by zone_locked and mm_page_alloc cleared twice.
 */
static __always_inline void fphint_apply_word(struct fphint_word *w, __u64 mask, enum fphint_op op)
{
	if (op == FPHINT_OP_ALLOC) {
		if (w->free & mask)
			__sync_fetch_and_and(&w->free, ~mask);
		return;
	}
	if ((w->free & mask) != mask)
		__sync_fetch_and_or(&w->free, mask);
	if (op == FPHINT_OP_FREE && (w->freed_since_epoch & mask) != mask)
		__sync_fetch_and_or(&w->freed_since_epoch, mask);
}

/*
 * Apply op to the aligned block [pfn, pfn + 2^order).  Returns false if
 * the block is outside the bitmap.
 */
static __always_inline bool fphint_apply_block(__u64 page, __u32 order, enum fphint_op op)
{
	struct fphint_word *w;
	__u64 pfn, mask;
	__u32 idx, i, nwords;

	if (order > FPHINT_MAX_ORDER)
		return false;
	pfn = (page - fphint_vmemmap_base) >> fphint_struct_page_shift;
	/* A pointer below the base wraps to a huge pfn and fails here too. */
	if (pfn >= fphint_nr_pfns || fphint_nr_pfns - pfn < (1ull << order))
		return false;
	idx = pfn / FPHINT_PAGES_PER_WORD;
	if (order < 6) {
		/* An aligned block of at most 32 pages never crosses a word. */
		mask = ((1ull << (1u << order)) - 1) << (pfn % FPHINT_PAGES_PER_WORD);
		w = bpf_map_lookup_elem(&bitmap, &idx);
		if (!w)
			return false;
		fphint_apply_word(w, mask, op);
		return true;
	}
	nwords = 1u << (order - 6);
	for (i = 0; i < FPHINT_MAX_BLOCK_WORDS; i++) {
		__u32 k = idx + i;

		if (i >= nwords)
			break;
		w = bpf_map_lookup_elem(&bitmap, &k);
		if (!w)
			return false;
		fphint_apply_word(w, ~0ull, op);
	}
	return true;
}

/* kmem:mm_page_alloc(struct page *page, unsigned int order, gfp_t, int mt) */
SEC("raw_tp/mm_page_alloc")
int BPF_PROG(fphint_page_alloc, __u64 page, __u64 order)
{
	if (!page) {
		fphint_count(FPHINT_EV_ALLOC_FAIL, 0);
		return 0;
	}
	if (!fphint_apply_block(page, order, FPHINT_OP_ALLOC)) {
		fphint_count(FPHINT_EV_OUT_OF_RANGE, 0);
		return 0;
	}
	fphint_count_order(FPHINT_EV_ALLOC, order, false);
	return 0;
}

/* kmem:mm_page_free(struct page *page, unsigned int order) */
SEC("raw_tp/mm_page_free")
int BPF_PROG(fphint_page_free, __u64 page, __u64 order)
{
	if (!fphint_apply_block(page, order, FPHINT_OP_FREE)) {
		fphint_count(FPHINT_EV_OUT_OF_RANGE, 0);
		return 0;
	}
	fphint_count_order(FPHINT_EV_FREE, order, true);
	return 0;
}

/*
 * kmem:mm_page_alloc_zone_locked(struct page *page, unsigned int order,
 *                                int migratetype, int percpu_refill)
 * A pcp refill moves the page from the buddy lists to a per-cpu list: it
 * stays free.  Otherwise the page goes to the caller; clearing it here,
 * before mm_page_alloc, is early but safe.
 */
SEC("raw_tp/mm_page_alloc_zone_locked")
int BPF_PROG(fphint_page_alloc_zone_locked, __u64 page, __u64 order, __u64 mt, __u64 percpu_refill)
{
	(void)mt;
	if ((int)percpu_refill) {
		fphint_count(FPHINT_EV_PCP_REFILL, 1ull << (order & 15));
		return 0;
	}
	if (!fphint_apply_block(page, order, FPHINT_OP_ALLOC)) {
		fphint_count(FPHINT_EV_OUT_OF_RANGE, 0);
		return 0;
	}
	fphint_count(FPHINT_EV_ZONE_LOCKED, 1ull << order);
	return 0;
}

/* kmem:mm_page_pcpu_drain(struct page *page, unsigned int order, int mt) */
SEC("raw_tp/mm_page_pcpu_drain")
int BPF_PROG(fphint_page_pcpu_drain, __u64 page, __u64 order)
{
	if (!fphint_apply_block(page, order, FPHINT_OP_DRAIN)) {
		fphint_count(FPHINT_EV_OUT_OF_RANGE, 0);
		return 0;
	}
	fphint_count(FPHINT_EV_PCP_DRAIN, 1ull << order);
	return 0;
}

/*
 * compaction:mm_compaction_isolate_freepages(unsigned long start_pfn,
 *     unsigned long end_pfn, unsigned long nr_scanned, unsigned long nr_taken)
 * The free scanner took buddy pages out of [start, end) without an
 * allocation event; they become migration targets and are written.
 * Clearing the whole range is conservative (the index may miss a free
 * page until the next reconcile, never claim a used one).  Pages the
 * scanner gives back come through mm_page_free.
 */
SEC("raw_tp/mm_compaction_isolate_freepages")
int BPF_PROG(fphint_compaction_isolate_freepages, __u64 start, __u64 end, __u64 nr_scanned,
	     __u64 nr_taken)
{
	struct fphint_word *w;
	__u32 i, first, last;

	(void)nr_scanned;
	if (!nr_taken)
		return 0;
	if (end > fphint_nr_pfns)
		end = fphint_nr_pfns;
	if (start >= end) {
		fphint_count(FPHINT_EV_OUT_OF_RANGE, 0);
		return 0;
	}
	first = start / FPHINT_PAGES_PER_WORD;
	last = (end - 1) / FPHINT_PAGES_PER_WORD;
	for (i = 0; i < FPHINT_MAX_COMPACT_WORDS; i++) {
		__u32 k = first + i;
		__u64 mask = ~0ull;

		if (k > last)
			break;
		if (k == first)
			mask &= ~0ull << (start % FPHINT_PAGES_PER_WORD);
		if (k == last && end % FPHINT_PAGES_PER_WORD)
			mask &= ~0ull >> (FPHINT_PAGES_PER_WORD - end % FPHINT_PAGES_PER_WORD);
		w = bpf_map_lookup_elem(&bitmap, &k);
		if (!w)
			break;
		fphint_apply_word(w, mask, FPHINT_OP_ALLOC);
	}
	fphint_count(FPHINT_EV_COMPACT_ISOLATE, end - start);
	return 0;
}
