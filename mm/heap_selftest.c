/* SPDX-License-Identifier: MIT */
/* The heap's promises, checked in the kernel on the machine's real memory. */
#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/domain_page.h>
#include <mica/errno.h>
#include <mica/selftest.h>
#include <mica/vmap.h>

#define N 512

static unsigned long mfn_of(const struct page_info *pg)
{
	return mfn_x(page_to_mfn(pg));
}

/* Allocate N pages one at a time for d; count pairs one frame apart. */
static unsigned int alloc_run(struct selftest_ctx *t, struct domain *d)
{
	unsigned long prev = 0;
	unsigned int adjacent = 0;

	for (unsigned int i = 0; i < N; i++) {
		struct page_info *pg = alloc_domheap_pages(d, 0, MEMF_no_scrub);

		ST_CHECK(t, pg != NULL, "allocation %u failed", i);
		if (!pg)
			break;
		if (i && mfn_of(pg) == prev + 1)
			adjacent++;
		prev = mfn_of(pg);
	}
	return adjacent;
}

SELFTEST(heap, split_hands_out_lower_half)
{
	bool scramble = heap_scramble;
	struct domain d;
	unsigned int adjacent;

	heap_scramble = false;
	domain_mm_init(&d, 1, N);
	adjacent = alloc_run(t, &d);
	/* One 2 MiB block, walked upwards; at most a jump or two between chunks. */
	ST_CHECK(t, adjacent >= N - 3, "%u of %u pairs ascending", adjacent,
		 N - 1);
	ST_CHECK_EQ(t, domain_relinquish_memory(&d), N);
	heap_scramble = scramble;
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(heap, scramble_is_not_contiguous)
{
	bool scramble = heap_scramble;
	struct domain d;

	heap_scramble = true;
	domain_mm_init(&d, 1, N);
	ST_CHECK_EQ(t, alloc_run(t, &d), 0);
	domain_relinquish_memory(&d);
	heap_scramble = scramble;
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(heap, merging_restores_chunks)
{
	static struct page_info *pg[300];
	struct heap_stats before, after;

	heap_get_stats(&before);
	for (unsigned int i = 0; i < ARRAY_SIZE(pg); i++)
		pg[i] = alloc_domheap_pages(NULL, i % 3, MEMF_no_scrub);
	for (unsigned int i = 0; i < ARRAY_SIZE(pg); i++) {
		unsigned int k = (i * 7) % ARRAY_SIZE(pg);

		if (pg[k])
			free_domheap_pages(pg[k], k % 3);
	}
	heap_get_stats(&after);
	ST_CHECK_EQ(t, after.free_pages, before.free_pages);
	ST_CHECK_EQ(t, after.largest_order, before.largest_order);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		ST_CHECK(t, after.free_by_order[o] == before.free_by_order[o],
			 "order %u: %lu free pages, %lu before", o,
			 after.free_by_order[o], before.free_by_order[o]);
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(heap, memf_bits_is_a_limit)
{
	struct page_info *pg[16];

	for (unsigned int i = 0; i < ARRAY_SIZE(pg); i++) {
		pg[i] = alloc_domheap_pages(NULL, i % 2 ? 9 : 0, MEMF_bits(32));
		ST_CHECK(t,
			 pg[i] &&
				 page_to_maddr(pg[i]) + ((PAGE_SIZE << 9) - 1) <
					 (1UL << 32),
			 "MEMF_bits(32) gave %#lx",
			 pg[i] ? page_to_maddr(pg[i]) : 0);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(pg); i++)
		if (pg[i])
			free_domheap_pages(pg[i], i % 2 ? 9 : 0);
	/* Nothing below 1 MiB is ever given to the heap. */
	ST_CHECK(t, alloc_domheap_pages(NULL, 0, MEMF_bits(20)) == NULL,
		 "got memory below 1 MiB");
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(heap, accounting_stops_at_max_pages)
{
	struct domain d;

	domain_mm_init(&d, 2, 10);
	for (unsigned int i = 0; i < 8; i++)
		ST_CHECK(t, alloc_domheap_pages(&d, 0, 0) != NULL, "page %u",
			 i);
	ST_CHECK(t, alloc_domheap_pages(&d, 2, 0) == NULL,
		 "order 2 beyond max_pages");
	ST_CHECK(t, alloc_domheap_pages(&d, 1, 0) != NULL, "last two pages");
	ST_CHECK(t, alloc_domheap_pages(&d, 0, 0) == NULL,
		 "page beyond max_pages");
	ST_CHECK_EQ(t, d.tot_pages, 10);
	ST_CHECK_EQ(t, domain_relinquish_memory(&d), 10);
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(heap, contig_is_exact)
{
	struct heap_stats s0, s1;
	struct page_info *pg;

	heap_get_stats(&s0);
	pg = alloc_contig_pages(5, 4, 0);
	ST_CHECK(t, pg && (mfn_of(pg) % 4) == 0, "contig(5, 4) gave %p", pg);
	if (!pg)
		return;
	heap_get_stats(&s1);
	ST_CHECK_EQ(t, s0.free_pages - s1.free_pages, 5);
	free_contig_pages(pg, 5);
	heap_get_stats(&s1);
	ST_CHECK_EQ(t, s1.free_pages, s0.free_pages);
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(heap, freed_pages_are_scrubbed)
{
	struct domain d;
	struct page_info *pg;
	const uint64_t *p;
	struct heap_stats s;

	domain_mm_init(&d, 3, 1);
	pg = alloc_domheap_pages(&d, 0, 0);
	if (!pg) {
		selftest_error(t, "no memory");
		return;
	}
	/* Domain memory is not mapped without a direct map: map it. */
	p = map_domain_page(page_to_mfn(pg));
	memset((void *)p, 0x5a, PAGE_SIZE);
	free_domheap_pages(pg, 0);
	ST_CHECK(t, pg->count_info & PGC_need_scrub,
		 "freed page not marked dirty");
	/* What the idle loop does, until the page is clean. */
	do
		heap_scrub_some(1024);
	while (pg->count_info & PGC_need_scrub);
	heap_get_stats(&s);
	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		if (p[i] == 0x5a5a5a5a5a5a5a5aUL) {
			ST_CHECK(t, false,
				 "word %u still holds the domain's data", i);
			break;
		}
	unmap_domain_page(p);
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(heap, dump_agrees_with_check)
{
	struct heap_stats s;
	unsigned long sum = 0;

	/* The dump goes into the self-test log, for whoever reads it. */
	heap_dump();
	heap_get_stats(&s);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		sum += s.free_by_order[o];
	ST_CHECK_EQ(t, sum, s.free_pages);
	ST_CHECK(t,
		 s.free_pages <= s.total_pages && s.dirty_pages <= s.free_pages,
		 "free %lu total %lu dirty %lu", s.free_pages, s.total_pages,
		 s.dirty_pages);
	ST_CHECK(t, s.largest_order <= MAX_ORDER, "largest order %u",
		 s.largest_order);
	ST_CHECK_EQ(t, heap_check(), 0);
}

/* alloc_contig_range() claims a free 2 MiB block and gives it back. */
SELFTEST(heap, contig_range_claims_a_block)
{
	struct page_info *pg = alloc_domheap_pages(NULL, PAGEBLOCK_ORDER, 0);
	struct heap_stats s0, s1;
	unsigned long m;

	if (!pg) {
		selftest_skip(t, "no free 2 MiB block");
		return;
	}
	m = mfn_of(pg);
	free_domheap_pages(pg, PAGEBLOCK_ORDER);
	heap_get_stats(&s0);
	ST_CHECK_EQ(t, alloc_contig_range(_mfn(m), PAGEBLOCK_PAGES), 0);
	ST_CHECK_EQ(t, heap_check(), 0);
	heap_get_stats(&s1);
	ST_CHECK_EQ(t, s0.free_pages - s1.free_pages, PAGEBLOCK_PAGES);
	for (unsigned long i = 0; i < PAGEBLOCK_PAGES; i++)
		if (frame_table[m + i].count_info != PGC_inuse) {
			ST_CHECK(t, false, "mfn %#lx: count_info %#lx", m + i,
				 frame_table[m + i].count_info);
			break;
		}
	/* A second claim of it, or of a frame in it, is refused. */
	ST_CHECK_EQ(t, alloc_contig_range(_mfn(m + 7), 1), -EBUSY);
	free_contig_range(_mfn(m), PAGEBLOCK_PAGES);
	heap_get_stats(&s1);
	ST_CHECK_EQ(t, s1.free_pages, s0.free_pages);
	ST_CHECK_EQ(t, s1.free_blocks, s0.free_blocks);
	ST_CHECK_EQ(t, heap_check(), 0);
}

/*
 * A claim of a vmalloc() frame moves the page to another frame on the
 * real page tables: same address, same content.
 */
SELFTEST(heap, contig_range_moves_vmalloc)
{
	uint64_t *v = vmalloc(2 * PAGE_SIZE);
	unsigned long m, now;

	if (!v) {
		selftest_error(t, "vmalloc failed");
		return;
	}
	for (unsigned long i = 0; i < 2 * PAGE_SIZE / 8; i++)
		v[i] = i * 0x9e3779b97f4a7c15UL;
	m = mfn_x(vmap_to_mfn(v + PAGE_SIZE / 8));
	ST_CHECK(t, vmap_can_move(_mfn(m)), "mfn %#lx cannot move", m);
	ST_CHECK_EQ(t, alloc_contig_range(_mfn(m), 1), 0);
	now = mfn_x(vmap_to_mfn(v + PAGE_SIZE / 8));
	ST_CHECK(t, now != m, "the page still maps mfn %#lx", m);
	ST_CHECK(t, vmap_mfn_to_va(_mfn(now)) == v + PAGE_SIZE / 8,
		 "mfn %#lx maps back to %p", now, vmap_mfn_to_va(_mfn(now)));
	for (unsigned long i = 0; i < 2 * PAGE_SIZE / 8; i++)
		if (v[i] != i * 0x9e3779b97f4a7c15UL) {
			ST_CHECK(t, false, "word %lu lost in the move", i);
			break;
		}
	ST_CHECK_EQ(t, frame_table[m].count_info, PGC_inuse);
	ST_CHECK_EQ(t, vmap_check(), 0);
	ST_CHECK_EQ(t, heap_check(), 0);
	free_contig_range(_mfn(m), 1);
	vfree(v);
	ST_CHECK_EQ(t, heap_check(), 0);
}

/* Mica's own frames do not move: the claim changes nothing. */
SELFTEST(heap, contig_range_refuses_unmovable)
{
	void *x = alloc_xenheap_pages(0, 0);
	struct heap_stats s0, s1;
	unsigned long m, b;

	if (!x) {
		selftest_error(t, "no memory");
		return;
	}
	m = arch_virt_to_mfn(x);
	heap_get_stats(&s0);
	ST_CHECK_EQ(t, alloc_contig_range(_mfn(m), 1), -EBUSY);
	/* Its whole block, cut at max_page (the last block of a small machine). */
	b = m & ~(PAGEBLOCK_PAGES - 1);
	ST_CHECK_EQ(
		t,
		alloc_contig_range(_mfn(b), MIN(PAGEBLOCK_PAGES, max_page - b)),
		-EBUSY);
	/* The kernel image is none of the heap's. */
	ST_CHECK_EQ(t, alloc_contig_range(_mfn(0), 1), -EBUSY);
	ST_CHECK_EQ(t, alloc_contig_range(_mfn(max_page), 1), -EINVAL);
	heap_get_stats(&s1);
	ST_CHECK_EQ(t, s1.free_pages, s0.free_pages);
	ST_CHECK_EQ(t, s1.largest_order, s0.largest_order);
	free_xenheap_pages(x, 0);
	ST_CHECK_EQ(t, heap_check(), 0);
}

/* The block map agrees with the free lists on the wholly free blocks. */
SELFTEST(heap, block_map_agrees_with_stats)
{
	char map[64];
	unsigned long b = 0, n, free_blocks = 0;
	struct heap_stats s;

	while ((n = heap_block_map(map, b, ARRAY_SIZE(map)))) {
		for (unsigned long i = 0; i < n; i++)
			free_blocks += map[i] == HEAP_BLOCK_FREE;
		b += n;
	}
	heap_get_stats(&s);
	ST_CHECK_EQ(t, free_blocks, s.free_blocks);
	ST_CHECK_EQ(t, b, (max_page + PAGEBLOCK_PAGES - 1) / PAGEBLOCK_PAGES);
}
