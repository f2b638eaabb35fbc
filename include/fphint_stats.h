/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_stats.h - every statistic of the fphint_balloon module, once.
 *
 * FPHINT_STATS() is the one table.  From it come struct fphint_ctl_stats
 * (what FPHINT_IOC_STATS returns, fphint_ioctl.h), the module's debugfs
 * file fphint_balloon/stats, fphintd's Prometheus metrics and the tests
 * that check every row reaches Prometheus.  Adding a statistic is one row
 * here plus the code in the module that counts it.
 *
 * Rows, in struct order:
 *   C(field, metric, unit, help)	a counter: only goes up
 *   G(field, metric, unit, help)	a gauge: a level, a last or a max value
 *   H(field, metric, nr_buckets, bucket0_ns, help)
 *	a histogram of durations in ns, decade buckets: field_hist[i] counts
 *	values of at most bucket0_ns * 10^i (not cumulative; the last bucket
 *	takes everything longer), field_count and field_sum_ns their number
 *	and sum.
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

#define FPHINT_STATS(C, G, H)                                                                      \
	G(map_attached, "balloon_map_attached", "", "1 while the module holds the map.")           \
	C(rounds, "hint_rounds_total", "", "Free page hint rounds served (one per command id).")   \
	C(rounds_first, "hint_rounds_first_total", "",                                             \
	  "Hint rounds that were the first of a migration (full map walk).")                       \
	C(rounds_abandoned, "hint_rounds_abandoned_total", "",                                     \
	  "Hint rounds cut short by a new id, STOP or DONE.")                                      \
	C(rounds_unmapped, "hint_rounds_unmapped_total", "",                                       \
	  "Hint requests seen with no map held: nothing hinted.")                                  \
	C(pages_hinted, "hinted_pages_total", "pages", "Pages reported free to the host.")         \
	C(ranges_hinted, "hinted_ranges_total", "",                                                \
	  "Ranges (device buffers) reported free to the host.")                                    \
	C(candidates, "hint_candidates_total", "", "Map bits the module looked at.")               \
	C(candidates_rejected, "hint_candidates_rejected_total", "",                               \
	  "Candidates rejected at confirmation (not a free buddy page "                            \
	  "under zone->lock).")                                                                    \
	C(batches, "hint_batches_total", "", "Hint batches (one zone->lock hold each).")           \
	G(max_lock_hold_ns, "hint_lock_hold_max_seconds", "ns",                                    \
	  "Longest zone->lock hold of one batch.")                                                 \
	G(last_round_ns, "hint_last_round_duration_seconds", "ns",                                 \
	  "Wall time of the last hint round.")                                                     \
	G(last_round_pages, "hint_last_round_pages", "pages",                                      \
	  "Pages hinted in the last hint round.")                                                  \
	C(total_round_ns, "hint_round_seconds_total", "ns", "Wall time spent in hint rounds.")     \
	C(slow_device_waits, "hint_slow_device_waits_total", "",                                   \
	  "Batches whose buffers the device took over 1 s to use.")                                \
	G(inflated_pages, "balloon_inflated_pages", "pages", "Balloon size in 4 KiB pages.")       \
	G(max_confirm_ns, "hint_confirm_max_seconds", "ns",                                        \
	  "Longest part of one batch's zone->lock hold spent confirming "                          \
	  "pages (before the device wait).")                                                       \
	H(lock_hold, "hint_lock_hold_seconds", FPHINT_HOLD_BUCKETS, FPHINT_HOLD_BUCKET0_NS,        \
	  "zone->lock hold time of one hint batch (verify pages until the "                        \
	  "device used the buffers).")                                                             \
	G(last_first_hint_ns, "hint_first_latency_seconds", "ns",                                  \
	  "Last migration: from the host's first request to the first "                            \
	  "hint it applied.")                                                                      \
	C(intx_resyncs, "balloon_intx_resyncs_total", "",                                          \
	  "Interrupts the host raised but never delivered (its INTx line "                         \
	  "out of step), found and served by the module.")

/*
 * What FPHINT_IOC_STATS returns.  size and table_hash come first and
 * never move: a caller built from another table sees the difference
 * there (see fphint_stats_check()) instead of misreading the fields.
 */
#define FPHINT_STATS_SCALAR(f, metric, unit, help) __u64 f;
#define FPHINT_STATS_HIST(f, metric, nr, b0, help)                                                 \
	__u64 f##_hist[nr];                                                                        \
	__u64 f##_count;                                                                           \
	__u64 f##_sum_ns;
struct fphint_ctl_stats {
	__u32 size;	  /* sizeof(struct fphint_ctl_stats) of the module */
	__u32 table_hash; /* fphint_stats_table_hash() of the module */
	FPHINT_STATS(FPHINT_STATS_SCALAR, FPHINT_STATS_SCALAR, FPHINT_STATS_HIST)
};
#undef FPHINT_STATS_SCALAR
#undef FPHINT_STATS_HIST

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

#define FPHINT_STATS_DESC_C(f, m, u, h)                                                            \
	{#f, m, u, h, FPHINT_STAT_COUNTER, offsetof(struct fphint_ctl_stats, f), 0, 0},
#define FPHINT_STATS_DESC_G(f, m, u, h)                                                            \
	{#f, m, u, h, FPHINT_STAT_GAUGE, offsetof(struct fphint_ctl_stats, f), 0, 0},
#define FPHINT_STATS_DESC_H(f, m, nr, b0, h)                                                       \
	{#f, m, "ns", h, FPHINT_STAT_HISTOGRAM, offsetof(struct fphint_ctl_stats, f##_hist),       \
	 nr, b0},
static const struct fphint_stat_desc fphint_stats_desc[] __attribute__((__unused__)) = {
	FPHINT_STATS(FPHINT_STATS_DESC_C, FPHINT_STATS_DESC_G, FPHINT_STATS_DESC_H)};
#undef FPHINT_STATS_DESC_C
#undef FPHINT_STATS_DESC_G
#undef FPHINT_STATS_DESC_H
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
