// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint-bench-overhead - what the tracker costs a page-fault-heavy
 * process.  One run maps, touches and unmaps BENCH_MAP_BYTES several
 * times (every page is one mm_page_alloc and one mm_page_free, plus the
 * pcp refills and drains).  Each round runs without anything attached,
 * with empty programs on the same tracepoints (the dispatch floor) and
 * with the tracker (this process's own instance, never pinned), in a
 * rotating order so drift cancels out; each configuration's fastest of
 * BENCH_REPEATS runs in a round counts.
 * bpf_stats (which itself costs time per event) is only enabled for a
 * separate run at the end that measures BPF ns per event.
 * Times are this process's CPU time (user + system).
 * Last line: overhead_ratio=<median of the per-pair ratios>.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fphint_agent.h"
#include "fphint_layout.h"
#include "fphint_time.h"
#include "fphint_tracker.h"
#include "fphint.skel.h"
#include "fphint_bench_floor.skel.h"

#define BENCH_MAP_BYTES	    (64ul << 20)
#define BENCH_DEFAULT_PAIRS 12
#define BENCH_DEFAULT_ITERS 8
/* Runs per configuration and round; the fastest counts. */
#define BENCH_REPEATS 3

/*
 * The process's own CPU time, not wall time: on a shared machine the
 * run is preempted by others, which wall time would charge to whichever
 * side of the pair was unlucky.  The faults' kernel work is ours.
 */
static double now_s(void)
{
	return (double)fphint_now_ns(CLOCK_PROCESS_CPUTIME_ID) / 1e9;
}

/* One timed run: iters x (mmap, touch every page, munmap). */
static double bench_run(int iters)
{
	long psz = sysconf(_SC_PAGESIZE);
	double t0 = now_s();
	int it;

	for (it = 0; it < iters; it++) {
		char *m = mmap(NULL, BENCH_MAP_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t i;

		if (m == MAP_FAILED) {
			perror("fphint-bench-overhead: mmap");
			exit(1);
		}
		madvise(m, BENCH_MAP_BYTES, MADV_NOHUGEPAGE);
		for (i = 0; i < BENCH_MAP_BYTES; i += (size_t)psz)
			((volatile char *)m)[i] = (char)i;
		munmap(m, BENCH_MAP_BYTES);
	}
	return now_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Another fphint tracker attached anywhere would make "without" a lie. */
static int other_tracker_attached(char *what, size_t len)
{
	uint32_t id = 0;

	if (!access(FPHINT_PIN_DIR "/" FPHINT_PIN_BITMAP, F_OK)) {
		snprintf(what, len, "a tracker is pinned in %s", FPHINT_PIN_DIR);
		return 1;
	}
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info li;
		struct bpf_prog_info pi;
		int lfd = bpf_link_get_fd_by_id(id), ok;
		uint32_t l;

		if (lfd < 0)
			continue;
		ok = !fphint_link_prog_info(lfd, &li, &pi, &l);
		close(lfd);
		if (ok && li.type == BPF_LINK_TYPE_RAW_TRACEPOINT &&
		    (!strncmp(pi.name, "fphint_page", 11) ||
		     !strncmp(pi.name, "fphint_compact", 14))) {
			snprintf(what, len, "fphint program '%s' is attached (link %u)", pi.name,
				 id);
			return 1;
		}
	}
	return 0;
}

static long arg_long(const char *s, long lo, long hi, const char *name)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "fphint-bench-overhead: %s: '%s' is not in %ld..%ld\n", name, s, lo,
			hi);
		exit(2);
	}
	return v;
}

/* One run with the given skeleton attached (NULL: nothing attached). */
static double bench_run_with(int (*attach)(void *), void (*detach)(void *), void *skel, int iters)
{
	double t;

	if (skel && attach(skel)) {
		fprintf(stderr, "fphint-bench-overhead: attach failed: %s\n", strerror(errno));
		exit(1);
	}
	t = bench_run(iters);
	if (skel)
		detach(skel);
	return t;
}

