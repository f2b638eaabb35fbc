/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_kpage.h - the truth oracle: /proc/zoneinfo and /proc/kpageflags.
 */
#ifndef FPHINT_KPAGE_H
#define FPHINT_KPAGE_H

#include <stddef.h>
#include <stdint.h>

/* KPF_BUDDY in /proc/kpageflags (include/uapi/linux/kernel-page-flags.h). */
#define FPHINT_KPF_BUDDY 10

/*
 * Highest pfn + 1 of any zone (max over zones of start_pfn + spanned),
 * from /proc/zoneinfo.  0 or -errno.
 */
int fphint_machine_max_pfn(uint64_t *max_pfn, char *err, size_t errlen);
/* Same from a file in /proc/zoneinfo's format (tests). */
int fphint_zoneinfo_max_pfn(const char *path, uint64_t *max_pfn, char *err, size_t errlen);

/*
 * bit i of bits (bits[i / 64] >> i % 64) = KPF_BUDDY of pfn start_pfn + i,
 * for i in [0, nr).  bits must hold ceil(nr / 64) words.  Reads
 * /proc/kpageflags (root only).  Pfns past the end of the file read as 0.
 * 0 or -errno.
 */
int fphint_kpage_buddy(uint64_t start_pfn, uint64_t nr, uint64_t *bits, char *err, size_t errlen);

/*
 * Same, on an already open descriptor of /proc/kpageflags (for big loops)
 * or of any file in its format (tests).
 */
int fphint_kpage_buddy_fd(int fd, uint64_t start_pfn, uint64_t nr, uint64_t *bits, char *err,
			  size_t errlen);

#endif
