/* SPDX-License-Identifier: MIT */
/*
 * The heap's policy around the buddy core: which chunk to take and how to
 * split it, pageblock grouping, scrubbing, and the xenheap, domheap and
 * exact-length allocators built on it. The contract is in include/mica/mm.h.
 *
 * Splitting hands out the lower half and files the upper half, so that
 * successive small allocations ascend through a chunk (seed 000).
 * alloc_order=scramble hands out the upper half and alternates the end of
 * the list it takes from, so that nothing comes out contiguous by accident.
 *
 * Grouping (seeds 003, 004): memory is divided into 2 MiB pageblocks, each
 * free, unmovable or guest. A small request is served from a pageblock of
 * its own type before a wholly free one is broken, and only then from the
 * other type; a pageblock whose chunks merge back into one is free again.
 * So small unmovable allocations cluster in few pageblocks and the rest
 * stays available in whole 2 MiB units.
 *
 * Dirty pages (a domain's freed memory) stay dirty on the free lists until
 * the idle loop scrubs them or an allocation takes them. Clean chunks go to
 * the head of a list and dirty ones to the tail, so allocations find clean
 * memory first and the scrubber finds dirty memory first.
 */
#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/param.h>

#include "heap.h"

struct page_info *frame_table;
unsigned long max_page;

uint8_t *pb_type;
unsigned long isolated_blocks;
unsigned long total_pages, free_pages, dirty_pages;

#ifdef MICA_DEBUG
bool heap_scramble = true;
#else
bool heap_scramble = false;
#endif
bool heap_grouping = true;
static uint64_t scramble_state;

static int parse_alloc_order(const char *s)
{
	if (!strcmp(s, "scramble"))
		heap_scramble = true;
	else if (!strcmp(s, "lower") || !strcmp(s, "ascending"))
		heap_scramble = false;
	else
		return -1;
	return 0;
}
custom_param("alloc_order", parse_alloc_order);
boolean_param("heap_grouping", heap_grouping);

int heap_init(unsigned long nr_frames)
{
	if (nr_frames > (1UL << 32) - 1)
		nr_frames =
			(1UL << 32) - 1; /* lists link 32-bit frame numbers */
	buddy_init();
	pb_type = arch_boot_alloc((nr_frames >> PAGEBLOCK_ORDER) + 1);
	if (!pb_type)
		return -ENOMEM;
	max_page = nr_frames;
	total_pages = free_pages = dirty_pages = isolated_blocks = 0;
	/* The same sequence of calls makes the same choices on every heap. */
	scramble_state = 0x9e3779b97f4a7c15UL;
	return 0;
}

/*
 * The list of a chunk below a pageblock, by [heap_grouping][its block's
 * pb_type byte]: one load on the free fast path, isolation included.
 */
static const uint8_t small_list[2][PB_VALUES] = {
	{LIST_BLOCK, LIST_BLOCK, LIST_BLOCK, LIST_BLOCK, LIST_ISOLATE,
	 LIST_ISOLATE, LIST_ISOLATE, LIST_ISOLATE},
	{LIST_UNMOVABLE, LIST_UNMOVABLE, LIST_GUEST, LIST_UNMOVABLE,
	 LIST_ISOLATE, LIST_ISOLATE, LIST_ISOLATE, LIST_ISOLATE},
};

/*
 * The list a free chunk belongs on: a chunk of a pageblock or more is never
 * in an isolated block (free_chunk()).
 */
static __always_inline unsigned int list_for(unsigned long mfn,
					     unsigned int order)
{
	if (order >= PAGEBLOCK_ORDER)
		return LIST_BLOCK;
	return small_list[heap_grouping][pb_type[mfn >> PAGEBLOCK_ORDER]];
}

/* Mark n pageblocks from pageblock pb as of type t. */
static __always_inline void set_pb_type(unsigned long pb, unsigned long n,
					uint8_t t)
{
	if (n > 16) {
		memset(pb_type + pb, t, n);
		return;
	}
	for (unsigned long i = 0; i < n; i++)
		pb_type[pb + i] = t;
}

/*
 * The top byte of count_info, which holds PGC_free_head: testing and
 * clearing one byte are an instruction each, where the 64-bit mask costs
 * a constant load and a read-modify-write. (x86 is little-endian.)
 */
#define PGC_free_head_top ((uint8_t)(PGC_free_head >> 56))
BUILD_BUG_ON(PGC_free_head >> 56 << 56 != PGC_free_head);

static __always_inline uint8_t *top_byte(struct page_info *pg)
{
	return (uint8_t *)&pg->count_info + 7;
}

/* first_dirty of the part of a chunk from off on, 2^order frames long. */
static uint32_t part_dirty(uint32_t first_dirty, unsigned long off,
			   unsigned int order)
{
	if (first_dirty == NO_DIRTY)
		return NO_DIRTY;
	if (first_dirty <= off)
		return 0;
	return first_dirty - off < (1UL << order)
		       ? (uint32_t)(first_dirty - off)
		       : NO_DIRTY;
}

