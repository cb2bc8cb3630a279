/* SPDX-License-Identifier: MIT */
/*
 * The buddy core's interface to the policy around it (mm/heap.c). Private
 * to mm/.
 *
 * Free chunks are filed on lists by (zone, order, list type). Zones are
 * address bands: zone z holds frames whose number has bit length z, i.e.
 * [2^(z-1), 2^z), so a chunk never spans two zones and MEMF_bits(n) is a
 * limit on the zone. List types implement pageblock grouping: whole free
 * 2 MiB blocks (and larger) sit on BLOCK lists; smaller chunks sit on the
 * list of the type of the pageblock they are in. Chunks in isolated
 * pageblocks (mm/contig.c), whole or not, sit on the ISOLATE lists, which no
 * allocation searches.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <mica/mm.h>

/* Frame numbers below 2^32 (16 TiB): lists link frames as 32-bit numbers. */
#define NR_ZONES 33

enum list_type {
	LIST_BLOCK =
		0, /* wholly free pageblocks; everything if grouping is off */
	LIST_UNMOVABLE =
		1, /* in unmovable pageblocks (xenheap, page tables, small) */
	LIST_GUEST = 2,	  /* in guest pageblocks (domain memory) */
	LIST_ISOLATE = 3, /* in isolated pageblocks: never allocated from */
	NR_LISTS
};

static inline unsigned int zone_of(unsigned long mfn)
{
	return mfn ? 64 - __builtin_clzl(mfn) : 0;
}

/* The same for a frame known not to be frame 0. */
static inline unsigned int zone_of_nz(unsigned long mfn)
{
	return 64 - __builtin_clzl(mfn);
}

/* The largest order a chunk of zone z can have. */
static inline unsigned int zone_max_order(unsigned int z)
{
	unsigned int m = z ? z - 1 : 0;

	return m < MAX_ORDER ? m : MAX_ORDER;
}

/* Empty every list. */
void buddy_init(void);

/*
 * The lists and their bitmaps. The hot operations are inline: the order-0
 * fast path is a handful of them and a call each would cost a third of it.
 */
/*
 * The lists, one per (list type, zone, order), in one flat array so that
 * a chunk can record its list as a small index (its slot) and unlinking
 * it needs no arithmetic. Their bitmaps: the orders present per (list type,
 * zone) and the zones present per list type.
 */
#define NR_ORDERS (MAX_ORDER + 1)
#define BUDDY_GROUP(list, z) ((list)*NR_ZONES + (z))
#define BUDDY_SLOT(list, z, order) (BUDDY_GROUP(list, z) * NR_ORDERS + (order))
extern struct page_list_head buddy_heads[NR_LISTS * NR_ZONES * NR_ORDERS];
extern uint32_t buddy_order_mask[NR_LISTS * NR_ZONES]; /* by group */
/*
 * Order bits are exact. Zone bits are a superset: set when a list of the
 * zone gains a chunk, cleared by the searches when they find the zone
 * empty, which keeps them off the free path.
 */
extern uint64_t buddy_zone_mask[NR_LISTS];

/*
 * page_info.u.free as one word, so that filing a chunk is one store. As
 * slot = group * NR_ORDERS + order, the word is linear in order and group:
 * two multiply-adds rather than shifts and ors of each field.
 */
static __always_inline unsigned long
free_info(unsigned int order, unsigned int group, uint32_t first_dirty)
{
	return order * 0x10001UL + group * (0x100UL + NR_ORDERS * 0x10000UL) +
	       ((unsigned long)first_dirty << 32);
}

/*
 * File the chunk [mfn, mfn + 2^order) of zone z on `list`: clean chunks at
 * the head, dirty ones (first_dirty != NO_DIRTY) at the tail.
 */
static __always_inline void buddy_insert_z(unsigned long mfn,
					   unsigned int order,
					   unsigned int list, unsigned int z,
					   uint32_t first_dirty)
{
	struct page_info *pg = frame_table + mfn;
	unsigned int group = BUDDY_GROUP(list, z);
	struct page_list_head *h = &buddy_heads[group * NR_ORDERS + order];
	uint32_t head = h->head;

	pg->count_info |= PGC_free_head;
	pg->u.type_info = free_info(order, group, first_dirty);
	if (unlikely(head == PAGE_LIST_NULL)) {
		pg->next = pg->prev = PAGE_LIST_NULL;
		h->head = h->tail = mfn;
		buddy_order_mask[group] |= 1u << order;
		buddy_zone_mask[list] |= 1UL << z;
	} else if (first_dirty == NO_DIRTY) {
		pg->prev = PAGE_LIST_NULL;
		pg->next = head;
		frame_table[head].prev = mfn;
		h->head = mfn;
	} else {
		pg->next = PAGE_LIST_NULL;
		pg->prev = h->tail;
		frame_table[h->tail].next = mfn;
		h->tail = mfn;
	}
}

