// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint-ioctl-fuzz - random ioctls on the fphint_balloon control device,
 * run as root inside the bench guest (static, no libraries).
 *
 *   fphint-ioctl-fuzz [--seconds N] [--seed S] [--workers W] [--pin-dir DIR]
 *
 * W worker processes (default 2, so hand-over and release race each other)
 * each issue, for N seconds (default 30): ioctl numbers of the module's
 * magic with random number/direction/size, the real commands, and fully
 * random numbers; arguments that are NULL, unmapped, kernel addresses,
 * straddle a PROT_NONE page, or point at random struct contents whose fds
 * are real (the pinned maps, the stats map, /dev/null, a pipe, the device
 * itself, an eventfd) or random.  Each worker also reopens the device now
 * and then.  Afterwards the parent releases whatever a worker left handed
 * over and checks that the module still works: a valid hand-over of the
 * pinned maps succeeds and STATS says map_attached.  Exit 0 when it does,
 * 1 otherwise, 2 on bad usage.  The kernel log is the caller's to check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fphint_ioctl.h"
#include "fphint_layout.h"
#include "fphint_time.h"

#define FUZZ_PAGE   4096
#define NR_FDS	    10
#define NR_ERRNOS   160
#define KERNEL_ADDR 0xffff888000000000ull

struct fuzz_ctx {
	uint64_t rng;
	int fds[NR_FDS]; /* candidate descriptors for struct fields */
	int dev;
	uint8_t *pages; /* RW page followed by a PROT_NONE page */
	uint64_t calls, ok, handovers_ok, reopens;
	uint64_t errnos[NR_ERRNOS];
};

static uint64_t rnd(struct fuzz_ctx *c)
{
	/* xorshift64*: reproducible from --seed. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dull;
}

static int bpf_obj_get(const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	return (int)syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
}

static int pin_fd(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

static int random_fd(struct fuzz_ctx *c)
{
	switch (rnd(c) % 4) {
	case 0:
		return (int)(rnd(c) % 64) - 2; /* small, often closed or -1 */
	case 1:
		return (int)rnd(c);
	default:
		return c->fds[rnd(c) % NR_FDS];
	}
}

