/* SPDX-License-Identifier: MIT */
/*
 * alloc_contig_range(), free_contig_range() and pageblock isolation
 * (mm/contig.c) on a host machine: the contract of include/mica/mm.h and
 * the corner cases of seed 004, each step followed by heap_check().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/host.h>
#include <mica/vmap.h>

#include "expect_panic.h"
#include "heap.h" /* pb_type, the lists, SCRUB_PATTERN */

#define FRAMES (64UL * PAGEBLOCK_PAGES) /* 128 MiB, 64 pageblocks */
#define BLOCK(b) ((unsigned long)(b) << PAGEBLOCK_ORDER)
#define WORDS (PAGE_SIZE / sizeof(uint64_t))

static int setup(void **state)
{
	heap_scramble = false;
	heap_grouping = true;
	return host_machine_init(FRAMES) ? -1 : 0;
}

static int teardown(void **state)
{
	assert_int_equal(heap_check(), 0);
	assert_int_equal(vmap_check(), 0);
	assert_int_equal(isolated_blocks, 0);
	host_machine_fini();
	return 0;
}

#define CHECK_HEAP() assert_int_equal(heap_check(), 0)

/* ---- the whole heap's state, to compare before and after ---- */

struct snap {
	struct page_info *ft;
	uint8_t *pb;
	struct heap_stats st;
};

static void snap_take(struct snap *s)
{
	size_t blocks = (max_page >> PAGEBLOCK_ORDER) + 1;

	s->ft = malloc(max_page * sizeof(*s->ft));
	s->pb = malloc(blocks);
	assert_non_null(s->ft);
	assert_non_null(s->pb);
	memcpy(s->ft, frame_table, max_page * sizeof(*s->ft));
	memcpy(s->pb, pb_type, blocks);
	heap_get_stats(&s->st);
}

static void snap_free(struct snap *s)
{
	free(s->ft);
	free(s->pb);
}

/*
 * The heap is as it was: every pageblock's byte, every frame's flags and
 * owner, every free chunk (its order, list and first dirty frame), the
 * counters. Only the order of chunks within a list may differ, unless
 * exact asks for every byte of the frame table.
 */
static void snap_same(const struct snap *s, bool exact)
{
	struct heap_stats now;

	if (exact) {
		assert_memory_equal(s->ft, frame_table,
				    max_page * sizeof(*s->ft));
	}
	assert_memory_equal(s->pb, pb_type, (max_page >> PAGEBLOCK_ORDER) + 1);
	for (unsigned long m = 0; m < max_page; m++) {
		const struct page_info *a = s->ft + m, *b = frame_table + m;

		if (a->count_info != b->count_info)
			fail_msg("mfn %#lx: count_info %#lx, was %#lx", m,
				 b->count_info, a->count_info);
		if (a->v.owner != b->v.owner)
			fail_msg("mfn %#lx: v %p, was %p", m,
				 (void *)b->v.owner, (void *)a->v.owner);
		if ((a->count_info & (PGC_free_head | PGC_inuse)) &&
		    a->u.type_info != b->u.type_info)
			fail_msg("mfn %#lx: u %#lx, was %#lx", m,
				 b->u.type_info, a->u.type_info);
	}
	heap_get_stats(&now);
	assert_memory_equal(&s->st, &now, sizeof(now));
}

/* ---- helpers ---- */

/* Every frame of [s, s + nr) claimed: in use, nobody's, scrubbed. */
static void expect_claimed(unsigned long s, unsigned long nr)
{
	for (unsigned long m = s; m < s + nr; m++) {
		const uint64_t *p = arch_mfn_to_virt(m);

		assert_int_equal(frame_table[m].count_info, PGC_inuse);
		assert_null(frame_table[m].v.owner);
		for (unsigned int i = 0; i < WORDS; i++)
			if (p[i] != SCRUB_PATTERN)
				fail_msg("claimed mfn %#lx word %u is %#lx", m,
					 i, (unsigned long)p[i]);
	}
}

/* The list the free chunk at mfn is on. */
static unsigned int list_of(unsigned long mfn)
{
	assert_true(frame_table[mfn].count_info & PGC_free_head);
	return buddy_list_of(frame_table + mfn);
}