/*
 * File the free chunk [mfn, mfn + 2^order), merging it with free buddies
 * up to order cap at most. first_dirty is relative to mfn.
 */
static __always_inline void merge_and_file(unsigned long mfn,
					   unsigned int order,
					   uint32_t first_dirty,
					   unsigned int cap)
{
	unsigned int z = zone_of(mfn), zmax = zone_max_order(z);
	unsigned long limit = max_page, half = 1UL << order;
	/*
	 * The first dirty frame as a frame number: chunk start + first_dirty.
	 * NO_DIRTY is 2^32 - 1 and frame numbers are below 2^32, so a clean
	 * chunk's value is beyond any dirty frame's and the lowest one wins
	 * without a test for NO_DIRTY.
	 */
	unsigned long dirty = mfn + first_dirty;

	if (zmax > cap)
		zmax = cap;
	while (order < zmax) {
		unsigned long b = mfn ^ half, info, bdirty;
		struct page_info *bp = frame_table + b;
		uint64_t links;

		if (b >= limit || !(*top_byte(bp) & PGC_free_head_top))
			break;
		/* Its order, list, group and first dirty frame in one load. */
		info = bp->u.type_info;
		if ((uint8_t)info != order)
			break;
		/* buddy_remove(b), with what is already known. */
		memcpy(&links, &bp->next, sizeof(links)); /* next and prev */
		if (links == ~0ULL) {
			/* It was alone: its list is empty now, its bit set. */
			buddy_heads[bp->u.free.slot].head =
				buddy_heads[bp->u.free.slot].tail =
					PAGE_LIST_NULL;
			buddy_order_mask[bp->u.free.group] ^= (uint32_t)half;
		} else {
			buddy_unlink(b, bp->next, bp->prev);
		}
		*top_byte(bp) &= ~PGC_free_head_top;
		bdirty = b + (info >> 32);
		if (bdirty < dirty)
			dirty = bdirty;
		mfn &= b; /* the lower of the two */
		order++;
		half <<= 1;
	}
	/* A pageblock wholly free again belongs to no one. */
	if (order >= PAGEBLOCK_ORDER)
		set_pb_type(mfn >> PAGEBLOCK_ORDER,
			    1UL << (order - PAGEBLOCK_ORDER), PB_FREE);
	buddy_insert_z(mfn, order, list_for(mfn, order), z,
		       dirty - mfn < half ? (uint32_t)(dirty - mfn) : NO_DIRTY);
}

/*
 * free_chunk() while some pageblock is isolated. A chunk of a block or
 * more of which a block is isolated is filed a block at a time, an
 * isolated one as its two halves; a chunk in an isolated block merges
 * only within its half block.
 */
static __attribute__((noinline)) void
free_chunk_isolated(unsigned long mfn, unsigned int order, uint32_t first_dirty)
{
	unsigned long pb = mfn >> PAGEBLOCK_ORDER, n, i;

	if (order < PAGEBLOCK_ORDER) {
		merge_and_file(mfn, order, first_dirty,
			       pb_type[pb] & PB_ISOLATED ? PAGEBLOCK_ORDER - 1
							 : MAX_ORDER);
		return;
	}
	n = 1UL << (order - PAGEBLOCK_ORDER);
	for (i = 0; i < n && !(pb_type[pb + i] & PB_ISOLATED); i++)
		;
	if (i == n) {
		merge_and_file(mfn, order, first_dirty, MAX_ORDER);
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned long off = i << PAGEBLOCK_ORDER;
		unsigned int o = pb_type[pb + i] & PB_ISOLATED
					 ? PAGEBLOCK_ORDER - 1
					 : PAGEBLOCK_ORDER;

		for (unsigned long k = off; k < off + PAGEBLOCK_PAGES;
		     k += 1UL << o)
			free_chunk_isolated(mfn + k, o,
					    part_dirty(first_dirty, k, o));
	}
}

/*
 * File the free chunk [mfn, mfn + 2^order), merging it with free buddies.
 * first_dirty is relative to mfn.
 *
 * Isolation (seed 004): a chunk in an isolated pageblock stays below a
 * pageblock, a wholly free isolated block being its two halves, and goes
 * on the ISOLATE list. So no chunk of a block or more is isolated, and the
 * merges from a block up, whose buddies lie in other blocks, never meet
 * one: isolated and other chunks never merge, and undoing an isolation
 * finds each block's chunks where it left them, with no test in the merge
 * loop. Below a pageblock, buddies lie in one block: both isolated or
 * neither, of the same type. Blocks of differing types never meet in a
 * merge either: a chunk of a block or more is wholly free, and a wholly
 * free block has no type.
 */
static void free_chunk(unsigned long mfn, unsigned int order,
		       uint32_t first_dirty)
{
	if (unlikely(isolated_blocks))
		free_chunk_isolated(mfn, order, first_dirty);
	else
		merge_and_file(mfn, order, first_dirty, MAX_ORDER);
}

