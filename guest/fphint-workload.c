// SPDX-License-Identifier: GPL-2.0-only
/*
 * fphint-workload - the guest-side memory workload of the migration bench.
 *
 *   fphint-workload daemon [--fill-mib N] [--free-mib N] [--churn-mib N]
 *                          [--seed N] [--churn] [--socket PATH]
 *   fphint-workload ctl [--socket PATH] COMMAND [ARG]
 *
 * The daemon fills --fill-mib of anonymous memory with a non-zero
 * pseudo-random pattern, unmaps --free-mib of it (free pages whose stale
 * contents a migration must not need) and keeps the rest, which it
 * re-verifies every few seconds and on command.  With churn on, a thread
 * keeps allocating, writing, verifying and freeing a small buffer so that
 * a migration sees pages change state while hints are in flight.  Another
 * thread samples MemFree every 20 ms so a dip during hinting is visible.
 * With the stall probe on, one thread per CPU keeps faulting in and freeing
 * transparent huge pages (order-9 blocks straight from the buddy lists,
 * which take zone->lock; 4 KiB faults mostly recycle per-cpu pages and
 * would not see a held zone->lock) and records every fault slower than
 * 1 ms with its CLOCK_MONOTONIC start: the clock of the kernel's ktime, so
 * the bench can match slow faults against the balloon module's rounds.
 *
 * The daemon answers one-line commands on a unix socket; `ctl` sends one
 * and prints the reply.  Commands:
 *   status            state and counters
 *   verify            check the kept region now, report every mismatch
 *                     seen so far (also by churn and periodic checks)
 *   churn on|off      start/stop the churn thread
 *   sample start|stop reset / report the minimum MemFree seen
 *   scribble MIB [down]  map, fill and unmap MIB (stale free pages again);
 *                     down: unmap from the top, 2 MiB at a time, which
 *                     reverses the order the pages reach the free lists
 *   addr              one kept page: virtual and guest-physical address
 *                     and the first word it must hold
 *   probe on|off      start/stop the allocation-stall probe
 *   probe now         the guest's CLOCK_MONOTONIC, in ns
 *   probe max FROM TO the longest recorded slow fault (ns) overlapping
 *                     [FROM, TO] (CLOCK_MONOTONIC ns), and how many
 * A reply is one or more lines; the first word of the last line is OK or
 * FAIL; `ctl` exits 0 on OK, 1 on FAIL, 2 when it cannot ask.
 * Mismatches are reported as "MISMATCH addr=0x... expected=0x... got=0x...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FPHINT_WL_DEFAULT_SOCKET  "/tmp/fphint-workload.sock"
#define FPHINT_WL_MIB		  (1024ul * 1024ul)
#define FPHINT_WL_PAGE		  4096ul
#define FPHINT_WL_MAX_REPORTED	  32
#define FPHINT_WL_SAMPLE_NS	  20000000l /* MemFree sampling period */
#define FPHINT_WL_PERIODIC_VERIFY 10	    /* seconds between background verifies */
#define FPHINT_WL_REPLY_MAX	  8192
#define FPHINT_WL_THP		  (2ul * FPHINT_WL_MIB)
#define FPHINT_WL_PROBE_THPS	  16	    /* THPs per probe pass */
#define FPHINT_WL_SLOW_NS	  1000000ul /* a fault slower than this is recorded */
#define FPHINT_WL_SLOW_MAX	  65536	    /* recorded slow faults (a ring) */

struct fphint_wl_config {
	unsigned long fill_mib, free_mib, churn_mib;
	uint64_t seed;
	bool churn;
	const char *socket_path;
};

