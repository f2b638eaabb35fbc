// SPDX-License-Identifier: GPL-2.0-only
/*
 * fphint_balloon free page hinting, driven by fphint's BPF map.
 *
 * SAFETY CONTRACT
 * No page is handed out by the allocator between the moment we confirm it
 * free and the moment the device has used the buffer that carries it.
 * Why it matters: QEMU applies a hint by clearing the page's bit in its
 * migration bitmap (and, under KVM with manual dirty-log protect, the dirty
 * log of its whole chunk).  A guest write to a hinted page that lands after
 * the page was found free but before the hint is applied can be lost: the
 * destination then sees stale memory.  "The page was free once" is not
 * enough; it must still be free when the hint takes effect.
 *
 * How: we own what we hint, as mm/page_reporting.c does.  The map is only
 * an index of candidates (the allocator has paths that emit no event, and
 * events can be missed).  Per batch we
 *  1. scan the map without any lock and pick candidate blocks (a racy look
 *     at struct page skips the rest of a free block's bits);
 *  2. take the candidates' zone->lock (irqsave: the allocator takes it from
 *     interrupts too), confirm each candidate is in a free buddy block of
 *     the zone, and take that block off its free list, with the counters
 *     the kernel keeps for it (fphint_take_block()), within the in-flight
 *     budget and never below the zone's high watermark;
 *  3. drop the lock (held for at most FPHINT_HOLD_BLOCKS confirmations:
 *     microseconds), and queue the blocks as IN buffers, adjacent blocks
 *     coalesced into one range per buffer;
 *  4. while the device works through them, the next batch is taken and
 *     queued (the budget bounds how much is out at once); a used buffer
 *     gives its blocks back to the allocator (fphint_give_back()).  The
 *     hint work sleeps between looks at the used ring: no lock is held
 *     and interrupts are on while the host works.
 * An isolated block is neither free (not PageBuddy, not on a free list)
 * nor allocated (refcount 0): the allocator, pcp refill, compaction's free
 * scanner, alloc_contig_range, page reporting and hwpoison cannot hand it
 * out, exactly like a block page reporting holds.  Pages on per-cpu lists
 * are free but not buddy: they are rejected (not hinted), never assumed.
 *
 * A device that never uses a buffer: its blocks stay isolated.  Releasing
 * them would let the pages be reused while the host may still apply their
 * hint (QEMU pops a buffer, then waits for its migration bitmap_mutex before
 * applying it; NEEDS_RESET raised by another queue does not stop that, and
 * of a reset the virtio spec promises only that the device stops accessing
 * the rings).  The guest keeps running: at most the budget is out.  Such
 * blocks are given back only when their buffer is used; if the device dies
 * or is removed first, and the buffer was not used before the reset, they
 * are never given back (counted in stranded_pages and logged): a bounded
 * leak is better than a lost write.
 *
 * Poisoning: with init_on_free or page poisoning, free pages hold a known
 * pattern that a hinted page loses on the destination.  We do not
 * negotiate PAGE_POISON; we refuse to hint (logged once) instead.
 *
 * Rounds: a new command id starts a round: send the id (4-byte OUT), the
 * hints, then STOP.  Rounds of a migration offer every free bit until one
 * such full round runs to its end; later rounds of the same migration offer
 * only pages freed since the previous round (freed_since_epoch, taken with
 * xchg, meta.epoch bumped), since anything older was offered already or was
 * not dirtied.  The config field reads 0 both in STOP and while the host is
 * in START, so a read of 0 does not end a round (hints sent after a real STOP
 * are ignored by the host, which soon requests a new id or says DONE).  A new
 * id mid-round abandons the round and serves the new one; DONE ends it;
 * device removal ends it after the current batch.  A round ends only once
 * every buffer it queued was used (or the device can use none any more).
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page-flags.h>
#include <linux/page_ref.h>
#include <linux/page-isolation.h>
#include <linux/pageblock-flags.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/scatterlist.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/nodemask.h>
#include <linux/vmstat.h>
#include <linux/virtio_config.h>

#include "fphint_balloon.h"
#include "fphint_compat.h"

/*
 * QEMU applies each hint under its migration bitmap_mutex, which the
 * migration thread holds for up to 50 ms at a time while it sends pages.
 * Once its iothread has the mutex it drains every queued buffer, so the
 * hinting pace is one budget per such wait, and every page the migration
 * thread reaches before its hint lands is sent for nothing.  A budget
 * fixed in MiB would make the round time of a big guest grow with its
 * free memory; by default it is a share of RAM instead: a 32nd, between
 * 64 MiB (what a 2 GiB guest needs to keep up; an eighth of RAM below
 * 512 MiB) and 1 GiB (the most measured; also what a host that stops
 * using buffers can strand).  Buffers go out in address order, the order
 * the host sends in.
 */
static unsigned int inflight_mib;
module_param(inflight_mib, uint, 0644);
MODULE_PARM_DESC(inflight_mib,
		 "most MiB of free memory taken off the free lists for hints in flight at once (0, the default: a 32nd of RAM, between 64 and 1024; any value is taken as 8 at least and an eighth of RAM at most)");
#define FPHINT_INFLIGHT_MIB_MIN 8U
#define FPHINT_INFLIGHT_AUTO_MIB_MIN 64UL
#define FPHINT_INFLIGHT_AUTO_MIB_MAX 1024UL
#define FPHINT_INFLIGHT_AUTO_SHIFT 5
#define FPHINT_INFLIGHT_MIB_MAX 65536U

/* Hint buffers in flight at most; one more descriptor stays for STOP. */
#define FPHINT_RANGES 1000U
/*
 * Candidates confirmed per zone->lock hold: each costs up to a struct
 * page look-up per order and a list_del, tens of microseconds under TCG
 * for a small block, so a hold stays below a millisecond.
 */
#define FPHINT_HOLD_BLOCKS 16
/* Bitmap words scanned per batch (64 pfns each, no lock held): 8 GiB. */
#define FPHINT_BATCH_WORDS 32768
/* Blocks per buffer, and the longest range (sg lengths are 32-bit). */
#define FPHINT_RANGE_BLOCKS 16
#define FPHINT_RANGE_MAX_PAGES BIT(19)
#define FPHINT_SLOW_WAIT_NS (1000ULL * NSEC_PER_MSEC)

enum fphint_round_end {
	FPHINT_END_COMPLETE,
	FPHINT_END_HOST_STOP, /* STOP or DONE from the host */
	FPHINT_END_NEW_ID,
	FPHINT_END_REMOVED,
	FPHINT_END_DEVICE_DEAD,
};

/*
 * One IN buffer: adjacent isolated blocks, [start, start + nr).  Its
 * address is the buffer's token; the blocks' orders say how to give the
 * pages back exactly as they were taken.
 */
struct fphint_range {
	unsigned long start;
	unsigned int nr;
	u8 nr_blocks;
	u8 order[FPHINT_RANGE_BLOCKS];
	bool queued;
	u64 queued_ns;
};

/* What is in flight with the device: hint buffers not used yet. */
struct fphint_inflight {
	struct fphint_range range[FPHINT_RANGES];
	unsigned int next; /* where to look for a free slot */
	unsigned int buffers;
	unsigned long pages; /* isolated, in queued buffers */
	u64 kicked_ns; /* the last kick while waiting (fphint_nap()) */
	bool stranded_logged;
};