static char map_of(unsigned long b)
{
	char c;

	assert_int_equal(heap_block_map(&c, b, 1), 1);
	return c;
}

/* Take every free frame at order 0; returns how many, in *pgs. */
static unsigned long take_all(struct page_info ***pgs)
{
	unsigned long n = 0, cap = heap_free_pages() + 1;
	struct page_info **v = malloc(cap * sizeof(*v)), *pg;

	assert_non_null(v);
	while ((pg = alloc_domheap_pages(NULL, 0, MEMF_no_scrub))) {
		assert_true(n < cap);
		v[n++] = pg;
	}
	*pgs = v;
	return n;
}

static void give_back(struct page_info **v, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		free_domheap_pages(v[i], 0);
	free(v);
}

/* ---- claims ---- */

static void claims_a_free_block(void **state)
{
	struct heap_stats before, claimed;
	struct snap s;

	heap_scrub_some(~0UL);
	snap_take(&s);
	heap_get_stats(&before);
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(5)), PAGEBLOCK_PAGES),
			 0);
	CHECK_HEAP();
	expect_claimed(BLOCK(5), PAGEBLOCK_PAGES);
	heap_get_stats(&claimed);
	assert_int_equal(claimed.free_pages, before.free_pages - 512);
	assert_int_equal(claimed.free_blocks, before.free_blocks - 1);
	/* The block is in use now: unmovable, and no longer free. */
	assert_int_equal(pb_type[5], PB_UNMOVABLE);
	assert_int_equal(map_of(5), HEAP_BLOCK_UNMOVABLE);
	assert_int_equal(map_of(4), HEAP_BLOCK_FREE);
	free_contig_range(_mfn(BLOCK(5)), PAGEBLOCK_PAGES);
	CHECK_HEAP();
	/* Back as it was, its type free again: all but the scrubbing. */
	heap_scrub_some(~0UL);
	snap_same(&s, false);
	snap_free(&s);
}

static void claims_an_unaligned_range(void **state)
{
	unsigned long s0 = BLOCK(9) + 100, nr = 2 * PAGEBLOCK_PAGES + 7;
	struct snap s;

	heap_scrub_some(~0UL);
	snap_take(&s);
	assert_int_equal(alloc_contig_range(_mfn(s0), nr), 0);
	CHECK_HEAP();
	expect_claimed(s0, nr);
	/* Exactly the range: the frames beside it in its blocks stay free. */
	assert_false(frame_table[s0 - 1].count_info & PGC_inuse);
	assert_false(frame_table[s0 + nr].count_info & PGC_inuse);
	assert_int_equal(heap_free_pages(), s.st.free_pages - nr);
	for (unsigned long b = 9; b <= 11; b++) {
		assert_int_equal(pb_type[b], PB_UNMOVABLE);
		assert_int_equal(map_of(b), HEAP_BLOCK_UNMOVABLE);
	}
	/* What is left of the blocks is on their lists, not isolated. */
	assert_int_equal(list_of(BLOCK(9)), LIST_UNMOVABLE);
	free_contig_range(_mfn(s0), nr);
	CHECK_HEAP();
	heap_scrub_some(~0UL);
	snap_same(&s, false);
	snap_free(&s);
}

static void neighbouring_requests(void **state)
{
	unsigned long half = PAGEBLOCK_PAGES / 2;
	struct snap s;

	heap_scrub_some(~0UL);
	snap_take(&s);
	/* Two neighbouring blocks, one at a time. */
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(6)), PAGEBLOCK_PAGES),
			 0);
	CHECK_HEAP();
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(7)), PAGEBLOCK_PAGES),
			 0);
	CHECK_HEAP();
	/* A third over both is refused, before anything changes. */
	{
		struct snap mid;

		snap_take(&mid);
		assert_int_equal(alloc_contig_range(_mfn(BLOCK(6) + 300),
						    PAGEBLOCK_PAGES),
				 -EBUSY);
		snap_same(&mid, true);
		snap_free(&mid);
	}
	/* Two halves of one block, each its own claim. */
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(20)), half), 0);
	CHECK_HEAP();
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(20) + half), half), 0);
	CHECK_HEAP();
	expect_claimed(BLOCK(20), PAGEBLOCK_PAGES);
	/* Given back in another order than taken. */
	free_contig_range(_mfn(BLOCK(20)), half);
	free_contig_range(_mfn(BLOCK(7)), PAGEBLOCK_PAGES);
	CHECK_HEAP();
	free_contig_range(_mfn(BLOCK(6)), PAGEBLOCK_PAGES);
	free_contig_range(_mfn(BLOCK(20) + half), half);
	CHECK_HEAP();
	heap_scrub_some(~0UL);
	snap_same(&s, false);
	snap_free(&s);
}