/* Everything the threads share; counters under lock. */
static struct {
	pthread_mutex_t lock;
	const char *state;
	uint64_t *keep;
	size_t keep_words;
	uint64_t seed;
	uint64_t verify_runs, mismatches_total, churn_iters, churn_mismatches;
	char reported[FPHINT_WL_MAX_REPORTED][128];
	unsigned int nr_reported;
	/* churn thread control */
	bool churn_on;
	unsigned long churn_bytes;
	pthread_cond_t churn_cond;
	/* MemFree sampling window */
	long min_memfree_kb, last_memfree_kb;
	uint64_t samples;
	bool window_open;
	/* When the window opened and when its minimum was seen (monotonic). */
	uint64_t window_start_ns, min_at_ns;
	/* allocation-stall probe: slow faults, a ring of FPHINT_WL_SLOW_MAX */
	bool probe_on;
	pthread_cond_t probe_cond;
	uint64_t probe_faults, slow_next;
	struct {
		uint64_t start_ns, dur_ns;
	} * slow;
} fphint_wl = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.churn_cond = PTHREAD_COND_INITIALIZER,
	.probe_cond = PTHREAD_COND_INITIALIZER,
	.state = "starting",
	.min_memfree_kb = -1,
};

/* splitmix64: cheap, and every word of a page differs. */
static inline uint64_t fphint_wl_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x ? x : 1; /* never zero: a zero page must not pass as data */
}

static inline uint64_t fphint_wl_expected(uint64_t seed, size_t i)
{
	return fphint_wl_mix(seed ^ (i * 0xd6e8feb86659fd93ull));
}

static void fphint_wl_fill(uint64_t *p, size_t words, uint64_t seed)
{
	for (size_t i = 0; i < words; i++)
		p[i] = fphint_wl_expected(seed, i);
}

/* Records a mismatch (first few verbatim), returns nothing: callers count. */
static void fphint_wl_report(const char *who, const uint64_t *at, uint64_t expected, uint64_t got)
{
	char line[128];

	snprintf(line, sizeof(line),
		 "MISMATCH addr=%p expected=0x%016" PRIx64 " got=0x%016" PRIx64 " (%s)",
		 (const void *)at, expected, got, who);
	fprintf(stderr, "%s\n", line);
	pthread_mutex_lock(&fphint_wl.lock);
	fphint_wl.mismatches_total++;
	if (fphint_wl.nr_reported < FPHINT_WL_MAX_REPORTED)
		memcpy(fphint_wl.reported[fphint_wl.nr_reported++], line, sizeof(line));
	pthread_mutex_unlock(&fphint_wl.lock);
}

static uint64_t fphint_wl_check(const char *who, const uint64_t *p, size_t words, uint64_t seed)
{
	uint64_t bad = 0;

	for (size_t i = 0; i < words; i++) {
		uint64_t want = fphint_wl_expected(seed, i);

		if (p[i] != want) {
			fphint_wl_report(who, &p[i], want, p[i]);
			bad++;
		}
	}
	return bad;
}

static uint64_t fphint_wl_verify_keep(const char *who)
{
	uint64_t bad = fphint_wl_check(who, fphint_wl.keep, fphint_wl.keep_words, fphint_wl.seed);

	pthread_mutex_lock(&fphint_wl.lock);
	fphint_wl.verify_runs++;
	pthread_mutex_unlock(&fphint_wl.lock);
	return bad;
}

static void *fphint_wl_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Puts stale, non-zero contents into bytes of free memory. */
static int fphint_wl_scribble(size_t bytes, uint64_t seed, bool down)
{
	const size_t chunk = 2 * FPHINT_WL_MIB;
	uint64_t *p = fphint_wl_map(bytes);

	if (!p)
		return -errno;
	fphint_wl_fill(p, bytes / 8, seed);
	if (!down) {
		munmap(p, bytes);
		return 0;
	}
	for (size_t end = bytes; end;) {
		size_t len = end >= chunk ? chunk : end;

		end -= len;
		munmap((char *)p + end, len);
	}
	return 0;
}

static long fphint_wl_read_memfree_kb(void)
{
	char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *s;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	s = strstr(buf, "MemFree:");
	return s ? strtol(s + strlen("MemFree:"), NULL, 10) : -1;
}

