// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of fphint_ranges: range bit operations at word boundaries and
 * the run iterator, checked against a bit-by-bit reference on fixed edge
 * patterns and on random ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fphint_layout.h"
#include "fphint_ranges.h"

#define NBITS 640 /* ten words */

static void ref_set(uint8_t *ref, uint64_t s, uint64_t e, uint8_t v)
{
	for (uint64_t i = s; i < e; i++)
		ref[i] = v;
}

static void assert_matches(const uint64_t *bits, const uint8_t *ref, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(fphint_bit_test(bits, i), ref[i]);
}

/* Every (start, end) pair around word boundaries, set then clear. */
static void test_set_clear_range_edges(void **state)
{
	static const uint64_t pts[] = {0,   1,	 62,  63,  64,	65,  127,
				       128, 129, 191, 192, 320, 639, 640};
	const size_t np = sizeof(pts) / sizeof(pts[0]);

	(void)state;
	for (size_t a = 0; a < np; a++) {
		for (size_t b = 0; b < np; b++) {
			uint64_t bits[NBITS / 64], s = pts[a], e = pts[b];
			uint8_t ref[NBITS];

			memset(bits, 0, sizeof(bits));
			memset(ref, 0, sizeof(ref));
			fphint_bits_set_range(bits, s, e);
			ref_set(ref, s, e, 1);
			assert_matches(bits, ref, NBITS);
			assert_int_equal(fphint_bits_count_range(bits, 0, NBITS),
					 e > s ? e - s : 0);
			assert_true(fphint_bits_all_set(bits, s, e));

			memset(bits, 0xff, sizeof(bits));
			memset(ref, 1, sizeof(ref));
			fphint_bits_clear_range(bits, s, e);
			ref_set(ref, s, e, 0);
			assert_matches(bits, ref, NBITS);
			assert_int_equal(fphint_bits_count_range(bits, s, e), 0);
			if (e > s)
				assert_false(fphint_bits_all_set(bits, 0, NBITS));
		}
	}
}

static void test_count_range(void **state)
{
	uint64_t bits[3] = {~0ULL, 0x8000000000000001ULL, 0};

	(void)state;
	assert_int_equal(fphint_bits_count_range(bits, 0, 192), 66);
	assert_int_equal(fphint_bits_count_range(bits, 63, 65), 2);
	assert_int_equal(fphint_bits_count_range(bits, 64, 65), 1);
	assert_int_equal(fphint_bits_count_range(bits, 65, 127), 0);
	assert_int_equal(fphint_bits_count_range(bits, 127, 128), 1);
	assert_int_equal(fphint_bits_count_range(bits, 10, 10), 0);
	assert_int_equal(fphint_bits_count_range(bits, 20, 10), 0);
	assert_true(fphint_bits_all_set(bits, 0, 64));
	assert_true(fphint_bits_all_set(bits, 0, 65));
	assert_false(fphint_bits_all_set(bits, 0, 66));
	assert_true(fphint_bits_all_set(bits, 5, 5));
}

static void test_and_andnot(void **state)
{
	uint64_t a[2] = {0xff00ff00ff00ff00ULL, ~0ULL};
	uint64_t b[2] = {0x0ff00ff00ff00ff0ULL, 1};
	uint64_t c[2];

	(void)state;
	memcpy(c, a, sizeof(a));
	fphint_bits_and(c, b, 2);
	assert_int_equal(c[0], 0x0f000f000f000f00ULL);
	assert_int_equal(c[1], 1);
	memcpy(c, a, sizeof(a));
	fphint_bits_andnot(c, b, 2);
	assert_int_equal(c[0], 0xf000f000f000f000ULL);
	assert_int_equal(c[1], ~1ULL);
	fphint_bits_and(c, b, 0); /* no words: nothing happens */
	assert_int_equal(c[1], ~1ULL);
}

static void test_words(void **state)
{
	(void)state;
	assert_int_equal(fphint_bits_words(0), 0);
	assert_int_equal(fphint_bits_words(1), 1);
	assert_int_equal(fphint_bits_words(64), 1);
	assert_int_equal(fphint_bits_words(65), 2);
}

/* Collects runs into out[] (pairs), returns how many. */
static size_t collect(struct fphint_run_iter *it, uint64_t *out, size_t max)
{
	struct fphint_run r;
	size_t n = 0;

	while (fphint_run_next(it, &r)) {
		assert_true(n < max);
		assert_true(r.end > r.start);
		out[2 * n] = r.start;
		out[2 * n + 1] = r.end;
		n++;
	}
	/* Exhausted iterators stay exhausted. */
	assert_false(fphint_run_next(it, &r));
	return n;
}

/* Runs of a byte-per-bit reference, same format as collect(). */
static size_t ref_runs(const uint8_t *ref, uint64_t n, uint64_t limit, uint64_t *out)
{
	size_t k = 0;
	uint64_t taken = 0;

	for (uint64_t i = 0; i < n;) {
		uint64_t s;

		if (!ref[i]) {
			i++;
			continue;
		}
		s = i;
		while (i < n && ref[i])
			i++;
		if (limit && taken + (i - s) >= limit) {
			out[2 * k] = s;
			out[2 * k + 1] = s + (limit - taken);
			return k + 1;
		}
		taken += i - s;
		out[2 * k] = s;
		out[2 * k + 1] = i;
		k++;
	}
	return k;
}

