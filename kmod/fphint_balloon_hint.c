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
 * How: the map is only an index of candidates (the allocator has paths
 * that emit no event, and events can be missed).  Per batch we
 *  1. take the candidate's zone->lock (irqsave; the allocator takes it
 *     from interrupts too);
 *  2. confirm every candidate: the pfn lies in a free buddy block (a
 *     PageBuddy head whose order covers it); the whole block is hinted and
 *     adjacent blocks are coalesced into one range;
 *  3. add each range as ONE single-sg IN buffer: one sg never needs an
 *     indirect table (and INDIRECT_DESC is not negotiated), so nothing is
 *     allocated under zone->lock, which could deadlock on that very lock;
 *  4. kick, then busy-wait until the device has used every buffer of the
 *     batch (the hint is applied by then: QEMU applies it before using
 *     the buffer);
 *  5. unlock, cond_resched(), next batch.
 * While zone->lock is held no block can leave its free list: allocation,
 * pcp refill, compaction's free scanner, alloc_contig_range, page
 * reporting and hwpoison all take it.  Pages on per-cpu lists are free but
 * not buddy: they are rejected (not hinted), never assumed.
 *
 * The hold is bounded by batch_ranges (module parameter) buffers and
 * FPHINT_BATCH_WORDS bitmap words (FPHINT_BATCH_WORDS * 64 pfns) per
 * batch, and by how long the device takes to use them; the longest hold
 * and each round's time are in debugfs fphint_balloon/stats, the last
 * batches one by one in fphint_balloon/batches.
 *
 * A device that never uses a buffer: we keep waiting, because releasing
 * the lock would let the pages be reused while the host may still apply
 * their hint.  QEMU's free page queue is served by its iothread, which
 * uses every buffer promptly while the VM runs (in STOP/DONE it uses them
 * without applying); while the VM is stopped our vCPU is stopped too.  We
 * stop waiting only when the device can no longer apply anything: it
 * reports NEEDS_RESET (QEMU's virtio_error: it processes no queue after
 * that) or the queue is broken.  After 1 s a warning is logged and
 * slow_device_waits counts it; the watchdogs are touched while we wait.
 * A hung QEMU iothread thus wedges the guest instead of corrupting it.
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
 * device removal ends it after the current batch.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/page-flags.h>
#include <linux/nmi.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/nodemask.h>
#include <linux/vmstat.h>
#include <linux/virtio_config.h>

#include "fphint_balloon.h"
#include "fphint_compat.h"

/*
 * QEMU 7.2 applies each hint under its migration bitmap_mutex, which the
 * migration thread holds for up to 50 ms at a time while it sends pages,
 * and it takes one range per buffer (only the first sg entry).  Once its
 * iothread has the mutex it drains every queued buffer, so a batch costs
 * about one such wait however many buffers it carries, and every page
 * the migration thread reaches before its hint lands is sent for nothing.
 * So a batch carries many buffers, in address order: the migration thread
 * sends in that order, and whenever the iothread loses the mutex between
 * two buffers, the lowest ranges are the ones it would reach first.
 */
static unsigned int batch_ranges = 256;
module_param(batch_ranges, uint, 0644);
MODULE_PARM_DESC(batch_ranges,
		 "most hint buffers per zone->lock hold (1..1000; default 256)");
#define FPHINT_BATCH_RANGES_MAX 1000U
/*
 * Bitmap words scanned per zone->lock hold (64 pfns each): 8 GiB.  Words
 * inside a block already confirmed cost one atomic each.
 */
#define FPHINT_BATCH_WORDS 32768
/* Longest range in one buffer (sg lengths are 32-bit). */
#define FPHINT_RANGE_MAX_PAGES BIT(19)
#define FPHINT_SLOW_WAIT_NS (1000ULL * NSEC_PER_MSEC)

enum fphint_round_end {
	FPHINT_END_COMPLETE,
	FPHINT_END_HOST_STOP, /* STOP or DONE from the host */
	FPHINT_END_NEW_ID,
	FPHINT_END_REMOVED,
	FPHINT_END_DEVICE_DEAD,
};

/* A run of confirmed free pages, before it is queued. */
struct fphint_range {
	unsigned long start, nr;
};

