// SPDX-License-Identifier: GPL-2.0-only
/*
 * fphint_balloon INTx workaround: a host that raised the balloon's legacy
 * interrupt line while no driver held the IRQ leaves the next driver deaf
 * until someone reads the ISR.  See fphint_intx_resync().
 */
#include <linux/pci.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/virtio_pci.h>

#include "fphint_balloon.h"

/*
 * The ISR status byte of a virtio PCI device, from its ISR capability, or
 * for a legacy device, from its I/O BAR 0.
 */
static void __iomem *fphint_map_isr(struct pci_dev *pdev)
{
	u8 pos, type, bar;
	u32 offset;

	for (pos = pci_find_capability(pdev, PCI_CAP_ID_VNDR); pos;
	     pos = pci_find_next_capability(pdev, pos, PCI_CAP_ID_VNDR)) {
		pci_read_config_byte(pdev,
				     pos + offsetof(struct virtio_pci_cap,
						    cfg_type),
				     &type);
		if (type != VIRTIO_PCI_CAP_ISR_CFG)
			continue;
		pci_read_config_byte(pdev,
				     pos + offsetof(struct virtio_pci_cap, bar),
				     &bar);
		pci_read_config_dword(pdev,
				      pos + offsetof(struct virtio_pci_cap,
						     offset),
				      &offset);
		if (bar >= PCI_STD_NUM_BARS)
			return NULL;
		return pci_iomap_range(pdev, bar, offset, 1);
	}
	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_IO))
		return NULL;
	return pci_iomap_range(pdev, 0, VIRTIO_PCI_ISR, 1);
}

/*
 * QEMU (7.2) raises the balloon's INTx line from the iothread that serves
 * the free page queue, even right after a reset.  If the line goes up while
 * no driver holds the IRQ (between one driver's removal and the next one's
 * probe), the guest's IO-APIC pin is masked and edge-triggered and drops
 * it; once a driver requests the IRQ (level, unmasked), QEMU never shows
 * the level again, and the device, whose PCI state says "asserted", never
 * raises it again either.  Every later interrupt is lost, config changes
 * included (no hint round would ever start), and the state migrates with
 * the guest.  Reading the ISR lowers the line, so the next interrupt gets
 * through.  What the read returns is served here as the interrupt would
 * have been.  Done at probe and once per migration (at DONE): cheap, and
 * harmless when nothing is pending.
 */
void fphint_intx_resync(struct fphint_balloon *fb)
{
	struct device *parent = fb->vdev->dev.parent;
	struct pci_dev *pdev;
	void __iomem *isr;
	u8 bits;

	if (!parent || !dev_is_pci(parent))
		return;
	pdev = to_pci_dev(parent);
	/* With MSI or MSI-X the ISR plays no part in interrupts. */
	if (pdev->msix_enabled || pdev->msi_enabled)
		return;
	isr = fphint_map_isr(pdev);
	if (!isr)
		return;
	bits = ioread8(isr);
	pci_iounmap(pdev, isr);
	if (!bits)
		return;
	fphint_stats.intx_resyncs++;
	dev_info(&fb->vdev->dev,
		 "interrupt status %#x was pending unannounced (the host's INTx line was out of step): served\n",
		 bits);
	vring_interrupt(0, fb->inflate_vq);
	vring_interrupt(0, fb->deflate_vq);
	vring_interrupt(0, fb->stats_vq);
	if (fb->reporting_vq)
		vring_interrupt(0, fb->reporting_vq);
	if (bits & VIRTIO_PCI_ISR_CONFIG)
		virtio_config_changed(fb->vdev);
}
