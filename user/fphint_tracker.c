// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_tracker.c - reconcile the pinned bitmap with KPF_BUDDY.
 *
 * Runs concurrently with the BPF programs (and possibly with a second
 * reconcile from `fphint reconcile`).  For every word the map value is
 * read BEFORE the truth for its pfns, and the new value is installed with
 * a compare-and-swap against that old value: an event that lands after
 * the truth was read changes the word (BPF only writes when bits change),
 * so the CAS fails and the word is redone.  Remaining imprecision (an
 * event that found its bits already in the desired state writes nothing)
 * only produces stale candidates, which consumers confirm under
 * zone->lock anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "fphint_tracker.h"
#include "fphint_kpage.h"
#include "fphint_time.h"

/* Words handled per kpageflags read (8192 pfns, 64 KiB of flags). */
#define FPHINT_RECONCILE_CHUNK_WORDS 128
/* Attempts per word before leaving it to BPF (it is being changed now). */
#define FPHINT_RECONCILE_MAX_RETRIES 4

int fphint_link_prog_info(int link_fd, struct bpf_link_info *li, struct bpf_prog_info *pi,
			  uint32_t *prog_info_len)
{
	uint32_t len = sizeof(*li);
	int pfd, ret = 0;

	memset(li, 0, sizeof(*li));
	memset(pi, 0, sizeof(*pi));
	if (bpf_obj_get_info_by_fd(link_fd, li, &len))
		return -errno;
	pfd = bpf_prog_get_fd_by_id(li->prog_id);
	if (pfd < 0)
		return -errno;
	*prog_info_len = sizeof(*pi);
	if (bpf_obj_get_info_by_fd(pfd, pi, prog_info_len))
		ret = -errno;
	close(pfd);
	return ret;
}

struct fphint_lost_sum {
	uint64_t lost;
	int found;
};

static int fphint_add_lost(const char *name, const char *path, bool link, void *ctx)
{
	struct fphint_lost_sum *sum = ctx;
	struct bpf_link_info li;
	struct bpf_prog_info pi;
	uint32_t len;
	int lfd, ok;

	(void)name;
	if (!link)
		return 0;
	lfd = bpf_obj_get(path);
	if (lfd < 0)
		return 0;
	ok = !fphint_link_prog_info(lfd, &li, &pi, &len);
	close(lfd);
	if (ok &&
	    len >= offsetof(struct bpf_prog_info, recursion_misses) + sizeof(pi.recursion_misses)) {
		sum->lost += pi.recursion_misses;
		sum->found++;
	}
	return 0;
}

int fphint_lost_events(const char *dir, uint64_t *lost, char *err, size_t errlen)
{
	struct fphint_lost_sum sum = {0};
	int ret = fphint_pins_walk(dir, fphint_add_lost, &sum);

	*lost = sum.lost;
	if (ret) {
		snprintf(err, errlen, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	if (!sum.found) {
		snprintf(err, errlen, "%s: no program reports recursion_misses", dir);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* One word: install truth with CAS, redoing old/truth on a race. */
static int fphint_reconcile_word(struct fphint_pins *p, int kfd, uint64_t w, uint64_t old,
				 uint64_t truth, struct fphint_reconcile_result *r, char *err,
				 size_t errlen)
{
	__u64 *word = &p->words[w].free;
	__u64 expect = old;
	int tries, ret;

	for (tries = 0; tries < FPHINT_RECONCILE_MAX_RETRIES; tries++) {
		if (expect == truth)
			return 0;
		old = expect;
		if (__atomic_compare_exchange_n(word, &expect, truth, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			r->bits_set += (uint64_t)__builtin_popcountll(truth & ~old);
			r->bits_cleared += (uint64_t)__builtin_popcountll(old & ~truth);
			return 0;
		}
		/* BPF changed the word: expect now holds its value; re-read truth after it. */
		r->cas_retries++;
		ret = fphint_kpage_buddy_fd(kfd, w * FPHINT_PAGES_PER_WORD, FPHINT_PAGES_PER_WORD,
					    &truth, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int fphint_reconcile(struct fphint_pins *p, struct fphint_reconcile_result *r, char *err,
		     size_t errlen)
{
	uint64_t olds[FPHINT_RECONCILE_CHUNK_WORDS], truth[FPHINT_RECONCILE_CHUNK_WORDS];
	uint64_t nr_words, w0, t0 = fphint_now_ns(CLOCK_MONOTONIC);
	int kfd, ret = 0;

	memset(r, 0, sizeof(*r));
	/* Words past nr_pfns cover no page frame: leave them alone. */
	nr_words = (p->meta.nr_pfns + FPHINT_PAGES_PER_WORD - 1) / FPHINT_PAGES_PER_WORD;
	if (!nr_words || nr_words > p->nr_words)
		nr_words = p->nr_words;
	kfd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "/proc/kpageflags: %s", strerror(-ret));
		return ret;
	}
	for (w0 = 0; w0 < nr_words; w0 += FPHINT_RECONCILE_CHUNK_WORDS) {
		uint64_t n = nr_words - w0, i;

		if (n > FPHINT_RECONCILE_CHUNK_WORDS)
			n = FPHINT_RECONCILE_CHUNK_WORDS;
		for (i = 0; i < n; i++)
			olds[i] = __atomic_load_n(&p->words[w0 + i].free, __ATOMIC_ACQUIRE);
		ret = fphint_kpage_buddy_fd(kfd, w0 * FPHINT_PAGES_PER_WORD,
					    n * FPHINT_PAGES_PER_WORD, truth, err, errlen);
		if (ret)
			goto out;
		for (i = 0; i < n; i++) {
			ret = fphint_reconcile_word(p, kfd, w0 + i, olds[i], truth[i], r, err,
						    errlen);
			if (ret)
				goto out;
		}
		r->words_checked += n;
	}
	r->elapsed_ns = fphint_now_ns(CLOCK_MONOTONIC) - t0;

	/* The reconcile fields of meta, in place: concurrent passes add up. */
	__atomic_fetch_add(&p->live->reconcile_runs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->live->reconcile_set, r->bits_set, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->live->reconcile_cleared, r->bits_cleared, __ATOMIC_RELAXED);
	__atomic_store_n(&p->live->last_reconcile_at, fphint_now_ns(CLOCK_REALTIME),
			 __ATOMIC_RELAXED);
	{
		uint64_t lost;
		char ignored[128];

		/* Kernels without recursion_misses keep the last value. */
		if (p->dir[0] && !fphint_lost_events(p->dir, &lost, ignored, sizeof(ignored)))
			__atomic_store_n(&p->live->lost_events, lost, __ATOMIC_RELAXED);
	}
	ret = fphint_meta_read(p, &p->meta);
	if (ret)
		snprintf(err, errlen, "meta read: %s", strerror(-ret));
out:
	close(kfd);
	return ret;
}
