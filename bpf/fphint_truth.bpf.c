// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_truth.bpf.c - find the pages that sit on per-cpu (pcp) free
 * lists, for `fphint verify`.
 *
 * A page on a pcp list is free but has no page flag that says so (it is
 * not PageBuddy), and the lists hold thousands of pages, more than the
 * verify error budget: they must be found page by page.  There is no
 * global way to reach the lists (the zones hang off node_data, which is
 * not in BTF), so we start from pages the map says are free but the buddy
 * allocator does not have (the candidates): a candidate on a pcp list has
 * _refcount 0 and its pcp_list node sits in a ring of struct page nodes
 * closed by one node that is not a struct page: &pcp->lists[pindex]
 * inside a struct per_cpu_pages.  We follow the ring to that node, locate
 * the enclosing per_cpu_pages (it is cacheline aligned and every one of
 * its lists must look like a list of struct pages), remember it, and walk
 * all of its lists, marking every page on them that falls in the caller's
 * chunk of pfns in pcp_marks.  The index
 * of the list gives the order of its pages (like order_to_pindex() in
 * mm/page_alloc.c).
 *
 * Nothing here takes pcp->lock: lists change while we read.  A walk that
 * leaves the ring (a node was taken off and poisoned) is retried a few
 * times and then given up (counted); reads of kernel memory go through
 * bpf_probe_read_kernel and cannot fault.  Each run first re-walks every
 * per_cpu_pages found by earlier runs, so the marks are fresh for the
 * caller's chunk.
 *
 * Run through BPF_PROG_TEST_RUN (program type syscall); arguments and
 * results live in the global `args` (struct fphint_truth_args).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "fphint_layout.h"
#include "../user/fphint_truth.h"

char LICENSE[] SEC("license") = "GPL";

/* cpus x populated zones; plenty for the machines we run on. */
#define FPHINT_TRUTH_MAX_STRUCTS 256
#define FPHINT_TRUTH_MAX_CPUS	 64
/* Longest list we follow (pcp->high is a few thousand pages at most). */
#define FPHINT_TRUTH_MAX_STEPS (1u << 16)
/* NR_PCP_LISTS is 13 on 6.1 and 14 on 6.18. */
#define FPHINT_TRUTH_MAX_LISTS 32
#define FPHINT_TRUTH_RETRIES   3
/* Lists are drained from the tail while we walk them: more tries there. */
#define FPHINT_TRUTH_WALK_RETRIES 8
/* struct per_cpu_pages is ____cacheline_aligned_in_smp (x86: 64 bytes). */
#define FPHINT_TRUTH_PCP_ALIGN 64
/* Orders above PAGE_ALLOC_COSTLY_ORDER go to the THP lists, at HPAGE_PMD_ORDER. */
#define FPHINT_COSTLY_ORDER 3
#define FPHINT_PMD_ORDER    9

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1); /* set before load: candidates per run */
} candidates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1); /* set before load: words per verify chunk */
} pcp_marks SEC(".maps");

struct fphint_truth_args args;
/* per_cpu_pages found so far (by this loaded instance). */
__u64 known_structs[FPHINT_TRUTH_MAX_STRUCTS];
__u32 nr_known;
/*
 * Address of each cpu's struct rq (the per-cpu `runqueues`): differences
 * between them are differences between the cpus' per-cpu offsets, which
 * take us from one cpu's per_cpu_pages of a zone to every other cpu's
 * (zone->per_cpu_pageset is a single per-cpu allocation).  `runqueues`
 * has no kallsyms entry on kernels without KALLSYMS_ALL, so a __ksym
 * cannot be resolved; instead user space runs us once on every cpu
 * (FPHINT_TRUTH_MODE_CPU) and we read current->se.cfs_rq->rq.  0 = unknown.
 */
__u64 cpu_base[FPHINT_TRUTH_MAX_CPUS];
/* The first list heads that were not pcp lists (for FPHINT_TRUTH_DEBUG). */
__u64 other_heads[8];
__u64 other_pfns[8];

