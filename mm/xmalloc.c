/* SPDX-License-Identifier: MIT */
/*
 * xmalloc: a two-level segregated fit (TLSF) allocator for sub-page sizes,
 * written from the published algorithm (Masmano, Ripoll, Crespo, Real:
 * "TLSF: a new dynamic memory allocator for real-time systems", 2004), and
 * whole pages from the heap beyond that. The contract is in
 * include/mica/xmalloc.h.
 *
 * Memory model. A pool is one xenheap page. Its bytes are a row of blocks,
 * each an 8-byte header (size and flags) followed by its payload, the
 * user's pointer; block sizes are multiples of 16 and the first block
 * starts 8 bytes into the page, so every payload is 16-byte aligned and no
 * payload is ever page-aligned. A header of size 0 closes the row 8 bytes
 * before the page's end. A free block keeps its list links at the start of
 * its payload and its size again in its last 8 bytes (Knuth's boundary
 * tag), where the block after it, flagged PREV_FREE, finds it to merge.
 * Free blocks are never adjacent: freeing merges at once.
 *
 * Free blocks are filed by size class: 16-byte classes below 512 bytes,
 * then each power of two cut into 32 classes (TLSF's first and second
 * level, fl and sl). A bit per class and a bit per level say which lists
 * hold anything, so a request finds the smallest class whose every block
 * fits it with two bit scans ("good fit"), takes its first block, and files
 * the rest. Nothing walks a list; every operation is constant time.
 *
 * A pool that becomes wholly free goes back to the heap, except that one
 * is kept while other pools are in use, so that a workload hovering at a
 * pool's edge does not take and return a page on every call.
 *
 * Requests too large for a pool take exactly ceil(size / PAGE_SIZE) frames
 * from alloc_xenheap_pages_exact(). Their pointers are page-aligned and pool
 * pointers never are, which is how xfree() tells the two apart; the first
 * frame's page_info records the length (PGC_xmalloc, u.xmalloc.nr).
 *
 * Debug builds (MICA_DEBUG) poison free payloads and check the poison when
 * a block is handed out or merged, keep a check word in every header
 * derived from its address, and validate every pointer passed to xfree()
 * and xrealloc() against the frame table, the header and, to name the
 * mistake, the pool's row of blocks.
 */
#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>

BUILD_BUG_ON(sizeof(struct page_info) != 32);

/*
 * Block headers and boundary tags overlay the pool's bytes, which are also
 * the users' objects: the compiler must assume they alias anything.
 */
struct xm_block {
	uint32_t size;	/* bytes to the next header, | XM_FREE | XM_PREV_FREE */
	uint32_t check; /* debug builds: check_word() of the block */
	/* Free blocks only, where the payload is otherwise: */
	struct xm_block *next;
	struct xm_block **pprev; /* what points at this block */
} __attribute__((may_alias));
typedef uint64_t __attribute__((may_alias)) xm_word;

#define XM_FREE 1u
#define XM_PREV_FREE 2u
#define XM_SIZE (~15u)

#define HDR 8u
#define MIN_BLOCK 32u /* header, two links, boundary tag */
#define POOL_BYTES PAGE_SIZE
#define POOL_BLOCK ((uint32_t)POOL_BYTES - 16) /* the first block, whole */

/*
 * Size classes. Level 0 holds sizes below 2^SMALL_SHIFT in 16-byte steps;
 * level fl >= 1 holds [2^(fl + 8), 2^(fl + 9)) in 32 steps.
 */
#define SL_SHIFT 5
#define SL_COUNT (1u << SL_SHIFT)
#define SMALL_SHIFT 9
#define FL_COUNT 4 /* up to 4095 bytes */
#define NR_CLASSES (FL_COUNT * SL_COUNT)

/*
 * The largest block the pools serve: every block of the top class (its
 * lower bound 2048 + 31 * 64) fits it.
 */
#define MAX_SMALL_BLOCK 4032u
BUILD_BUG_ON(((XMALLOC_SMALL_MAX + HDR + 15) & ~15u) != MAX_SMALL_BLOCK);
BUILD_BUG_ON(MAX_SMALL_BLOCK > POOL_BLOCK);