static __always_inline void buddy_insert(unsigned long mfn, unsigned int order,
					 unsigned int list,
					 uint32_t first_dirty)
{
	buddy_insert_z(mfn, order, list, zone_of(mfn), first_dirty);
}

/* Unlink the chunk at mfn, with neighbours next and prev, not both null. */
static __always_inline void buddy_unlink(unsigned long mfn, uint32_t next,
					 uint32_t prev)
{
	struct page_list_head *h = &buddy_heads[frame_table[mfn].u.free.slot];

	if (prev != PAGE_LIST_NULL)
		frame_table[prev].next = next;
	else
		h->head = next;
	if (next != PAGE_LIST_NULL)
		frame_table[next].prev = prev;
	else
		h->tail = prev;
}

static __always_inline void buddy_remove(unsigned long mfn)
{
	struct page_info *pg = frame_table + mfn;
	uint32_t next = pg->next, prev = pg->prev;

	if ((next & prev) == PAGE_LIST_NULL) {
		/* It was alone: the list is empty now. */
		buddy_heads[pg->u.free.slot].head =
			buddy_heads[pg->u.free.slot].tail = PAGE_LIST_NULL;
		buddy_order_mask[pg->u.free.group] &= ~(1u << pg->u.free.order);
	} else {
		buddy_unlink(mfn, next, prev);
	}
	pg->count_info &= ~PGC_free_head;
}

/* The list type and zone of a free chunk. */
static inline unsigned int buddy_list_of(const struct page_info *pg)
{
	return pg->u.free.group / NR_ZONES;
}

static inline unsigned int buddy_zone_of(const struct page_info *pg)
{
	return pg->u.free.group % NR_ZONES;
}

static inline uint32_t orders_between(unsigned int lo, unsigned int hi)
{
	return (uint32_t)((2UL << hi) - (1UL << lo));
}

static inline uint64_t zones_upto(unsigned int zmax)
{
	return zmax >= 63 ? ~0UL : (2UL << zmax) - 1;
}

/*
 * The first chunk on the lowest order in `want` that has one in group g,
 * or PAGE_LIST_NULL.
 */
static inline uint32_t buddy_find_in(unsigned int g, uint32_t want)
{
	uint32_t hit = buddy_order_mask[g] & want;

	if (!hit)
		return PAGE_LIST_NULL;
	return buddy_heads[g * NR_ORDERS + __builtin_ctz(hit)].head;
}

/*
 * The first chunk of the highest zone <= zmax holding a chunk on list
 * `list` with order in [lo, hi], taking the lowest such order; ~0UL when
 * there is none. Zone bits found stale are cleared on the way.
 */
static inline unsigned long buddy_find(unsigned int list, unsigned int lo,
				       unsigned int hi, unsigned int zmax)
{
	uint64_t zones = buddy_zone_mask[list] & zones_upto(zmax);
	uint32_t want = orders_between(lo, hi);

	while (zones) {
		unsigned int z = 63 - __builtin_clzl(zones);
		unsigned int g = BUDDY_GROUP(list, z);
		uint32_t m = buddy_find_in(g, want);

		if (m != PAGE_LIST_NULL)
			return m;
		if (!buddy_order_mask[g])
			buddy_zone_mask[list] &= ~(1UL << z);
		zones &= ~(1UL << z);
	}
	return ~0UL;
}

/*
 * The same over two lists: in each zone from the highest down, list a's
 * orders in want_a first, then list b's in want_b.
 */
static inline unsigned long buddy_find2(unsigned int a, uint32_t want_a,
					unsigned int b, uint32_t want_b,
					unsigned int zmax)
{
	uint64_t zones =
		(buddy_zone_mask[a] | buddy_zone_mask[b]) & zones_upto(zmax);

	while (zones) {
		unsigned int z = 63 - __builtin_clzl(zones);
		unsigned int ga = BUDDY_GROUP(a, z), gb = BUDDY_GROUP(b, z);
		uint32_t m = buddy_find_in(ga, want_a);

		if (m != PAGE_LIST_NULL)
			return m;
		m = buddy_find_in(gb, want_b);
		if (m != PAGE_LIST_NULL)
			return m;
		if (!buddy_order_mask[ga])
			buddy_zone_mask[a] &= ~(1UL << z);
		if (!buddy_order_mask[gb])
			buddy_zone_mask[b] &= ~(1UL << z);
		zones &= ~(1UL << z);
	}
	return ~0UL;
}

/* The head of list (z, order, list), or ~0UL. */
unsigned long buddy_first(unsigned int z, unsigned int order,
			  unsigned int list);

/* The tail of list (z, order, list), or ~0UL. */
unsigned long buddy_last(unsigned int z, unsigned int order, unsigned int list);

/* Zones that may have a chunk on `list` (a superset). */
uint64_t buddy_zones(unsigned int list);
/* Orders that have a chunk in zone z on `list`. */
uint32_t buddy_orders(unsigned int z, unsigned int list);
/* The next chunk on the same list, or ~0UL. */
unsigned long buddy_next(unsigned long mfn);

#endif
