// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_metrics.c - Prometheus metrics of fphintd over a minimal
 * HTTP/1.0 server (see fphint_metrics.h for what is exposed and why the
 * server has its own thread).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "fphint_config.h"
#include "fphint_metrics.h"

/* A request line plus headers larger than this is refused (431). */
#define FPHINT_HTTP_MAX_REQUEST 8192
/* Whole-request budget for a client to send its headers, and send timeout. */
#define FPHINT_HTTP_READ_MS  3000
#define FPHINT_HTTP_WRITE_MS 3000
/* How often the server thread looks at its stop flag. */
#define FPHINT_HTTP_POLL_MS 250

#define FPHINT_HIST_MAX 32

struct fphint_module_stats {
	bool present; /* the statistics file could be read */
	uint64_t map_attached, rounds, rounds_abandoned, pages_hinted, ranges_hinted;
	uint64_t candidates, candidates_rejected, max_lock_hold_ns, last_round_ns;
	uint64_t total_round_ns, inflated_pages, batches, slow_device_waits;
	uint64_t last_first_hint_ns, intx_resyncs;
	unsigned nr_buckets;
	double bucket_le_ns[FPHINT_HIST_MAX]; /* INFINITY allowed */
	uint64_t bucket_count[FPHINT_HIST_MAX];
	uint64_t hold_sum_ns, hold_count;
};

struct fphint_metrics {
	int listen_fd;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	const struct fphint_pins *pins;
	char module_stats[256];
	char version[64];

	/* Posted by the agent's thread. */
	pthread_mutex_t lock;
	double last_reconcile_seconds;
	uint64_t errors;
	double last_error_at;
	char last_error[256];
};

/* ---- exposition helpers ------------------------------------------------ */

static void fphint_metric_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped as the text format demands. */
static void fphint_metric_label_value(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

static void fphint_metric_u64(FILE *out, const char *name, const char *type, const char *help,
			      uint64_t v)
{
	fphint_metric_head(out, name, type, help);
	fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

static void fphint_metric_double(FILE *out, const char *name, const char *type, const char *help,
				 double v)
{
	fphint_metric_head(out, name, type, help);
	fprintf(out, "%s %.9g\n", name, v);
}

static double fphint_ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

static double fphint_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- /proc sources ----------------------------------------------------- */

/* "Node 0, zone   Normal" -> node 0, zone "Normal"; false if not such a line. */
static bool fphint_parse_zone_head(const char *line, int *node, char *zone, size_t zlen, int *used)
{
	char z[32];
	int n;

	if (sscanf(line, "Node %d, zone %31s%n", node, z, &n) != 2)
		return false;
	snprintf(zone, zlen, "%s", z);
	if (used)
		*used = n;
	return true;
}

/* fphint_zone_free_pages{node,zone} from /proc/zoneinfo "pages free". */
static bool fphint_metrics_zoneinfo(FILE *out)
{
	char line[512], zone[32] = "";
	unsigned long long v;
	int node = -1;
	bool any = false;
	FILE *f = fopen("/proc/zoneinfo", "re");

	fphint_metric_head(out, "fphint_zone_free_pages", "gauge",
			   "Free pages per zone (buddy allocator, /proc/zoneinfo).");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (fphint_parse_zone_head(line, &node, zone, sizeof(zone), NULL))
			continue;
		if (node >= 0 && sscanf(line, " pages free %llu", &v) == 1) {
			fprintf(out, "fphint_zone_free_pages{node=\"%d\",zone=\"", node);
			fphint_metric_label_value(out, zone);
			fprintf(out, "\"} %llu\n", v);
			any = true;
		}
	}
	fclose(f);
	return any;
}

/* fphint_buddy_free_blocks{node,zone,order} from /proc/buddyinfo. */
static bool fphint_metrics_buddyinfo(FILE *out)
{
	char line[512], zone[32];
	unsigned long long v;
	int node, used, n, order;
	bool any = false;
	FILE *f = fopen("/proc/buddyinfo", "re");

	fphint_metric_head(out, "fphint_buddy_free_blocks", "gauge",
			   "Free blocks per zone and order (/proc/buddyinfo); a block of order "
			   "N is 2^N pages.");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		const char *p;

		if (!fphint_parse_zone_head(line, &node, zone, sizeof(zone), &used))
			continue;
		p = line + used;
		for (order = 0; sscanf(p, "%llu%n", &v, &n) == 1; order++, p += n) {
			fprintf(out, "fphint_buddy_free_blocks{node=\"%d\",zone=\"", node);
			fphint_metric_label_value(out, zone);
			fprintf(out, "\",order=\"%d\"} %llu\n", order, v);
			any = true;
		}
	}
	fclose(f);
	return any;
}

