// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_fake_module.so - LD_PRELOAD into fphintd on a host without the
 * fphint_balloon module (this machine's kernel has no module support):
 * /dev/fphint opens once the file named by $FPHINT_FAKE_STATS exists (no
 * module before), takes the hand-over, and FPHINT_IOC_STATS answers from
 * that file, read at every call:
 *     <field> <value>                  a counter or gauge of fphint_stats.h
 *     <field>_hist <v0> <v1> ...       a histogram's buckets (not cumulative)
 *     <field>_count <n>, <field>_sum_ns <ns>
 * $FPHINT_FAKE_HASH, when set, replaces the table hash (a module from
 * another build).  Unknown fields make the ioctl fail with EIO, so a test
 * cannot feed a name the table does not have.  fphintd's HTTP workers
 * can serve two scrapes at once, each opening the device: every fake
 * descriptor is remembered until it is closed, and parsing keeps no shared
 * state.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "fphint_ioctl.h"

#define FPHINT_FAKE_MAX_FD 4096
static atomic_bool fphint_fake_fds[FPHINT_FAKE_MAX_FD];

static bool fphint_fake_fd(int fd)
{
	return fd >= 0 && fd < FPHINT_FAKE_MAX_FD && atomic_load(&fphint_fake_fds[fd]);
}

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (strcmp(path, FPHINT_CTL_DEVICE))
		return real_open(path, flags, mode);
	if (!getenv("FPHINT_FAKE_STATS") || access(getenv("FPHINT_FAKE_STATS"), F_OK)) {
		errno = ENOENT;
		return -1;
	}
	fd = real_open("/dev/null", O_RDONLY | (flags & O_CLOEXEC));
	if (fd >= FPHINT_FAKE_MAX_FD) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	if (fd >= 0)
		atomic_store(&fphint_fake_fds[fd], true);
	return fd;
}

int close(int fd)
{
	static int (*real_close)(int);

	if (!real_close)
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (fphint_fake_fd(fd))
		atomic_store(&fphint_fake_fds[fd], false);
	return real_close(fd);
}

/* One line of the stats file into s; false if its name is not in the table. */
static int fphint_fake_line(struct fphint_ctl_stats *s, char *line)
{
	const struct fphint_stat_desc *d;
	char *save, *name = strtok_r(line, " \t\n", &save), *v;
	char buf[96];
	__u64 *p;
	unsigned i;

	if (!name)
		return 1;
	for (d = fphint_stats_desc; d < fphint_stats_desc + FPHINT_NR_STATS; d++) {
		p = (__u64 *)((char *)s + d->offset);
		if (d->kind != FPHINT_STAT_HISTOGRAM) {
			if (!strcmp(name, d->field) && (v = strtok_r(NULL, " \t\n", &save)))
				return *p = strtoull(v, NULL, 0), 1;
			continue;
		}
		snprintf(buf, sizeof(buf), "%s_hist", d->field);
		if (!strcmp(name, buf)) {
			for (i = 0; i < d->nr_buckets && (v = strtok_r(NULL, " \t\n", &save)); i++)
				p[i] = strtoull(v, NULL, 0);
			return 1;
		}
		snprintf(buf, sizeof(buf), "%s_count", d->field);
		if (!strcmp(name, buf) && (v = strtok_r(NULL, " \t\n", &save)))
			return p[d->nr_buckets] = strtoull(v, NULL, 0), 1;
		snprintf(buf, sizeof(buf), "%s_sum_ns", d->field);
		if (!strcmp(name, buf) && (v = strtok_r(NULL, " \t\n", &save)))
			return p[d->nr_buckets + 1] = strtoull(v, NULL, 0), 1;
	}
	return 0;
}

static int fphint_fake_stats(void *arg, unsigned long cmd)
{
	struct fphint_ctl_stats s = {.size = sizeof(s), .table_hash = fphint_stats_table_hash()};
	const char *path = getenv("FPHINT_FAKE_STATS"), *hash = getenv("FPHINT_FAKE_HASH");
	char line[512];
	FILE *f;

	if (hash)
		s.table_hash = (__u32)strtoul(hash, NULL, 0);
	f = path ? fopen(path, "re") : NULL;
	while (f && fgets(line, sizeof(line), f)) {
		if (!fphint_fake_line(&s, line)) {
			fclose(f);
			errno = EIO;
			return -1;
		}
	}
	if (f)
		fclose(f);
	memcpy(arg, &s, _IOC_SIZE(cmd) < sizeof(s) ? _IOC_SIZE(cmd) : sizeof(s));
	return 0;
}

int ioctl(int fd, unsigned long cmd, ...)
{
	static int (*real_ioctl)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl)
		real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (!fphint_fake_fd(fd))
		return real_ioctl(fd, cmd, arg);
	if (cmd == FPHINT_IOC_STATS)
		return fphint_fake_stats(arg, cmd);
	if (cmd == FPHINT_IOC_HANDOVER || cmd == FPHINT_IOC_RELEASE)
		return 0;
	errno = ENOTTY;
	return -1;
}
