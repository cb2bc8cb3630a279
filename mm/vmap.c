/* SPDX-License-Identifier: MIT */
/*
 * The vmap area: its address allocator, vmap/vmalloc on top of it, and the
 * description of an address for the fault report. The contract is in
 * include/mica/vmap.h; the machine is reached only through the arch_vmap_*
 * calls of include/mica/arch_mm.h.
 *
 * The area is cut into ranges of pages, each a node of one AVL tree keyed
 * by its first page: free ranges, and areas, each spanning its pages and
 * the guard page after them. The ranges tile [1, total); page 0 is the
 * guard below whatever comes first. A freed area merges with free
 * neighbours, so two free ranges are never adjacent and the page below an
 * area is either free or the guard of the area below. Each node knows its
 * subtree's height and its largest free range; a lowest-address first fit
 * is then one descent: left while the left subtree has a range that fits,
 * else this node if it fits, else right.
 *
 * Node identities: an allocation turns the free node it takes from into
 * the area when the area starts there (same key, no tree surgery), and a
 * free merges into the lower node. So the node starting at page 1 is
 * never removed: it is a static one, and an empty vmap area holds no heap
 * memory. The other nodes come from heap pages, 84 to a page, a page
 * going back to the heap when its last node is freed.
 */
#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/vmap.h>

#define SZ_2M (1UL << L2_PAGE_SHIFT)
#define PAGES_2M (SZ_2M >> PAGE_SHIFT)
#define BATCH 64 /* frames gathered for one arch call */

enum { VN_FREE, VN_VMAP, VN_VMALLOC };

struct vnode {
	struct vnode *left, *right;
	uint32_t start;	   /* first page, counted from vmap_start */
	uint32_t pages;	   /* an area's include its guard page */
	uint32_t max_free; /* the largest free range in the subtree */
	uint32_t mapped;   /* an area's pages mapped now */
	uint8_t height;	   /* of the subtree: 1 for a leaf */
	uint8_t kind;
	unsigned long caller; /* an area's allocator (a return address) */
};

static unsigned long vmap_start;
static uint32_t total; /* pages in the vmap area */
static struct vnode *root;
static struct vnode first; /* the node at page 1 */
static unsigned long nr_areas, nr_nodes, nr_pool_pages;

/* ---- the node pool ---- */

/* The head of a pool page, in its first node's place. */
struct pool_page {
	struct pool_page *next, *prev; /* the pages with free nodes */
	struct vnode *free;	       /* this page's, linked through left */
	unsigned int used;
};
BUILD_BUG_ON(sizeof(struct pool_page) > sizeof(struct vnode));
#define NODES_PER_PAGE (PAGE_SIZE / sizeof(struct vnode) - 1)

static struct pool_page *partial;

static void pool_unlink(struct pool_page *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		partial = p->next;
	if (p->next)
		p->next->prev = p->prev;
}

static void pool_link(struct pool_page *p)
{
	p->prev = NULL;
	p->next = partial;
	if (partial)
		partial->prev = p;
	partial = p;
}

static struct vnode *node_alloc(void)
{
	struct pool_page *p = partial;
	struct vnode *n;

	if (!p) {
		struct vnode *nodes;

		p = alloc_xenheap_pages(0, 0);
		if (!p)
			return NULL;
		nodes = (struct vnode *)p + 1;
		p->free = NULL;
		for (unsigned long i = NODES_PER_PAGE; i-- > 0;) {
			nodes[i].left = p->free;
			p->free = &nodes[i];
		}
		p->used = 0;
		pool_link(p);
		nr_pool_pages++;
	}
	n = p->free;
	p->free = n->left;
	p->used++;
	if (!p->free)
		pool_unlink(p);
	nr_nodes++;
	memset(n, 0, sizeof(*n));
	return n;
}

