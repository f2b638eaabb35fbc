// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_agent_load.c - geometry of this machine's memory map and loading
 * of the tracker programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "fphint_agent.h"
#include "fphint_kpage.h"
#include "fphint_layout.h"
#include "fphint.skel.h"
#include "fphint_calib.skel.h"

/* Pages the calibration touches; each gives one vote. */
#define FPHINT_CALIB_PAGES 256
/* x86-64 puts vmemmap_base on a PUD (1 GiB) boundary, with or without KASLR. */
#define FPHINT_VMEMMAP_ALIGN (1ull << 30)

int fphint_agent_struct_page_size(uint32_t *size, uint32_t *shift, char *err, size_t errlen)
{
	const struct btf_type *t;
	struct btf *btf;
	int id;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		int e = errno ? errno : ENOENT;

		snprintf(err, errlen, "kernel BTF (/sys/kernel/btf/vmlinux): %s", strerror(e));
		return -e;
	}
	id = btf__find_by_name_kind(btf, "page", BTF_KIND_STRUCT);
	t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	if (!t) {
		btf__free(btf);
		snprintf(err, errlen, "kernel BTF has no struct page");
		return -ENOENT;
	}
	*size = t->size;
	btf__free(btf);
	if (!*size || (*size & (*size - 1))) {
		snprintf(err, errlen, "sizeof(struct page) = %u is not a power of two", *size);
		return -EINVAL;
	}
	*shift = (uint32_t)__builtin_ctz(*size);
	return 0;
}

/* Address of vmemmap_base in /proc/kallsyms, 0 when absent or hidden. */
static uint64_t fphint_kallsyms_vmemmap(void)
{
	unsigned long long addr;
	char line[256], type, name[128];
	uint64_t found = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) == 3 &&
		    !strcmp(name, "vmemmap_base")) {
			found = addr;
			break;
		}
	}
	fclose(f);
	return found;
}

static int fphint_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Touch pages and read back their pfns; returns how many were present. */
static int fphint_touch_pages(uint64_t *pfns, size_t n, char *err, size_t errlen)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t entry;
	size_t i, got = 0;
	char *mem;
	int fd;

	mem = mmap(NULL, n * (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (mem == MAP_FAILED) {
		snprintf(err, errlen, "calibration mmap: %s", strerror(errno));
		return -ENOMEM;
	}
	/* Order-0 faults only: a huge page would be one order-9 allocation. */
	madvise(mem, n * (size_t)psz, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++)
		((volatile char *)mem)[i * (size_t)psz] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		munmap(mem, n * (size_t)psz);
		snprintf(err, errlen, "/proc/self/pagemap: %s", strerror(e));
		return -e;
	}
	for (i = 0; i < n; i++) {
		off_t off = (off_t)(((uintptr_t)mem / (uintptr_t)psz + i) * sizeof(entry));

		if (pread(fd, &entry, sizeof(entry), off) != sizeof(entry))
			continue;
		/* bit 63 present, bits 0-54 pfn (zero without CAP_SYS_ADMIN) */
		if ((entry >> 63) && (entry & ((1ull << 55) - 1)))
			pfns[got++] = entry & ((1ull << 55) - 1);
	}
	close(fd);
	munmap(mem, n * (size_t)psz);
	return (int)got;
}