struct list_head_raw {
	__u64 next, prev;
};

static __always_inline __u64 pcp_node_off(void)
{
	return bpf_core_field_offset(struct page, pcp_list);
}

static __always_inline __u32 nr_pcp_lists(void)
{
	__u32 n = bpf_core_field_size(struct per_cpu_pages, lists) / sizeof(struct list_head_raw);

	return n < FPHINT_TRUTH_MAX_LISTS ? n : FPHINT_TRUTH_MAX_LISTS;
}

/* Is node the pcp_list member of a struct page of a tracked pfn? */
static __always_inline bool is_page_node(__u64 node)
{
	__u64 rel = node - args.vmemmap_base - pcp_node_off();

	/* Below the base, rel wraps to a huge value and fails the bound. */
	return rel < (args.nr_pfns << args.struct_page_shift) &&
	       !(rel & ((1ull << args.struct_page_shift) - 1));
}

static __always_inline __u64 node_pfn(__u64 node)
{
	return (node - args.vmemmap_base - pcp_node_off()) >> args.struct_page_shift;
}

/* order_to_pindex() backwards. */
static __always_inline __u32 pindex_order(__u32 pindex)
{
	__u32 pcptypes = bpf_core_enum_value(enum migratetype, MIGRATE_PCPTYPES);

	if (pcptypes == 0)
		return 0;
	if (pindex >= pcptypes * (FPHINT_COSTLY_ORDER + 1))
		return FPHINT_PMD_ORDER;
	return pindex / pcptypes;
}

/*
 * The marks word of pfn, or NULL outside the caller's chunk: only the
 * chunk is marked, which keeps pcp_marks (vmalloc'd, so taken silently
 * from the free lists, and then miscounted as false_free) small.
 */
static __always_inline __u64 *mark_word(__u64 pfn)
{
	__u64 rel = pfn - args.chunk_start;
	__u32 idx;

	if (pfn < args.chunk_start || rel / 64 >= args.chunk_words)
		return NULL;
	idx = (__u32)(rel / 64);
	return bpf_map_lookup_elem(&pcp_marks, &idx);
}

static __always_inline bool is_marked(__u64 pfn)
{
	__u64 *w = mark_word(pfn);

	return w && (*w >> (pfn % 64)) & 1;
}

/* Mark the aligned block [pfn, pfn + 2^order). */
static __always_inline void mark_block(__u64 pfn, __u32 order)
{
	__u32 nwords, i;
	__u64 *w;

	if (order > FPHINT_MAX_ORDER || pfn >= args.nr_pfns)
		return;
	if (order < 6) {
		w = mark_word(pfn);
		if (w)
			*w |= ((1ull << (1u << order)) - 1) << (pfn % 64);
		return;
	}
	nwords = 1u << (order - 6);
	for (i = 0; i < (1u << (FPHINT_MAX_ORDER - 6)); i++) {
		if (i >= nwords)
			break;
		w = mark_word(pfn + 64ull * i);
		if (w)
			*w = ~0ull;
	}
}

struct list_walk {
	__u64 head, cur, pages;
	__u32 order;
	bool ok;
};

static long list_step(__u64 i, void *data)
{
	struct list_walk *w = data;
	__u64 next;

	(void)i;
	if (w->cur == w->head) {
		w->ok = true;
		return 1;
	}
	if (!is_page_node(w->cur))
		return 1; /* left the ring: the list changed under us */
	mark_block(node_pfn(w->cur), w->order);
	w->pages += 1ull << w->order;
	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)w->cur))
		return 1;
	w->cur = next;
	return 0;
}