/* A command: mostly the module's magic, some real, some anything. */
static unsigned long random_cmd(struct fuzz_ctx *c)
{
	static const unsigned long real[] = {FPHINT_IOC_HANDOVER, FPHINT_IOC_RELEASE,
					     FPHINT_IOC_STATS};
	unsigned long cmd;

	switch (rnd(c) % 10) {
	case 0:
	case 1:
	case 2:
		return real[rnd(c) % 3];
	case 3:
		/* A real command with its size field changed. */
		return (real[rnd(c) % 3] & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		       ((rnd(c) & _IOC_SIZEMASK) << _IOC_SIZESHIFT);
	case 4:
	case 5:
		cmd = (unsigned long)(uint32_t)rnd(c);
		/*
		 * Type 'X' (FIFREEZE/FITHAW), 'f' (FS_IOC_*), 'T' (FIONBIO,
		 * FIOASYNC...) and 0x94 (FICLONE...) are served by the VFS
		 * before the driver: they test devtmpfs, not the module.
		 */
		switch (_IOC_TYPE(cmd)) {
		case 'X':
		case 'f':
		case 'T':
		case 0x94:
			cmd = (cmd & ~((unsigned long)_IOC_TYPEMASK << _IOC_TYPESHIFT)) |
			      ((unsigned long)FPHINT_IOC_MAGIC << _IOC_TYPESHIFT);
			break;
		}
		return cmd;
	default:
		return _IOC(rnd(c) % 4, FPHINT_IOC_MAGIC, rnd(c) % 8, rnd(c) % (_IOC_SIZEMASK + 1));
	}
}

/* An argument: a pointer (good or bad) or a plain number. */
static unsigned long random_arg(struct fuzz_ctx *c)
{
	uint8_t *p = c->pages;
	struct fphint_handover *h;
	size_t i, off;

	switch (rnd(c) % 8) {
	case 0:
		return 0;
	case 1:
		return (unsigned long)(p + FUZZ_PAGE); /* PROT_NONE */
	case 2:
		/* Straddles the end of the readable page. */
		off = FUZZ_PAGE - 1 - rnd(c) % sizeof(struct fphint_ctl_stats);
		return (unsigned long)(p + off);
	case 3:
		return (unsigned long)(KERNEL_ADDR + (rnd(c) % (1u << 20)) * 8);
	case 4:
		return (unsigned long)rnd(c);
	default:
		/* A plausible hand-over with random fields, at a random offset. */
		off = rnd(c) % (FUZZ_PAGE - 2 * sizeof(struct fphint_ctl_stats));
		for (i = 0; i < 2 * sizeof(struct fphint_ctl_stats); i++)
			p[off + i] = (uint8_t)rnd(c);
		h = (struct fphint_handover *)(p + off);
		if (rnd(c) % 2)
			h->layout_version = FPHINT_LAYOUT_VERSION;
		if (rnd(c) % 2)
			h->flags = 0;
		if (rnd(c) % 2)
			memset(h->reserved, 0, sizeof(h->reserved));
		h->bitmap_fd = random_fd(c);
		h->meta_fd = random_fd(c);
		return (unsigned long)h;
	}
}

static void fuzz_one(struct fuzz_ctx *c)
{
	unsigned long cmd = random_cmd(c), arg = random_arg(c);
	long rc;

	if (rnd(c) % 64 == 0) {
		/* Reopen: a handover may outlive the fd it came through. */
		close(c->dev);
		c->dev = open(FPHINT_CTL_DEVICE, O_RDWR | O_CLOEXEC);
		c->fds[0] = c->dev;
		c->reopens++;
	}
	/*
	 * Now and then another kind of fd, from the table only: a random
	 * number could be the serial line the host talks to the guest on.
	 */
	rc = ioctl(rnd(c) % 32 ? c->dev : c->fds[rnd(c) % NR_FDS], cmd, arg);
	c->calls++;
	if (rc == 0) {
		c->ok++;
		if (cmd == FPHINT_IOC_HANDOVER)
			c->handovers_ok++;
	} else {
		c->errnos[errno < NR_ERRNOS ? errno : 0]++;
	}
}

static uint64_t now_ms(void)
{
	return fphint_now_ns(CLOCK_MONOTONIC) / 1000000;
}

static int worker(const char *pin_dir, uint64_t seed, uint64_t seconds, int id)
{
	struct fuzz_ctx c;
	int pipefd[2], i, n;
	uint64_t end = now_ms() + seconds * 1000;
	char line[2048];

	memset(&c, 0, sizeof(c));
	c.rng = seed * 0x9e3779b97f4a7c15ull + (uint64_t)id + 1;
	c.dev = open(FPHINT_CTL_DEVICE, O_RDWR | O_CLOEXEC);
	if (c.dev < 0) {
		fprintf(stderr, "worker %d: open %s: %s\n", id, FPHINT_CTL_DEVICE, strerror(errno));
		return 1;
	}
	c.pages = mmap(NULL, 2 * FUZZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	if (c.pages == MAP_FAILED || mprotect(c.pages + FUZZ_PAGE, FUZZ_PAGE, PROT_NONE) ||
	    pipe(pipefd)) {
		fprintf(stderr, "worker %d: setup: %s\n", id, strerror(errno));
		return 1;
	}
	c.fds[0] = c.dev;
	c.fds[1] = pin_fd(pin_dir, "bitmap");
	c.fds[2] = pin_fd(pin_dir, "meta");
	c.fds[3] = pin_fd(pin_dir, "stats");
	c.fds[4] = open("/dev/null", O_RDWR | O_CLOEXEC);
	c.fds[5] = pipefd[0];
	c.fds[6] = eventfd(0, EFD_CLOEXEC);
	c.fds[7] = -1;
	c.fds[8] = pin_fd(pin_dir, "bitmap");
	c.fds[9] = pin_fd(pin_dir, "meta");
	if (c.fds[1] < 0 || c.fds[2] < 0) {
		fprintf(stderr, "worker %d: pins in %s: %s\n", id, pin_dir, strerror(errno));
		return 1;
	}
	while (now_ms() < end)
		for (i = 0; i < 256; i++)
			fuzz_one(&c);
	n = snprintf(line, sizeof(line),
		     "worker %d: %llu calls, %llu ok (%llu hand-overs), %llu reopens; errno:", id,
		     (unsigned long long)c.calls, (unsigned long long)c.ok,
		     (unsigned long long)c.handovers_ok, (unsigned long long)c.reopens);
	for (i = 0; i < NR_ERRNOS && n < (int)sizeof(line) - 32; i++) {
		const char *name = i ? strerrorname_np(i) : "other";

		if (c.errnos[i])
			n += snprintf(line + n, sizeof(line) - n, " %s=%llu", name ? name : "?",
				      (unsigned long long)c.errnos[i]);
	}
	printf("%s\n", line);
	return 0;
}

/* After the storm: release, hand over properly, read STATS. */
static int check_module_works(const char *pin_dir)
{
	struct fphint_handover h = {.layout_version = FPHINT_LAYOUT_VERSION};
	struct fphint_ctl_stats st;
	int dev, rc;

	dev = open(FPHINT_CTL_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("check: open %s: %s\n", FPHINT_CTL_DEVICE, strerror(errno));
		return 1;
	}
	rc = ioctl(dev, FPHINT_IOC_RELEASE);
	if (rc && errno != ENOENT) {
		printf("check: RELEASE: %s\n", strerror(errno));
		return 1;
	}
	h.bitmap_fd = pin_fd(pin_dir, "bitmap");
	h.meta_fd = pin_fd(pin_dir, "meta");
	if (h.bitmap_fd < 0 || h.meta_fd < 0) {
		printf("check: pins in %s: %s\n", pin_dir, strerror(errno));
		return 1;
	}
	if (ioctl(dev, FPHINT_IOC_HANDOVER, &h)) {
		printf("check: valid HANDOVER refused: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(dev, FPHINT_IOC_HANDOVER, &h) == 0 || errno != EBUSY) {
		printf("check: second HANDOVER not refused with EBUSY\n");
		return 1;
	}
	if (ioctl(dev, FPHINT_IOC_STATS, &st) || st.map_attached != 1) {
		printf("check: STATS: %s, map_attached %llu\n", strerror(errno),
		       (unsigned long long)st.map_attached);
		return 1;
	}
	close(h.bitmap_fd);
	close(h.meta_fd);
	close(dev);
	printf("check: after fuzzing, a valid hand-over succeeds and map_attached=1\n");
	return 0;
}

static int usage(const char *why)
{
	fprintf(stderr,
		"fphint-ioctl-fuzz: %s\n"
		"usage: fphint-ioctl-fuzz [--seconds N] [--seed S] [--workers W] "
		"[--pin-dir DIR]\n",
		why);
	return 2;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && end != s && !*end && *s != '-' && *out <= max ? 0 : -1;
}

int main(int argc, char **argv)
{
	uint64_t seconds = 30, seed = (uint64_t)time(NULL), workers = 2, v;
	const char *pin_dir = FPHINT_PIN_DIR;
	int i, status, fail = 0;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("option without a value");
		if (!strcmp(argv[i], "--pin-dir")) {
			pin_dir = argv[++i];
			continue;
		}
		if (parse_num(argv[i + 1], strcmp(argv[i], "--seed") ? 1000000 : UINT64_MAX, &v))
			return usage("value is not a number in range");
		if (!strcmp(argv[i], "--seconds"))
			seconds = v;
		else if (!strcmp(argv[i], "--seed"))
			seed = v;
		else if (!strcmp(argv[i], "--workers") && v >= 1 && v <= 16)
			workers = v;
		else
			return usage("unknown option or bad value");
		i++;
	}
	printf("fphint-ioctl-fuzz: %llu s, seed %llu, %llu workers, pins %s\n",
	       (unsigned long long)seconds, (unsigned long long)seed, (unsigned long long)workers,
	       pin_dir);
	fflush(stdout);
	for (v = 0; v < workers; v++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			int rc = worker(pin_dir, seed, seconds, (int)v);

			fflush(stdout);
			_exit(rc);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail = 1;
	if (fail)
		printf("a worker failed or crashed\n");
	if (check_module_works(pin_dir))
		fail = 1;
	return fail;
}
