/* SPDX-License-Identifier: MIT */
/*
 * xmalloc: memory for mica's own objects, from a byte to many pages
 * (mm/xmalloc.c).
 *
 *     struct vcpu *v = xzalloc(struct vcpu);
 *     uint64_t *t = xmalloc_array(uint64_t, n);
 *     ...
 *     xfree(t);
 *
 * Contract:
 *  - The memory is physically contiguous (the seed-001 thread settled it:
 *    callers may rely on it) and xenheap memory: always mapped, mica's own,
 *    never a guest's. An allocation of n bytes occupies [p, p + n) of one
 *    machine-contiguous range.
 *  - Aligned to XMALLOC_ALIGN (16) bytes, enough for any C type; _xmalloc()
 *    and the typed macros align to any power of two up to PAGE_SIZE.
 *    Requests of XMALLOC_SMALL_MAX + 1 bytes or more are page-aligned and
 *    take exactly ceil(size / PAGE_SIZE) frames from the heap's exact-length
 *    path (alloc_xenheap_pages_exact): 20 KiB costs 5 frames, never 8.
 *  - The contents are undefined unless zeroed (xzalloc*): debug builds fill
 *    freed and fresh small blocks with XMALLOC_POISON.
 *  - Failure (no memory, a size that overflows, an alignment that is not a
 *    power of two or exceeds PAGE_SIZE) returns NULL and changes nothing.
 *  - Constant time below a page: a TLSF allocator (Masmano et al.) with 8
 *    bytes of overhead per block. Its pools are single xenheap pages, taken
 *    from the heap as needed and handed back when wholly free (xmalloc keeps
 *    at most one empty pool while others are in use, none once nothing is).
 *  - One CPU at a time, not from interrupt context: the heap's rules.
 *  - xfree(NULL) does nothing. Freeing a pointer xmalloc did not return, or
 *    freeing twice, is a bug: debug builds (MICA_DEBUG) panic saying which,
 *    and catch writes to freed memory when it is next handed out.
 *
 * Use alloc_xenheap_pages() for naturally aligned power-of-two chunks and
 * alloc_domheap_pages() for frames that need no mapping (include/mica/mm.h).
 */
#ifndef MICA_XMALLOC_H
#define MICA_XMALLOC_H

#include <mica/types.h>

#define XMALLOC_ALIGN 16
/* The largest request served from the pools; beyond it, whole pages. */
#define XMALLOC_SMALL_MAX 4024
/* What debug builds fill free and fresh small blocks with. */
#define XMALLOC_POISON 0x6b

void *xmalloc_bytes(size_t size);
void *xzalloc_bytes(size_t size);

/* align: a power of two up to PAGE_SIZE; 0 means XMALLOC_ALIGN. */
void *_xmalloc(size_t size, size_t align);
void *_xzalloc(size_t size, size_t align);
/* num elements of size bytes; NULL when num * size overflows. */
void *_xmalloc_array(size_t size, size_t align, size_t num);
void *_xzalloc_array(size_t size, size_t align, size_t num);

#define xmalloc(type) ((type *)_xmalloc(sizeof(type), __alignof__(type)))
#define xzalloc(type) ((type *)_xzalloc(sizeof(type), __alignof__(type)))
#define xmalloc_array(type, num) \
	((type *)_xmalloc_array(sizeof(type), __alignof__(type), (num)))
#define xzalloc_array(type, num) \
	((type *)_xzalloc_array(sizeof(type), __alignof__(type), (num)))

/*
 * Resize p (from any of the above, or NULL: then it is xmalloc_bytes) to
 * size bytes, keeping its contents up to the smaller size; XMALLOC_ALIGN
 * alignment, whatever p had. In place when the block can shrink or absorb
 * its free neighbour. On failure NULL, and p is untouched. Size 0 keeps a
 * minimal block (free it with xfree).
 */
void *xrealloc(void *p, size_t size);

void xfree(void *p);

/* ---- seeing xmalloc ---- */

struct xmalloc_stats {
	unsigned long pool_pages;  /* pages the pools hold */
	unsigned long used_blocks; /* small allocations live */
	unsigned long used_bytes;  /* their blocks, headers included */
	unsigned long free_blocks;
	unsigned long free_bytes;   /* in the pools' free blocks */
	unsigned long largest_free; /* the largest free block, bytes */
	unsigned long empty_pools;  /* wholly free, kept: 0 or 1 */
	unsigned long large_allocs; /* page-sized allocations live */
	unsigned long large_pages;  /* the frames they hold */
};

/* Walks the pools: for tests, debug keys and benchmarks. */
void xmalloc_get_stats(struct xmalloc_stats *s);
/* The pages the pools hold now, in constant time. */
unsigned long xmalloc_pool_pages(void);

/*
 * Walk every pool block by block and every free list, and check the
 * allocator's invariants (sizes, flags and boundary tags agree, no two free
 * blocks adjacent, each free block on the list of its size class and the
 * bitmaps saying so, at most one empty pool; in debug builds the poison of
 * free blocks and the blocks' check words). Returns 0 or -EIO after
 * printing what is wrong. For tests and the fuzzer.
 */
int xmalloc_check(void);

/*
 * Forget every pool: the heap they came from is new. The kernel starts so;
 * the host calls it for every new machine (host_machine_init).
 */
void xmalloc_init(void);

#endif
