/* SPDX-License-Identifier: MIT */
/*
 * The vmap area on the real page tables: what include/mica/vmap.h and the
 * arch_vmap_* contract promise, read back with paging_lookup().
 */
#include <asm/processor.h>
#include <mica/arch_mm.h>
#include <mica/domain_page.h>
#include <mica/errno.h>
#include <mica/paging.h>
#include <mica/selftest.h>
#include <mica/vmap.h>

#define SZ_2M (1UL << L2_PAGE_SHIFT)

/* Free pages, and the page tables the hypervisor keeps once it has them. */
static unsigned long free_pages(void)
{
	return heap_free_pages() + paging_tables_kept();
}

/* Write or read a frame outside the vmap area: no direct map is assumed. */
static void fill_frame(mfn_t m, int c)
{
	void *p = map_domain_page(m);

	memset(p, c, PAGE_SIZE);
	unmap_domain_page(p);
}

static char frame_byte(mfn_t m, unsigned int i)
{
	const char *p = map_domain_page(m);
	char c = p[i];

	unmap_domain_page(p);
	return c;
}

static uint64_t lookup(const void *va, unsigned int *level)
{
	return paging_lookup((unsigned long)va, level);
}

static char *page(void *p, long i)
{
	return (char *)p + i * (long)PAGE_SIZE;
}

/* A 4 KiB (level 1) or 2 MiB (level 2) mapping of frame m, as promised. */
static void check_entry(struct selftest_ctx *t, const void *va, mfn_t m,
			unsigned int want_level)
{
	uint64_t nx = cpu_features.nx ? _PAGE_NX : 0;
	uint64_t g = cpu_features.pge ? _PAGE_GLOBAL : 0;
	unsigned int level;
	uint64_t e = lookup(va, &level);
	unsigned long got = (e & PADDR_MASK) >> PAGE_SHIFT;

	if (level == 2)
		got = (got & ~511UL) +
		      (((unsigned long)va >> PAGE_SHIFT) & 511);
	ST_CHECK(t,
		 e && level == want_level && (e & _PAGE_RW) &&
			 (e & _PAGE_NX) == nx && (e & _PAGE_GLOBAL) == g &&
			 !(e & _PAGE_USER),
		 "%p: entry %#lx at level %u", va, e, level);
	ST_CHECK(t, got == mfn_x(m), "%p maps mfn %#lx, vmap_to_mfn says %#lx",
		 va, got, mfn_x(m));
}

