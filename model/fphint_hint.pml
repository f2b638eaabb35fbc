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
 *              page (event sets the map bit).  Only a free buddy page can be
 *              allocated: neither an allocated nor an isolated one.  Each
 *              step is atomic (zone->lock, or a plain store for writes).
 *   driver     fphint_balloon (kmod/fphint_balloon_hint.c): once the host
 *              requested a new command id it sends the id; at any time after
 *              its first id it may take any page the map says is free as a
 *              candidate, confirm it under zone->lock and queue a buffer
 *              hinting it (at most NBUF buffers in flight); a used buffer is
 *              reaped in any order.  VARIANT selects:
 *                0  shipped design: confirmation takes the free page off the
 *                   free list (isolated: neither free nor allocated) in the
 *                   same zone->lock hold; the lock is dropped, the buffer
 *                   queued; the page is given back to the allocator (free
 *                   path, map bit set) only once the device used the buffer.
 *                   The allocator runs throughout, several buffers are out
 *                   at once, they come back in any order;
 *                1  broken: confirmed free under the lock, but not isolated:
 *                   the lock is released before the buffer is used;
 *                2  broken: hints straight from the map, no confirmation;
 *                3  broken: isolated at confirmation, but given back before
 *                   the device used the buffer (any time after queuing: at
 *                   once, after the kick, or when the driver gives up on a
 *                   device it thinks dead while the iothread still holds a
 *                   popped buffer);
 *                4  the previous design: zone->lock held from confirmation
 *                   until the device used the buffer (one buffer at a time;
 *                   the allocator is locked out meanwhile).  Verifies too.
 *   iothread   QEMU's free page queue handler: an OUT id equal to the
 *              requested one moves REQUESTED to START; a queued IN buffer
 *              (hint), taken in any order, is applied only in START, then
 *              the buffer is marked used.  Applying a hint is
 *              qemu_guest_free_page_hint: clear the KVM dirty log of the
 *              whole clear_bmap chunk if that chunk still needs clearing,
 *              then clear the page's migration bitmap bit.  The iothread may
 *              also never get to a buffer (a dead or stalled device): its
 *              page then stays isolated, which costs memory, not safety.
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
 * The driver is more permissive than the real one, so what verifies for it
 * holds for the real one: the real driver hints only inside a round, drains
 * every buffer before it sends STOP or serves a new id, and offers the delta
 * set in later rounds; here hints may be queued in any round, across a STOP
 * and across a new id, with buffers still out, of any map-free page.
 *
 * What the model leaves out (each argued, not checked):
 *   - Page contents are versions: "stale" means the destination's copy is
 *     older than the guest's.  Only pages in use and written since they
 *     were allocated are checked: the allocator gives no guarantee about
 *     the contents of a free or freshly allocated page (init_on_alloc and
 *     __GFP_ZERO write the page after allocation, and those writes are
 *     logged like any other write, so they are modelled as writes).
 *   - Buddy merging, orders, ranges and coalescing: a hint covers one page
 *     and a buffer carries one hint.  A block of several pages, several
 *     blocks taken in one lock hold, or a buffer carrying several blocks
 *     are each one interleaving of single-page steps (the steps of one page
 *     run back to back), so their behaviours are among those checked.
 *   - Per-cpu lists: a page on a pcp list is "allocated" from the buddy's
 *     point of view, so confirmation rejects it; modelled by silent
 *     allocation, which is strictly more adversarial.
 *   - Zones: one zone, one lock.
 *   - The in-flight budget and high-watermark check: they only make the
 *     driver take fewer pages, which the driver here may always do.
 *   - Size: NPAGES 2 and NBUF 2 (both pages can be out at once, or one out
 *     while the guest allocates, writes and frees the other), ROUNDS 2,
 *     MAXW 2 guest writes in all.  NPAGES 3 also verifies (about 10 million
 *     states, minutes: too slow for the test suite; see docs/model.md).
 *   - Device reset and removal: a buffer the device never uses keeps its
 *     page isolated for good (kmod: stranded_pages), which is a run where
 *     the iothread never takes it; returning it early is variant 3.
 *   - Postcopy, the stats and inflate/deflate queues, PAGE_POISON (the
 *     driver refuses to hint with init_on_free or poisoning on), TCG's
 *     dirty tracking (weaker than this hazard: a write after a hint is
 *     always caught by the next sync).
 *   - The BPF map's own races (missed events, reconcile) are covered by the
 *     silent allocation and by the driver offering ANY map-free page.  The
 *     map is read in the same step as the confirmation; the real driver
 *     reads it earlier, without the lock, which changes nothing: a page
 *     whose bit is clear is allocated here, so confirmation rejects it.
 *   - Liveness (every isolated page comes back): a bounded leak is accepted
 *     by design; only safety is checked.
 *
 * Sanity checks (each must FAIL, proving the shipped model reaches it):
 *   REACH_HINT      a hint is applied in START;
 *   REACH_PIPELINE  NBUF buffers are in flight at once;
 *   REACH_REUSE     a page whose hint was applied is given back, allocated
 *                   again and written before the migration completes.
 */

