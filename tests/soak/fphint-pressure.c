// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint-pressure - memory pressure inside the bench guest, so that the
 * soak's migrations happen while reclaim and compaction move pages around.
 * Static, no libraries.
 *
 *   fphint-pressure [--seconds N] [--status FILE] [--tmpfs DIR] [--reserve-file FILE]
 *
 * Cycles until killed (SIGTERM frees everything and exits) or N seconds:
 *  - raises vm.watermark_scale_factor so the low watermark sits well
 *    above min: MemFree can go below low (kswapd runs) while staying far
 *    from min (no direct reclaim storm, no OOM: there is no swap);
 *  - fills memory in 2 MiB chunks, alternately THP-madvised (a THP fault
 *    compacts) and plain 4 KiB pages, each written with a pattern of its
 *    own, until MemFree is between min and low;
 *  - holds a moment, backing off at once when MemFree nears min (a balloon
 *    inflation or the workload may take memory meanwhile);
 *  - verifies and frees the chunks in a scattered order (fragmentation);
 *  - writes and deletes files on a small tmpfs (page cache) and looks up
 *    names that do not exist there (negative dentries: reclaimable slab);
 *  - writes /proc/sys/vm/compact_memory every 10 s.
 * The reserve file, when given and present, holds kB to keep free on top
 * of all that (read before every chunk and every 50 ms while holding).
 * Every second it rewrites the status file (key=value): cycles, chunks
 * held, min MemFree seen, pattern mismatches (a page that changed under
 * it: an integrity failure), and /proc/vmstat deltas showing reclaim and
 * compaction ran.  Exit 0, or 1 on a mismatch, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	     (2ul << 20)
#define MAX_CHUNKS   1024 /* 2 GiB: more than the guest has */
#define PAGE	     4096ul
#define WSF	     "/proc/sys/vm/watermark_scale_factor"
#define WSF_VALUE    "300" /* low = min + 3% of RAM (about 60 MiB here) */
#define TMPFS_FILES  16
#define TMPFS_FILE_B (4ul << 20)
#define NEG_DENTRIES 20000 /* per cycle, about 4 MiB of dentry slab */

static const char *const vmstat_keys[] = {
	"pgscan_kswapd",    "pgscan_direct",   "pgsteal_kswapd",     "allocstall_normal",
	"compact_stall",    "compact_success", "compact_fail",	     "compact_migrate_scanned",
	"compact_isolated", "thp_fault_alloc", "thp_fault_fallback", "kswapd_low_wmark_hit_quickly",
	"oom_kill",	    "pageoutrun",      "slabs_scanned",	     "pswpout",
	"pswpin",
};
#define NR_VMSTAT (sizeof(vmstat_keys) / sizeof(vmstat_keys[0]))

struct chunk {
	uint8_t *mem;
	uint64_t seed;
};

static volatile sig_atomic_t stop;
static struct chunk chunks[MAX_CHUNKS];
static unsigned nr_chunks;
static uint64_t mismatches, cycles, chunks_total, thp_chunks, min_memfree_kb = UINT64_MAX;
static uint64_t vmstat0[NR_VMSTAT];
static char old_wsf[32];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t rnd(void)
{
	static uint64_t s = 0x853c49e6748fea9bull;

	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return s * 0x2545f4914f6cdd1dull;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* MemFree (kB). */
static uint64_t memfree_kb(void)
{
	char buf[4096], *p;

	if (read_file("/proc/meminfo", buf, sizeof(buf)) || !(p = strstr(buf, "MemFree:")))
		return 0;
	return strtoull(p + 8, NULL, 10);
}

/* Sum of every zone's "min" and "low" watermarks (kB). */
static void watermarks_kb(uint64_t *min, uint64_t *low)
{
	static char buf[1 << 16];
	unsigned long long v;
	char *line;

	*min = *low = 0;
	if (read_file("/proc/zoneinfo", buf, sizeof(buf)))
		return;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, " min %llu", &v) == 1)
			*min += v * 4;
		else if (sscanf(line, " low %llu", &v) == 1)
			*low += v * 4;
	}
}

static void vmstat_read(uint64_t *out)
{
	static char buf[1 << 16];
	char name[64];
	unsigned long long v;
	char *line;
	size_t i;

	memset(out, 0, NR_VMSTAT * sizeof(*out));
	if (read_file("/proc/vmstat", buf, sizeof(buf)))
		return;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "%63s %llu", name, &v) == 2)
			for (i = 0; i < NR_VMSTAT; i++)
				if (!strcmp(name, vmstat_keys[i]))
					out[i] = v;
}

