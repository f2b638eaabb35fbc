// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test-tracking: the pinned bitmap follows this process's own pages.
 * fphintd --once creates a tracker in a private pin dir; then pages this
 * test faults in must read as used (free bit 0) while it holds them, and
 * after munmap every one must have freed_since_epoch set (only BPF sets
 * it, nobody clears it here) and most must read free again (a page can
 * be reused by someone else at once).  Finally a reconcile through the
 * library must leave the map close to /proc/kpageflags, and the stats
 * must have counted the events.  Exit 0 pass, 1 fail, 77 not root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "fphint_kpage.h"
#include "fphint_pins.h"
#include "fphint_tracker.h"

#define NPAGES 4096
/*
 * Pages munmap may not free yet: per-cpu LRU batches (31 pages each on
 * 2 cpus) hold a reference until they are drained.
 */
#define NOT_YET_FREED 64

static char fphintd[PATH_MAX], pin_dir[64];
static int failures;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("test-tracking: %s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures += !ok;
}

static int run_fphintd(const char *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl(fphintd, "fphintd", "--pin-dir", pin_dir, arg, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	static uint64_t pfns[NPAGES];
	struct fphint_stats before, after;
	struct fphint_reconcile_result r;
	struct fphint_pins p;
	uint64_t i, held_free = 0, fse = 0, freed_free = 0, npfn = 0, missed = 0, stale = 0;
	uint64_t *truth;
	char err[512], self[PATH_MAX];
	int fd, ret;
	char *mem;

	(void)argc;
	if (geteuid() != 0) {
		printf("test-tracking: SKIP: needs root\n");
		return 77;
	}
	if (getenv("FPHINTD")) {
		snprintf(fphintd, sizeof(fphintd), "%s", getenv("FPHINTD"));
	} else {
		snprintf(self, sizeof(self), "%s", argv[0]);
		snprintf(fphintd, sizeof(fphintd), "%s/../../bin/fphintd", dirname(self));
	}
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/fphint-test-%d", (int)getpid());
	ret = run_fphintd("--once");
	if (ret) {
		printf("test-tracking: FAIL: fphintd --once exited %d\n", ret);
		run_fphintd("--teardown");
		return 1;
	}
	ret = fphint_pins_open(&p, pin_dir, err, sizeof(err));
	if (ret) {
		printf("test-tracking: FAIL: %s\n", err);
		run_fphintd("--teardown");
		return 1;
	}
	fphint_stats_sum(&p, &before);

	mem = mmap(NULL, NPAGES * (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	madvise(mem, NPAGES * (size_t)psz, MADV_NOHUGEPAGE);
	for (i = 0; i < NPAGES; i++)
		mem[i * (size_t)psz] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY);
	for (i = 0; i < NPAGES; i++) {
		uint64_t e = 0;

		pread(fd, &e, sizeof(e), (off_t)(((uintptr_t)mem / (uintptr_t)psz + i) * 8));
		if ((e >> 63) && (e & ((1ull << 55) - 1)) < p.meta.nr_pfns)
			pfns[npfn++] = e & ((1ull << 55) - 1);
	}
	close(fd);
	for (i = 0; i < npfn; i++)
		held_free += (p.words[pfns[i] / 64].free >> (pfns[i] % 64)) & 1;
	check(npfn == NPAGES, "%llu of %d pages have a pfn", (unsigned long long)npfn, NPAGES);
	check(held_free == 0, "%llu of %llu held pages read free (want 0)",
	      (unsigned long long)held_free, (unsigned long long)npfn);
	munmap(mem, NPAGES * (size_t)psz);
	for (i = 0; i < npfn; i++) {
		const struct fphint_word *w = &p.words[pfns[i] / 64];

		fse += (w->freed_since_epoch >> (pfns[i] % 64)) & 1;
		freed_free += (w->free >> (pfns[i] % 64)) & 1;
	}
	check(fse + NOT_YET_FREED >= npfn,
	      "%llu of %llu unmapped pages have freed_since_epoch (want all but per-cpu batches)",
	      (unsigned long long)fse, (unsigned long long)npfn);
	check(freed_free * 2 >= npfn, "%llu of %llu freed pages read free (want most)",
	      (unsigned long long)freed_free, (unsigned long long)npfn);
	fphint_stats_sum(&p, &after);
	check(after.events[FPHINT_EV_ALLOC] - before.events[FPHINT_EV_ALLOC] >= NPAGES &&
		      after.events[FPHINT_EV_FREE] - before.events[FPHINT_EV_FREE] +
				      NOT_YET_FREED >=
			      NPAGES,
	      "stats counted %llu allocations and %llu frees (want about %d each)",
	      (unsigned long long)(after.events[FPHINT_EV_ALLOC] - before.events[FPHINT_EV_ALLOC]),
	      (unsigned long long)(after.events[FPHINT_EV_FREE] - before.events[FPHINT_EV_FREE]),
	      NPAGES);

	/* Reconcile through the library, then compare with the oracle. */
	ret = fphint_reconcile(&p, &r, err, sizeof(err));
	check(!ret, "reconcile: %s (%llu words, %llu set, %llu cleared)", ret ? err : "done",
	      (unsigned long long)r.words_checked, (unsigned long long)r.bits_set,
	      (unsigned long long)r.bits_cleared);
	truth = calloc((p.meta.nr_pfns + 63) / 64, sizeof(*truth));
	ret = truth ? fphint_kpage_buddy(0, p.meta.nr_pfns, truth, err, sizeof(err)) : -ENOMEM;
	check(!ret, "read /proc/kpageflags");
	if (!ret) {
		for (i = 0; i < (p.meta.nr_pfns + 63) / 64; i++) {
			missed += (uint64_t)__builtin_popcountll(truth[i] & ~p.words[i].free);
			stale += (uint64_t)__builtin_popcountll(p.words[i].free & ~truth[i]);
		}
		/* Only what changed between the two reads may differ. */
		check(missed + stale < p.meta.nr_pfns / 100,
		      "after reconcile: %llu buddy pages not in the map, %llu map bits not buddy "
		      "(want < 1%% of %llu pfns)",
		      (unsigned long long)missed, (unsigned long long)stale,
		      (unsigned long long)p.meta.nr_pfns);
	}
	{
		struct fphint_meta m;

		fphint_meta_read(&p, &m);
		check(m.reconcile_runs >= 2 && m.last_reconcile_at && m.seeded_at,
		      "meta: %llu reconcile runs, seeded_at and last_reconcile_at set",
		      (unsigned long long)m.reconcile_runs);
	}
	free(truth);
	fphint_pins_close(&p);
	ret = run_fphintd("--teardown");
	check(ret == 0 && access(pin_dir, F_OK), "teardown removed %s", pin_dir);
	printf("test-tracking: %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
