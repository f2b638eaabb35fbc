// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_expo.c - Prometheus text exposition helpers and the module's
 * statistics, generated from the table in fphint_stats.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "fphint_expo.h"

void fphint_metric_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void fphint_metric_label_value(FILE *out, const char *v)
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

void fphint_metric_u64(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
	fphint_metric_head(out, name, type, help);
	fprintf(out, "%s %llu\n", name, (unsigned long long)v);
}

void fphint_metric_double(FILE *out, const char *name, const char *type, const char *help, double v)
{
	fphint_metric_head(out, name, type, help);
	fprintf(out, "%s %.9g\n", name, v);
}

int fphint_module_stats_read(const char *dev, struct fphint_ctl_stats *s, char *why, size_t whylen)
{
	int fd, e;

	memset(s, 0, sizeof(*s));
	if (!dev)
		dev = FPHINT_CTL_DEVICE;
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(why, whylen, "open %s: %s", dev, strerror(e));
		return e == ENOENT || e == ENODEV || e == ENXIO ? -ENOENT : -e;
	}
	if (ioctl(fd, FPHINT_IOC_STATS, s)) {
		e = errno;
		close(fd);
		memset(s, 0, sizeof(*s));
		/* ENOTTY: a module from before the statistics table. */
		snprintf(why, whylen, "%s: FPHINT_IOC_STATS: %s%s", dev, strerror(e),
			 e == ENOTTY ? " (module older than this fphintd)" : "");
		return e == ENOTTY ? -EPROTO : -e;
	}
	close(fd);
	if (fphint_stats_mismatch(s)) {
		snprintf(why, whylen,
			 "%s: module statistics table differs from fphintd's (module: %u bytes, "
			 "hash %#x; fphintd: %zu bytes, hash %#x): rebuild one of them",
			 dev, s->size, s->table_hash, sizeof(*s), fphint_stats_table_hash());
		memset(s, 0, sizeof(*s));
		return -EPROTO;
	}
	return 0;
}

/* Bounds are bucket0 * 10^i ns; the last bucket (+Inf) is _count. */
static void fphint_expo_histogram(FILE *out, const char *name, const struct fphint_stat_desc *d,
				  const __u64 *hist)
{
	uint64_t cum = 0, count = hist ? hist[d->nr_buckets] : 0;
	double le = (double)d->bucket0_ns / 1e9;
	unsigned i;

	for (i = 0; i + 1 < d->nr_buckets; i++, le *= 10) {
		cum += hist ? hist[i] : 0;
		fprintf(out, "%s_bucket{le=\"%.9g\"} %llu\n", name, le, (unsigned long long)cum);
	}
	fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)count);
	fprintf(out, "%s_sum %.9g\n", name, hist ? (double)hist[d->nr_buckets + 1] / 1e9 : 0.0);
	fprintf(out, "%s_count %llu\n", name, (unsigned long long)count);
}

void fphint_expo_module(FILE *out, const struct fphint_ctl_stats *s)
{
	static const char *const types[] = {
		[FPHINT_STAT_COUNTER] = "counter",
		[FPHINT_STAT_GAUGE] = "gauge",
		[FPHINT_STAT_HISTOGRAM] = "histogram",
	};
	const struct fphint_stat_desc *d;
	char name[128];

	for (d = fphint_stats_desc; d < fphint_stats_desc + FPHINT_NR_STATS; d++) {
		uint64_t v = s && d->kind != FPHINT_STAT_HISTOGRAM ? fphint_stat_value(s, d) : 0;

		snprintf(name, sizeof(name), "fphint_%s", d->metric);
		fphint_metric_head(out, name, types[d->kind], d->help);
		if (d->kind == FPHINT_STAT_HISTOGRAM)
			fphint_expo_histogram(out, name, d, s ? fphint_stat_hist(s, d) : NULL);
		else if (!strcmp(d->unit, "ns"))
			fprintf(out, "%s %.9g\n", name, (double)v / 1e9);
		else
			fprintf(out, "%s %llu\n", name, (unsigned long long)v);
	}
	/* Bytes for dashboards: the module refuses any page size but 4 KiB. */
	fphint_metric_u64(out, "fphint_hinted_bytes_total", "counter",
			  "Bytes reported free to the host.", s ? s->pages_hinted * 4096 : 0);
}
