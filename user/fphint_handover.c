// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder until the kernel helper exists: there is never a device. */
#include "fphint_handover.h"

int fphint_handover_maybe(int bitmap_fd, int meta_fd, char *err, size_t errlen)
{
	(void)bitmap_fd;
	(void)meta_fd;
	(void)err;
	(void)errlen;
	return 0;
}
