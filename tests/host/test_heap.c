/* SPDX-License-Identifier: MIT */
/*
 * The heap (mm/buddy.c, mm/heap.c, mm/scrub.c) on a host machine: what
 * include/mica/mm.h promises, checked on real sequences.
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

#include "expect_panic.h"

#define GIB_FRAMES (1UL << 18)

static unsigned long mfn_of(const struct page_info *pg)
{
	return mfn_x(page_to_mfn(pg));
}

/*
 * A fresh 2 GiB machine: a naturally aligned 1 GiB chunk above the low
 * GiB's chunks. Its memory starts dirty, as a real machine's does.
 */
static int setup(void **state)
{
	heap_scramble = false;
	heap_grouping = true;
	return host_machine_init(2 * GIB_FRAMES) ? -1 : 0;
}

static int teardown(void **state)
{
	assert_int_equal(heap_check(), 0);
	host_machine_fini();
	return 0;
}

static void ascending_after_splits(void **state)
{
	struct domain d;
	unsigned long prev = 0;

	domain_mm_init(&d, 1, 4096);
	for (int i = 0; i < 4096; i++) {
		struct page_info *pg = alloc_domheap_pages(&d, 0, 0);

		assert_non_null(pg);
		if (i)
			assert_int_equal(mfn_of(pg), prev + 1);
		prev = mfn_of(pg);
	}
	assert_int_equal(domain_relinquish_memory(&d), 4096);
}

static void scramble_is_not_contiguous(void **state)
{
	struct domain d;
	unsigned long prev = 0, adjacent = 0;

	heap_scramble = true;
	domain_mm_init(&d, 1, 4096);
	for (int i = 0; i < 4096; i++) {
		struct page_info *pg = alloc_domheap_pages(&d, 0, 0);

		assert_non_null(pg);
		if (i && mfn_of(pg) == prev + 1)
			adjacent++;
		prev = mfn_of(pg);
	}
	assert_int_equal(adjacent, 0);
	domain_relinquish_memory(&d);
	heap_scramble = false;
}

static void merging_restores_whole_chunks(void **state)
{
	struct heap_stats before, after;
	struct page_info *pgs[3000];

	heap_get_stats(&before);
	assert_int_equal(before.largest_order, MAX_ORDER);
	for (int i = 0; i < 3000; i++) {
		pgs[i] = alloc_domheap_pages(NULL, i % 3, 0);
		assert_non_null(pgs[i]);
	}
	/* Free in a scattered order, so merges happen in every direction. */
	for (int i = 0; i < 3000; i++) {
		int k = (i * 7919) % 3000;

		free_domheap_pages(pgs[k], k % 3);
	}
	heap_get_stats(&after);
	assert_int_equal(after.free_pages, before.free_pages);
	assert_int_equal(after.largest_order, MAX_ORDER);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		assert_int_equal(after.free_by_order[o],
				 before.free_by_order[o]);
}

static void memf_bits_32_stays_below_4gib(void **state)
{
	unsigned long below = 0, n = 0;
	struct page_info *pg;

	host_machine_fini();
	/* 5 GiB: frames above 4 GiB exist and are preferred when unrestricted. */
	assert_int_equal(host_machine_init(5 * GIB_FRAMES), 0);
	pg = alloc_domheap_pages(NULL, 0, 0);
	assert_true(mfn_of(pg) >= (1UL << 20));
	free_domheap_pages(pg, 0);

	for (unsigned long m = 1; m < (1UL << 20); m++)
		below++;
	while ((pg = alloc_domheap_pages(NULL, 9,
					 MEMF_bits(32) | MEMF_no_scrub))) {
		assert_true(mfn_of(pg) + 512 <= (1UL << 20));
		n += 512;
	}
	while ((pg = alloc_domheap_pages(NULL, 0,
					 MEMF_bits(32) | MEMF_no_scrub))) {
		assert_true(mfn_of(pg) < (1UL << 20));
		n++;
	}
	assert_int_equal(n, below);
	/* MEMF_bits(12) leaves nothing to allocate from. */
	assert_null(alloc_domheap_pages(NULL, 0, MEMF_bits(12)));
}

static void accounting_refuses_beyond_max_pages(void **state)
{
	struct domain d;

	domain_mm_init(&d, 7, 100);
	for (int i = 0; i < 98; i++)
		assert_non_null(alloc_domheap_pages(&d, 0, 0));
	assert_null(alloc_domheap_pages(&d, 2, 0)); /* 98 + 4 > 100 */
	assert_non_null(alloc_domheap_pages(&d, 1, 0));
	assert_int_equal(d.tot_pages, 100);
	assert_null(alloc_domheap_pages(&d, 0, 0));
	assert_int_equal(d.tot_pages, 100);

	/* assign_pages cannot overflow tot_pages. */
	{
		struct page_info *pg = alloc_domheap_pages(NULL, 2, 0);
		struct domain big;

		domain_mm_init(&big, 8, ~0UL);
		big.tot_pages = ~0UL - 1;
		assert_int_equal(assign_pages(&big, pg, 2, 0), -ENOMEM);
		free_domheap_pages(pg, 2);
	}
	assert_int_equal(domain_relinquish_memory(&d), 100);
	assert_int_equal(d.tot_pages, 0);
}

