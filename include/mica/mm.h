/* SPDX-License-Identifier: MIT */
/*
 * Machine frames and the heap that hands them out.
 *
 * Every machine frame has a struct page_info in the frame table. The heap
 * (mm/buddy.c for the free lists, mm/heap.c for the policy around them)
 * serves two customers:
 *  - the xenheap: memory mica itself uses, always mapped, returned as a
 *    pointer (alloc_xenheap_pages);
 *  - the domheap: memory for domains (or for mica when it only needs the
 *    frame), returned as a struct page_info * (alloc_domheap_pages).
 *
 * Contract of every allocator here:
 *  - chunks are 2^order frames, naturally aligned, physically contiguous
 *    (alloc_contig_pages: exactly nr frames, aligned as asked);
 *  - frames are handed out scrubbed (zero in release builds, the poison
 *    pattern in debug builds), zero only with MEMF_zero;
 *  - the order in which successive allocations come out is a behaviour,
 *    not a guarantee: by default a split hands out the lower half, so
 *    page-at-a-time allocations ascend in mfn; alloc_order=scramble
 *    deliberately breaks that. Whoever needs contiguity asks for it;
 *  - one CPU at a time, not from interrupt context.
 */
#ifndef MICA_MM_H
#define MICA_MM_H

#include <asm/config.h>
#include <mica/types.h>

/* Frame numbers: boxed in debug builds, so that mixing them is an error. */
#ifdef MICA_DEBUG
typedef struct {
	unsigned long m;
} mfn_t;
typedef struct {
	unsigned long p;
} pfn_t;
#define _mfn(x) ((mfn_t){(x)})
#define mfn_x(x) ((x).m)
#define _pfn(x) ((pfn_t){(x)})
#define pfn_x(x) ((x).p)
#else
typedef unsigned long mfn_t;
typedef unsigned long pfn_t;
#define _mfn(x) ((mfn_t)(x))
#define mfn_x(x) ((unsigned long)(x))
#define _pfn(x) ((pfn_t)(x))
#define pfn_x(x) ((unsigned long)(x))
#endif

#define INVALID_MFN _mfn(~0UL)
#define mfn_eq(a, b) (mfn_x(a) == mfn_x(b))
#define mfn_add(m, i) _mfn(mfn_x(m) + (i))
#define mfn_to_maddr(m) ((paddr_t)mfn_x(m) << 12)
#define maddr_to_mfn(pa) _mfn((pa) >> 12)

struct domain;

/*
 * 32 bytes per frame. The fields mean different things in the frame's
 * different lives: free (in a chunk on a free list), in use by the xenheap,
 * in use by a domain.
 */
struct page_info {
	/*
	 * List linkage, as frame numbers (PAGE_LIST_NULL ends a list): a free
	 * list, a domain's pages, or xmalloc's pools.
	 */
	uint32_t next, prev;

	/* PGC_* flags in the top bits, a reference count below. */
	unsigned long count_info;

	union {
		/* In use: the PV page type and its count (pv issue). */
		unsigned long type_info;
		/*
		 * A page table of the vmap area (arch_vmap_*): how many of
		 * its entries are present, so it is freed when none is.
		 */
		unsigned long pt_used;
		/* Head of a free chunk. */
		struct {
			uint8_t order;
			uint8_t group; /* its (list type, zone) (mm/buddy.h) */
			uint16_t slot; /* its list: (list type, zone, order) */
			uint32_t
				first_dirty; /* first page to scrub, or NO_DIRTY */
		} free;
		/*
		 * In use by xmalloc (PGC_xmalloc): the frames of a large
		 * allocation on its first frame, 0 on the frames of a pool.
		 */
		struct {
			uint32_t nr;
		} xmalloc;
	} u;

	union {
		struct domain *owner; /* in use by a domain */
		unsigned long xen_va; /* in use by the xenheap (vm issue) */
		/*
		 * A vmalloc() frame (PGC_vmap): the address it is mapped at,
		 * for vmap_mfn_to_va(). Frames vmap() maps for a caller
		 * belong to that caller and record nothing here.
		 */
		unsigned long vmap_va;
	} v;
};

#define PAGE_LIST_NULL 0xffffffffu
#define NO_DIRTY 0xffffffffu

/* count_info */
#define PGC_inuse (1UL << 63)	   /* allocated (every page of the chunk) */
#define PGC_free_head (1UL << 62)  /* first page of a free chunk */
#define PGC_need_scrub (1UL << 61) /* free, and holds a domain's data */
#define PGC_xen_heap (1UL << 60)   /* belongs to the xenheap */
#define PGC_allocated (1UL << 59) /* the owner holds its allocation reference */
/*
 * xenheap memory xmalloc manages (mm/xmalloc.c): every frame of a pool, and
 * the first frame of a large allocation (u.xmalloc.nr says which).
 */
