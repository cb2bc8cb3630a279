/* SPDX-License-Identifier: MIT */
/*
 * The vmap area: virtually contiguous mappings inside the hypervisor's
 * range (VMAP_VIRT_START..VMAP_VIRT_END, 64 GiB in L4 slot 261; on the
 * host, a reservation of tools/host/machine.c). mm/vmap.c.
 *
 *  - vmap(mfns, nr) maps frames the caller holds, in the order given, at a
 *    fresh address; vunmap() takes the mapping down. The frames stay the
 *    caller's and record nothing.
 *  - vmalloc(size) gives size bytes rounded up to whole pages, virtually
 *    contiguous and page aligned, not physically contiguous: frames from
 *    the domheap, owned by nobody, taken one page at a time. A vmalloc of
 *    2 MiB or more starts on a 2 MiB boundary, and each whole 2 MiB of it
 *    is one 2 MiB page of an order-9 chunk when the heap has one (4 KiB
 *    pages otherwise). The memory is scrubbed as the heap hands it out,
 *    not zeroed (the poison pattern in debug builds); vzalloc's is zero.
 *    vfree() unmaps it and gives the frames back.
 *  - vunmap_range() unmaps part of either kind (freeing vmalloc's frames
 *    there). The range stays the area's, unmapped, so a stale access
 *    faults and is reported as the area's; when the last mapped page of an
 *    area goes, the area goes with it, as after vunmap()/vfree().
 *
 * Every area has an unmapped guard page on each side: the page after it
 * is its own, the page before it is free space or the guard of the area
 * below (the first page of the vmap area is never handed out). A fault in
 * the vmap area is reported with the area it hit, its range and who
 * allocated it (vmap_describe(), kernel/traps.c).
 *
 * Addresses are handed out lowest first: the lowest free range that fits,
 * or for a 2 MiB-aligned request the lowest that fits however it is
 * aligned (2 MiB - 4 KiB more than the request). The ranges of the area,
 * free and in use, are the nodes of one AVL tree keyed by address, each
 * node knowing the largest free range below it: an allocation, a free or
 * a lookup is O(log n) in the number n of areas, whatever their layout.
 * The nodes come from heap pages of their own, each page returned to the
 * heap when its last node is freed.
 *
 * Errors: NULL or -errno, with nothing changed. An allocation that runs
 * out of virtual space, frames or page-table memory half-way unwinds what
 * it did: the heap's free count is back where it was. Freeing what is not
 * an area of the right kind (a double vfree, vfree of vmap() memory) is a
 * hypervisor bug and panics, naming what the address is.
 *
 * Context: one CPU at a time, not from interrupt context (the heap's).
 * Mappings are present, writable, NX, global, write-back.
 */
#ifndef MICA_VMAP_H
#define MICA_VMAP_H

#include <mica/mm.h>

/*
 * The arch, once the heap works: the area is [start, start + pages 4 KiB
 * pages), start 2 MiB-aligned, reserved and unmapped. Forgets any previous
 * area (the host makes a fresh machine for each test).
 */
void vmap_init(unsigned long start, unsigned long pages);

/* nr frames mapped in order; NULL when nr is 0 or space or memory ran out. */
void *vmap(const mfn_t *mfns, unsigned int nr);

/* Unmap what vmap() returned (va its start); the frames stay the caller's. */
void vunmap(const void *va);

/*
 * Unmap the nr pages from va, which lie inside one area (guards excluded),
 * va page-aligned; vmalloc's frames there go back to the heap. Returns the
 * pages of the area still mapped (0: the area is gone), -EINVAL for a
 * range that is not inside one area, or -ENOMEM with nothing unmapped (a
 * 2 MiB page at an end of the range had to be split, and the page table
 * for that could not be had; a split already made at the other end stays,
 * mapping the same frames).
 */
int vunmap_range(const void *va, unsigned long nr);

void *vmalloc(size_t size);
void *vzalloc(size_t size);
/* Free what vmalloc()/vzalloc() returned; NULL is ignored. */
void vfree(void *va);

/*
 * vmalloc() for allocators built on it (xvmalloc): memflags MEMF_zero or
 * 0, and the area recorded as allocated by caller, their own caller.
 */
