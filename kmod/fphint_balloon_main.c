// SPDX-License-Identifier: GPL-2.0-only
/*
 * fphint_balloon - a virtio-balloon driver whose free page hints come from
 * fphint's BPF map of free page frames, confirmed under zone->lock.
 *
 * This file is the balloon proper: what users of the stock driver rely on.
 *  - inflate/deflate to the host's target (num_pages), telling the host the
 *    4 KiB pfns on the inflate/deflate queues before pages leave the guest
 *    and before they come back (MUST_TELL_HOST is honoured either way);
 *  - the stats queue (QEMU's guest-stats), which we always negotiate: QEMU
 *    numbers its queues inflate(0) deflate(1) stats(2) free-page(3), and
 *    Linux compacts queue indices, so without STATS_VQ our free page queue
 *    would land on QEMU's stats queue;
 *  - deflate-on-OOM when the host offers it;
 *  - balloon page migration (compaction, offlining, CMA move inflated
 *    pages; the host is told about the new page and the old one);
 *  - free page reporting (REPORTING) through mm/page_reporting.c;
 *  - suspend and hibernation: the queues go down at freeze and are set up
 *    again at restore, after the virtio core reset the device;
 *  - FREE_PAGE_HINT, served by fphint_balloon_hint.c.
 * PAGE_POISON is not negotiated, so neither hints nor reports are given
 * while free pages are poisoned or zeroed on free (their content would be
 * lost on the host).
 * The balloon compaction and page reporting APIs used here are the same in
 * 6.1 and 6.12 (balloon_compaction.h and page_reporting.h did not change;
 * 6.12's core only dropped the MIGRATE_SYNC_NO_COPY mode, which 6.1's
 * balloon_page_migrate() refused before calling us).
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <linux/oom.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/migrate.h>
#include <linux/page_reporting.h>
#include <uapi/linux/virtio_ring.h>

#include "fphint_balloon.h"
#include "fphint_compat.h"

#define FPHINT_OOM_NR_PAGES 256

static void fphint_ack(struct virtqueue *vq)
{
	struct fphint_balloon *fb = vq->vdev->priv;

	wake_up(&fb->acked);
}

/*
 * Waits, sleeping, until the host has used the one buffer in flight on
 * @vq.  Looks again every 100 ms: an interrupt the host lost (see
 * fphint_intx_resync()) must not wedge the balloon, nor the OOM notifier
 * waiting for balloon_lock.  False if the queue broke first.
 */
static bool fphint_wait_acked(struct fphint_balloon *fb, struct virtqueue *vq)
{
	unsigned int len;

	while (!wait_event_timeout(fb->acked, virtqueue_get_buf(vq, &len),
				   HZ / 10))
		if (virtqueue_is_broken(vq))
			return false;
	return true;
}

/* Sends the pfn array on @vq and waits until the host has used it. */
static void fphint_tell_host(struct fphint_balloon *fb, struct virtqueue *vq)
{
	struct scatterlist sg;

	sg_init_one(&sg, fb->pfns, sizeof(fb->pfns[0]) * fb->nr_pfns);
	/* One sg, a queue we own: adding cannot fail. */
	virtqueue_add_outbuf(vq, &sg, 1, fb, GFP_KERNEL);
	virtqueue_kick(vq);
	fphint_wait_acked(fb, vq);
}

static bool fphint_oom_deflate(struct fphint_balloon *fb)
{
	return virtio_has_feature(fb->vdev, VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
}

static unsigned int fphint_fill(struct fphint_balloon *fb, size_t num)
{
	struct balloon_dev_info *info = &fb->bdev_info;
	struct page *page, *next;
	LIST_HEAD(pages);
	unsigned int done = 0;

	num = min_t(size_t, num, FPHINT_PFNS_PER_MSG);
	for (; done < num; done++) {
		page = balloon_page_alloc();
		if (!page)
			break;
		list_add(&page->lru, &pages);
	}

	mutex_lock(&fb->balloon_lock);
	fb->nr_pfns = 0;
	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		balloon_page_enqueue(info, page);
		fb->pfns[fb->nr_pfns++] =
			cpu_to_virtio32(fb->vdev, page_to_pfn(page));
		fb->nr_pages++;
		/* With deflate-on-OOM the pages stay counted as usable. */
		if (!fphint_oom_deflate(fb))
			adjust_managed_page_count(page, -1);
	}
	if (fb->nr_pfns)
		fphint_tell_host(fb, fb->inflate_vq);
	mutex_unlock(&fb->balloon_lock);
	return done;
}