static void pattern_fill(const struct chunk *c)
{
	uint64_t *w = (uint64_t *)c->mem;
	size_t i;

	/* One word per 64 bytes: every cache line and page differs. */
	for (i = 0; i < CHUNK / 8; i += 8)
		w[i] = c->seed ^ (i * 0x9e3779b97f4a7c15ull);
}

static void pattern_check(const struct chunk *c)
{
	const uint64_t *w = (const uint64_t *)c->mem;
	size_t i;

	for (i = 0; i < CHUNK / 8; i += 8)
		if (w[i] != (c->seed ^ (i * 0x9e3779b97f4a7c15ull))) {
			if (mismatches++ < 10)
				fprintf(stderr, "MISMATCH addr=%p expected=0x%llx got=0x%llx\n",
					(void *)&w[i],
					(unsigned long long)(c->seed ^ (i * 0x9e3779b97f4a7c15ull)),
					(unsigned long long)w[i]);
		}
}

static int chunk_add(void)
{
	struct chunk *c = &chunks[nr_chunks];
	bool thp = chunks_total % 2;
	uint8_t *raw;
	size_t len = thp ? 2 * CHUNK : CHUNK;

	if (nr_chunks >= MAX_CHUNKS)
		return -ENOSPC;
	raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (raw == MAP_FAILED)
		return -errno;
	if (thp) {
		/* 2 MiB aligned inside a 4 MiB mapping, the rest unmapped. */
		uint8_t *al = (uint8_t *)(((uintptr_t)raw + CHUNK - 1) & ~(CHUNK - 1));

		if (al > raw)
			munmap(raw, (size_t)(al - raw));
		if (al + CHUNK < raw + len)
			munmap(al + CHUNK, (size_t)(raw + len - (al + CHUNK)));
		raw = al;
		madvise(raw, CHUNK, MADV_HUGEPAGE);
		thp_chunks++;
	}
	c->mem = raw;
	c->seed = rnd();
	pattern_fill(c);
	nr_chunks++;
	chunks_total++;
	return 0;
}

/* Verify and free one chunk, picked at random (scattered frees). */
static void chunk_drop(void)
{
	unsigned i = (unsigned)(rnd() % nr_chunks);

	pattern_check(&chunks[i]);
	munmap(chunks[i].mem, CHUNK);
	chunks[i] = chunks[--nr_chunks];
}

static void note_memfree(void)
{
	uint64_t f = memfree_kb();

	if (f && f < min_memfree_kb)
		min_memfree_kb = f;
}

static void write_status(const char *path)
{
	uint64_t now[NR_VMSTAT];
	char tmp[512];
	FILE *f;
	size_t i;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	vmstat_read(now);
	fprintf(f, "pid=%d\ncycles=%llu\nchunks_held=%u\nchunks_total=%llu\nthp_chunks=%llu\n",
		(int)getpid(), (unsigned long long)cycles, nr_chunks,
		(unsigned long long)chunks_total, (unsigned long long)thp_chunks);
	fprintf(f, "min_memfree_kb=%llu\nmismatches=%llu\n", (unsigned long long)min_memfree_kb,
		(unsigned long long)mismatches);
	for (i = 0; i < NR_VMSTAT; i++)
		fprintf(f, "%s=%llu\n", vmstat_keys[i], (unsigned long long)(now[i] - vmstat0[i]));
	fclose(f);
	rename(tmp, path);
}

static void tmpfs_churn(const char *dir)
{
	static char buf[64 << 10];
	char path[512];
	unsigned n = (unsigned)(rnd() % TMPFS_FILES);
	size_t done;
	int fd;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/f%u", dir, n);
	if (rnd() % 3 == 0) {
		unlink(path);
		return;
	}
	memset(buf, (int)(rnd() | 1), sizeof(buf));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	for (done = 0; done < TMPFS_FILE_B; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) < 0)
			break;
	close(fd);
}

/*
 * Negative dentries (lookups of names that do not exist) are the one
 * cache a diskless guest can reclaim: kswapd then has slab to shrink.
 */
