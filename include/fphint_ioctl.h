/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_ioctl.h - control interface of the fphint_balloon kernel module.
 *
 * The module creates /dev/fphint (mode 0600).  fphintd hands it the
 * pinned bitmap and meta maps by file descriptor; the module takes its own
 * reference on both maps, so the agent may exit afterwards.
 *
 * FPHINT_IOC_HANDOVER errors (errno):
 *   EBADF   a fd is not open
 *   EINVAL  a fd is not a BPF map, or a map has the wrong type, key size,
 *           value size, flags (bitmap must be BPF_F_MMAPABLE) or entry
 *           count (meta must have exactly one); or flags/reserved not 0
 *   EPROTO  ioctl layout_version, meta magic or meta layout_version is not
 *           what this module was built with
 *   ERANGE  the bitmap (or meta.nr_pfns) does not cover this machine's
 *           highest page frame
 *   EBUSY   a map is already handed over (release it first)
 * Usable from user space and from the module.
 */
#ifndef FPHINT_IOCTL_H
#define FPHINT_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#include "fphint_stats.h"

#define FPHINT_CTL_DEVICE "/dev/fphint"
#define FPHINT_CTL_NAME	  "fphint"

struct fphint_handover {
	__u32 layout_version; /* FPHINT_LAYOUT_VERSION of the caller */
	__u32 flags;	      /* must be 0 */
	__s32 bitmap_fd;      /* the "bitmap" array map */
	__s32 meta_fd;	      /* the "meta" array map */
	__u64 reserved[2];    /* must be 0 */
};

#define FPHINT_IOC_MAGIC    0xF7
#define FPHINT_IOC_HANDOVER _IOW(FPHINT_IOC_MAGIC, 1, struct fphint_handover)
/* Drop the maps (no argument); ENOENT if none is held. */
#define FPHINT_IOC_RELEASE _IO(FPHINT_IOC_MAGIC, 2)
/*
 * The module's statistics, struct fphint_ctl_stats (fphint_stats.h).  The
 * module takes the command whatever size it encodes and copies
 * min(_IOC_SIZE(cmd), its own size) bytes: a caller built from another
 * table gets at least size and table_hash, and must compare them with its
 * own before reading any field (fphint_stats_mismatch()).  Number 3 was
 * the fixed-layout struct before the table: callers of it get ENOTTY.
 */
#define FPHINT_IOC_STATS _IOR(FPHINT_IOC_MAGIC, 4, struct fphint_ctl_stats)

/* True when s came from a module built from another statistics table. */
static inline int fphint_stats_mismatch(const struct fphint_ctl_stats *s)
{
	return s->size != sizeof(*s) || s->table_hash != fphint_stats_table_hash();
}

#endif /* FPHINT_IOCTL_H */
