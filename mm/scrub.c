/* SPDX-License-Identifier: MIT */
/*
 * Scrubbing: a domain's freed frames are wiped before anyone else can
 * receive them. Freeing only marks them (PGC_need_scrub, and the chunk's
 * first_dirty); they are wiped by heap_scrub_some() from the idle loop, or
 * by the allocator when it hands a dirty frame out, whichever comes first.
 * So destroying a large domain costs no more than walking its page list.
 */
#include <mica/arch_mm.h>
#include <mica/lib.h>

#include "heap.h"

#define PAGE_WORDS (PAGE_SIZE / sizeof(uint64_t))

/* Free frames are not mapped without a direct map: map each in turn. */
void scrub_page(unsigned long mfn)
{
	uint64_t *p = map_domain_page(_mfn(mfn));

	for (unsigned int i = 0; i < PAGE_WORDS; i++)
		p[i] = SCRUB_PATTERN;
	unmap_domain_page(p);
}

void check_scrubbed(unsigned long mfn)
{
	const uint64_t *p = map_domain_page(_mfn(mfn));

	for (unsigned int i = 0; i < PAGE_WORDS; i++)
		if (p[i] != SCRUB_PATTERN)
			panic("heap: mfn %#lx was written after it was freed (word %u is %#lx)",
			      mfn, i, p[i]);
	unmap_domain_page(p);
}

/*
 * Scrub the dirty frames of the chunk at mfn, at most *budget of them.
 * Returns true when the chunk is clean.
 */
static bool scrub_chunk(unsigned long mfn, unsigned long *budget)
{
	struct page_info *pg = frame_table + mfn;
	unsigned long n = 1UL << pg->u.free.order;

	for (unsigned long i = pg->u.free.first_dirty; i < n; i++) {
		if (!(pg[i].count_info & PGC_need_scrub))
			continue;
		if (!*budget) {
			pg->u.free.first_dirty = (uint32_t)i;
			return false;
		}
		scrub_page(mfn + i);
		pg[i].count_info &= ~PGC_need_scrub;
		dirty_pages--;
		(*budget)--;
	}
	pg->u.free.first_dirty = NO_DIRTY;
	return true;
}

unsigned long heap_scrub_some(unsigned long budget)
{
	unsigned long start = budget;

	for (unsigned int list = 0; list < NR_LISTS && budget && dirty_pages;
	     list++) {
		for (uint64_t zones = buddy_zones(list); zones && budget;) {
			unsigned int z = 63 - __builtin_clzl(zones);

			zones &= ~(1UL << z);
			for (uint32_t orders = buddy_orders(z, list);
			     orders && budget;) {
				unsigned int o = 31 - __builtin_clz(orders);

				orders &= ~(1u << o);
				/* Dirty chunks sit at the tail; stop at the first clean one. */
				for (unsigned long m = buddy_last(z, o, list);
				     m != NIL && budget;) {
					struct page_info *pg = frame_table + m;
					unsigned long prev =
						pg->prev == PAGE_LIST_NULL
							? NIL
							: pg->prev;

					if (pg->u.free.first_dirty == NO_DIRTY)
						break;
					if (scrub_chunk(m, &budget)) {
						buddy_remove(m);
						buddy_insert(m, o, list,
							     NO_DIRTY);
					}
					m = prev;
				}
			}
		}
	}
	return start - budget;
}
