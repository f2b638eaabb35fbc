/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_kpage.h - the truth oracle: /proc/zoneinfo and /proc/kpageflags.
 */
#ifndef FPHINT_KPAGE_H
#define FPHINT_KPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* KPF_BUDDY in /proc/kpageflags (include/uapi/linux/kernel-page-flags.h). */
#define FPHINT_KPF_BUDDY 10

#define FPHINT_ZONEINFO_PATH "/proc/zoneinfo"

/* One zone's block of /proc/zoneinfo (the fields fphint uses). */
struct fphint_zone {
	int node;
	char name[32];	     /* "DMA", "Normal", ... */
	uint64_t free_pages; /* "pages free" */
	uint64_t spanned;
	uint64_t start_pfn;
	bool has_start_pfn;
	uint64_t pcp_count; /* sum of the per-cpu pagesets' "count:" */
};

/*
 * The one /proc/zoneinfo parser: calls fn for every zone of a file in its
 * format, in file order; a non-zero return of fn stops the walk and is
 * returned.  0 or -errno (err gets one line).
 */
typedef int (*fphint_zone_fn)(const struct fphint_zone *z, void *ctx);
int fphint_zoneinfo_read(const char *path, fphint_zone_fn fn, void *ctx, char *err, size_t errlen);

/*
 * Highest pfn + 1 of any zone (max over zones of start_pfn + spanned),
 * from /proc/zoneinfo.  0 or -errno.
 */
int fphint_machine_max_pfn(uint64_t *max_pfn, char *err, size_t errlen);
/* Same from a file in /proc/zoneinfo's format (tests). */
int fphint_zoneinfo_max_pfn(const char *path, uint64_t *max_pfn, char *err, size_t errlen);

/*
 * bit i of bits (bits[i / 64] >> i % 64) = KPF_BUDDY of pfn start_pfn + i,
 * for i in [0, nr), read from fd: /proc/kpageflags (root only) or any file
 * in its format (tests).  bits must hold ceil(nr / 64) words.  Pfns past
 * the end of the file read as 0.  0 or -errno.
 */
int fphint_kpage_buddy_fd(int fd, uint64_t start_pfn, uint64_t nr, uint64_t *bits, char *err,
			  size_t errlen);

#endif