static void claims_the_whole_heap_above_a_block(void **state)
{
	unsigned long s0 = BLOCK(1), nr = FRAMES - BLOCK(1);

	assert_int_equal(alloc_contig_range(_mfn(s0), nr), 0);
	CHECK_HEAP();
	assert_int_equal(heap_free_pages(), PAGEBLOCK_PAGES - 1);
	assert_null(alloc_domheap_pages(NULL, PAGEBLOCK_ORDER, 0));
	free_contig_range(_mfn(s0), nr);
	CHECK_HEAP();
	assert_int_equal(heap_free_pages(), FRAMES - 1);
}

/* ---- refusals ---- */

static void refuses_bad_ranges(void **state)
{
	struct snap s;

	snap_take(&s);
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(3)), 0), -EINVAL);
	assert_int_equal(alloc_contig_range(_mfn(FRAMES), 1), -EINVAL);
	assert_int_equal(alloc_contig_range(_mfn(FRAMES - 10), 11), -EINVAL);
	assert_int_equal(alloc_contig_range(_mfn(5), ~0UL), -EINVAL);
	assert_int_equal(alloc_contig_range(_mfn(~0UL), 2), -EINVAL);
	assert_int_equal(heap_isolate_range(_mfn(FRAMES - 1), 2), -EINVAL);
	assert_int_equal(heap_isolate_range(_mfn(1), 0), -EINVAL);
	/* Frame 0 is never the heap's. */
	assert_int_equal(alloc_contig_range(_mfn(0), 1), -EBUSY);
	snap_same(&s, true);
	snap_free(&s);
	EXPECT_PANIC(free_contig_range(_mfn(FRAMES), 1), "beyond the heap");
	EXPECT_PANIC(heap_unisolate_range(_mfn(BLOCK(2)), 1),
		     "is not isolated");
	EXPECT_PANIC(free_contig_range(_mfn(BLOCK(2)), 1), "is not claimed");
}

/* A claim over an unmovable frame changes nothing at all. */
static void refused(unsigned long s0, unsigned long nr)
{
	struct snap s;

	snap_take(&s);
	assert_int_equal(alloc_contig_range(_mfn(s0), nr), -EBUSY);
	snap_same(&s, true);
	snap_free(&s);
	CHECK_HEAP();
}

static void fails_early_on_unmovable_frames(void **state)
{
	struct domain d;
	struct page_info *dom, *anon;
	void *xen;
	unsigned long m;

	domain_mm_init(&d, 1, 100);
	xen = alloc_xenheap_pages(0, 0);
	dom = alloc_domheap_pages(&d, 0, 0);
	anon = alloc_domheap_pages(NULL, 2, 0);
	assert_non_null(xen);
	assert_non_null(dom);
	assert_non_null(anon);
	CHECK_HEAP();
	m = arch_virt_to_mfn(xen);
	refused(m, 1);
	refused(ROUNDDOWN(m, PAGEBLOCK_PAGES), PAGEBLOCK_PAGES);
	m = mfn_x(page_to_mfn(dom));
	refused(m, 1);
	refused(m > 5 ? m - 5 : 1, 10);
	/* Owned by nobody: a page table, say, or another claim. */
	m = mfn_x(page_to_mfn(anon));
	refused(m + 3, 1);
	refused(BLOCK(1), FRAMES - BLOCK(1));
	free_xenheap_pages(xen, 0);
	free_domheap_pages(anon, 2);
	assert_int_equal(domain_relinquish_memory(&d), 1);
	CHECK_HEAP();
}

