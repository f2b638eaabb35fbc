// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test-pfn-crosscheck: the pfn fphint computes from a raw_tp page pointer
 * (calibrated vmemmap_base) must equal the classic kmem:mm_page_alloc
 * tracepoint's pfn on every paired event, over at least 10000 events.
 * Exit 0 pass, 1 fail, 77 only when a resource is really absent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "fphint_agent.h"
#include "fphint_pfncheck.skel.h"

#define MIN_EVENTS  10000
#define TOUCH_BYTES (64ul << 20)

static int fail(const char *what)
{
	fprintf(stderr, "test-pfn-crosscheck: FAIL: %s\n", what);
	return 1;
}

/* tracefs in a private mount namespace: nothing changes for anyone else. */
static int private_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events/kmem/mm_page_alloc/id", R_OK))
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	return 0;
}

static void touch_memory(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	char *m =
		mmap(NULL, TOUCH_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (m == MAP_FAILED)
		return;
	madvise(m, TOUCH_BYTES, MADV_NOHUGEPAGE);
	for (i = 0; i < TOUCH_BYTES; i += (size_t)psz)
		((volatile char *)m)[i] = 1;
	munmap(m, TOUCH_BYTES);
}

int main(void)
{
	struct bpf_link *raw = NULL, *tp = NULL;
	struct fphint_pfncheck *skel;
	struct fphint_geometry g;
	char err[512];
	int ret, round;

	if (geteuid() != 0) {
		fprintf(stderr, "test-pfn-crosscheck: SKIP: needs root\n");
		return 77;
	}
	ret = private_tracefs();
	if (ret)
		return fail("cannot mount tracefs");
	ret = fphint_agent_geometry(&g, err, sizeof(err));
	if (ret)
		return fail(err);
	skel = fphint_pfncheck__open();
	if (!skel)
		return fail("open skeleton");
	skel->rodata->fphint_vmemmap_base = g.vmemmap_base;
	skel->rodata->fphint_struct_page_shift = g.struct_page_shift;
	skel->rodata->fphint_check_tgid = (unsigned)getpid();
	if (fphint_pfncheck__load(skel)) {
		fphint_pfncheck__destroy(skel);
		return fail("load");
	}
	/* raw_tp first: its probe runs before the classic one on each event. */
	raw = bpf_program__attach(skel->progs.fphint_check_raw);
	tp = raw ? bpf_program__attach(skel->progs.fphint_check_tp) : NULL;
	if (!tp) {
		bpf_link__destroy(raw);
		fphint_pfncheck__destroy(skel);
		return fail("attach");
	}
	__atomic_store_n(&skel->bss->fphint_check_armed, 1, __ATOMIC_RELEASE);
	for (round = 0; round < 8 && skel->bss->fphint_check_matched < 4 * MIN_EVENTS; round++)
		touch_memory();
	bpf_link__destroy(tp);
	bpf_link__destroy(raw);
	printf("test-pfn-crosscheck: vmemmap_base 0x%llx; matched %llu, mismatched %llu, "
	       "unpaired %llu, overflow %llu\n",
	       (unsigned long long)g.vmemmap_base,
	       (unsigned long long)skel->bss->fphint_check_matched,
	       (unsigned long long)skel->bss->fphint_check_mismatched,
	       (unsigned long long)skel->bss->fphint_check_unpaired,
	       (unsigned long long)skel->bss->fphint_check_overflow);
	ret = 0;
	if (skel->bss->fphint_check_mismatched) {
		snprintf(err, sizeof(err),
			 "first disagreement: raw_tp pfn %llu, tracepoint pfn %llu",
			 (unsigned long long)skel->bss->fphint_check_bad_raw,
			 (unsigned long long)skel->bss->fphint_check_bad_tp);
		ret = fail(err);
	} else if (skel->bss->fphint_check_matched < MIN_EVENTS) {
		ret = fail("fewer than 10000 paired events");
	} else {
		printf("test-pfn-crosscheck: PASS (100%% agreement)\n");
	}
	fphint_pfncheck__destroy(skel);
	return ret;
}
