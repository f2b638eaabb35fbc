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

/*
 * Free highatomic pages are counted per zone since 6.10 (account_freepages()
 * keeps zone->nr_free_highatomic); 6.1 counts reserved pageblocks only.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define FPHINT_HAS_NR_FREE_HIGHATOMIC 1
static inline void fphint_add_free_highatomic(struct zone *zone, long nr)
{
	WRITE_ONCE(zone->nr_free_highatomic, zone->nr_free_highatomic + nr);
}
#else
#define FPHINT_HAS_NR_FREE_HIGHATOMIC 0
static inline void fphint_add_free_highatomic(struct zone *zone, long nr)
{
}
#endif

#endif /* FPHINT_COMPAT_H */