int fphint_agent_calibrate(struct fphint_geometry *g, char *err, size_t errlen)
{
	uint64_t pfns[FPHINT_CALIB_PAGES], *cand = NULL, best = 0, second = 0, best_base = 0;
	struct fphint_calib *skel;
	size_t nrec, ncand = 0, i, j, run;
	int npfn, ret;

	skel = fphint_calib__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "calibration program: open: %s", strerror(-ret));
		return ret;
	}
	skel->rodata->fphint_calib_tgid = (uint32_t)getpid();
	skel->rodata->fphint_calib_vmemmap_sym = fphint_kallsyms_vmemmap();
	ret = fphint_calib__load(skel);
	if (!ret)
		ret = fphint_calib__attach(skel);
	if (ret) {
		snprintf(err, errlen, "calibration program: load/attach: %s", strerror(-ret));
		goto out;
	}
	npfn = fphint_touch_pages(pfns, FPHINT_CALIB_PAGES, err, errlen);
	fphint_calib__detach(skel);
	if (npfn < 0) {
		ret = npfn;
		goto out;
	}
	g->kallsyms_base = skel->bss->fphint_calib_vmemmap_value;
	nrec = skel->bss->fphint_calib_count;
	if (nrec > sizeof(skel->bss->fphint_calib_pages) / sizeof(uint64_t))
		nrec = sizeof(skel->bss->fphint_calib_pages) / sizeof(uint64_t);
	if (!npfn || !nrec) {
		snprintf(err, errlen, "calibration: %d pfns from pagemap, %zu allocation events",
			 npfn, nrec);
		ret = -EIO;
		goto out;
	}
	/*
	 * Every (event, pfn) pair votes for base = ptr - pfn * size.  Runs of
	 * contiguous pfns also vote for bases shifted by whole struct pages,
	 * so only candidates on the 1 GiB boundary x86-64 places vmemmap_base
	 * on (fixed or KASLR-randomised, always PUD aligned) are counted.
	 */
	cand = malloc(nrec * (size_t)npfn * sizeof(*cand));
	if (!cand) {
		ret = -ENOMEM;
		snprintf(err, errlen, "calibration: out of memory");
		goto out;
	}
	for (i = 0; i < nrec; i++) {
		for (j = 0; j < (size_t)npfn; j++) {
			uint64_t base = skel->bss->fphint_calib_pages[i] -
					(pfns[j] << g->struct_page_shift);

			if (!(base & (FPHINT_VMEMMAP_ALIGN - 1)))
				cand[ncand++] = base;
		}
	}
	qsort(cand, ncand, sizeof(*cand), fphint_cmp_u64);
	for (i = 0; i < ncand; i += run) {
		for (run = 1; i + run < ncand && cand[i + run] == cand[i]; run++)
			;
		if (run > best) {
			second = best;
			best = run;
			best_base = cand[i];
		} else if (run > second) {
			second = run;
		}
	}
	g->calib_votes = (uint32_t)best;
	g->calib_samples = (uint32_t)npfn;
	/* A clear majority: most touched pages agree, far ahead of any other base. */
	if (best * 2 < (uint64_t)npfn || best < 4 * second + 2) {
		snprintf(err, errlen,
			 "calibration of vmemmap_base failed: best %llu of %d pages agree, "
			 "runner-up %llu",
			 (unsigned long long)best, npfn, (unsigned long long)second);
		ret = -EIO;
		goto out;
	}
	g->vmemmap_base = best_base;
	ret = 0;
out:
	free(cand);
	fphint_calib__destroy(skel);
	return ret;
}

int fphint_agent_geometry(struct fphint_geometry *g, char *err, size_t errlen)
{
	int ret;

	memset(g, 0, sizeof(*g));
	ret = fphint_machine_max_pfn(&g->nr_pfns, err, errlen);
	if (!ret)
		ret = fphint_agent_struct_page_size(&g->struct_page_size, &g->struct_page_shift,
						    err, errlen);
	if (!ret)
		ret = fphint_agent_calibrate(g, err, errlen);
	return ret;
}

int fphint_agent_load(const struct fphint_geometry *g, struct fphint **out, char *err,
		      size_t errlen)
{
	uint64_t words = (g->nr_pfns + FPHINT_PAGES_PER_WORD - 1) / FPHINT_PAGES_PER_WORD;
	struct fphint *skel;
	int ret;

	*out = NULL;
	if (words > UINT32_MAX) {
		snprintf(err, errlen, "%llu pfns do not fit a BPF array",
			 (unsigned long long)g->nr_pfns);
		return -E2BIG;
	}
	skel = fphint__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "tracker program: open: %s", strerror(-ret));
		return ret;
	}
	skel->rodata->fphint_vmemmap_base = g->vmemmap_base;
	skel->rodata->fphint_nr_pfns = g->nr_pfns;
	skel->rodata->fphint_struct_page_shift = g->struct_page_shift;
	ret = bpf_map__set_max_entries(skel->maps.bitmap, (uint32_t)words);
	if (!ret)
		ret = fphint__load(skel);
	if (ret) {
		snprintf(err, errlen, "tracker program: load: %s", strerror(-ret));
		fphint__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}