static unsigned int fphint_leak(struct fphint_balloon *fb, size_t num)
{
	struct balloon_dev_info *info = &fb->bdev_info;
	struct page *page, *next;
	LIST_HEAD(pages);
	unsigned int done;

	mutex_lock(&fb->balloon_lock);
	num = min_t(size_t, num, FPHINT_PFNS_PER_MSG);
	num = min_t(size_t, num, fb->nr_pages);
	fb->nr_pfns = 0;
	while (fb->nr_pfns < num) {
		page = balloon_page_dequeue(info);
		if (!page)
			break;
		fb->pfns[fb->nr_pfns++] =
			cpu_to_virtio32(fb->vdev, page_to_pfn(page));
		list_add(&page->lru, &pages);
		fb->nr_pages--;
	}
	done = fb->nr_pfns;
	/* Tell the host first: it may need to bring the pages back. */
	if (done)
		fphint_tell_host(fb, fb->deflate_vq);
	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		if (!fphint_oom_deflate(fb))
			adjust_managed_page_count(page, 1);
		put_page(page);
	}
	mutex_unlock(&fb->balloon_lock);
	return done;
}

static s64 fphint_towards_target(struct fphint_balloon *fb)
{
	u32 target;

	virtio_cread_le(fb->vdev, struct virtio_balloon_config, num_pages,
			&target);
	return (s64)target - fb->nr_pages;
}

static void fphint_update_actual(struct fphint_balloon *fb)
{
	u32 actual = fb->nr_pages;

	virtio_cwrite_le(fb->vdev, struct virtio_balloon_config, actual,
			 &actual);
	WRITE_ONCE(fphint_stats.inflated_pages, actual);
}

static void fphint_size_work(struct work_struct *work)
{
	struct fphint_balloon *fb =
		container_of(work, struct fphint_balloon, size_work);
	s64 diff = fphint_towards_target(fb);
	unsigned int done = 0;

	if (diff > 0)
		done = fphint_fill(fb, diff);
	else if (diff < 0)
		done = fphint_leak(fb, -diff);
	fphint_update_actual(fb);

	if (diff) {
		/* Out of memory to inflate with: give the guest a breath. */
		if (!done)
			msleep(200);
		fphint_queue(fb, system_freezable_wq, work);
	}
}

static void fphint_config_changed(struct virtio_device *vdev)
{
	struct fphint_balloon *fb = vdev->priv;

	fphint_queue(fb, system_freezable_wq, &fb->size_work);
	if (virtio_has_feature(vdev, VIRTIO_BALLOON_F_FREE_PAGE_HINT)) {
		/* Tells a running round that the host said something. */
		WRITE_ONCE(fb->config_ns, ktime_get_ns());
		atomic_inc(&fb->config_gen);
		fphint_queue(fb, fb->hint_wq, &fb->hint_work);
	}
}

static void fphint_stat(struct fphint_balloon *fb, unsigned int *n, u16 tag,
			u64 val)
{
	fb->stats[*n].tag = cpu_to_virtio16(fb->vdev, tag);
	fb->stats[*n].val = cpu_to_virtio64(fb->vdev, val);
	(*n)++;
}

