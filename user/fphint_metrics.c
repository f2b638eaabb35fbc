// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_metrics.c - Prometheus metrics of fphintd over a minimal
 * HTTP/1.0 server (see fphint_metrics.h for what is exposed and why the
 * server has its own thread).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "fphint_config.h"
#include "fphint_expo.h"
#include "fphint_metrics.h"
#include "fphint_webconfig.h"

/*
 * Request limits.  Connections: all, and from one address (a scraper
 * plus a few curls; a client that opens more is refused at accept).
 * A connection idle this long is closed.  Request head and body must fit
 * in the per-connection memory (a larger head gets 431, see MHD).
 */
#define FPHINT_HTTP_MAX_CONNECTIONS 64
#define FPHINT_HTTP_MAX_PER_IP	    16
#define FPHINT_HTTP_TIMEOUT_S	    10
#define FPHINT_HTTP_MEMORY	    (16 * 1024)
/* Scrapes answered at once; more wait in the poll set, idle ones cost nothing. */
#define FPHINT_HTTP_THREADS 4

/* MHD's messages (bad TLS key, ...) go to err while starting, to stderr after. */
struct fphint_http_log {
	char *err;
	size_t errlen;
};

struct fphint_metrics {
	int listen_fd;
	struct MHD_Daemon *daemon;
	struct fphint_http_log log;
	struct fphint_web_config web;
	_Atomic(const struct fphint_pins *) pins; /* NULL until fphint_metrics_run() */
	atomic_bool module_warned;
	char version[64];

	/* Posted by the agent's thread. */
	pthread_mutex_t lock;
	double last_reconcile_seconds;
	uint64_t errors;
	double last_error_at;
	char last_error[256];
};

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
	const struct fphint_pins *p = atomic_load(&m->pins);
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

/* Through /dev/fphint (not debugfs: often unmounted or locked down). */
static void fphint_metrics_module(struct fphint_metrics *m, FILE *out)
{
	struct fphint_ctl_stats s;
	char why[256];
	int ret = fphint_module_stats_read(NULL, &s, why, sizeof(why));
	bool loaded = ret != -ENOENT || access(FPHINT_MODULE_SYSFS, F_OK) == 0;

	/* Once: a mismatch lasts until one side is replaced. */
	if (ret && ret != -ENOENT && !atomic_exchange(&m->module_warned, true))
		fprintf(stderr, "fphintd: metrics: %s\n", why);
	fphint_metric_u64(out, "fphint_balloon_module_loaded", "gauge",
			  "1 when the fphint_balloon module is loaded.", loaded);
	fphint_expo_module(out, ret ? NULL : &s);
	fphint_metric_u64(out, "fphint_balloon_stats_up", "gauge",
			  "1 when the module's statistics could be read (loaded but 0: see the "
			  "agent's log, e.g. a module from another build).",
			  ret == 0);
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
	fphint_metric_label_value(out, atomic_load(&m->pins)->dir);
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

/* ---- HTTP (libmicrohttpd) ---------------------------------------------- */

static const char fphint_index_html[] =
	"<!DOCTYPE html>\n<html><head><title>fphintd</title></head><body>\n"
	"<h1>fphintd</h1>\n<p>eBPF free page tracker agent.</p>\n"
	"<p><a href=\"/metrics\">/metrics</a> (Prometheus text format)</p>\n"
	"</body></html>\n";

static enum MHD_Result fphint_http_text(struct MHD_Connection *c, unsigned status, const char *type,
					const char *body, size_t len,
					enum MHD_ResponseMemoryMode mode, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result fphint_http_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return fphint_http_text(c, status, "text/plain; charset=utf-8", msg, strlen(msg),
				MHD_RESPMEM_PERSISTENT, status == 405 ? "GET, HEAD" : NULL);
}

static enum MHD_Result fphint_http_unauthorized(struct MHD_Connection *c)
{
	static const char msg[] = "401 Unauthorized\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	ret = MHD_queue_basic_auth_fail_response(c, "fphintd", r);
	MHD_destroy_response(r);
	return ret;
}

static bool fphint_http_authorized(struct fphint_metrics *m, struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	bool ok;

	if (!m->web.nr_users)
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = fphint_web_config_auth(&m->web, user, pass);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

/*
 * One call per request once its head is in (MHD calls again for a body:
 * GET and HEAD carry none, anything else is answered at once).
 */
static enum MHD_Result fphint_http_request(void *cls, struct MHD_Connection *c, const char *url,
					   const char *method, const char *version,
					   const char *upload, size_t *upload_size, void **state)
{
	struct fphint_metrics *m = cls;
	char *body = NULL;
	size_t len = 0;
	FILE *mem;

	(void)version;
	(void)upload;
	if (*upload_size)
		return fphint_http_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "413 Payload Too Large\n");
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return fphint_http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					 "405 Method Not Allowed\n");
	if (!fphint_http_authorized(m, c))
		return fphint_http_unauthorized(c);
	if (!strcmp(url, "/"))
		return fphint_http_text(c, MHD_HTTP_OK, "text/html; charset=utf-8",
					fphint_index_html, sizeof(fphint_index_html) - 1,
					MHD_RESPMEM_PERSISTENT, NULL);
	if (strcmp(url, "/metrics"))
		return fphint_http_error(c, MHD_HTTP_NOT_FOUND, "404 Not Found\n");
	if (!atomic_load(&m->pins))
		return fphint_http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					 "503 Service Unavailable: starting\n");
	mem = open_memstream(&body, &len);
	if (!mem)
		return fphint_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 "500 Internal Server Error\n");
	if (fphint_metrics_render(m, mem)) {
		fclose(mem);
		free(body);
		return fphint_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 "500 Internal Server Error\n");
	}
	fclose(mem);
	return fphint_http_text(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body,
				len, MHD_RESPMEM_MUST_FREE, NULL);
}

