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
 * extent can be had from). The map is heap_block_map()'s, in the classes
 * the tools read, run-length encoded in address order: '.' wholly free,
 * 'G' guest frames and free ones, 'U' a frame of mica's (also beside a
 * guest's, or one the heap was never given), 'X' none of the heap's or
 * isolated.
 * It allocates nothing, so that it does not change what it measures.
 */
#include <mica/init.h>
#include <mica/keyhandler.h>
#include <mica/lib.h>
#include <mica/mm.h>

#include "heap.h"

/* heap_block_map()'s classes in the census's letters. */
static char census_class(char c)
{
	switch (c) {
	case HEAP_BLOCK_FREE:
		return '.';
	case HEAP_BLOCK_GUEST:
		return 'G';
	case HEAP_BLOCK_UNMOVABLE:
	case HEAP_BLOCK_MIXED:
		return 'U';
	default:
		return 'X';
	}
}

static void heap_census(unsigned char key)
{
	unsigned long counts[128] = {0}, run = 0, b = 0, n;
	char map[64], prev = 0;

	printk("heap-blocks: n=%lu map=",
	       (max_page + PAGEBLOCK_PAGES - 1) >> PAGEBLOCK_ORDER);
	while ((n = heap_block_map(map, b, ARRAY_SIZE(map)))) {
		for (unsigned long i = 0; i < n; i++) {
			char c = census_class(map[i]);

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
		b += n;
	}
	if (run)
		printk("%c%lu", prev, run);
	printk("\n");
	printk("heap-summary: total_pages=%lu free_pages=%lu free_2m=%lu guest_blocks=%lu unmovable_blocks=%lu other_blocks=%lu split=%s grouping=%s\n",
	       total_pages, free_pages, counts['.'], counts['G'], counts['U'],
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