static struct {
	uint32_t fl_map;	   /* levels with a non-empty list */
	uint32_t sl_map[FL_COUNT]; /* per level, the non-empty lists */
	struct xm_block *spare;	   /* the one wholly free pool kept, or NULL */
	struct xm_block *heads[NR_CLASSES];
} xm;

/* The pools, linked through their page_info (first frame) as mfns. */
static uint32_t pool_head = PAGE_LIST_NULL;
static unsigned long nr_pools, large_allocs, large_pages;

static __always_inline struct xm_block *at(const void *b, long off)
{
	return (struct xm_block *)((char *)b + off);
}

static __always_inline void *payload(struct xm_block *b)
{
	return (char *)b + HDR;
}

/* The boundary tag of the free block b of s bytes. */
static __always_inline xm_word *tag_of(struct xm_block *b, uint32_t s)
{
	return (xm_word *)((char *)b + s) - 1;
}

static __always_inline uint32_t block_size(size_t size)
{
	uint32_t s = (uint32_t)(size + HDR + XMALLOC_ALIGN - 1) &
		     ~(XMALLOC_ALIGN - 1);

	return s < MIN_BLOCK ? MIN_BLOCK : s;
}

/* The class of a block of s bytes: the list it is filed on. */
static __always_inline unsigned int class_of(uint32_t s)
{
	unsigned int t = 31 - __builtin_clz(s | 1u << SMALL_SHIFT);

	return (s >> (t - SL_SHIFT)) + ((t - SMALL_SHIFT) << SL_SHIFT);
}

/*
 * The lowest class all of whose blocks hold s bytes: s rounded up to its
 * class's step. Rounding may carry into the next level, and the class
 * numbers run on across levels, so one bit scan does for both.
 */
static __always_inline unsigned int search_class(uint32_t s)
{
	unsigned int t = 31 - __builtin_clz(s | 1u << SMALL_SHIFT);
	uint32_t step = 1u << (t - SL_SHIFT);

	return ((s + step - 1) >> (t - SL_SHIFT)) +
	       ((t - SMALL_SHIFT) << SL_SHIFT);
}

static __always_inline void clear_class(unsigned int i)
{
	unsigned int fl = i >> SL_SHIFT;

	xm.sl_map[fl] &= ~(1u << (i & (SL_COUNT - 1)));
	if (!xm.sl_map[fl])
		xm.fl_map &= ~(1u << fl);
}

/* ---- debug builds: check words, poison, pointer validation ---- */

#ifdef MICA_DEBUG
/*
 * A header's check word: of its address, its size and whether it is free,
 * not of PREV_FREE, which the block's neighbour changes.
 */
static uint32_t check_word(const struct xm_block *b, uint32_t size)
{
	uint32_t h = (uint32_t)((uintptr_t)b >> 3) * 0x9e3779b1u;

	return (h + (size & ~XM_PREV_FREE) * 0x85ebca6bu) ^ 0x786d616cu;
}

static void set_check(struct xm_block *b)
{
	b->check = check_word(b, b->size);
}

/* Panic unless [b + lo, b + hi) still holds the poison. */
static void check_poison(struct xm_block *b, long lo, long hi)
{
	const uint8_t *p = (const uint8_t *)b;

	for (long i = lo; i < hi; i++)
		if (p[i] != XMALLOC_POISON)
			panic("xmalloc: %p was written after it was freed (byte %#x at offset %ld of the free block at %p)",
			      (void *)(p + i), p[i], i - (long)HDR, (void *)b);
}

/* The poison of the free block b: all but its header, links and tag. */
static void check_free_poison(struct xm_block *b)
{
	check_poison(b, MIN_BLOCK - HDR, (long)(b->size & XM_SIZE) - 8);
}

static void check_header(struct xm_block *b, const void *p)
{
	if (b->check != check_word(b, b->size))
		panic("xmalloc: the header at %p (%#x %#x) is corrupt, next to the block of %p: a buffer overflow?",
		      (void *)b, b->size, b->check, p);
}

/* Panic unless the boundary tag before b can be a free block's size. */
static void check_tag(struct xm_block *b, xm_word ps, const void *p)
{
	if ((ps & 15) || ps < MIN_BLOCK ||
	    ps > ((uintptr_t)b & (POOL_BYTES - 1)) - HDR)
		panic("xmalloc: the boundary tag before %p (%#lx) is corrupt, before the block of %p",
		      (void *)b, (unsigned long)ps, p);
}

