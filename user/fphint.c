// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint - look at, check and poke the pinned free page tracker.
 *
 *   fphint status | dump | verify | reconcile | snapshot [OPTIONS]
 *
 * Every command opens the pins through fphint_pins_open() (which refuses
 * foreign or stale pins) and reads the mmapped bitmap in place.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fphint_config.h"
#include "fphint_json.h"
#include "fphint_layout.h"
#include "fphint_pins.h"
#include "fphint_ranges.h"
#include "fphint_time.h"
#include "fphint_tracker.h"
#include "fphint_truth.h"

enum fphint_exit {
	FPHINT_EXIT_OK = 0,
	FPHINT_EXIT_RUNTIME = 1,
	FPHINT_EXIT_USAGE = 2,
	FPHINT_EXIT_NO_TRACKER = 3,
	FPHINT_EXIT_VERIFY = 4,
};

#define FPHINT_EXIT_CODES                                                                          \
	"Exit codes: 0 ok, 1 runtime error (including not root), 2 usage error, "                  \
	"3 no tracker pinned, 4 verify exceeded --max-error-ppm."

const char *argp_program_version = "fphint 0.1";

/* Options shared by the commands; each command uses a subset. */
enum opt_key {
	OPT_PIN_DIR = 'p',
	OPT_JSON = 'j',
	OPT_DELTA = 'd',
	OPT_LIMIT = 'n',
	OPT_MAX_PAGES = 0x100,
	OPT_MAX_ERROR_PPM,
	OPT_CONSUME,
};

struct cli {
	const char *pin_dir;
	bool json;
	bool delta;
	bool consume;
	uint64_t limit;	    /* ranges, 0 = all */
	uint64_t max_pages; /* 0 = all */
	uint64_t max_error_ppm;
};

__attribute__((format(printf, 2, 3), noreturn)) static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("fphint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* A bad command line before a command is known (argp reports the rest). */
__attribute__((format(printf, 1, 2), noreturn)) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("fphint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry `fphint --help' for more information.\n", stderr);
	exit(FPHINT_EXIT_USAGE);
}

#define OPTION_PIN_DIR                                                                             \
	{                                                                                          \
		"pin-dir", OPT_PIN_DIR, "DIR", 0,                                                  \
			"Where the tracker is pinned (default " FPHINT_PIN_DIR ")", 0              \
	}
#define OPTION_JSON                                                                                \
	{                                                                                          \
		"json", OPT_JSON, NULL, 0, "Print one JSON object instead of text", 0              \
	}

static const struct argp_option status_options[] = {OPTION_PIN_DIR, OPTION_JSON, {0}};
static const struct argp_option dump_options[] = {
	OPTION_PIN_DIR,
	OPTION_JSON,
	{"delta", OPT_DELTA, NULL, 0, "Only the delta set: free and freed since the last snapshot",
	 0},
	{"limit", OPT_LIMIT, "N", 0, "Print at most N ranges", 0},
	{"max-pages", OPT_MAX_PAGES, "N", 0, "Stop after N pages (the last range is cut)", 0},
	{0}};
static const struct argp_option verify_options[] = {
	OPTION_PIN_DIR,
	OPTION_JSON,
	{"max-error-ppm", OPT_MAX_ERROR_PPM, "N", 0,
	 "Exit 4 if false_free or missed exceed N parts per million of free_truth (default 1000 "
	 "= 0.1%)",
	 0},
	{0}};
static const struct argp_option reconcile_options[] = {OPTION_PIN_DIR, OPTION_JSON, {0}};
static const struct argp_option snapshot_options[] = {
	OPTION_PIN_DIR,
	OPTION_JSON,
	{"consume", OPT_CONSUME, NULL, 0,
	 "Take the delta set: clear every freed_since_epoch bit and bump the epoch, as the kernel "
	 "helper does at each hint round (it then offers only pages freed after this)",
	 0},
	{0}};

static uint64_t parse_count(struct argp_state *state, const char *opt, const char *arg)
{
	char err[200];
	uint64_t v;

	if (fphint_parse_u64(arg, &v, err, sizeof(err)))
		argp_error(state, "--%s: %s", opt, err);
	return v;
}