#define PGC_xmalloc (1UL << 58)
#define PGC_vmap (1UL << 57) /* vmalloc()'s: v.vmap_va is its address */
#define PGC_count_mask ((1UL << 48) - 1)

struct page_list_head {
	uint32_t head, tail;
};

/* Memory-allocation flags. */
#define MEMF_bits_shift 0 /* low 8 bits: address width, 0 = no limit */
#define MEMF_bits(n) ((unsigned int)(n) << MEMF_bits_shift)
#define MEMF_bits_mask 0xffu
#define MEMF_zero (1u << 8)	 /* zero-filled */
#define MEMF_no_scrub (1u << 9)	 /* dirty pages acceptable (the caller's own) */
#define MEMF_no_owner (1u << 10) /* domheap pages not assigned to d */
#define MEMF_guest (1u << 11)	 /* domain memory: guest pageblocks */
#define MEMF_exact_node 0	 /* no NUMA: accepted, ignored */

#define MAX_ORDER 18	  /* 1 GiB */
#define PAGEBLOCK_ORDER 9 /* 2 MiB */
#define PAGEBLOCK_PAGES (1UL << PAGEBLOCK_ORDER)

/* The frame table, indexed by mfn. */
extern struct page_info *frame_table;
extern unsigned long max_page; /* one past the highest mfn the heap knows */

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
	return frame_table + mfn_x(mfn);
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
	return _mfn((unsigned long)(pg - frame_table));
}

static inline paddr_t page_to_maddr(const struct page_info *pg)
{
	return mfn_to_maddr(page_to_mfn(pg));
}

static inline bool mfn_valid(mfn_t mfn)
{
	return mfn_x(mfn) < max_page;
}

/* ---- the heap ---- */

/* Policy switches: alloc_order=scramble and heap_grouping=off. */
extern bool heap_scramble;
extern bool heap_grouping;

/*
 * Start an empty heap for frames [0, nr_frames). The arch has set up
 * frame_table first, zeroed, with entries for nr_frames rounded up to an
 * even number: the order-0 free path reads the buddy of the last frame
 * without checking it against max_page.
 */
int heap_init(unsigned long nr_frames);

/*
 * Hand [start, end) (page frames) to the heap, marked dirty. Called at boot
 * for every free range, in any order.
 */
void heap_add_range(mfn_t start, mfn_t end);

void *alloc_xenheap_pages(unsigned int order, unsigned int memflags);
void free_xenheap_pages(void *v, unsigned int order);

/*
 * Exactly nr contiguous xenheap frames, mapped (alloc_contig_pages()'s
 * length rule: 20 KiB costs 5 frames). Any page-aligned part of such an
 * allocation can be freed on its own: free_xenheap_pages_exact(v + k pages,
 * n) gives back n frames from there and unmaps them without a direct map.
 */
void *alloc_xenheap_pages_exact(unsigned long nr, unsigned int memflags);
void free_xenheap_pages_exact(void *v, unsigned long nr);

/*
 * Pages for domain d (assigned to it: owner, accounting, its page list,
 * unless MEMF_no_owner), or owned by nobody when d is NULL. NULL when no
 * chunk fits or d would exceed its max_pages.
 */
struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order,
				      unsigned int memflags);
void free_domheap_pages(struct page_info *pg, unsigned int order);
/*
 * Free a domain's frame whose every reference, the allocation reference
 * included, is gone: put_page()'s last (include/mica/pv_mm.h).
 */
void free_domheap_page_released(struct page_info *pg);

/*
 * Exactly nr physically contiguous frames, the first aligned to align
 * frames (a power of two, at least 1). The tail beyond nr of the power-of-
 * two chunk it is cut from goes straight back to the heap. Freed with
 * free_contig_pages(pg, nr). Owned by nobody.
 */
struct page_info *alloc_contig_pages(unsigned long nr, unsigned long align,
				     unsigned int memflags);
void free_contig_pages(struct page_info *pg, unsigned long nr);

/*
 * Give pages already allocated to d: owner, reference, page list, and
 * tot_pages, which never exceeds max_pages (-ENOMEM) nor overflows.
 */
int assign_pages(struct domain *d, struct page_info *pg, unsigned int order,
		 unsigned int memflags);

