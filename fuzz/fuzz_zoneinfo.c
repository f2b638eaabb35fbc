// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The /proc/zoneinfo parser of user/fphint_kpage.c (the machine's highest
 * pfn, which sizes the bitmap) on arbitrary file contents, through a
 * memfd: the parser takes a path.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fphint_fuzz.h"
#include "fphint_kpage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], err[256];
	uint64_t max_pfn = 0;

	if (fd < 0) {
		fd = memfd_create("fphint-fuzz-zoneinfo", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	if (fphint_zoneinfo_max_pfn(path, &max_pfn, err, sizeof(err)) != 0) {
		if (!err[0])
			abort();
	} else if (max_pfn == 0) {
		abort(); /* success promises a bitmap of at least one pfn */
	}
	return 0;
}