/* argp reports bad options and values itself, then exits 2 (argp_err_exit_status). */
static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct cli *c = state->input;

	switch (key) {
	case OPT_PIN_DIR:
		if (!*arg)
			argp_error(state, "--pin-dir: empty directory name");
		c->pin_dir = arg;
		break;
	case OPT_JSON:
		c->json = true;
		break;
	case OPT_DELTA:
		c->delta = true;
		break;
	case OPT_CONSUME:
		c->consume = true;
		break;
	case OPT_LIMIT:
		c->limit = parse_count(state, "limit", arg);
		break;
	case OPT_MAX_PAGES:
		c->max_pages = parse_count(state, "max-pages", arg);
		break;
	case OPT_MAX_ERROR_PPM:
		c->max_error_ppm = parse_count(state, "max-error-ppm", arg);
		if (c->max_error_ppm > 1000000)
			argp_error(state, "--max-error-ppm: %s is more than 1000000 (100%%)", arg);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- helpers shared by the commands ---- */

static void need_root(void)
{
	if (geteuid() != 0)
		die(FPHINT_EXIT_RUNTIME,
		    "must run as root (reads pinned BPF maps and /proc/kpageflags)");
}

static void open_pins(struct fphint_pins *p, const struct cli *c)
{
	char err[512];
	int rc;

	need_root();
	rc = fphint_pins_open(p, c->pin_dir, err, sizeof(err));
	if (rc == -ENOENT)
		die(FPHINT_EXIT_NO_TRACKER, "no tracker pinned at %s (is fphintd running?)",
		    c->pin_dir);
	if (rc)
		die(FPHINT_EXIT_RUNTIME, "%s", err);
}

/* Pages whose bit is set in free (and, with delta, in freed_since_epoch). */
static uint64_t count_map(const struct fphint_pins *p, bool delta)
{
	uint64_t n = 0;
	struct fphint_run_iter it;
	struct fphint_run r;

	fphint_run_iter_init_words(&it, p->words, p->meta.nr_pfns, delta);
	while (fphint_run_next(&it, &r))
		n += r.end - r.start;
	return n;
}

/* Every JSON document is one object that starts with the pin dir. */
static void json_begin(struct fphint_json *j, const struct cli *c, bool pretty)
{
	fphint_json_init(j, stdout, pretty);
	fphint_json_object_begin(j);
	fphint_json_kv_string(j, "pin_dir", c->pin_dir);
}

static void json_finish(struct fphint_json *j)
{
	if (fphint_json_finish(j))
		die(FPHINT_EXIT_RUNTIME, "writing JSON output failed");
}

/* ---- status ---- */

struct link_census {
	unsigned pinned, attached; /* link_* pins; those whose link is live */
};

static int census_link(const char *name, const char *path, bool link, void *ctx)
{
	struct link_census *lc = ctx;
	struct bpf_link_info info;
	uint32_t len = sizeof(info);
	int fd;

	(void)name;
	if (!link)
		return 0;
	lc->pinned++;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.prog_id)
		lc->attached++;
	close(fd);
	return 0;
}

/* Counts link_* pins in dir and how many of them are live, attached links. */
static struct link_census census_links(const char *dir)
{
	struct link_census lc = {0};

	fphint_pins_walk(dir, census_link, &lc);
	return lc;
}

/* The agent is alive if its pid exists and is still an fphintd. */
static bool agent_alive(uint64_t pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	if (pid == 0 || pid > INT32_MAX)
		return false;
	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "fphintd", 7);
}

