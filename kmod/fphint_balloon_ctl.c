// SPDX-License-Identifier: GPL-2.0-only
/*
 * fphint_balloon control device (/dev/fphint) and the map it holds.
 *
 * fphintd hands over the pinned bitmap and meta maps by fd
 * (FPHINT_IOC_HANDOVER).  We take our own reference with bpf_map_get(), so
 * the maps outlive the agent; a dead agent leaves the BPF links pinned and
 * the map current, and even a stale map is safe because every candidate is
 * confirmed in the buddy allocator before it is hinted.
 *
 * map_lock orders hand-over and release against a hint round, which holds
 * it for the whole round: a map is never dropped under a round's feet.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "fphint_balloon.h"
#include "fphint_compat.h"

struct fphint_ctl_stats fphint_stats;

static DEFINE_MUTEX(fphint_map_lock);
static struct bpf_map *fphint_bitmap_map;
static struct bpf_map *fphint_meta_map;
static struct dentry *fphint_debugfs_dir;

/* For bpf_map_get(): see fphint_compat.h. */
FPHINT_IMPORT_NS_BPF_INTERNAL();

/* One past the highest pfn of any online node. */
static unsigned long fphint_machine_end_pfn(void)
{
	unsigned long end = 0;
	int nid;

	for_each_online_node(nid)
		end = max(end, pgdat_end_pfn(NODE_DATA(nid)));
	return end;
}

static void *fphint_array_values(struct bpf_map *map)
{
	return container_of(map, struct bpf_array, map)->value;
}

static int fphint_check_bitmap(struct bpf_map *map)
{
	if (map->map_type != BPF_MAP_TYPE_ARRAY || map->key_size != 4 ||
	    map->value_size != sizeof(struct fphint_word) ||
	    !(map->map_flags & BPF_F_MMAPABLE)) {
		pr_warn("fphint_balloon: bitmap map: want an mmapable array, key 4, value %zu; got type %u key %u value %u flags %#x\n",
			sizeof(struct fphint_word), map->map_type,
			map->key_size, map->value_size, map->map_flags);
		return -EINVAL;
	}
	/* The array's element stride must be the value size itself. */
	if (container_of(map, struct bpf_array, map)->elem_size !=
	    sizeof(struct fphint_word))
		return -EINVAL;
	return 0;
}

static int fphint_check_meta(struct bpf_map *map, struct bpf_map *bitmap)
{
	const struct fphint_meta *meta;
	unsigned long end = fphint_machine_end_pfn();

	if (map->map_type != BPF_MAP_TYPE_ARRAY || map->key_size != 4 ||
	    map->value_size != sizeof(struct fphint_meta) ||
	    map->max_entries != 1) {
		pr_warn("fphint_balloon: meta map: want a 1-entry array, key 4, value %zu; got type %u key %u value %u entries %u\n",
			sizeof(struct fphint_meta), map->map_type,
			map->key_size, map->value_size, map->max_entries);
		return -EINVAL;
	}
	meta = fphint_array_values(map);
	if (READ_ONCE(meta->magic) != FPHINT_MAGIC ||
	    READ_ONCE(meta->layout_version) != FPHINT_LAYOUT_VERSION) {
		pr_warn("fphint_balloon: meta magic %#x layout %u, want %#x layout %u\n",
			meta->magic, meta->layout_version, FPHINT_MAGIC,
			FPHINT_LAYOUT_VERSION);
		return -EPROTO;
	}
	if ((u64)bitmap->max_entries * FPHINT_PAGES_PER_WORD < end ||
	    READ_ONCE(meta->nr_pfns) < end ||
	    READ_ONCE(meta->nr_pfns) >
		    (u64)bitmap->max_entries * FPHINT_PAGES_PER_WORD) {
		pr_warn("fphint_balloon: map covers %llu pfns (meta says %llu), this machine ends at pfn %lu\n",
			(u64)bitmap->max_entries * FPHINT_PAGES_PER_WORD,
			meta->nr_pfns, end);
		return -ERANGE;
	}
	return 0;
}