/* Say what is wrong with freeing p, found in the pool at base. */
static __noreturn void bad_pointer(const char *fn, const void *p, char *base)
{
	struct xm_block *b = at(base, HDR), *end = at(base, POOL_BYTES - HDR);
	const char *q = p;

	for (; b < end; b = at(b, b->size & XM_SIZE)) {
		uint32_t s = b->size & XM_SIZE;

		if (s < MIN_BLOCK || (char *)b + s > (char *)end)
			panic("%s(%p): the pool at %p is corrupt (block %p, size %#x)",
			      fn, p, (void *)base, (void *)b, b->size);
		if (q < (char *)payload(b) || q >= (char *)b + s)
			continue;
		if (b->size & XM_FREE) {
			if (q == payload(b))
				panic("%s(%p): freed twice", fn, p);
			panic("%s(%p): not allocated: %ld bytes into the free block at %p (freed twice, and merged since?)",
			      fn, p, q - (char *)payload(b), payload(b));
		}
		if (q == payload(b))
			panic("%s(%p): its header is corrupt (%#x %#x): a buffer overflow from the block before?",
			      fn, p, b->size, b->check);
		panic("%s(%p): not a pointer xmalloc returned: %ld bytes into the block at %p",
		      fn, p, q - (char *)payload(b), payload(b));
	}
	panic("%s(%p): not a pointer xmalloc returned (in the pool at %p, outside its blocks)",
	      fn, p, (void *)base);
}

/* Panic unless p is a live small block xmalloc handed out. */
static void check_live(const char *fn, const void *p)
{
	struct xm_block *b = at(p, -(long)HDR);
	unsigned long mfn;

	if ((uintptr_t)p & (XMALLOC_ALIGN - 1))
		panic("%s(%p): not a pointer xmalloc returned (misaligned)", fn,
		      p);
	mfn = arch_virt_to_mfn(p);
	if (!mfn_valid(_mfn(mfn)) ||
	    !(frame_table[mfn].count_info & PGC_xmalloc))
		panic("%s(%p): not a pointer xmalloc returned, or freed twice (mfn %#lx is not xmalloc's)",
		      fn, p, mfn);
	if (frame_table[mfn].u.xmalloc.nr)
		panic("%s(%p): not a pointer xmalloc returned (inside a large allocation)",
		      fn, p);
	if (b->check != check_word(b, b->size) || (b->size & XM_FREE))
		bad_pointer(fn, p, (char *)((uintptr_t)p & PAGE_MASK));
}
#else
static __always_inline void set_check(struct xm_block *b)
{
}
static __always_inline void check_free_poison(struct xm_block *b)
{
}
static __always_inline void check_header(struct xm_block *b, const void *p)
{
}
static __always_inline void check_tag(struct xm_block *b, xm_word ps,
				      const void *p)
{
}
static __always_inline void check_live(const char *fn, const void *p)
{
}
#endif

/* Debug builds: fill [b + lo, b + hi) with the poison. */
static __always_inline void poison(struct xm_block *b, long lo, long hi)
{
#ifdef MICA_DEBUG
	memset((char *)b + lo, XMALLOC_POISON, (size_t)(hi - lo));
#endif
}

/* ---- the free lists ---- */

/* File the free block b of s bytes, whose neighbours are both in use. */
static __always_inline void file(struct xm_block *b, uint32_t s)
{
	unsigned int i = class_of(s);
	struct xm_block *head = xm.heads[i];

	b->size = s | XM_FREE;
	*tag_of(b, s) = s;
	b->next = head;
	b->pprev = &xm.heads[i];
	if (head) {
		head->pprev = &b->next;
	} else {
		xm.sl_map[i >> SL_SHIFT] |= 1u << (i & (SL_COUNT - 1));
		xm.fl_map |= 1u << (i >> SL_SHIFT);
	}
	xm.heads[i] = b;
	set_check(b);
}

/*
 * Take the free block b off its list. Only the last block of a list has no
 * successor and the head's pprev points into heads[]: then the list is
 * empty, and its class is where pprev points.
 */
