/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_expo.h - Prometheus text exposition helpers, and the module's
 * statistics (fphint_stats.h) read through /dev/fphint and exposed.
 */
#ifndef FPHINT_EXPO_H
#define FPHINT_EXPO_H

#include <stdint.h>
#include <stdio.h>
#include "fphint_ioctl.h"

#define FPHINT_MODULE_SYSFS "/sys/module/fphint_balloon"

void fphint_metric_head(FILE *out, const char *name, const char *type, const char *help);
/* A label value with \, " and newline escaped as the text format demands. */
void fphint_metric_label_value(FILE *out, const char *v);
void fphint_metric_u64(FILE *out, const char *name, const char *type, const char *help, uint64_t v);
void fphint_metric_double(FILE *out, const char *name, const char *type, const char *help,
			  double v);

/*
 * The module's statistics through FPHINT_IOC_STATS on dev (NULL =
 * FPHINT_CTL_DEVICE).  0 and *s filled; -ENOENT when there is no module;
 * -EPROTO when it was built from another statistics table (why names both
 * sizes and hashes); another -errno otherwise.  *s is zeroed on failure.
 */
int fphint_module_stats_read(const char *dev, struct fphint_ctl_stats *s, char *why, size_t whylen);

/*
 * Every row of the statistics table as fphint_<metric> (plus the derived
 * fphint_hinted_bytes_total), from s; s = NULL exposes the same series at
 * 0, histogram buckets included.
 */
void fphint_expo_module(FILE *out, const struct fphint_ctl_stats *s);

#endif
