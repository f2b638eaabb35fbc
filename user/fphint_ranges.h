/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_ranges.h - bit tests over arrays of 64-bit words, and
 * iteration of set bits as coalesced [start, end) runs.
 *
 * Bit i lives in bit (i % 64) of word i / 64, the layout of the pinned
 * bitmap (fphint_layout.h).  The run iterator reads each word exactly once
 * (with a relaxed atomic load), so it can walk the live, mmapped map while
 * BPF programs change it: every run it returns is consistent with one read
 * of every word it covers.
 */
#ifndef FPHINT_RANGES_H
#define FPHINT_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fphint_layout.h"

#define FPHINT_BITS_PER_WORD 64

/* Words needed for nr bits. */
static inline uint64_t fphint_bits_words(uint64_t nr)
{
	return nr / FPHINT_BITS_PER_WORD + (nr % FPHINT_BITS_PER_WORD != 0);
}

static inline bool fphint_bit_test(const uint64_t *bits, uint64_t i)
{
	return (bits[i / FPHINT_BITS_PER_WORD] >> (i % FPHINT_BITS_PER_WORD)) & 1;
}

/*
 * Iterator over the set bits of (a & b) as maximal runs.  a and b are read
 * word by word with a stride (in uint64_t units), so the `free` and
 * `freed_since_epoch` members of an array of struct fphint_word can be
 * walked in place (fphint_run_iter_init_words).  b may be NULL (all ones).
 */
struct fphint_run_iter {
	const uint64_t *a, *b;
	size_t a_stride, b_stride;
	uint64_t nr_bits, nr_words;
	uint64_t widx;	     /* index of the word held in wval */
	uint64_t wval;	     /* its bits not yet consumed */
	uint64_t page_limit; /* 0 = none */
	uint64_t pages_done; /* bits returned so far */
	bool started, done;
	bool limited; /* the limit stopped the walk before the last set bit */
};

struct fphint_run {
	uint64_t start, end; /* [start, end) */
};

/* Bits of (a[i * a_stride] & b[i * b_stride]); b may be NULL. */
void fphint_run_iter_init_strided(struct fphint_run_iter *it, const uint64_t *a, size_t a_stride,
				  const uint64_t *b, size_t b_stride, uint64_t nr_bits);
/*
 * The pinned map in place: the `free` bits of words[], or with delta the
 * delta set (free & freed_since_epoch).
 */
void fphint_run_iter_init_words(struct fphint_run_iter *it, const struct fphint_word *words,
				uint64_t nr_bits, bool delta);
/*
 * Stop after limit bits in total (0 = no limit); the run that crosses the
 * limit is cut short.  Afterwards, it->limited says whether set bits were
 * left out.
 */
void fphint_run_iter_set_limit(struct fphint_run_iter *it, uint64_t limit);
/* Next run into *run; false when there are no more. */
bool fphint_run_next(struct fphint_run_iter *it, struct fphint_run *run);

#endif