/* ---- pinned maps ------------------------------------------------------- */

/* A counter with one sample per kind (names given) or per order (names NULL). */
static void fphint_metric_counters(FILE *out, const char *name, const char *help,
				   const char *const *names, const __u64 *v, int n)
{
	int i;

	fphint_metric_head(out, name, "counter", help);
	for (i = 0; i < n; i++) {
		if (names)
			fprintf(out, "%s{kind=\"%s\"} %llu\n", name, names[i],
				(unsigned long long)v[i]);
		else
			fprintf(out, "%s{order=\"%d\"} %llu\n", name, i, (unsigned long long)v[i]);
	}
}

static bool fphint_metrics_maps(struct fphint_metrics *m, FILE *out)
{
	const struct fphint_pins *p = m->pins;
	struct fphint_stats s = {};
	struct fphint_meta meta = {};
	uint64_t i, free_bits = 0, lost = 0;
	char err[256];
	bool ok = true;

	if (fphint_meta_read(p, &meta))
		ok = false;
	if (fphint_stats_sum(p, &s))
		ok = false;
	/* Live recursion misses; the meta copy is only as fresh as the last reconcile. */
	if (fphint_lost_events(p->dir, &lost, err, sizeof(err)))
		lost = meta.lost_events;
	for (i = 0; i < p->nr_words; i++)
		free_bits += (uint64_t)__builtin_popcountll(
			__atomic_load_n(&p->words[i].free, __ATOMIC_RELAXED));

	fphint_metric_u64(out, "fphint_map_pages", "gauge",
			  "Page frames the bitmap covers (pfns 0..N-1).", meta.nr_pfns);
	fphint_metric_u64(out, "fphint_map_free_pages", "gauge",
			  "Pages the bitmap marks free (candidates, confirmed before hinting).",
			  free_bits);
	fphint_metric_u64(out, "fphint_map_page_size_bytes", "gauge", "Bytes per page frame.",
			  meta.page_size);
	fphint_metric_u64(out, "fphint_map_delta_snapshots_total", "counter",
			  "Delta snapshots taken by the consumer (meta epoch).", meta.epoch);
	fphint_metric_counters(out, "fphint_events_total",
			       "Allocator events seen by the tracker, by kind.",
			       fphint_event_kind_names, s.events, FPHINT_EV_MAX);
	fphint_metric_counters(out, "fphint_event_pages_total",
			       "Page frames covered by the tracker's events, by kind.",
			       fphint_event_kind_names, s.pages, FPHINT_EV_MAX);
	fphint_metric_counters(out, "fphint_freed_blocks_total",
			       "Blocks freed (kmem:mm_page_free), by order.", NULL,
			       s.freed_by_order, FPHINT_MAX_ORDER + 1);
	fphint_metric_counters(out, "fphint_allocated_blocks_total",
			       "Blocks allocated (kmem:mm_page_alloc), by order.", NULL,
			       s.allocated_by_order, FPHINT_MAX_ORDER + 1);
	fphint_metric_u64(out, "fphint_lost_events_total", "counter",
			  "Events the tracker's programs missed (BPF recursion misses).", lost);
	fphint_metric_u64(out, "fphint_reconcile_runs_total", "counter",
			  "Reconcile passes against /proc/kpageflags.", meta.reconcile_runs);
	fphint_metric_head(out, "fphint_reconcile_corrections_total", "counter",
			   "Bits a reconcile pass corrected: set = free pages the map had as used, "
			   "cleared = used pages the map had as free.");
	fprintf(out, "fphint_reconcile_corrections_total{direction=\"set\"} %llu\n",
		(unsigned long long)meta.reconcile_set);
	fprintf(out, "fphint_reconcile_corrections_total{direction=\"cleared\"} %llu\n",
		(unsigned long long)meta.reconcile_cleared);
	fphint_metric_double(out, "fphint_reconcile_last_timestamp_seconds", "gauge",
			     "When the last reconcile pass ran (Unix time, 0 = never).",
			     fphint_ns_to_s(meta.last_reconcile_at));
	fphint_metric_double(out, "fphint_seeded_timestamp_seconds", "gauge",
			     "When the map was seeded (Unix time).",
			     fphint_ns_to_s(meta.seeded_at));
	return ok;
}