/* Pages on the list at head (pages of the given order); -1 if it kept changing. */
static __always_inline long walk_list(__u64 head, __u32 order)
{
	struct list_walk w;
	int attempt;

	for (attempt = 0; attempt < FPHINT_TRUTH_WALK_RETRIES; attempt++) {
		w = (struct list_walk){.head = head, .order = order};
		if (bpf_probe_read_kernel(&w.cur, sizeof(w.cur), (void *)head)) {
			args.errors++;
			return -1;
		}
		bpf_loop(FPHINT_TRUTH_MAX_STEPS, list_step, &w, 0);
		if (w.ok)
			return (long)w.pages;
		args.walk_aborts++;
	}
	return -1;
}

/* &((struct per_cpu_pages *)pcp)->lists[i] */
static __always_inline __u64 pcp_list_head(__u64 pcp, __u64 i)
{
	return pcp + bpf_core_field_offset(struct per_cpu_pages, lists) +
	       i * sizeof(struct list_head_raw);
}

struct struct_walk {
	__u64 pcp;
	__u64 pages;
};

static long struct_step(__u64 i, void *data)
{
	struct struct_walk *s = data;
	__u64 head = pcp_list_head(s->pcp, i);
	long n;

	if (i >= nr_pcp_lists())
		return 1;
	n = walk_list(head, pindex_order((__u32)i));
	args.pcp_lists_walked++;
	if (n > 0)
		s->pages += (__u64)n;
	return 0;
}

/* Walk every list of the per_cpu_pages at pcp; returns the pages seen. */
static __always_inline __u64 walk_struct(__u64 pcp)
{
	struct struct_walk s = {.pcp = pcp};

	bpf_loop(FPHINT_TRUTH_MAX_LISTS, struct_step, &s, 0);
	return s.pages;
}

struct validate {
	__u64 pcp;
	bool bad;
};

static long validate_step(__u64 i, void *data)
{
	struct validate *v = data;
	__u64 self = pcp_list_head(v->pcp, i);
	struct list_head_raw l;
	bool next_self, prev_self;

	if (i >= nr_pcp_lists())
		return 1;
	if (bpf_probe_read_kernel(&l, sizeof(l), (void *)self)) {
		v->bad = true;
		return 1;
	}
	/* Empty (both point to itself) or both ends are struct pages. */
	next_self = l.next == self;
	prev_self = l.prev == self;
	if (next_self != prev_self ||
	    (!next_self && (!is_page_node(l.next) || !is_page_node(l.prev)))) {
		v->bad = true;
		return 1;
	}
	return 0;
}

/* Does pcp look like a struct per_cpu_pages (one read attempt)? */
static __always_inline bool looks_like_pcp(__u64 pcp)
{
	struct validate v = {.pcp = pcp};
	int count, batch;

	if (bpf_probe_read_kernel(
		    &count, sizeof(count),
		    (void *)(pcp + bpf_core_field_offset(struct per_cpu_pages, count))) ||
	    bpf_probe_read_kernel(
		    &batch, sizeof(batch),
		    (void *)(pcp + bpf_core_field_offset(struct per_cpu_pages, batch))))
		return false;
	if (count < 0 || count > (1 << 22) || batch <= 0 || batch > (1 << 16))
		return false;
	bpf_loop(FPHINT_TRUTH_MAX_LISTS, validate_step, &v, 0);
	return !v.bad;
}

struct locate {
	__u64 head, pcp;
	__u32 pindex, found;
};

static long locate_step(__u64 i, void *data)
{
	struct locate *l = data;
	__u64 pcp = l->head - bpf_core_field_offset(struct per_cpu_pages, lists) -
		    i * sizeof(struct list_head_raw);

	if (i >= nr_pcp_lists())
		return 1;
	if (pcp % FPHINT_TRUTH_PCP_ALIGN)
		return 0;
	for (int attempt = 0; attempt < FPHINT_TRUTH_RETRIES; attempt++) {
		if (looks_like_pcp(pcp)) {
			l->pcp = pcp;
			l->pindex = (__u32)i;
			l->found++;
			break;
		}
	}
	return 0;
}

