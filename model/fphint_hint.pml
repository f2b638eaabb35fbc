/*
 * fphint_hint.pml - a model of free page hinting as fphint does it, checked
 * with spin.  It asks one question: can a page whose contents changed since
 * it was last sent stay unsent when the migration completes (while the page
 * is in use)?  That is a lost write: the destination runs with stale memory.
 *
 * Actors (one process each) and what they abstract:
 *   guest      the guest's page allocator and its users: allocate (with an
 *              event that clears the BPF map bit), allocate silently (bulk
 *              allocator, compaction's free scanner, alloc_contig_range:
 *              the map keeps saying "free"), write an allocated page, free a
 *              page (event sets the map bit).  Allocation and freeing to the
 *              buddy lists take zone->lock; writes do not.
 *   driver     fphint_balloon: on a new command id it sends the id, then
 *              offers any subset of the pages the map says are free (this
 *              covers both the full first round and the delta rounds, whose
 *              candidates are a subset), then STOP.  VARIANT selects:
 *                0  shipped design: zone->lock held from the confirmation
 *                   (page free in the allocator) until the device has used
 *                   the buffer carrying the hint;
 *                1  broken: the lock is released before the buffer is used;
 *                2  broken: hints straight from the map, no confirmation.
 *   iothread   QEMU's free page queue handler: an OUT id equal to the
 *              requested one moves REQUESTED to START; an IN buffer (hint)
 *              is applied only in START, then the buffer is marked used.
 *              Applying a hint is qemu_guest_free_page_hint: clear the KVM
 *              dirty log of the whole clear_bmap chunk if that chunk still
 *              needs clearing, then clear the page's migration bitmap bit.
 *   migration  QEMU's migration thread: bulk stage (everything dirty), then
 *              ROUNDS iterations of: STOP hinting (under free_page_lock, so
 *              no hint is applied across a sync), sync the dirty log, request
 *              hints with a new id, send any pages still marked.  Then stop
 *              the VM, STOP, final sync, send everything marked, DONE.
 *
 * Dirty logging is KVM's with manual protect (QEMU's default): a sync
 * copies the kernel's log into QEMU's per-slot cache and the migration
 * bitmap without clearing it; the kernel bit (and write protection) is only
 * cleared later, chunk by chunk, for bits present in the cache, before a
 * chunk's pages are sent or when a hint touches the chunk.  A write to a
 * page whose kernel bit is still set leaves no new trace.  All pages share
 * one chunk (QEMU's chunk is 1 GiB, so this is the common case).
 *
 * What the model leaves out (each argued, not checked):
 *   - Page contents are versions: "stale" means the destination's copy is
 *     older than the guest's.  Only pages in use and written since they
 *     were allocated are checked: the allocator gives no guarantee about
 *     the contents of a free or freshly allocated page (init_on_alloc and
 *     __GFP_ZERO write the page after allocation, and those writes are
 *     logged like any other write, so they are modelled as writes).
 *   - Buddy merging, orders, ranges and coalescing: a hint covers one page;
 *     a range is many such hints confirmed under the same lock hold.
 *   - Per-cpu lists: a page on a pcp list is "allocated" from the buddy's
 *     point of view, so confirmation rejects it; modelled by silent
 *     allocation, which is strictly more adversarial.
 *   - Zones: one zone, one lock.  The real driver holds one zone's lock per
 *     batch and only confirms pages of that zone.
 *   - Several queue entries in flight: the driver waits for each batch; a
 *     batch of one buffer is modelled (more buffers under the same lock hold
 *     do not add interleavings the guest can observe: it is locked out).
 *   - Device reset / a device that never uses a buffer (the driver then
 *     keeps the lock; liveness, not safety), postcopy, the stats and
 *     inflate/deflate queues, PAGE_POISON (the driver refuses to hint with
 *     init_on_free or poisoning on), TCG's dirty tracking (weaker than this
 *     hazard: a write after a hint is always caught by the next sync).
 *   - The BPF map's own races (missed events, reconcile) are covered by the
 *     silent allocation and by the driver offering ANY map-free page.
 */

#ifndef VARIANT
#define VARIANT 0
#endif
#define NPAGES 2
#define ROUNDS 2
#define MAXW 2 /* guest writes in all: bounds the state space */

mtype = { IDLE, REQUESTED, START, STOP, DONE };

bool allocated[NPAGES]; /* allocator: page handed out */
bool map[NPAGES]; /* BPF map: 1 = candidate free page */
bool stale[NPAGES]; /* destination's copy is older than the guest's */
bool live[NPAGES]; /* written since it was allocated: its contents matter */
bool kdirty[NPAGES]; /* KVM dirty log bit (0 = write protected) */
bool cache[NPAGES]; /* QEMU's per-slot copy of the log at last sync */
bool bmap[NPAGES]; /* migration bitmap: still to send */
bool clear_pending; /* the chunk's clear_bmap bit */
bool zone_locked;
bool vm_running = 1;
bool completed;
mtype hint_state = IDLE;
byte cmd_id;
chan vq = [1] of { byte }; /* one IN buffer: the hinted page */
bool buf_used;