static void fails_early_on_holes(void **state)
{
	const struct host_range r[] = {{1, BLOCK(4) + 17}, {BLOCK(5), FRAMES}};

	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(FRAMES, r, 2), 0);
	refused(BLOCK(4) + 17, 1);
	refused(BLOCK(4), PAGEBLOCK_PAGES);
	assert_int_equal(map_of(4), HEAP_BLOCK_UNMOVABLE);
	/* The rest of that block is the heap's, and can be claimed. */
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(4)), 17), 0);
	CHECK_HEAP();
	free_contig_range(_mfn(BLOCK(4)), 17);
	CHECK_HEAP();
}

/* ---- isolation: the thread's corner cases ---- */

/*
 * A free chunk over an isolated block and one that is not: isolating
 * splits it, nothing is allocated from the isolated block, and undoing it
 * merges the chunk back.
 */
static void chunk_over_isolated_and_not(void **state)
{
	struct page_info **all;
	unsigned long n, blocks_before;
	struct heap_stats st;
	struct snap s;

	heap_scrub_some(~0UL);
	snap_take(&s);
	blocks_before = s.st.free_blocks;
	assert_int_equal(heap_isolate_range(_mfn(BLOCK(9) + 5), 1), 0);
	CHECK_HEAP();
	assert_int_equal(isolated_blocks, 1);
	assert_int_equal(pb_type[9], PB_FREE | PB_ISOLATED);
	assert_int_equal(map_of(9), HEAP_BLOCK_ISOLATED);
	/* Its neighbour within the old chunk is a free block on its own. */
	assert_int_equal(frame_table[BLOCK(8)].u.free.order, PAGEBLOCK_ORDER);
	assert_int_equal(list_of(BLOCK(8)), LIST_BLOCK);
	/* The isolated block: two halves on the isolated list. */
	assert_int_equal(frame_table[BLOCK(9)].u.free.order,
			 PAGEBLOCK_ORDER - 1);
	assert_int_equal(list_of(BLOCK(9)), LIST_ISOLATE);
	assert_int_equal(list_of(BLOCK(9) + 256), LIST_ISOLATE);
	heap_get_stats(&st);
	assert_int_equal(st.free_blocks, blocks_before - 1);
	assert_int_equal(st.free_pages, s.st.free_pages);
	/* A second isolation of the block is refused. */
	assert_int_equal(heap_isolate_range(_mfn(BLOCK(8)), 1024), -EBUSY);
	assert_int_equal(isolated_blocks, 1);
	/* Everything else can be had; nothing of block 9. */
	n = take_all(&all);
	assert_int_equal(n, s.st.free_pages - PAGEBLOCK_PAGES);
	for (unsigned long i = 0; i < n; i++)
		assert_int_not_equal(
			mfn_x(page_to_mfn(all[i])) >> PAGEBLOCK_ORDER, 9);
	assert_null(alloc_domheap_pages(NULL, PAGEBLOCK_ORDER - 1, 0));
	assert_null(alloc_xenheap_pages(0, 0));
	assert_null(alloc_contig_pages(1, 1, 0));
	CHECK_HEAP();
	give_back(all, n);
	CHECK_HEAP();
	heap_unisolate_range(_mfn(BLOCK(9)), PAGEBLOCK_PAGES);
	CHECK_HEAP();
	heap_scrub_some(~0UL);
	snap_same(&s, false);
	snap_free(&s);
}

/*
 * A free into a partly isolated chunk: an order-10 allocation over blocks
 * 12 and 13 is freed while only 13 is isolated. Block 12 becomes a free
 * block of its own, 13 joins the isolated list, and nothing merges across.
 */