static void double_free_is_caught(void **state)
{
	struct page_info *pg = alloc_domheap_pages(NULL, 0, 0);
	struct domain d;

	free_domheap_pages(pg, 0);
	EXPECT_PANIC(free_domheap_pages(pg, 0), "not allocated");

	domain_mm_init(&d, 3, 10);
	pg = alloc_domheap_pages(&d, 0, 0);
	free_domheap_pages(pg, 0);
	EXPECT_PANIC(free_domheap_pages(pg, 0), "not allocated");
	assert_int_equal(d.tot_pages, 0);
}

static void freeing_another_domains_page_is_caught(void **state)
{
	struct domain a, b;
	struct page_info *pa, *pb;

	domain_mm_init(&a, 1, 10);
	domain_mm_init(&b, 2, 10);
	/* Two adjacent pages, one each: freeing them as one chunk is a bug. */
	pa = alloc_domheap_pages(&a, 0, 0);
	pb = alloc_domheap_pages(&b, 0, 0);
	assert_int_equal(mfn_of(pb), mfn_of(pa) + 1);
	EXPECT_PANIC(free_domheap_pages(pa, 1), "d2");
	assert_int_equal(a.tot_pages, 1);
	assert_int_equal(b.tot_pages, 1);
	/* A domheap page is not a xenheap page. */
	EXPECT_PANIC(free_xenheap_pages(arch_mfn_to_virt(mfn_of(pa)), 0),
		     "not a xenheap page");
	domain_relinquish_memory(&a);
	domain_relinquish_memory(&b);
}

static void contig_is_exact(void **state)
{
	struct heap_stats s0, s1;
	static const unsigned long sizes[] = {1, 3, 5, 7, 100, 513, 1000};

	heap_get_stats(&s0);
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned long nr = sizes[i];
		struct page_info *pg = alloc_contig_pages(nr, 1, 0);

		assert_non_null(pg);
		heap_get_stats(&s1);
		assert_int_equal(s0.free_pages - s1.free_pages, nr);
		for (unsigned long k = 0; k < nr; k++)
			assert_true(pg[k].count_info & PGC_inuse);
		assert_int_equal(heap_check(), 0);
		free_contig_pages(pg, nr);
		heap_get_stats(&s1);
		assert_int_equal(s1.free_pages, s0.free_pages);
	}
	/* Alignment is honoured; bad arguments are refused. */
	{
		struct page_info *a = alloc_contig_pages(1, 1, 0);
		struct page_info *pg = alloc_contig_pages(5, 64, 0);

		assert_int_equal(mfn_of(pg) % 64, 0);
		free_contig_pages(pg, 5);
		free_contig_pages(a, 1);
	}
	assert_null(alloc_contig_pages(0, 1, 0));
	assert_null(alloc_contig_pages(5, 3, 0));
	assert_null(alloc_contig_pages((1UL << MAX_ORDER) + 1, 1, 0));
}

static void xenheap_exact_frees_in_parts(void **state)
{
	struct heap_stats s0, s1;
	char *v;

	heap_get_stats(&s0);
	v = alloc_xenheap_pages_exact(5, 0); /* 20 KiB */
	assert_non_null(v);
	heap_get_stats(&s1);
	assert_int_equal(s0.free_pages - s1.free_pages, 5);
	memset(v, 0x11, 5 * PAGE_SIZE);
	/* The middle page, then the tail, then the head: each on its own. */
	free_xenheap_pages_exact(v + 2 * PAGE_SIZE, 1);
	heap_get_stats(&s1);
	assert_int_equal(s0.free_pages - s1.free_pages, 4);
	assert_int_equal(heap_check(), 0);
	free_xenheap_pages_exact(v + 3 * PAGE_SIZE, 2);
	free_xenheap_pages_exact(v, 2);
	heap_get_stats(&s1);
	assert_int_equal(s1.free_pages, s0.free_pages);
	assert_int_equal(heap_check(), 0);
	/* Freed again, or never a xenheap page: caught. */
	EXPECT_PANIC(free_xenheap_pages_exact(v, 1), "not a xenheap page");
	EXPECT_PANIC(free_xenheap_pages_exact(v + 1, 1), "not page aligned");
}

