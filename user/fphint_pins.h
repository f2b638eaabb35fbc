/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_pins.h - open and validate the pinned fphint maps.
 *
 * Every consumer in user space (fphintd when it adopts, the fphint CLI,
 * tests) goes through fphint_pins_open() so that a foreign, stale or
 * wrong-shaped pin is refused in one place with one message.
 */
#ifndef FPHINT_PINS_H
#define FPHINT_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fphint_layout.h"

struct fphint_pins {
	int bitmap_fd, meta_fd, stats_fd;
	struct fphint_word *words; /* mmap of the bitmap map, nr_words long */
	uint64_t nr_words;
	struct fphint_meta *live; /* mmap of the meta element: owners write their fields here */
	struct fphint_meta meta;  /* as read at open time */
	char dir[256];		  /* pin directory (reconcile reads link_* pins from it) */
};

/*
 * Open dir/bitmap, dir/meta and dir/stats, check type, key/value size,
 * max_entries (>= ceil(max_pfn/64) of this machine), BPF_F_MMAPABLE and
 * meta magic/version, then mmap the bitmap and meta read-write.
 * Returns 0, -ENOENT when no pin exists, -EINVAL for a wrong shape,
 * -EEXIST for something foreign (not a map, wrong map type), other -errno
 * on system errors; err gets one line.  On failure p holds no resources.
 */
int fphint_pins_open(struct fphint_pins *p, const char *dir, char *err, size_t errlen);
void fphint_pins_close(struct fphint_pins *p);

/* A copy of the current meta element (0 or -errno). */
int fphint_meta_read(const struct fphint_pins *p, struct fphint_meta *m);
/* Per-cpu stats summed over all possible CPUs (0 or -errno). */
int fphint_stats_sum(const struct fphint_pins *p, struct fphint_stats *sum);

/*
 * The one walk over the pins in dir that are ours (bitmap, meta, stats,
 * link_*): links first, then maps, so that a caller removing them
 * detaches the programs before their maps go.  fn gets the pin's name and
 * full path; a non-zero return stops the walk and is returned.  0 when
 * done (also when dir does not exist), -errno if dir cannot be read.
 */
typedef int (*fphint_pin_fn)(const char *name, const char *path, bool link, void *ctx);
int fphint_pins_walk(const char *dir, fphint_pin_fn fn, void *ctx);

/* Fill "dir/name" into buf; -ENAMETOOLONG if it does not fit. */
int fphint_pin_path(char *buf, size_t len, const char *dir, const char *name);

/* Names of enum fphint_event_kind ("alloc", "free", ...). */
extern const char *const fphint_event_kind_names[FPHINT_EV_MAX];

#endif