void heap_file_chunk(unsigned long mfn, unsigned int order,
		     uint32_t first_dirty)
{
	free_chunk(mfn, order, first_dirty);
}

void heap_add_range(mfn_t start, mfn_t end)
{
	unsigned long s = mfn_x(start), e = mfn_x(end);

	if (e > max_page)
		e = max_page;
	if (!s)
		s = 1; /* frame 0 would be its own zone; nobody wants it */
	while (s < e) {
		unsigned int order = aligned_order(s, e - s);

		for (unsigned long i = 0; i < (1UL << order); i++)
			frame_table[s + i].count_info = PGC_need_scrub;
		if (order < PAGEBLOCK_ORDER &&
		    pb_type[s >> PAGEBLOCK_ORDER] == PB_FREE)
			pb_type[s >> PAGEBLOCK_ORDER] = PB_UNMOVABLE;
		total_pages += 1UL << order;
		free_pages += 1UL << order;
		dirty_pages += 1UL << order;
		free_chunk(s, order, 0);
		s += 1UL << order;
	}
}

static uint64_t scramble_next(void)
{
	uint64_t x = scramble_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return scramble_state = x;
}

/*
 * A chunk that can serve order on list `list`, or NIL. Zones are tried
 * from the highest down, keeping low memory for whoever needs it; within a
 * zone a partly used pageblock of the requester's type comes before a free
 * one. Only when no zone has either is a pageblock of the other type used.
 */
static __always_inline unsigned long
find_chunk(unsigned int order, unsigned int list, unsigned int zmax)
{
	unsigned long m;

	if (!heap_grouping)
		return buddy_find(LIST_BLOCK, order, MAX_ORDER, zmax);
	if (order >= PAGEBLOCK_ORDER)
		return buddy_find(LIST_BLOCK, order, MAX_ORDER, zmax);
	m = buddy_find2(list, orders_between(order, PAGEBLOCK_ORDER - 1),
			LIST_BLOCK, orders_between(PAGEBLOCK_ORDER, MAX_ORDER),
			zmax);
	if (m != NIL)
		return m;
	return buddy_find(list == LIST_GUEST ? LIST_UNMOVABLE : LIST_GUEST,
			  order, PAGEBLOCK_ORDER - 1, zmax);
}

/*
 * The split of a chunk with dirty frames: as file_upper_halves(), one
 * buddy_insert_z() a level, each half's first dirty frame worked out.
 */
static __attribute__((noinline)) uint32_t
file_upper_halves_dirty(unsigned long m, unsigned int hi, unsigned int lo,
			unsigned int list, unsigned int z, uint32_t f)
{
	for (unsigned int j = hi; j-- > lo;) {
		unsigned long half = 1UL << j;
		uint32_t keep_fd = NO_DIRTY;

		if (f != NO_DIRTY) {
			if (f >= half) {
				keep_fd = f - half;
				f = NO_DIRTY;
			} else {
				keep_fd = 0;
			}
		}
		buddy_insert_z(m + half, j, list, z, keep_fd);
	}
	return f;
}

/*
 * File the upper halves of the chunk at m as it is split from order hi down
 * to order lo: [m + 2^j, m + 2^(j+1)) at order j on `list`, for j from hi - 1
 * down to lo. f is the chunk's first dirty frame; returns the first dirty
 * frame of what is left, [m, m + 2^lo).
 *
 * A clean chunk, the usual case, is filed in a loop that keeps each level's
 * list head, free_info() word and half as running values: one subtraction
 * or shift a level rather than recomputing them.
 */
static __always_inline uint32_t file_upper_halves(unsigned long m,
						  unsigned int hi,
						  unsigned int lo,
						  unsigned int list,
						  unsigned int z, uint32_t f)
{
	unsigned int group = BUDDY_GROUP(list, z);
	struct page_list_head *h = &buddy_heads[group * NR_ORDERS + hi];
	unsigned long info = free_info(hi, group, NO_DIRTY);
	unsigned long half = 1UL << hi, stop = 1UL << lo;
	uint32_t made = 0; /* orders whose lists were empty */

	if (unlikely(f != NO_DIRTY))
		return file_upper_halves_dirty(m, hi, lo, list, z, f);
	while (half > stop) {
		struct page_info *pg;

		half >>= 1;
		/* free_info(j - 1, ...) is free_info(j, ...) less one level. */
		info -= free_info(1, 0, 0);
		h--;
		pg = frame_table + m + half;
		if (likely(h->head == PAGE_LIST_NULL)) {
			/* The usual case deep in a split: a list of its own. */
			*top_byte(pg) |= PGC_free_head_top;
			pg->u.type_info = info;
			pg->next = pg->prev = PAGE_LIST_NULL;
			h->head = h->tail = m + half;
			made |= half; /* bit j - 1 for order j - 1 */
		} else {
			buddy_insert_z(m + half, (uint8_t)info, list, z,
				       NO_DIRTY);
		}
	}
	if (made) {
		buddy_order_mask[group] |= made;
		buddy_zone_mask[list] |= 1UL << z;
	}
	return NO_DIRTY;
}

