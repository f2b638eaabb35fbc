/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hand-over of the pinned map from fphintd to the fphint_balloon kernel
 * module (through its control device).  Owned by the kmod work; the agent
 * only calls fphint_handover_maybe() after the maps are pinned and seeded.
 */
#ifndef FPHINT_HANDOVER_H
#define FPHINT_HANDOVER_H

#include <stddef.h>

/*
 * If the fphint_balloon control device exists, pass it the pinned bitmap
 * and meta maps (by fd).  Returns 1 when handed over, 0 when there is no
 * control device (nothing to do), -errno on failure with a one-line
 * reason in err.
 */
int fphint_handover_maybe(int bitmap_fd, int meta_fd, char *err, size_t errlen);

#endif