struct fphint_round {
	struct fphint_balloon *fb;
	u64 asked_ns; /* ktime of the config interrupt that asked for it */
	struct fphint_map_ref map;
	bool delta; /* later round of a migration: freed_since_epoch only */
	struct fphint_range *pending; /* a batch's ranges, not queued yet */
	/* The zone being hinted, and its pfns [zone_start, zone_end). */
	struct zone *zone;
	unsigned long zone_start, zone_end;
	u64 end_word; /* first word past the zone (or the map) */
	u64 word; /* cursor: word holding the next candidates */
	u64 mask; /* candidate bits of that word not yet looked at */
	bool loaded; /* mask holds word's candidates */
	unsigned long covered_to; /* pfns below were hinted in a block */
	u64 pages, ranges, candidates, rejected, batches;
	u64 max_hold_ns;
	u64 max_confirm_ns; /* the part of a hold before the device wait */
	bool dead; /* the device stopped processing: hint nothing more */
	bool hinted; /* the device used one of the round's hint buffers */
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
 * Takes back one used buffer: returns 1 for a hint (IN) buffer, 0 for an
 * id/STOP buffer or none.  Tokens tell them apart, so a late id buffer is
 * never counted as a hint of the batch in flight.
 */
static int fphint_reap(struct fphint_balloon *fb, bool *any)
{
	unsigned int len;
	void *token = virtqueue_get_buf(fb->hint_vq, &len);

	*any = token;
	if (token == &fb->id_buf)
		fb->id_busy = false;
	return token == fb;
}

/*
 * Waits until @n hint buffers of the free page queue were used.  Runs
 * under zone->lock with interrupts off, so it only spins.  Returns false
 * if the device died first.
 */
static bool fphint_wait_used(struct fphint_balloon *fb, unsigned int n,
			     u64 *first_used)
{
	u64 start = ktime_get_ns(), now, poked = start;
	unsigned int spins = 0;
	bool warned = false, any;

	*first_used = 0;
	while (n) {
		if (fphint_reap(fb, &any)) {
			n--;
			if (!*first_used)
				*first_used = ktime_get_ns();
		}
		if (any)
			continue;
		cpu_relax();
		if (++spins % 256)
			continue;
		/*
		 * Each status read and kick is an exit to QEMU: once a
		 * millisecond is enough and leaves QEMU's threads alone.
		 */
		now = ktime_get_ns();
		if (now - poked < NSEC_PER_MSEC)
			continue;
		poked = now;
		if (fphint_device_dead(fb))
			return false;
		/*
		 * QEMU 7.2 re-enables notifications after its last pop
		 * without looking at the ring again: a buffer added in that
		 * window waits for the next kick.  So kick again.
		 */
		virtqueue_notify(fb->hint_vq);
		if (!warned && now - start > FPHINT_SLOW_WAIT_NS) {
			warned = true;
			fphint_stats.slow_device_waits++;
			dev_warn(&fb->vdev->dev,
				 "free page queue: %u buffers unused after 1 s; still waiting (releasing the pages would be unsafe)\n",
				 n);
		}
		if (warned)
			touch_nmi_watchdog();
	}
	return true;
}

/*
 * Waits, sleeping, until the device has taken id_buf, kicking as it waits:
 * a kick can be missed (see fphint_wait_used()), and after a migration the
 * new QEMU looks at the ring only when kicked.  Gives up (false, with a
 * warning naming @what) at @deadline, if the device died, or a second
 * after removal began: removal waits that long so that it does not reset
 * the device under the host's hinting loop (see fphint_hint_quiesce()).
 */
static bool fphint_wait_id(struct fphint_balloon *fb, unsigned long deadline,
			   const char *what)
{
	bool any, removing;

	while (fb->id_busy) {
		fphint_reap(fb, &any);
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
		virtqueue_notify(fb->hint_vq);
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

static unsigned long fphint_peek(struct fphint_round *r)
{
	return r->word * FPHINT_PAGES_PER_WORD + __ffs64(r->mask);
}

static void fphint_consume(struct fphint_round *r)
{
	r->mask &= r->mask - 1;
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
 * With zone->lock held: if @pfn lies in a free buddy block of @zone,
 * returns true with the block in [*start, *start + *nr).
 */
static bool fphint_free_block(struct zone *zone, unsigned long pfn,
			      unsigned long *start, unsigned long *nr)
{
	unsigned int order;

	for (order = 0; order < FPHINT_NR_ORDERS; order++) {
		unsigned long head = pfn & ~((1UL << order) - 1);
		struct page *page;
		unsigned long head_order;

		if (!pfn_valid(head) || !zone_spans_pfn(zone, head))
			return false;
		page = pfn_to_page(head);
		if (!PageBuddy(page))
			continue;
		head_order = page_private(page);
		if (head_order < order || head_order >= FPHINT_NR_ORDERS)
			return false;
		if (page_zone(page) != zone)
			return false;
		*start = head;
		*nr = 1UL << head_order;
		return true;
	}
	return false;
}

static bool fphint_add_range(struct fphint_round *r,
			     const struct fphint_range *range)
{
	struct scatterlist sg;

	sg_init_table(&sg, 1);
	sg_set_page(&sg, pfn_to_page(range->start), range->nr << PAGE_SHIFT, 0);
	/* One sg, no indirect table: GFP_ATOMIC is never used. */
	if (virtqueue_add_inbuf(r->fb->hint_vq, &sg, 1, r->fb, GFP_ATOMIC))
		return false;
	r->ranges++;
	r->pages += range->nr;
	return true;
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
 * (relative to its round's config interrupt), how long the confirm scan
 * and the whole hold took, what it hinted.  This is what explains a round
 * that came too late for the host.
 */
#define FPHINT_TRACE_LEN 256
struct fphint_batch_rec {
	u32 id;
	u8 zone;
	u16 ranges;
	u64 start_ns, confirm_ns, first_used_ns, hold_ns, pages, first_pfn;
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
	seq_puts(m, "id zone start_us confirm_us first_used_us hold_us ranges pages first_pfn\n");
	spin_lock(&fphint_trace_lock);
	n = min_t(unsigned int, fphint_trace_next, FPHINT_TRACE_LEN);
	first = fphint_trace_next - n;
	for (i = 0; i < n; i++) {
		const struct fphint_batch_rec *b =
			&fphint_trace[(first + i) % FPHINT_TRACE_LEN];

		seq_printf(m, "%#x %u %llu %llu %llu %llu %u %llu %llu\n", b->id,
			   b->zone, b->start_ns / 1000, b->confirm_ns / 1000,
			   b->first_used_ns / 1000, b->hold_ns / 1000, b->ranges,
			   b->pages, b->first_pfn);
	}
	spin_unlock(&fphint_trace_lock);
	return 0;
}

/*
 * One batch under one zone->lock hold: confirm candidates of the round's
 * zone into up to batch_ranges ranges, queue them in address order, wait
 * for the device to use them all.  False when the zone is done.
 */
static bool fphint_batch(struct fphint_round *r)
{
	struct zone *zone = r->zone;
	struct virtqueue *vq = r->fb->hint_vq;
	struct fphint_range *ranges = r->pending;
	unsigned long flags, pfn, start, nr, covered;
	unsigned int cap, n = 0, added = 0;
	u64 first_word, t0, hold, pages_before = r->pages, first_used = 0;
	struct fphint_batch_rec rec;

	/* One descriptor stays free for the STOP that ends the round. */
	cap = min(clamp(READ_ONCE(batch_ranges), 1U, FPHINT_BATCH_RANGES_MAX),
		  vq->num_free ? vq->num_free - 1 : 0);
	if (!cap || !fphint_load_word(r))
		return false;
	first_word = r->word;

	spin_lock_irqsave(&zone->lock, flags);
	t0 = ktime_get_ns();
	while (r->word - first_word < FPHINT_BATCH_WORDS &&
	       fphint_load_word(r)) {
		pfn = fphint_peek(r);
		if (pfn < r->covered_to) {
			fphint_skip_covered(r);
			continue;
		}
		fphint_consume(r);
		if (!fphint_free_block(zone, pfn, &start, &nr)) {
			r->rejected++;
			continue;
		}
		covered = r->covered_to;
		r->covered_to = start + nr;
		if (n && ranges[n - 1].start + ranges[n - 1].nr == start &&
		    ranges[n - 1].nr + nr <= FPHINT_RANGE_MAX_PAGES) {
			ranges[n - 1].nr += nr;
			continue;
		}
		if (n == cap) {
			/* Full: this block opens the next batch, confirmed anew. */
			r->mask |= BIT_ULL(pfn % FPHINT_PAGES_PER_WORD);
			r->covered_to = covered;
			break;
		}
		ranges[n].start = start;
		ranges[n].nr = nr;
		n++;
	}
	while (added < n && fphint_add_range(r, &ranges[added]))
		added++;
	rec.confirm_ns = ktime_get_ns() - t0;
	r->max_confirm_ns = max(r->max_confirm_ns, rec.confirm_ns);
	if (added) {
		virtqueue_kick(vq);
		if (!fphint_wait_used(r->fb, added, &first_used))
			r->dead = true;
	}
	hold = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&zone->lock, flags);

	r->batches++;
	r->max_hold_ns = max(r->max_hold_ns, hold);
	fphint_count_hold(hold);
	rec.id = r->fb->active_id;
	rec.zone = zone_idx(zone);
	rec.ranges = added;
	rec.start_ns = t0 - r->asked_ns;
	rec.hold_ns = hold;
	rec.first_used_ns = first_used ? first_used - t0 : 0;
	if (first_used && !r->hinted && !r->delta)
		fphint_stats.last_first_hint_ns = first_used - r->asked_ns;
	r->hinted |= first_used;
	rec.pages = r->pages - pages_before;
	rec.first_pfn = first_word * FPHINT_PAGES_PER_WORD;
	fphint_trace_batch(&rec);
	return !r->dead && fphint_load_word(r);
}

/* Did the host stop, finish or restart since the round began? */
static enum fphint_round_end fphint_host_said(struct fphint_balloon *fb,
					      int gen)
{
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
	if (id == VIRTIO_BALLOON_CMD_ID_STOP)
		return FPHINT_END_COMPLETE;
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
		for (;;) {
			bool more = fphint_batch(r);

			end = fphint_host_said(r->fb, gen);
			if (end != FPHINT_END_COMPLETE || r->dead)
				return end;
			cond_resched();
			if (!more)
				break;
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

static enum fphint_round_end fphint_round(struct fphint_balloon *fb)
{
	struct fphint_round r = { .fb = fb,
				  .asked_ns = READ_ONCE(fb->config_ns) };
	enum fphint_round_end end = FPHINT_END_COMPLETE;
	int gen = atomic_read(&fb->config_gen), nid;
	u64 t0 = ktime_get_ns(), took;

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
		fphint_map_put();
		return FPHINT_END_DEVICE_DEAD;
	}
	r.pending = kmalloc_array(FPHINT_BATCH_RANGES_MAX, sizeof(*r.pending),
				  GFP_KERNEL);
	/* Out of memory (the allocator said so): a round hinting nothing. */
	if (!r.pending)
		end = FPHINT_END_HOST_STOP;
	for_each_online_node(nid) {
		if (end != FPHINT_END_COMPLETE)
			break;
		end = fphint_node(&r, nid, gen);
	}
	kfree(r.pending);
	if (r.dead)
		end = FPHINT_END_DEVICE_DEAD;
	if (end == FPHINT_END_COMPLETE)
		fb->full_done = true;
	/* The delta set was taken: the next round starts from here. */
	atomic64_inc((atomic64_t *)&r.map.meta->epoch);
	fphint_map_put();

	/* A STOP the host did not ask for is ignored by it: harmless. */
	if (end != FPHINT_END_NEW_ID && end != FPHINT_END_DEVICE_DEAD)
		fphint_send_out(fb, VIRTIO_BALLOON_CMD_ID_STOP);

	took = ktime_get_ns() - t0;
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
	fphint_stats.max_confirm_ns =
		max(fphint_stats.max_confirm_ns, r.max_confirm_ns);
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
	if (fb->id_busy &&
	    !fphint_wait_id(fb, fb->stop_deadline, "the last id/STOP buffer"))
		return;
	msleep(20);
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