/* The same handing out the upper half each time (alloc_order=scramble). */
static uint32_t file_lower_halves(unsigned long *mp, unsigned int hi,
				  unsigned int lo, unsigned int list,
				  unsigned int z, uint32_t f)
{
	unsigned long m = *mp;

	for (unsigned int j = hi; j-- > lo;) {
		unsigned long half = 1UL << j;
		uint32_t lower_fd = f < half ? f : NO_DIRTY;

		f = f == NO_DIRTY ? NO_DIRTY : f >= half ? f - half : 0;
		buddy_insert_z(m, j, list, z, lower_fd);
		m += half;
	}
	*mp = m;
	return f;
}

/*
 * Split the free chunk at m (already off its list) from order k down to
 * 2^order frames, filing the parts not handed out. Returns the mfn handed
 * out; *fd is the chunk's first dirty frame on entry and the result's on
 * return. Parts of 2 MiB and more are whole free pageblocks; smaller ones
 * sit in the pageblock being broken, which takes the requester's type if
 * it was free.
 */
static __attribute__((noinline)) unsigned long
split(unsigned long m, unsigned int k, unsigned int order, unsigned int list,
      uint32_t *fd)
{
	unsigned int z = zone_of(m);
	unsigned int mid = order > PAGEBLOCK_ORDER ? order : PAGEBLOCK_ORDER;
	unsigned int small = LIST_BLOCK;
	uint32_t f = *fd;

	if (unlikely(heap_scramble)) {
		/* The pageblock handed out of is the last one of the chunk. */
		if (order < PAGEBLOCK_ORDER && heap_grouping) {
			unsigned long last =
				(m + (1UL << k) - 1) >> PAGEBLOCK_ORDER;

			if (k >= PAGEBLOCK_ORDER)
				pb_type[last] = list == LIST_GUEST
							? PB_GUEST
							: PB_UNMOVABLE;
			small = pb_type[last] == PB_GUEST ? LIST_GUEST
							  : LIST_UNMOVABLE;
		}
		if (k > mid)
			f = file_lower_halves(&m, k, mid, LIST_BLOCK, z, f);
		f = file_lower_halves(&m, k < mid ? k : mid, order, small, z,
				      f);
		*fd = f;
		return m;
	}
	if (order < PAGEBLOCK_ORDER && heap_grouping) {
		if (k >= PAGEBLOCK_ORDER)
			pb_type[m >> PAGEBLOCK_ORDER] =
				list == LIST_GUEST ? PB_GUEST : PB_UNMOVABLE;
		small = pb_type[m >> PAGEBLOCK_ORDER] == PB_GUEST
				? LIST_GUEST
				: LIST_UNMOVABLE;
	}
	if (k > mid)
		f = file_upper_halves(m, k, mid, LIST_BLOCK, z, f);
	if (order < mid)
		f = file_upper_halves(m, k < mid ? k : mid, order, small, z, f);
	*fd = f;
	return m;
}

/*
 * Take a chunk of exactly 2^order frames off the free lists, splitting a
 * larger one as needed. Its frames are not yet marked in use. Returns its
 * mfn and its first dirty frame, or NIL.
 */
static unsigned long take_chunk(unsigned int order, unsigned int memflags,
				unsigned int list, uint32_t *first_dirty)
{
	unsigned int bits = memflags & MEMF_bits_mask;
	unsigned int zmax = NR_ZONES - 1;
	struct page_info *pg;
	unsigned long m;
	unsigned int k;

	if (bits) {
		if (bits <= PAGE_SHIFT)
			return NIL;
		if (bits - PAGE_SHIFT < zmax)
			zmax = bits - PAGE_SHIFT;
	}
	m = find_chunk(order, list, zmax);
	if (m == NIL)
		return NIL;
	pg = frame_table + m;
	if (unlikely(heap_scramble) && (scramble_next() & 1)) {
		/* The other end of the same list. */
		m = buddy_last(buddy_zone_of(pg), pg->u.free.order,
			       buddy_list_of(pg));
		pg = frame_table + m;
	}
	k = pg->u.free.order;
	*first_dirty = pg->u.free.first_dirty;
	buddy_remove(m);
	if (k > order)
		m = split(m, k, order, list, first_dirty);
	if (order >= PAGEBLOCK_ORDER)
		set_pb_type(m >> PAGEBLOCK_ORDER,
			    1UL << (order - PAGEBLOCK_ORDER),
			    list == LIST_GUEST ? PB_GUEST : PB_UNMOVABLE);
	return m;
}

/*
 * One frame for the fast paths: from the highest zone that has anything on
 * `list` or on the block list, the first clean chunk of the lowest order
 * below a pageblock on `list` (at most max_k), split down to one frame,
 * which is what find_chunk() and split() would do; the frame marked in use.
 * NIL, having touched nothing, when that zone has no such chunk (a free
 * pageblock must be broken, or another zone used), when the chunk is dirty
 * (so is its whole list: scrubbing is the general path's) and for a stale
 * zone bit. With max_k = 0 it is the order-0 fast path, inline with nothing
 * to save or restore; alloc_domheap_slow() calls it first with max_k = 8.
 */