static void check_runs(const uint64_t *bits, const uint8_t *ref, uint64_t n, uint64_t limit)
{
	static uint64_t got[2 * NBITS], want[2 * NBITS];
	struct fphint_run_iter it;
	size_t ng, nw;

	fphint_run_iter_init(&it, bits, n);
	fphint_run_iter_set_limit(&it, limit);
	ng = collect(&it, got, NBITS);
	nw = ref_runs(ref, n, limit, want);
	assert_int_equal(ng, nw);
	/* limited: some set bit was left out because of the limit. */
	{
		uint64_t total = 0;

		for (uint64_t i = 0; i < n; i++)
			total += ref[i];
		assert_int_equal(it.limited, limit && total > limit);
	}
	assert_memory_equal(got, want, 2 * ng * sizeof(got[0]));
}

static void test_runs_edges(void **state)
{
	uint64_t bits[NBITS / 64];
	uint8_t ref[NBITS];
	struct fphint_run_iter it;
	struct fphint_run r;

	(void)state;
	/* Empty bitmap, zero-length bitmap. */
	memset(bits, 0, sizeof(bits));
	memset(ref, 0, sizeof(ref));
	check_runs(bits, ref, NBITS, 0);
	fphint_run_iter_init(&it, bits, 0);
	assert_false(fphint_run_next(&it, &r));

	/* Full bitmap: one run over all ten words. */
	memset(bits, 0xff, sizeof(bits));
	memset(ref, 1, sizeof(ref));
	check_runs(bits, ref, NBITS, 0);
	fphint_run_iter_init(&it, bits, NBITS);
	assert_true(fphint_run_next(&it, &r));
	assert_int_equal(r.start, 0);
	assert_int_equal(r.end, NBITS);

	/* nr_bits not a multiple of 64: bits past the end are ignored. */
	check_runs(bits, ref, 100, 0);
	fphint_run_iter_init(&it, bits, 100);
	assert_true(fphint_run_next(&it, &r));
	assert_int_equal(r.end, 100);

	/* Runs that end/start exactly on word boundaries and single bits. */
	memset(bits, 0, sizeof(bits));
	memset(ref, 0, sizeof(ref));
	fphint_bits_set_range(bits, 63, 64);
	ref_set(ref, 63, 64, 1);
	fphint_bits_set_range(bits, 64, 64 + 1); /* joins 63: one run [63, 65) */
	ref_set(ref, 64, 65, 1);
	fphint_bits_set_range(bits, 128, 256);
	ref_set(ref, 128, 256, 1);
	fphint_bits_set_range(bits, 257, 258);
	ref_set(ref, 257, 258, 1);
	fphint_bits_set_range(bits, 639, 640);
	ref_set(ref, 639, 640, 1);
	check_runs(bits, ref, NBITS, 0);
	fphint_run_iter_init(&it, bits, NBITS);
	assert_true(fphint_run_next(&it, &r));
	assert_int_equal(r.start, 63);
	assert_int_equal(r.end, 65);

	/* Limits: inside a run, at a run's end, larger than everything. */
	for (uint64_t limit = 1; limit < 140; limit++)
		check_runs(bits, ref, NBITS, limit);
}

static void test_runs_random(void **state)
{
	uint64_t bits[NBITS / 64];
	uint8_t ref[NBITS];

	(void)state;
	srand(12345);
	for (int round = 0; round < 2000; round++) {
		/* Vary the density so both long runs and isolated bits occur. */
		int density = rand() % 100;
		uint64_t n = 1 + (uint64_t)rand() % NBITS;

		memset(bits, 0, sizeof(bits));
		for (uint64_t i = 0; i < NBITS; i++) {
			ref[i] = rand() % 100 < density;
			if (ref[i])
				fphint_bit_set(bits, i);
		}
		for (uint64_t i = 0; i < NBITS; i += 1 + (uint64_t)rand() % 7)
			assert_int_equal(fphint_bit_test(bits, i), ref[i]);
		check_runs(bits, ref, n, round % 3 ? 0 : 1 + (uint64_t)rand() % NBITS);
	}
}

/* Strided: the delta set (free & freed_since_epoch) of fphint_word[]. */
static void test_runs_strided_words(void **state)
{
	struct fphint_word w[3] = {
		{.free = 0xf0, .freed_since_epoch = 0x3c},
		{.free = ~0ULL, .freed_since_epoch = 1ULL << 63},
		{.free = ~0ULL, .freed_since_epoch = 3},
	};
	struct fphint_run_iter it;
	uint64_t got[16];
	size_t n;

	(void)state;
	fphint_run_iter_init_words(&it, w, 192, true);
	n = collect(&it, got, 8);
	assert_int_equal(n, 2);
	assert_int_equal(got[0], 4); /* 0xf0 & 0x3c = 0x30: bits 4, 5 */
	assert_int_equal(got[1], 6);
	assert_int_equal(got[2], 127); /* bit 63 of word 1 joins bits 0-1 of word 2 */
	assert_int_equal(got[3], 130);

	fphint_run_iter_init_words(&it, w, 192, false);
	n = collect(&it, got, 8);
	assert_int_equal(n, 2);
	assert_int_equal(got[0], 4);
	assert_int_equal(got[1], 8);
	assert_int_equal(got[2], 64);
	assert_int_equal(got[3], 192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_clear_range_edges),
		cmocka_unit_test(test_count_range),
		cmocka_unit_test(test_and_andnot),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_runs_edges),
		cmocka_unit_test(test_runs_random),
		cmocka_unit_test(test_runs_strided_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
