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
		switch (pb_type[b] & PB_TYPE_MASK) {
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

unsigned long heap_chunk_at(unsigned long mfn)
{
	/*
	 * The first free head met going down through mfn's aligned starts
	 * decides: a chunk holding mfn holds every start between.
	 */
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		unsigned long h = mfn & ~((1UL << o) - 1);
		const struct page_info *pg = frame_table + h;

		if (pg->count_info & PGC_free_head)
			return pg->u.free.order >= o ? h : NIL;
	}
	return NIL;
}

/* Whether an in-use frame is a domain's. */
static bool guest_frame(const struct page_info *pg)
{
	/* v.owner is the owner unless v holds an address instead. */
	return !(pg->count_info & (PGC_xen_heap | PGC_vmap | PGC_xmalloc)) &&
	       pg->v.owner;
}

static char block_of(unsigned long b)
{
	unsigned long m = b << PAGEBLOCK_ORDER;
	unsigned long end = MIN(m + PAGEBLOCK_PAGES, max_page);
	unsigned long h = heap_chunk_at(m), free = 0;
	/* Frames past max_page are none of the heap's either. */
	bool guest = false, mica = false, absent = end < m + PAGEBLOCK_PAGES;

	if (pb_type[b] & PB_ISOLATED)
		return HEAP_BLOCK_ISOLATED;
	if (h != NIL) {
		free = h + (1UL << frame_table[h].u.free.order) - m;
		m += free;
	}
	while (m < end) {
		const struct page_info *pg = frame_table + m;

		if (pg->count_info & PGC_free_head) {
			free += 1UL << pg->u.free.order;
			m += 1UL << pg->u.free.order;
			continue;
		}
		if (!(pg->count_info & PGC_inuse))
			absent = true; /* not in a chunk, not in use */
		else if (guest_frame(pg))
			guest = true;
		else
			mica = true;
		m++;
	}
	/* Beside the heap's frames, those it does not hold count as mica's. */
	if (absent && !free && !guest && !mica)
		return HEAP_BLOCK_ABSENT;
	mica |= absent;
	if (guest)
		return mica ? HEAP_BLOCK_MIXED : HEAP_BLOCK_GUEST;
	return mica ? HEAP_BLOCK_UNMOVABLE : HEAP_BLOCK_FREE;
}

unsigned long heap_block_map(char *map, unsigned long first, unsigned long nr)
{
	unsigned long blocks =
		(max_page + PAGEBLOCK_PAGES - 1) >> PAGEBLOCK_ORDER;
	unsigned long n = 0;

	for (unsigned long b = first; b < blocks && n < nr; b++)
		map[n++] = block_of(b);
	return n;
}

#define MAP_LINE 64

/* The map, MAP_LINE blocks a line, lines holding none of the heap left out. */
static void dump_map(void)
{
	unsigned long blocks =
		(max_page + PAGEBLOCK_PAGES - 1) >> PAGEBLOCK_ORDER;
	char line[MAP_LINE + 1];

	printk(" pageblock map, 2 MiB a character (F free, G guest, U unmovable, M mixed, I isolated, - none of the heap's):\n");
	for (unsigned long b = 0; b < blocks; b += MAP_LINE) {
		unsigned long n = heap_block_map(line, b, MAP_LINE), i;

		for (i = 0; i < n && line[i] == HEAP_BLOCK_ABSENT; i++)
			;
		if (i == n)
			continue;
		line[n] = '\0';
		printk("heap-map: %lu %s\n", b, line);
	}
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
	dump_map();
}

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond)) {                                      \
			printk(LOG_ERR "heap_check: " __VA_ARGS__); \
			printk("\n");                               \
			return -EIO;                                \
		}                                                   \
	} while (0)

/*
 * Whether the chunk at mfn of the order is on the list its pageblocks say:
 * the isolated list below a block, in an isolated block; otherwise in no
 * isolated block, and with grouping on the block list from a block up (in
 * free blocks) and the list of its block's type below.
 */
static int check_list(unsigned long mfn, unsigned int order, unsigned int list)
{
	unsigned long b = mfn >> PAGEBLOCK_ORDER;
	uint8_t t = pb_type[b];

	if (list == LIST_ISOLATE) {
		CHECK(order < PAGEBLOCK_ORDER && (t & PB_ISOLATED),
		      "chunk %#lx order %u on the isolated list, pageblock type %#x",
		      mfn, order, t);
		return 0;
	}
	for (unsigned long i = 0; i < (1UL << order); i += PAGEBLOCK_PAGES) {
		uint8_t ti = pb_type[(mfn + i) >> PAGEBLOCK_ORDER];

		CHECK(!(ti & PB_ISOLATED),
		      "chunk %#lx order %u on list %u in isolated pageblock %#lx",
		      mfn, order, list, (mfn + i) >> PAGEBLOCK_ORDER);
		CHECK(order < PAGEBLOCK_ORDER || ti == PB_FREE,
		      "free chunk %#lx order %u in pageblock %#lx of type %u",
		      mfn, order, (mfn + i) >> PAGEBLOCK_ORDER, ti);
	}
	if (!heap_grouping) {
		CHECK(list == LIST_BLOCK, "chunk %#lx order %u on list %u", mfn,
		      order, list);
		return 0;
	}
	if (order >= PAGEBLOCK_ORDER) {
		CHECK(list == LIST_BLOCK, "chunk %#lx order %u on list %u", mfn,
		      order, list);
		return 0;
	}
	CHECK(list == (t == PB_GUEST ? LIST_GUEST : LIST_UNMOVABLE),
	      "chunk %#lx order %u on list %u in pageblock %#lx of type %u",
	      mfn, order, list, b, t);
	return 0;
}

/* Each pageblock's byte is a type and the flag, counted in isolated_blocks. */
static int check_blocks(void)
{
	unsigned long blocks =
		(max_page + PAGEBLOCK_PAGES - 1) >> PAGEBLOCK_ORDER;
	unsigned long isolated = 0;

	for (unsigned long b = 0; b < blocks; b++) {
		CHECK((pb_type[b] & PB_TYPE_MASK) <= PB_GUEST &&
			      pb_type[b] < PB_VALUES,
		      "pageblock %#lx: type byte %#x", b, pb_type[b]);
		if (pb_type[b] & PB_ISOLATED)
			isolated++;
	}
	CHECK(isolated == isolated_blocks,
	      "%lu pageblocks isolated, the counter says %lu", isolated,
	      isolated_blocks);
	return 0;
}

int heap_check(void)
{
	unsigned long free_seen = 0, dirty_seen = 0;
	int rc = check_blocks();

	if (rc)
		return rc;

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
					rc = check_list(m, o, list);
					if (rc)
						return rc;
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
					/*
					 * A free buddy of the same order should
					 * have merged, but for the halves of an
					 * isolated block.
					 */
					if (o < zone_max_order(z) &&
					    (list != LIST_ISOLATE ||
					     o < PAGEBLOCK_ORDER - 1)) {
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