/* A block taken off a free list under zone->lock, before it is queued. */
struct fphint_block {
	unsigned long pfn;
	unsigned int order;
};

struct fphint_round {
	struct fphint_balloon *fb;
	struct fphint_inflight *inf;
	u64 asked_ns; /* ktime of the config interrupt that asked for it */
	struct fphint_map_ref map;
	bool delta; /* later round of a migration: freed_since_epoch only */
	/* The zone being hinted, and its pfns [zone_start, zone_end). */
	struct zone *zone;
	unsigned long zone_start, zone_end;
	u64 end_word; /* first word past the zone (or the map) */
	u64 word; /* cursor: word holding the next candidates */
	u64 mask; /* candidate bits of that word not yet looked at */
	bool loaded; /* mask holds word's candidates */
	unsigned long covered_to; /* pfns below were taken as candidates */
	/* Candidates picked without the lock, confirmed under it. */
	unsigned long cand[FPHINT_HOLD_BLOCKS];
	unsigned int nr_cand;
	bool zone_done; /* the scan reached the zone's end */
	u64 pages, ranges, candidates, rejected, batches;
	u64 max_hold_ns, max_device_wait_ns;
	bool dead; /* the device stopped processing: hint nothing more */
	bool hinted; /* the device used one of the round's hint buffers */
	bool stop_seen; /* a config change read STOP after that */
};

bool fphint_hint_refused(void)
{
	return want_init_on_free() || page_poisoning_enabled_static();
}

static u32 fphint_read_id(struct fphint_balloon *fb)
{
	u32 id;

	virtio_cread_le(fb->vdev, struct virtio_balloon_config,
			free_page_hint_cmd_id, &id);
	return id;
}

/* True when the device will never use (nor apply) another buffer. */
static bool fphint_device_dead(struct fphint_balloon *fb)
{
	return virtqueue_is_broken(fb->hint_vq) ||
	       (fb->vdev->config->get_status(fb->vdev) &
		VIRTIO_CONFIG_S_NEEDS_RESET);
}

/*
 * The migratetype of @pfn's pageblock: mm/page_alloc.c's
 * get_pfnblock_migratetype(), which is not exported.  Same layout in 6.1
 * and 6.12 (fphint_compat.h refuses other kernels and !SPARSEMEM): each
 * section's usemap holds NR_PAGEBLOCK_BITS per pageblock, the migratetype
 * in the low PB_migratetype_bits.  Stable under zone->lock, which
 * set_pageblock_migratetype()'s callers hold.
 */
static int fphint_pageblock_mt(unsigned long pfn)
{
	unsigned long *bitmap = section_to_usemap(__pfn_to_section(pfn));
	unsigned long bitidx = ((pfn & (PAGES_PER_SECTION - 1)) >> pageblock_order) *
			       NR_PAGEBLOCK_BITS;
	unsigned long word = READ_ONCE(bitmap[bitidx / BITS_PER_LONG]);

	return (word >> (bitidx % BITS_PER_LONG)) & MIGRATETYPE_MASK;
}

/*
 * The free page counters of a block of @nr pages of migratetype @mt
 * leaving (@nr < 0) or joining a free list: mm/page_alloc.c's
 * account_freepages() (6.12) and __mod_zone_freepage_state() (6.1).
 * Isolated and highatomic pageblocks are never taken, so their counters
 * (6.12's nr_free_highatomic) never move here.
 */
static void fphint_account_freepages(struct zone *zone, long nr, int mt)
{
	lockdep_assert_held(&zone->lock);
	__mod_zone_page_state(zone, NR_FREE_PAGES, nr);
	if (is_migrate_cma(mt))
		__mod_zone_page_state(zone, NR_FREE_CMA_PAGES, nr);
}

/*
 * What the allocator keeps back in @zone, as calculate_totalreserve_pages()
 * counts it (6.1 and 6.12): the high watermark plus the largest
 * lowmem_reserve, the share of this zone that allocations for higher zones
 * may not fall back to.
 */
static unsigned long fphint_zone_reserve(struct zone *zone)
{
	unsigned long reserve = 0;
	int i;

	for (i = 0; i < MAX_NR_ZONES; i++)
		reserve = max_t(unsigned long, reserve, zone->lowmem_reserve[i]);
	return high_wmark_pages(zone) + reserve;
}

/*
 * The free pages of @zone that an allocation of migratetype @mt could get,
 * as the watermark check counts them (__zone_watermark_unusable_free(),
 * 6.1 and 6.12): not the highatomic reserve, and, for a block outside CMA,
 * not the free CMA pages.  The kernel leaves those out only for
 * allocations that may not use CMA; leaving them out for a movable block
 * too only makes us take less.  Kernels built without CONFIG_CMA count 0
 * there.
 */
static unsigned long fphint_zone_free(struct zone *zone, int mt)
{
	unsigned long free = zone_page_state(zone, NR_FREE_PAGES);
	unsigned long unusable = fphint_zone_highatomic(zone);

	if (!is_migrate_cma(mt))
		unusable += zone_page_state(zone, NR_FREE_CMA_PAGES);
	return free > unusable ? free - unusable : 0;
}

/*
 * If @pfn lies in a free buddy block of @zone, returns its head page with
 * the block in [*start, *start + (1 << *order)).  Stable only under
 * zone->lock; without it the answer is a guess, good for skipping.
 */
static struct page *fphint_find_block(struct zone *zone, unsigned long pfn,
				      unsigned long *start, unsigned int *order)
{
	unsigned int o;

	for (o = 0; o < FPHINT_NR_ORDERS; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);
		unsigned long head_order;
		struct page *page;

		if (!zone_spans_pfn(zone, head))
			return NULL;
		/* Offline or hot-removed sections have no usable memmap. */
		page = pfn_to_online_page(head);
		if (!page)
			return NULL;
		if (!PageBuddy(page))
			continue;
		head_order = READ_ONCE(page->private);
		if (head_order < o || head_order >= FPHINT_NR_ORDERS ||
		    page_zone(page) != zone)
			return NULL;
		*start = head;
		*order = head_order;
		return page;
	}
	return NULL;
}

/*
 * With zone->lock held: takes the free block at @page off its free list,
 * as mm/page_alloc.c's __isolate_free_page() does (6.1 and 6.12), except
 * that it leaves the pageblock's migratetype alone (the block goes back
 * where it was) and asks more of the watermark: the zone keeps its high
 * watermark and its lowmem reserve, so hinting's own takes never wake
 * kswapd (the guest's allocations still have that much less headroom
 * while blocks are out).  Refuses blocks in isolated pageblocks (memory
 * offlining, alloc_contig_range own them) and in highatomic ones (held
 * back for high-order atomic allocations).
 */
