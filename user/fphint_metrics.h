/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_metrics.h - Prometheus metrics of fphintd over HTTP(S).
 *
 * fphintd --metrics ADDR:PORT serves GET /metrics (text format 0.0.4) and a
 * short index page at / with libmicrohttpd: a small thread pool over epoll,
 * so idle or slow clients do not hold up a scrape, with limits on
 * connections (in all and per address), request size and idle time.  TLS
 * and basic authentication come from --web-config-file (exporter-toolkit
 * format, fphint_webconfig.h).  The agent's tracking and reconcile loop
 * runs on the main thread and only posts results here.
 *
 * Sources read at every scrape:
 *   - the pinned maps (meta, per-cpu stats, the bitmap's free bits),
 *   - the tracker links' recursion misses (lost events),
 *   - /proc/zoneinfo (nr_free_pages per zone), /proc/buddyinfo (free
 *     blocks per zone and order),
 *   - the fphint_balloon module's statistics through FPHINT_IOC_STATS on
 *     /dev/fphint (every row of fphint_stats.h; all 0 without the module).
 */
#ifndef FPHINT_METRICS_H
#define FPHINT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fphint_pins.h"
#include "fphint_tracker.h"

struct fphint_metrics;

struct fphint_metrics_config {
	const char *listen;	/* "ADDR:PORT", parsed by fphint_parse_hostport() */
	const char *web_config; /* TLS and users (fphint_webconfig.h), NULL = none */
	const char *version;	/* exposed in fphint_agent_info */
};

/* The ADDR:PORT is one fphint_metrics_open() accepts (0 or -EINVAL). */
int fphint_metrics_check_listen(const char *listen, char *err, size_t errlen);
/*
 * Read the web configuration, bind, listen and start the server (done
 * before the agent touches any pin, so a bad configuration or a busy port
 * fails early; /metrics answers 503 until fphint_metrics_run()).  Returns
 * 0 or -errno with one line in err.
 */
int fphint_metrics_open(struct fphint_metrics **out, const struct fphint_metrics_config *cfg,
			char *err, size_t errlen);
/* The server speaks TLS (the web configuration has a certificate). */
bool fphint_metrics_tls(const struct fphint_metrics *m);
/* Serve the metrics of pins, which must stay open until fphint_metrics_stop(). */
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
