// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphintd - load the fphint tracker, pin it, seed it and keep it
 * reconciled with the buddy allocator.
 *
 * The tracker lives in bpffs, not in this process: the pinned links keep
 * the programs attached after fphintd exits, and a restarted fphintd
 * adopts the pins instead of attaching a second copy.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fphint_agent.h"
#include "fphint_config.h"
#include "fphint_handover.h"
#include "fphint_kpage.h"
#include "fphint_metrics.h"
#include "fphint_pins.h"
#include "fphint_time.h"
#include "fphint_tracker.h"
#include "fphint.skel.h"

/* Exit codes (also in --help). */
enum {
	FPHINTD_EXIT_OK = 0,
	FPHINTD_EXIT_FAIL = 1,	/* runtime failure */
	FPHINTD_EXIT_USAGE = 2, /* bad option or value */
	FPHINTD_EXIT_PERM = 3,	/* not root, or the kernel refused BPF */
	FPHINTD_EXIT_NOBTF = 4, /* no /sys/kernel/btf/vmlinux */
	FPHINTD_EXIT_PINS = 5,	/* foreign, stale or wrong-shaped pins */
};

#define FPHINTD_DEFAULT_INTERVAL 60
#define FPHINTD_BPFFS		 "/sys/fs/bpf"
#define FPHINTD_BTF		 "/sys/kernel/btf/vmlinux"

static struct fphintd_opts {
	const char *pin_dir;
	long interval;
	bool teardown_on_exit, teardown, once;
	int verbose;
	const char *metrics;	/* ADDR:PORT, NULL = no metrics server */
	const char *web_config; /* --web-config-file, NULL = plain HTTP, no users */
} opts = {FPHINT_PIN_DIR, FPHINTD_DEFAULT_INTERVAL, false, false, false, 0, NULL, NULL};

