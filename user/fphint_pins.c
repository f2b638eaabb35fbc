// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_pins.c - open, validate and map the pinned fphint maps.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fphint_pins.h"
#include "fphint_kpage.h"

#define FPHINT_STALE_HINT "(foreign or stale pin; remove with fphintd --teardown)"

int fphint_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool fphint_is_link_pin(const char *name)
{
	return !strncmp(name, FPHINT_PIN_LINK_PREFIX, strlen(FPHINT_PIN_LINK_PREFIX));
}

int fphint_pins_walk(const char *dir, fphint_pin_fn fn, void *ctx)
{
	char path[4096];
	struct dirent *de;
	int pass, ret = 0;
	DIR *d;

	for (pass = 0; pass < 2 && !ret; pass++) {
		d = opendir(dir);
		if (!d)
			return errno == ENOENT ? 0 : -errno;
		while (!ret && (de = readdir(d))) {
			bool link = fphint_is_link_pin(de->d_name);

			if (link != (pass == 0) ||
			    (!link && strcmp(de->d_name, FPHINT_PIN_BITMAP) &&
			     strcmp(de->d_name, FPHINT_PIN_META) &&
			     strcmp(de->d_name, FPHINT_PIN_STATS)) ||
			    fphint_pin_path(path, sizeof(path), dir, de->d_name))
				continue;
			ret = fn(de->d_name, path, link, ctx);
		}
		closedir(d);
	}
	return ret;
}

/* What kind of BPF object fd is, from /proc/self/fdinfo: 'm', 'p', 'l' or 0. */
static char fphint_fd_kind(int fd)
{
	char path[64], line[128];
	char kind = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!kind && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "map_type:", 9))
			kind = 'm';
		else if (!strncmp(line, "prog_type:", 10))
			kind = 'p';
		else if (!strncmp(line, "link_type:", 10))
			kind = 'l';
	}
	fclose(f);
	return kind;
}

struct fphint_map_shape {
	const char *name;
	enum bpf_map_type type;
	uint32_t value_size;
	uint32_t flags; /* required flags */
};

/* Open one pinned map and check its shape; *fd is -1 on failure. */
static int fphint_open_map(const char *dir, const struct fphint_map_shape *s, int *fd,
			   struct bpf_map_info *info, char *err, size_t errlen)
{
	uint32_t len = sizeof(*info);
	char path[4096];
	int ret;

	*fd = -1;
	if (fphint_pin_path(path, sizeof(path), dir, s->name)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, s->name);
		return -ENAMETOOLONG;
	}
	ret = bpf_obj_get(path);
	if (ret < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	*fd = ret;
	if (fphint_fd_kind(*fd) != 'm') {
		snprintf(err, errlen, "%s: not a BPF map %s", path, FPHINT_STALE_HINT);
		ret = -EEXIST;
		goto fail;
	}
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(*fd, info, &len)) {
		ret = -errno;
		snprintf(err, errlen, "%s: map info: %s", path, strerror(-ret));
		goto fail;
	}
	if (info->type != s->type) {
		snprintf(err, errlen, "%s: map type %s, expected %s %s", path,
			 libbpf_bpf_map_type_str(info->type) ?: "?",
			 libbpf_bpf_map_type_str(s->type), FPHINT_STALE_HINT);
		ret = -EEXIST;
		goto fail;
	}
	if (info->key_size != sizeof(uint32_t) || info->value_size != s->value_size) {
		if (info->key_size != sizeof(uint32_t))
			snprintf(err, errlen, "%s: key size %u, expected %zu %s", path,
				 info->key_size, sizeof(uint32_t), FPHINT_STALE_HINT);
		else
			snprintf(err, errlen, "%s: value size %u, expected %u %s", path,
				 info->value_size, s->value_size, FPHINT_STALE_HINT);
		ret = -EINVAL;
		goto fail;
	}
	if ((info->map_flags & s->flags) != s->flags) {
		snprintf(err, errlen, "%s: map flags 0x%x lack 0x%x %s", path, info->map_flags,
			 s->flags, FPHINT_STALE_HINT);
		ret = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	close(*fd);
	*fd = -1;
	return ret;
}

void fphint_pins_close(struct fphint_pins *p)
{
	if (p->words)
		munmap(p->words, (size_t)p->nr_words * sizeof(struct fphint_word));
	if (p->live)
		munmap(p->live, sizeof(*p->live));
	if (p->bitmap_fd >= 0)
		close(p->bitmap_fd);
	if (p->meta_fd >= 0)
		close(p->meta_fd);
	if (p->stats_fd >= 0)
		close(p->stats_fd);
	memset(p, 0, sizeof(*p));
	p->bitmap_fd = p->meta_fd = p->stats_fd = -1;
}

int fphint_meta_read(const struct fphint_pins *p, struct fphint_meta *m)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(p->meta_fd, &zero, m) ? -errno : 0;
}

int fphint_stats_sum(const struct fphint_pins *p, struct fphint_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	struct fphint_stats *per;
	uint32_t zero = 0;
	size_t i, n = sizeof(*sum) / sizeof(uint64_t);

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(p->stats_fd, &zero, per)) {
		int e = errno;

		free(per);
		return -e;
	}
	memset(sum, 0, sizeof(*sum));
	for (c = 0; c < ncpu; c++) {
		const uint64_t *src = (const uint64_t *)&per[c];
		uint64_t *dst = (uint64_t *)sum;

		for (i = 0; i < n; i++)
			dst[i] += src[i];
	}
	free(per);
	return 0;
}

