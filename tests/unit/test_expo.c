// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of fphint_expo: every row of the module's statistics table
 * (fphint_stats.h) reaches the Prometheus exposition with its type and its
 * value, from a fake struct fphint_ctl_stats; the exposition without a
 * module has the same series (histogram buckets included); the table has
 * no name twice and its struct layout is what the descriptors say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fphint_expo.h"

static char *render(const struct fphint_ctl_stats *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fphint_expo_module(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The line of text that starts with prefix (whole first word), or NULL. */
static const char *line_of(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, n) && (p[n] == ' ' || p[n] == '\n'))
			return p;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

/* Every field a distinct value: row i, bucket j -> (i + 1) * 1000 + j. */
static void fill(struct fphint_ctl_stats *s)
{
	unsigned i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < FPHINT_NR_STATS; i++) {
		const struct fphint_stat_desc *d = &fphint_stats_desc[i];
		__u64 *p = (__u64 *)((char *)s + d->offset);
		unsigned n = d->kind == FPHINT_STAT_HISTOGRAM ? d->nr_buckets + 2 : 1;

		for (j = 0; j < n; j++)
			p[j] = (i + 1) * 1000ull + j;
	}
}

static void test_every_row_exported(void **state)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	struct fphint_ctl_stats s;
	char want[256], name[128];
	unsigned i;
	char *text;

	(void)state;
	fill(&s);
	text = render(&s);
	for (i = 0; i < FPHINT_NR_STATS; i++) {
		const struct fphint_stat_desc *d = &fphint_stats_desc[i];
		const __u64 *p = (const __u64 *)((const char *)&s + d->offset);
		const char *l;

		snprintf(name, sizeof(name), "fphint_%s", d->metric);
		snprintf(want, sizeof(want), "# TYPE %s %s\n", name, types[d->kind]);
		if (!strstr(text, want))
			fail_msg("row %s: no '%s' in the exposition", d->field, want);
		if (d->kind == FPHINT_STAT_HISTOGRAM) {
			snprintf(want, sizeof(want), "%s_count %llu\n", name,
				 (unsigned long long)p[d->nr_buckets]);
			assert_non_null(strstr(text, want));
			/* Cumulative: the last finite bucket holds all but the overflow. */
			snprintf(want, sizeof(want), "%s_bucket{le=\"+Inf\"} %llu\n", name,
				 (unsigned long long)p[d->nr_buckets]);
			assert_non_null(strstr(text, want));
			continue;
		}
		l = line_of(text, name);
		if (!l)
			fail_msg("row %s: no sample of %s", d->field, name);
		if (!strcmp(d->unit, "ns")) {
			double v = strtod(l + strlen(name), NULL);

			assert_true(v > (double)*p / 1e9 * 0.999999 &&
				    v < (double)*p / 1e9 * 1.000001);
		} else {
			assert_int_equal(strtoull(l + strlen(name), NULL, 10), *p);
		}
		/* The metric name follows the exposition conventions. */
		if (d->kind == FPHINT_STAT_COUNTER)
			assert_non_null(strstr(name, "_total"));
		if (!strcmp(d->unit, "ns"))
			assert_non_null(strstr(name, "seconds"));
	}
	free(text);
}

/* Without a module: the same lines, every value 0. */
static void test_absent_same_series(void **state)
{
	struct fphint_ctl_stats s;
	char *with, *without, *a, *b, *sa, *sb;

	(void)state;
	fill(&s);
	with = render(&s);
	without = render(NULL);
	for (a = strtok_r(with, "\n", &sa), b = strtok_r(without, "\n", &sb); a && b;
	     a = strtok_r(NULL, "\n", &sa), b = strtok_r(NULL, "\n", &sb)) {
		if (a[0] == '#') {
			assert_string_equal(a, b);
			continue;
		}
		assert_int_equal(strcspn(a, " "), strcspn(b, " "));
		assert_memory_equal(a, b, strcspn(a, " "));
		assert_string_equal(b + strcspn(b, " "), " 0");
	}
	assert_null(a);
	assert_null(b);
	free(with);
	free(without);
}

static void test_table_consistent(void **state)
{
	size_t covered = offsetof(struct fphint_ctl_stats, table_hash) + sizeof(__u32);
	unsigned i, j;

	(void)state;
	for (i = 0; i < FPHINT_NR_STATS; i++) {
		const struct fphint_stat_desc *d = &fphint_stats_desc[i];

		/* Rows in struct order, no gap, no overlap: the layout is the table. */
		assert_int_equal(d->offset, covered);
		covered +=
			sizeof(__u64) * (d->kind == FPHINT_STAT_HISTOGRAM ? d->nr_buckets + 2 : 1);
		assert_true(d->help[0] && d->metric[0]);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(d->field, fphint_stats_desc[j].field);
			assert_string_not_equal(d->metric, fphint_stats_desc[j].metric);
		}
	}
	assert_int_equal(covered, sizeof(struct fphint_ctl_stats));
	assert_int_not_equal(fphint_stats_table_hash(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_exported),
		cmocka_unit_test(test_absent_same_series),
		cmocka_unit_test(test_table_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
