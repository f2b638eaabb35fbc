// SPDX-License-Identifier: GPL-2.0-only
/*
 * fphint-ctl-test - drives /dev/fphint of the fphint_balloon module from
 * inside the guest, without fphintd (static, raw bpf(2), no libbpf).
 *
 *   fphint-ctl-test bogus       every malformed hand-over is rejected with
 *                               its documented errno; then a valid one is
 *                               taken, a second one is EBUSY, release works
 *   fphint-ctl-test all-free    hands over a map whose every bit says
 *                               "free": the module must confirm each page
 *                               under zone->lock, so the map's lies are
 *                               harmless (a stress test of confirmation)
 *   fphint-ctl-test release     drops the module's map
 *   fphint-ctl-test stats       prints the module's counters
 *   fphint-ctl-test metrics     prints them as fphintd's /metrics does
 * Exit 0 on success, 1 on a failed check, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fphint_expo.h"
#include "fphint_ioctl.h"
#include "fphint_layout.h"

static int fphint_map_create(uint32_t type, uint32_t value_size, uint32_t entries, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = value_size;
	a.max_entries = entries;
	a.map_flags = flags;
	return (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

static int fphint_map_put(int fd, uint32_t key, const void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)value;
	return (int)syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

/* One past the highest pfn of any zone, from /proc/zoneinfo. */
static uint64_t fphint_end_pfn(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	uint64_t spanned = 0, start, end = 0;

	if (!f) {
		perror("/proc/zoneinfo");
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " spanned %" SCNu64, &spanned) == 1)
			continue;
		if (sscanf(line, " start_pfn: %" SCNu64, &start) == 1 && start + spanned > end)
			end = start + spanned;
	}
	fclose(f);
	return end;
}

static int fphint_meta_make(uint32_t magic, uint32_t version, uint64_t nr_pfns, uint32_t entries)
{
	struct fphint_meta m;
	int fd;

	memset(&m, 0, sizeof(m));
	m.magic = magic;
	m.layout_version = version;
	m.nr_pfns = nr_pfns;
	m.page_size = 4096;
	m.agent_pid = (uint64_t)getpid();
	fd = fphint_map_create(BPF_MAP_TYPE_ARRAY, sizeof(m), entries, 0);
	if (fd < 0 || fphint_map_put(fd, 0, &m)) {
		perror("meta map");
		exit(1);
	}
	return fd;
}

static int fphint_bitmap_make(uint64_t nr_pfns, int all_free)
{
	uint64_t words = (nr_pfns + 63) / 64;
	size_t len = (words * sizeof(struct fphint_word) + 4095) & ~4095ul;
	struct fphint_word *w;
	int fd;

	fd = fphint_map_create(BPF_MAP_TYPE_ARRAY, sizeof(*w), (uint32_t)words, BPF_F_MMAPABLE);
	if (fd < 0) {
		perror("bitmap map");
		exit(1);
	}
	if (all_free) {
		w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (w == MAP_FAILED) {
			perror("mmap bitmap");
			exit(1);
		}
		for (uint64_t i = 0; i < words; i++)
			w[i].free = w[i].freed_since_epoch = ~0ull;
		munmap(w, len);
	}
	return fd;
}

static int fphint_ctl_open(void)
{
	int fd = open(FPHINT_CTL_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", FPHINT_CTL_DEVICE, strerror(errno));
		exit(1);
	}
	return fd;
}

static int fphint_try(int ctl, uint32_t version, uint32_t flags, int bitmap_fd, int meta_fd)
{
	struct fphint_handover h = {
		.layout_version = version,
		.flags = flags,
		.bitmap_fd = bitmap_fd,
		.meta_fd = meta_fd,
	};

	return ioctl(ctl, FPHINT_IOC_HANDOVER, &h) ? errno : 0;
}

static int failures;

static void fphint_expect(const char *what, int got, int want)
{
	int ok = got == want;

	printf("%-48s %-8s %s (want %s)\n", what, ok ? "ok" : "FAILED",
	       got ? strerror(got) : "accepted", want ? strerror(want) : "accepted");
	failures += !ok;
}

