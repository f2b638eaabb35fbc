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

#define FPHINT_CTL_DEVICE "/dev/fphint"
#define FPHINT_CTL_NAME	  "fphint"

struct fphint_handover {
	__u32 layout_version; /* FPHINT_LAYOUT_VERSION of the caller */
	__u32 flags;	      /* must be 0 */
	__s32 bitmap_fd;      /* the "bitmap" array map */
	__s32 meta_fd;	      /* the "meta" array map */
	__u64 reserved[2];    /* must be 0 */
};

/* Counters of the module, the same as debugfs fphint_balloon/stats. */
/* Lock hold histogram: 10 us, 100 us, ... 10 s, and longer. */
#define FPHINT_HOLD_BUCKETS    8
#define FPHINT_HOLD_BUCKET0_NS 10000ULL

struct fphint_ctl_stats {
	__u64 map_attached;	/* 1 while a map is held */
	__u64 rounds;		/* hint rounds served (id sent) */
	__u64 rounds_first;	/* of those, first rounds of a migration */
	__u64 rounds_abandoned; /* a new id, STOP or DONE came mid-round */
	__u64 rounds_unmapped;	/* ids seen with no map: nothing hinted */
	__u64 pages_hinted;
	__u64 ranges_hinted;	   /* IN buffers sent */
	__u64 candidates;	   /* map bits looked at */
	__u64 candidates_rejected; /* not a free buddy page under zone->lock */
	__u64 batches;
	__u64 max_lock_hold_ns; /* longest zone->lock hold of one batch */
	__u64 last_round_ns;	/* wall time of the last round */
	__u64 last_round_pages; /* pages hinted in the last round */
	__u64 total_round_ns;
	__u64 slow_device_waits; /* batches whose buffers took over 1 s */
	__u64 inflated_pages;	 /* balloon size now, in 4 KiB pages */
	__u64 max_device_wait_ns; /* longest from queuing a hint to its use */
	/*
	 * zone->lock holds per batch: lock_hold_hist[i] counts holds of at
	 * most FPHINT_HOLD_BUCKET0_NS * 10^i ns (not cumulative; the last
	 * bucket takes everything longer), plus their count and sum.
	 */
	__u64 lock_hold_hist[FPHINT_HOLD_BUCKETS];
	__u64 lock_hold_count;
	__u64 lock_hold_sum_ns;
	/*
	 * Last migration: from the host's first request to the first hint
	 * buffer it used (it applies a hint before using its buffer).
	 */
	__u64 last_first_hint_ns;
	/*
	 * Interrupt status found pending with no interrupt delivered (the
	 * host's INTx line out of step), and served: see fphint_intx_resync().
	 */
	__u64 intx_resyncs;
	/* Pages taken off the free lists for hints in flight, now and at most. */
	__u64 isolated_pages;
	__u64 max_isolated_pages;
	/* Pages of hint buffers the device never used: never given back. */
	__u64 stranded_pages;
	__u64 reserved[2];
};

#define FPHINT_IOC_MAGIC    0xF7
#define FPHINT_IOC_HANDOVER _IOW(FPHINT_IOC_MAGIC, 1, struct fphint_handover)
/* Drop the maps (no argument); ENOENT if none is held. */
#define FPHINT_IOC_RELEASE _IO(FPHINT_IOC_MAGIC, 2)
#define FPHINT_IOC_STATS   _IOR(FPHINT_IOC_MAGIC, 3, struct fphint_ctl_stats)

#endif /* FPHINT_IOCTL_H */
