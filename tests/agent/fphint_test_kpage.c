// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * unit-kpage: the oracle's parsers on synthetic files (no root needed).
 * /proc/zoneinfo: every zone with its free and per-cpu pages; max over
 * zones of start_pfn + spanned, empty zones and zones without start_pfn
 * ignored.  /proc/kpageflags: KPF_BUDDY packed
 * into bits for any start and length, across read chunks, zero past the
 * end of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fphint_kpage.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("unit-kpage: FAIL: " __VA_ARGS__);                                  \
			putchar('\n');                                                             \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(buf, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

struct zone_sums {
	int zones;
	char first[32];
	uint64_t free, pcp;
};

static int zone_sum(const struct fphint_zone *z, void *ctx)
{
	struct zone_sums *s = ctx;

	if (!s->zones++)
		snprintf(s->first, sizeof(s->first), "%s", z->name);
	s->free += z->free_pages;
	s->pcp += z->pcp_count;
	return 0;
}

static void test_zoneinfo(const char *dir)
{
	struct zone_sums zones;
	static const char zoneinfo[] = "Node 0, zone      DMA\n"
				       "  pages free     3\n"
				       "        spanned  4095\n"
				       "        present  3998\n"
				       "  pagesets\n"
				       "    cpu: 0\n"
				       "              count: 7\n"
				       "    cpu: 1\n"
				       "              count: 5\n"
				       "  start_pfn:           1\n"
				       "Node 0, zone   Normal\n"
				       "        spanned  5505024\n"
				       "  start_pfn:           1048576\n"
				       "Node 0, zone  Movable\n"
				       "        spanned  0\n"
				       "  start_pfn:           0\n"
				       "Node 0, zone   Device\n"
				       "  pages free     0\n";
	char path[512], err[256];
	uint64_t max = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/zoneinfo", dir);
	write_file(path, zoneinfo, strlen(zoneinfo));
	ret = fphint_zoneinfo_max_pfn(path, &max, err, sizeof(err));
	CHECK(ret == 0 && max == 1048576 + 5505024, "zoneinfo: ret %d max %llu (%s)", ret,
	      (unsigned long long)max, err);
	zones = (struct zone_sums){0};
	ret = fphint_zoneinfo_read(path, zone_sum, &zones, err, sizeof(err));
	CHECK(ret == 0 && zones.zones == 4 && zones.free == 3 && zones.pcp == 12 &&
		      !strcmp(zones.first, "DMA"),
	      "zoneinfo: ret %d, %d zones (first %s), %llu free, %llu pcp", ret, zones.zones,
	      zones.first, (unsigned long long)zones.free, (unsigned long long)zones.pcp);
	write_file(path, "nothing here\n", 13);
	ret = fphint_zoneinfo_max_pfn(path, &max, err, sizeof(err));
	CHECK(ret < 0 && strstr(err, "no zone"), "zoneinfo without zones: ret %d '%s'", ret, err);
	snprintf(path, sizeof(path), "%s/absent", dir);
	ret = fphint_zoneinfo_max_pfn(path, &max, err, sizeof(err));
	CHECK(ret < 0 && strstr(err, "absent"), "missing zoneinfo: ret %d '%s'", ret, err);
}

/* A pseudo-random but reproducible buddy pattern, with other flags mixed in. */
static uint64_t flags_of(uint64_t pfn)
{
	uint64_t x = pfn * 0x9e3779b97f4a7c15ull;

	return (x & ~(1ull << FPHINT_KPF_BUDDY)) | (((x >> 40) & 1) << FPHINT_KPF_BUDDY);
}

static void test_kpageflags(const char *dir)
{
	const uint64_t nr_file = 20000; /* more than two read chunks */
	static const uint64_t cases[][2] = {
		{0, 64},      {0, 20000},  {1, 63},	{63, 130}, {8190, 5},
		{8000, 9000}, {19990, 40}, {25000, 64}, {5, 0},
	};
	uint64_t *flags = malloc(nr_file * sizeof(*flags)), bits[400];
	char path[512], err[256];
	size_t c;
	FILE *f;

	for (uint64_t i = 0; i < nr_file; i++)
		flags[i] = flags_of(i);
	snprintf(path, sizeof(path), "%s/kpageflags", dir);
	write_file(path, flags, nr_file * sizeof(*flags));
	f = fopen(path, "r");
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t start = cases[c][0], nr = cases[c][1], i, wrong = 0;
		int ret;

		memset(bits, 0xa5, sizeof(bits));
		ret = fphint_kpage_buddy_fd(fileno(f), start, nr, bits, err, sizeof(err));
		for (i = 0; i < nr; i++) {
			uint64_t want = start + i < nr_file
						? (flags_of(start + i) >> FPHINT_KPF_BUDDY) & 1
						: 0;

			wrong += ((bits[i / 64] >> (i % 64)) & 1) != want;
		}
		/* Bits past nr in the last word are cleared too. */
		if (nr % 64)
			wrong += (bits[nr / 64] >> (nr % 64)) != 0;
		CHECK(ret == 0 && wrong == 0, "kpageflags [%llu, +%llu): ret %d, %llu wrong bits",
		      (unsigned long long)start, (unsigned long long)nr, ret,
		      (unsigned long long)wrong);
	}
	fclose(f);
	free(flags);
}

int main(void)
{
	char dir[] = "/tmp/fphint-unit-kpage.XXXXXX";
	char cmd[64];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_zoneinfo(dir);
	test_kpageflags(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("unit-kpage: note: could not remove %s\n", dir);
	printf("unit-kpage: %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
