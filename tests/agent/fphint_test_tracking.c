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
/* All-buddy words the reconcile check clears. */
#define MAX_PLANTED 256

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

/* Fault in NPAGES order-0 pages; their pfns go to pfns, returns how many. */
static uint64_t fault_in(char **memp, uint64_t *pfns, uint64_t nr_pfns)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t i, n = 0;
	char *mem;
	int fd;

	mem = mmap(NULL, NPAGES * (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED) {
		perror("test-tracking: mmap");
		exit(1);
	}
	madvise(mem, NPAGES * (size_t)psz, MADV_NOHUGEPAGE);
	for (i = 0; i < NPAGES; i++)
		mem[i * (size_t)psz] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY);
	for (i = 0; i < NPAGES; i++) {
		uint64_t e = 0;

		pread(fd, &e, sizeof(e), (off_t)(((uintptr_t)mem / (uintptr_t)psz + i) * 8));
		if ((e >> 63) && (e & ((1ull << 55) - 1)) < nr_pfns)
			pfns[n++] = e & ((1ull << 55) - 1);
	}
	close(fd);
	*memp = mem;
	return n;
}

/*
 * Order >= 6 blocks span whole words: fault in one transparent huge page
 * (one order-9 allocation), check its 512 bits read used, free it, check
 * they all got freed_since_epoch.  Skipped (not failed) only when the
 * kernel gives no huge page here.
 */
static void check_huge_page(const struct fphint_pins *p)
{
	const size_t huge = 2ul << 20;
	uint64_t e = 0, pfn, i, used = 0, fse = 0;
	long psz = sysconf(_SC_PAGESIZE);
	char *raw, *mem;
	int fd;

	raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return;
	mem = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise(mem, huge, MADV_HUGEPAGE);
	mem[0] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY);
	pread(fd, &e, sizeof(e), (off_t)((uintptr_t)mem / (uintptr_t)psz * 8));
	close(fd);
	pfn = e & ((1ull << 55) - 1);
	if (!(e >> 63) || pfn % 512 || pfn + 512 > p->meta.nr_pfns) {
		printf("test-tracking: note: no transparent huge page here, order-9 check "
		       "skipped\n");
		munmap(raw, 2 * huge);
		return;
	}
	for (i = 0; i < 512; i++)
		used += !((p->words[(pfn + i) / 64].free >> ((pfn + i) % 64)) & 1);
	check(used == 512, "huge page at pfn %llu: %llu of 512 bits read used (want all)",
	      (unsigned long long)pfn, (unsigned long long)used);
	munmap(raw, 2 * huge);
	for (i = 0; i < 512; i++)
		fse += (p->words[(pfn + i) / 64].freed_since_epoch >> ((pfn + i) % 64)) & 1;
	/* A huge page goes back whole, or is split first: all 512 are freed either way. */
	check(fse == 512, "freed huge page: %llu of 512 bits have freed_since_epoch (want all)",
	      (unsigned long long)fse);
}

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	static uint64_t pfns[NPAGES];
	struct fphint_stats before, after;
	struct fphint_reconcile_result r;
	struct fphint_pins p;
	uint64_t i, held_free = 0, fse = 0, freed_free = 0, npfn = 0, stale = 0, restored = 0;
	uint64_t *truth, planted[MAX_PLANTED], nplanted = 0;
	char err[512], self[PATH_MAX];
	int ret, kfd;
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

	npfn = fault_in(&mem, pfns, p.meta.nr_pfns);
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

	check_huge_page(&p);

	/*
	 * Reconcile must repair both kinds of error.  Plant them: free bits
	 * on pages this test holds (they cannot become free meanwhile) and
	 * cleared bits on words that are entirely buddy pages now (most stay
	 * free for the second the pass takes).  The test's pages are faulted
	 * in before the kpageflags snapshot: taken after it, they would come
	 * out of the very words it reads as all-buddy.
	 */
	npfn = fault_in(&mem, pfns, p.meta.nr_pfns);
	truth = calloc((p.meta.nr_pfns + 63) / 64, sizeof(*truth));
	kfd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	ret = kfd < 0  ? -errno
	      : !truth ? -ENOMEM
		       : fphint_kpage_buddy_fd(kfd, 0, p.meta.nr_pfns, truth, err, sizeof(err));
	if (kfd >= 0)
		close(kfd);
	check(!ret, "read /proc/kpageflags");
	for (i = 0; i < npfn; i++)
		__atomic_fetch_or(&p.words[pfns[i] / 64].free, 1ull << (pfns[i] % 64),
				  __ATOMIC_SEQ_CST);
	for (i = 0; !ret && i < (p.meta.nr_pfns + 63) / 64 && nplanted < MAX_PLANTED; i++) {
		if (truth[i] == ~0ull) {
			planted[nplanted++] = i;
			__atomic_fetch_and(&p.words[i].free, 0ull, __ATOMIC_SEQ_CST);
		}
	}
	ret = fphint_reconcile(&p, &r, err, sizeof(err));
	check(!ret, "reconcile: %s (%llu words, %llu set, %llu cleared, %llu retries)",
	      ret ? err : "done", (unsigned long long)r.words_checked,
	      (unsigned long long)r.bits_set, (unsigned long long)r.bits_cleared,
	      (unsigned long long)r.cas_retries);
	for (i = 0; i < npfn; i++)
		stale += (p.words[pfns[i] / 64].free >> (pfns[i] % 64)) & 1;
	check(npfn == NPAGES && stale == 0,
	      "planted free bits on %llu held pages: %llu left after reconcile (want 0)",
	      (unsigned long long)npfn, (unsigned long long)stale);
	for (i = 0; i < nplanted; i++)
		restored += (uint64_t)__builtin_popcountll(p.words[planted[i]].free);
	check(nplanted > 0 && restored * 10 >= nplanted * 64 * 9,
	      "cleared %llu all-buddy words: %llu of %llu bits restored (want >= 90%%)",
	      (unsigned long long)nplanted, (unsigned long long)restored,
	      (unsigned long long)nplanted * 64);
	munmap(mem, NPAGES * (size_t)psz);
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