static __always_inline void unfile(struct xm_block *b)
{
	struct xm_block *next = b->next, **pprev = b->pprev;

	*pprev = next;
	if (next) {
		next->pprev = pprev;
	} else {
		uintptr_t i = ((uintptr_t)pprev - (uintptr_t)xm.heads) /
			      sizeof(*pprev);

		if (i < NR_CLASSES)
			clear_class((unsigned int)i);
	}
}

/*
 * The first block of the lowest non-empty class from i up, off its list;
 * NULL when there is none.
 */
static __always_inline struct xm_block *take(unsigned int i)
{
	unsigned int fl = i >> SL_SHIFT;
	uint32_t m = xm.sl_map[fl] & (~0u << (i & (SL_COUNT - 1)));
	struct xm_block *b, *next;

	if (!m) {
		uint32_t f = xm.fl_map & (~1u << fl);

		if (!f)
			return NULL;
		fl = __builtin_ctz(f);
		m = xm.sl_map[fl];
	}
	i = fl << SL_SHIFT | __builtin_ctz(m);
	b = xm.heads[i];
	next = b->next;
	xm.heads[i] = next;
	if (next)
		next->pprev = &xm.heads[i];
	else
		clear_class(i);
	if (unlikely(b == xm.spare))
		xm.spare = NULL;
	return b;
}

/*
 * Hand out the first s bytes of the free block b, off its list, filing the
 * rest if it can be a block. prev_free: b's PREV_FREE flag.
 */
static __always_inline void *carve(struct xm_block *b, uint32_t s,
				   uint32_t prev_free)
{
	uint32_t have = b->size & XM_SIZE;

#ifdef MICA_DEBUG
	/* The links and the tag were metadata; the rest must be untouched. */
	check_poison(b, MIN_BLOCK - HDR,
		     have - s >= MIN_BLOCK ? (long)s : (long)have - 8);
#endif
	if (have - s >= MIN_BLOCK) {
		/* The block after keeps PREV_FREE: the rest is free. */
		file(at(b, s), have - s);
		have = s;
	} else {
		at(b, have)->size &= ~XM_PREV_FREE;
	}
	b->size = have | prev_free;
	set_check(b);
	poison(b, HDR, have);
	return payload(b);
}

/* ---- pools ---- */

static void pool_link(unsigned long mfn)
{
	struct page_info *pg = frame_table + mfn;

	pg->next = pool_head;
	pg->prev = PAGE_LIST_NULL;
	if (pool_head != PAGE_LIST_NULL)
		frame_table[pool_head].prev = (uint32_t)mfn;
	pool_head = (uint32_t)mfn;
}

static void pool_unlink(unsigned long mfn)
{
	struct page_info *pg = frame_table + mfn;

	if (pg->prev == PAGE_LIST_NULL)
		pool_head = pg->next;
	else
		frame_table[pg->prev].next = pg->next;
	if (pg->next != PAGE_LIST_NULL)
		frame_table[pg->next].prev = pg->prev;
}

/* A new pool from the heap: its one block, free but on no list, or NULL. */
static __attribute__((noinline)) struct xm_block *grow(void)
{
	char *base = alloc_xenheap_pages(0, 0);
	unsigned long mfn;
	struct xm_block *b, *end;

	if (!base)
		return NULL;
	mfn = arch_virt_to_mfn(base);
	frame_table[mfn].count_info |= PGC_xmalloc;
	frame_table[mfn].u.xmalloc.nr = 0;
	pool_link(mfn);
	nr_pools++;
	end = at(base, POOL_BYTES - HDR);
	end->size = XM_PREV_FREE;
	set_check(end);
	b = at(base, HDR);
	b->size = POOL_BLOCK | XM_FREE;
	poison(b, HDR, POOL_BLOCK);
	return b;
}

/* Give the pool whose whole free block is b (on no list) back. */
static void release(struct xm_block *b)
{
	char *base = (char *)b - HDR;
	unsigned long mfn = arch_virt_to_mfn(base);

	pool_unlink(mfn);
	frame_table[mfn].count_info &= ~PGC_xmalloc;
	nr_pools--;
	free_xenheap_pages(base, 0);
}

/*
 * b, not yet filed, is a whole pool. Keep it as the spare while other pools
 * are in use and there is none yet; otherwise give it back, and the spare
 * too once it is all that is left. Returns whether b went.
 */
