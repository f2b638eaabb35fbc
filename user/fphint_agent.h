/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_agent.h - loading the tracker: struct page geometry, vmemmap_base
 * calibration and the loaded (not yet attached) skeleton.  Shared by
 * fphintd and the overhead benchmark.
 */
#ifndef FPHINT_AGENT_H
#define FPHINT_AGENT_H

#include <stddef.h>
#include <stdint.h>

struct fphint;

struct fphint_geometry {
	uint64_t nr_pfns;	   /* max over zones of start_pfn + spanned */
	uint64_t vmemmap_base;	   /* calibrated */
	uint32_t struct_page_size; /* from BTF, a power of two */
	uint32_t struct_page_shift;
	uint64_t kallsyms_base;		     /* value of the kernel's vmemmap_base, 0 = unknown */
	uint32_t calib_votes, calib_samples; /* majority behind vmemmap_base */
};

/* All functions return 0 or -errno with one line in err. */

/* sizeof(struct page) from /sys/kernel/btf/vmlinux; refuses non powers of two. */
int fphint_agent_struct_page_size(uint32_t *size, uint32_t *shift, char *err, size_t errlen);

/*
 * Find vmemmap_base: record page pointers of this process's own order-0
 * allocations with a small BPF program and match them with the pfns
 * /proc/self/pagemap reports.  Requires a clear majority.
 */
int fphint_agent_calibrate(struct fphint_geometry *g, char *err, size_t errlen);

/* nr_pfns, struct page size and vmemmap_base of this machine. */
int fphint_agent_geometry(struct fphint_geometry *g, char *err, size_t errlen);

/* Open the tracker skeleton, set rodata and the bitmap size, load it. */
int fphint_agent_load(const struct fphint_geometry *g, struct fphint **skel, char *err,
		      size_t errlen);

#endif