static void fphint_wl_sleep_ns(long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000l, .tv_nsec = ns % 1000000000l};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t fphint_wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *fphint_wl_sampler(void *unused)
{
	(void)unused;
	for (;;) {
		long kb = fphint_wl_read_memfree_kb();

		pthread_mutex_lock(&fphint_wl.lock);
		fphint_wl.last_memfree_kb = kb;
		if (kb >= 0 && (fphint_wl.min_memfree_kb < 0 || kb < fphint_wl.min_memfree_kb)) {
			fphint_wl.min_memfree_kb = kb;
			fphint_wl.min_at_ns = fphint_wl_now_ns();
		}
		fphint_wl.samples++;
		pthread_mutex_unlock(&fphint_wl.lock);
		fphint_wl_sleep_ns(FPHINT_WL_SAMPLE_NS);
	}
	return NULL;
}

static void *fphint_wl_periodic(void *unused)
{
	(void)unused;
	for (;;) {
		bool quiet;

		sleep(FPHINT_WL_PERIODIC_VERIFY);
		/*
		 * Not while a migration is measured: under TCG a 200 MiB scan
		 * takes a vCPU (and a host core) away from the balloon driver
		 * and QEMU, which skews the figures.  Churn is the load knob.
		 */
		pthread_mutex_lock(&fphint_wl.lock);
		quiet = fphint_wl.window_open;
		pthread_mutex_unlock(&fphint_wl.lock);
		if (!quiet)
			fphint_wl_verify_keep("periodic");
	}
	return NULL;
}

/* Allocate, write, verify, free, over and over while churn is on. */
static void *fphint_wl_churn(void *unused)
{
	uint64_t iter = 0;

	(void)unused;
	for (;;) {
		size_t bytes;
		uint64_t *p;
		uint64_t seed;

		pthread_mutex_lock(&fphint_wl.lock);
		while (!fphint_wl.churn_on)
			pthread_cond_wait(&fphint_wl.churn_cond, &fphint_wl.lock);
		bytes = fphint_wl.churn_bytes;
		pthread_mutex_unlock(&fphint_wl.lock);

		seed = fphint_wl.seed ^ (++iter << 32);
		p = fphint_wl_map(bytes);
		if (!p) {
			fphint_wl_sleep_ns(10000000l);
			continue;
		}
		/*
		 * Every other buffer in 4 KiB pages: order-0 allocations and
		 * frees, the per-cpu list traffic, not only 2 MiB THP blocks.
		 */
		if (iter & 1)
			madvise(p, bytes, MADV_NOHUGEPAGE);
		fphint_wl_fill(p, bytes / 8, seed);
		/* Let time pass between the write and the check. */
		fphint_wl_sleep_ns(2000000l);
		uint64_t bad = fphint_wl_check("churn", p, bytes / 8, seed);
		munmap(p, bytes);

		pthread_mutex_lock(&fphint_wl.lock);
		fphint_wl.churn_iters++;
		fphint_wl.churn_mismatches += bad;
		pthread_mutex_unlock(&fphint_wl.lock);
	}
	return NULL;
}

/*
 * The allocation-stall probe: fault in FPHINT_WL_PROBE_THPS huge pages one
 * write each, timing every fault, then give them back, over and over.
 */
static void *fphint_wl_probe(void *unused)
{
	size_t bytes = FPHINT_WL_PROBE_THPS * FPHINT_WL_THP;

	(void)unused;
	for (;;) {
		char *raw, *p;

		pthread_mutex_lock(&fphint_wl.lock);
		while (!fphint_wl.probe_on)
			pthread_cond_wait(&fphint_wl.probe_cond, &fphint_wl.lock);
		pthread_mutex_unlock(&fphint_wl.lock);

		raw = mmap(NULL, bytes + FPHINT_WL_THP, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (raw == MAP_FAILED) {
			fphint_wl_sleep_ns(10000000l);
			continue;
		}
		p = (char *)(((uintptr_t)raw + FPHINT_WL_THP - 1) & ~(FPHINT_WL_THP - 1));
		madvise(p, bytes, MADV_HUGEPAGE);
		for (size_t off = 0; off < bytes; off += FPHINT_WL_THP) {
			uint64_t t0 = fphint_wl_now_ns(), dur;

			p[off] = 1;
			dur = fphint_wl_now_ns();
			/* A migration can set the guest's clock back a little. */
			if (dur < t0)
				continue;
			dur -= t0;
			pthread_mutex_lock(&fphint_wl.lock);
			fphint_wl.probe_faults++;
			if (dur > FPHINT_WL_SLOW_NS) {
				uint64_t i = fphint_wl.slow_next++ % FPHINT_WL_SLOW_MAX;

				fphint_wl.slow[i].start_ns = t0;
				fphint_wl.slow[i].dur_ns = dur;
			}
			pthread_mutex_unlock(&fphint_wl.lock);
		}
		munmap(raw, bytes + FPHINT_WL_THP);
		/* Leave the vCPU to others between passes: a busy, not a hogged, guest. */
		fphint_wl_sleep_ns(5000000l);
	}
	return NULL;
}

static int fphint_wl_gpa(const void *va, uint64_t *gpa)
{
	uint64_t entry;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &entry, sizeof(entry), (off_t)((uintptr_t)va / FPHINT_WL_PAGE) * 8);
	close(fd);
	if (n != sizeof(entry))
		return -EIO;
	if (!(entry >> 63) || !(entry & ((1ull << 55) - 1)))
		return -ENODATA; /* not present, or pfn hidden (not root) */
	*gpa = (entry & ((1ull << 55) - 1)) * FPHINT_WL_PAGE;
	return 0;
}