static void free_into_partly_isolated_chunk(void **state)
{
	struct page_info *pg, *nine;
	struct snap s;

	heap_scrub_some(~0UL);
	snap_take(&s);
	pg = alloc_contig_pages(1024, 1024, 0);
	assert_non_null(pg);
	/* The highest zone first: find the pair it came from. */
	{
		unsigned long b = mfn_x(page_to_mfn(pg)) >> PAGEBLOCK_ORDER;

		assert_int_equal(
			heap_isolate_range(_mfn(BLOCK(b + 1)), PAGEBLOCK_PAGES),
			0);
		CHECK_HEAP();
		free_contig_pages(pg, 1024);
		CHECK_HEAP();
		assert_int_equal(frame_table[BLOCK(b)].u.free.order,
				 PAGEBLOCK_ORDER);
		assert_int_equal(list_of(BLOCK(b)), LIST_BLOCK);
		assert_int_equal(list_of(BLOCK(b + 1)), LIST_ISOLATE);
		assert_int_equal(frame_table[BLOCK(b + 1)].u.free.order,
				 PAGEBLOCK_ORDER - 1);
		assert_int_equal(map_of(b), HEAP_BLOCK_FREE);
		/* A single frame freed into it goes on the isolated list. */
		nine = alloc_domheap_pages(NULL, 0, 0);
		assert_non_null(nine);
		assert_int_not_equal(
			mfn_x(page_to_mfn(nine)) >> PAGEBLOCK_ORDER, b + 1);
		free_domheap_pages(nine, 0);
		CHECK_HEAP();
		heap_unisolate_range(_mfn(BLOCK(b + 1)), PAGEBLOCK_PAGES);
		CHECK_HEAP();
	}
	heap_scrub_some(~0UL);
	snap_same(&s, false);
	snap_free(&s);
}

/*
 * Frames freed into an isolated block, one at a time and through both free
 * paths, stay on the isolated list and merge among themselves only.
 */
static void frees_into_isolated_block(void **state)
{
	static struct page_info *pg[PAGEBLOCK_PAGES];
	struct page_info **all;
	unsigned long b, n;
	struct heap_stats st;

	/* A guest block of single frames, taken in ascending order. */
	for (unsigned long i = 0; i < PAGEBLOCK_PAGES; i++) {
		pg[i] = alloc_domheap_pages(NULL, 0, MEMF_guest);
		assert_non_null(pg[i]);
		assert_int_equal(mfn_x(page_to_mfn(pg[i])),
				 mfn_x(page_to_mfn(pg[0])) + i);
	}
	b = mfn_x(page_to_mfn(pg[0])) >> PAGEBLOCK_ORDER;
	assert_int_equal(mfn_x(page_to_mfn(pg[0])), BLOCK(b));
	assert_int_equal(pb_type[b], PB_GUEST);
	assert_int_equal(heap_isolate_range(_mfn(BLOCK(b)), PAGEBLOCK_PAGES),
			 0);
	for (unsigned long i = 0; i < PAGEBLOCK_PAGES; i += 2)
		free_domheap_pages(pg[i], 0); /* the fast path: no merge */
	CHECK_HEAP();
	assert_int_equal(list_of(BLOCK(b)), LIST_ISOLATE);
	n = take_all(&all);
	for (unsigned long i = 0; i < n; i++)
		assert_int_not_equal(
			mfn_x(page_to_mfn(all[i])) >> PAGEBLOCK_ORDER, b);
	give_back(all, n);
	for (unsigned long i = 1; i < PAGEBLOCK_PAGES; i += 2)
		free_domheap_pages(pg[i], 0); /* merging, up to half a block */
	CHECK_HEAP();
	assert_int_equal(frame_table[BLOCK(b)].u.free.order,
			 PAGEBLOCK_ORDER - 1);
	heap_get_stats(&st);
	assert_int_equal(st.free_pages, FRAMES - 1);
	heap_unisolate_range(_mfn(BLOCK(b)), 1);
	CHECK_HEAP();
	assert_int_equal(pb_type[b], PB_FREE);
	assert_true(frame_table[BLOCK(b) & ~(BLOCK(2) - 1)].u.free.order >
		    PAGEBLOCK_ORDER);
}

/* Isolating with grouping off works the same. */
static void isolation_without_grouping(void **state)
{
	struct snap s;

	heap_grouping = false;
	host_machine_fini();
	assert_int_equal(host_machine_init(FRAMES), 0);
	snap_take(&s);
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(3) + 1), 700), 0);
	CHECK_HEAP();
	assert_int_equal(heap_isolate_range(_mfn(BLOCK(30)), 3), 0);
	CHECK_HEAP();
	assert_int_equal(list_of(BLOCK(30)), LIST_ISOLATE);
	heap_unisolate_range(_mfn(BLOCK(30)), 3);
	free_contig_range(_mfn(BLOCK(3) + 1), 700);
	CHECK_HEAP();
	heap_scrub_some(~0UL);
	{
		struct snap now;

		/* Scrubbed now, it was dirty: compare all but that. */
		snap_take(&now);
		assert_int_equal(now.st.free_pages, s.st.free_pages);
		assert_int_equal(now.st.largest_order, s.st.largest_order);
		assert_memory_equal(now.st.free_by_order, s.st.free_by_order,
				    sizeof(s.st.free_by_order));
		assert_memory_equal(now.pb, s.pb,
				    (max_page >> PAGEBLOCK_ORDER) + 1);
		snap_free(&now);
	}
	snap_free(&s);
	/* The heap files chunks by the policy it was built with. */
	heap_grouping = true;
	host_machine_fini();
	assert_int_equal(host_machine_init(FRAMES), 0);
}

