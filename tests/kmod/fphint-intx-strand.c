// SPDX-License-Identifier: GPL-2.0-only
/*
 * fphint-intx-strand - strands an interrupt of the guest's virtio-balloon
 * PCI device, for the test of fphint_balloon's INTx resync.
 *
 * With no driver bound, the guest's IO-APIC pin of the device is masked
 * and edge-triggered.  "up" makes the device look driven (status
 * ACKNOWLEDGE|DRIVER|DRIVER_OK), so that a config change from the host
 * (QMP balloon) raises the INTx line, which the masked pin drops.  "down"
 * takes DRIVER_OK back without a reset (a reset would lower the line):
 * the next driver's probe then finds its device asserting a line the
 * guest never saw rise, which QEMU 7.2 never shows again.  This is what a
 * notification from QEMU's hinting iothread during a driver reload does.
 *
 * Usage: fphint-intx-strand up|down   (root, no driver bound)
 * Prints the device status before and after.  Exit 0 done, 1 error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FPHINT_PCI_DEVICES   "/sys/bus/pci/devices"
#define FPHINT_VIRTIO_VENDOR 0x1af4
/* Transitional and modern virtio-balloon PCI device ids. */
#define FPHINT_BALLOON_LEGACY 0x1002
#define FPHINT_BALLOON_MODERN 0x1045
/*
 * The legacy (I/O BAR 0) status register: the same device status as the
 * modern one, and writable through sysfs while virtio_pci holds the BARs
 * (mmap of a claimed memory BAR is refused).
 */
#define FPHINT_LEGACY_STATUS 18
#define FPHINT_STATUS_UP     0x07 /* ACKNOWLEDGE | DRIVER | DRIVER_OK */
#define FPHINT_STATUS_DOWN   0x03 /* ACKNOWLEDGE | DRIVER */

static unsigned long fphint_sysfs_hex(const char *dir, const char *name)
{
	char path[600], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtoul(buf, NULL, 16);
}

/* The sysfs directory of the balloon device, or -1. */
static int fphint_find_balloon(char *dir, size_t len)
{
	DIR *d = opendir(FPHINT_PCI_DEVICES);
	struct dirent *e;
	unsigned long dev;
	int found = -1;

	if (!d)
		return -1;
	while (found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, len, "%s/%s", FPHINT_PCI_DEVICES, e->d_name);
		dev = fphint_sysfs_hex(dir, "device");
		if (fphint_sysfs_hex(dir, "vendor") == FPHINT_VIRTIO_VENDOR &&
		    (dev == FPHINT_BALLOON_LEGACY || dev == FPHINT_BALLOON_MODERN))
			found = 0;
	}
	closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	char dir[512], path[600];
	uint8_t want, before, after;
	int fd, ok;

	if (argc != 2 || (strcmp(argv[1], "up") && strcmp(argv[1], "down"))) {
		fprintf(stderr, "usage: %s up|down\n", argv[0]);
		return 1;
	}
	want = strcmp(argv[1], "up") ? FPHINT_STATUS_DOWN : FPHINT_STATUS_UP;
	if (fphint_find_balloon(dir, sizeof(dir))) {
		fprintf(stderr, "no virtio-balloon PCI device\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/resource0", dir);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	ok = pread(fd, &before, 1, FPHINT_LEGACY_STATUS) == 1 &&
	     pwrite(fd, &want, 1, FPHINT_LEGACY_STATUS) == 1 &&
	     pread(fd, &after, 1, FPHINT_LEGACY_STATUS) == 1;
	close(fd);
	if (!ok) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("device status %#x -> %#x\n", before, after);
	return after == want ? 0 : 1;
}