struct fphint_wl_reply {
	char buf[FPHINT_WL_REPLY_MAX];
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void fphint_wl_say(struct fphint_wl_reply *r,
								const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof(r->buf) - r->len ? (size_t)n
							      : sizeof(r->buf) - 1 - r->len;
}

/* The `probe max FROM TO` reply: the longest slow fault overlapping the window. */
static void fphint_wl_probe_max(struct fphint_wl_reply *r, const char *arg)
{
	unsigned long long from, to;
	uint64_t max = 0, n = 0, have;

	if (!arg || sscanf(arg, "%llu %llu", &from, &to) != 2 || from > to) {
		fphint_wl_say(r, "FAIL probe max: want FROM_NS TO_NS\n");
		return;
	}
	pthread_mutex_lock(&fphint_wl.lock);
	have = fphint_wl.slow_next < FPHINT_WL_SLOW_MAX ? fphint_wl.slow_next : FPHINT_WL_SLOW_MAX;
	for (uint64_t i = 0; i < have; i++) {
		uint64_t s = fphint_wl.slow[i].start_ns, d = fphint_wl.slow[i].dur_ns;

		if (s <= to && s + d >= from) {
			n++;
			if (d > max)
				max = d;
		}
	}
	fphint_wl_say(r, "OK max_ns=%" PRIu64 " slow_faults=%" PRIu64 " faults=%" PRIu64 "%s\n",
		      max, n, fphint_wl.probe_faults,
		      fphint_wl.slow_next > FPHINT_WL_SLOW_MAX ? " wrapped=1" : "");
	pthread_mutex_unlock(&fphint_wl.lock);
}

static void fphint_wl_status(struct fphint_wl_reply *r)
{
	pthread_mutex_lock(&fphint_wl.lock);
	fphint_wl_say(r,
		      "OK state=%s keep_bytes=%zu churn=%s probe=%s churn_iters=%" PRIu64
		      " churn_mismatches=%" PRIu64 " verify_runs=%" PRIu64 " mismatches=%" PRIu64
		      " memfree_kb=%ld\n",
		      fphint_wl.state, fphint_wl.keep_words * 8, fphint_wl.churn_on ? "on" : "off",
		      fphint_wl.probe_on ? "on" : "off", fphint_wl.churn_iters,
		      fphint_wl.churn_mismatches, fphint_wl.verify_runs, fphint_wl.mismatches_total,
		      fphint_wl.last_memfree_kb);
	pthread_mutex_unlock(&fphint_wl.lock);
}

static void fphint_wl_verify_cmd(struct fphint_wl_reply *r)
{
	uint64_t bad_now = fphint_wl_verify_keep("verify");

	pthread_mutex_lock(&fphint_wl.lock);
	for (unsigned int i = 0; i < fphint_wl.nr_reported; i++)
		fphint_wl_say(r, "%s\n", fphint_wl.reported[i]);
	if (fphint_wl.mismatches_total)
		fphint_wl_say(r,
			      "FAIL mismatches=%" PRIu64 " now=%" PRIu64
			      " churn_mismatches=%" PRIu64 " churn_iters=%" PRIu64 "\n",
			      fphint_wl.mismatches_total, bad_now, fphint_wl.churn_mismatches,
			      fphint_wl.churn_iters);
	else
		fphint_wl_say(
			r,
			"OK verified_bytes=%zu verify_runs=%" PRIu64 " churn_iters=%" PRIu64 "\n",
			fphint_wl.keep_words * 8, fphint_wl.verify_runs, fphint_wl.churn_iters);
	pthread_mutex_unlock(&fphint_wl.lock);
}

static void fphint_wl_handle(char *line, struct fphint_wl_reply *r)
{
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = '\0';
	if (!strcmp(line, "status")) {
		fphint_wl_status(r);
	} else if (!strcmp(line, "verify")) {
		fphint_wl_verify_cmd(r);
	} else if (!strcmp(line, "churn") && arg && (!strcmp(arg, "on") || !strcmp(arg, "off"))) {
		pthread_mutex_lock(&fphint_wl.lock);
		fphint_wl.churn_on = !strcmp(arg, "on");
		pthread_cond_signal(&fphint_wl.churn_cond);
		pthread_mutex_unlock(&fphint_wl.lock);
		fphint_wl_say(r, "OK churn=%s\n", arg);
	} else if (!strcmp(line, "probe") && arg && (!strcmp(arg, "on") || !strcmp(arg, "off"))) {
		pthread_mutex_lock(&fphint_wl.lock);
		fphint_wl.probe_on = !strcmp(arg, "on");
		pthread_cond_broadcast(&fphint_wl.probe_cond);
		pthread_mutex_unlock(&fphint_wl.lock);
		fphint_wl_say(r, "OK probe=%s\n", arg);
	} else if (!strcmp(line, "probe") && arg && !strcmp(arg, "now")) {
		fphint_wl_say(r, "OK now_ns=%" PRIu64 "\n", fphint_wl_now_ns());
	} else if (!strcmp(line, "probe") && arg && !strncmp(arg, "max ", 4)) {
		fphint_wl_probe_max(r, arg + 4);
	} else if (!strcmp(line, "sample") && arg && !strcmp(arg, "start")) {
		pthread_mutex_lock(&fphint_wl.lock);
		fphint_wl.min_memfree_kb = fphint_wl.last_memfree_kb;
		fphint_wl.samples = 0;
		fphint_wl.window_open = true;
		fphint_wl.window_start_ns = fphint_wl.min_at_ns = fphint_wl_now_ns();
		pthread_mutex_unlock(&fphint_wl.lock);
		fphint_wl_say(r, "OK sampling\n");
	} else if (!strcmp(line, "sample") && arg && !strcmp(arg, "stop")) {
		pthread_mutex_lock(&fphint_wl.lock);
		fphint_wl.window_open = false;
		/* min_at_ms: how long after the window opened MemFree bottomed out. */
		fphint_wl_say(r,
			      "OK min_memfree_kb=%ld min_at_ms=%" PRIu64 " samples=%" PRIu64
			      " memfree_kb=%ld\n",
			      fphint_wl.min_memfree_kb,
			      (fphint_wl.min_at_ns - fphint_wl.window_start_ns) / 1000000,
			      fphint_wl.samples, fphint_wl.last_memfree_kb);
		pthread_mutex_unlock(&fphint_wl.lock);
	} else if (!strcmp(line, "scribble") && arg) {
		char *end;
		unsigned long mib = strtoul(arg, &end, 10);
		bool down = !strcmp(end, " down");
		int err;

		if ((*end && !down) || !mib || mib > 1ul << 20) {
			fphint_wl_say(r, "FAIL scribble: bad size '%s'\n", arg);
			return;
		}
		err = fphint_wl_scribble(mib * FPHINT_WL_MIB, fphint_wl.seed + time(NULL), down);
		if (err)
			fphint_wl_say(r, "FAIL scribble: %s\n", strerror(-err));
		else
			fphint_wl_say(r, "OK scribbled_mib=%lu\n", mib);
	} else if (!strcmp(line, "addr")) {
		/* A page in the middle of the kept region, first word of it. */
		size_t idx = (fphint_wl.keep_words / 2) & ~(FPHINT_WL_PAGE / 8 - 1);
		const uint64_t *va = fphint_wl.keep + idx;
		uint64_t gpa = 0;
		int err = fphint_wl_gpa(va, &gpa);

		if (err)
			fphint_wl_say(r, "FAIL addr: pagemap: %s\n", strerror(-err));
		else
			fphint_wl_say(
				r, "OK vaddr=%p gpa=0x%" PRIx64 " expected=0x%016" PRIx64 "\n",
				(const void *)va, gpa, fphint_wl_expected(fphint_wl.seed, idx));
	} else {
		fphint_wl_say(r, "FAIL unknown command '%s'\n", line);
	}
}

static int fphint_wl_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "fphint-workload: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		fprintf(stderr, "fphint-workload: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void fphint_wl_serve(int lfd)
{
	for (;;) {
		static struct fphint_wl_reply reply;
		char line[256];
		size_t len = 0;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		while (len < sizeof(line) - 1) {
			ssize_t n = read(fd, line + len, 1);

			if (n <= 0 || line[len] == '\n')
				break;
			len++;
		}
		line[len] = '\0';
		reply.len = 0;
		fphint_wl_handle(line, &reply);
		for (size_t off = 0; off < reply.len;) {
			ssize_t n = write(fd, reply.buf + off, reply.len - off);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		close(fd);
	}
}

static int fphint_wl_daemon(const struct fphint_wl_config *cfg)
{
	size_t fill = cfg->fill_mib * FPHINT_WL_MIB, freed = cfg->free_mib * FPHINT_WL_MIB;
	pthread_t t;
	uint64_t *p;
	int lfd;

	if (cfg->free_mib >= cfg->fill_mib) {
		fprintf(stderr, "fphint-workload: --free-mib must be below --fill-mib\n");
		return 2;
	}
	lfd = fphint_wl_listen(cfg->socket_path);
	if (lfd < 0)
		return 2;
	fphint_wl.seed = cfg->seed;
	fphint_wl.churn_bytes = cfg->churn_mib * FPHINT_WL_MIB;
	fphint_wl.last_memfree_kb = fphint_wl_read_memfree_kb();
	fphint_wl.slow = calloc(FPHINT_WL_SLOW_MAX, sizeof(*fphint_wl.slow));
	if (!fphint_wl.slow || pthread_create(&t, NULL, fphint_wl_sampler, NULL) ||
	    pthread_create(&t, NULL, fphint_wl_churn, NULL)) {
		fprintf(stderr, "fphint-workload: cannot start threads\n");
		return 2;
	}
	/* One probe thread per CPU, idle until `probe on`. */
	for (long c = sysconf(_SC_NPROCESSORS_ONLN); c > 0; c--) {
		if (pthread_create(&t, NULL, fphint_wl_probe, NULL)) {
			fprintf(stderr, "fphint-workload: cannot start threads\n");
			return 2;
		}
	}

	/*
	 * Fill everything, then give back the front: the freed pages hold
	 * stale pattern data, the tail is what must survive migrations.
	 */
	fphint_wl.state = "filling";
	p = fphint_wl_map(fill);
	if (!p) {
		fprintf(stderr, "fphint-workload: mmap %lu MiB: %s\n", cfg->fill_mib,
			strerror(errno));
		return 2;
	}
	fphint_wl_fill(p, freed / 8, cfg->seed ^ 0x5eed);
	fphint_wl.keep = (uint64_t *)((char *)p + freed);
	fphint_wl.keep_words = (fill - freed) / 8;
	fphint_wl_fill(fphint_wl.keep, fphint_wl.keep_words, fphint_wl.seed);
	munmap(p, freed);
	/* Keep the checked region resident so its guest-physical address holds. */
	mlock(fphint_wl.keep, fphint_wl.keep_words * 8);
	fphint_wl_verify_keep("initial");

	if (pthread_create(&t, NULL, fphint_wl_periodic, NULL)) {
		fprintf(stderr, "fphint-workload: cannot start threads\n");
		return 2;
	}
	pthread_mutex_lock(&fphint_wl.lock);
	fphint_wl.churn_on = cfg->churn;
	pthread_cond_signal(&fphint_wl.churn_cond);
	fphint_wl.state = "ready";
	pthread_mutex_unlock(&fphint_wl.lock);
	fprintf(stderr, "fphint-workload: ready: kept %lu MiB, freed %lu MiB\n",
		cfg->fill_mib - cfg->free_mib, cfg->free_mib);
	fphint_wl_serve(lfd);
	return 0;
}

static int fphint_wl_ctl(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char req[256] = "", buf[FPHINT_WL_REPLY_MAX + 1], *last;
	size_t len = 0;
	int fd;

	for (int i = 0; i < argc; i++) {
		if (strlen(req) + strlen(argv[i]) + 2 >= sizeof(req)) {
			fprintf(stderr, "fphint-workload: command too long\n");
			return 2;
		}
		strcat(req, argv[i]);
		strcat(req, i + 1 < argc ? " " : "\n");
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "fphint-workload: socket path too long: %s\n", path);
		return 2;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "fphint-workload: cannot reach daemon at %s: %s\n", path,
			strerror(errno));
		return 2;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		fprintf(stderr, "fphint-workload: write: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (!len) {
		fprintf(stderr, "fphint-workload: empty reply\n");
		return 2;
	}
	fputs(buf, stdout);
	/* The verdict is the first word of the last line. */
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	return strncmp(last, "OK", 2) ? 1 : 0;
}

static int fphint_wl_usage(void)
{
	fprintf(stderr,
		"usage: fphint-workload daemon [--fill-mib N] [--free-mib N] [--churn-mib N] "
		"[--seed N] [--churn] [--socket PATH]\n"
		"       fphint-workload ctl [--socket PATH] COMMAND [ARG]\n");
	return 2;
}

static int fphint_wl_number(const char *opt, const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s ? s : "", &end, 0);
	if (!s || !*s || *end || errno || *out > max) {
		fprintf(stderr, "fphint-workload: %s needs a number up to %lu, got '%s'\n", opt,
			max, s ? s : "");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fphint_wl_config cfg = {
		.fill_mib = 1224,
		.free_mib = 1024,
		.churn_mib = 4,
		.seed = 0xf9417f00d,
		.socket_path = FPHINT_WL_DEFAULT_SOCKET,
	};
	int i;

	if (argc < 2)
		return fphint_wl_usage();
	for (i = 2; i < argc && !strncmp(argv[i], "--", 2); i++) {
		unsigned long v;
		const char *o = argv[i];

		if (!strcmp(o, "--churn")) {
			cfg.churn = true;
		} else if (!strcmp(o, "--socket") && i + 1 < argc) {
			cfg.socket_path = argv[++i];
		} else if (!strcmp(o, "--fill-mib") || !strcmp(o, "--free-mib") ||
			   !strcmp(o, "--churn-mib") || !strcmp(o, "--seed")) {
			bool seed = !strcmp(o, "--seed");

			if (fphint_wl_number(o, argv[i + 1 < argc ? ++i : i],
					     seed ? ~0ul : 1ul << 20, &v))
				return 2;
			if (!seed && !v) {
				fprintf(stderr, "fphint-workload: %s must be positive\n", o);
				return 2;
			}
			if (seed)
				cfg.seed = v;
			else if (!strcmp(o, "--fill-mib"))
				cfg.fill_mib = v;
			else if (!strcmp(o, "--free-mib"))
				cfg.free_mib = v;
			else
				cfg.churn_mib = v;
		} else {
			fprintf(stderr, "fphint-workload: unknown option '%s'\n", o);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "daemon") && i == argc)
		return fphint_wl_daemon(&cfg);
	if (!strcmp(argv[1], "ctl") && i < argc)
		return fphint_wl_ctl(cfg.socket_path, argc - i, argv + i);
	return fphint_wl_usage();
}