#ifndef VARIANT
#define VARIANT 0
#endif
#ifndef NPAGES
#define NPAGES 2
#endif
#define NBUF 2
#define ROUNDS 2
#define MAXW 2 /* guest writes in all: bounds the state space */

mtype = { IDLE, REQUESTED, START, STOP, DONE };

/* A page's hint buffer. */
#define NOBUF 0
#define QUEUED 1 /* queued, not used yet */
#define USED 2 /* used by the device, not reaped yet */

bool allocated[NPAGES]; /* allocator: page handed out */
bool isolated[NPAGES]; /* off the free lists, owned by the driver */
bool map[NPAGES]; /* BPF map: 1 = candidate free page */
bool stale[NPAGES]; /* destination's copy is older than the guest's */
bool live[NPAGES]; /* written since it was allocated: its contents matter */
bool kdirty[NPAGES]; /* KVM dirty log bit (0 = write protected) */
bool cache[NPAGES]; /* QEMU's per-slot copy of the log at last sync */
bool bmap[NPAGES]; /* migration bitmap: still to send */
byte buf[NPAGES]; /* the page's hint buffer: NOBUF, QUEUED, USED */
byte nbuf; /* buffers in flight (queued or used, not reaped) */
bool clear_pending; /* the chunk's clear_bmap bit */
bool zone_locked; /* held across the round trip: variant 4 only */
bool vm_running = 1;
bool completed;
mtype hint_state = IDLE;
byte cmd_id;
#ifdef REACH_REUSE
bool hinted[NPAGES]; /* ghost: its hint was applied, then it came back */
#endif

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

/*
 * Each step picks its page inside the atomic and resets p after it, so
 * that a choice leaves no trace in the state: this keeps the search small.
 */
#define free_buddy(pg) (!allocated[pg] && !isolated[pg])

active proctype guest()
{
	byte p, w;
end:	do
	/* allocate from the buddy: the event clears the bit */
	:: atomic { vm_running && !zone_locked ->
		select(p : 0 .. NPAGES - 1);
		if
		:: free_buddy(p) -> allocated[p] = 1; live[p] = 0; map[p] = 0;
			printf("guest: allocate %d\n", p)
		:: else -> skip
		fi;
		p = 0 }
	/* silent allocation: the map still says free */
	:: atomic { vm_running && !zone_locked ->
		select(p : 0 .. NPAGES - 1);
		if
		:: free_buddy(p) -> allocated[p] = 1; live[p] = 0;
			printf("guest: allocate %d silently\n", p)
		:: else -> skip
		fi;
		p = 0 }
	/* write: the kernel log records it unless its bit is still set */
	:: atomic { vm_running && w < MAXW ->
		select(p : 0 .. NPAGES - 1);
		if
		:: allocated[p] -> w++; live[p] = 1; stale[p] = 1; kdirty[p] = 1;
			printf("guest: write %d\n", p);
#ifdef REACH_REUSE
			assert(!hinted[p])
#endif
		:: else -> skip
		fi;
		p = 0 }
	/* free to the buddy: the event sets the bit */
	:: atomic { vm_running && !zone_locked ->
		select(p : 0 .. NPAGES - 1);
		if
		:: allocated[p] -> allocated[p] = 0; map[p] = 1;
			printf("guest: free %d\n", p)
		:: else -> skip
		fi;
		p = 0 }
	:: !vm_running -> break
	od
}