SELFTEST(vmap, mappings_present_guards_absent)
{
	unsigned long before = free_pages();
	unsigned int level;
	char *p = vmalloc(3 * PAGE_SIZE), *q;

	if (!p) {
		selftest_error(t, "vmalloc(3 pages) failed");
		return;
	}
	ST_CHECK(t,
		 (unsigned long)p >= VMAP_VIRT_START &&
			 (unsigned long)p < VMAP_VIRT_END,
		 "vmalloc gave %p, outside the vmap area", p);
	for (int i = 0; i < 3; i++) {
		mfn_t m = vmap_to_mfn(page(p, i));

		check_entry(t, page(p, i), m, 1);
		ST_CHECK(t, vmap_mfn_to_va(m) == page(p, i),
			 "page %d: frame %#lx maps back to %p", i, mfn_x(m),
			 vmap_mfn_to_va(m));
		memset(page(p, i), i, PAGE_SIZE);
		ST_CHECK_EQ(t, frame_byte(m, 0), i);
	}
	ST_CHECK(t, !lookup(page(p, -1), &level), "the guard below is mapped");
	ST_CHECK(t, !lookup(page(p, 3), &level), "the guard above is mapped");
	/* The next area leaves the guard page between them. */
	q = vmalloc(PAGE_SIZE);
	ST_CHECK(t, q == page(p, 4), "the next area is at %p, not %p", q,
		 page(p, 4));
	ST_CHECK(t, !lookup(page(p, 3), &level), "the guard page got mapped");
	ST_CHECK_EQ(t, vmap_check(), 0);
	vfree(q);
	vfree(p);
	for (int i = 0; i < 3; i++)
		ST_CHECK(t, !lookup(page(p, i), &level),
			 "page %d still mapped after vfree", i);
	/* Frames, pool page and page tables: all back. */
	ST_CHECK_EQ(t, free_pages(), before);
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(vmap, vmap_maps_given_frames)
{
	unsigned long before;
	struct page_info *pg = alloc_domheap_pages(NULL, 1, 0);
	mfn_t m[3];
	char *v;

	if (!pg) {
		selftest_error(t, "no memory");
		return;
	}
	m[0] = mfn_add(page_to_mfn(pg), 1);
	m[1] = page_to_mfn(pg);
	m[2] = mfn_add(page_to_mfn(pg), 1);
	fill_frame(m[0], 'b');
	fill_frame(m[1], 'a');
	before = free_pages();
	v = vmap(m, 3);
	ST_CHECK(t, v != NULL, "vmap failed");
	if (!v)
		goto out;
	for (int i = 0; i < 3; i++)
		check_entry(t, page(v, i), m[i], 1);
	ST_CHECK(t, v[0] == 'b' && page(v, 1)[5] == 'a' && page(v, 2)[9] == 'b',
		 "contents %c %c %c", v[0], page(v, 1)[5], page(v, 2)[9]);
	/*
	 * The same frame twice: a write through one shows through the other
	 * (volatile: to the compiler they are different bytes).
	 */
	*(volatile char *)&v[3] = 'x';
	ST_CHECK_EQ(t, *(volatile char *)&page(v, 2)[3], 'x');
	vunmap(v);
	ST_CHECK_EQ(t, free_pages(), before);
out:
	free_domheap_pages(pg, 1);
	ST_CHECK_EQ(t, vmap_check(), 0);
}

SELFTEST(vmap, large_vmalloc_uses_2m_pages)
{
	unsigned long before = free_pages();
	unsigned int level;
	char *p;
	mfn_t m;

	p = vmalloc(2 * SZ_2M);
	if (!p) {
		selftest_error(t, "vmalloc(4 MiB) failed");
		return;
	}
	ST_CHECK(t, IS_ALIGNED((unsigned long)p, SZ_2M), "%p not 2 MiB aligned",
		 p);
	m = vmap_to_mfn(p);
	lookup(p, &level);
	if (level != 2) {
		/* A machine too fragmented for an order-9 chunk. */
		selftest_skip(t, "no 2 MiB chunk in the heap");
		vfree(p);
		return;
	}
	check_entry(t, p, m, 2);
	check_entry(t, p + SZ_2M + 5 * PAGE_SIZE,
		    vmap_to_mfn(p + SZ_2M + 5 * PAGE_SIZE), 2);
	ST_CHECK(t, mfn_eq(vmap_to_mfn(page(p, 300)), mfn_add(m, 300)),
		 "a 2 MiB page of frames not contiguous");
	ST_CHECK(t, vmap_mfn_to_va(mfn_add(m, 300)) == page(p, 300),
		 "frame of page 300 maps back to %p",
		 vmap_mfn_to_va(mfn_add(m, 300)));
	memset(p, 0x5c, 2 * SZ_2M);
	ST_CHECK(t, !lookup(p + 2 * SZ_2M, &level), "the guard is mapped");

	/* Unmapping a page in the middle splits the first 2 MiB page. */
	ST_CHECK_EQ(t, vunmap_range(page(p, 7), 1), 1023);
	check_entry(t, page(p, 6), mfn_add(m, 6), 1);
	check_entry(t, page(p, 8), mfn_add(m, 8), 1);
	ST_CHECK(t, !lookup(page(p, 7), &level), "page 7 still mapped");
	ST_CHECK(t, page(p, 8)[100] == 0x5c && page(p, 511)[4095] == 0x5c,
		 "the split lost the contents");
	lookup(p + SZ_2M, &level);
	ST_CHECK_EQ(t, level, 2);
	ST_CHECK_EQ(t, vmap_check(), 0);
	vfree(p);
	ST_CHECK_EQ(t, free_pages(), before);
	ST_CHECK_EQ(t, heap_check(), 0);
}

SELFTEST(vmap, partial_unmap)
{
	unsigned long before = free_pages(), mid;
	struct vmap_where w;
	unsigned int level;
	char *p = vmalloc(6 * PAGE_SIZE);

	if (!p) {
		selftest_error(t, "vmalloc failed");
		return;
	}
	mid = free_pages();
	ST_CHECK_EQ(t, vunmap_range(page(p, 1), 2), 4);
	ST_CHECK_EQ(t, free_pages() - mid, 2);
	ST_CHECK(t,
		 lookup(p, &level) && !lookup(page(p, 1), &level) &&
			 !lookup(page(p, 2), &level) &&
			 lookup(page(p, 3), &level),
		 "pages 1 and 2 should be all that is unmapped");
	ST_CHECK(t,
		 vmap_describe((unsigned long)page(p, 2), &w) &&
			 w.place == VMAP_UNMAPPED &&
			 w.start == (unsigned long)p && w.offset == 2,
		 "page 2 described as place %d of %#lx", w.place, w.start);
	ST_CHECK_EQ(t, vunmap_range(page(p, 6), 1), -EINVAL);
	ST_CHECK_EQ(t, vmap_check(), 0);
	ST_CHECK_EQ(t, vunmap_range(p, 6), 0); /* the rest: the area goes */
	ST_CHECK_EQ(t, free_pages(), before);
	ST_CHECK_EQ(t, vmap_check(), 0);
}

SELFTEST(vmap, many_areas)
{
	enum { N = 2000 };
	static void *p[N];
	unsigned long before = free_pages();
	struct vmap_stats s;
	int n;

	for (n = 0; n < N; n++)
		if (!(p[n] = vmalloc(PAGE_SIZE)))
			break;
	vmap_get_stats(&s);
	ST_CHECK_EQ(t, s.areas, n);
	ST_CHECK(t, s.height <= 17, "height %u for %lu nodes", s.height,
		 s.nodes);
	ST_CHECK_EQ(t, vmap_check(), 0);
	for (int i = 0; i < n; i += 2)
		vfree(p[i]);
	for (int i = 1; i < n; i += 2)
		vfree(p[i]);
	ST_CHECK_EQ(t, free_pages(), before);
	ST_CHECK_EQ(t, vmap_check(), 0);
}
