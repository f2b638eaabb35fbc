// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_kpage.c - what the kernel says about page frames: the extent of
 * the zones (/proc/zoneinfo) and KPF_BUDDY (/proc/kpageflags).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fphint_kpage.h"

#define FPHINT_KPAGE_PATH    "/proc/kpageflags"
#define FPHINT_ZONEINFO_PATH "/proc/zoneinfo"
/* pfns read from /proc/kpageflags per pread (64 KiB of flags, on the stack). */
#define FPHINT_KPAGE_CHUNK 8192

int fphint_machine_max_pfn(uint64_t *max_pfn, char *err, size_t errlen)
{
	return fphint_zoneinfo_max_pfn(FPHINT_ZONEINFO_PATH, max_pfn, err, errlen);
}

int fphint_zoneinfo_max_pfn(const char *path, uint64_t *max_pfn, char *err, size_t errlen)
{
	unsigned long long spanned = 0, start, end, best = 0;
	char line[256];
	FILE *f;
	int zones = 0;

	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	/* "spanned" precedes "start_pfn" inside each zone's block. */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " spanned %llu", &spanned) == 1)
			continue;
		if (sscanf(line, " start_pfn: %llu", &start) == 1) {
			end = start + spanned;
			if (end > best)
				best = end;
			spanned = 0;
			zones++;
		}
	}
	fclose(f);
	if (!zones || !best) {
		snprintf(err, errlen, "%s: no zone with start_pfn/spanned found", path);
		return -EINVAL;
	}
	*max_pfn = best;
	return 0;
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

int fphint_kpage_buddy(uint64_t start_pfn, uint64_t nr, uint64_t *bits, char *err, size_t errlen)
{
	int fd, ret;

	fd = open(FPHINT_KPAGE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", FPHINT_KPAGE_PATH, strerror(e));
		return -e;
	}
	ret = fphint_kpage_buddy_fd(fd, start_pfn, nr, bits, err, errlen);
	close(fd);
	return ret;
}