static __always_inline unsigned long take_clean_page(unsigned int list,
						     unsigned int max_k)
{
	uint64_t zones = buddy_zone_mask[list] | buddy_zone_mask[LIST_BLOCK];
	/* Zone 0 (frame 0) never holds anything, so an empty mask finds nothing. */
	unsigned int z = 63 - __builtin_clzl(zones | 1);
	unsigned int group = BUDDY_GROUP(list, z);
	uint32_t orders = buddy_order_mask[group] & ((2u << max_k) - 1);
	unsigned int k = max_k ? __builtin_ctz(orders | (2u << max_k)) : 0;
	struct page_list_head *h = &buddy_heads[group * NR_ORDERS + k];
	uint32_t m = h->head, next;
	struct page_info *pg;

	if (!orders)
		return NIL;
	pg = frame_table + m;
	if (unlikely(pg->u.free.first_dirty != NO_DIRTY))
		return NIL;
	next = pg->next;
	h->head = next;
	if (likely(next != PAGE_LIST_NULL)) {
		frame_table[next].prev = PAGE_LIST_NULL;
	} else {
		h->tail = PAGE_LIST_NULL;
		buddy_order_mask[group] ^= 1u << k;
	}
	/*
	 * Chunks on `list` lie in pageblocks of its type: halves stay on it.
	 * One level (every other page of a populate) is done here by hand: the
	 * order-0 list is empty, and the upper frame becomes all of it.
	 */
	if (k == 1) {
		struct page_info *up = pg + 1;

		up->count_info |= PGC_free_head;
		up->u.type_info = free_info(0, group, NO_DIRTY);
		up->next = up->prev = PAGE_LIST_NULL;
		buddy_heads[group * NR_ORDERS].head =
			buddy_heads[group * NR_ORDERS].tail = m + 1;
		buddy_order_mask[group] |= 1;
	} else if (max_k > 1 && k) {
		file_upper_halves(m, k, 0, list, z, NO_DIRTY);
	}
#ifdef MICA_DEBUG
	check_scrubbed(m);
#endif
	pg->count_info = PGC_inuse;
	pg->u.type_info = 0;
	pg->v.owner = NULL;
	free_pages--;
	return m;
}

/* Mark nr frames from mfn in use, scrubbing or checking each as needed. */
static __always_inline void claim_frames(unsigned long mfn, unsigned long nr,
					 unsigned int memflags)
{
	struct page_info *pg = frame_table + mfn;

	for (unsigned long i = 0; i < nr; i++) {
		if (unlikely(pg[i].count_info & PGC_need_scrub)) {
			dirty_pages--;
			if (!(memflags & MEMF_no_scrub))
				scrub_page(mfn + i);
		}
#ifdef MICA_DEBUG
		else
			check_scrubbed(mfn + i);
#endif
		pg[i].count_info = PGC_inuse;
		pg[i].u.type_info = 0;
		pg[i].v.owner = NULL;
	}
	if (unlikely(memflags & MEMF_zero))
		for (unsigned long i = 0; i < nr; i++)
			clear_domain_page(_mfn(mfn + i));
	free_pages -= nr;
}

void heap_claim_frames(unsigned long mfn, unsigned long nr)
{
	claim_frames(mfn, nr, 0);
}

/* Any allocation: a chunk of 2^order frames marked in use, or NIL. */
static unsigned long alloc_heap(unsigned int order, unsigned int memflags,
				unsigned int list)
{
	uint32_t fd;
	unsigned long m;

	if (order > MAX_ORDER)
		return NIL;
	m = take_chunk(order, memflags, list, &fd);
	if (m != NIL)
		claim_frames(m, 1UL << order, memflags);
	return m;
}

/*
 * Whether a request may take the order-0 fast path: one frame, any
 * address, not zeroed, frames handed out in the default order.
 */
static __always_inline bool fast_request(unsigned int order,
					 unsigned int memflags)
{
	return order == 0 && !(memflags & (MEMF_bits_mask | MEMF_zero)) &&
	       !heap_scramble;
}

static __always_inline unsigned int fast_list(unsigned int list)
{
	return heap_grouping ? list : LIST_BLOCK;
}

/*
 * Mark nr in-use frames from mfn free: dirty (a domain's data, scrubbed
 * before reuse) or scrubbed now. The caller files them with free_chunk().
 */
static void release_frames(unsigned long mfn, unsigned long nr, bool dirty)
{
	struct page_info *pg = frame_table + mfn;

	for (unsigned long i = 0; i < nr; i++) {
		if (unlikely(!(pg[i].count_info & PGC_inuse)))
			panic("heap: freeing mfn %#lx, which is not allocated (double free?)",
			      mfn + i);
		if (!dirty)
			scrub_page(mfn + i);
		pg[i].count_info = dirty ? PGC_need_scrub : 0;
	}
	free_pages += nr;
	if (dirty)
		dirty_pages += nr;
}

