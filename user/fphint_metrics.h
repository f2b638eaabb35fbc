/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_metrics.h - Prometheus text exposition for fphintd.
 *
 * fphintd --metrics ADDR:PORT starts a small HTTP/1.0 server on its own
 * thread.  It serves GET /metrics (text format 0.0.4) and a short index
 * page at /.  The server handles one client at a time with a bounded
 * request size and per-client timeouts, so a slow or hostile client can
 * delay other scrapes but never the agent's tracking and reconcile loop,
 * which runs on the main thread and only posts results here.
 *
 * Sources read at every scrape:
 *   - the pinned maps (meta, per-cpu stats, the bitmap's free bits),
 *   - the tracker links' recursion misses (lost events),
 *   - /proc/zoneinfo (nr_free_pages per zone), /proc/buddyinfo (free
 *     blocks per zone and order),
 *   - the fphint_balloon module's statistics file (debugfs), when present.
 *
 * Module statistics file format ("key: value" lines, values in decimal;
 * unknown keys are ignored).  Besides the counters listed in
 * fphint_ioctl.h (rounds, pages_hinted, ...), the lock hold histogram is
 * read from
 *     lock_hold_ns_bucket <le_ns>: <count>    cumulative, ascending le;
 *                                             the last one may be "+Inf"
 *     lock_hold_ns_sum: <ns>
 *     lock_hold_ns_count: <n>
 * Without those lines (module absent, or an older module) the histogram is
 * exposed empty (all buckets 0) with fixed bounds, so queries still work.
 */
#ifndef FPHINT_METRICS_H
#define FPHINT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fphint_pins.h"
#include "fphint_tracker.h"

#define FPHINT_MODULE_STATS_PATH "/sys/kernel/debug/fphint_balloon/stats"
#define FPHINT_MODULE_SYSFS	 "/sys/module/fphint_balloon"

struct fphint_metrics;

struct fphint_metrics_config {
	const char *listen;	  /* "ADDR:PORT", parsed by fphint_parse_hostport() */
	const char *module_stats; /* NULL = FPHINT_MODULE_STATS_PATH */
	const char *version;	  /* exposed in fphint_agent_info */
};

/* The ADDR:PORT is one fphint_metrics_open() accepts (0 or -EINVAL). */
int fphint_metrics_check_listen(const char *listen, char *err, size_t errlen);
/*
 * Bind and listen (done before the agent touches any pin, so a busy port
 * fails early).  Returns 0 or -errno with one line in err.
 */
int fphint_metrics_open(struct fphint_metrics **out, const struct fphint_metrics_config *cfg,
			char *err, size_t errlen);
/* Start serving; pins must stay open until fphint_metrics_stop(). */
int fphint_metrics_run(struct fphint_metrics *m, const struct fphint_pins *pins, char *err,
		       size_t errlen);
/* Stop the thread, close the socket, free m (NULL is fine). */
void fphint_metrics_stop(struct fphint_metrics *m);

/* The agent posts what only it knows.  m may be NULL (metrics off). */
void fphint_metrics_note_reconcile(struct fphint_metrics *m,
				   const struct fphint_reconcile_result *r);
void fphint_metrics_note_error(struct fphint_metrics *m, const char *msg);

/* Write the whole exposition to out (what GET /metrics returns). */
int fphint_metrics_render(struct fphint_metrics *m, FILE *out);

#endif
