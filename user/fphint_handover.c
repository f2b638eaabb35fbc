// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hand-over of the pinned maps to the fphint_balloon kernel module through
 * its control device.  The module takes its own references on both maps,
 * so fphintd may exit afterwards; it validates them (see fphint_ioctl.h for
 * the errno of each rejection).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fphint_handover.h"
#include "fphint_ioctl.h"
#include "fphint_layout.h"

static const char *fphint_handover_reason(int e)
{
	switch (e) {
	case EBADF:
		return "a map fd is not open";
	case EINVAL:
		return "a map has the wrong shape (type, key/value size, flags or entries)";
	case EPROTO:
		return "layout version or magic differs from the module's";
	case ERANGE:
		return "the bitmap does not cover this machine's highest page frame";
	case EBUSY:
		return "the module already holds a map";
	default:
		return strerror(e);
	}
}

int fphint_handover_maybe(int bitmap_fd, int meta_fd, char *err, size_t errlen)
{
	struct fphint_handover h = {
		.layout_version = FPHINT_LAYOUT_VERSION,
		.bitmap_fd = bitmap_fd,
		.meta_fd = meta_fd,
	};
	int fd, rc, e;

	fd = open(FPHINT_CTL_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			return 0;
		snprintf(err, errlen, "open %s: %s", FPHINT_CTL_DEVICE, strerror(e));
		return -e;
	}
	rc = ioctl(fd, FPHINT_IOC_HANDOVER, &h);
	e = errno;
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s refused the map: %s (%s)", FPHINT_CTL_DEVICE,
			 fphint_handover_reason(e), strerror(e));
		return -e;
	}
	return 1;
}