static void node_free(struct vnode *n)
{
	struct pool_page *p =
		(struct pool_page *)ROUNDDOWN((unsigned long)n, PAGE_SIZE);

	ASSERT(n != &first);
#ifdef MICA_DEBUG
	memset(n, 0x6b, sizeof(*n)); /* a stale pointer to it reads nonsense */
#endif
	if (!p->free)
		pool_link(p);
	n->left = p->free;
	p->free = n;
	nr_nodes--;
	if (--p->used)
		return;
	pool_unlink(p);
	free_xenheap_pages(p, 0);
	nr_pool_pages--;
}

/* ---- the tree ---- */

static unsigned int height(const struct vnode *n)
{
	return n ? n->height : 0;
}

static uint32_t max_free(const struct vnode *n)
{
	return n ? n->max_free : 0;
}

/* Set n's height and largest free range from its children's, hl and hr high. */
static void set_from_children(struct vnode *n, unsigned int hl, unsigned int hr)
{
	uint32_t m = n->kind == VN_FREE ? n->pages : 0;

	n->height = 1 + MAX(hl, hr);
	if (n->left && n->left->max_free > m)
		m = n->left->max_free;
	if (n->right && n->right->max_free > m)
		m = n->right->max_free;
	n->max_free = m;
}

static void update(struct vnode *n)
{
	set_from_children(n, height(n->left), height(n->right));
}

static struct vnode *rotate_right(struct vnode *n)
{
	struct vnode *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct vnode *rotate_left(struct vnode *n)
{
	struct vnode *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

/* n's subtrees are AVL trees differing in height by at most 2: fix n. */
static struct vnode *balance(struct vnode *n)
{
	unsigned int hl = height(n->left), hr = height(n->right);