static int fphint_handover(const struct fphint_handover *h)
{
	struct bpf_map *bitmap, *meta;
	int err;

	if (h->layout_version != FPHINT_LAYOUT_VERSION) {
		pr_warn("fphint_balloon: hand-over layout %u, want %u\n",
			h->layout_version, FPHINT_LAYOUT_VERSION);
		return -EPROTO;
	}
	if (h->flags || h->reserved[0] || h->reserved[1])
		return -EINVAL;
	if (h->bitmap_fd < 0 || h->meta_fd < 0)
		return -EBADF;

	bitmap = bpf_map_get(h->bitmap_fd);
	if (IS_ERR(bitmap)) {
		pr_warn("fphint_balloon: bitmap fd %d: not a map (%ld)\n",
			h->bitmap_fd, PTR_ERR(bitmap));
		return PTR_ERR(bitmap);
	}
	meta = bpf_map_get(h->meta_fd);
	if (IS_ERR(meta)) {
		pr_warn("fphint_balloon: meta fd %d: not a map (%ld)\n",
			h->meta_fd, PTR_ERR(meta));
		bpf_map_put(bitmap);
		return PTR_ERR(meta);
	}
	err = fphint_check_bitmap(bitmap);
	if (!err)
		err = fphint_check_meta(meta, bitmap);
	if (err)
		goto out_put;

	mutex_lock(&fphint_map_lock);
	if (fphint_bitmap_map) {
		mutex_unlock(&fphint_map_lock);
		err = -EBUSY;
		goto out_put;
	}
	fphint_bitmap_map = bitmap;
	fphint_meta_map = meta;
	WRITE_ONCE(fphint_stats.map_attached, 1);
	mutex_unlock(&fphint_map_lock);
	pr_info("fphint_balloon: map handed over by pid %d: %u words, agent pid %llu\n",
		task_pid_nr(current), bitmap->max_entries,
		((struct fphint_meta *)fphint_array_values(meta))->agent_pid);
	return 0;

out_put:
	bpf_map_put(meta);
	bpf_map_put(bitmap);
	return err;
}

static int fphint_release(void)
{
	struct bpf_map *bitmap, *meta;

	mutex_lock(&fphint_map_lock);
	bitmap = fphint_bitmap_map;
	meta = fphint_meta_map;
	fphint_bitmap_map = NULL;
	fphint_meta_map = NULL;
	WRITE_ONCE(fphint_stats.map_attached, 0);
	mutex_unlock(&fphint_map_lock);
	if (!bitmap)
		return -ENOENT;
	bpf_map_put(meta);
	bpf_map_put(bitmap);
	pr_info("fphint_balloon: map released\n");
	return 0;
}

/*
 * A round takes its own references on both maps and does not keep
 * fphint_map_lock: the round may wait on the host for long, and the
 * handover and release ioctls must not wait with it.
 */
bool fphint_map_get(struct fphint_map_ref *ref)
{
	mutex_lock(&fphint_map_lock);
	if (!fphint_bitmap_map) {
		mutex_unlock(&fphint_map_lock);
		return false;
	}
	ref->bitmap = fphint_bitmap_map;
	ref->meta_map = fphint_meta_map;
	bpf_map_inc(ref->bitmap);
	bpf_map_inc(ref->meta_map);
	mutex_unlock(&fphint_map_lock);
	ref->words = fphint_array_values(ref->bitmap);
	ref->nr_words = ref->bitmap->max_entries;
	ref->meta = fphint_array_values(ref->meta_map);
	return true;
}

void fphint_map_put(struct fphint_map_ref *ref)
{
	bpf_map_put(ref->meta_map);
	bpf_map_put(ref->bitmap);
}

/*
 * FPHINT_IOC_STATS: size and table_hash first, so that a caller built
 * from another table learns it from them, then as much as it asked for.
 */
