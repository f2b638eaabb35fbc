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
 *  - FREE_PAGE_HINT, served by fphint_balloon_hint.c.
 * PAGE_POISON and REPORTING are not negotiated: we do not serve them.
 * Ballooned pages refuse compaction's migration (-EAGAIN): simpler than
 * telling the host about a moved page, at the cost of a few unmovable
 * pages for compaction.
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
#include <uapi/linux/virtio_ring.h>

#include "fphint_balloon.h"
#include "fphint_compat.h"

#define FPHINT_OOM_NR_PAGES 256

static void fphint_ack(struct virtqueue *vq)
{
	struct fphint_balloon *fb = vq->vdev->priv;

	wake_up(&fb->acked);
}

/* Sends the pfn array on @vq and waits until the host has used it. */
static void fphint_tell_host(struct fphint_balloon *fb, struct virtqueue *vq)
{
	struct scatterlist sg;
	unsigned int len;

	sg_init_one(&sg, fb->pfns, sizeof(fb->pfns[0]) * fb->nr_pfns);
	/* One sg, a queue we own: adding cannot fail. */
	virtqueue_add_outbuf(vq, &sg, 1, fb, GFP_KERNEL);
	virtqueue_kick(vq);
	/*
	 * Looks again every 100 ms: an interrupt the host lost (see
	 * fphint_intx_resync()) must not wedge the balloon, nor the OOM
	 * notifier waiting for balloon_lock.
	 */
	while (!wait_event_timeout(fb->acked, virtqueue_get_buf(vq, &len),
				   HZ / 10))
		if (virtqueue_is_broken(vq))
			break;
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

static int fphint_migratepage(struct balloon_dev_info *info,
			      struct page *newpage, struct page *page,
			      enum migrate_mode mode)
{
	/* Refused: the page stays where the host was told it is. */
	return -EAGAIN;
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
	err = fphint_find_vqs(fb->vdev, FPHINT_VQ_MAX, vqs, info);
	if (err)
		return err;
	fb->inflate_vq = vqs[FPHINT_VQ_INFLATE];
	fb->deflate_vq = vqs[FPHINT_VQ_DEFLATE];
	fb->stats_vq = vqs[FPHINT_VQ_STATS];
	fb->hint_vq = info[FPHINT_VQ_FREE_PAGE].name ?
		      vqs[FPHINT_VQ_FREE_PAGE] : NULL;

	/* Prime the stats queue: the host answers by using this buffer. */
	n = fphint_fill_stats(fb);
	sg_init_one(&sg, fb->stats, sizeof(fb->stats[0]) * n);
	err = virtqueue_add_outbuf(fb->stats_vq, &sg, 1, fb, GFP_KERNEL);
	if (err) {
		fb->vdev->config->del_vqs(fb->vdev);
		return err;
	}
	return 0;
}

static int fphint_validate(struct virtio_device *vdev)
{
	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config access disabled\n");
		return -EINVAL;
	}
	/*
	 * Hint buffers are added under zone->lock: they must never need an
	 * indirect descriptor table, which would be allocated right there.
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
	 * that queue.  Measured: lost lines (intx_resyncs) in 5 of 22 runs of
	 * test_fphint_migrate with EVENT_IDX, none in 10 without.  The other
	 * queues are too slow to miss event suppression.
	 */
	__virtio_clear_bit(vdev, VIRTIO_RING_F_EVENT_IDX);
	return 0;
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
	fb->bdev_info.migratepage = fphint_migratepage;

	/* Ordered: a round and the DONE poll never run at once. */
	fb->hint_wq = alloc_ordered_workqueue("fphint_hint", WQ_FREEZABLE);
	if (!fb->hint_wq) {
		err = -ENOMEM;
		goto out_free;
	}
	err = fphint_init_vqs(fb);
	if (err)
		goto out_wq;

	if (fphint_oom_deflate(fb)) {
		fb->oom_nb.notifier_call = fphint_oom_notify;
		fb->oom_nb.priority = 80;
		err = register_oom_notifier(&fb->oom_nb);
		if (err)
			goto out_vqs;
	}

	virtio_device_ready(vdev);
	virtqueue_kick(fb->stats_vq);
	fphint_intx_resync(fb);
	dev_info(&vdev->dev,
		 "fphint_balloon: stats%s%s; hints come from the fphint map\n",
		 fphint_oom_deflate(fb) ? ", deflate-on-oom" : "",
		 fb->hint_vq ? ", free page hints" : " (host offers no hints)");
	if (fphint_towards_target(fb))
		fphint_queue(fb, system_freezable_wq, &fb->size_work);
	if (fb->hint_vq)
		fphint_queue(fb, fb->hint_wq, &fb->hint_work);
	return 0;

out_vqs:
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
out_wq:
	destroy_workqueue(fb->hint_wq);
out_free:
	kfree(fb);
	return err;
}

static void fphint_remove(struct virtio_device *vdev)
{
	struct fphint_balloon *fb = vdev->priv;

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
	if (fphint_oom_deflate(fb))
		unregister_oom_notifier(&fb->oom_nb);

	while (fb->nr_pages)
		fphint_leak(fb, fb->nr_pages);
	fphint_update_actual(fb);

	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
	fphint_hint_release(fb);
	destroy_workqueue(fb->hint_wq);
	kfree(fb);
}

static unsigned int fphint_features[] = {
	VIRTIO_BALLOON_F_MUST_TELL_HOST,
	VIRTIO_BALLOON_F_STATS_VQ,
	VIRTIO_BALLOON_F_DEFLATE_ON_OOM,
	VIRTIO_BALLOON_F_FREE_PAGE_HINT,
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
