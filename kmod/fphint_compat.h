/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fphint_compat.h - what moved between the guest kernels fphint_balloon
 * supports (Debian 12's 6.1 and Debian 13's / bookworm-backports' 6.12).
 * Every version check of the module lives here, each saying since when.
 */
#ifndef FPHINT_COMPAT_H
#define FPHINT_COMPAT_H

#include <linux/version.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

/*
 * Balloon pfns and hint lengths are in 4 KiB units (virtio-balloon's
 * VIRTIO_BALLOON_PFN_SHIFT, and the map's one bit per 4 KiB frame).
 */
#if PAGE_SIZE != 4096
#error "fphint_balloon supports 4 KiB pages only"
#endif

/*
 * Buddy orders are 0 .. FPHINT_NR_ORDERS - 1.  Up to 6.3 MAX_ORDER was
 * the number of orders; 6.4-6.7 made it the largest order (inclusive);
 * 6.8 renamed that MAX_PAGE_ORDER and added NR_PAGE_ORDERS.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define FPHINT_NR_ORDERS NR_PAGE_ORDERS
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define FPHINT_NR_ORDERS (MAX_ORDER + 1)
#else
#define FPHINT_NR_ORDERS MAX_ORDER
#endif

/*
 * bpf_map_get() is exported in namespace BPF_INTERNAL since 6.15 (and
 * 6.12.26 by stable backport); importing a namespace nothing exports in is
 * harmless (modpost only reports missing imports), so import it always.
 * MODULE_IMPORT_NS() takes a string literal since 6.13, an identifier before.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define FPHINT_IMPORT_NS_BPF_INTERNAL() MODULE_IMPORT_NS("BPF_INTERNAL")
#else
#define FPHINT_IMPORT_NS_BPF_INTERNAL() MODULE_IMPORT_NS(BPF_INTERNAL)
#endif

/*
 * virtio_find_vqs() takes one struct virtqueue_info per queue since 6.11;
 * before, parallel callbacks[] and names[] arrays.  Either way a queue
 * with a NULL name is not created and takes no index on the device.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define fphint_vq_info virtqueue_info

static inline int fphint_find_vqs(struct virtio_device *vdev,
				  unsigned int nvqs, struct virtqueue *vqs[],
				  struct fphint_vq_info info[])
{
	return virtio_find_vqs(vdev, nvqs, vqs, info, NULL);
}
#else
struct fphint_vq_info {
	const char *name;
	vq_callback_t *callback;
};

static inline int fphint_find_vqs(struct virtio_device *vdev,
				  unsigned int nvqs, struct virtqueue *vqs[],
				  struct fphint_vq_info info[])
{
	vq_callback_t **callbacks;
	const char **names;
	unsigned int i;
	int err = -ENOMEM;

	callbacks = kmalloc_array(nvqs, sizeof(*callbacks), GFP_KERNEL);
	names = kmalloc_array(nvqs, sizeof(*names), GFP_KERNEL);
	if (callbacks && names) {
		for (i = 0; i < nvqs; i++) {
			callbacks[i] = info[i].callback;
			names[i] = info[i].name;
		}
		err = virtio_find_vqs(vdev, nvqs, vqs, callbacks, names, NULL);
	}
	kfree(names);
	kfree(callbacks);
	return err;
}
#endif

/*
 * Free pages the watermark check does not count as usable for an ordinary
 * allocation (__zone_watermark_unusable_free()): the free pages of
 * highatomic pageblocks since 6.12 (nr_free_highatomic, commit
 * c928807f6f6b), the whole highatomic reserve before.
 */
static inline unsigned long fphint_zone_highatomic(struct zone *zone)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return READ_ONCE(zone->nr_free_highatomic);
#else
	return READ_ONCE(zone->nr_reserved_highatomic);
#endif
}

/*
 * The hint path takes free blocks off the buddy lists itself (what
 * mm/page_alloc.c's static del_page_from_free_list() does) and reads
 * pageblock migratetypes from the section usemaps: both checked against
 * 6.1 and 6.12 only, so other kernels are refused rather than guessed at
 * (6.13+ changed free-list and pageblock internals again).
 */
#if !(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)) && \
	!(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0))
#error "fphint_balloon is checked against Linux 6.1 and 6.12 only"
#endif
#ifndef CONFIG_SPARSEMEM
#error "fphint_balloon reads pageblock flags from SPARSEMEM usemaps"
#endif

#endif /* FPHINT_COMPAT_H */