static bool fphint_take_block(struct zone *zone, struct page *page,
			      unsigned long pfn, unsigned int order)
{
	unsigned long nr = 1UL << order, p;
	int mt = fphint_pageblock_mt(pfn);

	lockdep_assert_held(&zone->lock);
	for (p = pfn; p < pfn + nr; p += pageblock_nr_pages) {
		int pmt = fphint_pageblock_mt(p);

		if (is_migrate_isolate(pmt) || pmt == MIGRATE_HIGHATOMIC)
			return false;
	}
	if (fphint_zone_free(zone, mt) < fphint_zone_reserve(zone) + nr)
		return false;
	/* del_page_from_free_list(), from page_alloc.c (static). */
	if (PageReported(page))
		__ClearPageReported(page);
	list_del(&page->buddy_list);
	__ClearPageBuddy(page);
	set_page_private(page, 0);
	zone->free_area[order].nr_free--;
	fphint_account_freepages(zone, -(long)nr, mt);
	return true;
}

/*
 * Puts a top-order block (the caller checks the order) back on its free
 * list, to the tail (it is cold), as page reporting's
 * __putback_isolated_page() does, but without __free_pages():
 * free_pages_prepare() writes the flags of every tail page, and every
 * write dirties guest memory the host then sends again
 * (the memmap is a 64th of what was hinted: 7% more pages sent for a
 * 2 GiB guest).  At the top order there is no buddy to merge with, so
 * setting the buddy order, the tail add and the counters are all that
 * __free_one_page() does, on 6.1 (the head's list, mergeable types) and
 * on 6.12 (each pageblock on its own type's list, merged when the types
 * agree) alike, when every pageblock of the block has one migratetype,
 * neither isolated nor highatomic, and no page of it carries a flag the
 * allocator checks before handing a page out (@page_flags, from
 * fphint_block_flags()); else the block takes the regular path, whose
 * free_pages_prepare() deals with such a page as with any freed one.  The
 * map needs no free event: taking the block fired no allocation event,
 * and its bits still say free (a reconcile while the block was out clears
 * them: a missed hint, never a wrong one).  No alloc or free hook ran or
 * runs on it (page_owner, page poisoning): it never left the allocator's
 * free state.  Unlike the free path it does not wake free page reporting
 * (page_reporting_notify_free() is mm-internal): the block, its
 * PG_reported cleared when taken, is reported after the next free of a
 * reportable order.
 */
