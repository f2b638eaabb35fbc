/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_tracker.h - keeping the pinned bitmap honest against the buddy
 * allocator (reconcile), safe to run concurrently with the BPF programs
 * and with another reconcile (agent and `fphint reconcile`).
 */
#ifndef FPHINT_TRACKER_H
#define FPHINT_TRACKER_H

#include <stddef.h>
#include <stdint.h>
#include "fphint_pins.h"

struct fphint_reconcile_result {
	uint64_t words_checked, bits_set, bits_cleared, cas_retries;
	uint64_t elapsed_ns;
};

/*
 * One pass over the whole bitmap: for every word, `free` becomes the
 * KPF_BUDDY bits of its 64 pfns (compare-and-swap against concurrent BPF
 * updates, bounded retries); freed_since_epoch is never touched.  Updates
 * meta (reconcile_runs/set/cleared, last_reconcile_at, lost_events).
 * 0 or -errno with one line in err.
 */
int fphint_reconcile(struct fphint_pins *p, struct fphint_reconcile_result *r, char *err,
		     size_t errlen);

/*
 * Sum of recursion_misses of every BPF program attached through a
 * link_* pin in dir (events our programs missed).  0 or -errno; -EOPNOTSUPP
 * if the kernel does not report the field.
 */
int fphint_lost_events(const char *dir, uint64_t *lost, char *err, size_t errlen);

/*
 * Info of a BPF link and of the program behind it.  info_len gets the
 * size the kernel filled for the program (older kernels fill less).
 * 0 or -errno.
 */
struct bpf_link_info;
struct bpf_prog_info;
int fphint_link_prog_info(int link_fd, struct bpf_link_info *li, struct bpf_prog_info *pi,
			  uint32_t *prog_info_len);

#endif
