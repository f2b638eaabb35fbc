/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_stats.h - every statistic of the fphint_balloon module, once.
 *
 * The table is fphint_stats.def.  From it come struct fphint_ctl_stats
 * (what FPHINT_IOC_STATS returns, fphint_ioctl.h) and fphint_stats_desc[],
 * which the module's debugfs file fphint_balloon/stats, fphintd's
 * Prometheus metrics and the tests walk.  Adding a statistic is one row
 * in the table plus the code in the module that counts it.
 *
 * Rows:
 *   FPHINT_COUNTER(field, metric, unit, help)	only goes up
 *   FPHINT_GAUGE(field, metric, unit, help)	a level, a last or a max value
 *   FPHINT_HISTOGRAM(field, metric, nr_buckets, bucket0_ns, help)
 *	durations in ns, decade buckets: field_hist[i] counts values of at
 *	most bucket0_ns * 10^i (not cumulative; the last bucket takes
 *	everything longer), field_count and field_sum_ns their number and
 *	sum.
 * field is the struct member and the debugfs key; metric the Prometheus
 * name after "fphint_"; unit "ns" (exported in seconds), "pages" or "".
 * Every field is a __u64.
 */
#ifndef FPHINT_STATS_H
#define FPHINT_STATS_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>
#endif

/* zone->lock hold per batch: 10 us, 100 us, ... 10 s, and longer. */
#define FPHINT_HOLD_BUCKETS    8
#define FPHINT_HOLD_BUCKET0_NS 10000ULL

/*
 * What FPHINT_IOC_STATS returns.  size and table_hash come first and
 * never move: a caller built from another table sees the difference
 * there (fphint_stats_mismatch()) instead of misreading the fields.
 */
#define FPHINT_COUNTER(f, metric, unit, help) __u64 f;
#define FPHINT_GAUGE(f, metric, unit, help)   __u64 f;
#define FPHINT_HISTOGRAM(f, metric, nr, b0, help)                                                  \
	__u64 f##_hist[nr];                                                                        \
	__u64 f##_count;                                                                           \
	__u64 f##_sum_ns;
struct fphint_ctl_stats {
	__u32 size;	  /* sizeof(struct fphint_ctl_stats) of the module */
	__u32 table_hash; /* fphint_stats_table_hash() of the module */
#include "fphint_stats.def"
};
#undef FPHINT_COUNTER
#undef FPHINT_GAUGE
#undef FPHINT_HISTOGRAM

enum fphint_stat_kind {
	FPHINT_STAT_COUNTER,
	FPHINT_STAT_GAUGE,
	FPHINT_STAT_HISTOGRAM,
};

/*
 * One row of the table, with where its value sits in the struct.  For a
 * histogram, offset is that of field_hist[0]; field_count and field_sum_ns
 * follow it.
 */
struct fphint_stat_desc {
	const char *field, *metric, *unit, *help;
	enum fphint_stat_kind kind;
	__u32 offset, nr_buckets;
	__u64 bucket0_ns;
};

#define FPHINT_COUNTER(f, m, u, h)                                                                 \
	{#f, m, u, h, FPHINT_STAT_COUNTER, offsetof(struct fphint_ctl_stats, f), 0, 0},
#define FPHINT_GAUGE(f, m, u, h)                                                                   \
	{#f, m, u, h, FPHINT_STAT_GAUGE, offsetof(struct fphint_ctl_stats, f), 0, 0},
#define FPHINT_HISTOGRAM(f, m, nr, b0, h)                                                          \
	{#f, m, "ns", h, FPHINT_STAT_HISTOGRAM, offsetof(struct fphint_ctl_stats, f##_hist),       \
	 nr, b0},
static const struct fphint_stat_desc fphint_stats_desc[] __attribute__((__unused__)) = {
#include "fphint_stats.def"
};
#undef FPHINT_COUNTER
#undef FPHINT_GAUGE
#undef FPHINT_HISTOGRAM
#define FPHINT_NR_STATS (sizeof(fphint_stats_desc) / sizeof(fphint_stats_desc[0]))

/* The value of a counter or gauge row in s. */
static inline __u64 fphint_stat_value(const struct fphint_ctl_stats *s,
				      const struct fphint_stat_desc *d)
{
	return *(const __u64 *)((const char *)s + d->offset);
}

/* A histogram row's buckets (nr_buckets), then its count and its sum. */
static inline const __u64 *fphint_stat_hist(const struct fphint_ctl_stats *s,
					    const struct fphint_stat_desc *d)
{
	return (const __u64 *)((const char *)s + d->offset);
}

/*
 * FNV-1a over every row's field name, kind and bucket count: differs
 * between two builds whose tables differ in a way that moves or changes
 * a field.
 */
static inline __u32 fphint_stats_table_hash(void)
{
	__u32 h = 2166136261u;
	unsigned int i;
	const char *c;

	for (i = 0; i < FPHINT_NR_STATS; i++) {
		const struct fphint_stat_desc *d = &fphint_stats_desc[i];

		for (c = d->field; *c; c++)
			h = (h ^ (unsigned char)*c) * 16777619u;
		h = (h ^ (d->kind + 1)) * 16777619u;
		h = (h ^ d->nr_buckets) * 16777619u;
	}
	return h;
}

#endif /* FPHINT_STATS_H */