static bool fphint_put_back_top(struct page *page, unsigned long pfn,
				unsigned int order, unsigned long page_flags)
{
	struct zone *zone = page_zone(page);
	unsigned long flags, p, nr = 1UL << order;
	bool same = true;
	int mt;

	if (page_count(page) || (page_flags & PAGE_FLAGS_CHECK_AT_PREP))
		return false;
	spin_lock_irqsave(&zone->lock, flags);
	mt = fphint_pageblock_mt(pfn);
	for (p = pfn + pageblock_nr_pages; same && p < pfn + nr;
	     p += pageblock_nr_pages)
		same = fphint_pageblock_mt(p) == mt;
	same = same && !is_migrate_isolate(mt) && mt != MIGRATE_HIGHATOMIC;
	if (same) {
		/* __add_to_free_list(..., tail) and set_buddy_order(). */
		set_page_private(page, order);
		__SetPageBuddy(page);
		list_add_tail(&page->buddy_list,
			      &zone->free_area[order].free_list[mt]);
		zone->free_area[order].nr_free++;
		fphint_account_freepages(zone, nr, mt);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return same;
}

/*
 * The flags of every page of a block that is off the free lists, OR-ed:
 * what the allocator checks before handing a page out
 * (PAGE_FLAGS_CHECK_AT_PREP, 6.1 and 6.12: free_pages_prepare() cleared
 * them all when the pages were freed, and PG_reported, the one a free
 * head may carry, was cleared when the block was taken) and HWPoison.
 * Reading writes nothing, so it dirties nothing.
 */
static unsigned long fphint_block_flags(struct page *page, unsigned int order)
{
	unsigned long i, all = 0;

	for (i = 0; i < (1UL << order); i++)
		all |= READ_ONCE(page[i].flags);
	return all & (PAGE_FLAGS_CHECK_AT_PREP | __PG_HWPOISON);
}

/*
 * memory_failure() may poison a page of a block while it is out (it finds
 * the page neither free nor held, and only flags it), and a free of order
 * > 0 would put the page back on the free lists (free_pages_prepare()
 * stops only an order-0 poisoned page).  So such a block is given back
 * page by page, and its poisoned pages keep a reference of ours, as
 * take_page_off_buddy() keeps them: unpoison_memory() (injected poison
 * only) then frees them through that reference.  Live where the kernel
 * has CONFIG_MEMORY_FAILURE (Debian's 6.12 cloud kernel, not its 6.1 one).
 * A page poisoned between the flag scan and the free lands on the free
 * lists, as it would from any high-order free in the kernel.
 */
static void fphint_give_back_poisoned(struct page *page, unsigned int order)
{
	unsigned long i, kept = 0;

	for (i = 0; i < (1UL << order); i++) {
		page_ref_inc(page + i);
		if (PageHWPoison(page + i))
			kept++;
		else
			__free_pages(page + i, 0);
	}
	if (kept)
		pr_warn_ratelimited("fphint_balloon: kept %lu hwpoisoned page(s) of pfn %#lx off the allocator\n",
				    kept, page_to_pfn(page));
}

/*
 * Gives back a block fphint_take_block() took, once the device @used its
 * buffer (or it was never queued): top-order blocks of a used buffer
 * straight to their free list (above), the others through the allocator,
 * whose free event marks a block never offered as freed again for the
 * next round.  Every refcount is 0, as on the free list, so no pfn walker
 * can have taken a speculative reference (get_page_unless_zero() fails on
 * 0): __free_pages() with a reference of ours goes through the regular
 * free path (free_pages_prepare() checks, merging with its buddies, the
 * pageblock's current migratetype and counters, the mm_page_free
 * tracepoint that keeps the map right).  page_ref_inc() rather than
 * set_page_count(): should a reference exist after all (the warning says
 * so), it is kept, not overwritten.
 */
static void fphint_give_back(unsigned long pfn, unsigned int order,
			     bool used)
{
	struct page *page = pfn_to_page(pfn);
	bool top = used && order == FPHINT_NR_ORDERS - 1;
	unsigned long page_flags = 0;

	/* Only the poison check and the direct put-back use the flags. */
	if (IS_ENABLED(CONFIG_MEMORY_FAILURE) || top)
		page_flags = fphint_block_flags(page, order);
	if (page_flags & __PG_HWPOISON) {
		fphint_give_back_poisoned(page, order);
		return;
	}
	if (top && fphint_put_back_top(page, pfn, order, page_flags))
		return;
	WARN_ON_ONCE(page_ref_count(page));
	page_ref_inc(page);
	__free_pages(page, order);
}

/*
 * The map bits of pages we gave back: they look freshly freed (the free
 * tracepoint fired), but they were offered in this round already.
 * Clearing a bit a real free set meanwhile only hints less.
 */
static void fphint_forget_freed(struct fphint_round *r, unsigned long start,
				unsigned long nr)
{
	unsigned long pfn = start, end = start + nr;

	while (pfn < end) {
		u64 w = pfn / FPHINT_PAGES_PER_WORD;
		unsigned int lo = pfn % FPHINT_PAGES_PER_WORD;
		unsigned int n = min_t(unsigned long, FPHINT_PAGES_PER_WORD - lo,
				       end - pfn);
		u64 bits = (n == 64 ? ~0ULL : (BIT_ULL(n) - 1)) << lo;

		if (w >= r->map.nr_words)
			return;
		atomic64_andnot(bits, (atomic64_t *)&r->map.words[w].freed_since_epoch);
		pfn += n;
	}
}

/* Gives back every block of @range and frees its slot. */
static void fphint_range_done(struct fphint_round *r,
			      struct fphint_range *range, bool used)
{
	unsigned long pfn = range->start;
	unsigned int i;

	for (i = 0; i < range->nr_blocks; i++) {
		fphint_give_back(pfn, range->order[i], used);
		pfn += 1UL << range->order[i];
	}
	if (r)
		fphint_forget_freed(r, range->start, range->nr);
	range->queued = false;
}

/*
 * Takes back the used buffers of the free page queue: a hint buffer's
 * blocks go back to the allocator; the id/STOP buffer frees id_buf.
 * Returns how many hint buffers were used.
 */
static unsigned int fphint_reap(struct fphint_balloon *fb,
				struct fphint_round *r)
{
	struct fphint_inflight *inf = fb->inflight;
	unsigned int len, n = 0;
	void *token;

	while ((token = virtqueue_get_buf(fb->hint_vq, &len))) {
		struct fphint_range *range = token;
		u64 now;

		if (token == &fb->id_buf) {
			fb->id_busy = false;
			continue;
		}
		if (WARN_ON_ONCE(!inf || range < inf->range ||
				 range >= inf->range + FPHINT_RANGES ||
				 !range->queued))
			continue;
		now = ktime_get_ns();
		if (r) {
			r->max_device_wait_ns = max(r->max_device_wait_ns,
						    now - range->queued_ns);
			if (!r->hinted && !r->delta)
				fphint_stats.last_first_hint_ns = now - r->asked_ns;
			r->hinted = true;
		}
		inf->buffers--;
		inf->pages -= range->nr;
		fphint_stats.isolated_pages = inf->pages;
		fphint_range_done(r, range, true);
		n++;
	}
	return n;
}

/*
 * One look at the device while buffers are out, sleeping: no lock is held,
 * interrupts are on (the queue's interrupt stays off: see
 * fphint_intx_resync() for what QEMU 7.2's iothread does with the line).
 * QEMU 7.2 re-enables notifications after its last pop without looking at
 * the ring again, so a buffer added in that window waits for the next
 * kick: kick again, once a millisecond at most (each kick is an exit to
 * QEMU).  @since: when the wait began, for the warning.
 */
static void fphint_nap(struct fphint_balloon *fb, u64 since, bool *warned)
{
	struct fphint_inflight *inf = fb->inflight;
	u64 now;

	usleep_range(500, 1000);
	now = ktime_get_ns();
	if (now - inf->kicked_ns >= NSEC_PER_MSEC) {
		inf->kicked_ns = now;
		virtqueue_notify(fb->hint_vq);
	}
	if (!*warned && now - since > FPHINT_SLOW_WAIT_NS) {
		*warned = true;
		fphint_stats.slow_device_waits++;
		dev_warn(&fb->vdev->dev,
			 "free page queue: %u buffers (%lu pages) unused after 1 s; still waiting, the pages stay isolated\n",
			 inf->buffers, inf->pages);
	}
}

/* Removal began and its second is over: stop waiting for the device. */
static bool fphint_removal_due(struct fphint_balloon *fb)
{
	/* Pairs with the release in fphint_remove(). */
	return smp_load_acquire(&fb->stopping) &&
	       time_after(jiffies, fb->stop_deadline);
}

/*
 * Waits, sleeping, until at most @pages in at most @buffers are out in
 * hint buffers the device has not used (0, 0: every buffer used).  Gives
 * up if the device died (r->dead) or removal is due: the blocks of unused
 * buffers then stay isolated (see fphint_hint_release()).
 */
static enum fphint_round_end fphint_wait_back(struct fphint_round *r,
					      unsigned long pages,
					      unsigned int buffers)
{
	u64 since = ktime_get_ns();
	bool warned = false;

	while (r->inf->pages > pages || r->inf->buffers > buffers) {
		if (fphint_reap(r->fb, r))
			continue;
		if (fphint_device_dead(r->fb)) {
			r->dead = true;
			return FPHINT_END_DEVICE_DEAD;
		}
		if (fphint_removal_due(r->fb))
			return FPHINT_END_REMOVED;
		fphint_nap(r->fb, since, &warned);
	}
	return FPHINT_END_COMPLETE;
}

/*
 * Waits, sleeping, until the device has taken id_buf, kicking as it waits:
 * a kick can be missed (see fphint_nap()), and after a migration the
 * new QEMU looks at the ring only when kicked.  Gives up (false, with a
 * warning naming @what) at @deadline, if the device died, or a second
 * after removal began: removal waits that long so that it does not reset
 * the device under the host's hinting loop (see fphint_hint_quiesce()).
 */
static bool fphint_wait_id(struct fphint_balloon *fb, unsigned long deadline,
			   const char *what)
{
	u64 kicked = 0, now;
	bool removing;

	while (fb->id_busy) {
		fphint_reap(fb, NULL);
		if (!fb->id_busy)
			break;
		/* Pairs with the release in fphint_remove(). */
		removing = smp_load_acquire(&fb->stopping);
		if (removing && time_after(deadline, fb->stop_deadline))
			deadline = fb->stop_deadline;
		if (time_after(jiffies, deadline) || fphint_device_dead(fb)) {
			dev_warn(&fb->vdev->dev,
				 "free page queue: %s not taken by the device (%s); round abandoned\n",
				 what, fphint_device_dead(fb) ? "device dead" :
				 removing ? "driver removed, 1 s" : "5 s");
			return false;
		}
		usleep_range(200, 400);
		/* A kick is an exit to the host: once a millisecond at most. */
		now = ktime_get_ns();
		if (now - kicked >= NSEC_PER_MSEC) {
			kicked = now;
			virtqueue_notify(fb->hint_vq);
		}
	}
	return true;
}

/*
 * Sends a 4-byte OUT buffer (an id or STOP) and waits for its use,
 * sleeping: no lock is held and no page is at stake.  Gives up (false)
 * as fphint_wait_id() does (5 s, 1 s into removal, device dead); the
 * buffer then stays queued and id_busy keeps id_buf untouched until the
 * device uses it.
 */
static bool fphint_send_out(struct fphint_balloon *fb, u32 value)
{
	unsigned long deadline = jiffies + 5 * HZ;
	struct scatterlist sg;
	char what[24];

	/*
	 * The last id or STOP was not taken yet (an earlier wait gave up):
	 * left without kicks, every later round would give up here.
	 */
	if (!fphint_wait_id(fb, deadline, "the previous id/STOP buffer"))
		return false;
	fb->id_buf = cpu_to_virtio32(fb->vdev, value);
	sg_init_one(&sg, &fb->id_buf, sizeof(fb->id_buf));
	if (virtqueue_add_outbuf(fb->hint_vq, &sg, 1, &fb->id_buf, GFP_KERNEL))
		return false;
	fb->id_busy = true;
	virtqueue_kick(fb->hint_vq);
	snprintf(what, sizeof(what), "id %#x", value);
	return fphint_wait_id(fb, deadline, what);
}

/* The bits of @word whose pfns lie in the round's zone. */
static u64 fphint_zone_bits(const struct fphint_round *r, u64 word)
{
	unsigned long base = word * FPHINT_PAGES_PER_WORD;
	u64 bits = ~0ULL;

	if (r->zone_start > base)
		bits &= ~0ULL << (r->zone_start - base);
	if (r->zone_end < base + FPHINT_PAGES_PER_WORD)
		bits &= ~0ULL >> (base + FPHINT_PAGES_PER_WORD - r->zone_end);
	return bits;
}

/* Loads the candidate bits of the cursor's word; false at the zone's end. */
static bool fphint_load_word(struct fphint_round *r)
{
	struct fphint_word *w;
	u64 freed, bits;

	while (!r->loaded || !r->mask) {
		if (r->loaded)
			r->word++;
		if (r->word >= r->end_word)
			return false;
		w = &r->map.words[r->word];
		bits = fphint_zone_bits(r, r->word);
		r->mask = READ_ONCE(w->free) & bits;
		r->loaded = true;
		/*
		 * Every round takes the delta set: the next round's base.  A
		 * word shared with another zone keeps that zone's bits.
		 */
		if (bits == ~0ULL)
			freed = xchg(&w->freed_since_epoch, 0);
		else
			freed = atomic64_fetch_andnot(bits, (atomic64_t *)&w->freed_since_epoch);
		if (r->delta)
			r->mask &= freed;
		r->candidates += hweight64(r->mask);
	}
	return true;
}

/* Drops the word's candidates below covered_to: a block took them. */
static void fphint_skip_covered(struct fphint_round *r)
{
	unsigned long base = r->word * FPHINT_PAGES_PER_WORD;

	if (r->covered_to >= base + FPHINT_PAGES_PER_WORD)
		r->mask = 0;
	else if (r->covered_to > base)
		r->mask &= ~0ULL << (r->covered_to - base);
}

/*
 * Without any lock: tops up the round's candidates from the map, one per
 * block as struct page shows it now (a racy look: a pfn that looks
 * allocated is dropped, counted as rejected; one that looks free is
 * confirmed under the lock).  Scans at most FPHINT_BATCH_WORDS words.
 */
static void fphint_pick(struct fphint_round *r)
{
	u64 first_word = r->word;
	unsigned long pfn, start;
	unsigned int order;

	while (r->nr_cand < FPHINT_HOLD_BLOCKS &&
	       r->word - first_word < FPHINT_BATCH_WORDS) {
		if (!fphint_load_word(r)) {
			r->zone_done = true;
			return;
		}
		fphint_skip_covered(r);
		if (!r->mask)
			continue;
		pfn = r->word * FPHINT_PAGES_PER_WORD + __ffs64(r->mask);
		r->mask &= r->mask - 1;
		if (!fphint_find_block(r->zone, pfn, &start, &order)) {
			r->rejected++;
			continue;
		}
		r->covered_to = start + (1UL << order);
		r->cand[r->nr_cand++] = pfn;
	}
}

/* A free slot for a range, or NULL when FPHINT_RANGES are in flight. */
static struct fphint_range *fphint_new_range(struct fphint_inflight *inf)
{
	unsigned int i;

	for (i = 0; i < FPHINT_RANGES; i++) {
		struct fphint_range *range =
			&inf->range[(inf->next + i) % FPHINT_RANGES];

		if (!range->queued) {
			inf->next = (inf->next + i + 1) % FPHINT_RANGES;
			range->nr = 0;
			range->nr_blocks = 0;
			return range;
		}
	}
	return NULL;
}

/*
 * Queues the blocks taken in one hold, adjacent ones in one buffer.  One
 * sg per buffer, so no indirect table is ever allocated.  A block that
 * cannot be queued (no slot, ring full) goes straight back: its pages
 * were never offered.  Returns how many buffers went out.
 */
static unsigned int fphint_queue_blocks(struct fphint_round *r,
					const struct fphint_block *blk,
					unsigned int n)
{
	struct fphint_inflight *inf = r->inf;
	struct fphint_range *range = NULL;
	unsigned int i, added = 0;
	struct scatterlist sg;

	for (i = 0; i <= n; i++) {
		bool join = i < n && range &&
			    range->start + range->nr == blk[i].pfn &&
			    range->nr_blocks < FPHINT_RANGE_BLOCKS &&
			    range->nr + (1U << blk[i].order) <= FPHINT_RANGE_MAX_PAGES;

		if (join) {
			range->order[range->nr_blocks++] = blk[i].order;
			range->nr += 1U << blk[i].order;
			continue;
		}
		if (range) {
			sg_init_table(&sg, 1);
			sg_set_page(&sg, pfn_to_page(range->start),
				    range->nr << PAGE_SHIFT, 0);
			if (virtqueue_add_inbuf(r->fb->hint_vq, &sg, 1, range,
						GFP_KERNEL)) {
				fphint_range_done(NULL, range, false);
			} else {
				range->queued = true;
				range->queued_ns = ktime_get_ns();
				inf->buffers++;
				inf->pages += range->nr;
				r->ranges++;
				r->pages += range->nr;
				added++;
			}
		}
		if (i == n)
			break;
		range = fphint_new_range(inf);
		if (!range) {
			fphint_give_back(blk[i].pfn, blk[i].order, false);
			continue;
		}
		/* The slot is ours until it is queued or given back. */
		range->queued = true;
		range->start = blk[i].pfn;
		range->nr = 1U << blk[i].order;
		range->order[0] = blk[i].order;
		range->nr_blocks = 1;
	}
	fphint_stats.isolated_pages = inf->pages;
	fphint_stats.max_isolated_pages =
		max_t(u64, fphint_stats.max_isolated_pages, inf->pages);
	return added;
}

/* Adds one zone->lock hold to the histogram (hint work is serialised). */
static void fphint_count_hold(u64 hold_ns)
{
	u64 le = FPHINT_HOLD_BUCKET0_NS;
	unsigned int i;

	for (i = 0; i < FPHINT_HOLD_BUCKETS - 1 && hold_ns > le; i++)
		le *= 10;
	fphint_stats.lock_hold_hist[i]++;
	fphint_stats.lock_hold_count++;
	fphint_stats.lock_hold_sum_ns += hold_ns;
}

/*
 * The last batches, for debugfs fphint_balloon/batches: when each began
 * (relative to its round's config interrupt), how long its zone->lock
 * hold took, when the device used the first of its buffers, what it
 * hinted.  This is what explains a round that came too late for the host.
 */
#define FPHINT_TRACE_LEN 1024
struct fphint_batch_rec {
	u32 id;
	u8 zone;
	u16 ranges;
	u64 start_ns, hold_ns, pages, first_pfn, inflight;
};

static struct fphint_batch_rec fphint_trace[FPHINT_TRACE_LEN];
/* What the hint work saw last: explains a migration that hinted nothing. */
static struct {
	u64 runs; /* fphint_hint_work() calls */
	u32 last_id; /* the last id read from the config */
	u32 active_id;
} fphint_work_seen;
static unsigned int fphint_trace_next;
static DEFINE_SPINLOCK(fphint_trace_lock);

static void fphint_trace_batch(const struct fphint_batch_rec *rec)
{
	spin_lock(&fphint_trace_lock);
	fphint_trace[fphint_trace_next++ % FPHINT_TRACE_LEN] = *rec;
	spin_unlock(&fphint_trace_lock);
}

int fphint_batches_show(struct seq_file *m, void *v)
{
	unsigned int i, n, first;

	seq_printf(m, "# hint work runs %llu, last id read %#x, active id %#x\n",
		   fphint_work_seen.runs, fphint_work_seen.last_id,
		   fphint_work_seen.active_id);
	seq_puts(m, "id zone start_us hold_us ranges pages first_pfn inflight_pages\n");
	spin_lock(&fphint_trace_lock);
	n = min_t(unsigned int, fphint_trace_next, FPHINT_TRACE_LEN);
	first = fphint_trace_next - n;
	for (i = 0; i < n; i++) {
		const struct fphint_batch_rec *b =
			&fphint_trace[(first + i) % FPHINT_TRACE_LEN];

		seq_printf(m, "%#x %u %llu %llu %u %llu %llu %llu\n", b->id,
			   b->zone, b->start_ns / 1000, b->hold_ns / 1000,
			   b->ranges, b->pages, b->first_pfn, b->inflight);
	}
	spin_unlock(&fphint_trace_lock);
	return 0;
}

/*
 * The last rounds, for debugfs fphint_balloon/rounds: when each began and
 * ended (ktime, i.e. CLOCK_MONOTONIC, so a guest program can match its
 * own timestamps against them: the bench's allocation-stall probe does).
 */
#define FPHINT_ROUNDS_LEN 64
struct fphint_round_rec {
	u32 id;
	u8 delta, end;
	u64 start_ns, end_ns, pages;
};

static struct fphint_round_rec fphint_rounds[FPHINT_ROUNDS_LEN];
static unsigned int fphint_rounds_next;

static void fphint_trace_round(const struct fphint_round_rec *rec)
{
	spin_lock(&fphint_trace_lock);
	fphint_rounds[fphint_rounds_next++ % FPHINT_ROUNDS_LEN] = *rec;
	spin_unlock(&fphint_trace_lock);
}

int fphint_rounds_show(struct seq_file *m, void *v)
{
	unsigned int i, n, first;

	seq_puts(m, "id start_ns end_ns pages delta end\n");
	spin_lock(&fphint_trace_lock);
	n = min_t(unsigned int, fphint_rounds_next, FPHINT_ROUNDS_LEN);
	first = fphint_rounds_next - n;
	for (i = 0; i < n; i++) {
		const struct fphint_round_rec *r =
			&fphint_rounds[(first + i) % FPHINT_ROUNDS_LEN];

		seq_printf(m, "%#x %llu %llu %llu %u %u\n", r->id, r->start_ns,
			   r->end_ns, r->pages, r->delta, r->end);
	}
	spin_unlock(&fphint_trace_lock);
	return 0;
}

/*
 * The in-flight budget in pages: the module parameter, or a 32nd of RAM
 * (64 MiB to 1 GiB) when it is 0; at most an eighth of the guest's memory,
 * and never below FPHINT_INFLIGHT_MIB_MIN, which holds two blocks of the
 * largest order: a round waiting for half the budget back can then always
 * take the next block.
 */
static unsigned long fphint_budget_pages(void)
{
	unsigned long mib = min(READ_ONCE(inflight_mib), FPHINT_INFLIGHT_MIB_MAX);
	unsigned long ram = totalram_pages(), pages;

	BUILD_BUG_ON((FPHINT_INFLIGHT_MIB_MIN << (20 - PAGE_SHIFT)) <
		     2UL << (FPHINT_NR_ORDERS - 1));
	if (mib)
		pages = mib << (20 - PAGE_SHIFT);
	else
		pages = clamp(ram >> FPHINT_INFLIGHT_AUTO_SHIFT,
			      FPHINT_INFLIGHT_AUTO_MIB_MIN << (20 - PAGE_SHIFT),
			      FPHINT_INFLIGHT_AUTO_MIB_MAX << (20 - PAGE_SHIFT));
	return max(min(pages, ram / 8),
		   (unsigned long)FPHINT_INFLIGHT_MIB_MIN << (20 - PAGE_SHIFT));
}

/*
 * Hint buffers that can be out at once: a slot each, and a descriptor each
 * in the free page queue, but one, which stays for the id/STOP buffer.
 */
static unsigned int fphint_buffers_max(struct fphint_balloon *fb)
{
	return min(FPHINT_RANGES,
		   max(virtqueue_get_vring_size(fb->hint_vq), 2U) - 1);
}

/*
 * One batch: pick candidates without a lock, confirm and take them under
 * one short zone->lock hold while the budget allows, queue them.  Returns
 * false when nothing could be taken for lack of budget (the caller waits
 * for the device to give some back) or the zone is done.
 */
static bool fphint_batch(struct fphint_round *r)
{
	struct fphint_block blk[FPHINT_HOLD_BLOCKS];
	unsigned long room, flags, start;
	struct zone *zone = r->zone;
	unsigned int i, n = 0, order, added, slots;
	u64 t0, h0, hold, pages_before = r->pages;
	struct fphint_batch_rec rec;
	struct page *page;

	fphint_pick(r);
	if (!r->nr_cand)
		return false;
	room = fphint_budget_pages();
	room = room > r->inf->pages ? room - r->inf->pages : 0;
	/*
	 * A buffer for every block taken, in case none are adjacent: a block
	 * taken without one would go back unhinted, and the round would take
	 * blocks over and over without waiting.
	 */
	slots = fphint_buffers_max(r->fb);
	slots = slots > r->inf->buffers ? slots - r->inf->buffers : 0;

	t0 = ktime_get_ns();
	spin_lock_irqsave(&zone->lock, flags);
	/*
	 * The hold is timed with local_clock() (the TSC): ktime can read an
	 * emulated clock (HPET under TCG), an exit to the host that may wait
	 * for the emulator's big lock, which must not happen under zone->lock.
	 */
	h0 = local_clock();
	for (i = 0; i < r->nr_cand && n < slots; i++) {
		page = fphint_find_block(zone, r->cand[i], &start, &order);
		if (!page) {
			r->rejected++;
			continue;
		}
		/* No room: this candidate waits for the next batch. */
		if ((1UL << order) > room)
			break;
		if (!fphint_take_block(zone, page, start, order)) {
			r->rejected++;
			continue;
		}
		room -= 1UL << order;
		blk[n].pfn = start;
		blk[n].order = order;
		n++;
	}
	hold = local_clock() - h0;
	spin_unlock_irqrestore(&zone->lock, flags);

	/* Candidates left for the next batch move to the front. */
	memmove(r->cand, r->cand + i, (r->nr_cand - i) * sizeof(r->cand[0]));
	r->nr_cand -= i;
	added = fphint_queue_blocks(r, blk, n);
	if (added)
		virtqueue_kick(r->fb->hint_vq);

	r->batches++;
	r->max_hold_ns = max(r->max_hold_ns, hold);
	fphint_count_hold(hold);
	rec.id = r->fb->active_id;
	rec.zone = zone_idx(zone);
	rec.ranges = added;
	rec.start_ns = t0 - r->asked_ns;
	rec.hold_ns = hold;
	rec.pages = r->pages - pages_before;
	rec.first_pfn = n ? blk[0].pfn : 0;
	rec.inflight = r->inf->pages;
	fphint_trace_batch(&rec);
	return n;
}

/* Did the host stop, finish or restart since the round began? */
static enum fphint_round_end fphint_host_said(struct fphint_round *r,
					      int gen)
{
	struct fphint_balloon *fb = r->fb;
	u32 id;

	if (READ_ONCE(fb->stopping))
		return FPHINT_END_REMOVED;
	if (atomic_read(&fb->config_gen) == gen)
		return FPHINT_END_COMPLETE;
	id = fphint_read_id(fb);
	if (id == VIRTIO_BALLOON_CMD_ID_DONE)
		return FPHINT_END_HOST_STOP;
	/*
	 * 0 is STOP, but QEMU also reads 0 in START, and the interrupt that
	 * announced this very round can arrive after we sent its id (the
	 * host raises STOP and the new request back to back around a sync).
	 * Ending the round on it would hint nothing.  So carry on: after a
	 * real STOP the host ignores our buffers (it uses them without
	 * applying), and it soon says DONE or requests a new id, which end
	 * the round.
	 */
	if (id == VIRTIO_BALLOON_CMD_ID_STOP) {
		/*
		 * Once the host used one of our hints, a 0 may be a real
		 * STOP: the hints after it were ignored, so this round must
		 * not count as the full one the delta rounds build on.
		 */
		r->stop_seen |= r->hinted;
		return FPHINT_END_COMPLETE;
	}
	if (id != fb->active_id)
		return FPHINT_END_NEW_ID;
	return FPHINT_END_COMPLETE;
}

/*
 * Hints every zone of @nid, in address order, which is the order the host
 * sends pages in, except ZONE_DMA: its 16 MiB are the first the host sends,
 * before any hint can land, and a batch of its own would cost the others
 * a bitmap_mutex wait.  Returns how the round should go on.
 */
static unsigned int fphint_zone_order(unsigned int i)
{
#ifdef CONFIG_ZONE_DMA
	BUILD_BUG_ON(ZONE_DMA != 0);
	return (i + 1) % MAX_NR_ZONES;
#else
	return i;
#endif
}

static enum fphint_round_end fphint_node(struct fphint_round *r, int nid,
					 int gen)
{
	enum fphint_round_end end;
	struct zone *zone;
	unsigned int i;

	for (i = 0; i < MAX_NR_ZONES; i++) {
		zone = &NODE_DATA(nid)->node_zones[fphint_zone_order(i)];
		if (!populated_zone(zone))
			continue;
		r->zone = zone;
		r->zone_start = zone->zone_start_pfn;
		r->zone_end = zone_end_pfn(zone);
		r->word = r->zone_start / FPHINT_PAGES_PER_WORD;
		r->end_word = min_t(u64, r->map.nr_words,
				    DIV_ROUND_UP(r->zone_end, FPHINT_PAGES_PER_WORD));
		r->loaded = false;
		r->covered_to = 0;
		r->nr_cand = 0;
		r->zone_done = false;
		/* Buffers of the previous zone may still be out: fine. */
		while (!r->zone_done || r->nr_cand) {
			fphint_reap(r->fb, r);
			end = fphint_host_said(r, gen);
			if (end != FPHINT_END_COMPLETE)
				return end;
			fphint_batch(r);
			cond_resched();
			if (!r->nr_cand)
				continue;
			/*
			 * Over budget or out of buffers: sleep until the
			 * device gave back half of them, so that the next
			 * batch is worth a lock hold and a kick.
			 */
			end = fphint_wait_back(r, fphint_budget_pages() / 2,
					       fphint_buffers_max(r->fb) / 2);
			if (end != FPHINT_END_COMPLETE)
				return end;
		}
	}
	return FPHINT_END_COMPLETE;
}

static void fphint_check_agent(const struct fphint_meta *meta)
{
	pid_t pid = (pid_t)READ_ONCE(meta->agent_pid);
	static pid_t logged;
	bool alive;

	if (!pid || pid == logged)
		return;
	rcu_read_lock();
	alive = pid_task(find_vpid(pid), PIDTYPE_PID);
	rcu_read_unlock();
	if (!alive) {
		pr_info("fphint_balloon: agent pid %d is gone; the map may go stale, hints stay confirmed\n",
			pid);
		logged = pid;
	}
}

/*
 * Buffers still out when the round gives up on the device (it died, or
 * removal is due): their blocks stay isolated, see fphint_hint_release().
 */
static void fphint_note_stranded(struct fphint_balloon *fb)
{
	struct fphint_inflight *inf = fb->inflight;

	if (!inf->buffers)
		return;
	if (!inf->stranded_logged)
		dev_warn(&fb->vdev->dev,
			 "free page queue: %u hint buffers (%lu pages) not used; unless used before the device's reset, their pages stay out of the allocator (the host may still apply them)\n",
			 inf->buffers, inf->pages);
	inf->stranded_logged = true;
}

static enum fphint_round_end fphint_round(struct fphint_balloon *fb)
{
	struct fphint_round r = { .fb = fb,
				  .asked_ns = READ_ONCE(fb->config_ns) };
	enum fphint_round_end end = FPHINT_END_COMPLETE, back;
	int gen = atomic_read(&fb->config_gen), nid;
	u64 t0 = ktime_get_ns(), took;

	if (!fb->inflight)
		fb->inflight = kvzalloc(sizeof(*fb->inflight), GFP_KERNEL);
	/* Out of memory (the allocator said so): a round hinting nothing. */
	if (!fb->inflight)
		return FPHINT_END_COMPLETE;
	r.inf = fb->inflight;
	if (!fphint_map_get(&r.map)) {
		fphint_stats.rounds_unmapped++;
		dev_info(&fb->vdev->dev,
			 "hint id %#x: no map handed over, hinting nothing\n",
			 fb->active_id);
		return FPHINT_END_COMPLETE;
	}
	fphint_check_agent(r.map.meta);
	/*
	 * Only after a full round ran to its end can a round offer just the
	 * delta: a full round cut short by the host (STOP before the next
	 * sync) leaves pages it never looked at, freed before the delta
	 * began, which only another full round offers.
	 */
	r.delta = fb->full_done;
	fb->in_migration = true;

	if (!fphint_send_out(fb, fb->active_id)) {
		fphint_map_put(&r.map);
		return FPHINT_END_DEVICE_DEAD;
	}
	for_each_online_node(nid) {
		end = fphint_node(&r, nid, gen);
		if (end != FPHINT_END_COMPLETE)
			break;
	}
	/*
	 * Every block goes back before the round ends (or stays stranded:
	 * then the round did not complete, and is no base for a delta).
	 */
	back = fphint_wait_back(&r, 0, 0);
	if (back != FPHINT_END_COMPLETE)
		end = back;
	fphint_note_stranded(fb);
	if (r.dead)
		end = FPHINT_END_DEVICE_DEAD;
	if (end == FPHINT_END_COMPLETE && !r.stop_seen)
		fb->full_done = true;
	/* The delta set was taken: the next round starts from here. */
	atomic64_inc((atomic64_t *)&r.map.meta->epoch);
	fphint_map_put(&r.map);

	/*
	 * A STOP the host did not ask for is ignored by it: harmless.  Past
	 * the removal deadline the device is reset without one.
	 */
	if (end != FPHINT_END_NEW_ID && end != FPHINT_END_DEVICE_DEAD &&
	    !fphint_removal_due(fb))
		fphint_send_out(fb, VIRTIO_BALLOON_CMD_ID_STOP);

	took = ktime_get_ns() - t0;
	fphint_trace_round(&(struct fphint_round_rec){
		.id = fb->active_id, .delta = r.delta, .end = end,
		.start_ns = t0, .end_ns = t0 + took, .pages = r.pages });
	fphint_stats.rounds++;
	fphint_stats.rounds_first += !r.delta;
	fphint_stats.rounds_abandoned += end != FPHINT_END_COMPLETE;
	fphint_stats.pages_hinted += r.pages;
	fphint_stats.ranges_hinted += r.ranges;
	fphint_stats.candidates += r.candidates;
	fphint_stats.candidates_rejected += r.rejected;
	fphint_stats.batches += r.batches;
	fphint_stats.max_lock_hold_ns =
		max(fphint_stats.max_lock_hold_ns, r.max_hold_ns);
	fphint_stats.max_device_wait_ns =
		max(fphint_stats.max_device_wait_ns, r.max_device_wait_ns);
	fphint_stats.last_round_ns = took;
	fphint_stats.last_round_pages = r.pages;
	fphint_stats.total_round_ns += took;
	dev_dbg(&fb->vdev->dev,
		"hint id %#x%s: %llu pages in %llu ranges, %llu/%llu candidates rejected, %llu batches, longest hold %llu ns, %llu ns, end %d\n",
		fb->active_id, r.delta ? " (delta)" : "", r.pages, r.ranges,
		r.rejected, r.candidates, r.batches, r.max_hold_ns, took, end);
	return end;
}

/*
 * The next id starts a new migration: its first round is a full one.
 * Called when the host says DONE, which on a migration's destination is the
 * first thing the guest hears: a good time to make sure the host's
 * interrupts still reach us.
 */
static void fphint_migration_over(struct fphint_balloon *fb)
{
	fb->in_migration = false;
	fb->full_done = false;
	fphint_intx_resync(fb);
}

/*
 * At removal, before the device is reset.  While a round is on, QEMU 7.2
 * polls the free page queue from an iothread and notifies from there; the
 * kicks of fphint_wait_id() schedule more of that polling.  Reset under it,
 * the device loses its features first, so its next notification raises the
 * interrupt line, possibly once no driver holds the IRQ, which leaves the
 * next driver deaf (see fphint_intx_resync()).  So: wait (within the second
 * removal allows) until the host took our last id/STOP, which ends its
 * polling, then give the bottom halves our kicks scheduled time to run out.
 */
void fphint_hint_quiesce(struct fphint_balloon *fb)
{
	if (!fb->id_busy ||
	    fphint_wait_id(fb, fb->stop_deadline, "the last id/STOP buffer"))
		msleep(20);
	/* What the device used by now goes back (after the reset, too). */
	fphint_reap(fb, NULL);
}

/*
 * After the device was reset, before its queues are deleted: the buffers
 * it used after fphint_hint_quiesce() looked last give their blocks back,
 * as any used buffer does (QEMU puts a hint buffer in the used ring once
 * done with it: its hint applied, or ignored outside a migration's hinting
 * phase; never to apply it later).  Where the kernel hardens virtio
 * notifications (CONFIG_VIRTIO_HARDEN_NOTIFICATION, off in Debian's 6.1
 * and 6.12), the reset breaks the queues first and virtqueue_get_buf()
 * finds nothing; so does a ring the host wrote to during the reset (the
 * virtio core then logs it broken): those blocks stay out with the
 * unused ones.
 */
void fphint_hint_reset_reap(struct fphint_balloon *fb)
{
	fphint_reap(fb, NULL);
}

/*
 * After the device was reset and its queues deleted (removal, freeze).
 * Blocks of hint buffers the device never used are not given back: QEMU
 * may have popped such a buffer before the reset and still apply it once
 * it gets its migration bitmap_mutex (we do not rely on the host's reset
 * waiting for that), and a page reused by then would lose its writes.  At
 * most the in-flight budget leaks this way, counted in stranded_pages; a
 * round that ran to its end leaves nothing behind.
 */
void fphint_hint_release(struct fphint_balloon *fb)
{
	if (fb->inflight && fb->inflight->buffers) {
		fphint_stats.stranded_pages += fb->inflight->pages;
		dev_warn(&fb->vdev->dev,
			 "%lu pages of unused hint buffers stay out of the allocator\n",
			 fb->inflight->pages);
	}
	fphint_stats.isolated_pages = 0;
	kvfree(fb->inflight);
	fb->inflight = NULL;
}

/*
 * QEMU says DONE while the VM is stopped for the last time; the config
 * interrupt can be lost across the move to the destination, where the
 * config still reads DONE (the status is migrated).  Without DONE the next
 * migration's first round would be taken for a later round and offer only
 * the delta.  So while a migration is on, look at the config once a second.
 */
void fphint_done_poll(struct work_struct *work)
{
	struct fphint_balloon *fb =
		container_of(to_delayed_work(work), struct fphint_balloon,
			     done_work);

	if (fphint_read_id(fb) == VIRTIO_BALLOON_CMD_ID_DONE) {
		fphint_migration_over(fb);
		fb->active_id = VIRTIO_BALLOON_CMD_ID_DONE;
		return;
	}
	if (fb->in_migration)
		fphint_queue_delayed(fb, &fb->done_work, HZ);
}

void fphint_hint_work(struct work_struct *work)
{
	struct fphint_balloon *fb =
		container_of(work, struct fphint_balloon, hint_work);
	static bool refusal_logged;
	u32 id;

	if (!fb->hint_vq)
		return;
	fphint_work_seen.runs++;
	virtqueue_disable_cb(fb->hint_vq);
	for (;;) {
		id = fphint_read_id(fb);
		fphint_work_seen.last_id = id;
		fphint_work_seen.active_id = fb->active_id;
		if (id == VIRTIO_BALLOON_CMD_ID_DONE) {
			fphint_migration_over(fb);
			fb->active_id = id;
			return;
		}
		/*
		 * Reading an id means the host waits for it: once we sent an
		 * id the host leaves that state.  The same id again comes from
		 * a new QEMU (a migration's destination counts from
		 * 0x80000000 again), so it is served, as a new migration.
		 */
		if (id == VIRTIO_BALLOON_CMD_ID_STOP)
			break;
		if (id <= fb->active_id)
			fphint_migration_over(fb);
		fb->active_id = id;
		if (fphint_hint_refused()) {
			if (!refusal_logged)
				dev_info(&fb->vdev->dev,
					 "init_on_free or page poisoning is on: free page hints refused\n");
			refusal_logged = true;
			return;
		}
		/* A new id mid-round: serve it at once. */
		if (fphint_round(fb) != FPHINT_END_NEW_ID)
			break;
	}
	if (fb->in_migration)
		fphint_queue_delayed(fb, &fb->done_work, HZ);
}