static __attribute__((noinline)) bool pool_empty(struct xm_block *b)
{
	if (!xm.spare && nr_pools > 1) {
		xm.spare = b;
		return false;
	}
	release(b);
	if (nr_pools == 1 && xm.spare) {
		unfile(xm.spare);
		release(xm.spare);
		xm.spare = NULL;
	}
	return true;
}

/* ---- large allocations: whole frames ---- */

/*
 * Whole frames from the heap's exact-length xenheap path, which maps them
 * where there is no direct map and lets any tail of them go back alone.
 */
static __attribute__((noinline)) void *alloc_large(size_t size,
						   unsigned int memflags)
{
	struct page_info *pg;
	unsigned long nr;
	void *p;

	if (size > (PAGE_SIZE << MAX_ORDER))
		return NULL;
	/* Size 0 comes here for a page-aligned block: still a frame. */
	nr = size ? (size + PAGE_SIZE - 1) >> PAGE_SHIFT : 1;
	p = alloc_xenheap_pages_exact(nr, memflags);
	if (!p)
		return NULL;
	pg = frame_table + arch_virt_to_mfn(p);
	pg->count_info |= PGC_xmalloc;
	pg->u.xmalloc.nr = (uint32_t)nr;
	large_allocs++;
	large_pages += nr;
	return p;
}

/* The first frame of the large allocation at p, which must be one. */
static struct page_info *large_of(const char *fn, const void *p)
{
	unsigned long mfn = arch_virt_to_mfn(p);
	struct page_info *pg = frame_table + mfn;

	if (!mfn_valid(_mfn(mfn)) || !(pg->count_info & PGC_xmalloc) ||
	    !pg->u.xmalloc.nr)
		panic("%s(%p): not a pointer xmalloc returned%s", fn, p,
		      mfn_valid(_mfn(mfn)) && !(pg->count_info & PGC_inuse)
			      ? " (freed twice?)"
			      : "");
	return pg;
}

/*
 * Give back frames [nr, old) of the large allocation at p, whose first
 * frame is pg; all of them for nr = 0, which clears PGC_xmalloc with the
 * rest of the frame's state.
 */
static void trim_large(char *p, struct page_info *pg, unsigned long nr)
{
	unsigned long old = pg->u.xmalloc.nr;

	if (nr) {
		pg->u.xmalloc.nr = (uint32_t)nr;
	} else {
		pg->u.xmalloc.nr = 0;
		large_allocs--;
	}
	large_pages -= old - nr;
	free_xenheap_pages_exact(p + (nr << PAGE_SHIFT), old - nr);
}

static __attribute__((noinline)) void free_large(void *p)
{
	if (p)
		trim_large(p, large_of("xfree", p), 0);
}

/* ---- the interface ---- */

static __always_inline void *alloc_small(uint32_t s)
{
	struct xm_block *b = take(search_class(s));

	if (unlikely(!b)) {
		b = grow();
		if (!b)
			return NULL;
	}
	return carve(b, s, 0);
}

void *xmalloc_bytes(size_t size)
{
	if (unlikely(size > XMALLOC_SMALL_MAX))
		return alloc_large(size, 0);
	return alloc_small(block_size(size));
}

static bool align_ok(size_t align)
{
	return !(align & (align - 1)) && align <= PAGE_SIZE;
}

/*
 * A block of s bytes whose payload is aligned to align (32 to PAGE_SIZE):
 * from a block with room for the worst gap before it, which becomes a free
 * block of its own. The gap is a multiple of 16 and either 0 or at least
 * MIN_BLOCK, so up to align + 16 bytes.
 */
static __attribute__((noinline)) void *alloc_aligned(size_t size, size_t align)
{
	uint32_t s = block_size(size), have;
	struct xm_block *b, *a;
	uintptr_t gap;

	if (size > XMALLOC_SMALL_MAX || s + align + 16 > MAX_SMALL_BLOCK)
		return alloc_large(size, 0); /* page-aligned */
	b = take(search_class(s + (uint32_t)align + 16));
	if (!b && !(b = grow()))
		return NULL;
	gap = -(uintptr_t)payload(b) & (align - 1);
	if (gap && gap < MIN_BLOCK)
		gap += align;
	if (!gap)
		return carve(b, s, 0);
	have = b->size & XM_SIZE;
	a = at(b, (long)gap);
	file(b, (uint32_t)gap);
	a->size = (have - (uint32_t)gap) | XM_FREE;
	return carve(a, s, XM_PREV_FREE);
}