static int cmd_status(struct cli *c)
{
	struct fphint_pins p;
	struct fphint_stats st;
	struct fphint_meta m;
	struct link_census lc;
	uint64_t free_pages, delta_pages, now = fphint_now_ns(CLOCK_REALTIME), lost_live = 0;
	bool alive, have_lost;
	char err[256];

	open_pins(&p, c);
	if (fphint_meta_read(&p, &m) || fphint_stats_sum(&p, &st))
		die(FPHINT_EXIT_RUNTIME, "%s: cannot read the meta or stats map", c->pin_dir);
	p.meta = m;
	lc = census_links(c->pin_dir);
	free_pages = count_map(&p, false);
	delta_pages = count_map(&p, true);
	alive = agent_alive(m.agent_pid);
	have_lost = fphint_lost_events(c->pin_dir, &lost_live, err, sizeof(err)) == 0;

	if (c->json) {
		struct fphint_json j;

		json_begin(&j, c, true);
		fphint_json_kv_bool(&j, "attached", lc.attached > 0 && lc.attached == lc.pinned);
		fphint_json_kv_u64(&j, "links_pinned", lc.pinned);
		fphint_json_kv_u64(&j, "links_attached", lc.attached);
		fphint_json_kv_u64(&j, "nr_pfns", m.nr_pfns);
		fphint_json_kv_u64(&j, "page_size", m.page_size);
		fphint_json_kv_u64(&j, "free_pages", free_pages);
		fphint_json_kv_u64(&j, "delta_pages", delta_pages);
		fphint_json_kv_u64(&j, "epoch", m.epoch);
		fphint_json_key(&j, "events");
		fphint_json_object_begin(&j);
		for (int k = 0; k < FPHINT_EV_MAX; k++) {
			fphint_json_key(&j, fphint_event_kind_names[k]);
			fphint_json_object_begin(&j);
			fphint_json_kv_u64(&j, "events", st.events[k]);
			fphint_json_kv_u64(&j, "pages", st.pages[k]);
			fphint_json_object_end(&j);
		}
		fphint_json_object_end(&j);
		fphint_json_kv_u64(&j, "lost_events", have_lost ? lost_live : m.lost_events);
		fphint_json_key(&j, "last_reconcile");
		fphint_json_object_begin(&j);
		fphint_json_kv_u64(&j, "at_ns", m.last_reconcile_at);
		if (m.last_reconcile_at && now >= m.last_reconcile_at)
			fphint_json_kv_double(&j, "age_s",
					      (double)(now - m.last_reconcile_at) / 1e9, 3);
		else
			fphint_json_kv_double(&j, "age_s", 0.0 / 0.0, 0); /* null: never */
		fphint_json_kv_u64(&j, "runs", m.reconcile_runs);
		fphint_json_kv_u64(&j, "bits_set", m.reconcile_set);
		fphint_json_kv_u64(&j, "bits_cleared", m.reconcile_cleared);
		fphint_json_object_end(&j);
		fphint_json_kv_u64(&j, "agent_pid", m.agent_pid);
		fphint_json_kv_bool(&j, "agent_alive", alive);
		fphint_json_kv_u64(&j, "seeded_at_ns", m.seeded_at);
		fphint_json_object_end(&j);
		json_finish(&j);
	} else {
		printf("tracker:          %s\n", c->pin_dir);
		printf("attached:         %s (%u of %u pinned links live)\n",
		       lc.attached > 0 && lc.attached == lc.pinned ? "yes" : "NO", lc.attached,
		       lc.pinned);
		printf("pages tracked:    %" PRIu64 " (%.1f GiB)\n", (uint64_t)m.nr_pfns,
		       (double)m.nr_pfns * m.page_size / (1 << 30));
		printf("free (map):       %" PRIu64 " pages\n", free_pages);
		printf("delta candidates: %" PRIu64 " pages (epoch %" PRIu64 ")\n", delta_pages,
		       (uint64_t)m.epoch);
		printf("events:           %-16s %14s %14s\n", "kind", "events", "pages");
		for (int k = 0; k < FPHINT_EV_MAX; k++)
			printf("                  %-16s %14" PRIu64 " %14" PRIu64 "\n",
			       fphint_event_kind_names[k], (uint64_t)st.events[k],
			       (uint64_t)st.pages[k]);
		printf("lost events:      %" PRIu64 "\n",
		       have_lost ? lost_live : (uint64_t)m.lost_events);
		if (m.last_reconcile_at && now >= m.last_reconcile_at)
			printf("last reconcile:   %.1f s ago (runs %" PRIu64 ", set %" PRIu64
			       ", cleared %" PRIu64 ")\n",
			       (double)(now - m.last_reconcile_at) / 1e9,
			       (uint64_t)m.reconcile_runs, (uint64_t)m.reconcile_set,
			       (uint64_t)m.reconcile_cleared);
		else
			printf("last reconcile:   never\n");
		printf("agent:            pid %" PRIu64 " (%s)\n", (uint64_t)m.agent_pid,
		       alive ? "alive" : "not running");
	}
	fphint_pins_close(&p);
	return FPHINT_EXIT_OK;
}

/* ---- dump ---- */