static unsigned int fphint_fill_stats(struct fphint_balloon *fb)
{
	unsigned long events[NR_VM_EVENT_ITEMS];
	struct sysinfo si;
	unsigned int n = 0;

	all_vm_events(events);
	si_meminfo(&si);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_SWAP_IN,
		    (u64)events[PSWPIN] << PAGE_SHIFT);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_SWAP_OUT,
		    (u64)events[PSWPOUT] << PAGE_SHIFT);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_MAJFLT, events[PGMAJFAULT]);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_MINFLT, events[PGFAULT]);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_HTLB_PGALLOC,
		    events[HTLB_BUDDY_PGALLOC]);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_HTLB_PGFAIL,
		    events[HTLB_BUDDY_PGALLOC_FAIL]);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_MEMFREE,
		    (u64)si.freeram << PAGE_SHIFT);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_MEMTOT,
		    (u64)si.totalram << PAGE_SHIFT);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_AVAIL,
		    (u64)si_mem_available() << PAGE_SHIFT);
	fphint_stat(fb, &n, VIRTIO_BALLOON_S_CACHES,
		    (u64)global_node_page_state(NR_FILE_PAGES) << PAGE_SHIFT);
	return n;
}

static void fphint_stats_send(struct fphint_balloon *fb)
{
	struct scatterlist sg;
	unsigned int len, n;

	/* Take back the buffer the host used to ask, refill, return it. */
	virtqueue_get_buf(fb->stats_vq, &len);
	n = fphint_fill_stats(fb);
	sg_init_one(&sg, fb->stats, sizeof(fb->stats[0]) * n);
	virtqueue_add_outbuf(fb->stats_vq, &sg, 1, fb, GFP_KERNEL);
	virtqueue_kick(fb->stats_vq);
}

static void fphint_stats_work(struct work_struct *work)
{
	fphint_stats_send(container_of(work, struct fphint_balloon,
				       stats_work));
}

static void fphint_stats_request(struct virtqueue *vq)
{
	struct fphint_balloon *fb = vq->vdev->priv;

	fphint_queue(fb, system_freezable_wq, &fb->stats_work);
}

static int fphint_oom_notify(struct notifier_block *nb, unsigned long dummy,
			     void *parm)
{
	struct fphint_balloon *fb =
		container_of(nb, struct fphint_balloon, oom_nb);
	unsigned long *freed = parm;

	*freed += fphint_leak(fb, FPHINT_OOM_NR_PAGES);
	fphint_update_actual(fb);
	return NOTIFY_OK;
}

#ifdef CONFIG_BALLOON_COMPACTION
/*
 * Compaction (or offlining, CMA, alloc_contig_range) moves an inflated
 * page: called through balloon_mops.migrate_page with both pages locked,
 * @page isolated from the balloon list and counted in isolated_pages.  As
 * virtballoon_migratepage() of 6.1 and 6.12 (same code in both): @newpage
 * joins the balloon and the host is told it is inflated, then that @page
 * is deflated; the host's target and our count do not change.
 */
static int fphint_migratepage(struct balloon_dev_info *info,
			      struct page *newpage, struct page *page,
			      enum migrate_mode mode)
{
	struct fphint_balloon *fb =
		container_of(info, struct fphint_balloon, bdev_info);
	unsigned long flags;

	/*
	 * Inflate, deflate and another migration hold balloon_lock across a
	 * host round trip; compaction retries a page that says -EAGAIN
	 * rather than waiting here with two page locks held.
	 */
	if (!mutex_trylock(&fb->balloon_lock))
		return -EAGAIN;

	get_page(newpage); /* the balloon's reference */
	/* Inflated pages left the zone's managed count (see fphint_fill()). */
	if (!fphint_oom_deflate(fb) && page_zone(page) != page_zone(newpage)) {
		adjust_managed_page_count(page, 1);
		adjust_managed_page_count(newpage, -1);
	}

	spin_lock_irqsave(&info->pages_lock, flags);
	balloon_page_insert(info, newpage);
	info->isolated_pages--;
	__count_vm_event(BALLOON_MIGRATE);
	spin_unlock_irqrestore(&info->pages_lock, flags);