static void fphint_http_logger(void *cls, const char *fmt, va_list ap)
{
	struct fphint_http_log *log = cls;
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (!log->err)
		fprintf(stderr, "fphintd: metrics: %s\n", msg);
	else if (!log->err[0])
		snprintf(log->err, log->errlen, "metrics: %s", msg);
	else /* one line: the first message says most, the others follow it */
		snprintf(log->err + strlen(log->err), log->errlen - strlen(log->err), "; %s", msg);
}

/*
 * Numeric addresses only (and "localhost"): fphintd runs in initramfs
 * guests without NSS, where name lookups cannot work.
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
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "--metrics: socket: %s", strerror(e));
		return -e;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, salen) || listen(fd, 64)) {
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
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct fphint_hostport hp;
	sigset_t all, old;
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
	m->listen_fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->version, sizeof(m->version), "%s", cfg->version ? cfg->version : "");
	if (cfg->web_config) {
		/* Whatever is wrong with it (even a missing file) is a bad value. */
		ret = fphint_web_config_load(cfg->web_config, &m->web, err, errlen);
		if (ret) {
			ret = -EINVAL;
			goto fail;
		}
	}
	m->listen_fd = fphint_metrics_listen(&hp, err, errlen);
	if (m->listen_fd < 0) {
		ret = m->listen_fd;
		m->listen_fd = -1;
		goto fail;
	}
	if (m->web.cert_pem)
		flags |= MHD_USE_TLS;
	err[0] = '\0';
	m->log = (struct fphint_http_log){err, errlen};
	/*
	 * The server's threads inherit this mask: with every signal blocked
	 * there, the agent's SIGUSR1/SIGTERM reach its sigtimedwait loop
	 * instead of killing the process from a server thread.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* The TLS options are only passed with TLS: MHD refuses them otherwise. */
	m->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, fphint_http_request, m, MHD_OPTION_EXTERNAL_LOGGER,
		fphint_http_logger, &m->log, MHD_OPTION_LISTEN_SOCKET, m->listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)FPHINT_HTTP_THREADS,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)FPHINT_HTTP_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)FPHINT_HTTP_MAX_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)FPHINT_HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)FPHINT_HTTP_MEMORY,
		m->web.cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, m->web.cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, m->web.key_pem, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	m->log.err = NULL;
	if (!m->daemon) {
		if (!err[0])
			snprintf(err, errlen, "metrics: the HTTP server did not start");
		ret = -EINVAL;
		goto fail;
	}
	*out = m;
	return 0;
fail:
	fphint_metrics_stop(m);
	return ret;
}

bool fphint_metrics_tls(const struct fphint_metrics *m)
{
	return m->web.cert_pem != NULL;
}

int fphint_metrics_run(struct fphint_metrics *m, const struct fphint_pins *pins, char *err,
		       size_t errlen)
{
	(void)err;
	(void)errlen;
	atomic_store(&m->pins, pins);
	return 0;
}

void fphint_metrics_stop(struct fphint_metrics *m)
{
	if (!m)
		return;
	/* Joins the server's threads: no request is running after this. */
	if (m->daemon)
		MHD_stop_daemon(m->daemon);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	fphint_web_config_free(&m->web);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