static int cmd_dump(struct cli *c)
{
	struct fphint_pins p;
	struct fphint_run_iter it;
	struct fphint_run r;
	struct fphint_json j;
	uint64_t nr = 0, pages = 0;
	bool truncated = false;

	open_pins(&p, c);
	fphint_run_iter_init_words(&it, p.words, p.meta.nr_pfns, c->delta);
	fphint_run_iter_set_limit(&it, c->max_pages);
	if (c->json) {
		json_begin(&j, c, false);
		fphint_json_kv_bool(&j, "delta", c->delta);
		fphint_json_key(&j, "ranges");
		fphint_json_array_begin(&j);
	} else {
		printf("# %s ranges of %s: start_pfn end_pfn pages ([start, end))\n",
		       c->delta ? "delta" : "free", c->pin_dir);
	}
	while (fphint_run_next(&it, &r)) {
		if (c->limit && nr == c->limit) {
			truncated = true;
			break;
		}
		nr++;
		pages += r.end - r.start;
		if (c->json) {
			fphint_json_array_begin(&j);
			fphint_json_u64(&j, r.start);
			fphint_json_u64(&j, r.end);
			fphint_json_u64(&j, r.end - r.start);
			fphint_json_array_end(&j);
		} else {
			printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", r.start, r.end,
			       r.end - r.start);
		}
	}
	if (it.limited)
		truncated = true;
	if (c->json) {
		fphint_json_array_end(&j);
		fphint_json_kv_u64(&j, "nr_ranges", nr);
		fphint_json_kv_u64(&j, "pages", pages);
		fphint_json_kv_bool(&j, "truncated", truncated);
		fphint_json_object_end(&j);
		json_finish(&j);
	} else {
		printf("# %" PRIu64 " ranges, %" PRIu64 " pages%s\n", nr, pages,
		       truncated ? " (truncated)" : "");
	}
	fphint_pins_close(&p);
	return FPHINT_EXIT_OK;
}

/* ---- verify ---- */

static double ppm(uint64_t part, uint64_t whole)
{
	return whole ? (double)part * 1e6 / (double)whole : 0.0;
}

static void json_samples(struct fphint_json *j, const char *key, const uint64_t *s, uint64_t n)
{
	fphint_json_key(j, key);
	fphint_json_array_begin(j);
	for (uint64_t i = 0; i < n && i < FPHINT_TRUTH_SAMPLES; i++)
		fphint_json_u64(j, s[i]);
	fphint_json_array_end(j);
}