int fphint_pins_open(struct fphint_pins *p, const char *dir, char *err, size_t errlen)
{
	static const struct fphint_map_shape shapes[] = {
		{FPHINT_PIN_BITMAP, BPF_MAP_TYPE_ARRAY, sizeof(struct fphint_word), BPF_F_MMAPABLE},
		{FPHINT_PIN_META, BPF_MAP_TYPE_ARRAY, sizeof(struct fphint_meta), BPF_F_MMAPABLE},
		{FPHINT_PIN_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(struct fphint_stats), 0},
	};
	struct bpf_map_info info[3];
	int *fds[3] = {&p->bitmap_fd, &p->meta_fd, &p->stats_fd};
	uint64_t max_pfn, need;
	char path[4096];
	size_t i;
	int ret;

	memset(p, 0, sizeof(*p));
	p->bitmap_fd = p->meta_fd = p->stats_fd = -1;
	if (strlen(dir) >= sizeof(p->dir)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	/* No bitmap pin at all: nothing is pinned here (-ENOENT, quietly). */
	if (fphint_pin_path(path, sizeof(path), dir, FPHINT_PIN_BITMAP)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if (access(path, F_OK)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	for (i = 0; i < 3; i++) {
		ret = fphint_open_map(dir, &shapes[i], fds[i], &info[i], err, errlen);
		if (ret) {
			/* Bitmap present, another one missing: a broken set, not "absent". */
			if (ret == -ENOENT) {
				fphint_pin_path(path, sizeof(path), dir, shapes[i].name);
				snprintf(err, errlen, "%s: missing %s", path, FPHINT_STALE_HINT);
				ret = -EINVAL;
			}
			goto fail;
		}
	}
	if (info[1].max_entries != 1 || info[2].max_entries != 1) {
		snprintf(err, errlen, "%s: meta/stats max_entries %u/%u, expected 1/1 %s", dir,
			 info[1].max_entries, info[2].max_entries, FPHINT_STALE_HINT);
		ret = -EINVAL;
		goto fail;
	}
	ret = fphint_machine_max_pfn(&max_pfn, err, errlen);
	if (ret)
		goto fail;
	need = (max_pfn + FPHINT_PAGES_PER_WORD - 1) / FPHINT_PAGES_PER_WORD;
	if (info[0].max_entries < need) {
		snprintf(err, errlen, "%s/%s: %u words, this machine needs %llu %s", dir,
			 FPHINT_PIN_BITMAP, info[0].max_entries, (unsigned long long)need,
			 FPHINT_STALE_HINT);
		ret = -EINVAL;
		goto fail;
	}
	ret = fphint_meta_read(p, &p->meta);
	if (ret) {
		snprintf(err, errlen, "%s/%s: read: %s", dir, FPHINT_PIN_META, strerror(-ret));
		goto fail;
	}
	if (p->meta.magic != FPHINT_MAGIC || p->meta.layout_version != FPHINT_LAYOUT_VERSION) {
		snprintf(err, errlen, "%s/%s: magic 0x%x version %u, expected 0x%x version %u %s",
			 dir, FPHINT_PIN_META, p->meta.magic, p->meta.layout_version, FPHINT_MAGIC,
			 FPHINT_LAYOUT_VERSION, FPHINT_STALE_HINT);
		ret = -EINVAL;
		goto fail;
	}
	if (p->meta.nr_pfns > (uint64_t)info[0].max_entries * FPHINT_PAGES_PER_WORD) {
		snprintf(err, errlen, "%s/%s: nr_pfns %llu exceeds the bitmap (%u words) %s", dir,
			 FPHINT_PIN_META, (unsigned long long)p->meta.nr_pfns, info[0].max_entries,
			 FPHINT_STALE_HINT);
		ret = -EINVAL;
		goto fail;
	}
	p->nr_words = info[0].max_entries;
	p->words = mmap(NULL, (size_t)p->nr_words * sizeof(struct fphint_word),
			PROT_READ | PROT_WRITE, MAP_SHARED, p->bitmap_fd, 0);
	if (p->words == MAP_FAILED) {
		ret = -errno;
		p->words = NULL;
		snprintf(err, errlen, "%s/%s: mmap: %s", dir, FPHINT_PIN_BITMAP, strerror(-ret));
		goto fail;
	}
	p->live = mmap(NULL, sizeof(*p->live), PROT_READ | PROT_WRITE, MAP_SHARED, p->meta_fd, 0);
	if (p->live == MAP_FAILED) {
		ret = -errno;
		p->live = NULL;
		snprintf(err, errlen, "%s/%s: mmap: %s", dir, FPHINT_PIN_META, strerror(-ret));
		goto fail;
	}
	strcpy(p->dir, dir);
	return 0;
fail:
	fphint_pins_close(p);
	return ret;
}

/* Names of enum fphint_event_kind, as the CLI and the metrics print them. */
const char *const fphint_event_kind_names[FPHINT_EV_MAX] = {
	[FPHINT_EV_ALLOC] = "alloc",
	[FPHINT_EV_ALLOC_FAIL] = "alloc_fail",
	[FPHINT_EV_FREE] = "free",
	[FPHINT_EV_ZONE_LOCKED] = "zone_locked",
	[FPHINT_EV_PCP_REFILL] = "pcp_refill",
	[FPHINT_EV_PCP_DRAIN] = "pcp_drain",
	[FPHINT_EV_COMPACT_ISOLATE] = "compact_isolate",
	[FPHINT_EV_OUT_OF_RANGE] = "out_of_range",
};