static int fphint_stats_copy(void __user *uarg, size_t usize)
{
	struct fphint_ctl_stats s = fphint_stats;

	if (usize < offsetofend(struct fphint_ctl_stats, table_hash))
		return -EINVAL;
	s.size = sizeof(s);
	s.table_hash = fphint_stats_table_hash();
	if (copy_to_user(uarg, &s, min(usize, sizeof(s))))
		return -EFAULT;
	return 0;
}

static long fphint_ctl_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct fphint_handover h;

	/*
	 * The device node is 0600 root; this also holds when someone gives
	 * the node away or passes an open fd on: the map says where free
	 * memory is, and a map decides what the host may drop.
	 */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	/* Any size: see FPHINT_IOC_STATS. */
	if (_IOC_TYPE(cmd) == _IOC_TYPE(FPHINT_IOC_STATS) &&
	    _IOC_NR(cmd) == _IOC_NR(FPHINT_IOC_STATS) &&
	    _IOC_DIR(cmd) == _IOC_DIR(FPHINT_IOC_STATS))
		return fphint_stats_copy(uarg, _IOC_SIZE(cmd));

	switch (cmd) {
	case FPHINT_IOC_HANDOVER:
		if (copy_from_user(&h, uarg, sizeof(h)))
			return -EFAULT;
		return fphint_handover(&h);
	case FPHINT_IOC_RELEASE:
		return fphint_release();
	default:
		return -ENOTTY;
	}
}

static const struct file_operations fphint_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = fphint_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice fphint_ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = FPHINT_CTL_NAME,
	.fops = &fphint_ctl_fops,
	.mode = 0600,
};

/*
 * One "field: value" line per counter and gauge of the table; a histogram
 * as cumulative "field_ns_bucket <le ns>: <count>" lines (the last le is
 * "+Inf"), then field_ns_count and field_ns_sum.
 */
static int fphint_stats_show(struct seq_file *m, void *v)
{
	const struct fphint_ctl_stats *s = &fphint_stats;
	const struct fphint_stat_desc *d;
	const u64 *hist;
	u64 le, cum;
	unsigned int i;

	for (d = fphint_stats_desc; d < fphint_stats_desc + FPHINT_NR_STATS;
	     d++) {
		if (d->kind != FPHINT_STAT_HISTOGRAM) {
			seq_printf(m, "%s: %llu\n", d->field,
				   fphint_stat_value(s, d));
			continue;
		}
		hist = fphint_stat_hist(s, d);
		for (i = 0, le = d->bucket0_ns, cum = 0; i < d->nr_buckets;
		     i++, le *= 10) {
			cum += hist[i];
			if (i == d->nr_buckets - 1)
				seq_printf(m, "%s_ns_bucket +Inf: %llu\n",
					   d->field, cum);
			else
				seq_printf(m, "%s_ns_bucket %llu: %llu\n",
					   d->field, le, cum);
		}
		seq_printf(m, "%s_ns_count: %llu\n", d->field, hist[i]);
		seq_printf(m, "%s_ns_sum: %llu\n", d->field, hist[i + 1]);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fphint_stats);
DEFINE_SHOW_ATTRIBUTE(fphint_batches);
DEFINE_SHOW_ATTRIBUTE(fphint_rounds);

int fphint_ctl_init(void)
{
	int err = misc_register(&fphint_ctl_dev);

	if (err)
		return err;
	fphint_debugfs_dir = debugfs_create_dir("fphint_balloon", NULL);
	debugfs_create_file("stats", 0400, fphint_debugfs_dir, NULL,
			    &fphint_stats_fops);
	debugfs_create_file("batches", 0400, fphint_debugfs_dir, NULL,
			    &fphint_batches_fops);
	debugfs_create_file("rounds", 0400, fphint_debugfs_dir, NULL,
			    &fphint_rounds_fops);
	return 0;
}

void fphint_ctl_exit(void)
{
	debugfs_remove_recursive(fphint_debugfs_dir);
	misc_deregister(&fphint_ctl_dev);
	fphint_release();
}