/* File nr free frames from mfn as naturally aligned chunks. */
static void free_frames(unsigned long mfn, unsigned long nr, bool dirty)
{
	while (nr) {
		unsigned int order = aligned_order(mfn, nr);

		free_chunk(mfn, order, dirty ? 0 : NO_DIRTY);
		mfn += 1UL << order;
		nr -= 1UL << order;
	}
}

/* ---- the xenheap ---- */

void *alloc_xenheap_pages(unsigned int order, unsigned int memflags)
{
	unsigned long m = NIL;

	if (likely(fast_request(order, memflags)))
		m = take_clean_page(fast_list(LIST_UNMOVABLE),
				    PAGEBLOCK_ORDER - 1);
	if (m == NIL)
		m = alloc_heap(order, memflags, LIST_UNMOVABLE);
	if (m == NIL)
		return NULL;
	if (arch_xenheap_map(m, 1UL << order)) {
		release_frames(m, 1UL << order, false);
		free_chunk(m, order, NO_DIRTY);
		return NULL;
	}
	for (unsigned long i = 0; i < (1UL << order); i++)
		frame_table[m + i].count_info |= PGC_xen_heap;
	return arch_mfn_to_virt(m);
}

void free_xenheap_pages(void *v, unsigned int order)
{
	unsigned long m;

	if (!v)
		return;
	m = arch_virt_to_mfn(v);
	for (unsigned long i = 0; i < (1UL << order); i++)
		if (!(frame_table[m + i].count_info & PGC_xen_heap))
			panic("heap: free_xenheap_pages(%p): mfn %#lx is not a xenheap page",
			      v, m + i);
	/* Unmapped first, so that a use after the free faults. */
	arch_xenheap_unmap(m, 1UL << order);
	release_frames(m, 1UL << order, false);
	free_chunk(m, order, NO_DIRTY);
}

void *alloc_xenheap_pages_exact(unsigned long nr, unsigned int memflags)
{
	struct page_info *pg = alloc_contig_pages(nr, 1, memflags);
	unsigned long m;

	if (!pg)
		return NULL;
	m = mfn_x(page_to_mfn(pg));
	if (arch_xenheap_map(m, nr)) {
		free_contig_pages(pg, nr);
		return NULL;
	}
	for (unsigned long i = 0; i < nr; i++)
		pg[i].count_info |= PGC_xen_heap;
	return arch_mfn_to_virt(m);
}

void free_xenheap_pages_exact(void *v, unsigned long nr)
{
	unsigned long m;

	if (!v || !nr)
		return;
	if ((unsigned long)v & (PAGE_SIZE - 1))
		panic("heap: free_xenheap_pages_exact(%p): not page aligned",
		      v);
	m = arch_virt_to_mfn(v);
	for (unsigned long i = 0; i < nr; i++)
		if (!(frame_table[m + i].count_info & PGC_xen_heap))
			panic("heap: free_xenheap_pages_exact(%p, %lu): mfn %#lx is not a xenheap page",
			      v, nr, m + i);
	arch_xenheap_unmap(m, nr);
	release_frames(m, nr, false);
	free_frames(m, nr, false);
}

/* ---- the domheap ---- */

static __always_inline void page_list_add_tail(struct page_list_head *h,
					       unsigned long mfn)
{
	struct page_info *pg = frame_table + mfn;

	pg->next = PAGE_LIST_NULL;
	pg->prev = h->tail;
	if (h->tail == PAGE_LIST_NULL)
		h->head = mfn;
	else
		frame_table[h->tail].next = mfn;
	h->tail = mfn;
}

static __always_inline void page_list_del(struct page_list_head *h,
					  unsigned long mfn)
{
	struct page_info *pg = frame_table + mfn;

	if (pg->prev == PAGE_LIST_NULL)
		h->head = pg->next;
	else
		frame_table[pg->prev].next = pg->next;
	if (pg->next == PAGE_LIST_NULL)
		h->tail = pg->prev;
	else
		frame_table[pg->next].prev = pg->prev;
}

void domain_mm_init(struct domain *d, domid_t id, unsigned long max_pages)
{
	d->domain_id = id;
	d->page_list.head = d->page_list.tail = PAGE_LIST_NULL;
	d->tot_pages = 0;
	d->max_pages = max_pages;
}