/*
 * ---- a given physical range on demand (mm/contig.c; docs/contig-range.md) ----
 *
 * alloc_contig_range(start, nr) claims exactly the frames [start, start +
 * nr), as a device window needs them, working at 2 MiB pageblock
 * granularity (seed 004):
 *  - any start and nr: the pageblocks covering the range are isolated
 *    while it works, and only the frames of the range itself must be free
 *    or movable; the rest of those blocks is left as it is. -EINVAL for
 *    nr 0 or a range reaching beyond max_page;
 *  - it fails early, -EBUSY with nothing changed, when the range holds a
 *    frame that cannot move: one the heap was never given (holes, the
 *    image, the boot allocator's: mica's own structures), a domain's, a
 *    xenheap or xmalloc frame, a page table, a frame owned by nobody
 *    (alloc_domheap_pages(NULL), an earlier claim's), or one of the blocks
 *    is isolated already (a claim in progress, heap_isolate_range());
 *  - it moves what can move: free chunks are taken off the free lists, and
 *    vmalloc() frames are copied to frames outside the range and their
 *    vmap address remapped (vmap_move_frame()), content and address kept;
 *  - -ENOMEM when no frame outside is left to move a vmalloc() frame to:
 *    the isolation is undone exactly, each block back to its type and its
 *    free chunks where they belong, and nothing is claimed; the frames
 *    moved before it stay moved (at the same addresses), and a 2 MiB
 *    vmalloc mapping split to move one of its frames stays split;
 *  - on success the caller owns [start, start + nr): in use, owned by
 *    nobody, scrubbed, as alloc_contig_pages() hands frames out. A block
 *    that was wholly free takes the unmovable type; the others keep theirs.
 *    free_contig_range(start, nr) gives the frames back (dirty: the device
 *    wrote them), each on its block's lists, so that a block the claim
 *    left free elsewhere is free again once all of it is back.
 * It takes time linear in the range. One CPU at a time, not from interrupt
 * context, nor on a vmalloc()'d stack inside the range (such frames are
 * not movable while they are in use).
 */
int alloc_contig_range(mfn_t start, unsigned long nr);
/* Every frame must be a claim's, in use and owned by nobody (panics). */
void free_contig_range(mfn_t start, unsigned long nr);

/*
 * The isolation alloc_contig_range() works with, for callers that need a
 * range kept free of new allocations a while, and for tests: the
 * pageblocks covering [start, start + nr) take no allocation until
 * heap_unisolate_range(). Each keeps its type beside the isolation flag;
 * their free chunks go on the isolated lists, split at the boundaries of
 * the isolated blocks, and frames freed into them join those, so that
 * nothing is lost or merged across. Frames in use may stay (nothing is
 * checked). -EINVAL as above, -EBUSY with nothing changed when a block is
 * isolated already. heap_unisolate_range() takes the same blocks back
 * (they must all be isolated: panics otherwise), files their free chunks
 * where they belong, merged with their neighbours.
 */
int heap_isolate_range(mfn_t start, unsigned long nr);
void heap_unisolate_range(mfn_t start, unsigned long nr);

/* Scrub up to budget dirty free pages; returns how many it scrubbed. */
unsigned long heap_scrub_some(unsigned long budget);

/*
 * Kernel only: build the frame table and give the heap every frame the
 * boot allocator has not handed out (mm/frametable.c).
 */
struct boot_info;
void heap_boot_init(const struct boot_info *bi);

/* ---- seeing the heap ---- */

struct heap_stats {
	unsigned long total_pages; /* handed to the heap */
	unsigned long free_pages;
	unsigned long dirty_pages;  /* free, waiting to be scrubbed */
	unsigned long free_blocks;  /* wholly free 2 MiB pageblocks */
	unsigned int largest_order; /* -1u when nothing is free */
	unsigned long free_by_order[MAX_ORDER + 1];
	unsigned long blocks_unmovable, blocks_guest, blocks_free, blocks_mixed;
};

void heap_get_stats(struct heap_stats *s);

/*
 * A map of the heap, one character per 2 MiB pageblock, by what its frames
 * hold now (not by its type); heap_dump() prints it, and docs/contig-range.md
 * describes the lines.
 */
enum heap_block {
	HEAP_BLOCK_ABSENT = '-',    /* no frame of it is the heap's */
	HEAP_BLOCK_FREE = 'F',	    /* every frame free */
	HEAP_BLOCK_GUEST = 'G',	    /* domains' frames, and free ones */
	HEAP_BLOCK_UNMOVABLE = 'U', /* mica's or the heap's absent frames */
	HEAP_BLOCK_MIXED = 'M',	    /* both a domain's and mica's */
	HEAP_BLOCK_ISOLATED = 'I',  /* isolated, whatever it holds */
};
/*
 * Fill map[0..n) with the blocks from block first on (first * 512 is its
 * mfn), n at most nr, stopping at the heap's end; returns n.
 */
unsigned long heap_block_map(char *map, unsigned long first, unsigned long nr);
/* Free frames: heap_get_stats()'s free_pages, without the walk. */
unsigned long heap_free_pages(void);
/* printk: zones, orders, pageblocks, largest chunk, the block map */
void heap_dump(void);

/*
 * Walk every free chunk and check the heap's invariants (aligned, on the
 * right list, flags consistent, counts adding up). Returns 0 or -EIO after
 * printing what is wrong. For tests and the fuzzer.
 */
int heap_check(void);

#endif