	if (hl > hr + 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (hr > hl + 1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	set_from_children(n, hl, hr);
	return n;
}

static struct vnode *insert(struct vnode *t, struct vnode *n)
{
	if (!t) {
		n->left = n->right = NULL;
		update(n);
		return n;
	}
	if (n->start < t->start)
		t->left = insert(t->left, n);
	else
		t->right = insert(t->right, n);
	return balance(t);
}

static struct vnode *detach_min(struct vnode *t, struct vnode **min)
{
	if (!t->left) {
		*min = t;
		return t->right;
	}
	t->left = detach_min(t->left, min);
	return balance(t);
}

/* Unlink the node starting at start (it is in t). */
static struct vnode *unlink_node(struct vnode *t, uint32_t start)
{
	if (start < t->start) {
		t->left = unlink_node(t->left, start);
	} else if (start > t->start) {
		t->right = unlink_node(t->right, start);
	} else {
		struct vnode *l = t->left, *r = t->right, *m;

		if (!r)
			return l;
		r = detach_min(r, &m);
		m->left = l;
		m->right = r;
		return balance(m);
	}
	return balance(t);
}

/* The node starting at start changed size or kind: fix its ancestors. */
static void refresh(struct vnode *t, uint32_t start)
{
	if (start < t->start)
		refresh(t->left, start);
	else if (start > t->start)
		refresh(t->right, start);
	update(t);
}

/* The node whose range holds page idx, or NULL. */
static struct vnode *containing(unsigned long idx)
{
	struct vnode *n = root, *best = NULL;

	while (n) {
		if (n->start <= idx) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best && idx < (unsigned long)best->start + best->pages ? best
								      : NULL;
}

static struct vnode *find(unsigned long start)
{
	struct vnode *n = root;

	while (n && n->start != start)
		n = start < n->start ? n->left : n->right;
	return n;
}

/* The lowest free node of at least need pages, or NULL. */
static struct vnode *first_fit(uint32_t need)
{
	struct vnode *n = root;

	if (max_free(n) < need)
		return NULL;
	for (;;) {
		if (max_free(n->left) >= need)
			n = n->left;
		else if (n->kind == VN_FREE && n->pages >= need)
			return n;
		else
			n = n->right;
	}
}

static unsigned long page_va(unsigned long idx)
{
	return vmap_start + (idx << PAGE_SHIFT);
}

static bool in_area(unsigned long va)
{
	return va >= vmap_start &&
	       va - vmap_start < ((unsigned long)total << PAGE_SHIFT);
}

/*
 * An area of nr pages and its guard page, starting on a multiple of align
 * pages, or NULL. Nodes are taken before the tree is touched, so a
 * failure changes nothing.
 *
 * A search for a key not in a binary search tree passes both of its
 * neighbours, and insert() recomputes every node it passes: inserting the
 * area or the free rest after it also fixes the node they were cut from,
 * so the tree is walked once or twice, never again to refresh.
 */
static struct vnode *reserve(unsigned long nr, unsigned long align,
			     unsigned int kind, unsigned long caller)
{
	struct vnode *f, *a, *rest = NULL;
	uint32_t need, at, head, tail;

	if (!nr || nr + align >= total)
		return NULL;
	need = (uint32_t)nr + 1;
	/* Enough for any alignment, so that the first fit is the answer. */
	f = first_fit(need + (uint32_t)align - 1);
	if (!f)
		return NULL;
	at = ROUNDUP(f->start, (uint32_t)align);
	head = at - f->start;
	tail = f->pages - head - need;
	a = head ? node_alloc() : f;
	if (!a)
		return NULL;
	if (tail && !(rest = node_alloc())) {
		if (a != f)
			node_free(a);
		return NULL;
	}
	if (head)
		f->pages = head;
	a->start = at;
	a->pages = need;
	a->kind = kind;
	a->mapped = 0;
	a->caller = caller;
	if (head)
		root = insert(root, a);
	if (rest) {
		rest->start = at + need;
		rest->pages = tail;
		rest->kind = VN_FREE;
		root = insert(root, rest);
	}
	if (!head && !rest)
		refresh(root, a->start);
	nr_areas++;
	return a;
}

/*
 * Give area a's range back, merging it with free neighbours. The usual
 * case, a free range above and none below, is one walk: the range above
 * takes a's pages and a is unlinked, which recomputes its successor
 * whether that is above it in the tree or replaces it (unlink_node()
 * always replaces a node by its successor when it has one).
 */
static void unreserve(struct vnode *a)
{
	unsigned long end = (unsigned long)a->start + a->pages;
	struct vnode *next = end < total ? find(end) : NULL;
	struct vnode *prev = a->start > 1 ? containing(a->start - 1) : NULL;
	bool next_free = next && next->kind == VN_FREE;
	bool prev_free = prev && prev->kind == VN_FREE;
	uint32_t start = a->start;

	ASSERT(a->kind != VN_FREE && !a->mapped);
	nr_areas--;
	a->kind = VN_FREE;
	a->caller = 0;
	if (next_free && !prev_free && a != &first) {
		next->pages += a->pages;
		root = unlink_node(root, start);
		node_free(a);
		/* a's place in the order, now that a is gone. */
		next->start = start;
		return;
	}
	if (next_free) {
		a->pages += next->pages;
		root = unlink_node(root, next->start);
		node_free(next);
	}
	if (prev_free) {
		prev->pages += a->pages;
		root = unlink_node(root, start);
		node_free(a);
		a = prev;
	}
	refresh(root, a->start);
}

/* ---- frames ---- */

static void own(struct page_info *pg, unsigned long va)
{
	pg->count_info |= PGC_vmap;
	pg->v.vmap_va = va;
}

/* Back to a frame owned by nobody, as the heap takes it. */
static void disown(struct page_info *pg)
{
	pg->count_info &= ~PGC_vmap;
	pg->v.vmap_va = 0;
}

/*
 * Unmap pages [first, first + nr) of area a, giving vmalloc's frames back
 * to the heap. A 2 MiB mapping in the range lies wholly inside it.
 */
static void release(struct vnode *a, unsigned long first_page, unsigned long nr)
{
	unsigned long va = page_va(a->start + first_page);
	unsigned long end = va + (nr << PAGE_SHIFT);
	bool owned = a->kind == VN_VMALLOC;
	mfn_t m[BATCH];

	while (va < end) {
		unsigned long k = 1, stop, got = 0;
		unsigned int level;

		m[0] = arch_vmap_lookup(va, &level);
		if (level == 2) {
			ASSERT(IS_ALIGNED(va, SZ_2M) && end - va >= SZ_2M);
			arch_vmap_unmap(va, PAGES_2M);
			if (owned) {
				struct page_info *pg = mfn_to_page(m[0]);

				for (unsigned long i = 0; i < PAGES_2M; i++)
					disown(pg + i);
				free_domheap_pages(pg, PAGEBLOCK_ORDER);
			}
			a->mapped -= PAGES_2M;
			va += SZ_2M;
			continue;
		}
		/* 4 KiB pages, up to where a 2 MiB page could begin. */
		stop = MIN(end, ROUNDDOWN(va, SZ_2M) + SZ_2M);
		while (k < BATCH && va + (k << PAGE_SHIFT) < stop) {
			m[k] = arch_vmap_lookup(va + (k << PAGE_SHIFT), &level);
			k++;
		}
		/* Unmapped (and the TLB flushed) before the frames are reused. */
		arch_vmap_unmap(va, k);
		for (unsigned long i = 0; i < k; i++) {
			if (mfn_eq(m[i], INVALID_MFN))
				continue;
			got++;
			if (owned) {
				disown(mfn_to_page(m[i]));
				free_domheap_pages(mfn_to_page(m[i]), 0);
			}
		}
		a->mapped -= got;
		va += k << PAGE_SHIFT;
	}
}

/* ---- the API ---- */

void vmap_init(unsigned long start, unsigned long pages)
{
	ASSERT(IS_ALIGNED(start, SZ_2M));
	/* Ranges count pages in 32 bits; 8 TiB is more than any arch has. */
	if (pages > (1UL << 31))
		pages = 1UL << 31;
	vmap_start = start;
	total = (uint32_t)pages;
	memset(&first, 0, sizeof(first));
	first.start = 1;
	first.pages = total > 1 ? total - 1 : 0;
	first.kind = VN_FREE;
	update(&first);
	root = total > 1 ? &first : NULL;
	partial = NULL;
	nr_areas = nr_pool_pages = 0;
	nr_nodes = 1;
}

void *vmap(const mfn_t *mfns, unsigned int nr)
{
	struct vnode *a;

	if (!mfns)
		return NULL;
	a = reserve(nr, 1, VN_VMAP, (unsigned long)__builtin_return_address(0));
	if (!a)
		return NULL;
	if (arch_vmap_map(page_va(a->start), mfns, nr)) {
		unreserve(a);
		return NULL;
	}
	a->mapped = nr;
	return (void *)page_va(a->start);
}

static void *vmalloc_area(size_t size, unsigned int memflags,
			  unsigned long caller)
{
	unsigned long nr, done = 0, va;
	struct vnode *a = NULL;
	bool large;
	mfn_t m[BATCH];

	if (!size || size > ((unsigned long)total << PAGE_SHIFT))
		return NULL;
	nr = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	large = nr >= PAGES_2M;
	if (large)
		a = reserve(nr, PAGES_2M, VN_VMALLOC, caller);
	if (!a) {
		/* Too little space left to align: 4 KiB pages will do. */
		large = false;
		a = reserve(nr, 1, VN_VMALLOC, caller);
	}
	if (!a)
		return NULL;
	va = page_va(a->start);
	while (done < nr) {
		unsigned long at = va + (done << PAGE_SHIFT), k, i;

		if (large && !(done % PAGES_2M) && nr - done >= PAGES_2M) {
			struct page_info *pg = alloc_domheap_pages(
				NULL, PAGEBLOCK_ORDER, memflags);

			if (pg && arch_vmap_map_2m(at, page_to_mfn(pg))) {
				free_domheap_pages(pg, PAGEBLOCK_ORDER);
				goto fail;
			}
			if (pg) {
				for (i = 0; i < PAGES_2M; i++)
					own(pg + i, at + (i << PAGE_SHIFT));
				a->mapped += PAGES_2M;
				done += PAGES_2M;
				continue;
			}
			/* No order-9 chunk: this 2 MiB in 4 KiB pages. */
		}
		k = MIN(nr - done, BATCH);
		if (large)
			k = MIN(k, PAGES_2M - done % PAGES_2M);
		for (i = 0; i < k; i++) {
			struct page_info *pg =
				alloc_domheap_pages(NULL, 0, memflags);

			if (!pg)
				break;
			m[i] = page_to_mfn(pg);
		}
		if (i < k || arch_vmap_map(at, m, k)) {
			while (i--)
				free_domheap_pages(mfn_to_page(m[i]), 0);
			goto fail;
		}
		for (i = 0; i < k; i++)
			own(mfn_to_page(m[i]), at + (i << PAGE_SHIFT));
		a->mapped += k;
		done += k;
	}
	return (void *)va;
fail:
	release(a, 0, done);
	unreserve(a);
	return NULL;
}

void *vmalloc(size_t size)
{
	return vmalloc_area(size, 0,
			    (unsigned long)__builtin_return_address(0));
}

void *__vmalloc(size_t size, unsigned int memflags, unsigned long caller)
{
	return vmalloc_area(size, memflags & MEMF_zero, caller);
}

bool is_vmap_address(const void *va)
{
	unsigned long v = (unsigned long)va;

	return v >= vmap_start &&
	       v - vmap_start < ((unsigned long)total << PAGE_SHIFT);
}

void *vzalloc(size_t size)
{
	return vmalloc_area(size, MEMF_zero,
			    (unsigned long)__builtin_return_address(0));
}

/* Freeing what is not an area of the kind: say what it is instead. */
static __noreturn void bad_free(const char *who, unsigned long va,
				unsigned int kind)
{
	struct vmap_where w;

	vmap_describe(va, &w);
	if (w.place == VMAP_OUTSIDE)
		panic("vmap: %s(%#lx): not in the vmap area", who, va);
	if (w.has_area && w.start == va && w.vmalloc != (kind == VN_VMALLOC))
		panic("vmap: %s(%#lx): a %s area: free it with %s", who, va,
		      w.vmalloc ? "vmalloc" : "vmap",
		      w.vmalloc ? "vfree" : "vunmap");
	if (w.has_area && (w.place == VMAP_MAPPED || w.place == VMAP_UNMAPPED))
		panic("vmap: %s(%#lx): page %lu of the %s area at %#lx, not its start",
		      who, va, w.offset, w.vmalloc ? "vmalloc" : "vmap",
		      w.start);
	panic("vmap: %s(%#lx): no area starts there (freed already?)", who, va);
}

static struct vnode *area_at(const void *p, unsigned int kind, const char *who)
{
	unsigned long va = (unsigned long)p;
	struct vnode *a = NULL;

	if (in_area(va) && IS_ALIGNED(va, PAGE_SIZE))
		a = find((va - vmap_start) >> PAGE_SHIFT);
	if (!a || a->kind != kind)
		bad_free(who, va, kind);
	return a;
}

void vunmap(const void *va)
{
	struct vnode *a = area_at(va, VN_VMAP, "vunmap");

	release(a, 0, a->pages - 1);
	unreserve(a);
}

void vfree(void *va)
{
	struct vnode *a;

	if (!va)
		return;
	a = area_at(va, VN_VMALLOC, "vfree");
	release(a, 0, a->pages - 1);
	unreserve(a);
}

/* Whether the 2 MiB page at b lies wholly inside [s, e). */
static bool inside(unsigned long b, unsigned long s, unsigned long e)
{
	return b >= s && b + SZ_2M <= e;
}

int vunmap_range(const void *p, unsigned long nr)
{
	unsigned long va = (unsigned long)p, idx, end, b;
	struct vnode *a;
	int rc;

	if (!nr || !IS_ALIGNED(va, PAGE_SIZE) || !in_area(va))
		return -EINVAL;
	idx = (va - vmap_start) >> PAGE_SHIFT;
	a = containing(idx);
	if (!a || a->kind == VN_FREE || idx - a->start >= a->pages - 1u ||
	    nr > a->pages - 1u - (idx - a->start))
		return -EINVAL;
	end = va + (nr << PAGE_SHIFT);
	/* A 2 MiB page across an end of the range becomes 4 KiB pages. */
	b = ROUNDDOWN(va, SZ_2M);
	if (!inside(b, va, end) && (rc = arch_vmap_split_2m(b)))
		return rc;
	b = ROUNDDOWN(end - 1, SZ_2M);
	if (!inside(b, va, end) && (rc = arch_vmap_split_2m(b)))
		return rc;
	release(a, idx - a->start, nr);
	if (a->mapped)
		return (int)a->mapped;
	unreserve(a);
	return 0;
}

mfn_t vmap_to_mfn(const void *p)
{
	unsigned long va = (unsigned long)p;
	unsigned int level;

	if (!in_area(va))
		return INVALID_MFN;
	return arch_vmap_lookup(va & PAGE_MASK, &level);
}

void *vmap_mfn_to_va(mfn_t mfn)
{
	const struct page_info *pg;

	if (!mfn_valid(mfn))
		return NULL;
	pg = mfn_to_page(mfn);
	if ((pg->count_info & (PGC_inuse | PGC_vmap)) != (PGC_inuse | PGC_vmap))
		return NULL;
	return (void *)pg->v.vmap_va;
}

bool vmap_can_move(mfn_t mfn)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0), va;
	const struct page_info *pg;
	unsigned int level;

	if (!mfn_valid(mfn))
		return false;
	pg = mfn_to_page(mfn);
	if (pg->count_info != (PGC_inuse | PGC_vmap))
		return false;
	va = pg->v.vmap_va;
	if (!in_area(va) || !mfn_eq(arch_vmap_lookup(va, &level), mfn))
		return false;
	/* The stack this runs on lies within STACK_SIZE of its frame. */
	return va + PAGE_SIZE <= sp - STACK_SIZE || va >= sp + STACK_SIZE;
}

int vmap_move_frame(mfn_t mfn)
{
	struct page_info *old = mfn_to_page(mfn), *pg;
	unsigned long va = old->v.vmap_va;
	unsigned int level;
	int rc;

	if (!vmap_can_move(mfn))
		return -EBUSY;
	arch_vmap_lookup(va, &level);
	if (level == 2) {
		unsigned long base = ROUNDDOWN(va, SZ_2M);
		struct page_info *head = old - ((va - base) >> PAGE_SHIFT);

		pg = alloc_domheap_pages(NULL, PAGEBLOCK_ORDER, MEMF_no_scrub);
		if (pg && !arch_vmap_move(base, page_to_mfn(pg))) {
			for (unsigned long i = 0; i < PAGES_2M; i++) {
				own(pg + i, base + (i << PAGE_SHIFT));
				disown(head + i);
			}
			free_domheap_pages(head, PAGEBLOCK_ORDER);
			return 0;
		}
		if (pg)
			free_domheap_pages(pg, PAGEBLOCK_ORDER);
		/* No 2 MiB chunk: this frame alone, in a 4 KiB page. */
		rc = arch_vmap_split_2m(base);
		if (rc)
			return rc;
	}
	pg = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
	if (!pg)
		return -ENOMEM;
	rc = arch_vmap_move(va, page_to_mfn(pg));
	if (rc) {
		free_domheap_pages(pg, 0);
		return rc;
	}
	own(pg, va);
	disown(old);
	free_domheap_pages(old, 0);
	return 0;
}

bool vmap_describe(unsigned long va, struct vmap_where *w)
{
	unsigned long idx;
	struct vnode *n, *a = NULL;

	memset(w, 0, sizeof(*w));
	w->place = VMAP_OUTSIDE;
	if (!in_area(va))
		return false;
	idx = (va - vmap_start) >> PAGE_SHIFT;
	n = containing(idx ? idx : 1);
	if (!n) {
		w->place = VMAP_FREE; /* a vmap area of one page */
		return true;
	}
	if (!idx) {
		w->place = n->kind == VN_FREE ? VMAP_FREE : VMAP_GUARD_BELOW;
		a = n->kind == VN_FREE ? NULL : n;
	} else if (n->kind != VN_FREE) {
		unsigned long off = idx - n->start;

		a = n;
		if (off == n->pages - 1u) {
			w->place = VMAP_GUARD_ABOVE;
		} else {
			w->place = mfn_eq(vmap_to_mfn((void *)va), INVALID_MFN)
					   ? VMAP_UNMAPPED
					   : VMAP_MAPPED;
			w->offset = off;
		}
	} else {
		unsigned long end = (unsigned long)n->start + n->pages;
		struct vnode *next = end < total ? find(end) : NULL;

		if (idx == end - 1 && next) {
			/* Free ranges never touch: next is an area. */
			w->place = VMAP_GUARD_BELOW;
			a = next;
		} else {
			w->place = VMAP_FREE;
			a = n->start > 1 ? containing(n->start - 1u) : NULL;
			if (a)
				w->offset = idx - (a->start + a->pages - 1u);
		}
	}
	if (a) {
		w->has_area = true;
		w->vmalloc = a->kind == VN_VMALLOC;
		w->start = page_va(a->start);
		w->pages = a->pages - 1u;
		w->mapped = a->mapped;
		w->caller = a->caller;
	}
	return true;
}

/* ---- seeing it ---- */

static void stats_walk(const struct vnode *n, struct vmap_stats *s)
{
	if (!n)
		return;
	stats_walk(n->left, s);
	if (n->kind != VN_FREE) {
		s->reserved_pages += n->pages;
		s->mapped_pages += n->mapped;
	}
	stats_walk(n->right, s);
}

void vmap_get_stats(struct vmap_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->start = vmap_start;
	s->pages = total;
	s->areas = nr_areas;
	s->largest_free = max_free(root);
	s->nodes = root ? nr_nodes : 0;
	s->pool_pages = nr_pool_pages;
	s->height = height(root);
	stats_walk(root, s);
}

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond)) {                                      \
			printk(LOG_ERR "vmap_check: " __VA_ARGS__); \
			printk("\n");                               \
			return -EIO;                                \
		}                                                   \
	} while (0)