int assign_pages(struct domain *d, struct page_info *pg, unsigned int order,
		 unsigned int memflags)
{
	unsigned long n = 1UL << order;
	unsigned long mfn = mfn_x(page_to_mfn(pg));

	if (d->tot_pages > d->max_pages || n > d->max_pages - d->tot_pages) {
		printk(LOG_WARN
		       "heap: d%u: over its allocation (%lu + %lu pages > max %lu)\n",
		       d->domain_id, d->tot_pages, n, d->max_pages);
		return -ENOMEM;
	}
	for (unsigned long i = 0; i < n; i++)
		if (!(pg[i].count_info & PGC_inuse) || pg[i].v.owner ||
		    (pg[i].count_info & PGC_xen_heap))
			panic("heap: assign_pages: mfn %#lx is free, owned or xenheap",
			      mfn + i);
	for (unsigned long i = 0; i < n; i++) {
		pg[i].v.owner = d;
		pg[i].count_info |= PGC_allocated | 1;
		page_list_add_tail(&d->page_list, mfn + i);
	}
	d->tot_pages += n;
	return 0;
}

static __attribute__((noinline)) struct page_info *
alloc_domheap_slow(struct domain *d, unsigned int order, unsigned int memflags)
{
	bool assign = d && !(memflags & MEMF_no_owner);
	unsigned int list =
		assign || (memflags & MEMF_guest) ? LIST_GUEST : LIST_UNMOVABLE;
	unsigned long m;

	/* Refuse before taking anything: the commit below cannot fail. */
	if (assign && (order > MAX_ORDER || d->tot_pages > d->max_pages ||
		       (1UL << order) > d->max_pages - d->tot_pages))
		return NULL;
	m = alloc_heap(order, memflags, list);
	if (m == NIL)
		return NULL;
	if (assign && assign_pages(d, frame_table + m, order, memflags))
		BUG();
	return frame_table + m;
}

/*
 * A fast request found the order-0 list empty: split the smallest clean
 * chunk below a pageblock, as every other page of a populate does, and
 * only then search the heap. d is NULL or may take one more page.
 */
static __attribute__((noinline)) struct page_info *
alloc_domheap_refill(struct domain *d, unsigned int list, unsigned int memflags)
{
	unsigned long m = take_clean_page(fast_list(list), PAGEBLOCK_ORDER - 1);
	struct page_info *pg;

	if (m == NIL)
		m = alloc_heap(0, memflags, list);
	if (m == NIL)
		return NULL;
	pg = frame_table + m;
	if (d) {
		pg->v.owner = d;
		pg->count_info |= PGC_allocated | 1;
		page_list_add_tail(&d->page_list, m);
		d->tot_pages++;
	}
	return pg;
}

/*
 * The order-0 fast path inline, with nothing to save or restore around it,
 * and everything else (larger orders, address limits, dirty memory, a
 * domain at its limit, errors) in alloc_domheap_slow().
 */
struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order,
				      unsigned int memflags)
{
	struct page_info *pg;
	unsigned long m;

	if (unlikely(!fast_request(order, memflags)))
		return alloc_domheap_slow(d, order, memflags);
	if (!d) {
		unsigned int list =
			memflags & MEMF_guest ? LIST_GUEST : LIST_UNMOVABLE;

		m = take_clean_page(fast_list(list), 0);
		if (unlikely(m == NIL))
			return alloc_domheap_refill(NULL, list, memflags);
		return frame_table + m;
	}
	if (unlikely((memflags & MEMF_no_owner) ||
		     d->tot_pages >= d->max_pages))
		return alloc_domheap_slow(d, order, memflags);
	m = take_clean_page(fast_list(LIST_GUEST), 0);
	if (unlikely(m == NIL))
		return alloc_domheap_refill(d, LIST_GUEST, memflags);
	pg = frame_table + m;
	pg->v.owner = d;
	pg->count_info |= PGC_allocated | 1;
	page_list_add_tail(&d->page_list, m);
	d->tot_pages++;
	return pg;
}

/* Say what is wrong with freeing pg[i] as part of a chunk of d's. */
static __noreturn void bad_free(const struct page_info *pg, unsigned long i,
				const struct domain *d)
{
	unsigned long mfn = mfn_x(page_to_mfn(pg));

	if (!(pg[i].count_info & PGC_inuse))
		panic("heap: freeing mfn %#lx, which is not allocated (double free?)",
		      mfn + i);
	if (pg[i].count_info & PGC_xen_heap)
		panic("heap: free_domheap_pages on xenheap mfn %#lx", mfn + i);
	if (pg[i].v.owner != d)
		panic("heap: freeing mfn %#lx of d%d with mfn %#lx of d%d in one chunk",
		      mfn + i, pg[i].v.owner ? pg[i].v.owner->domain_id : -1,
		      mfn, d ? d->domain_id : -1);
	if (!d)
		panic("heap: mfn %#lx has an allocation reference but no owner",
		      mfn + i);
	panic("heap: d%u's mfn %#lx freed twice", d->domain_id, mfn + i);
}

/* The state a frame of a chunk being freed must be in. */
static __always_inline bool free_ok(const struct page_info *pg,
				    const struct domain *d)
{
	return pg->v.owner == d &&
	       (pg->count_info & (PGC_xen_heap | PGC_inuse | PGC_allocated)) ==
		       (d ? PGC_inuse | PGC_allocated : PGC_inuse);
}