/* ---- moving vmalloc() frames ---- */

static void fill(void *va, unsigned long pages, uint64_t tag)
{
	uint64_t *p = va;

	for (unsigned long i = 0; i < pages * WORDS; i++)
		p[i] = tag ^ (i * 0x9e3779b97f4a7c15UL);
}

static void expect_filled(const void *va, unsigned long pages, uint64_t tag)
{
	const uint64_t *p = va;

	for (unsigned long i = 0; i < pages * WORDS; i++)
		if (p[i] != (tag ^ (i * 0x9e3779b97f4a7c15UL)))
			fail_msg("%p: word %lu lost", va, i);
}

/*
 * The frames of a vmalloc() area move out of a claimed range: same
 * content, same addresses, and the old frames are the claim's. (Its
 * page-table and tree-node frames are unmovable: the range is exactly its
 * frames, which come out ascending.)
 */
static void moves_vmalloc_frames(void **state)
{
	char *v = vmalloc(3 * PAGE_SIZE);
	unsigned long old[3];
	struct heap_stats before, after;

	assert_non_null(v);
	fill(v, 3, 1);
	for (int i = 0; i < 3; i++)
		old[i] = mfn_x(vmap_to_mfn(v + i * PAGE_SIZE));
	assert_int_equal(old[1], old[0] + 1);
	assert_int_equal(old[2], old[0] + 2);
	heap_get_stats(&before);
	assert_int_equal(alloc_contig_range(_mfn(old[0]), 3), 0);
	CHECK_HEAP();
	assert_int_equal(vmap_check(), 0);
	expect_claimed(old[0], 3);
	for (int i = 0; i < 3; i++) {
		mfn_t now = vmap_to_mfn(v + i * PAGE_SIZE);

		assert_true(mfn_x(now) >> PAGEBLOCK_ORDER !=
			    old[0] >> PAGEBLOCK_ORDER);
		assert_ptr_equal(vmap_mfn_to_va(now), v + i * PAGE_SIZE);
		assert_null(vmap_mfn_to_va(_mfn(old[i])));
	}
	expect_filled(v, 3, 1);
	heap_get_stats(&after);
	assert_int_equal(after.free_pages, before.free_pages - 3);
	fill(v, 3, 2);
	expect_filled(v, 3, 2);
	free_contig_range(_mfn(old[0]), 3);
	vfree(v);
	CHECK_HEAP();
	assert_int_equal(heap_free_pages(), FRAMES - 1);
}

/* A claim of one frame moves just that page of a vmalloc area. */
static void moves_one_frame(void **state)
{
	char *v = vmalloc(8 * PAGE_SIZE);
	unsigned long m;

	assert_non_null(v);
	fill(v, 8, 3);
	m = mfn_x(vmap_to_mfn(v + 5 * PAGE_SIZE));
	assert_true(vmap_can_move(_mfn(m)));
	assert_int_equal(alloc_contig_range(_mfn(m), 1), 0);
	CHECK_HEAP();
	assert_int_equal(vmap_check(), 0);
	expect_claimed(m, 1);
	assert_int_not_equal(mfn_x(vmap_to_mfn(v + 5 * PAGE_SIZE)), m);
	expect_filled(v, 8, 3);
	free_contig_range(_mfn(m), 1);
	vfree(v);
	CHECK_HEAP();
	assert_int_equal(heap_free_pages(), FRAMES - 1);
}