/* ---- module statistics ------------------------------------------------- */

static const double fphint_default_lock_buckets_ns[] = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

static void fphint_module_stats_line(struct fphint_module_stats *ms, const char *line)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
#define K(f) {#f, offsetof(struct fphint_module_stats, f)}
		K(map_attached),
		K(rounds),
		K(rounds_abandoned),
		K(pages_hinted),
		K(ranges_hinted),
		K(candidates),
		K(candidates_rejected),
		K(max_lock_hold_ns),
		K(last_round_ns),
		K(total_round_ns),
		K(inflated_pages),
		K(batches),
		K(slow_device_waits),
		K(last_first_hint_ns),
		K(intx_resyncs),
#undef K
		{"lock_hold_ns_sum", offsetof(struct fphint_module_stats, hold_sum_ns)},
		{"lock_hold_ns_count", offsetof(struct fphint_module_stats, hold_count)},
	};
	char key[64], le[32];
	unsigned long long v;
	size_t i;

	if (sscanf(line, "lock_hold_ns_bucket %31[^: \t] %*[:]%llu", le, &v) == 2 ||
	    sscanf(line, "lock_hold_ns_bucket %31[^: \t] %llu", le, &v) == 2) {
		char *end;
		double b = strtod(le, &end);

		if (*end || ms->nr_buckets >= FPHINT_HIST_MAX)
			return;
		ms->bucket_le_ns[ms->nr_buckets] = b;
		ms->bucket_count[ms->nr_buckets++] = v;
		return;
	}
	if (sscanf(line, "%63[a-z_]: %llu", key, &v) != 2)
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key))
			*(uint64_t *)((char *)ms + keys[i].off) = v;
}

static void fphint_module_stats_read(const char *path, struct fphint_module_stats *ms)
{
	char line[256];
	FILE *f;

	memset(ms, 0, sizeof(*ms));
	f = fopen(path, "re");
	if (!f)
		return;
	ms->present = true;
	while (fgets(line, sizeof(line), f))
		fphint_module_stats_line(ms, line);
	fclose(f);
}

static void fphint_metrics_lock_histogram(FILE *out, const struct fphint_module_stats *ms)
{
	const char *name = "fphint_hint_lock_hold_seconds";
	unsigned i, n = ms->nr_buckets;

	fphint_metric_head(out, name, "histogram",
			   "zone->lock hold time of one hint batch (verify pages until the device "
			   "used the buffers).");
	if (!n) {
		for (i = 0; i < sizeof(fphint_default_lock_buckets_ns) / sizeof(double); i++)
			fprintf(out, "%s_bucket{le=\"%.9g\"} 0\n", name,
				fphint_default_lock_buckets_ns[i] / 1e9);
	}
	for (i = 0; i < n; i++) {
		if (__builtin_isinf(ms->bucket_le_ns[i]))
			continue; /* written below from _count */
		fprintf(out, "%s_bucket{le=\"%.9g\"} %llu\n", name, ms->bucket_le_ns[i] / 1e9,
			(unsigned long long)ms->bucket_count[i]);
	}
	/* +Inf must equal _count, whatever the module wrote last. */
	fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)ms->hold_count);
	fprintf(out, "%s_sum %.9g\n", name, fphint_ns_to_s(ms->hold_sum_ns));
	fprintf(out, "%s_count %llu\n", name, (unsigned long long)ms->hold_count);
}