/* The per_cpu_pages whose lists[] contains head, or 0 (none or ambiguous). */
static __always_inline __u64 locate_pcp(__u64 head, __u32 *pindex)
{
	struct locate l = {.head = head};

	bpf_loop(FPHINT_TRUTH_MAX_LISTS, locate_step, &l, 0);
	if (l.found != 1)
		return 0;
	*pindex = l.pindex;
	return l.pcp;
}

struct seek {
	__u64 start, cur, head;
};

/* Follow next pointers from a page node until a node that is not a page. */
static long seek_step(__u64 i, void *data)
{
	struct seek *s = data;
	__u64 next;

	(void)i;
	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)s->cur))
		return 1;
	if (!is_page_node(next)) {
		s->head = next;
		return 1;
	}
	if (next == s->start)
		return 1; /* a ring of pages only: not a list we know */
	s->cur = next;
	return 0;
}

static __always_inline bool is_known(__u64 pcp)
{
	__u32 n = nr_known;

	for (__u32 i = 0; i < FPHINT_TRUTH_MAX_STRUCTS; i++) {
		if (i >= n)
			break;
		if (known_structs[i] == pcp)
			return true;
	}
	return false;
}

/*
 * The known per_cpu_pages whose lists[] contains head, or 0.  Cheaper than
 * locate_pcp() and immune to its validation failing while other lists of
 * the same struct change.
 */
static __always_inline __u64 known_pcp_of(__u64 head, __u32 *pindex)
{
	__u64 lists = bpf_core_field_offset(struct per_cpu_pages, lists);
	__u64 span = (__u64)nr_pcp_lists() * sizeof(struct list_head_raw);
	__u32 n = nr_known;

	for (__u32 i = 0; i < FPHINT_TRUTH_MAX_STRUCTS; i++) {
		__u64 rel;

		if (i >= n)
			break;
		rel = head - known_structs[i] - lists;
		if (rel < span && !(rel % sizeof(struct list_head_raw))) {
			*pindex = (__u32)(rel / sizeof(struct list_head_raw));
			return known_structs[i];
		}
	}
	return 0;
}

static long known_step(__u64 i, void *data)
{
	(void)data;
	if (i >= nr_known || i >= FPHINT_TRUTH_MAX_STRUCTS)
		return 1;
	args.pcp_pages += walk_struct(known_structs[i]);
	return 0;
}

/* Record this cpu's struct rq address (see cpu_base). */
static __always_inline void record_cpu_base(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 task = bpf_get_current_task(), cfs_rq = 0, rq = 0;

	if (!bpf_core_field_exists(struct cfs_rq, rq) || cpu >= FPHINT_TRUTH_MAX_CPUS)
		return;
	if (bpf_probe_read_kernel(&cfs_rq, sizeof(cfs_rq),
				  (void *)(task + bpf_core_field_offset(struct task_struct, se) +
					   bpf_core_field_offset(struct sched_entity, cfs_rq))) ||
	    bpf_probe_read_kernel(&rq, sizeof(rq),
				  (void *)(cfs_rq + bpf_core_field_offset(struct cfs_rq, rq))))
		return;
	cpu_base[cpu] = rq;
}

/* Remember pcp and count the pages on its lists; false if full or known. */
static __always_inline bool add_struct(__u64 pcp)
{
	__u32 k = nr_known;

	if (k >= FPHINT_TRUTH_MAX_STRUCTS || is_known(pcp))
		return false;
	known_structs[k] = pcp;
	nr_known = k + 1;
	args.pcp_pages += walk_struct(pcp);
	return true;
}

struct sibling {
	__u64 pcp;
	__u32 from; /* the cpu we assume pcp belongs to */
};

