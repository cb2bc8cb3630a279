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
	total_pages = free_pages = dirty_pages = 0;
	/* The same sequence of calls makes the same choices on every heap. */
	scramble_state = 0x9e3779b97f4a7c15UL;
	return 0;
}

static __always_inline unsigned int list_for(unsigned long mfn,
					     unsigned int order)
{
	if (!heap_grouping || order >= PAGEBLOCK_ORDER)
		return LIST_BLOCK;
	return pb_type[mfn >> PAGEBLOCK_ORDER] == PB_GUEST ? LIST_GUEST
							   : LIST_UNMOVABLE;
}

/*
 * File the free chunk [mfn, mfn + 2^order), merging it with free buddies.
 * first_dirty is relative to mfn.
 */
static __always_inline void free_chunk(unsigned long mfn, unsigned int order,
				       uint32_t first_dirty)
{
	unsigned int z = zone_of(mfn), zmax = zone_max_order(z);

	while (order < zmax) {
		unsigned long half = 1UL << order;
		unsigned long b = mfn ^ half;
		struct page_info *bp = frame_table + b;
		uint32_t bfd;

		if (b >= max_page || !(bp->count_info & PGC_free_head) ||
		    bp->u.free.order != order)
			break;
		bfd = bp->u.free.first_dirty;
		buddy_remove(b);
		/* The merged chunk's first dirty frame, relative to its start. */
		if (b < mfn) {
			if (bfd == NO_DIRTY && first_dirty != NO_DIRTY)
				bfd = first_dirty + half;
			first_dirty = bfd;
			mfn = b;
		} else if (first_dirty == NO_DIRTY && bfd != NO_DIRTY) {
			first_dirty = bfd + half;
		}
		order++;
	}
	/* A pageblock wholly free again belongs to no one. */
	if (order >= PAGEBLOCK_ORDER)
		memset(pb_type + (mfn >> PAGEBLOCK_ORDER), PB_FREE,
		       1UL << (order - PAGEBLOCK_ORDER));
	buddy_insert_z(mfn, order, list_for(mfn, order), z, first_dirty);
}

void heap_add_range(mfn_t start, mfn_t end)
{
	unsigned long s = mfn_x(start), e = mfn_x(end);

	if (e > max_page)
		e = max_page;
	if (!s)
		s = 1; /* frame 0 would be its own zone; nobody wants it */
	while (s < e) {
		unsigned int order = s ? __builtin_ctzl(s) : MAX_ORDER;

		if (order > MAX_ORDER)
			order = MAX_ORDER;
		while ((1UL << order) > e - s)
			order--;
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
 * Split the free chunk at m (already off its list) down to 2^order frames,
 * filing the halves not handed out. Returns the mfn handed out; *fd is the
 * chunk's first dirty frame on entry and the result's on return.
 */
static __attribute__((noinline)) unsigned long
split(unsigned long m, unsigned int k, unsigned int order, unsigned int list,
      uint32_t *fd)
{
	unsigned int z = zone_of(m), block_list = NR_LISTS;
	bool breaking_block = k >= PAGEBLOCK_ORDER;
	uint32_t f = *fd;

	while (k > order) {
		unsigned long half = 1UL << --k;
		unsigned long keep = m + half; /* the half filed as free */
		uint32_t keep_fd = f == NO_DIRTY ? NO_DIRTY
				   : f >= half	 ? f - half
						 : 0;
		unsigned int lt = LIST_BLOCK;

		if (unlikely(heap_scramble)) {
			uint32_t lower_fd = f < half ? f : NO_DIRTY;

			keep = m;
			m += half;
			f = keep_fd;
			keep_fd = lower_fd;
		} else if (f >= half) {
			f = NO_DIRTY;
		}
		if (k < PAGEBLOCK_ORDER && heap_grouping) {
			if (block_list == NR_LISTS) {
				/* Breaking a free pageblock gives it the requester's type. */
				if (breaking_block)
					pb_type[m >> PAGEBLOCK_ORDER] =
						list == LIST_GUEST
							? PB_GUEST
							: PB_UNMOVABLE;
				block_list = list_for(m, k);
			}
			lt = block_list;
		}
		buddy_insert_z(keep, k, lt, z, keep_fd);
	}
	*fd = f;
	return m;
}

/*
 * Take a chunk of exactly 2^order frames off the free lists, splitting a
 * larger one as needed. Its frames are not yet marked in use. Returns its
 * mfn and its first dirty frame, or NIL.
 */
static __always_inline unsigned long take_chunk(unsigned int order,
						unsigned int memflags,
						unsigned int list,
						uint32_t *first_dirty)
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
		for (unsigned long b = 0;
		     b < (1UL << (order - PAGEBLOCK_ORDER)); b++)
			pb_type[(m >> PAGEBLOCK_ORDER) + b] =
				list == LIST_GUEST ? PB_GUEST : PB_UNMOVABLE;
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
			memset(arch_mfn_to_virt(mfn + i), 0, PAGE_SIZE);
	free_pages -= nr;
}

static __always_inline unsigned long
alloc_heap(unsigned int order, unsigned int memflags, unsigned int list)
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
		unsigned int order = __builtin_ctzl(mfn);

		if (order > MAX_ORDER)
			order = MAX_ORDER;
		while ((1UL << order) > nr)
			order--;
		free_chunk(mfn, order, dirty ? 0 : NO_DIRTY);
		mfn += 1UL << order;
		nr -= 1UL << order;
	}
}

/* ---- the xenheap ---- */

void *alloc_xenheap_pages(unsigned int order, unsigned int memflags)
{
	unsigned long m = alloc_heap(order, memflags, LIST_UNMOVABLE);

	if (m == NIL)
		return NULL;
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
	release_frames(m, 1UL << order, false);
	free_chunk(m, order, NO_DIRTY);
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

struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order,
				      unsigned int memflags)
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
	panic("heap: d%u's mfn %#lx freed twice", d->domain_id, mfn + i);
}

void free_domheap_pages(struct page_info *pg, unsigned int order)
{
	struct domain *d = pg->v.owner;
	unsigned long mfn = mfn_x(page_to_mfn(pg));
	unsigned long n = 1UL << order;

	for (unsigned long i = 0; i < n; i++) {
		if (unlikely(pg[i].v.owner != d ||
			     (pg[i].count_info & (PGC_xen_heap | PGC_inuse)) !=
				     PGC_inuse ||
			     (d && !(pg[i].count_info & PGC_allocated))))
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
		unsigned int o = __builtin_ctzl(tail);
		unsigned long off = tail - m;

		while (tail + (1UL << o) > m + (1UL << order))
			o--;
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