void *_xmalloc(size_t size, size_t align)
{
	if (unlikely(!align_ok(align)))
		return NULL;
	if (align <= XMALLOC_ALIGN)
		return xmalloc_bytes(size);
	return alloc_aligned(size, align);
}

void *_xzalloc(size_t size, size_t align)
{
	void *p;

	if (!align_ok(align))
		return NULL;
	if (size > XMALLOC_SMALL_MAX)
		return alloc_large(size, MEMF_zero);
	p = _xmalloc(size, align);
	if (p)
		memset(p, 0, size);
	return p;
}

void *xzalloc_bytes(size_t size)
{
	return _xzalloc(size, 0);
}

void *_xmalloc_array(size_t size, size_t align, size_t num)
{
	size_t bytes;

	if (__builtin_mul_overflow(size, num, &bytes))
		return NULL;
	return _xmalloc(bytes, align);
}

void *_xzalloc_array(size_t size, size_t align, size_t num)
{
	size_t bytes;

	if (__builtin_mul_overflow(size, num, &bytes))
		return NULL;
	return _xzalloc(bytes, align);
}

void xfree(void *p)
{
	struct xm_block *b, *n;
	uint32_t s, ns;

	/* NULL is page-aligned too. */
	if (unlikely(!((uintptr_t)p & (PAGE_SIZE - 1)))) {
		free_large(p);
		return;
	}
	check_live("xfree", p);
	b = at(p, -(long)HDR);
	s = b->size;
	n = at(b, s & XM_SIZE);
	ns = n->size;
	check_header(n, p);
	if (ns & XM_FREE) {
		check_free_poison(n);
		unfile(n);
		n = at(n, ns & XM_SIZE);
		s += ns & XM_SIZE; /* sizes are multiples of 16: flags stay */
	}
	if (s & XM_PREV_FREE) {
		xm_word ps = ((xm_word *)b)[-1];
		struct xm_block *pb = at(b, -(long)ps);

		check_tag(b, ps, p);
		check_header(pb, p);
		check_free_poison(pb);
		unfile(pb);
		b = pb;
		s = (s & XM_SIZE) + (uint32_t)ps;
	} else {
		s &= XM_SIZE;
	}
	if (unlikely(s == POOL_BLOCK) && pool_empty(b))
		return;
	poison(b, HDR, s);
	file(b, s);
	n->size |= XM_PREV_FREE;
}

/*
 * Make the live block b s bytes long where it is, absorbing the free block
 * after it if that is what it takes, and filing what is left over.
 */
static bool resize_in_place(struct xm_block *b, uint32_t s)
{
	uint32_t hdr = b->size, have = hdr & XM_SIZE;
	struct xm_block *n = at(b, have);
	uint32_t ns = n->size;

	if (s > have) {
		if (!(ns & XM_FREE) || have + (ns & XM_SIZE) < s)
			return false;
		check_free_poison(n);
		unfile(n);
		poison(b, have, have + (ns & XM_SIZE));
		have += ns & XM_SIZE;
		n = at(b, have);
	}
	if (have - s >= MIN_BLOCK) {
		uint32_t rest = have - s;

		if (n->size & XM_FREE) {
			/* Shrinking next to a free block: they merge. */
			check_free_poison(n);
			unfile(n);
			rest += n->size & XM_SIZE;
			n = at(b, s + rest);
		}
		poison(b, s, s + rest);
		file(at(b, s), rest);
		n->size |= XM_PREV_FREE;
		have = s;
	} else {
		n->size &= ~XM_PREV_FREE;
	}
	b->size = have | (hdr & XM_PREV_FREE);
	set_check(b);
	return true;
}