static int attach_full(void *s)
{
	return fphint__attach(s);
}
static void detach_full(void *s)
{
	fphint__detach(s);
}
static int attach_floor(void *s)
{
	return fphint_bench_floor__attach(s);
}
static void detach_floor(void *s)
{
	fphint_bench_floor__detach(s);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int pairs = BENCH_DEFAULT_PAIRS, iters = BENCH_DEFAULT_ITERS, p, k, r, stats_fd;
	double ratios[256], floor_ratios[256], pages;
	struct fphint_bench_floor *floor_skel;
	struct fphint_geometry g;
	struct bpf_program *prog;
	struct fphint *skel;
	char err[512];

	if (argc > 1)
		pairs = (int)arg_long(argv[1], 10, 256, "pairs");
	if (argc > 2)
		iters = (int)arg_long(argv[2], 1, 1000, "iterations per run");
	if (argc > 3) {
		fprintf(stderr, "usage: fphint-bench-overhead [PAIRS [ITERATIONS]]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "fphint-bench-overhead: must run as root\n");
		return 1;
	}
	if (other_tracker_attached(err, sizeof(err))) {
		fprintf(stderr,
			"fphint-bench-overhead: %s; the 'without' runs would not be without it "
			"(stop it: fphintd --teardown)\n",
			err);
		return 1;
	}
	if (fphint_agent_geometry(&g, err, sizeof(err)) ||
	    fphint_agent_load(&g, &skel, err, sizeof(err))) {
		fprintf(stderr, "fphint-bench-overhead: %s\n", err);
		return 1;
	}
	floor_skel = fphint_bench_floor__open_and_load();
	if (!floor_skel) {
		fprintf(stderr, "fphint-bench-overhead: floor programs: %s\n", strerror(errno));
		fphint__destroy(skel);
		return 1;
	}
	pages = (double)iters * (double)(BENCH_MAP_BYTES / (size_t)sysconf(_SC_PAGESIZE));
	printf("fphint-bench-overhead: %d rounds of (without, empty programs, tracker) x %d, %d x "
	       "%lu MiB mmap/touch/munmap per run (%.0f faults), process CPU time\n",
	       pairs, BENCH_REPEATS, iters, BENCH_MAP_BYTES >> 20, pages);
	bench_run(1); /* warm up page tables, pcp lists, caches */
	for (p = 0; p < pairs; p++) {
		double t[3] = {0, 0, 0};

		/*
		 * Rotate which configuration runs first so drift cancels out,
		 * and keep each one's fastest of BENCH_REPEATS runs: other
		 * processes on a shared machine only ever add time (cache
		 * pollution even to CPU time).
		 */
		for (r = 0; r < BENCH_REPEATS; r++) {
			for (k = 0; k < 3; k++) {
				int c = (p + k + r) % 3;
				double x;

				if (c == 0)
					x = bench_run_with(NULL, NULL, NULL, iters);
				else if (c == 1)
					x = bench_run_with(attach_floor, detach_floor, floor_skel,
							   iters);
				else
					x = bench_run_with(attach_full, detach_full, skel, iters);
				if (r == 0 || x < t[c])
					t[c] = x;
			}
		}
		ratios[p] = t[2] / t[0];
		floor_ratios[p] = t[1] / t[0];
		printf("round %2d: ns/fault without %.0f, empty programs %.0f, tracker %.0f; "
		       "ratio %.4f (floor %.4f)\n",
		       p, t[0] / pages * 1e9, t[1] / pages * 1e9, t[2] / pages * 1e9, ratios[p],
		       floor_ratios[p]);
		fflush(stdout);
	}

	/* Per-event BPF cost, measured apart: bpf_stats slows every run. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		printf("bpf_stats unavailable: %s\n", strerror(errno));
	} else if (!fphint__attach(skel)) {
		bench_run(iters);
		fphint__detach(skel);
		close(stats_fd);
		bpf_object__for_each_program(prog, skel->obj)
		{
			struct bpf_prog_info pi = {};
			uint32_t l = sizeof(pi);

			if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &l))
				continue;
			printf("bpf %-40s %10llu runs %7.1f ns/run %llu recursion misses\n",
			       bpf_program__name(prog), (unsigned long long)pi.run_cnt,
			       pi.run_cnt ? (double)pi.run_time_ns / (double)pi.run_cnt : 0.0,
			       (unsigned long long)pi.recursion_misses);
		}
	}
	fphint_bench_floor__destroy(floor_skel);
	fphint__destroy(skel);
	printf("floor (empty programs): median ratio %.4f\n", median(floor_ratios, pairs));
	printf("overhead_ratio=%.4f\n", median(ratios, pairs));
	return 0;
}
