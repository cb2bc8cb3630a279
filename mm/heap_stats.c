/* SPDX-License-Identifier: MIT */
/* Seeing the heap: statistics, the dump behind debug key 'm', and a checker. */
#include <mica/errno.h>
#include <mica/lib.h>

#include "heap.h"

void heap_get_stats(struct heap_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->total_pages = total_pages;
	s->free_pages = free_pages;
	s->dirty_pages = dirty_pages;
	s->largest_order = -1u;
	for (unsigned int list = 0; list < NR_LISTS; list++)
		for (unsigned int z = 0; z < NR_ZONES; z++)
			for (unsigned int o = 0; o <= MAX_ORDER; o++)
				for (unsigned long m = buddy_first(z, o, list);
				     m != NIL; m = buddy_next(m)) {
					s->free_by_order[o] += 1UL << o;
					if (s->largest_order == -1u ||
					    o > s->largest_order)
						s->largest_order = o;
					if (o >= PAGEBLOCK_ORDER)
						s->free_blocks +=
							1UL
							<< (o -
							    PAGEBLOCK_ORDER);
				}
	for (unsigned long b = 0; b < (max_page >> PAGEBLOCK_ORDER); b++) {
		switch (pb_type[b]) {
		case PB_UNMOVABLE:
			s->blocks_unmovable++;
			break;
		case PB_GUEST:
			s->blocks_guest++;
			break;
		default:
			break;
		}
	}
	s->blocks_free = s->free_blocks;
}

void heap_dump(void)
{
	struct heap_stats s;

	heap_get_stats(&s);
	printk("Heap: %lu of %lu pages free (%lu MiB), %lu dirty; largest chunk order %d; grouping %s, %s split\n",
	       s.free_pages, s.total_pages, s.free_pages >> 8, s.dirty_pages,
	       (int)s.largest_order, heap_grouping ? "on" : "off",
	       heap_scramble ? "scrambled" : "lower-half");
	printk(" pageblocks (2 MiB): %lu wholly free, %lu unmovable, %lu guest; %lu%% of free memory in free pageblocks\n",
	       s.free_blocks, s.blocks_unmovable, s.blocks_guest,
	       s.free_pages
		       ? s.free_blocks * PAGEBLOCK_PAGES * 100 / s.free_pages
		       : 0);
	for (unsigned int z = 0; z < NR_ZONES; z++) {
		unsigned long per[MAX_ORDER + 1] = {0}, sum = 0;

		for (unsigned int list = 0; list < NR_LISTS; list++)
			for (unsigned int o = 0; o <= MAX_ORDER; o++)
				for (unsigned long m = buddy_first(z, o, list);
				     m != NIL; m = buddy_next(m))
					per[o]++;
		for (unsigned int o = 0; o <= MAX_ORDER; o++)
			sum += per[o] << o;
		if (!sum)
			continue;
		printk(" zone %2u [%#lx-%#lx) %lu pages free, chunks by order:",
		       z, z ? (1UL << (z - 1)) << PAGE_SHIFT : 0,
		       (1UL << z) << PAGE_SHIFT, sum);
		for (unsigned int o = 0; o <= MAX_ORDER; o++)
			if (per[o])
				printk(" %u:%lu", o, per[o]);
		printk("\n");
	}
}

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond)) {                                      \
			printk(LOG_ERR "heap_check: " __VA_ARGS__); \
			printk("\n");                               \
			return -EIO;                                \
		}                                                   \
	} while (0)

int heap_check(void)
{
	unsigned long free_seen = 0, dirty_seen = 0;

	for (unsigned int list = 0; list < NR_LISTS; list++)
		for (unsigned int z = 0; z < NR_ZONES; z++)
			for (unsigned int o = 0; o <= MAX_ORDER; o++) {
				unsigned long prev = NIL;
				bool seen_dirty = false;

				for (unsigned long m = buddy_first(z, o, list);
				     m != NIL; m = buddy_next(m)) {
					struct page_info *pg = frame_table + m;
					unsigned long n = 1UL << o;

					CHECK(m < max_page && m + n <= max_page,
					      "chunk %#lx order %u beyond max_page",
					      m, o);
					CHECK(!(m & (n - 1)),
					      "chunk %#lx order %u misaligned",
					      m, o);
					CHECK(zone_of(m) == z &&
						      zone_of(m + n - 1) == z,
					      "chunk %#lx order %u not in zone %u",
					      m, o, z);
					CHECK(pg->count_info & PGC_free_head,
					      "chunk %#lx not marked free", m);
					CHECK(pg->u.free.order == o &&
						      pg->u.free.group ==
							      BUDDY_GROUP(list,
									  z) &&
						      pg->u.free.slot ==
							      BUDDY_SLOT(list,
									 z, o),
					      "chunk %#lx head says order %u group %u slot %u",
					      m, pg->u.free.order,
					      pg->u.free.group,
					      pg->u.free.slot);
					CHECK((pg->prev == PAGE_LIST_NULL
						       ? NIL
						       : pg->prev) == prev,
					      "chunk %#lx: broken back link",
					      m);
					if (heap_grouping)
						CHECK(o >= PAGEBLOCK_ORDER
							      ? list == LIST_BLOCK
							      : list != LIST_BLOCK,
						      "chunk %#lx order %u on list %u",
						      m, o, list);
					/* Clean chunks first, dirty ones after. */
					if (pg->u.free.first_dirty != NO_DIRTY)
						seen_dirty = true;
					else
						CHECK(!seen_dirty,
						      "clean chunk %#lx after a dirty one",
						      m);
					for (unsigned long i = 0; i < n; i++) {
						CHECK(!(pg[i].count_info &
							PGC_inuse),
						      "free chunk %#lx holds in-use mfn %#lx",
						      m, m + i);
						CHECK(i == 0 ||
							      !(pg[i].count_info &
								PGC_free_head),
						      "free chunk %#lx overlaps chunk %#lx",
						      m, m + i);
						if (pg[i].count_info &
						    PGC_need_scrub) {
							dirty_seen++;
							CHECK(i >= pg->u.free.first_dirty,
							      "chunk %#lx: dirty mfn %#lx before first_dirty %u",
							      m, m + i,
							      pg->u.free
								      .first_dirty);
						}
					}
					/* A free buddy of the same order should have merged. */
					if (o < zone_max_order(z)) {
						unsigned long b = m ^ n;

						CHECK(b >= max_page ||
							      !(frame_table[b]
									.count_info &
								PGC_free_head) ||
							      frame_table[b].u.free
									      .order !=
								      o,
						      "chunks %#lx and %#lx (order %u) not merged",
						      m, b, o);
					}
					free_seen += n;
					prev = m;
				}
			}
	CHECK(free_seen == free_pages, "lists hold %lu pages, counter says %lu",
	      free_seen, free_pages);
	CHECK(dirty_seen == dirty_pages, "%lu dirty pages, counter says %lu",
	      dirty_seen, dirty_pages);
	return 0;
}

unsigned long heap_free_pages(void)
{
	return free_pages;
}