static void fphint_metrics_module(struct fphint_metrics *m, FILE *out)
{
	struct fphint_module_stats ms;

	fphint_module_stats_read(m->module_stats, &ms);
	fphint_metric_u64(out, "fphint_balloon_module_loaded", "gauge",
			  "1 when the fphint_balloon module is loaded.",
			  access(FPHINT_MODULE_SYSFS, F_OK) == 0 || ms.present);
	fphint_metric_u64(out, "fphint_balloon_map_attached", "gauge",
			  "1 while the module holds the map.", ms.map_attached);
	fphint_metric_u64(out, "fphint_balloon_inflated_pages", "gauge",
			  "Balloon size in 4 KiB pages.", ms.inflated_pages);
	fphint_metric_u64(out, "fphint_hint_rounds_total", "counter",
			  "Free page hint rounds served (one per command id).", ms.rounds);
	fphint_metric_u64(out, "fphint_hint_rounds_abandoned_total", "counter",
			  "Hint rounds cut short by a new id, STOP or DONE.", ms.rounds_abandoned);
	fphint_metric_u64(out, "fphint_hinted_pages_total", "counter",
			  "Pages reported free to the host.", ms.pages_hinted);
	fphint_metric_u64(out, "fphint_hinted_bytes_total", "counter",
			  "Bytes reported free to the host.", ms.pages_hinted * 4096);
	fphint_metric_u64(out, "fphint_hinted_ranges_total", "counter",
			  "Ranges (device buffers) reported free to the host.", ms.ranges_hinted);
	fphint_metric_u64(out, "fphint_hint_candidates_total", "counter",
			  "Map bits the module looked at.", ms.candidates);
	fphint_metric_u64(out, "fphint_hint_candidates_rejected_total", "counter",
			  "Candidates rejected at confirmation (not a free buddy page under "
			  "zone->lock).",
			  ms.candidates_rejected);
	fphint_metric_u64(out, "fphint_hint_batches_total", "counter",
			  "Hint batches (one zone->lock hold each).", ms.batches);
	fphint_metric_u64(out, "fphint_hint_slow_device_waits_total", "counter",
			  "Batches whose buffers the device took over 1 s to use.",
			  ms.slow_device_waits);
	fphint_metric_u64(out, "fphint_balloon_intx_resyncs_total", "counter",
			  "Interrupts the host raised but never delivered (its INTx line out of "
			  "step), found and served by the module.",
			  ms.intx_resyncs);
	fphint_metrics_lock_histogram(out, &ms);
	fphint_metric_double(out, "fphint_hint_lock_hold_max_seconds", "gauge",
			     "Longest zone->lock hold of one batch.",
			     fphint_ns_to_s(ms.max_lock_hold_ns));
	fphint_metric_double(out, "fphint_hint_last_round_duration_seconds", "gauge",
			     "Wall time of the last hint round.", fphint_ns_to_s(ms.last_round_ns));
	fphint_metric_double(out, "fphint_hint_first_latency_seconds", "gauge",
			     "Last migration: from the host's first request to the first hint it "
			     "applied.",
			     fphint_ns_to_s(ms.last_first_hint_ns));
	fphint_metric_double(out, "fphint_hint_round_seconds_total", "counter",
			     "Wall time spent in hint rounds.", fphint_ns_to_s(ms.total_round_ns));
}

/* ---- the whole exposition ---------------------------------------------- */

int fphint_metrics_render(struct fphint_metrics *m, FILE *out)
{
	double last_reconcile, last_error_at;
	char last_error[sizeof(m->last_error)];
	uint64_t errors;
	bool maps_ok, zi_ok, bi_ok;

	pthread_mutex_lock(&m->lock);
	last_reconcile = m->last_reconcile_seconds;
	errors = m->errors;
	last_error_at = m->last_error_at;
	memcpy(last_error, m->last_error, sizeof(last_error));
	pthread_mutex_unlock(&m->lock);

	fphint_metric_head(out, "fphint_agent_info", "gauge", "fphintd version and pin directory.");
	fprintf(out, "fphint_agent_info{version=\"");
	fphint_metric_label_value(out, m->version);
	fprintf(out, "\",pin_dir=\"");
	fphint_metric_label_value(out, m->pins->dir);
	fprintf(out, "\"} 1\n");

	maps_ok = fphint_metrics_maps(m, out);
	zi_ok = fphint_metrics_zoneinfo(out);
	bi_ok = fphint_metrics_buddyinfo(out);
	fphint_metrics_module(m, out);

	fphint_metric_double(out, "fphint_reconcile_last_duration_seconds", "gauge",
			     "Duration of this agent's last reconcile pass.", last_reconcile);
	fphint_metric_u64(out, "fphint_errors_total", "counter",
			  "Errors fphintd logged since it started.", errors);
	fphint_metric_double(out, "fphint_last_error_timestamp_seconds", "gauge",
			     "When fphintd logged its last error (Unix time, 0 = none).",
			     last_error_at);
	fphint_metric_head(out, "fphint_last_error_info", "gauge",
			   "The last error fphintd logged, in the message label (empty = none).");
	fprintf(out, "fphint_last_error_info{message=\"");
	fphint_metric_label_value(out, last_error);
	fprintf(out, "\"} 1\n");
	fphint_metric_head(out, "fphint_metrics_source_up", "gauge",
			   "1 when a source could be read at this scrape.");
	fprintf(out, "fphint_metrics_source_up{source=\"maps\"} %d\n", maps_ok);
	fprintf(out, "fphint_metrics_source_up{source=\"zoneinfo\"} %d\n", zi_ok);
	fprintf(out, "fphint_metrics_source_up{source=\"buddyinfo\"} %d\n", bi_ok);
	return ferror(out) ? -EIO : 0;
}