/* KVM_CLEAR_DIRTY_LOG of the chunk, only for bits in QEMU's cache (uses j). */
inline clear_chunk()
{
	if
	:: clear_pending ->
		for (j : 0 .. NPAGES - 1) {
			if
			:: cache[j] -> kdirty[j] = 0; cache[j] = 0
			:: else -> skip
			fi
		}
		clear_pending = 0
	:: else -> skip
	fi
}

inline sync()
{
	for (i : 0 .. NPAGES - 1) {
		cache[i] = kdirty[i];
		bmap[i] = bmap[i] || kdirty[i]
	}
	clear_pending = 1
}

inline send(pg)
{
	clear_chunk();
	stale[pg] = 0;
	bmap[pg] = 0
}

active proctype guest()
{
	byte p, w;
end:	do
	:: vm_running ->
		select(p : 0 .. NPAGES - 1);
		if
		/* allocate from the buddy: needs zone->lock; event clears the bit */
		:: atomic { vm_running && !zone_locked && !allocated[p] ->
			allocated[p] = 1; live[p] = 0; map[p] = 0 }
		/* silent allocation: the map still says free */
		:: atomic { vm_running && !zone_locked && !allocated[p] ->
			allocated[p] = 1; live[p] = 0 }
		/* write: the kernel log records it unless its bit is still set */
		:: atomic { vm_running && allocated[p] && w < MAXW ->
			w++; live[p] = 1; stale[p] = 1; kdirty[p] = 1 }
		/* free to the buddy: the event sets the bit */
		:: atomic { vm_running && !zone_locked && allocated[p] ->
			allocated[p] = 0; map[p] = 1 }
		:: true -> skip
		fi
	:: !vm_running -> break
	od
}

active proctype driver()
{
	byte p, id;
end:	do
	:: atomic { vm_running && hint_state == REQUESTED && id != cmd_id ->
		/* read the id and send it; the device starts the round */
		id = cmd_id; hint_state = START }
		for (p : 0 .. NPAGES - 1) {
			if
			:: map[p] ->
#if VARIANT == 0
				atomic { !zone_locked -> zone_locked = 1 };
				if
				:: !allocated[p] -> vq ! p; buf_used; buf_used = 0
				:: else -> skip
				fi;
				zone_locked = 0
#elif VARIANT == 1
				atomic { !zone_locked -> zone_locked = 1 };
				if
				:: !allocated[p] -> zone_locked = 0;
					vq ! p; buf_used; buf_used = 0
				:: else -> zone_locked = 0
				fi
#else
				vq ! p; buf_used; buf_used = 0
#endif
			:: true -> skip /* not offered this round (delta) */
			fi
		}
	:: completed -> break
	od
}

active proctype iothread()
{
	byte p, j;
end:	do
	:: vq ? p ->
		atomic {
			if
			:: hint_state == START -> clear_chunk(); bmap[p] = 0;
#ifdef REACH_HINT
				/* sanity: a hint is really applied in this model */
				assert(0)
#endif
			:: else -> skip /* used with length 0, ignored */
			fi;
			buf_used = 1
		}
	od
}

active proctype migration()
{
	byte r, p, i, j;

	/* bulk stage: nothing has been sent yet, everything is marked */
	atomic {
		for (i : 0 .. NPAGES - 1) {
			bmap[i] = 1; stale[i] = 1
		}
		/* page 0 in use (and written), page 1 free, as the map says */
		allocated[0] = 1; live[0] = 1; map[1] = 1
	}
	for (r : 1 .. ROUNDS) {
		atomic {
			if
			:: hint_state != IDLE -> hint_state = STOP
			:: else -> skip
			fi;
			sync();
			cmd_id++;
			hint_state = REQUESTED
		}
		do
		:: select(p : 0 .. NPAGES - 1); atomic { bmap[p] -> send(p) }
		:: break
		od
	}
	/* completion: stop the VM, no hint across the final sync */
	atomic {
		vm_running = 0;
		hint_state = STOP;
		sync();
		for (i : 0 .. NPAGES - 1) {
			if
			:: bmap[i] -> send(i)
			:: else -> skip
			fi
		}
		hint_state = DONE;
		completed = 1
	}
	/*
	 * No lost write: every page in use that was written since it was
	 * allocated has the guest's latest contents on the destination.
	 */
	for (i : 0 .. NPAGES - 1) {
		assert(!(allocated[i] && live[i]) || !stale[i])
	}
}
