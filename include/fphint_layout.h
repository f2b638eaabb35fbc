/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_layout.h - the one description of fphint's pinned BPF maps.
 *
 * Included by the BPF programs (after vmlinux.h), by the user-space agent
 * and CLI, and by the fphint_balloon kernel module.  Anything that reads or
 * writes a pinned map must agree with this file; bump
 * FPHINT_LAYOUT_VERSION whenever a struct below changes shape or meaning.
 *
 * The map is a *candidate index*, not truth: several allocation paths
 * (bulk allocator, compaction's free scanner, alloc_contig_range, page
 * reporting, hwpoison) take pages out of the free lists without an event,
 * and events can be missed (recursion).  Every consumer that acts on a
 * "free" bit (the kernel helper before hinting) must confirm the page is
 * free in the buddy allocator under zone->lock first.
 */
#ifndef FPHINT_LAYOUT_H
#define FPHINT_LAYOUT_H

#if !defined(__VMLINUX_H__) && !defined(__KERNEL__)
#include <linux/types.h>
#elif defined(__KERNEL__)
#include <linux/types.h>
#endif

#define FPHINT_LAYOUT_VERSION 2
#define FPHINT_MAGIC	      0x46504831u /* "FPH1" */

/* Where the agent pins everything (bpffs). */
#define FPHINT_PIN_DIR	       "/sys/fs/bpf/fphint"
#define FPHINT_PIN_BITMAP      "bitmap" /* struct fphint_word[]  */
#define FPHINT_PIN_META	       "meta"	/* struct fphint_meta[1]  */
#define FPHINT_PIN_STATS       "stats"	/* per-cpu struct fphint_stats[1] */
#define FPHINT_PIN_LINK_PREFIX "link_"	/* link_<program name> */

/* Pages per bitmap word: bit (pfn % 64) of word (pfn / 64). */
#define FPHINT_PAGES_PER_WORD 64

/*
 * One element of the "bitmap" map (BPF_MAP_TYPE_ARRAY, BPF_F_MMAPABLE,
 * key = word index, max_entries = DIV_ROUND_UP(nr_pfns, 64)).
 *
 * Both bit sets of 64 page frames share one 16-byte element so that an
 * event touches a single cache line: the cost of a tracepoint program is
 * dominated by the miss on this word.
 *
 * @free:              1 = the page was last seen free (in the buddy
 *                     allocator or on a per-cpu list).  Set by free
 *                     events, cleared by allocation events; corrected by
 *                     the reconcile pass (compare-and-swap per word).
 * @freed_since_epoch: 1 = a free event for this page happened since the
 *                     consumer last took the delta set.  Only set by BPF;
 *                     the consumer (see fphint_meta.epoch) takes and
 *                     clears it word by word with an atomic exchange.  A
 *                     delta candidate is (free & freed_since_epoch).
 */
struct fphint_word {
	__u64 free;
	__u64 freed_since_epoch;
};

/*
 * The single element of the "meta" map (BPF_MAP_TYPE_ARRAY, 1 entry,
 * BPF_F_MMAPABLE).
 *
 * Every field has one owner, and after the map is pinned nobody rewrites
 * the whole element: each owner updates its own fields in place (user
 * space through the mmap, the module through its pointer into the array),
 * with atomic operations on the counters, so no write can undo another's.
 *
 *   created once by the agent, before the map is pinned, then read-only:
 *     magic, layout_version, nr_pfns, vmemmap_base, struct_page_size,
 *     page_size
 *   the agent (fphintd), each time it starts or adopts the pins:
 *     agent_pid, seeded_at
 *   the reconcile pass (fphintd, or `fphint reconcile`), atomic add/store:
 *     last_reconcile_at, reconcile_runs, reconcile_set, reconcile_cleared,
 *     lost_events
 *   the consumer of the delta set (the fphint_balloon module at each hint
 *   round; `fphint snapshot --consume` by hand), atomic increment only:
 *     epoch, which therefore never goes back
 */
struct fphint_meta {
	__u32 magic;		 /* FPHINT_MAGIC */
	__u32 layout_version;	 /* FPHINT_LAYOUT_VERSION */
	__u64 nr_pfns;		 /* the bitmap covers pfns [0, nr_pfns) */
	__u64 vmemmap_base;	 /* struct page of pfn 0 (calibrated) */
	__u32 struct_page_size;	 /* sizeof(struct page), from BTF */
	__u32 page_size;	 /* bytes per page frame */
	__u64 epoch;		 /* bumped each time the delta set is taken */
	__u64 agent_pid;	 /* pid of the agent that last owned the maps */
	__u64 seeded_at;	 /* CLOCK_REALTIME ns of the initial seed */
	__u64 last_reconcile_at; /* CLOCK_REALTIME ns, 0 = never */
	__u64 reconcile_runs;
	__u64 reconcile_set;	 /* bits set: buddy pages the map had as used */
	__u64 reconcile_cleared; /* bits cleared: not buddy, map had free */
	__u64 lost_events;	 /* recursion misses of our programs, summed */
};

/* Event kinds counted in struct fphint_stats. */
enum fphint_event_kind {
	FPHINT_EV_ALLOC = 0,	   /* kmem:mm_page_alloc with a page */
	FPHINT_EV_ALLOC_FAIL,	   /* kmem:mm_page_alloc without a page */
	FPHINT_EV_FREE,		   /* kmem:mm_page_free */
	FPHINT_EV_ZONE_LOCKED,	   /* kmem:mm_page_alloc_zone_locked, to caller */
	FPHINT_EV_PCP_REFILL,	   /* kmem:mm_page_alloc_zone_locked, to pcp */
	FPHINT_EV_PCP_DRAIN,	   /* kmem:mm_page_pcpu_drain */
	FPHINT_EV_COMPACT_ISOLATE, /* compaction free scanner took pages */
	FPHINT_EV_OUT_OF_RANGE,	   /* pfn outside [0, nr_pfns) or bad order */
	FPHINT_EV_MAX
};

/* Highest buddy order tracked per order (MAX_ORDER-1 on 6.1, 10 on 6.18). */
#define FPHINT_MAX_ORDER 10

/* The single element of the per-cpu "stats" map; user space sums CPUs. */
struct fphint_stats {
	__u64 events[FPHINT_EV_MAX];
	__u64 pages[FPHINT_EV_MAX]; /* page frames covered by those events */
	__u64 freed_by_order[FPHINT_MAX_ORDER + 1];
	__u64 allocated_by_order[FPHINT_MAX_ORDER + 1];
};

#endif /* FPHINT_LAYOUT_H */