void fphint_metrics_note_reconcile(struct fphint_metrics *m,
				   const struct fphint_reconcile_result *r)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->last_reconcile_seconds = fphint_ns_to_s(r->elapsed_ns);
	pthread_mutex_unlock(&m->lock);
}

void fphint_metrics_note_error(struct fphint_metrics *m, const char *msg)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->errors++;
	m->last_error_at = fphint_now_s();
	snprintf(m->last_error, sizeof(m->last_error), "%s", msg);
	pthread_mutex_unlock(&m->lock);
}

/* ---- HTTP/1.0 ---------------------------------------------------------- */

static const char fphint_index_html[] =
	"<!DOCTYPE html>\n<html><head><title>fphintd</title></head><body>\n"
	"<h1>fphintd</h1>\n<p>eBPF free page tracker agent.</p>\n"
	"<p><a href=\"/metrics\">/metrics</a> (Prometheus text format)</p>\n"
	"</body></html>\n";

static void fphint_http_send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return; /* timeout or gone: drop the client */
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void fphint_http_reply(int fd, const char *status, const char *type, const char *body,
			      size_t len, bool head_only)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, type, len);

	fphint_http_send_all(fd, hdr, (size_t)n);
	if (!head_only)
		fphint_http_send_all(fd, body, len);
}

static void fphint_http_error(int fd, const char *status)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%s\n", status);

	fphint_http_reply(fd, status, "text/plain; charset=utf-8", body, (size_t)n, false);
}

static int64_t fphint_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read the request head (up to the blank line) within FPHINT_HTTP_READ_MS.
 * Returns its length, 0 if the client sent nothing usable in time,
 * -E2BIG if it is too long, -EINVAL if it holds a NUL byte.
 */
static ssize_t fphint_http_read_head(int fd, char *buf, size_t cap)
{
	int64_t deadline = fphint_mono_ms() + FPHINT_HTTP_READ_MS;
	size_t len = 0;

	while (len < cap - 1) {
		struct pollfd pfd = {fd, POLLIN, 0};
		int64_t left = deadline - fphint_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return 0;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			return 0;
		if (memchr(buf + len, '\0', (size_t)n))
			return -EINVAL; /* not text: no point waiting for the blank line */
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)len;
	}
	return -E2BIG;
}

static void fphint_http_serve(struct fphint_metrics *m, int fd)
{
	char req[FPHINT_HTTP_MAX_REQUEST], method[16], target[256], proto[16];
	struct timeval tv = {FPHINT_HTTP_WRITE_MS / 1000, 0};
	char *body = NULL, *q;
	size_t len = 0;
	bool head;
	ssize_t n;
	FILE *mem;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = fphint_http_read_head(fd, req, sizeof(req));
	if (n == -E2BIG) {
		fphint_http_error(fd, "431 Request Header Fields Too Large");
		return;
	}
	if (n == -EINVAL) {
		fphint_http_error(fd, "400 Bad Request");
		return;
	}
	if (n <= 0)
		return;
	if (sscanf(req, "%15s %255s %15s", method, target, proto) != 3 ||
	    strncmp(proto, "HTTP/1.", 7)) {
		fphint_http_error(fd, "400 Bad Request");
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		fphint_http_error(fd, "405 Method Not Allowed");
		return;
	}
	q = strchr(target, '?');
	if (q)
		*q = '\0';
	if (!strcmp(target, "/")) {
		fphint_http_reply(fd, "200 OK", "text/html; charset=utf-8", fphint_index_html,
				  sizeof(fphint_index_html) - 1, head);
		return;
	}
	if (strcmp(target, "/metrics")) {
		fphint_http_error(fd, "404 Not Found");
		return;
	}
	mem = open_memstream(&body, &len);
	if (!mem) {
		fphint_http_error(fd, "500 Internal Server Error");
		return;
	}
	if (fphint_metrics_render(m, mem)) {
		fclose(mem);
		free(body);
		fphint_http_error(fd, "500 Internal Server Error");
		return;
	}
	fclose(mem);
	fphint_http_reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, len,
			  head);
	free(body);
}