static __attribute__((noinline)) void free_domheap_slow(struct page_info *pg,
							unsigned int order)
{
	struct domain *d = pg->v.owner;
	unsigned long mfn = mfn_x(page_to_mfn(pg));
	unsigned long n = 1UL << order;

	for (unsigned long i = 0; i < n; i++) {
		if (unlikely(!free_ok(pg + i, d)))
			bad_free(pg, i, d);
		if (d) {
			page_list_del(&d->page_list, mfn + i);
			pg[i].v.owner = NULL;
		}
		pg[i].count_info = PGC_need_scrub;
	}
	if (d)
		d->tot_pages -= n;
	free_pages += n;
	dirty_pages += n;
	free_chunk(mfn, order, 0);
}

/*
 * put_page()'s last reference: the allocation reference went before
 * (put_page_alloc_ref()), mappings kept the frame since. Checked here, then
 * freed as every frame of a domain is, so that free_domheap_pages() and its
 * fast path test for one state only.
 */
void free_domheap_page_released(struct page_info *pg)
{
	struct domain *d = pg->v.owner;

	if (unlikely(!d || (pg->count_info &
			    (PGC_xen_heap | PGC_inuse | PGC_allocated |
			     PGC_count_mask)) != PGC_inuse))
		panic("heap: freeing mfn %#lx as unreferenced, with count_info %#lx and owner d%d",
		      mfn_x(page_to_mfn(pg)), pg->count_info,
		      d ? d->domain_id : -1);
	pg->count_info |= PGC_allocated;
	free_domheap_slow(pg, 0);
}

/*
 * The order-0 fast path inline: a frame whose buddy is not free is filed
 * as it is. Merging, larger orders and errors are free_domheap_slow()'s.
 */
void free_domheap_pages(struct page_info *pg, unsigned int order)
{
	struct domain *d = pg->v.owner;
	unsigned long mfn = mfn_x(page_to_mfn(pg));
	unsigned long b = mfn ^ 1;
	const struct page_info *bp = frame_table + b;

	/* b may be max_page itself: its entry exists (heap_init()), never free. */
	if (unlikely(order || !free_ok(pg, d)) ||
	    ((bp->count_info & PGC_free_head) && bp->u.free.order == 0)) {
		free_domheap_slow(pg, order);
		return;
	}
	if (d) {
		page_list_del(&d->page_list, mfn);
		pg->v.owner = NULL;
		d->tot_pages--;
	}
	free_pages++;
	dirty_pages++;
	/* buddy_insert_z(mfn, 0, list, zone, 0) for a dirty frame, flags at once. */
	{
		unsigned int list = list_for(mfn, 0), z = zone_of_nz(mfn);
		unsigned int group = BUDDY_GROUP(list, z);
		struct page_list_head *h = &buddy_heads[group * NR_ORDERS];
		uint32_t tail = h->tail;

		pg->count_info = PGC_need_scrub | PGC_free_head;
		pg->u.type_info = free_info(0, group, 0);
		pg->next = PAGE_LIST_NULL;
		pg->prev = tail;
		h->tail = mfn;
		if (likely(tail != PAGE_LIST_NULL)) {
			frame_table[tail].next = mfn;
		} else {
			h->head = mfn;
			buddy_order_mask[group] |= 1;
			buddy_zone_mask[list] |= 1UL << z;
		}
	}
}

unsigned long domain_relinquish_memory(struct domain *d)
{
	unsigned long n = 0;

	while (d->page_list.head != PAGE_LIST_NULL) {
		free_domheap_pages(frame_table + d->page_list.head, 0);
		n++;
	}
	return n;
}

/* ---- exact-length contiguous allocation ---- */

struct page_info *alloc_contig_pages(unsigned long nr, unsigned long align,
				     unsigned int memflags)
{
	unsigned int order = 0;
	unsigned long m, tail;
	uint32_t fd;

	if (!nr || !align || (align & (align - 1)) || nr > (1UL << MAX_ORDER) ||
	    align > (1UL << MAX_ORDER))
		return NULL;
	while ((1UL << order) < nr || (1UL << order) < align)
		order++;
	m = take_chunk(order, memflags, LIST_UNMOVABLE, &fd);
	if (m == NIL)
		return NULL;
	claim_frames(m, nr, memflags);
	/* The tail was never claimed: file it straight back, as it was. */
	for (tail = m + nr; tail < m + (1UL << order);) {
		unsigned int o = aligned_order(tail, m + (1UL << order) - tail);
		unsigned long off = tail - m;

		free_chunk(tail, o,
			   fd == NO_DIRTY ? NO_DIRTY
			   : fd > off	  ? (uint32_t)(fd - off)
					  : 0);
		tail += 1UL << o;
	}
	return frame_table + m;
}

void free_contig_pages(struct page_info *pg, unsigned long nr)
{
	release_frames(mfn_x(page_to_mfn(pg)), nr, true);
	free_frames(mfn_x(page_to_mfn(pg)), nr, true);
}