/* What the driver checks under zone->lock before it hints a candidate. */
#if VARIANT == 0 || VARIANT == 3
#define confirmed(pg) free_buddy(pg) /* a free buddy page */
#elif VARIANT == 1 || VARIANT == 4
#define confirmed(pg) (!allocated[pg])
#else
#define confirmed(pg) 1 /* the map's word is taken */
#endif

active proctype driver()
{
	byte p, id;
end:	do
	:: atomic { vm_running && hint_state == REQUESTED && id != cmd_id ->
		/* read the id and send it; the device starts the round */
		id = cmd_id; hint_state = START;
		printf("driver: send id %d\n", id) }
	/* a batch of one: confirm a candidate under zone->lock, queue it */
	:: atomic { vm_running && id != 0 && nbuf < NBUF && !zone_locked ->
		select(p : 0 .. NPAGES - 1);
		if
		:: map[p] && buf[p] == NOBUF && confirmed(p) ->
			buf[p] = QUEUED; nbuf++;
#if VARIANT == 0 || VARIANT == 3
			isolated[p] = 1;
#elif VARIANT == 4
			zone_locked = 1; /* until the buffer is used */
#endif
			printf("driver: queue hint %d\n", p);
#ifdef REACH_PIPELINE
			assert(nbuf < NBUF)
#endif
		:: else -> skip /* rejected, or not offered */
		fi;
		p = 0 }
	/* a used buffer: give its page back (free path: the event sets the bit) */
	:: atomic { vm_running && nbuf > 0 ->
		select(p : 0 .. NPAGES - 1);
		if
		:: buf[p] == USED -> buf[p] = NOBUF; nbuf--;
			if
			:: isolated[p] -> isolated[p] = 0; map[p] = 1;
				printf("driver: give back %d\n", p)
			:: else -> skip
			fi;
			zone_locked = 0
		:: else -> skip
		fi;
		p = 0 }
#if VARIANT == 3
	/* broken: give a queued page back before its buffer is used */
	:: atomic { vm_running && nbuf > 0 ->
		select(p : 0 .. NPAGES - 1);
		if
		:: buf[p] == QUEUED && isolated[p] -> isolated[p] = 0; map[p] = 1;
			printf("driver: give back %d EARLY\n", p)
		:: else -> skip
		fi;
		p = 0 }
#endif
	:: completed -> break
	od
}

active proctype iothread()
{
	byte p, j;
end:	do
	:: atomic { nbuf > 0 ->
		select(p : 0 .. NPAGES - 1);
		if
		:: buf[p] == QUEUED ->
			if
			:: hint_state == START -> clear_chunk(); bmap[p] = 0;
				printf("iothread: apply hint %d\n", p);
#ifdef REACH_HINT
				assert(0);
#endif
#ifdef REACH_REUSE
				hinted[p] = isolated[p];
#endif
				skip
			:: else -> skip /* used with length 0, ignored */
			fi;
			buf[p] = USED
		:: else -> skip
		fi;
		p = 0 }
	od
}

active proctype migration()
{
	byte r, p, i, j;

	/* bulk stage: nothing has been sent yet, everything is marked */
	atomic {
		for (i : 0 .. NPAGES - 1) {
			bmap[i] = 1; stale[i] = 1; map[i] = 1
		}
		/* page 0 in use (and written), the others free, as the map says */
		allocated[0] = 1; live[0] = 1; map[0] = 0
	}
	for (r : 1 .. ROUNDS) {
		atomic {
			if
			:: hint_state != IDLE -> hint_state = STOP
			:: else -> skip
			fi;
			sync();
			cmd_id++;
			hint_state = REQUESTED;
			printf("migration: sync, request id %d\n", cmd_id)
		}
		do
		:: atomic { select(p : 0 .. NPAGES - 1);
			if
			:: bmap[p] -> send(p); printf("migration: send %d\n", p)
			:: else -> skip
			fi;
			p = 0 }
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
		completed = 1;
		printf("migration: VM stopped, final sync and send, DONE\n")
	}
	/*
	 * No lost write: every page in use that was written since it was
	 * allocated has the guest's latest contents on the destination.
	 */
	for (i : 0 .. NPAGES - 1) {
		assert(!(allocated[i] && live[i]) || !stale[i])
	}
}
