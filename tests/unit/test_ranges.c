// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of fphint_ranges: the run iterator, checked against a
 * bit-by-bit reference on fixed edge patterns and on random ones.
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

/* Sets bits [s, e) in bits and in the byte-per-bit reference. */
static void set_range(uint64_t *bits, uint8_t *ref, uint64_t s, uint64_t e)
{
	ref_set(ref, s, e, 1);
	for (uint64_t i = s; i < e; i++)
		bits[i / 64] |= 1ULL << (i % 64);
}

/* The iterator over a plain array of words. */
static void iter_init(struct fphint_run_iter *it, const uint64_t *bits, uint64_t n)
{
	fphint_run_iter_init_strided(it, bits, 1, NULL, 0, n);
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

	iter_init(&it, bits, n);
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
	iter_init(&it, bits, 0);
	assert_false(fphint_run_next(&it, &r));

	/* Full bitmap: one run over all ten words. */
	memset(bits, 0xff, sizeof(bits));
	memset(ref, 1, sizeof(ref));
	check_runs(bits, ref, NBITS, 0);
	iter_init(&it, bits, NBITS);
	assert_true(fphint_run_next(&it, &r));
	assert_int_equal(r.start, 0);
	assert_int_equal(r.end, NBITS);

	/* nr_bits not a multiple of 64: bits past the end are ignored. */
	check_runs(bits, ref, 100, 0);
	iter_init(&it, bits, 100);
	assert_true(fphint_run_next(&it, &r));
	assert_int_equal(r.end, 100);

	/* Runs that end/start exactly on word boundaries and single bits. */
	memset(bits, 0, sizeof(bits));
	memset(ref, 0, sizeof(ref));
	set_range(bits, ref, 63, 64);
	set_range(bits, ref, 64, 64 + 1); /* joins 63: one run [63, 65) */
	set_range(bits, ref, 128, 256);
	set_range(bits, ref, 257, 258);
	set_range(bits, ref, 639, 640);
	check_runs(bits, ref, NBITS, 0);
	iter_init(&it, bits, NBITS);
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
			ref[i] = 0;
			if (rand() % 100 < density)
				set_range(bits, ref, i, i + 1);
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
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_runs_edges),
		cmocka_unit_test(test_runs_random),
		cmocka_unit_test(test_runs_strided_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
