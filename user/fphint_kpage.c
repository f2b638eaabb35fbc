// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_kpage.c - what the kernel says about page frames: the extent of
 * the zones (/proc/zoneinfo) and KPF_BUDDY (/proc/kpageflags).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fphint_kpage.h"

#define FPHINT_KPAGE_PATH "/proc/kpageflags"
/* pfns read from /proc/kpageflags per pread (64 KiB of flags, on the stack). */
#define FPHINT_KPAGE_CHUNK 8192

int fphint_zoneinfo_read(const char *path, fphint_zone_fn fn, void *ctx, char *err, size_t errlen)
{
	struct fphint_zone z;
	bool in_zone = false, in_pagesets = false;
	unsigned long long v;
	char line[256], name[32];
	int node, ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &node, name) == 2) {
			if (in_zone)
				ret = fn(&z, ctx);
			memset(&z, 0, sizeof(z));
			z.node = node;
			snprintf(z.name, sizeof(z.name), "%s", name);
			in_zone = true;
			in_pagesets = false;
		} else if (!in_zone) {
			continue;
		} else if (sscanf(line, " pages free %llu", &v) == 1) {
			z.free_pages = v;
		} else if (sscanf(line, " spanned %llu", &v) == 1) {
			z.spanned = v;
		} else if (sscanf(line, " start_pfn: %llu", &v) == 1) {
			z.start_pfn = v;
			z.has_start_pfn = true;
		} else if (strstr(line, "pagesets")) {
			in_pagesets = true;
		} else if (in_pagesets && sscanf(line, " count: %llu", &v) == 1) {
			/* "count:" appears elsewhere in newer kernels: only the pagesets'. */
			z.pcp_count += v;
		}
	}
	if (!ret && in_zone)
		ret = fn(&z, ctx);
	fclose(f);
	return ret;
}

static int fphint_zone_end(const struct fphint_zone *z, void *ctx)
{
	uint64_t *best = ctx;

	if (z->has_start_pfn && z->start_pfn + z->spanned > *best)
		*best = z->start_pfn + z->spanned;
	return 0;
}

int fphint_zoneinfo_max_pfn(const char *path, uint64_t *max_pfn, char *err, size_t errlen)
{
	uint64_t best = 0;
	int ret = fphint_zoneinfo_read(path, fphint_zone_end, &best, err, errlen);

	if (ret)
		return ret;
	if (!best) {
		snprintf(err, errlen, "%s: no zone with start_pfn/spanned found", path);
		return -EINVAL;
	}
	*max_pfn = best;
	return 0;
}

int fphint_machine_max_pfn(uint64_t *max_pfn, char *err, size_t errlen)
{
	return fphint_zoneinfo_max_pfn(FPHINT_ZONEINFO_PATH, max_pfn, err, errlen);
}

int fphint_kpage_buddy_fd(int fd, uint64_t start_pfn, uint64_t nr, uint64_t *bits, char *err,
			  size_t errlen)
{
	uint64_t flags[FPHINT_KPAGE_CHUNK];
	uint64_t done = 0;

	memset(bits, 0, ((nr + 63) / 64) * sizeof(*bits));
	while (done < nr) {
		uint64_t want = nr - done, got, i;
		ssize_t n;

		if (want > FPHINT_KPAGE_CHUNK)
			want = FPHINT_KPAGE_CHUNK;
		n = pread(fd, flags, want * sizeof(uint64_t), (off_t)((start_pfn + done) * 8));
		if (n < 0) {
			int e = errno;

			snprintf(err, errlen, "%s: read at pfn %llu: %s", FPHINT_KPAGE_PATH,
				 (unsigned long long)(start_pfn + done), strerror(e));
			return -e;
		}
		got = (uint64_t)n / sizeof(uint64_t);
		for (i = 0; i < got; i++) {
			uint64_t bit = (flags[i] >> FPHINT_KPF_BUDDY) & 1;

			bits[(done + i) / 64] |= bit << ((done + i) % 64);
		}
		if (got < want)
			break; /* end of the file: the rest stays 0 */
		done += got;
	}
	return 0;
}