struct walk {
	unsigned long next;    /* where the next range must start */
	unsigned long areas;   /* seen so far */
	unsigned long nodes;   /* seen so far */
	bool prev_free;	       /* the range before was free */
	bool check_free_pages; /* look up every free page, not just the ends */
};

static bool mapped_at(unsigned long va)
{
	unsigned int level;

	return !mfn_eq(arch_vmap_lookup(va, &level), INVALID_MFN);
}

/* One area's pages against the page tables. */
static int check_area(const struct vnode *n)
{
	unsigned long va = page_va(n->start), mapped = 0;

	for (unsigned long i = 0; i + 1 < n->pages; i++) {
		unsigned long p = va + (i << PAGE_SHIFT);
		unsigned int level;
		mfn_t m = arch_vmap_lookup(p, &level);
		const struct page_info *pg;

		if (mfn_eq(m, INVALID_MFN))
			continue;
		mapped++;
		CHECK(level == 1 || (level == 2 && n->kind == VN_VMALLOC),
		      "area %#lx: page %lu mapped at level %u", va, i, level);
		if (level == 2)
			CHECK(ROUNDDOWN(p, SZ_2M) >= va &&
				      ROUNDDOWN(p, SZ_2M) + SZ_2M <=
					      va + ((n->pages - 1UL)
						    << PAGE_SHIFT),
			      "area %#lx: the 2 MiB page at page %lu is not inside it",
			      va, i);
		if (n->kind != VN_VMALLOC)
			continue;
		pg = mfn_to_page(m);
		CHECK(mfn_valid(m) &&
			      (pg->count_info & (PGC_inuse | PGC_vmap)) ==
				      (PGC_inuse | PGC_vmap) &&
			      pg->v.vmap_va == p,
		      "area %#lx: page %lu, mfn %#lx, flags %#lx, recorded at %#lx",
		      va, i, mfn_x(m), pg->count_info, pg->v.vmap_va);
	}
	CHECK(mapped == n->mapped, "area %#lx: %lu pages mapped, it counts %u",
	      va, mapped, n->mapped);
	CHECK(n->mapped, "area %#lx: nothing mapped, yet it is still there",
	      va);
	CHECK(!mapped_at(va + ((n->pages - 1UL) << PAGE_SHIFT)),
	      "area %#lx: its guard page is mapped", va);
	return 0;
}