static void *fphint_metrics_thread(void *arg)
{
	struct fphint_metrics *m = arg;

	while (!atomic_load(&m->stop)) {
		struct pollfd pfd = {m->listen_fd, POLLIN, 0};
		int fd;

		if (poll(&pfd, 1, FPHINT_HTTP_POLL_MS) <= 0)
			continue;
		fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		fphint_http_serve(m, fd);
		/* Half-close, so the client sees the whole reply before the reset. */
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

/*
 * Numeric addresses only (and "localhost"): fphintd is static and runs in
 * initramfs guests without NSS, where name lookups cannot work.
 */
static int fphint_metrics_listen(const struct fphint_hostport *hp, char *err, size_t errlen)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(hp->port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(hp->port)};
	const char *host = strcmp(hp->host, "localhost") ? hp->host : "127.0.0.1";
	struct sockaddr *sa;
	socklen_t salen;
	int fd, e, one = 1;

	if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
		sa = (struct sockaddr *)&a4;
		salen = sizeof(a4);
	} else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&a6;
		salen = sizeof(a6);
	} else {
		snprintf(err, errlen, "--metrics %s: not a numeric IPv4/IPv6 address or localhost",
			 hp->host);
		return -EINVAL;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "--metrics: socket: %s", strerror(e));
		return -e;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, salen) || listen(fd, 16)) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "--metrics %s:%u: cannot listen: %s", hp->host, hp->port,
			 strerror(e));
		return -e;
	}
	return fd;
}

int fphint_metrics_check_listen(const char *listen, char *err, size_t errlen)
{
	struct fphint_hostport hp;
	struct in6_addr a;
	int ret = fphint_parse_hostport(listen, &hp, err, errlen);

	if (ret)
		return ret;
	if (strcmp(hp.host, "localhost") && inet_pton(AF_INET, hp.host, &a) != 1 &&
	    inet_pton(AF_INET6, hp.host, &a) != 1) {
		snprintf(err, errlen, "'%s': not a numeric IPv4/IPv6 address or localhost",
			 hp.host);
		return -EINVAL;
	}
	return 0;
}

int fphint_metrics_open(struct fphint_metrics **out, const struct fphint_metrics_config *cfg,
			char *err, size_t errlen)
{
	struct fphint_hostport hp;
	struct fphint_metrics *m;
	int ret;

	*out = NULL;
	ret = fphint_parse_hostport(cfg->listen, &hp, err, errlen);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "metrics: out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->module_stats, sizeof(m->module_stats), "%s",
		 cfg->module_stats ? cfg->module_stats : FPHINT_MODULE_STATS_PATH);
	snprintf(m->version, sizeof(m->version), "%s", cfg->version ? cfg->version : "");
	m->listen_fd = fphint_metrics_listen(&hp, err, errlen);
	if (m->listen_fd < 0) {
		ret = m->listen_fd;
		m->listen_fd = -1;
		fphint_metrics_stop(m);
		return ret;
	}
	*out = m;
	return 0;
}

int fphint_metrics_run(struct fphint_metrics *m, const struct fphint_pins *pins, char *err,
		       size_t errlen)
{
	int ret;

	m->pins = pins;
	ret = pthread_create(&m->thread, NULL, fphint_metrics_thread, m);
	if (ret) {
		snprintf(err, errlen, "metrics: thread: %s", strerror(ret));
		return -ret;
	}
	m->thread_started = true;
	return 0;
}

void fphint_metrics_stop(struct fphint_metrics *m)
{
	if (!m)
		return;
	atomic_store(&m->stop, true);
	if (m->thread_started)
		pthread_join(m->thread, NULL);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