static long sibling_to_step(__u64 to, void *data)
{
	struct sibling *sb = data;
	__u32 from = sb->from;
	__u64 other;

	if (to >= FPHINT_TRUTH_MAX_CPUS || from >= FPHINT_TRUTH_MAX_CPUS)
		return 1;
	if (to == from || !cpu_base[from] || !cpu_base[to])
		return 0;
	other = sb->pcp - cpu_base[from] + cpu_base[to];
	if (!is_known(other) && looks_like_pcp(other))
		add_struct(other);
	return 0;
}

static long sibling_from_step(__u64 from, void *data)
{
	struct sibling *sb = data;

	if (from >= FPHINT_TRUTH_MAX_CPUS)
		return 1;
	sb->from = (__u32)from;
	bpf_loop(FPHINT_TRUTH_MAX_CPUS, sibling_to_step, sb, 0);
	return 0;
}

/*
 * The same zone's per_cpu_pages on the other cpus.  We do not know which
 * cpu pcp belongs to, so try every (from, to) pair: only real ones pass
 * looks_like_pcp().
 */
static __always_inline void add_siblings(__u64 pcp)
{
	struct sibling sb = {.pcp = pcp};

	bpf_loop(FPHINT_TRUTH_MAX_CPUS, sibling_from_step, &sb, 0);
}

static long candidate_step(__u64 i, void *data)
{
	__u32 idx = (__u32)i, pindex = 0, refcount;
	__u64 *pfnp = bpf_map_lookup_elem(&candidates, &idx);
	__u64 pfn, page, pcp;
	struct seek s = {};

	(void)data;
	if (!pfnp)
		return 1;
	pfn = *pfnp;
	if (pfn >= args.nr_pfns || is_marked(pfn))
		return 0;
	page = args.vmemmap_base + (pfn << args.struct_page_shift);
	if (bpf_probe_read_kernel(&refcount, sizeof(refcount),
				  (void *)(page + bpf_core_field_offset(struct page, _refcount)))) {
		args.errors++;
		return 0;
	}
	if (refcount) {
		args.cand_refcounted++;
		return 0;
	}
	s.start = s.cur = page + pcp_node_off();
	bpf_loop(FPHINT_TRUTH_MAX_STEPS, seek_step, &s, 0);
	if (!s.head) {
		args.cand_no_head++;
		return 0;
	}
	if ((s.head & 1) && is_page_node(s.head - 1 + pcp_node_off())) {
		/* compound_head of a tail page (bit 0 set): part of an allocation. */
		args.cand_refcounted++;
		return 0;
	}
	pcp = known_pcp_of(s.head, &pindex);
	if (pcp) {
		/* Walked at the start of this run; the page came later. */
		args.cand_late++;
		mark_block(pfn, pindex_order(pindex));
		return 0;
	}
	pcp = locate_pcp(s.head, &pindex);
	if (!pcp) {
		if (args.cand_not_pcp < 8) {
			other_heads[args.cand_not_pcp & 7] = s.head;
			other_pfns[args.cand_not_pcp & 7] = pfn;
		}
		args.cand_not_pcp++;
		return 0;
	}
	if (add_struct(pcp))
		add_siblings(pcp);
	/* It was on this list a moment ago, whatever the walk saw since. */
	mark_block(pfn, pindex_order(pindex));
	return 0;
}

SEC("syscall")
int fphint_truth_pcp(void *ctx)
{
	(void)ctx;
	args.pcp_pages = 0;
	args.pcp_lists_walked = 0;
	args.walk_aborts = 0;
	args.cand_refcounted = 0;
	args.cand_no_head = 0;
	args.cand_not_pcp = 0;
	args.cand_late = 0;
	args.errors = 0;
	if (args.mode == FPHINT_TRUTH_MODE_CPU) {
		record_cpu_base();
		return 0;
	}
	bpf_loop(FPHINT_TRUTH_MAX_STRUCTS, known_step, NULL, 0);
	bpf_loop(args.nr_candidates, candidate_step, NULL, 0);
	args.pcp_structs = nr_known;
	return 0;
}
