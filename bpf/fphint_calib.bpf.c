// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_calib.bpf.c - record the struct page pointers of the agent's own
 * order-0 allocations, so the agent can match them with the pfns
 * /proc/self/pagemap reports and find vmemmap_base (not reachable through
 * kallsyms, BTF or kcore on every kernel).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define FPHINT_CALIB_MAX 8192

const volatile __u32 fphint_calib_tgid = 0;

/* Read by the agent through the skeleton's mmapped .bss. */
__u32 fphint_calib_count = 0;
__u64 fphint_calib_pages[FPHINT_CALIB_MAX] = {};

/* kmem:mm_page_alloc(struct page *page, unsigned int order, gfp_t, int mt) */
SEC("raw_tp/mm_page_alloc")
int BPF_PROG(fphint_calib_page_alloc, __u64 page, __u64 order)
{
	__u32 idx;

	if (!page || order != 0 || (bpf_get_current_pid_tgid() >> 32) != fphint_calib_tgid)
		return 0;
	idx = __sync_fetch_and_add(&fphint_calib_count, 1);
	if (idx < FPHINT_CALIB_MAX)
		fphint_calib_pages[idx] = page;
	return 0;
}

/*
 * Address of the kernel variable vmemmap_base from /proc/kallsyms, when
 * the kernel exports it (0 = unknown); its value is read once for the
 * agent's cross-check.
 */
const volatile __u64 fphint_calib_vmemmap_sym = 0;
__u64 fphint_calib_vmemmap_value = 0;

SEC("raw_tp/mm_page_free")
int BPF_PROG(fphint_calib_read_sym)
{
	__u64 v;

	if (!fphint_calib_vmemmap_sym || fphint_calib_vmemmap_value ||
	    (bpf_get_current_pid_tgid() >> 32) != fphint_calib_tgid)
		return 0;
	if (!bpf_probe_read_kernel(&v, sizeof(v), (const void *)fphint_calib_vmemmap_sym))
		fphint_calib_vmemmap_value = v;
	return 0;
}