static void dentry_churn(const char *dir)
{
	char path[512];
	struct stat st;
	unsigned i;
	uint64_t base = rnd();

	if (!dir)
		return;
	for (i = 0; i < NEG_DENTRIES; i++) {
		snprintf(path, sizeof(path), "%s/n%016llx-%u", dir, (unsigned long long)base, i);
		stat(path, &st);
	}
}

/*
 * kB the caller wants kept free on top of the floor, from the reserve file
 * (absent or unreadable: 0).  The soak sets it before it has the host
 * inflate the balloon, which takes memory faster than this program could
 * notice and give it back.
 */
static uint64_t reserve_kb(const char *path)
{
	char buf[32];

	if (!path || read_file(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10);
}

static int usage(const char *why)
{
	fprintf(stderr,
		"fphint-pressure: %s\nusage: fphint-pressure [--seconds N] [--status FILE] "
		"[--tmpfs DIR] [--reserve-file FILE]\n",
		why);
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t seconds = 0, end, last_status = 0, last_compact, wmin, wlow, floor_kb, target_kb;
	const char *status = NULL, *tmpfs = NULL, *reserve = NULL;
	char *e;
	int i;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("option without a value");
		if (!strcmp(argv[i], "--seconds")) {
			errno = 0;
			seconds = strtoull(argv[++i], &e, 10);
			if (errno || *e || e == argv[i] || argv[i][0] == '-')
				return usage("--seconds: not a number");
		} else if (!strcmp(argv[i], "--status")) {
			status = argv[++i];
		} else if (!strcmp(argv[i], "--tmpfs")) {
			tmpfs = argv[++i];
		} else if (!strcmp(argv[i], "--reserve-file")) {
			reserve = argv[++i];
		} else {
			return usage("unknown option");
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (tmpfs) {
		mkdir(tmpfs, 0700);
		if (mount("tmpfs", tmpfs, "tmpfs", 0, "size=64m,mode=0700") && errno != EBUSY)
			fprintf(stderr, "fphint-pressure: mount tmpfs on %s: %s\n", tmpfs,
				strerror(errno));
	}
	if (read_file(WSF, old_wsf, sizeof(old_wsf)) || write_file(WSF, WSF_VALUE))
		fprintf(stderr, "fphint-pressure: %s: cannot raise it\n", WSF);
	vmstat_read(vmstat0);
	end = seconds ? now_ms() + seconds * 1000 : UINT64_MAX;
	last_compact = now_ms();
	while (!stop && now_ms() < end) {
		uint64_t hold_until;

		watermarks_kb(&wmin, &wlow);
		/* Never closer than 24 MiB to min; aim just under low. */
		floor_kb = wmin + 24 * 1024;
		target_kb = wlow > floor_kb + 8 * 1024 ? wlow - 8 * 1024 : floor_kb + 8 * 1024;
		while (!stop && memfree_kb() > target_kb + reserve_kb(reserve) + CHUNK / 1024)
			if (chunk_add())
				break;
		note_memfree();
		hold_until = now_ms() + 500 + rnd() % 2000;
		while (!stop && now_ms() < hold_until) {
			/* Something else took memory: give some back at once. */
			while (nr_chunks && memfree_kb() < floor_kb + reserve_kb(reserve))
				chunk_drop();
			note_memfree();
			usleep(50 * 1000);
		}
		/* Release between a third and all of it, scattered. */
		for (unsigned n = nr_chunks / 3 + (unsigned)(rnd() % (nr_chunks + 1)) * 2 / 3;
		     n && nr_chunks; n--)
			chunk_drop();
		tmpfs_churn(tmpfs);
		dentry_churn(tmpfs);
		if (now_ms() - last_compact > 10000) {
			write_file("/proc/sys/vm/compact_memory", "1");
			last_compact = now_ms();
		}
		cycles++;
		if (now_ms() - last_status > 1000) {
			write_status(status);
			last_status = now_ms();
		}
		usleep((useconds_t)(200 + rnd() % 800) * 1000);
	}
	while (nr_chunks)
		chunk_drop();
	if (old_wsf[0])
		write_file(WSF, old_wsf);
	write_status(status);
	printf("fphint-pressure: %llu cycles, %llu chunks (%llu THP-madvised), min MemFree %llu "
	       "kB, "
	       "%llu mismatches\n",
	       (unsigned long long)cycles, (unsigned long long)chunks_total,
	       (unsigned long long)thp_chunks, (unsigned long long)min_memfree_kb,
	       (unsigned long long)mismatches);
	return mismatches ? 1 : 0;
}
