// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint-perm-probe - drop to an unprivileged user, then try to get at
 * fphint's privileged objects.  Static: it also runs in the busybox guest,
 * whose setpriv cannot change user ids.
 *
 *   fphint-perm-probe UID:GID PATH...        probe each PATH
 *   fphint-perm-probe UID:GID -- CMD ARG...  run CMD as that user
 *
 * Started as root, it clears the supplementary groups and sets real,
 * effective and saved ids (no capabilities survive), and checks it can
 * no longer become root.  A probe tries, per PATH: open() read-only and
 * read-write (a device, a pin, /proc/kpageflags), and BPF_OBJ_GET (a pin
 * on bpffs: the way bpftool and libbpf open one).  Prints one line per
 * attempt: "refused (ERRNO)" or "GRANTED".  Exit 0 when every attempt was
 * refused, 1 when one was granted, 2 on bad usage, 3 when the privilege
 * drop itself failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int drop_to(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		fprintf(stderr, "fphint-perm-probe: cannot drop to %u:%u: %s\n", uid, gid,
			strerror(errno));
		return -1;
	}
	/* Saved ids are gone too: there is no way back. */
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
		fprintf(stderr, "fphint-perm-probe: still root after dropping\n");
		return -1;
	}
	return 0;
}

static int report(const char *path, const char *how, int fd)
{
	if (fd >= 0) {
		printf("%s: %s GRANTED\n", path, how);
		close(fd);
		return 1;
	}
	printf("%s: %s refused (%s)\n", path, how, strerrorname_np(errno));
	return 0;
}

static int probe(const char *path)
{
	union bpf_attr attr;
	int granted = 0;

	granted |= report(path, "open O_RDONLY", open(path, O_RDONLY | O_CLOEXEC));
	granted |= report(path, "open O_RDWR", open(path, O_RDWR | O_CLOEXEC));
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)path;
	granted |= report(path, "BPF_OBJ_GET",
			  (int)syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr)));
	return granted;
}

static int usage(const char *why)
{
	fprintf(stderr,
		"fphint-perm-probe: %s\n"
		"usage: fphint-perm-probe UID:GID PATH... | UID:GID -- CMD [ARG...]\n",
		why);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long uid, gid;
	int i, granted = 0;
	char *end;

	if (argc < 3)
		return usage("too few arguments");
	errno = 0;
	uid = strtoul(argv[1], &end, 10);
	if (errno || end == argv[1] || *end != ':')
		return usage("UID:GID expected");
	gid = strtoul(end + 1, &end, 10);
	if (errno || *end || uid == 0 || gid == 0 || uid > 65535 || gid > 65535)
		return usage("UID:GID must be non-zero numbers up to 65535");
	if (drop_to((uid_t)uid, (gid_t)gid))
		return 3;
	if (!strcmp(argv[2], "--")) {
		if (argc < 4)
			return usage("no command after --");
		execvp(argv[3], argv + 3);
		fprintf(stderr, "fphint-perm-probe: %s: %s\n", argv[3], strerror(errno));
		return 127;
	}
	for (i = 2; i < argc; i++)
		granted |= probe(argv[i]);
	return granted ? 1 : 0;
}
