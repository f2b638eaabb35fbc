/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fphint_balloon - internal interfaces between the virtio driver
 * (fphint_balloon_main.c), the free page hinter (fphint_balloon_hint.c),
 * the control device (fphint_balloon_ctl.c) and the INTx workaround
 * (fphint_balloon_intx.c).
 */
#ifndef FPHINT_BALLOON_H
#define FPHINT_BALLOON_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/virtio.h>
#include <linux/virtio_balloon.h>
#include <linux/balloon_compaction.h>
#include <linux/page_reporting.h>
#include <linux/notifier.h>
#include <linux/seq_file.h>

#include "fphint_layout.h"
#include "fphint_ioctl.h"

#define FPHINT_PFNS_PER_MSG 256

/*
 * The device's queues in the order the host numbers them (QEMU creates
 * inflate, deflate, stats, then free_page and reporting when those
 * features are on; Linux gives indices only to the queues it names), as
 * enum virtio_balloon_vq of drivers/virtio/virtio_balloon.c.
 */
enum fphint_vq {
	FPHINT_VQ_INFLATE,
	FPHINT_VQ_DEFLATE,
	FPHINT_VQ_STATS,
	FPHINT_VQ_FREE_PAGE,
	FPHINT_VQ_REPORTING,
	FPHINT_VQ_MAX
};

struct fphint_balloon {
	struct virtio_device *vdev;
	/* NULL while the device is down (suspended) or lacks the feature. */
	struct virtqueue *inflate_vq, *deflate_vq, *stats_vq, *hint_vq;
	struct virtqueue *reporting_vq;
	/* Free page reporting (VIRTIO_BALLOON_F_REPORTING), when registered. */
	struct page_reporting_dev_info pr_dev_info;
	bool reporting;

	/* Inflate, deflate and stats run here; hint rounds on hint_wq. */
	struct work_struct size_work;
	struct work_struct stats_work;
	struct work_struct hint_work;
	/* Looks for DONE after a round: see fphint_done_poll(). */
	struct delayed_work done_work;
	struct workqueue_struct *hint_wq;

	/*
	 * Set at removal and suspend: no new work is queued, running rounds
	 * end.  Cleared when the queues are set up again (restore).
	 */
	spinlock_t stop_lock;
	bool stopping;
	unsigned long stop_deadline; /* jiffies: removal/suspend wait no longer */

	/* Balloon state, under balloon_lock. */
	struct mutex balloon_lock;
	struct balloon_dev_info bdev_info;
	unsigned int nr_pages; /* 4 KiB pages the host was told about */
	unsigned int nr_pfns;
	__virtio32 pfns[FPHINT_PFNS_PER_MSG];
	wait_queue_head_t acked;

	struct virtio_balloon_stat stats[VIRTIO_BALLOON_S_NR];

	struct notifier_block oom_nb;

	/* Hinting state, only touched by hint_work. */
	u32 active_id; /* id of the round served last, 0 = none */
	bool in_migration; /* a round ran since the last DONE */
	bool full_done; /* a full round of this migration ran to its end */
	atomic_t config_gen; /* bumped at every config change interrupt */
	u64 config_ns; /* ktime of the last config change interrupt */
	__virtio32 id_buf; /* OUT buffer for the id / STOP */
	bool id_busy; /* id_buf is queued, not used yet */
	/* Hint buffers in flight and the blocks they hold (hint work only). */
	struct fphint_inflight *inflight;
};

/* Control device and map (fphint_balloon_ctl.c). */
struct bpf_map;
struct fphint_map_ref {
	struct bpf_map *bitmap, *meta_map; /* our references */
	struct fphint_word *words;
	u64 nr_words;
	struct fphint_meta *meta;
};

int fphint_ctl_init(void);
void fphint_ctl_exit(void);
/* Takes the map for a round: returns false (and holds nothing) if none. */
bool fphint_map_get(struct fphint_map_ref *ref);
void fphint_map_put(struct fphint_map_ref *ref);

extern struct fphint_ctl_stats fphint_stats;

/* Queues work unless the driver is stopping (removal, suspend). */
static inline void fphint_queue(struct fphint_balloon *fb,
				struct workqueue_struct *wq,
				struct work_struct *w)
{
	unsigned long flags;

	spin_lock_irqsave(&fb->stop_lock, flags);
	if (!fb->stopping)
		queue_work(wq, w);
	spin_unlock_irqrestore(&fb->stop_lock, flags);
}

static inline void fphint_queue_delayed(struct fphint_balloon *fb,
					struct delayed_work *w,
					unsigned long delay)
{
	unsigned long flags;

	spin_lock_irqsave(&fb->stop_lock, flags);
	if (!fb->stopping)
		queue_delayed_work(fb->hint_wq, w, delay);
	spin_unlock_irqrestore(&fb->stop_lock, flags);
}

/* Hinting (fphint_balloon_hint.c). */
void fphint_hint_work(struct work_struct *work);
void fphint_done_poll(struct work_struct *work);
bool fphint_hint_refused(void);
int fphint_batches_show(struct seq_file *m, void *v);
int fphint_rounds_show(struct seq_file *m, void *v);
void fphint_hint_quiesce(struct fphint_balloon *fb);
void fphint_hint_reset_reap(struct fphint_balloon *fb);
void fphint_hint_release(struct fphint_balloon *fb);

/* fphint_balloon_intx.c */
void fphint_intx_resync(struct fphint_balloon *fb);

#endif /* FPHINT_BALLOON_H */
