/* SPDX-License-Identifier: MIT */
/*
 * A given physical range on demand (seed 004): pageblock isolation,
 * alloc_contig_range() and free_contig_range(). The contract is in
 * include/mica/mm.h, the design in docs/contig-range.md.
 *
 * Isolation is a flag in each pageblock's pb_type byte beside its type,
 * so that undoing it gives the type back. The chunks of an isolated block
 * sit on the ISOLATE lists, which no allocation searches, and stay below a
 * pageblock (mm/heap.c, free_chunk()): a free chunk never spans an
 * isolated block and one that is not. Isolating or un-isolating blocks
 * takes each free chunk touching them off its list and files it again,
 * which splits it at the blocks' edges or merges it with its neighbours as
 * the new state says.
 *
 * A claim checks the range first and changes nothing when a frame in it
 * cannot move. Then it isolates the blocks, so that nothing new lands in
 * them, moves vmalloc() frames out of the range (the heap hands out the
 * new frames, from outside the isolated blocks), takes the range's free
 * chunks, puts back what of them lies outside the range, and un-isolates
 * the blocks.
 */
#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/vmap.h>

#include "heap.h"

static bool range_ok(unsigned long s, unsigned long nr)
{
	return nr && s < max_page && nr <= max_page - s;
}

/* The pageblocks [*bs, *be) covering [s, s + nr). */
static void blocks_of(unsigned long s, unsigned long nr, unsigned long *bs,
		      unsigned long *be)
{
	*bs = s >> PAGEBLOCK_ORDER;
	*be = ((s + nr - 1) >> PAGEBLOCK_ORDER) + 1;
}

/*
 * Take every free chunk touching the blocks [bs, be) off its list and file
 * it again, so that it lies where the blocks' isolation now says. A chunk
 * reaching outside them is filed in pieces by heap_file_chunk(), which
 * splits at the edge of an isolated block and merges across a block that
 * no longer is.
 */
static void refile_blocks(unsigned long bs, unsigned long be)
{
	unsigned long m = bs << PAGEBLOCK_ORDER;
	unsigned long end = MIN(be << PAGEBLOCK_ORDER, max_page);
	unsigned long h = heap_chunk_at(m);

	if (h != NIL)
		m = h; /* a chunk from below the first block */
	while (m < end) {
		struct page_info *pg = frame_table + m;
		unsigned int order;
		uint32_t fd;

		/* A frame in use, or inside a chunk already filed again. */
		if (!(pg->count_info & PGC_free_head)) {
			m++;
			continue;
		}
		order = pg->u.free.order;
		fd = pg->u.free.first_dirty;
		buddy_remove(m);
		heap_file_chunk(m, order, fd);
		m += 1UL << order;
	}
}

int heap_isolate_range(mfn_t start, unsigned long nr)
{
	unsigned long bs, be;

	if (!range_ok(mfn_x(start), nr))
		return -EINVAL;
	blocks_of(mfn_x(start), nr, &bs, &be);
	for (unsigned long b = bs; b < be; b++)
		if (pb_type[b] & PB_ISOLATED)
			return -EBUSY;
	for (unsigned long b = bs; b < be; b++)
		pb_type[b] |= PB_ISOLATED;
	isolated_blocks += be - bs;
	refile_blocks(bs, be);
	return 0;
}

void heap_unisolate_range(mfn_t start, unsigned long nr)
{
	unsigned long bs, be;

	if (!range_ok(mfn_x(start), nr))
		panic("heap: heap_unisolate_range(%#lx, %lu): beyond the heap",
		      mfn_x(start), nr);
	blocks_of(mfn_x(start), nr, &bs, &be);
	for (unsigned long b = bs; b < be; b++)
		if (!(pb_type[b] & PB_ISOLATED))
			panic("heap: heap_unisolate_range(%#lx, %lu): pageblock %#lx is not isolated",
			      mfn_x(start), nr, b);
	for (unsigned long b = bs; b < be; b++)
		pb_type[b] &= ~PB_ISOLATED;
	isolated_blocks -= be - bs;
	refile_blocks(bs, be);
}