static void freed_domain_pages_are_scrubbed(void **state)
{
	struct domain a, b;
	struct page_info *pg;
	unsigned char *va;
	struct heap_stats s;

	/* A machine with one free frame, so that b must get a's old frame. */
	static const struct host_range one = {5, 6};

	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(8, &one, 1), 0);
	domain_mm_init(&a, 1, 1);
	domain_mm_init(&b, 2, 1);
	pg = alloc_domheap_pages(&a, 0, 0);
	va = arch_mfn_to_virt(mfn_of(pg));
	memset(va, 0x5a, PAGE_SIZE);
	free_domheap_pages(pg, 0);
	heap_get_stats(&s);
	assert_int_equal(s.dirty_pages, 1); /* lazily: not scrubbed yet */
	pg = alloc_domheap_pages(&b, 0, 0);
	assert_ptr_equal(arch_mfn_to_virt(mfn_of(pg)), va);
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		assert_int_not_equal(va[i], 0x5a);
	heap_get_stats(&s);
	assert_int_equal(s.dirty_pages, 0);
	domain_relinquish_memory(&b);

	/* The idle scrubber does the same work in the background. */
	heap_get_stats(&s);
	assert_int_equal(s.dirty_pages, 1);
	assert_int_equal(heap_scrub_some(10), 1);
	heap_get_stats(&s);
	assert_int_equal(s.dirty_pages, 0);
	assert_int_equal(heap_scrub_some(10), 0);
}

static void write_after_free_is_caught(void **state)
{
#ifdef MICA_DEBUG
	void *p = alloc_xenheap_pages(0, 0);

	free_xenheap_pages(p, 0);
	((volatile char *)p)[100] = 1; /* a stale pointer */
	EXPECT_PANIC(alloc_xenheap_pages(0, 0), "written after it was freed");
	/* The heap is mid-allocation after a panic: start afresh. */
	host_machine_fini();
	assert_int_equal(host_machine_init(64), 0);
#else
	skip();
#endif
}

static void grouping_keeps_small_allocations_together(void **state)
{
	enum { SMALL = 1000, GUEST_PER_SMALL = 100 };
	struct heap_stats on, off;
	static void *small[SMALL];
	static struct page_info *guest[SMALL * GUEST_PER_SMALL];

	for (int pass = 0; pass < 2; pass++) {
		heap_grouping = pass == 0;
		host_machine_fini();
		assert_int_equal(host_machine_init(GIB_FRAMES), 0);
		/* Small unmovable allocations interleaved with a guest's pages... */
		for (int i = 0; i < SMALL; i++) {
			small[i] = alloc_xenheap_pages(0, MEMF_no_scrub);
			assert_non_null(small[i]);
			for (int k = 0; k < GUEST_PER_SMALL; k++) {
				guest[i * GUEST_PER_SMALL + k] =
					alloc_domheap_pages(
						NULL, 0,
						MEMF_guest | MEMF_no_scrub);
				assert_non_null(guest[i * GUEST_PER_SMALL + k]);
			}
		}
		/* ...then the guest goes away. */
		for (int i = 0; i < SMALL * GUEST_PER_SMALL; i++)
			free_domheap_pages(guest[i], 0);
		assert_int_equal(heap_check(), 0);
		heap_get_stats(pass == 0 ? &on : &off);
		for (int i = 0; i < SMALL; i++)
			free_xenheap_pages(small[i], 0);
	}
	heap_grouping = true;
	host_machine_fini();
	assert_int_equal(host_machine_init(64), 0);
	printf("free memory in free 2 MiB blocks: grouping on %lu%%, off %lu%%\n",
	       on.free_blocks * PAGEBLOCK_PAGES * 100 / on.free_pages,
	       off.free_blocks * PAGEBLOCK_PAGES * 100 / off.free_pages);
	/* 1000 small pages fit in 2 pageblocks: grouping keeps the rest whole. */
	assert_true(on.free_blocks * PAGEBLOCK_PAGES * 100 / on.free_pages >=
		    99);
	/*
	 * The plain buddy leaves one in every 101 frames of the 40% of memory
	 * the guest used pinned: every pageblock there is lost.
	 */
	assert_true(off.free_blocks * PAGEBLOCK_PAGES * 100 / off.free_pages <
		    70);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(ascending_after_splits),
		T(scramble_is_not_contiguous),
		T(merging_restores_whole_chunks),
		T(memf_bits_32_stays_below_4gib),
		T(accounting_refuses_beyond_max_pages),
		T(double_free_is_caught),
		T(freeing_another_domains_page_is_caught),
		T(contig_is_exact),
		T(xenheap_exact_frees_in_parts),
		T(freed_domain_pages_are_scrubbed),
		T(write_after_free_is_caught),
		T(grouping_keeps_small_allocations_together),
#undef T
	};

	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
