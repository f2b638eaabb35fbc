// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_truth.c - compare the pinned map with the kernel's free pages
 * (see fphint_truth.h and bpf/fphint_truth.bpf.c).
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fphint_kpage.h"
#include "fphint_ranges.h"
#include "fphint_time.h"
#include "fphint_truth.h"
#include "fphint_truth.skel.h"

/*
 * pfns per chunk: small enough that the map, kpageflags and pcp reads of
 * a page are milliseconds apart, large enough that the per-chunk cost
 * (re-walking the known pcp lists, a few thousand pages) stays small.
 */
#define TRUTH_CHUNK_PFNS  (1u << 17)
#define TRUTH_CHUNK_WORDS (TRUTH_CHUNK_PFNS / FPHINT_BITS_PER_WORD)
/*
 * Candidates per walker run.  The walker's maps are vmalloc'd, i.e. taken
 * from the free lists without an allocation event: they show up as
 * false_free themselves, so they are kept small (64 KiB + 16 KiB).
 */
#define TRUTH_BATCH (1u << 13)

static int fphint_zone_pcp(const struct fphint_zone *z, void *ctx)
{
	*(uint64_t *)ctx += z->pcp_count;
	return 0;
}

int fphint_zoneinfo_pcp_count(uint64_t *count, char *err, size_t errlen)
{
	*count = 0;
	return fphint_zoneinfo_read(FPHINT_ZONEINFO_PATH, fphint_zone_pcp, count, err, errlen);
}

bool fphint_truth_exceeds(uint64_t bad, uint64_t free_truth, uint64_t max_ppm)
{
	/* bad / free_truth > max_ppm / 1e6, without overflow for sane sizes. */
	return (unsigned __int128)bad * 1000000u > (unsigned __int128)free_truth * max_ppm;
}

static void sample(uint64_t *samples, uint64_t seen, uint64_t pfn)
{
	if (seen < FPHINT_TRUTH_SAMPLES)
		samples[seen] = pfn;
}

/* The BPF pcp walker, loaded for one verify. */
struct pcp_walker {
	struct fphint_truth *skel;
	uint64_t *cands; /* mmap of the candidates map */
	uint64_t *marks; /* mmap of pcp_marks */
	size_t marks_bytes;
	int prog_fd;
};

static void walker_close(struct pcp_walker *w)
{
	if (w->cands)
		munmap(w->cands, (size_t)TRUTH_BATCH * sizeof(uint64_t));
	if (w->marks)
		munmap(w->marks, w->marks_bytes);
	fphint_truth__destroy(w->skel);
	*w = (struct pcp_walker){0};
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Run the walker once on every cpu we may run on, so that it learns each
 * cpu's per-cpu base (see cpu_base in the BPF program); restores our
 * affinity.  Cpus we cannot run on stay unknown: their per-cpu lists are
 * then found only through their own candidates.
 */
static void walker_learn_cpus(struct pcp_walker *w)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	cpu_set_t allowed, one;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	w->skel->bss->args.mode = FPHINT_TRUTH_MODE_CPU;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
			bpf_prog_test_run_opts(w->prog_fd, &opts);
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	w->skel->bss->args.mode = FPHINT_TRUTH_MODE_WALK;
}

