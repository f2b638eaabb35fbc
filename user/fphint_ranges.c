// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_ranges.c - bit ranges and run iteration (see fphint_ranges.h).
 */
#include "fphint_ranges.h"

/*
 * The map's words are __u64 (unsigned long long) and ours uint64_t
 * (unsigned long): same representation, but distinct types for the
 * aliasing rules, so loads go through a type that may alias anything.
 */
typedef uint64_t __attribute__((may_alias)) alias_u64;

/* Bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
static inline uint64_t word_mask(unsigned lo, unsigned hi)
{
	uint64_t upto_hi = hi == FPHINT_BITS_PER_WORD ? ~0ULL : (1ULL << hi) - 1;

	return upto_hi & (~0ULL << lo);
}

/*
 * Runs body for every word w touched by [start, end) (end > start) with
 * mask = the bits of w inside the range; middle words get a full mask.
 */
#define FOR_EACH_MASKED_WORD(start, end, w, mask, body)                                            \
	do {                                                                                       \
		uint64_t w_first_ = (start) / FPHINT_BITS_PER_WORD;                                \
		uint64_t w_last_ = ((end)-1) / FPHINT_BITS_PER_WORD;                               \
		for (uint64_t w = w_first_; w <= w_last_; w++) {                                   \
			unsigned lo_ = w == w_first_ ? (start) % FPHINT_BITS_PER_WORD : 0;         \
			unsigned hi_ = w == w_last_ ? ((end)-1) % FPHINT_BITS_PER_WORD + 1         \
						    : FPHINT_BITS_PER_WORD;                        \
			uint64_t mask = word_mask(lo_, hi_);                                       \
			body;                                                                      \
		}                                                                                  \
	} while (0)

void fphint_bits_set_range(uint64_t *bits, uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	FOR_EACH_MASKED_WORD(start, end, w, m, bits[w] |= m);
}

void fphint_bits_clear_range(uint64_t *bits, uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	FOR_EACH_MASKED_WORD(start, end, w, m, bits[w] &= ~m);
}

uint64_t fphint_bits_count_range(const uint64_t *bits, uint64_t start, uint64_t end)
{
	uint64_t n = 0;

	if (end <= start)
		return 0;
	FOR_EACH_MASKED_WORD(start, end, w, m, n += (uint64_t)__builtin_popcountll(bits[w] & m));
	return n;
}

bool fphint_bits_all_set(const uint64_t *bits, uint64_t start, uint64_t end)
{
	bool all = true;

	if (end <= start)
		return true;
	FOR_EACH_MASKED_WORD(start, end, w, m, all = all && (bits[w] & m) == m);
	return all;
}

void fphint_bits_and(uint64_t *dst, const uint64_t *src, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++)
		dst[i] &= src[i];
}

void fphint_bits_andnot(uint64_t *dst, const uint64_t *src, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++)
		dst[i] &= ~src[i];
}

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

void fphint_run_iter_init(struct fphint_run_iter *it, const uint64_t *bits, uint64_t nr_bits)
{
	fphint_run_iter_init_strided(it, bits, 1, NULL, 0, nr_bits);
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
		v &= word_mask(0, tail);
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
