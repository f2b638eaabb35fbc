/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_truth.h - the verify oracle: compares the pinned map with what
 * the kernel says is free right now.
 *
 * Free means either in the buddy allocator (KPF_BUDDY in
 * /proc/kpageflags, set on every page of a free block) or on a per-cpu
 * (pcp) free list.  pcp pages carry no page flag, so they are found one by
 * one by a BPF program (bpf/fphint_truth.bpf.c) that walks the per-cpu
 * lists reached from the candidate pages (see there).
 *
 * This header is also included by that BPF program for the argument block
 * it shares with user space; everything else is hidden from it.
 */
#ifndef FPHINT_TRUTH_H
#define FPHINT_TRUTH_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/*
 * Arguments and results of one run of the BPF walker (the ctx of its
 * BPF_PROG_TYPE_SYSCALL program, copied in and back by BPF_PROG_TEST_RUN).
 */
/* args.mode: classify candidates, or record the running cpu's base. */
#define FPHINT_TRUTH_MODE_WALK 0
#define FPHINT_TRUTH_MODE_CPU  1

struct fphint_truth_args {
	/* in */
	__u32 mode;
	__u32 pad;
	__u64 vmemmap_base; /* struct page of pfn 0 */
	__u64 nr_pfns;
	__u32 struct_page_shift; /* log2(sizeof(struct page)) */
	__u32 nr_candidates;	 /* pfns in the candidates map to classify */
	__u64 chunk_start;	 /* pcp_marks word 0 = pfns [chunk_start, +64) */
	__u64 chunk_words;	 /* words of pcp_marks in use */
	/* out */
	__u64 pcp_pages;   /* pages on the lists of every known pcp struct */
	__u32 pcp_structs; /* known struct per_cpu_pages (cpu x zone) */
	__u32 pcp_lists_walked;
	__u32 walk_aborts;     /* list walks given up (lists changed under us) */
	__u32 cand_refcounted; /* with a reference, or compound tails: in use */
	__u32 cand_no_head;    /* refcount 0 but no list head reached */
	__u32 cand_not_pcp;    /* reached a list head that is not a pcp list */
	__u32 cand_late;       /* joined a known pcp list after it was walked */
	__u32 errors;	       /* unreadable kernel memory */
};

#ifndef __bpf__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fphint_pins.h"

#define FPHINT_TRUTH_SAMPLES 8

struct fphint_truth_result {
	uint64_t pfns_checked;
	uint64_t map_free;	    /* free bits in the map */
	uint64_t free_truth;	    /* KPF_BUDDY pages */
	uint64_t map_buddy;	    /* map free and buddy: agree */
	uint64_t map_pcp;	    /* map free, not buddy, on a pcp list: agree */
	uint64_t false_free;	    /* map free, neither buddy nor pcp */
	uint64_t missed;	    /* buddy, map says used */
	uint64_t pcp_free;	    /* pages on the pcp lists found by the walk */
	uint64_t pcp_free_zoneinfo; /* sum of pcp "count:" in /proc/zoneinfo */
	uint64_t pcp_structs;	    /* per-cpu page sets found */
	uint64_t walk_aborts;
	/* How the walker saw the false_free pages (sums over chunks): */
	uint64_t ff_refcounted; /* _refcount > 0 or a compound tail: allocated */
	uint64_t ff_unlinked;	/* _refcount 0, on no list */
	/* _refcount 0 on a list that is not a pcp list (6.18: frozen slab pages) */
	uint64_t ff_other_list;
	uint64_t elapsed_ns;
	bool pcp_walked;	  /* false: BPF walker unavailable, pcp pages count as false_free */
	char pcp_walk_error[160]; /* why, when !pcp_walked */
	uint64_t false_free_sample[FPHINT_TRUTH_SAMPLES]; /* first few pfns */
	uint64_t missed_sample[FPHINT_TRUTH_SAMPLES];
};

/*
 * One pass over the whole map, chunk by chunk: map bits, then kpageflags,
 * then the pcp walk for that chunk's candidates, so that the three reads
 * of a page are close in time.  0 or -errno with one line in err.
 */
int fphint_truth_verify(const struct fphint_pins *p, struct fphint_truth_result *r, char *err,
			size_t errlen);

/* Sum of the per-cpu "count:" lines of /proc/zoneinfo.  0 or -errno. */
int fphint_zoneinfo_pcp_count(uint64_t *count, char *err, size_t errlen);

/*
 * true when bad (false_free or missed) is above max_ppm parts per million
 * of free_truth.
 */
bool fphint_truth_exceeds(uint64_t bad, uint64_t free_truth, uint64_t max_ppm);
#endif

#endif