	fb->pfns[0] = cpu_to_virtio32(fb->vdev, page_to_pfn(newpage));
	fb->nr_pfns = 1;
	fphint_tell_host(fb, fb->inflate_vq);
	fb->pfns[0] = cpu_to_virtio32(fb->vdev, page_to_pfn(page));
	fb->nr_pfns = 1;
	fphint_tell_host(fb, fb->deflate_vq);
	mutex_unlock(&fb->balloon_lock);

	balloon_page_finalize(page);
	put_page(page); /* the balloon's reference */
	return MIGRATEPAGE_SUCCESS;
}
#endif

/*
 * Free page reporting (mm/page_reporting.c): called from its work, one
 * report at a time, with the pages of @sg taken off the free lists and no
 * allocator lock held, so waiting for the host is fine.  The host discards
 * the pages; they go back to the free lists, marked reported, once the
 * buffer is used.  The reporting queue holds PAGE_REPORTING_CAPACITY
 * descriptors (checked at set-up) and this is its only buffer, so adding
 * cannot run out of room (INDIRECT_DESC is off).
 */
static int fphint_report(struct page_reporting_dev_info *pr,
			 struct scatterlist *sg, unsigned int nents)
{
	struct fphint_balloon *fb =
		container_of(pr, struct fphint_balloon, pr_dev_info);
	struct virtqueue *vq = fb->reporting_vq;
	int err;

	err = virtqueue_add_inbuf(vq, sg, nents, fb, GFP_NOWAIT | __GFP_NOWARN);
	if (WARN_ON_ONCE(err))
		return err;
	virtqueue_kick(vq);
	/* Not used: the pages go back unreported. */
	return fphint_wait_acked(fb, vq) ? 0 : -EIO;
}

static int fphint_reporting_start(struct fphint_balloon *fb)
{
	int err;

	if (virtqueue_get_vring_size(fb->reporting_vq) <
	    PAGE_REPORTING_CAPACITY) {
		dev_err(&fb->vdev->dev,
			"reporting queue holds %u buffers, page reporting needs %u\n",
			virtqueue_get_vring_size(fb->reporting_vq),
			PAGE_REPORTING_CAPACITY);
		return -ENOSPC;
	}
	fb->pr_dev_info.report = fphint_report;
	/* Only one device reports at a time: -EBUSY if another does. */
	err = page_reporting_register(&fb->pr_dev_info);
	if (err)
		dev_err(&fb->vdev->dev, "page reporting: %d\n", err);
	else
		fb->reporting = true;
	return err;
}

/*
 * Resets the device (it uses no buffer after that), takes back the hint
 * buffers it used until then (fphint_hint_reset_reap()) and frees the
 * queues.
 */
static void fphint_del_vqs(struct fphint_balloon *fb)
{
	virtio_reset_device(fb->vdev);
	if (fb->hint_vq)
		fphint_hint_reset_reap(fb);
	fb->vdev->config->del_vqs(fb->vdev);
	fb->inflate_vq = NULL;
	fb->deflate_vq = NULL;
	fb->stats_vq = NULL;
	fb->hint_vq = NULL;
	fb->reporting_vq = NULL;
}