void *xrealloc(void *p, size_t size)
{
	struct page_info *pg = NULL;
	size_t have;
	void *q;

	if (!p)
		return xmalloc_bytes(size);
	if (!((uintptr_t)p & (PAGE_SIZE - 1))) {
		pg = large_of("xrealloc", p);
		have = (size_t)pg->u.xmalloc.nr << PAGE_SHIFT;
		if (size > XMALLOC_SMALL_MAX && size <= have) {
			/* Give back whole frames beyond the new end. */
			unsigned long nr = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;

			if (nr < pg->u.xmalloc.nr)
				trim_large(p, pg, nr);
			return p;
		}
	} else {
		struct xm_block *b = at(p, -(long)HDR);

		check_live("xrealloc", p);
		if (size <= XMALLOC_SMALL_MAX &&
		    resize_in_place(b, block_size(size)))
			return p;
		have = (b->size & XM_SIZE) - HDR;
	}
	q = xmalloc_bytes(size);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(have, size));
	xfree(p);
	return q;
}

/* ---- seeing xmalloc ---- */

void xmalloc_init(void)
{
	memset(&xm, 0, sizeof(xm));
	pool_head = PAGE_LIST_NULL;
	nr_pools = large_allocs = large_pages = 0;
}

unsigned long xmalloc_pool_pages(void)
{
	return nr_pools;
}

void xmalloc_get_stats(struct xmalloc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->large_allocs = large_allocs;
	st->large_pages = large_pages;
	for (uint32_t m = pool_head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next) {
		char *base = arch_mfn_to_virt(m);
		struct xm_block *end = at(base, POOL_BYTES - HDR);

		st->pool_pages++;
		for (struct xm_block *b = at(base, HDR); b < end;
		     b = at(b, b->size & XM_SIZE)) {
			uint32_t s = b->size & XM_SIZE;

			if (!s)
				break; /* corrupt: xmalloc_check() says so */
			if (b->size & XM_FREE) {
				st->free_blocks++;
				st->free_bytes += s;
				if (s > st->largest_free)
					st->largest_free = s;
				if (s == POOL_BLOCK)
					st->empty_pools++;
			} else {
				st->used_blocks++;
				st->used_bytes += s;
			}
		}
	}
}

#define CHECK(cond, ...)                                               \
	do {                                                           \
		if (!(cond)) {                                         \
			printk(LOG_ERR "xmalloc_check: " __VA_ARGS__); \
			printk("\n");                                  \
			return -EIO;                                   \
		}                                                      \
	} while (0)

/* Whether b lies where a block of an xmalloc pool can. */
static bool in_pool(const struct xm_block *b)
{
	uintptr_t off = (uintptr_t)b & (POOL_BYTES - 1);
	unsigned long mfn;

	if (off < HDR || off > POOL_BYTES - HDR - MIN_BLOCK || (off & 15) != 8)
		return false;
	mfn = arch_virt_to_mfn(b);
	return mfn_valid(_mfn(mfn)) &&
	       (frame_table[mfn].count_info & PGC_xmalloc) &&
	       !frame_table[mfn].u.xmalloc.nr;
}

static int check_pool(unsigned long mfn, unsigned long *nr_free,
		      unsigned long *nr_empty)
{
	const struct page_info *pg = frame_table + mfn;
	char *base = arch_mfn_to_virt(mfn);
	struct xm_block *b = at(base, HDR), *end = at(base, POOL_BYTES - HDR);
	bool prev_free = false;

	CHECK((pg->count_info & (PGC_inuse | PGC_xen_heap | PGC_xmalloc)) ==
			      (PGC_inuse | PGC_xen_heap | PGC_xmalloc) &&
		      !pg->u.xmalloc.nr,
	      "pool mfn %#lx: frame flags %#lx, nr %u", mfn, pg->count_info,
	      pg->u.xmalloc.nr);
	while (b < end) {
		uint32_t s = b->size & XM_SIZE;

		CHECK(s >= MIN_BLOCK && (char *)b + s <= (char *)end,
		      "pool %p: block %p has size %#x", (void *)base, (void *)b,
		      b->size);
		CHECK(!(b->size & XM_PREV_FREE) == !prev_free,
		      "block %p: PREV_FREE is %u, the block before is %s",
		      (void *)b, !!(b->size & XM_PREV_FREE),
		      prev_free ? "free" : "in use");
#ifdef MICA_DEBUG
		CHECK(b->check == check_word(b, b->size),
		      "block %p: check word %#x, expected %#x", (void *)b,
		      b->check, check_word(b, b->size));
#endif
		if (b->size & XM_FREE) {
			CHECK(!prev_free, "blocks before %p both free",
			      (void *)b);
			CHECK(*tag_of(b, s) == s,
			      "free block %p: boundary tag %#lx, size %#x",
			      (void *)b, (unsigned long)*tag_of(b, s), s);
			CHECK(*b->pprev == b,
			      "free block %p (size %#x) is not on a list",
			      (void *)b, s);
#ifdef MICA_DEBUG
			for (long i = MIN_BLOCK - HDR; i < (long)s - 8; i++)
				CHECK(((uint8_t *)b)[i] == XMALLOC_POISON,
				      "free block %p: byte %ld is %#x, not poison (written after free)",
				      (void *)b, i, ((uint8_t *)b)[i]);
#endif
			(*nr_free)++;
			if (s == POOL_BLOCK)
				(*nr_empty)++;
		}
		prev_free = b->size & XM_FREE;
		b = at(b, s);
	}
	CHECK(b == end && (end->size & XM_SIZE) == 0 && !(end->size & XM_FREE),
	      "pool %p: the row of blocks ends at %p, size %#x", (void *)base,
	      (void *)b, end->size);
	CHECK(!(end->size & XM_PREV_FREE) == !prev_free,
	      "pool %p: the end's PREV_FREE disagrees with the last block",
	      (void *)base);
	return 0;
}