static int fphint_bogus(void)
{
	uint64_t end = fphint_end_pfn();
	int ctl = fphint_ctl_open();
	int bitmap = fphint_bitmap_make(end, 0);
	int meta = fphint_meta_make(FPHINT_MAGIC, FPHINT_LAYOUT_VERSION, end, 1);
	int small = fphint_bitmap_make(end / 2, 0);
	int small_meta = fphint_meta_make(FPHINT_MAGIC, FPHINT_LAYOUT_VERSION, end / 2, 1);
	int bad_magic = fphint_meta_make(0xdeadbeef, FPHINT_LAYOUT_VERSION, end, 1);
	int bad_layout = fphint_meta_make(FPHINT_MAGIC, FPHINT_LAYOUT_VERSION + 1, end, 1);
	int two_meta = fphint_meta_make(FPHINT_MAGIC, FPHINT_LAYOUT_VERSION, end, 2);
	uint32_t words = (uint32_t)((end + 63) / 64);
	int not_mmapable =
		fphint_map_create(BPF_MAP_TYPE_ARRAY, sizeof(struct fphint_word), words, 0);
	int hash = fphint_map_create(BPF_MAP_TYPE_HASH, sizeof(struct fphint_word), words, 0);
	int wide = fphint_map_create(BPF_MAP_TYPE_ARRAY, 32, words, BPF_F_MMAPABLE);
	int not_map = open("/dev/null", O_RDONLY);
	const uint32_t v = FPHINT_LAYOUT_VERSION;

	if (not_mmapable < 0 || hash < 0 || wide < 0 || not_map < 0) {
		perror("making bogus maps");
		return 1;
	}
	ioctl(ctl, FPHINT_IOC_RELEASE);
	fphint_expect("closed fd", fphint_try(ctl, v, 0, 1000, meta), EBADF);
	fphint_expect("negative fd", fphint_try(ctl, v, 0, bitmap, -1), EBADF);
	fphint_expect("fd that is not a map (/dev/null)", fphint_try(ctl, v, 0, not_map, meta),
		      EINVAL);
	fphint_expect("hash map as bitmap", fphint_try(ctl, v, 0, hash, meta), EINVAL);
	fphint_expect("bitmap without BPF_F_MMAPABLE", fphint_try(ctl, v, 0, not_mmapable, meta),
		      EINVAL);
	fphint_expect("bitmap with 32-byte values", fphint_try(ctl, v, 0, wide, meta), EINVAL);
	fphint_expect("meta map as bitmap", fphint_try(ctl, v, 0, meta, meta), EINVAL);
	fphint_expect("bitmap as meta", fphint_try(ctl, v, 0, bitmap, bitmap), EINVAL);
	fphint_expect("meta with 2 entries", fphint_try(ctl, v, 0, bitmap, two_meta), EINVAL);
	fphint_expect("non-zero flags", fphint_try(ctl, v, 1, bitmap, meta), EINVAL);
	fphint_expect("hand-over layout_version + 1", fphint_try(ctl, v + 1, 0, bitmap, meta),
		      EPROTO);
	fphint_expect("meta magic wrong", fphint_try(ctl, v, 0, bitmap, bad_magic), EPROTO);
	fphint_expect("meta layout_version + 1", fphint_try(ctl, v, 0, bitmap, bad_layout), EPROTO);
	fphint_expect("bitmap covering half the pfns", fphint_try(ctl, v, 0, small, small_meta),
		      ERANGE);
	fphint_expect("meta.nr_pfns half the pfns", fphint_try(ctl, v, 0, bitmap, small_meta),
		      ERANGE);
	fphint_expect("valid maps", fphint_try(ctl, v, 0, bitmap, meta), 0);
	fphint_expect("second hand-over while held", fphint_try(ctl, v, 0, bitmap, meta), EBUSY);
	fphint_expect("release", ioctl(ctl, FPHINT_IOC_RELEASE) ? errno : 0, 0);
	fphint_expect("release with nothing held", ioctl(ctl, FPHINT_IOC_RELEASE) ? errno : 0,
		      ENOENT);
	fphint_expect("unknown ioctl", ioctl(ctl, _IO(FPHINT_IOC_MAGIC, 99)) ? errno : 0, ENOTTY);
	printf("bogus: %d failed\n", failures);
	return failures ? 1 : 0;
}

static int fphint_all_free(void)
{
	uint64_t end = fphint_end_pfn();
	int ctl = fphint_ctl_open();
	int bitmap = fphint_bitmap_make(end, 1);
	int meta = fphint_meta_make(FPHINT_MAGIC, FPHINT_LAYOUT_VERSION, end, 1);
	int e = fphint_try(ctl, FPHINT_LAYOUT_VERSION, 0, bitmap, meta);

	if (e) {
		fprintf(stderr, "hand-over refused: %s\n", strerror(e));
		return 1;
	}
	printf("handed over an all-free map of %" PRIu64 " pfns\n", end);
	return 0;
}

/* Every counter and gauge of the table, "field=value" on one line. */
static int fphint_stats_print(void)
{
	struct fphint_ctl_stats s;
	int ctl = fphint_ctl_open();
	unsigned i;

	if (ioctl(ctl, FPHINT_IOC_STATS, &s)) {
		perror("FPHINT_IOC_STATS");
		return 1;
	}
	if (fphint_stats_mismatch(&s)) {
		fprintf(stderr, "FPHINT_IOC_STATS: module table differs (size %u hash %#x)\n",
			s.size, s.table_hash);
		return 1;
	}
	for (i = 0; i < FPHINT_NR_STATS; i++)
		if (fphint_stats_desc[i].kind != FPHINT_STAT_HISTOGRAM)
			printf("%s%s=%llu", i ? " " : "", fphint_stats_desc[i].field,
			       (unsigned long long)fphint_stat_value(&s, &fphint_stats_desc[i]));
	printf("\n");
	return 0;
}

/* The module's rows as fphintd exposes them (fphint_expo.c), for comparison. */
static int fphint_metrics_print(void)
{
	struct fphint_ctl_stats s;
	char why[256];

	if (fphint_module_stats_read(NULL, &s, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		return 1;
	}
	fphint_expo_module(stdout, &s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "bogus"))
		return fphint_bogus();
	if (argc == 2 && !strcmp(argv[1], "all-free"))
		return fphint_all_free();
	if (argc == 2 && !strcmp(argv[1], "release")) {
		int ctl = fphint_ctl_open();

		if (ioctl(ctl, FPHINT_IOC_RELEASE)) {
			fprintf(stderr, "release: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "stats"))
		return fphint_stats_print();
	if (argc == 2 && !strcmp(argv[1], "metrics"))
		return fphint_metrics_print();
	fprintf(stderr, "usage: fphint-ctl-test bogus|all-free|release|stats|metrics\n");
	return 2;
}