/* A 2 MiB vmalloc page moves whole, to another order-9 chunk. */
static void moves_a_2m_page(void **state)
{
	char *v = vmalloc(1UL << 21);
	unsigned long m, b, free_before;
	unsigned int level;

	assert_non_null(v);
	fill(v, PAGEBLOCK_PAGES, 4);
	m = mfn_x(arch_vmap_lookup((unsigned long)v, &level));
	assert_int_equal(level, 2);
	b = m >> PAGEBLOCK_ORDER;
	free_before = heap_free_pages();
	assert_int_equal(alloc_contig_range(_mfn(BLOCK(b) + 40), 2), 0);
	CHECK_HEAP();
	assert_int_equal(vmap_check(), 0);
	m = mfn_x(arch_vmap_lookup((unsigned long)v + 40 * PAGE_SIZE, &level));
	assert_int_equal(level, 2);
	assert_int_not_equal(m >> PAGEBLOCK_ORDER, b);
	expect_filled(v, PAGEBLOCK_PAGES, 4);
	/* A new block taken, the old one given back but for the claim. */
	assert_int_equal(heap_free_pages(), free_before - 2);
	assert_int_equal(map_of(b), HEAP_BLOCK_UNMOVABLE);
	free_contig_range(_mfn(BLOCK(b) + 40), 2);
	vfree(v);
	CHECK_HEAP();
	assert_int_equal(heap_free_pages(), FRAMES - 1);
}

/*
 * With no 2 MiB chunk left, the 2 MiB page is split and only the claimed
 * frame moves, in a 4 KiB page of its own.
 */
static void splits_a_2m_page_without_a_chunk(void **state)
{
	char *v = vmalloc(1UL << 21);
	struct page_info *big[64];
	unsigned long m, b, nbig = 0;
	unsigned int level;

	assert_non_null(v);
	fill(v, PAGEBLOCK_PAGES, 5);
	m = mfn_x(vmap_to_mfn(v + 7 * PAGE_SIZE));
	b = m >> PAGEBLOCK_ORDER;
	while ((big[nbig] = alloc_domheap_pages(NULL, PAGEBLOCK_ORDER, 0)))
		assert_true(++nbig < 64);
	assert_int_equal(alloc_contig_range(_mfn(m), 1), 0);
	CHECK_HEAP();
	assert_int_equal(vmap_check(), 0);
	assert_int_not_equal(mfn_x(arch_vmap_lookup(
				     (unsigned long)v + 7 * PAGE_SIZE, &level)),
			     m);
	assert_int_equal(level, 1);
	assert_int_equal(mfn_x(vmap_to_mfn(v + 8 * PAGE_SIZE)), m + 1);
	assert_int_equal(mfn_x(vmap_to_mfn(v)) >> PAGEBLOCK_ORDER, b);
	expect_filled(v, PAGEBLOCK_PAGES, 5);
	free_contig_range(_mfn(m), 1);
	while (nbig)
		free_domheap_pages(big[--nbig], PAGEBLOCK_ORDER);
	vfree(v);
	CHECK_HEAP();
	assert_int_equal(heap_free_pages(), FRAMES - 1);
}

/*
 * No frame outside the range to move a vmalloc() frame to: -ENOMEM after
 * the isolation, which is undone exactly.
 */
static void out_of_memory_undoes_isolation(void **state)
{
	char *v = vmalloc(2 * PAGE_SIZE);
	unsigned long m, n;
	struct page_info **all;
	struct snap s;

	assert_non_null(v);
	fill(v, 2, 6);
	m = mfn_x(vmap_to_mfn(v));
	n = take_all(&all);
	assert_true(n > 0);
	/* Free frames in the frame's block, where a move may not go. */
	for (unsigned long i = 0; i < n; i++)
		if (mfn_x(page_to_mfn(all[i])) >> PAGEBLOCK_ORDER ==
		    m >> PAGEBLOCK_ORDER) {
			free_domheap_pages(all[i], 0);
			all[i] = all[--n];
			i--;
		}
	CHECK_HEAP();
	snap_take(&s);
	assert_int_equal(alloc_contig_range(_mfn(m), 2), -ENOMEM);
	CHECK_HEAP();
	assert_int_equal(isolated_blocks, 0);
	snap_same(&s, false);
	snap_free(&s);
	assert_int_equal(mfn_x(vmap_to_mfn(v)), m);
	expect_filled(v, 2, 6);
	give_back(all, n);
	vfree(v);
	CHECK_HEAP();
	assert_int_equal(heap_free_pages(), FRAMES - 1);
}