int xmalloc_check(void)
{
	unsigned long pools = 0, nr_free = 0, nr_empty = 0, listed = 0;
	int rc;

	for (uint32_t m = pool_head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next) {
		CHECK(pools < nr_pools, "more pools on the list than %lu",
		      nr_pools);
		CHECK(frame_table[m].next == PAGE_LIST_NULL ||
			      frame_table[frame_table[m].next].prev == m,
		      "pool list: broken back link at mfn %#x", m);
		rc = check_pool(m, &nr_free, &nr_empty);
		if (rc)
			return rc;
		pools++;
	}
	CHECK(pools == nr_pools, "%lu pools on the list, counter says %lu",
	      pools, nr_pools);
	CHECK(!(xm.fl_map & ~((1u << FL_COUNT) - 1)), "fl_map %#x", xm.fl_map);
	for (unsigned int i = 0; i < NR_CLASSES; i++) {
		unsigned int fl = i >> SL_SHIFT, sl = i & (SL_COUNT - 1);
		struct xm_block **pprev = &xm.heads[i];

		CHECK(!xm.heads[i] == !(xm.sl_map[fl] & (1u << sl)),
		      "class %u: list %s, bitmap bit %u", i,
		      xm.heads[i] ? "non-empty" : "empty",
		      !!(xm.sl_map[fl] & (1u << sl)));
		CHECK(!xm.sl_map[fl] == !(xm.fl_map & (1u << fl)),
		      "level %u: sl_map %#x, fl_map %#x", fl, xm.sl_map[fl],
		      xm.fl_map);
		for (struct xm_block *b = xm.heads[i]; b; b = b->next) {
			CHECK(listed < nr_free,
			      "class %u: more blocks listed than the pools' %lu free ones",
			      i, nr_free);
			CHECK(in_pool(b), "class %u: block %p is in no pool", i,
			      (void *)b);
			CHECK((b->size & XM_FREE) &&
				      class_of(b->size & XM_SIZE) == i,
			      "class %u: block %p, size %#x", i, (void *)b,
			      b->size);
			CHECK(b->pprev == pprev,
			      "class %u: block %p: broken back link", i,
			      (void *)b);
			pprev = &b->next;
			listed++;
		}
	}
	CHECK(listed == nr_free, "%lu blocks listed, the pools have %lu free",
	      listed, nr_free);
	CHECK(nr_empty == (xm.spare ? 1u : 0u),
	      "%lu wholly free pools, spare %p", nr_empty, (void *)xm.spare);
	CHECK(!xm.spare || ((xm.spare->size & XM_FREE) &&
			    (xm.spare->size & XM_SIZE) == POOL_BLOCK &&
			    nr_pools > 1),
	      "spare %p: size %#x with %lu pools", (void *)xm.spare,
	      xm.spare ? xm.spare->size : 0, nr_pools);
	return 0;
}
