// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The /proc/kpageflags reader of user/fphint_kpage.c: the first 16 bytes
 * choose start_pfn and nr (bounded so one run stays small), the rest is
 * the file.  Checks every output bit against the flags it came from, and
 * that pfns past the end read as 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fphint_fuzz.h"
#include "fphint_kpage.h"

#define MAX_NR 20000 /* more than one FPHINT_KPAGE_CHUNK */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static uint64_t bits[(MAX_NR + 63) / 64 + 1];
	uint64_t start, nr, i, nflags;
	char err[256];

	if (size < 16)
		return 0;
	memcpy(&start, data, 8);
	memcpy(&nr, data + 8, 8);
	data += 16;
	size -= 16;
	start %= 4096;
	nr %= MAX_NR + 1;
	if (fd < 0) {
		fd = memfd_create("fphint-fuzz-kpageflags", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	bits[(nr + 63) / 64] = 0x5a5a5a5a5a5a5a5aull; /* canary past the end */
	if (fphint_kpage_buddy_fd(fd, start, nr, bits, err, sizeof(err)))
		abort(); /* a memfd never fails to read */
	if (bits[(nr + 63) / 64] != 0x5a5a5a5a5a5a5a5aull)
		abort(); /* wrote past ceil(nr / 64) words */
	nflags = size / 8;
	for (i = 0; i < nr; i++) {
		uint64_t want = 0, got = (bits[i / 64] >> (i % 64)) & 1;

		if (start + i < nflags) {
			uint64_t f;

			memcpy(&f, data + (start + i) * 8, 8);
			want = (f >> FPHINT_KPF_BUDDY) & 1;
		}
		if (got != want)
			abort();
	}
	if (nr % 64 && (bits[nr / 64] >> (nr % 64)))
		abort(); /* bits past nr in the last word stay 0 */
	return 0;
}