/* The metrics server, when --metrics is given (NULL otherwise). */
static struct fphint_metrics *metrics;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("fphintd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf is chatty about every failed probe: only with -v. */
	if (!opts.verbose || (level == LIBBPF_DEBUG && opts.verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- options ---------------------------------------------------------- */

const char *argp_program_version = "fphintd 0.1";
static const char fphintd_doc[] =
	"Track free page frames with BPF and keep the pinned bitmap reconciled.\v"
	"Exit status: 0 success; 1 runtime failure; 2 bad option or value; 3 not root or "
	"BPF refused by the kernel; 4 no kernel BTF; 5 foreign, stale or wrong-shaped pins "
	"(remove them with --teardown).\n"
	"Signals: SIGUSR1 reconciles now; SIGTERM/SIGINT exit, leaving the tracker pinned "
	"unless --teardown-on-exit.";

enum {
	OPT_TEARDOWN_ON_EXIT = 0x100,
	OPT_TEARDOWN,
	OPT_ONCE,
	OPT_PIN_DIR,
	OPT_INTERVAL,
	OPT_METRICS,
	OPT_WEB_CONFIG,
};

static const struct argp_option fphintd_options[] = {
	{"pin-dir", OPT_PIN_DIR, "DIR", 0,
	 "bpffs directory for the pins (default " FPHINT_PIN_DIR ")", 0},
	{"reconcile-interval", OPT_INTERVAL, "SECONDS", 0,
	 "seconds between reconcile passes (default 60, 0 = only on SIGUSR1)", 0},
	{"teardown-on-exit", OPT_TEARDOWN_ON_EXIT, NULL, 0,
	 "remove the tracker when fphintd exits (default: leave it pinned)", 0},
	{"teardown", OPT_TEARDOWN, NULL, 0, "remove an existing pinned tracker and exit", 0},
	{"once", OPT_ONCE, NULL, 0, "create or adopt, seed, reconcile, then exit leaving it pinned",
	 0},
	{"metrics", OPT_METRICS, "ADDR:PORT", 0,
	 "serve Prometheus metrics on http(s)://ADDR:PORT/metrics (numeric address or localhost, "
	 "e.g. 127.0.0.1:9464; default: off)",
	 0},
	{"web-config-file", OPT_WEB_CONFIG, "FILE", 0,
	 "TLS certificate and basic auth users of the metrics endpoint, in the format of "
	 "Prometheus exporters' --web.config.file (default: plain HTTP, no authentication)",
	 0},
	{"verbose", 'v', NULL, 0, "more logging (twice: libbpf debug)", 0},
	{0},
};

static error_t fphintd_parse(int key, char *arg, struct argp_state *state)
{
	char err[256];
	uint64_t v;

	switch (key) {
	case OPT_PIN_DIR:
		if (!*arg || strlen(arg) >= 200)
			argp_error(state, "--pin-dir: bad directory '%s'", arg);
		opts.pin_dir = arg;
		break;
	case OPT_INTERVAL:
		if (fphint_parse_u64(arg, &v, err, sizeof(err)) || v > 86400)
			argp_error(state,
				   "--reconcile-interval: '%s' is not a number of seconds in "
				   "0..86400",
				   arg);
		opts.interval = (long)v;
		break;
	case OPT_METRICS:
		if (fphint_metrics_check_listen(arg, err, sizeof(err)))
			argp_error(state, "--metrics: %s", err);
		opts.metrics = arg;
		break;
	case OPT_WEB_CONFIG:
		if (!*arg)
			argp_error(state, "--web-config-file: empty file name");
		opts.web_config = arg;
		break;
	case OPT_TEARDOWN_ON_EXIT:
		opts.teardown_on_exit = true;
		break;
	case OPT_TEARDOWN:
		opts.teardown = true;
		break;
	case OPT_ONCE:
		opts.once = true;
		break;
	case 'v':
		opts.verbose++;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* argp reports bad options and values itself, then exits 2 (argp_err_exit_status). */
static void fphintd_parse_args(int argc, char **argv)
{
	static const struct argp argp = {
		fphintd_options, fphintd_parse, NULL, fphintd_doc, NULL, NULL, NULL};

	argp_err_exit_status = FPHINTD_EXIT_USAGE;
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
}

/* ---- pins ------------------------------------------------------------- */

struct fphintd_removal {
	int removed, ret;
};

static int fphintd_remove_pin(const char *name, const char *path, bool link, void *ctx)
{
	struct fphintd_removal *r = ctx;

	(void)name;
	(void)link;
	if (unlink(path))
		r->ret = -errno;
	else
		r->removed++;
	return 0;
}

/* Remove our pins from dir (the walk gives links first: programs detach), then dir. */
static int fphintd_remove_pins(const char *dir, int *removed)
{
	struct fphintd_removal r = {0, 0};
	int ret = fphint_pins_walk(dir, fphintd_remove_pin, &r);

	*removed = r.removed;
	if (ret)
		return ret;
	/* Only an empty directory goes; the bpffs root is never removed. */
	if (strcmp(dir, FPHINTD_BPFFS) && rmdir(dir) && errno != ENOENT && errno != ENOTEMPTY)
		r.ret = r.ret ? r.ret : -errno;
	return r.ret;
}

static int fphintd_first_pin(const char *name, const char *path, bool link, void *ctx)
{
	(void)name;
	(void)link;
	snprintf(ctx, 256, "%s", path);
	return 1;
}

/* First of our pin names present in dir (into buf, 256 bytes), false if none. */
static bool fphintd_leftover_pin(const char *dir, char *buf)
{
	return fphint_pins_walk(dir, fphintd_first_pin, buf) == 1;
}

/* Link pins expected for the tracker programs, e.g. link_fphint_page_free. */
static int fphintd_link_path(char *buf, size_t len, const char *dir, const struct bpf_program *p)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, FPHINT_PIN_LINK_PREFIX, bpf_program__name(p));

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Every program of the skeleton has a live pinned link in dir. */
static int fphintd_check_links(const char *dir, char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct fphint *skel;
	char path[256];
	int ret = 0;

	skel = fphint__open();
	if (!skel) {
		snprintf(err, errlen, "tracker program: open: %s", strerror(errno));
		return -errno;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		struct bpf_link_info info = {};
		uint32_t len = sizeof(info);
		int fd;

		fphintd_link_path(path, sizeof(path), dir, prog);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s (stale pins; remove with fphintd --teardown)",
				 path, strerror(errno));
			ret = -EINVAL;
			break;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.prog_id) {
			snprintf(err, errlen,
				 "%s: not an attached link (stale pins; remove with fphintd "
				 "--teardown)",
				 path);
			ret = -EINVAL;
		}
		close(fd);
		if (ret)
			break;
	}
	fphint__destroy(skel);
	return ret;
}

/* ---- create ----------------------------------------------------------- */

/*
 * Load, attach, pin.  Attaching comes before seeding so no event is
 * missed while the seed runs.  On failure everything this call created
 * is destroyed and unpinned (libbpf knows what it pinned).
 */
static int fphintd_create(const char *dir, char *err, size_t errlen)
{
	struct bpf_map *maps[3];
	const char *map_names[3] = {FPHINT_PIN_BITMAP, FPHINT_PIN_META, FPHINT_PIN_STATS};
	struct bpf_link *links[16] = {};
	struct fphint_geometry g;
	struct bpf_program *prog;
	struct fphint_meta meta = {};
	struct fphint *skel = NULL;
	bool made_dir = false, maps_pinned = false;
	char path[256];
	int ret, nlinks = 0, i;
	uint32_t zero = 0;

	ret = fphint_agent_geometry(&g, err, errlen);
	if (ret)
		return ret;
	logmsg("geometry: nr_pfns %llu, struct page %u bytes, vmemmap_base 0x%llx (%u of %u "
	       "pages agree)",
	       (unsigned long long)g.nr_pfns, g.struct_page_size,
	       (unsigned long long)g.vmemmap_base, g.calib_votes, g.calib_samples);
	if (g.kallsyms_base)
		logmsg("kallsyms vmemmap_base 0x%llx: %s", (unsigned long long)g.kallsyms_base,
		       g.kallsyms_base == g.vmemmap_base ? "agrees"
							 : "DISAGREES, using calibration");
	ret = fphint_agent_load(&g, &skel, err, errlen);
	if (ret)
		return ret;
	if (mkdir(dir, 0700) == 0)
		made_dir = true;
	else if (errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "%s: mkdir: %s", dir, strerror(-ret));
		goto fail;
	}
	maps[0] = skel->maps.bitmap;
	maps[1] = skel->maps.meta;
	maps[2] = skel->maps.stats;
	/*
	 * meta before any pin, so a pin set that exists is never without
	 * magic.  The only whole-element write: nobody else can see the map.
	 */
	meta.magic = FPHINT_MAGIC;
	meta.layout_version = FPHINT_LAYOUT_VERSION;
	meta.nr_pfns = g.nr_pfns;
	meta.vmemmap_base = g.vmemmap_base;
	meta.struct_page_size = g.struct_page_size;
	meta.page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	meta.agent_pid = (uint64_t)getpid();
	if (bpf_map__update_elem(skel->maps.meta, &zero, sizeof(zero), &meta, sizeof(meta), 0)) {
		ret = -errno;
		snprintf(err, errlen, "meta: write: %s", strerror(-ret));
		goto fail;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (nlinks >= (int)(sizeof(links) / sizeof(links[0]))) {
			ret = -E2BIG;
			snprintf(err, errlen, "too many programs");
			goto fail;
		}
		links[nlinks] = bpf_program__attach(prog);
		if (!links[nlinks]) {
			ret = -errno;
			snprintf(err, errlen, "attach %s: %s", bpf_program__name(prog),
				 strerror(-ret));
			goto fail;
		}
		nlinks++;
	}
	/* The three maps (not the skeleton's .rodata) get a pin path; libbpf pins them. */
	for (i = 0; i < 3; i++) {
		fphint_pin_path(path, sizeof(path), dir, map_names[i]);
		ret = bpf_map__set_pin_path(maps[i], path);
		if (ret) {
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
			goto fail;
		}
	}
	ret = bpf_object__pin_maps(skel->obj, NULL);
	if (ret) {
		snprintf(err, errlen, "%s: pin maps: %s", dir, strerror(-ret));
		goto fail;
	}
	maps_pinned = true;
	i = 0;
	bpf_object__for_each_program(prog, skel->obj)
	{
		ret = fphintd_link_path(path, sizeof(path), dir, prog);
		if (!ret)
			ret = bpf_link__pin(links[i], path);
		if (ret) {
			snprintf(err, errlen, "%s: pin: %s", path, strerror(-ret));
			goto fail;
		}
		i++;
	}
	logmsg("created: %d programs attached, pinned in %s", nlinks, dir);
	/* The pins hold maps and links now: our references can go. */
	for (i = 0; i < nlinks; i++) {
		bpf_link__disconnect(links[i]);
		bpf_link__destroy(links[i]);
	}
	fphint__destroy(skel);
	return 0;
fail:
	/* Links first, so the programs detach before their maps go. */
	for (i = 0; i < nlinks; i++) {
		if (bpf_link__pin_path(links[i]))
			bpf_link__unpin(links[i]);
		bpf_link__destroy(links[i]);
	}
	if (maps_pinned)
		bpf_object__unpin_maps(skel->obj, NULL);
	if (made_dir)
		rmdir(dir);
	fphint__destroy(skel);
	return ret;
}

/* ---- main loop -------------------------------------------------------- */

static int fphintd_reconcile(struct fphint_pins *p, const char *why)
{
	struct fphint_reconcile_result r;
	char err[512];
	int ret;

	ret = fphint_reconcile(p, &r, err, sizeof(err));
	if (ret) {
		logmsg("reconcile (%s) failed: %s", why, err);
		fphint_metrics_note_error(metrics, err);
		return ret;
	}
	fphint_metrics_note_reconcile(metrics, &r);
	logmsg("reconcile (%s): %llu words, %llu bits set, %llu cleared, %llu retries, %.1f ms, "
	       "%llu events lost so far",
	       why, (unsigned long long)r.words_checked, (unsigned long long)r.bits_set,
	       (unsigned long long)r.bits_cleared, (unsigned long long)r.cas_retries,
	       (double)r.elapsed_ns / 1e6, (unsigned long long)p->meta.lost_events);
	return 0;
}

static int fphintd_exit_code_for(int ret)
{
	if (ret == -EPERM || ret == -EACCES)
		return FPHINTD_EXIT_PERM;
	return FPHINTD_EXIT_FAIL;
}

/* The pin directory (or its parent, if it is to be created) is on bpffs. */
static int fphintd_check_pin_dir(const char *dir)
{
	char parent[256];
	struct statfs sfs;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	if (statfs(parent, &sfs)) {
		slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		else
			snprintf(parent, sizeof(parent), ".");
		if (statfs(parent, &sfs)) {
			logmsg("--pin-dir %s: %s: %s", dir, parent, strerror(errno));
			return FPHINTD_EXIT_USAGE;
		}
	}
	if (sfs.f_type != BPF_FS_MAGIC) {
		logmsg("--pin-dir %s: not on a BPF filesystem (bpffs)", dir);
		return FPHINTD_EXIT_USAGE;
	}
	return 0;
}

/* One-line checks before anything is touched. */
static int fphintd_preflight(void)
{
	struct statfs sfs;
	int fd;

	if (geteuid() != 0) {
		logmsg("must run as root (euid %u)", (unsigned)geteuid());
		return FPHINTD_EXIT_PERM;
	}
	if (access(FPHINTD_BTF, R_OK)) {
		logmsg("no kernel BTF at %s (%s): the tracker needs CONFIG_DEBUG_INFO_BTF",
		       FPHINTD_BTF, strerror(errno));
		return FPHINTD_EXIT_NOBTF;
	}
	/* A one-element array tells us whether bpf() is allowed at all. */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd < 0) {
		int e = errno;

		logmsg("the kernel refused BPF (bpf(): %s); needs CAP_BPF and CAP_PERFMON or "
		       "CAP_SYS_ADMIN",
		       strerror(e));
		return e == EPERM || e == EACCES ? FPHINTD_EXIT_PERM : FPHINTD_EXIT_FAIL;
	}
	close(fd);
	if (statfs(FPHINTD_BPFFS, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		mkdir(FPHINTD_BPFFS, 0755);
		if (mount("bpf", FPHINTD_BPFFS, "bpf", 0, "mode=0700")) {
			logmsg("mount bpffs at %s: %s", FPHINTD_BPFFS, strerror(errno));
			return FPHINTD_EXIT_PERM;
		}
		logmsg("mounted bpffs at %s", FPHINTD_BPFFS);
	}
	return fphintd_check_pin_dir(opts.pin_dir);
}

int main(int argc, char **argv)
{
	char err[512], path[256];
	struct fphint_pins pins;
	sigset_t set;
	int ret, removed, code;
	bool adopted = false;

	fphintd_parse_args(argc, argv);
	libbpf_set_print(libbpf_log);
	code = fphintd_preflight();
	if (code)
		return code;

	if (opts.teardown) {
		ret = fphintd_remove_pins(opts.pin_dir, &removed);
		if (ret) {
			logmsg("teardown of %s: %s", opts.pin_dir, strerror(-ret));
			return FPHINTD_EXIT_FAIL;
		}
		logmsg("teardown: removed %d pins from %s", removed, opts.pin_dir);
		return FPHINTD_EXIT_OK;
	}

	/* The port is taken before any pin is touched: a busy port changes nothing. */
	if (opts.metrics) {
		struct fphint_metrics_config mc = {opts.metrics, opts.web_config,
						   argp_program_version};

		ret = fphint_metrics_open(&metrics, &mc, err, sizeof(err));
		if (ret) {
			logmsg("%s", err);
			/* -EINVAL: the web configuration (or its certificate) is wrong. */
			return ret == -EINVAL ? FPHINTD_EXIT_USAGE : FPHINTD_EXIT_FAIL;
		}
		logmsg("metrics on %s://%s/metrics", fphint_metrics_tls(metrics) ? "https" : "http",
		       opts.metrics);
	}

	/* Signals are taken synchronously by sigtimedwait in the loop. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	ret = fphint_pins_open(&pins, opts.pin_dir, err, sizeof(err));
	if (ret == -ENOENT) {
		/* Leftover links or meta without a bitmap are not ours to overwrite. */
		if (fphintd_leftover_pin(opts.pin_dir, path)) {
			logmsg("%s: left without a bitmap (stale pins; remove with fphintd "
			       "--teardown)",
			       path);
			return FPHINTD_EXIT_PINS;
		}
		ret = fphintd_create(opts.pin_dir, err, sizeof(err));
		if (ret) {
			logmsg("%s", err);
			return fphintd_exit_code_for(ret);
		}
		ret = fphint_pins_open(&pins, opts.pin_dir, err, sizeof(err));
		if (ret) {
			logmsg("reopen after create: %s", err);
			fphintd_remove_pins(opts.pin_dir, &removed);
			return FPHINTD_EXIT_FAIL;
		}
	} else if (ret) {
		logmsg("%s", err);
		return ret == -EINVAL || ret == -EEXIST ? FPHINTD_EXIT_PINS
							: fphintd_exit_code_for(ret);
	} else {
		ret = fphintd_check_links(opts.pin_dir, err, sizeof(err));
		if (ret) {
			logmsg("%s", err);
			fphint_pins_close(&pins);
			return FPHINTD_EXIT_PINS;
		}
		adopted = true;
		logmsg("adopted the tracker pinned in %s (seeded by pid %llu)", opts.pin_dir,
		       (unsigned long long)pins.meta.agent_pid);
	}

	/* Metrics come up before the seed so a scrape sees the whole story. */
	if (metrics && fphint_metrics_run(metrics, &pins, err, sizeof(err))) {
		logmsg("%s", err);
		fphint_metrics_stop(metrics);
		if (!adopted)
			fphintd_remove_pins(opts.pin_dir, &removed);
		fphint_pins_close(&pins);
		return FPHINTD_EXIT_FAIL;
	}

	/* Seed (or refresh after adoption): the programs are already attached. */
	ret = fphintd_reconcile(&pins, adopted ? "adopt" : "seed");
	if (ret) {
		fphint_metrics_stop(metrics);
		if (!adopted)
			fphintd_remove_pins(opts.pin_dir, &removed);
		fphint_pins_close(&pins);
		return FPHINTD_EXIT_FAIL;
	}
	/* The agent's own fields of meta, in place (fphint_layout.h). */
	__atomic_store_n(&pins.live->agent_pid, (uint64_t)getpid(), __ATOMIC_RELAXED);
	/* An agent killed before its seed left seeded_at 0: this pass seeded. */
	if (!adopted || !pins.live->seeded_at)
		__atomic_store_n(&pins.live->seeded_at, fphint_now_ns(CLOCK_REALTIME),
				 __ATOMIC_RELAXED);
	fphint_meta_read(&pins, &pins.meta);

	ret = fphint_handover_maybe(pins.bitmap_fd, pins.meta_fd, err, sizeof(err));
	if (ret < 0) {
		logmsg("hand-over to the kernel helper failed: %s", err);
		fphint_metrics_note_error(metrics, err);
	} else if (ret > 0)
		logmsg("handed the map over to the kernel helper");
	else if (opts.verbose)
		logmsg("no kernel helper: nothing to hand over");

	code = FPHINTD_EXIT_OK;
	while (!opts.once) {
		struct timespec ts = {opts.interval, 0};
		int sig = sigtimedwait(&set, NULL, opts.interval ? &ts : NULL);

		if (sig < 0 && errno == EAGAIN) {
			fphintd_reconcile(&pins, "periodic");
		} else if (sig == SIGUSR1 || sig == SIGHUP) {
			fphintd_reconcile(&pins, "signal");
		} else if (sig == SIGTERM || sig == SIGINT) {
			logmsg("%s: exiting", strsignal(sig));
			break;
		}
	}
	/* The server reads the pins: it goes first. */
	fphint_metrics_stop(metrics);
	fphint_pins_close(&pins);
	if (opts.teardown_on_exit) {
		ret = fphintd_remove_pins(opts.pin_dir, &removed);
		logmsg("teardown on exit: removed %d pins from %s%s", removed, opts.pin_dir,
		       ret ? " (some failed)" : "");
		if (ret)
			code = FPHINTD_EXIT_FAIL;
	} else {
		logmsg("tracker left pinned in %s", opts.pin_dir);
	}
	return code;
}