static int libbpf_debug(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int walker_open(struct pcp_walker *w, const struct fphint_meta *m, char *err, size_t errlen)
{
	unsigned shift = (unsigned)__builtin_ctz(m->struct_page_size);
	libbpf_print_fn_t old;
	int rc;

	*w = (struct pcp_walker){0};
	if (m->struct_page_size == 0 || (m->struct_page_size & (m->struct_page_size - 1))) {
		snprintf(err, errlen, "meta: struct page size %u is not a power of two",
			 m->struct_page_size);
		return -EINVAL;
	}
	/* libbpf's own messages are many lines; FPHINT_TRUTH_DEBUG shows them. */
	old = libbpf_set_print(getenv("FPHINT_TRUTH_DEBUG") ? libbpf_debug : libbpf_quiet);
	w->skel = fphint_truth__open();
	rc = w->skel ? 0 : -errno;
	if (!rc)
		rc = bpf_map__set_max_entries(w->skel->maps.candidates, TRUTH_BATCH);
	if (!rc)
		rc = bpf_map__set_max_entries(w->skel->maps.pcp_marks, TRUTH_CHUNK_WORDS);
	if (!rc)
		rc = fphint_truth__load(w->skel);
	if (!getenv("FPHINT_TRUTH_DEBUG"))
		libbpf_set_print(old);
	if (rc) {
		snprintf(err, errlen, "cannot load the pcp walker (BPF syscall program): %s",
			 strerror(-rc));
		walker_close(w);
		return rc;
	}
	w->marks_bytes = TRUTH_CHUNK_WORDS * sizeof(uint64_t);
	w->cands = mmap(NULL, (size_t)TRUTH_BATCH * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			MAP_SHARED, bpf_map__fd(w->skel->maps.candidates), 0);
	w->marks = mmap(NULL, w->marks_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(w->skel->maps.pcp_marks), 0);
	if (w->cands == MAP_FAILED || w->marks == MAP_FAILED) {
		rc = -errno;
		if (w->cands == MAP_FAILED)
			w->cands = NULL;
		if (w->marks == MAP_FAILED)
			w->marks = NULL;
		snprintf(err, errlen, "cannot mmap the pcp walker's maps: %s", strerror(-rc));
		walker_close(w);
		return rc;
	}
	w->skel->bss->args.vmemmap_base = m->vmemmap_base;
	w->skel->bss->args.nr_pfns = m->nr_pfns;
	w->skel->bss->args.struct_page_shift = shift;
	w->prog_fd = bpf_program__fd(w->skel->progs.fphint_truth_pcp);
	walker_learn_cpus(w);
	return 0;
}

/*
 * Marks the pcp pages of the chunk at start reachable from the first n
 * candidates (fresh marks).
 */
static int walker_run(struct pcp_walker *w, uint32_t n, uint64_t start, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int rc;

	memset(w->marks, 0, w->marks_bytes);
	w->skel->bss->args.nr_candidates = n;
	w->skel->bss->args.chunk_start = start;
	w->skel->bss->args.chunk_words = TRUTH_CHUNK_WORDS;
	rc = bpf_prog_test_run_opts(w->prog_fd, &opts);
	if (rc) {
		snprintf(err, errlen, "pcp walker run failed: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Per-chunk scratch: the map's free bits and the buddy bits. */
struct chunk_bits {
	uint64_t map[TRUTH_CHUNK_WORDS];
	uint64_t buddy[TRUTH_CHUNK_WORDS];
};

static void count_candidate(struct fphint_truth_result *r, uint64_t pfn, bool on_pcp)
{
	if (on_pcp) {
		r->map_pcp++;
		return;
	}
	sample(r->false_free_sample, r->false_free, pfn);
	r->false_free++;
}

/* Walks for the n candidates in w->cands (all in the chunk at start); counts. */
static int classify_batch(struct pcp_walker *w, uint32_t n, uint64_t start,
			  struct fphint_truth_result *r, char *err, size_t errlen)
{
	const struct fphint_truth_args *a = &w->skel->bss->args;
	int rc = walker_run(w, n, start, err, errlen);

	if (rc)
		return rc;
	r->walk_aborts += a->walk_aborts;
	r->ff_refcounted += a->cand_refcounted;
	r->ff_unlinked += a->cand_no_head;
	r->ff_other_list += a->cand_not_pcp;
	if (getenv("FPHINT_TRUTH_DEBUG"))
		for (uint32_t k = 0; k < 8 && k < a->cand_not_pcp; k++)
			fprintf(stderr, "truth: pfn %llu reached non-pcp list head 0x%llx\n",
				(unsigned long long)w->skel->bss->other_pfns[k],
				(unsigned long long)w->skel->bss->other_heads[k]);
	for (uint32_t k = 0; k < n; k++)
		count_candidate(r, w->cands[k], fphint_bit_test(w->marks, w->cands[k] - start));
	return 0;
}

/*
 * Classify one chunk [start, start + nr): counts into r; candidate pfns
 * (map free, not buddy) go to the walker in batches and are checked
 * against its marks.
 */
static int verify_chunk(const struct fphint_pins *p, int kfd, struct pcp_walker *w,
			struct chunk_bits *b, uint64_t start, uint64_t nr,
			struct fphint_truth_result *r, char *err, size_t errlen)
{
	uint64_t nw = fphint_bits_words(nr), w0 = start / FPHINT_BITS_PER_WORD;
	uint32_t ncand = 0;
	int rc;

	/* Map first, truth right after: the window between them is tiny. */
	for (uint64_t i = 0; i < nw; i++)
		b->map[i] = __atomic_load_n(&p->words[w0 + i].free, __ATOMIC_RELAXED);
	if (nr % FPHINT_BITS_PER_WORD)
		b->map[nw - 1] &= (1ull << (nr % FPHINT_BITS_PER_WORD)) - 1;
	rc = fphint_kpage_buddy_fd(kfd, start, nr, b->buddy, err, errlen);
	if (rc)
		return rc;

	for (uint64_t i = 0; i < nw; i++) {
		uint64_t map = b->map[i], buddy = b->buddy[i], cand = map & ~buddy,
			 miss = buddy & ~map;

		r->map_free += (uint64_t)__builtin_popcountll(map);
		r->free_truth += (uint64_t)__builtin_popcountll(buddy);
		r->map_buddy += (uint64_t)__builtin_popcountll(map & buddy);
		while (miss) {
			sample(r->missed_sample, r->missed,
			       start + i * 64 + (uint64_t)__builtin_ctzll(miss));
			r->missed++;
			miss &= miss - 1;
		}
		for (; cand; cand &= cand - 1) {
			uint64_t pfn = start + i * 64 + (uint64_t)__builtin_ctzll(cand);

			if (!w) {
				count_candidate(r, pfn, false);
				continue;
			}
			w->cands[ncand++] = pfn;
			if (ncand == TRUTH_BATCH) {
				rc = classify_batch(w, ncand, start, r, err, errlen);
				if (rc)
					return rc;
				ncand = 0;
			}
		}
	}
	if (ncand) {
		rc = classify_batch(w, ncand, start, r, err, errlen);
		if (rc)
			return rc;
	}
	r->pfns_checked += nr;
	return 0;
}

int fphint_truth_verify(const struct fphint_pins *p, struct fphint_truth_result *r, char *err,
			size_t errlen)
{
	uint64_t t0 = fphint_now_ns(CLOCK_MONOTONIC), nr_pfns = p->meta.nr_pfns;
	struct pcp_walker walker;
	struct chunk_bits *bits = NULL;
	int kfd, rc = 0;

	*r = (struct fphint_truth_result){0};
	if (nr_pfns > p->nr_words * FPHINT_BITS_PER_WORD) {
		snprintf(err, errlen, "meta: nr_pfns %llu exceeds the bitmap (%llu words)",
			 (unsigned long long)nr_pfns, (unsigned long long)p->nr_words);
		return -EINVAL;
	}
	kfd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "/proc/kpageflags: %s", strerror(-rc));
		return rc;
	}
	bits = malloc(sizeof(*bits));
	if (!bits) {
		close(kfd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Without the walker, pcp pages are counted as false_free: said so in the result. */
	r->pcp_walked =
		walker_open(&walker, &p->meta, r->pcp_walk_error, sizeof(r->pcp_walk_error)) == 0;

	for (uint64_t start = 0; start < nr_pfns && !rc; start += TRUTH_CHUNK_PFNS) {
		uint64_t nr =
			nr_pfns - start < TRUTH_CHUNK_PFNS ? nr_pfns - start : TRUTH_CHUNK_PFNS;

		rc = verify_chunk(p, kfd, r->pcp_walked ? &walker : NULL, bits, start, nr, r, err,
				  errlen);
	}
	/* A last run without candidates: every known list, walked once, for pcp_free. */
	if (!rc && r->pcp_walked) {
		rc = walker_run(&walker, 0, 0, err, errlen);
		r->pcp_free = walker.skel->bss->args.pcp_pages;
		r->pcp_structs = walker.skel->bss->args.pcp_structs;
		r->walk_aborts += walker.skel->bss->args.walk_aborts;
	}
	if (!rc)
		rc = fphint_zoneinfo_pcp_count(&r->pcp_free_zoneinfo, err, errlen);
	if (r->pcp_walked)
		walker_close(&walker);
	free(bits);
	close(kfd);
	r->elapsed_ns = fphint_now_ns(CLOCK_MONOTONIC) - t0;
	return rc;
}