static int check_node(const struct vnode *n, struct walk *w)
{
	uint32_t mf;
	int rc;

	if (!n)
		return 0;
	CHECK(height(n) == 1 + MAX(height(n->left), height(n->right)),
	      "node %#x: height %u, children %u and %u", n->start, n->height,
	      height(n->left), height(n->right));
	CHECK((int)height(n->left) - (int)height(n->right) <= 1 &&
		      (int)height(n->right) - (int)height(n->left) <= 1,
	      "node %#x: unbalanced (%u, %u)", n->start, height(n->left),
	      height(n->right));
	mf = MAX(n->kind == VN_FREE ? n->pages : 0,
		 MAX(max_free(n->left), max_free(n->right)));
	CHECK(n->max_free == mf, "node %#x: max_free %u, should be %u",
	      n->start, n->max_free, mf);
	rc = check_node(n->left, w);
	if (rc)
		return rc;
	CHECK(n->start == w->next,
	      "node %#x (%u pages): the ranges leave a gap or overlap at %#lx",
	      n->start, n->pages, w->next);
	CHECK(n->pages && (n->kind == VN_FREE || n->pages >= 2),
	      "node %#x: %u pages", n->start, n->pages);
	CHECK(n->kind <= VN_VMALLOC, "node %#x: kind %u", n->start, n->kind);
	CHECK((n->start == 1) == (n == &first),
	      "node %#x: the static node is at %#x", n->start, first.start);
	if (n->kind == VN_FREE) {
		unsigned long va = page_va(n->start);
		unsigned long len = (unsigned long)n->pages << PAGE_SHIFT;

		CHECK(!w->prev_free,
		      "free ranges at %#x and before it not merged", n->start);
		if (w->check_free_pages) {
			for (unsigned long o = 0; o < len; o += PAGE_SIZE)
				CHECK(!mapped_at(va + o),
				      "free page %#lx is mapped", va + o);
		} else {
			CHECK(!mapped_at(va) &&
				      !mapped_at(va + len - PAGE_SIZE),
			      "free range %#lx (%u pages) is mapped", va,
			      n->pages);
		}
	} else {
		rc = check_area(n);
		if (rc)
			return rc;
		w->areas++;
	}
	w->prev_free = n->kind == VN_FREE;
	w->next = n->start + (unsigned long)n->pages;
	w->nodes++;
	return check_node(n->right, w);
}