static int fphint_init_vqs(struct fphint_balloon *fb)
{
	struct virtqueue *vqs[FPHINT_VQ_MAX];
	/*
	 * A queue with no name is not created and takes no index, as the
	 * host numbers only the queues of features it offers: see enum
	 * fphint_vq.
	 */
	struct fphint_vq_info info[FPHINT_VQ_MAX] = {
		[FPHINT_VQ_INFLATE] = { .name = "inflate",
					.callback = fphint_ack },
		[FPHINT_VQ_DEFLATE] = { .name = "deflate",
					.callback = fphint_ack },
		[FPHINT_VQ_STATS] = { .name = "stats",
				      .callback = fphint_stats_request },
	};
	struct scatterlist sg;
	unsigned int n;
	int err;

	/* The free page queue is polled: no callback races the poller. */
	if (virtio_has_feature(fb->vdev, VIRTIO_BALLOON_F_FREE_PAGE_HINT))
		info[FPHINT_VQ_FREE_PAGE].name = "free_page_vq";
	if (virtio_has_feature(fb->vdev, VIRTIO_BALLOON_F_REPORTING)) {
		info[FPHINT_VQ_REPORTING].name = "reporting_vq";
		info[FPHINT_VQ_REPORTING].callback = fphint_ack;
	}
	err = fphint_find_vqs(fb->vdev, FPHINT_VQ_MAX, vqs, info);
	if (err)
		return err;
	fb->inflate_vq = vqs[FPHINT_VQ_INFLATE];
	fb->deflate_vq = vqs[FPHINT_VQ_DEFLATE];
	fb->stats_vq = vqs[FPHINT_VQ_STATS];
	fb->hint_vq = info[FPHINT_VQ_FREE_PAGE].name ?
		      vqs[FPHINT_VQ_FREE_PAGE] : NULL;
	fb->reporting_vq = info[FPHINT_VQ_REPORTING].name ?
			   vqs[FPHINT_VQ_REPORTING] : NULL;

	/* Prime the stats queue: the host answers by using this buffer. */
	n = fphint_fill_stats(fb);
	sg_init_one(&sg, fb->stats, sizeof(fb->stats[0]) * n);
	err = virtqueue_add_outbuf(fb->stats_vq, &sg, 1, fb, GFP_KERNEL);
	if (err)
		fphint_del_vqs(fb);
	return err;
}

static int fphint_validate(struct virtio_device *vdev)
{
	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config access disabled\n");
		return -EINVAL;
	}
	/*
	 * Every hint buffer is one sg entry: no indirect tables are needed.
	 * Hints carry guest-physical addresses, not DMA addresses: like the
	 * stock driver, do not negotiate ACCESS_PLATFORM.
	 */
	__virtio_clear_bit(vdev, VIRTIO_RING_F_INDIRECT_DESC);
	__virtio_clear_bit(vdev, VIRTIO_F_ACCESS_PLATFORM);
	/*
	 * QEMU (7.2) serves the free page queue from an iothread, which raises
	 * the INTx line without the big lock, racing the rest of QEMU in the
	 * emulated interrupt controller (userspace irqchip: TCG here; KVM
	 * signals through an irqfd instead).  The free page queue is polled,
	 * its callback off.  With EVENT_IDX the device still signals the first
	 * buffer it uses after each migration (and at every used index wrap);
	 * without it, it honours VRING_AVAIL_F_NO_INTERRUPT and never signals
	 * that queue (commit 1e3726f has the measurements).  The other
	 * queues are too slow to miss event suppression.
	 */
	__virtio_clear_bit(vdev, VIRTIO_RING_F_EVENT_IDX);
	/*
	 * The host discards reported pages: with poisoning or init_on_free
	 * their content matters, and without PAGE_POISON (not negotiated)
	 * the host cannot know it (virtballoon_validate() clears REPORTING
	 * then too).  The same test that refuses hints.
	 */
	if (fphint_hint_refused())
		__virtio_clear_bit(vdev, VIRTIO_BALLOON_F_REPORTING);
	return 0;
}

/*
 * Sets the queues up and starts the balloon: at probe, and at restore once
 * the virtio core has reset the device and renegotiated its features.
 */
static int fphint_start(struct fphint_balloon *fb)
{
	struct virtio_device *vdev = fb->vdev;
	int err;

	err = fphint_init_vqs(fb);
	if (err)
		return err;
	virtio_device_ready(vdev);
	virtqueue_kick(fb->stats_vq);
	/* Reports use the queue: after DRIVER_OK. */
	if (fb->reporting_vq) {
		err = fphint_reporting_start(fb);
		if (err) {
			fphint_del_vqs(fb);
			return err;
		}
	}

	spin_lock_irq(&fb->stop_lock);
	WRITE_ONCE(fb->stopping, false);
	spin_unlock_irq(&fb->stop_lock);
	/*
	 * The IRQ was free since the last reset: see fphint_intx_resync().
	 * Once work can be queued, so a stats request it finds is served.
	 */
	fphint_intx_resync(fb);
	if (fphint_towards_target(fb))
		fphint_queue(fb, system_freezable_wq, &fb->size_work);
	if (fb->hint_vq)
		fphint_queue(fb, fb->hint_wq, &fb->hint_work);
	return 0;
}

