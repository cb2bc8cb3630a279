/* SPDX-License-Identifier: MIT */
/*
 * A parseable picture of the heap, for tools and for guests that ask for
 * it through sysctl debug_keys: debug key 'p' prints two lines,
 *
 *   heap-summary: total_pages=T free_pages=F free_2m=B guest_blocks=G
 *                 unmovable_blocks=U other_blocks=X split=lower|scramble
 *                 grouping=on|off
 *   heap-blocks: n=N map=<class><count>...
 *
 * free_2m is the number of wholly free 2 MiB pageblocks (what a 2 MiB
 * extent can be had from). The map classifies each pageblock by what it
 * holds, run-length encoded in address order: '.' wholly free, 'U' at
 * least one hypervisor frame (xenheap, xmalloc, vmap, unowned domheap),
 * 'G' guest frames and no hypervisor one, 'X' neither allocated nor
 * wholly free (outside the heap: firmware, mica's image, boot-time
 * allocations, holes, or a heap block's free remainder beside them).
 * It allocates nothing, so that it does not change what it measures.
 */
#include <mica/init.h>
#include <mica/keyhandler.h>
#include <mica/lib.h>

#include "heap.h"

/* Free frames per pageblock; beyond this many blocks the map is cut. */
#define CENSUS_BLOCKS 8192
static uint16_t census_free[CENSUS_BLOCKS];

static char classify(unsigned long b)
{
	unsigned long first = b << PAGEBLOCK_ORDER;
	bool guest = false;

	if (census_free[b] == PAGEBLOCK_PAGES)
		return '.';
	for (unsigned long m = first;
	     m < first + PAGEBLOCK_PAGES && m < max_page; m++) {
		const struct page_info *pg = frame_table + m;
		unsigned long c = pg->count_info;

		if (!(c & PGC_inuse))
			continue;
		if ((c & (PGC_xen_heap | PGC_xmalloc | PGC_vmap)) ||
		    !pg->v.owner)
			return 'U';
		guest = true;
	}
	return guest ? 'G' : 'X';
}

static void heap_census(unsigned char key)
{
	unsigned long nblocks = max_page >> PAGEBLOCK_ORDER, counts[128] = {0};
	unsigned long run = 0, free_2m = 0;
	char prev = 0;

	if (nblocks > CENSUS_BLOCKS)
		nblocks = CENSUS_BLOCKS;
	memset(census_free, 0, sizeof(census_free));
	for (unsigned int list = 0; list < NR_LISTS; list++)
		for (unsigned int z = 0; z < NR_ZONES; z++)
			for (unsigned int o = 0; o <= MAX_ORDER; o++)
				for (unsigned long m = buddy_first(z, o, list);
				     m != NIL; m = buddy_next(m)) {
					unsigned long b = m >> PAGEBLOCK_ORDER;

					if (o < PAGEBLOCK_ORDER) {
						if (b < nblocks)
							census_free[b] += 1u
									  << o;
						continue;
					}
					free_2m += 1UL << (o - PAGEBLOCK_ORDER);
					for (unsigned long i = 0;
					     i < (1UL
						  << (o - PAGEBLOCK_ORDER)) &&
					     b + i < nblocks;
					     i++)
						census_free[b + i] =
							PAGEBLOCK_PAGES;
				}
	printk("heap-blocks: n=%lu%s map=", nblocks,
	       nblocks < (max_page >> PAGEBLOCK_ORDER) ? " cut" : "");
	for (unsigned long b = 0; b <= nblocks; b++) {
		char c = b < nblocks ? classify(b) : 0;

		counts[(unsigned char)c]++;
		if (c == prev) {
			run++;
			continue;
		}
		if (run)
			printk("%c%lu", prev, run);
		prev = c;
		run = 1;
	}
	printk("\n");
	printk("heap-summary: total_pages=%lu free_pages=%lu free_2m=%lu guest_blocks=%lu unmovable_blocks=%lu other_blocks=%lu split=%s grouping=%s\n",
	       total_pages, free_pages, free_2m, counts['G'], counts['U'],
	       counts['X'], heap_scramble ? "scramble" : "lower",
	       heap_grouping ? "on" : "off");
}

static int heap_census_init(void)
{
	keyhandler_register(
		'p', heap_census,
		"pageblock census: heap-summary and heap-blocks lines");
	return 0;
}
__initcall(heap_census_init, INIT_LATE);