void *__vmalloc(size_t size, unsigned int memflags, unsigned long caller);

/* Whether va lies in the vmap area (mapped or not). Constant time. */
bool is_vmap_address(const void *va);

/* The frame mapped at va (any byte of the page), or INVALID_MFN. */
mfn_t vmap_to_mfn(const void *va);

static inline struct page_info *vmap_to_page(const void *va)
{
	mfn_t m = vmap_to_mfn(va);

	return mfn_eq(m, INVALID_MFN) ? NULL : mfn_to_page(m);
}

/*
 * The reverse: where frame mfn is mapped in the vmap area. Only vmalloc()
 * frames have such an address (PGC_vmap, page_info.v.vmap_va: they are
 * mapped exactly once, by the vmap area); NULL for any other frame, also
 * for frames mapped with vmap(), which belong to their caller and may be
 * mapped several times.
 */
void *vmap_mfn_to_va(mfn_t mfn);

/*
 * vmalloc() memory is virtually, not physically, placed: its frames may
 * move (alloc_contig_range()), its addresses stay. Whoever keeps a frame
 * number must own the frame (vmap(), alloc_domheap_pages()).
 *
 * vmap_can_move(mfn): whether mfn is a vmalloc() frame mapped at its
 * address that may move now: not one of the stack this CPU runs on, whose
 * latest writes a copy could miss.
 *
 * vmap_move_frame(mfn) moves such a frame to one the heap hands out now
 * (the caller has isolated mfn's pageblock, so that it is another's),
 * copying it and remapping its address (arch_vmap_move()); the old frame
 * goes back to the heap, dirty. A frame of a 2 MiB mapping moves with the
 * 511 others to an order-9 chunk when the heap has one; else the mapping
 * is split to 4 KiB pages and the frame moves alone. 0, -EBUSY for a frame
 * that cannot move, or -ENOMEM with nothing moved (a split already made
 * stays, mapping the same frames).
 */
bool vmap_can_move(mfn_t mfn);
int vmap_move_frame(mfn_t mfn);

/* What an address in the vmap area is, for the fault report and tests. */
enum vmap_place {
	VMAP_OUTSIDE,	  /* not in the vmap area */
	VMAP_MAPPED,	  /* a mapped page of the area */
	VMAP_UNMAPPED,	  /* a page of the area that vunmap_range() took */
	VMAP_GUARD_BELOW, /* the guard page just below the area */
	VMAP_GUARD_ABOVE, /* the guard page just above the area */
	VMAP_FREE, /* free space; the area, if any, is the nearest below */
};

struct vmap_where {
	enum vmap_place place;
	bool has_area;	     /* the fields below describe an area */
	bool vmalloc;	     /* vmalloc()'s, else vmap()'s */
	unsigned long start; /* its first page */
	unsigned long pages; /* its length in pages, guard pages excluded */
	unsigned long mapped;
	unsigned long caller; /* the return address of its vmap/vmalloc call */
	/*
	 * VMAP_MAPPED, VMAP_UNMAPPED: the page's index in the area;
	 * VMAP_FREE: how many pages past the area's guard page it is.
	 */
	unsigned long offset;
};

/* Describe va; false (and VMAP_OUTSIDE) when it is not in the vmap area. */
bool vmap_describe(unsigned long va, struct vmap_where *w);

struct vmap_stats {
	unsigned long start, pages; /* the vmap area */
	unsigned long areas;
	unsigned long reserved_pages; /* in areas, guard pages included */
	unsigned long mapped_pages;
	unsigned long largest_free; /* pages in the largest free range */
	unsigned long nodes;	    /* tree nodes: areas and free ranges */
	unsigned long pool_pages;   /* heap pages holding the nodes */
	unsigned int height;	    /* of the tree */
};

void vmap_get_stats(struct vmap_stats *s);

/*
 * Check every invariant: the tree (order, AVL balance, each node's largest
 * free range, ranges tiling the area with free ranges merged), the counts,
 * each area's mapped pages against the page tables, its guard page
 * unmapped, each vmalloc frame's PGC_vmap and address. Returns 0 or -EIO
 * after printing what is wrong. For tests and the fuzzer: it looks up
 * every page of every area.
 */
int vmap_check(void);

#endif