static int cmd_verify(struct cli *c)
{
	struct fphint_pins p;
	struct fphint_truth_result r;
	char err[512];
	bool bad;

	open_pins(&p, c);
	if (fphint_truth_verify(&p, &r, err, sizeof(err)))
		die(FPHINT_EXIT_RUNTIME, "verify: %s", err);
	bad = fphint_truth_exceeds(r.false_free, r.free_truth, c->max_error_ppm) ||
	      fphint_truth_exceeds(r.missed, r.free_truth, c->max_error_ppm);
	if (c->json) {
		struct fphint_json j;

		json_begin(&j, c, true);
		fphint_json_kv_u64(&j, "pfns_checked", r.pfns_checked);
		fphint_json_kv_u64(&j, "map_free", r.map_free);
		fphint_json_kv_u64(&j, "free_truth", r.free_truth);
		fphint_json_kv_u64(&j, "pcp_free", r.pcp_free);
		fphint_json_kv_u64(&j, "pcp_free_zoneinfo", r.pcp_free_zoneinfo);
		fphint_json_kv_string(&j, "pcp_method", r.pcp_walked ? "walk" : "none");
		if (!r.pcp_walked)
			fphint_json_kv_string(&j, "pcp_walk_error", r.pcp_walk_error);
		fphint_json_kv_u64(&j, "pcp_structs", r.pcp_structs);
		fphint_json_kv_u64(&j, "pcp_walk_aborts", r.walk_aborts);
		fphint_json_kv_u64(&j, "map_buddy", r.map_buddy);
		fphint_json_kv_u64(&j, "map_pcp", r.map_pcp);
		fphint_json_kv_u64(&j, "false_free", r.false_free);
		fphint_json_kv_u64(&j, "missed", r.missed);
		fphint_json_key(&j, "false_free_kind");
		fphint_json_object_begin(&j);
		fphint_json_kv_u64(&j, "refcounted", r.ff_refcounted);
		fphint_json_kv_u64(&j, "unlinked", r.ff_unlinked);
		fphint_json_kv_u64(&j, "other_list", r.ff_other_list);
		fphint_json_object_end(&j);
		fphint_json_kv_double(&j, "false_free_ppm", ppm(r.false_free, r.free_truth), 1);
		fphint_json_kv_double(&j, "missed_ppm", ppm(r.missed, r.free_truth), 1);
		fphint_json_kv_u64(&j, "max_error_ppm", c->max_error_ppm);
		fphint_json_kv_bool(&j, "pass", !bad);
		fphint_json_kv_double(&j, "elapsed_ms", (double)r.elapsed_ns / 1e6, 1);
		json_samples(&j, "false_free_sample", r.false_free_sample, r.false_free);
		json_samples(&j, "missed_sample", r.missed_sample, r.missed);
		fphint_json_object_end(&j);
		json_finish(&j);
	} else {
		printf("pfns_checked:      %" PRIu64 "\n", r.pfns_checked);
		printf("map_free:          %" PRIu64 "\n", r.map_free);
		printf("free_truth:        %" PRIu64 " (buddy pages per /proc/kpageflags)\n",
		       r.free_truth);
		if (r.pcp_walked)
			printf("pcp_free:          %" PRIu64 " (on %" PRIu64
			       " per-cpu page sets; zoneinfo says %" PRIu64 ")\n",
			       r.pcp_free, r.pcp_structs, r.pcp_free_zoneinfo);
		else
			printf("pcp_free:          unknown (%s; zoneinfo says %" PRIu64
			       "; pcp pages count as false_free)\n",
			       r.pcp_walk_error, r.pcp_free_zoneinfo);
		printf("map agrees:        %" PRIu64 " buddy + %" PRIu64 " pcp\n", r.map_buddy,
		       r.map_pcp);
		printf("false_free:        %" PRIu64 " (%.1f ppm of free_truth)\n", r.false_free,
		       ppm(r.false_free, r.free_truth));
		if (r.pcp_walked)
			printf("  of which:        %" PRIu64
			       " in use (refcount > 0 or compound tail), %" PRIu64
			       " on no list, %" PRIu64 " on a non-pcp list\n",
			       r.ff_refcounted, r.ff_unlinked, r.ff_other_list);
		printf("missed:            %" PRIu64 " (%.1f ppm of free_truth)\n", r.missed,
		       ppm(r.missed, r.free_truth));
		printf("elapsed_ms:        %.1f\n", (double)r.elapsed_ns / 1e6);
		printf("result:            %s (limit %" PRIu64 " ppm)\n", bad ? "FAIL" : "ok",
		       c->max_error_ppm);
	}
	fphint_pins_close(&p);
	return bad ? FPHINT_EXIT_VERIFY : FPHINT_EXIT_OK;
}

/* ---- reconcile ---- */

static int cmd_reconcile(struct cli *c)
{
	struct fphint_pins p;
	struct fphint_reconcile_result r;
	char err[512];

	open_pins(&p, c);
	if (fphint_reconcile(&p, &r, err, sizeof(err)))
		die(FPHINT_EXIT_RUNTIME, "reconcile: %s", err);
	if (c->json) {
		struct fphint_json j;

		json_begin(&j, c, true);
		fphint_json_kv_u64(&j, "words_checked", r.words_checked);
		fphint_json_kv_u64(&j, "bits_set", r.bits_set);
		fphint_json_kv_u64(&j, "bits_cleared", r.bits_cleared);
		fphint_json_kv_u64(&j, "cas_retries", r.cas_retries);
		fphint_json_kv_double(&j, "elapsed_ms", (double)r.elapsed_ns / 1e6, 1);
		fphint_json_object_end(&j);
		json_finish(&j);
	} else {
		printf("reconciled %s: %" PRIu64 " words, %" PRIu64 " bits set, %" PRIu64
		       " cleared, %" PRIu64 " retries, %.1f ms\n",
		       c->pin_dir, r.words_checked, r.bits_set, r.bits_cleared, r.cas_retries,
		       (double)r.elapsed_ns / 1e6);
	}
	fphint_pins_close(&p);
	return FPHINT_EXIT_OK;
}

/* ---- snapshot ---- */

/*
 * The delta set: pages free and freed since the epoch began.  Read-only
 * unless --consume: the kernel helper owns the delta set, and taking it
 * here makes its next round skip every page freed before now.  Consuming
 * is what the helper does each round: take the bits word by word (atomic
 * exchange, so a free event between the read and the clear is never
 * lost), then bump meta.epoch atomically in place.
 */
