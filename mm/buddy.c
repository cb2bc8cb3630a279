/* SPDX-License-Identifier: MIT */
/*
 * The buddy core: free lists and the bitmaps that find a non-empty one in
 * constant time. Nothing here decides anything; mm/heap.c does.
 *
 * Lists are doubly linked through page_info.next/prev, as frame numbers.
 * For every list type a 64-bit mask says which zones have any chunk, and
 * for every (zone, list type) a 32-bit mask says which orders do: finding
 * the right chunk is a couple of bit scans, never a probe of each list.
 */
#include <mica/lib.h>

#include "buddy.h"

struct page_list_head buddy_heads[NR_LISTS * NR_ZONES * NR_ORDERS];
uint32_t buddy_order_mask[NR_LISTS * NR_ZONES];
uint64_t buddy_zone_mask[NR_LISTS];

#define NIL ((unsigned long)~0UL)

unsigned long buddy_first(unsigned int z, unsigned int order, unsigned int list)
{
	uint32_t h = buddy_heads[BUDDY_SLOT(list, z, order)].head;

	return h == PAGE_LIST_NULL ? NIL : h;
}

unsigned long buddy_last(unsigned int z, unsigned int order, unsigned int list)
{
	uint32_t t = buddy_heads[BUDDY_SLOT(list, z, order)].tail;

	return t == PAGE_LIST_NULL ? NIL : t;
}

unsigned long buddy_next(unsigned long mfn)
{
	uint32_t n = frame_table[mfn].next;

	return n == PAGE_LIST_NULL ? NIL : n;
}

uint64_t buddy_zones(unsigned int list)
{
	return buddy_zone_mask[list];
}

uint32_t buddy_orders(unsigned int z, unsigned int list)
{
	return buddy_order_mask[BUDDY_GROUP(list, z)];
}

/* u.free and the word free_info() builds must agree (little-endian). */
BUILD_BUG_ON(offsetof(struct page_info, u.free.order) !=
	     offsetof(struct page_info, u.type_info));
BUILD_BUG_ON(sizeof(((struct page_info *)0)->u.free) != sizeof(unsigned long));
BUILD_BUG_ON(sizeof(struct page_info) > 32);
BUILD_BUG_ON(BUDDY_SLOT(NR_LISTS, 0, 0) > 0xffff);
BUILD_BUG_ON(BUDDY_GROUP(NR_LISTS, 0) > 0xff);

/* PAGE_LIST_NULL is all ones, so empty lists are set explicitly. */
void buddy_init(void)
{
	memset(buddy_heads, 0xff, sizeof(buddy_heads));
	memset(buddy_order_mask, 0, sizeof(buddy_order_mask));
	memset(buddy_zone_mask, 0, sizeof(buddy_zone_mask));
}