int vmap_check(void)
{
	struct walk w = {.next = 1, .check_free_pages = total <= 4096};
	unsigned long bits;
	int rc;

	if (!root) {
		CHECK(!nr_areas && total <= 1, "no tree, %lu areas", nr_areas);
		return 0;
	}
	CHECK(!mapped_at(vmap_start), "page 0, the first guard, is mapped");
	rc = check_node(root, &w);
	if (rc)
		return rc;
	CHECK(w.next == total, "the ranges end at %#lx, the area at %#x",
	      w.next, total);
	CHECK(w.areas == nr_areas, "%lu areas in the tree, %lu counted",
	      w.areas, nr_areas);
	CHECK(w.nodes == nr_nodes, "%lu nodes in the tree, %lu counted",
	      w.nodes, nr_nodes);
	CHECK(nr_nodes - 1 <= nr_pool_pages * NODES_PER_PAGE &&
		      (nr_pool_pages == 0) == (nr_nodes == 1),
	      "%lu nodes in %lu pool pages", nr_nodes, nr_pool_pages);
	for (const struct pool_page *p = partial; p; p = p->next)
		CHECK(p->free && p->used < NODES_PER_PAGE && p->used,
		      "pool page %p on the partial list with %u nodes used", p,
		      p->used);
	/* An AVL tree of n nodes is at most 1.44 log2(n + 2) high. */
	bits = 64 - __builtin_clzl(nr_nodes + 2);
	CHECK(height(root) <= (bits * 3 + 1) / 2, "height %u for %lu nodes",
	      height(root), nr_nodes);
	return 0;
}