static int cmd_snapshot(struct cli *c)
{
	struct fphint_pins p;
	uint64_t freed = 0, delta = 0, epoch;

	open_pins(&p, c);
	for (uint64_t i = 0; i < p.nr_words; i++) {
		struct fphint_word *w = &p.words[i];
		uint64_t bits = __atomic_load_n(&w->freed_since_epoch, __ATOMIC_RELAXED);

		if (!bits)
			continue; /* skip the write: most words are clean */
		if (c->consume)
			bits = __atomic_exchange_n(&w->freed_since_epoch, 0, __ATOMIC_ACQ_REL);
		freed += (uint64_t)__builtin_popcountll(bits);
		delta += (uint64_t)__builtin_popcountll(
			bits & __atomic_load_n(&w->free, __ATOMIC_RELAXED));
	}
	if (c->consume)
		epoch = __atomic_add_fetch(&p.live->epoch, 1, __ATOMIC_ACQ_REL);
	else
		epoch = __atomic_load_n(&p.live->epoch, __ATOMIC_ACQUIRE);
	if (c->json) {
		struct fphint_json j;

		json_begin(&j, c, true);
		fphint_json_kv_bool(&j, "consumed", c->consume);
		fphint_json_kv_u64(&j, "epoch", epoch);
		fphint_json_kv_u64(&j, "freed_bits", freed);
		fphint_json_kv_u64(&j, "delta_pages", delta);
		fphint_json_object_end(&j);
		json_finish(&j);
	} else {
		printf("snapshot of %s: %" PRIu64 " delta pages (free and freed since the epoch"
		       " began), %" PRIu64 " freed bits; %s epoch %" PRIu64 "\n",
		       c->pin_dir, delta, freed, c->consume ? "consumed, now" : "not consumed,",
		       epoch);
	}
	fphint_pins_close(&p);
	return FPHINT_EXIT_OK;
}

/* ---- dispatch ---- */

struct command {
	const char *name;
	const struct argp_option *options;
	int (*run)(struct cli *c);
	const char *doc;
};

static const struct command commands[] = {
	{"status", status_options, cmd_status,
	 "Show whether the tracker is attached, what the map holds, event counts, the last "
	 "reconcile and the agent."},
	{"dump", dump_options, cmd_dump,
	 "Print the free page ranges of the map, coalesced: start_pfn end_pfn pages."},
	{"verify", verify_options, cmd_verify,
	 "Compare the map with the kernel: buddy pages (/proc/kpageflags) and pages on per-cpu "
	 "lists (walked by a BPF program). false_free = map says free, page neither buddy nor "
	 "on a pcp list; missed = buddy page the map has as used."},
	{"reconcile", reconcile_options, cmd_reconcile,
	 "Correct the map against /proc/kpageflags now (safe while fphintd runs)."},
	{"snapshot", snapshot_options, cmd_snapshot,
	 "Print the delta set (pages freed since the epoch began and still free). With --consume, "
	 "take it: clear the freed bits and bump the epoch, which the kernel helper otherwise "
	 "does at each hint round."},
};

static void top_help(FILE *out)
{
	fprintf(out, "Usage: fphint COMMAND [OPTION...]\n"
		     "Inspect and check the pinned fphint free page tracker.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].doc);
	fprintf(out, "\n'fphint COMMAND --help' lists the options of a command.\n%s\n",
		FPHINT_EXIT_CODES);
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	char doc[1024], name[64];
	struct cli c = {
		.pin_dir = FPHINT_PIN_DIR,
		.max_error_ppm = 1000,
	};

	if (argc < 2)
		usage_error("missing command (status, dump, verify, reconcile, snapshot)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "-?") ||
	    !strcmp(argv[1], "help")) {
		top_help(stdout);
		return FPHINT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\n", argp_program_version);
		return FPHINT_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		usage_error("unknown command '%s'", argv[1]);

	snprintf(doc, sizeof(doc), "%s\v%s", cmd->doc, FPHINT_EXIT_CODES);
	snprintf(name, sizeof(name), "fphint %s", cmd->name);
	argv[1] = name; /* argp names the program after argv[0] in --help */
	{
		const struct argp argp = {cmd->options, parse_opt, NULL, doc, NULL, NULL, NULL};

		argp_err_exit_status = FPHINT_EXIT_USAGE;
		argp_parse(&argp, argc - 1, argv + 1, 0, NULL, &c);
	}
	return cmd->run(&c);
}
