// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_ranges.c - run iteration over the map (see fphint_ranges.h).
 */
#include "fphint_ranges.h"

/*
 * The map's words are __u64 (unsigned long long) and ours uint64_t
 * (unsigned long): same representation, but distinct types for the
 * aliasing rules, so loads go through a type that may alias anything.
 */
typedef uint64_t __attribute__((may_alias)) alias_u64;

void fphint_run_iter_init_strided(struct fphint_run_iter *it, const uint64_t *a, size_t a_stride,
				  const uint64_t *b, size_t b_stride, uint64_t nr_bits)
{
	*it = (struct fphint_run_iter){
		.a = a,
		.b = b,
		.a_stride = a_stride,
		.b_stride = b_stride,
		.nr_bits = nr_bits,
		.nr_words = fphint_bits_words(nr_bits),
	};
}

void fphint_run_iter_init_words(struct fphint_run_iter *it, const struct fphint_word *words,
				uint64_t nr_bits, bool delta)
{
	const size_t stride = sizeof(*words) / sizeof(uint64_t);

	fphint_run_iter_init_strided(it, (const uint64_t *)&words->free, stride,
				     delta ? (const uint64_t *)&words->freed_since_epoch : NULL,
				     stride, nr_bits);
}

void fphint_run_iter_set_limit(struct fphint_run_iter *it, uint64_t limit)
{
	it->page_limit = limit;
}

/* One read of word i (the map may change under us), cut to nr_bits. */
static uint64_t load_word(const struct fphint_run_iter *it, uint64_t i)
{
	const alias_u64 *a = it->a, *b = it->b;
	uint64_t v = __atomic_load_n(&a[i * it->a_stride], __ATOMIC_RELAXED);
	unsigned tail = it->nr_bits % FPHINT_BITS_PER_WORD;

	if (b)
		v &= __atomic_load_n(&b[i * it->b_stride], __ATOMIC_RELAXED);
	if (i == it->nr_words - 1 && tail)
		v &= (1ULL << tail) - 1;
	return v;
}

/* Makes wval hold the next word with a set bit; false at the end. */
static bool advance_to_set(struct fphint_run_iter *it)
{
	if (!it->started) {
		it->started = true;
		if (it->nr_words == 0)
			return false;
		it->widx = 0;
		it->wval = load_word(it, 0);
	}
	while (it->wval == 0) {
		if (++it->widx >= it->nr_words)
			return false;
		it->wval = load_word(it, it->widx);
	}
	return true;
}

bool fphint_run_next(struct fphint_run_iter *it, struct fphint_run *run)
{
	unsigned bit;

	if (it->done)
		return false;
	if (it->page_limit && it->pages_done >= it->page_limit) {
		/* Limit reached exactly at the end of a run: were there more? */
		it->limited = advance_to_set(it);
		it->done = true;
		return false;
	}
	if (!advance_to_set(it)) {
		it->done = true;
		return false;
	}
	bit = (unsigned)__builtin_ctzll(it->wval);
	run->start = it->widx * FPHINT_BITS_PER_WORD + bit;
	for (;;) {
		/* wval has no bits below `bit`; find the first clear bit at or above it. */
		uint64_t zeros = ~it->wval & (~0ULL << bit);

		if (zeros) {
			unsigned e = (unsigned)__builtin_ctzll(zeros);

			run->end = it->widx * FPHINT_BITS_PER_WORD + e;
			it->wval &= ~0ULL << e;
			break;
		}
		/* The run reaches the end of this word: continue into the next. */
		if (++it->widx >= it->nr_words) {
			run->end = it->nr_bits;
			it->wval = 0;
			break;
		}
		it->wval = load_word(it, it->widx);
		bit = 0;
		if (!(it->wval & 1)) {
			run->end = it->widx * FPHINT_BITS_PER_WORD;
			break;
		}
	}
	if (it->page_limit) {
		uint64_t left = it->page_limit - it->pages_done;

		if (run->end - run->start > left) {
			run->end = run->start + left;
			it->done = true;
			it->limited = true;
		}
	}
	it->pages_done += run->end - run->start;
	return true;
}