/*
 * Stops all use of the queues, at removal and suspend: no work is queued
 * any more and none runs when this returns; a hint round ends after its
 * current batch, and its last id/STOP is given the host (up to a second)
 * to take; page reporting is unregistered, which waits for a report in
 * flight to be used.  The queues are still live.
 */
static void fphint_stop(struct fphint_balloon *fb)
{
	spin_lock_irq(&fb->stop_lock);
	fb->stop_deadline = jiffies + HZ;
	/* stop_deadline first: fphint_wait_id() reads it after stopping. */
	smp_store_release(&fb->stopping, true);
	spin_unlock_irq(&fb->stop_lock);
	cancel_work_sync(&fb->size_work);
	cancel_work_sync(&fb->stats_work);
	/* A running round sees stopping after its current batch. */
	cancel_delayed_work_sync(&fb->done_work);
	cancel_work_sync(&fb->hint_work);
	if (fb->hint_vq)
		fphint_hint_quiesce(fb);
	if (fb->reporting) {
		page_reporting_unregister(&fb->pr_dev_info);
		fb->reporting = false;
	}
}

/*
 * After fphint_stop(): gives every inflated page back (telling the host),
 * resets the device and frees the queues.  An inflated page that
 * compaction has isolated is not on the balloon list: its migration ends
 * (balloon_lock is free between two leaks) and puts it back or moves it,
 * so the loop waits for it.
 */
static void fphint_teardown(struct fphint_balloon *fb)
{
	while (fb->nr_pages)
		if (!fphint_leak(fb, fb->nr_pages))
			msleep(20);
	fphint_update_actual(fb);
	fphint_del_vqs(fb);
	/* Blocks of hint buffers never used stay isolated: see there. */
	fphint_hint_release(fb);
	/*
	 * The reset dropped any buffer still queued, and the device forgot
	 * the hinting state: the next id starts a new migration.
	 */
	fb->id_busy = false;
	fb->active_id = 0;
	fb->in_migration = false;
	fb->full_done = false;
}

static int fphint_probe(struct virtio_device *vdev)
{
	struct fphint_balloon *fb;
	int err;

	fb = kzalloc(sizeof(*fb), GFP_KERNEL);
	if (!fb)
		return -ENOMEM;
	vdev->priv = fb;
	fb->vdev = vdev;
	INIT_WORK(&fb->size_work, fphint_size_work);
	INIT_WORK(&fb->stats_work, fphint_stats_work);
	INIT_WORK(&fb->hint_work, fphint_hint_work);
	INIT_DELAYED_WORK(&fb->done_work, fphint_done_poll);
	spin_lock_init(&fb->stop_lock);
	mutex_init(&fb->balloon_lock);
	init_waitqueue_head(&fb->acked);
	balloon_devinfo_init(&fb->bdev_info);
#ifdef CONFIG_BALLOON_COMPACTION
	fb->bdev_info.migratepage = fphint_migratepage;
#endif

	/* Ordered: a round and the DONE poll never run at once. */
	fb->hint_wq = alloc_ordered_workqueue("fphint_hint", WQ_FREEZABLE);
	if (!fb->hint_wq) {
		err = -ENOMEM;
		goto out_free;
	}
	/* Nothing is queued before fphint_start() has set the queues up. */
	fb->stopping = true;
	err = fphint_start(fb);
	if (err)
		goto out_wq;

	if (fphint_oom_deflate(fb)) {
		fb->oom_nb.notifier_call = fphint_oom_notify;
		fb->oom_nb.priority = 80;
		err = register_oom_notifier(&fb->oom_nb);
		if (err)
			goto out_stop;
	}

	dev_info(&vdev->dev,
		 "fphint_balloon: stats%s%s%s; hints come from the fphint map\n",
		 fphint_oom_deflate(fb) ? ", deflate-on-oom" : "",
		 fb->reporting ? ", free page reporting" : "",
		 fb->hint_vq ? ", free page hints" : " (host offers no hints)");
	return 0;

out_stop:
	fphint_stop(fb);
	fphint_teardown(fb);
out_wq:
	destroy_workqueue(fb->hint_wq);
out_free:
	kfree(fb);
	return err;
}