/*
 * Fail early: 0 when every frame of [s, e) is free or a vmalloc() frame
 * that may move, else -EBUSY. It changes nothing.
 */
static int check_range(unsigned long s, unsigned long e)
{
	unsigned long m = s, h = heap_chunk_at(s);

	if (h != NIL)
		m = h + (1UL << frame_table[h].u.free.order);
	while (m < e) {
		const struct page_info *pg = frame_table + m;

		if (pg->count_info & PGC_free_head) {
			m += 1UL << pg->u.free.order;
			continue;
		}
		/* In use, or never the heap's (not in a chunk, not in use). */
		if (!vmap_can_move(_mfn(m)))
			return -EBUSY;
		m++;
	}
	return 0;
}

/* Move every vmalloc() frame out of [s, e), whose blocks are isolated. */
static int move_range(unsigned long s, unsigned long e)
{
	for (unsigned long m = s; m < e; m++) {
		const struct page_info *pg = frame_table + m;
		int rc;

		if (pg->count_info & PGC_free_head) {
			m += (1UL << pg->u.free.order) - 1;
			continue;
		}
		/* Free frames, inside chunks, once moves have filled them. */
		if (!(pg->count_info & PGC_inuse))
			continue;
		rc = vmap_move_frame(_mfn(m));
		if (rc)
			return rc;
	}
	return 0;
}

/* The first frame of the 2^order frames from mfn that needs a scrub. */
static uint32_t first_dirty_of(unsigned long mfn, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++)
		if (frame_table[mfn + i].count_info & PGC_need_scrub)
			return (uint32_t)i;
	return NO_DIRTY;
}

/* File the free frames [s, e), off any list, as naturally aligned chunks. */
static void refile_frames(unsigned long s, unsigned long e)
{
	while (s < e) {
		unsigned int order = aligned_order(s, e - s);

		heap_file_chunk(s, order, first_dirty_of(s, order));
		s += 1UL << order;
	}
}

/*
 * Claim [s, e), every frame of it free in isolated blocks: each chunk
 * touching it comes off its list, the part inside is claimed and the rest
 * filed again.
 */
static void take_range(unsigned long s, unsigned long e)
{
	unsigned long m = s;

	while (m < e) {
		unsigned long h = heap_chunk_at(m), a, b, end;

		if (h == NIL)
			panic("heap: alloc_contig_range: mfn %#lx is not free",
			      m);
		end = h + (1UL << frame_table[h].u.free.order);
		buddy_remove(h);
		a = MAX(h, s);
		b = MIN(end, e);
		heap_claim_frames(a, b - a);
		refile_frames(h, a);
		refile_frames(b, end);
		m = b;
	}
}

int alloc_contig_range(mfn_t start, unsigned long nr)
{
	unsigned long s = mfn_x(start), bs, be;
	int rc;

	if (!range_ok(s, nr))
		return -EINVAL;
	rc = check_range(s, s + nr);
	if (!rc)
		rc = heap_isolate_range(start, nr);
	if (rc)
		return rc;
	rc = move_range(s, s + nr);
	if (!rc) {
		take_range(s, s + nr);
		/* A block with frames in use is no longer free. */
		blocks_of(s, nr, &bs, &be);
		for (unsigned long b = bs; b < be; b++)
			if ((pb_type[b] & PB_TYPE_MASK) == PB_FREE)
				pb_type[b] = PB_UNMOVABLE | PB_ISOLATED;
	}
	heap_unisolate_range(start, nr);
	return rc;
}

void free_contig_range(mfn_t start, unsigned long nr)
{
	unsigned long s = mfn_x(start);

	if (!range_ok(s, nr))
		panic("heap: free_contig_range(%#lx, %lu): beyond the heap", s,
		      nr);
	for (unsigned long i = 0; i < nr; i++) {
		const struct page_info *pg = frame_table + s + i;

		if (pg->count_info != PGC_inuse || pg->v.owner)
			panic("heap: free_contig_range(%#lx, %lu): mfn %#lx is not claimed (count_info %#lx)",
			      s, nr, s + i, pg->count_info);
	}
	free_contig_pages(mfn_to_page(start), nr);
}