/* ---- the map ---- */

static char said[8192];

static void catch_log(int level, const char *msg)
{
	size_t n = strlen(said);

	snprintf(said + n, sizeof(said) - n, "%s", msg);
}

static void block_map(void **state)
{
	const struct host_range r[] = {{1, BLOCK(40)}, {BLOCK(44), FRAMES}};
	char map[64], want[65];
	struct domain d;
	struct page_info *g;
	void *x;

	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(FRAMES, r, 2), 0);
	domain_mm_init(&d, 1, 10);
	g = alloc_domheap_pages(&d, 0, 0);
	assert_non_null(g);
	x = alloc_xenheap_pages(0, 0);
	assert_non_null(x);
	assert_int_equal(heap_isolate_range(_mfn(BLOCK(50)), 1), 0);
	assert_int_equal(heap_block_map(map, 0, 64), 64);
	memset(want, HEAP_BLOCK_FREE, 64);
	want[64] = '\0';
	want[0] = HEAP_BLOCK_UNMOVABLE; /* frame 0 is none of the heap's */
	memset(want + 40, HEAP_BLOCK_ABSENT, 4);
	want[50] = HEAP_BLOCK_ISOLATED;
	want[mfn_x(page_to_mfn(g)) >> PAGEBLOCK_ORDER] = HEAP_BLOCK_GUEST;
	want[arch_virt_to_mfn(x) >> PAGEBLOCK_ORDER] =
		want[arch_virt_to_mfn(x) >> PAGEBLOCK_ORDER] == HEAP_BLOCK_GUEST
			? HEAP_BLOCK_MIXED
			: HEAP_BLOCK_UNMOVABLE;
	assert_memory_equal(map, want, 64);
	/* Past the end: nothing; from inside: what is left. */
	assert_int_equal(heap_block_map(map, 64, 8), 0);
	assert_int_equal(heap_block_map(map, 60, 8), 4);
	/* heap_dump() prints it as lines a tool can read. */
	said[0] = '\0';
	host_log_hook = catch_log;
	heap_dump();
	host_log_hook = NULL;
	{
		char line[128];

		snprintf(line, sizeof(line), "heap-map: 0 %s\n", want);
		if (!strstr(said, line))
			fail_msg("heap_dump() said \"%s\", not \"%s\"", said,
				 line);
	}
	heap_unisolate_range(_mfn(BLOCK(50)), 1);
	free_xenheap_pages(x, 0);
	domain_relinquish_memory(&d);
	assert_int_equal(map_of(0), HEAP_BLOCK_UNMOVABLE);
	assert_int_equal(map_of(1), HEAP_BLOCK_FREE);
}

/* The heap_dump() lines leave out those holding nothing of the heap. */
static void block_map_skips_holes(void **state)
{
	const struct host_range r[] = {{1, BLOCK(10)},
				       {BLOCK(200), BLOCK(201) + 3}};

	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(BLOCK(256), r, 2), 0);
	said[0] = '\0';
	host_log_hook = catch_log;
	heap_dump();
	host_log_hook = NULL;
	assert_non_null(strstr(said, "heap-map: 0 UFFFFFFFFF-----"));
	assert_null(strstr(said, "heap-map: 64 "));
	assert_null(strstr(said, "heap-map: 128 "));
	/* The block past the heap's last frame is only partly there. */
	assert_non_null(strstr(said, "heap-map: 192 --------FU---"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(claims_a_free_block),
		T(claims_an_unaligned_range),
		T(neighbouring_requests),
		T(claims_the_whole_heap_above_a_block),
		T(refuses_bad_ranges),
		T(fails_early_on_unmovable_frames),
		T(fails_early_on_holes),
		T(chunk_over_isolated_and_not),
		T(free_into_partly_isolated_chunk),
		T(frees_into_isolated_block),
		T(isolation_without_grouping),
		T(moves_vmalloc_frames),
		T(moves_one_frame),
		T(moves_a_2m_page),
		T(splits_a_2m_page_without_a_chunk),
		T(out_of_memory_undoes_isolation),
		T(block_map),
		T(block_map_skips_holes),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