static void fphint_remove(struct virtio_device *vdev)
{
	struct fphint_balloon *fb = vdev->priv;

	fphint_stop(fb);
	if (fphint_oom_deflate(fb))
		unregister_oom_notifier(&fb->oom_nb);
	fphint_teardown(fb);
	destroy_workqueue(fb->hint_wq);
	kfree(fb);
}

#ifdef CONFIG_PM_SLEEP
/*
 * Suspend to RAM and hibernation (virtio-pci calls this for both, then
 * resets the device).  By now the PM core has frozen system_freezable_wq
 * and hint_wq (both freezable), waiting for running items: no inflate,
 * deflate, stats or hint round runs, and fphint_stop() drops what is
 * queued.  A hint round ends once the device used every buffer it queued,
 * or once it died or fphint_stop()'s second ran out: then the blocks of
 * buffers still unused at the reset stay isolated (fphint_hint_release()).
 * The OOM killer is disabled too (oom_killer_disable() took and released
 * oom_lock), so the OOM notifier does not run until thaw.  Reporting work
 * runs on system_wq, which is not frozen: fphint_stop() unregisters it
 * before the queues go.  The balloon is deflated, as the stock driver
 * does: the host gets its pages back until restore inflates again to the
 * target.
 */
static int fphint_freeze(struct virtio_device *vdev)
{
	struct fphint_balloon *fb = vdev->priv;

	fphint_stop(fb);
	fphint_teardown(fb);
	return 0;
}

/*
 * The virtio core reset the device and renegotiated its features; the
 * queues are set up again and the balloon goes back to the host's target.
 * If this fails, the driver stays stopped: nothing touches the queues.
 */
static int fphint_restore(struct virtio_device *vdev)
{
	struct fphint_balloon *fb = vdev->priv;
	int err;

	err = fphint_start(fb);
	if (!err)
		fphint_update_actual(fb);
	return err;
}
#endif

static unsigned int fphint_features[] = {
	VIRTIO_BALLOON_F_MUST_TELL_HOST,
	VIRTIO_BALLOON_F_STATS_VQ,
	VIRTIO_BALLOON_F_DEFLATE_ON_OOM,
	VIRTIO_BALLOON_F_FREE_PAGE_HINT,
	VIRTIO_BALLOON_F_REPORTING,
};

static const struct virtio_device_id fphint_id_table[] = {
	{ VIRTIO_ID_BALLOON, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct virtio_driver fphint_driver = {
	.feature_table = fphint_features,
	.feature_table_size = ARRAY_SIZE(fphint_features),
	.driver.name = "fphint_balloon",
	.driver.owner = THIS_MODULE,
	.id_table = fphint_id_table,
	.validate = fphint_validate,
	.probe = fphint_probe,
	.remove = fphint_remove,
	.config_changed = fphint_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze = fphint_freeze,
	.restore = fphint_restore,
#endif
};

static int __init fphint_init(void)
{
	int err = fphint_ctl_init();

	if (err)
		return err;
	err = register_virtio_driver(&fphint_driver);
	if (err)
		fphint_ctl_exit();
	return err;
}

static void __exit fphint_exit(void)
{
	unregister_virtio_driver(&fphint_driver);
	fphint_ctl_exit();
}

module_init(fphint_init);
module_exit(fphint_exit);
MODULE_DEVICE_TABLE(virtio, fphint_id_table);
MODULE_DESCRIPTION("virtio-balloon with free page hints from the fphint BPF map");
MODULE_LICENSE("GPL");
