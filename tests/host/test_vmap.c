/* SPDX-License-Identifier: MIT */
/*
 * The vmap area (mm/vmap.c) on a host machine: what include/mica/vmap.h
 * promises, with real faults. The host maps memfd frames into a PROT_NONE
 * reservation (tools/host/machine.c), so a guard page or an unmapped page
 * raises SIGSEGV, which faults() catches.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/host.h>
#include <mica/vmap.h>

#include "expect_panic.h"

#define GIB_FRAMES (1UL << 18)
#define DEFAULT_VMAP_PAGES ((VMAP_VIRT_END - VMAP_VIRT_START) >> PAGE_SHIFT)
#define SZ_2M (1UL << 21)

static int setup(void **state)
{
	host_vmap_pages = DEFAULT_VMAP_PAGES;
	host_vmap_mmap = true;
	heap_scramble = true;
	return host_machine_init(GIB_FRAMES) ? -1 : 0;
}

static int teardown(void **state)
{
	assert_int_equal(vmap_check(), 0);
	assert_int_equal(heap_check(), 0);
	host_machine_fini();
	host_vmap_pages = DEFAULT_VMAP_PAGES;
	return 0;
}

/* A fresh machine of nr frames with a vmap area of vmap_pages pages. */
static void remachine(unsigned long nr, unsigned long vmap_pages)
{
	host_machine_fini();
	host_vmap_pages = vmap_pages;
	assert_int_equal(host_machine_init(nr), 0);
}

static sigjmp_buf fault_jb;

static void on_fault(int sig)
{
	siglongjmp(fault_jb, 1);
}

/* Whether touching the byte at p (a read, or a write of 1) faults. */
static bool faults(const void *p, bool write)
{
	struct sigaction sa, old_segv, old_bus;
	volatile bool hit = false;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (sigsetjmp(fault_jb, 1))
		hit = true;
	else if (write)
		*(volatile char *)p = 1;
	else
		(void)*(const volatile char *)p;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return hit;
}

static char *page(void *p, long i)
{
	return (char *)p + i * (long)PAGE_SIZE;
}

/* The caller recorded for an area lies in function fn. */
static void assert_caller_in(unsigned long caller, void (*fn)(void **))
{
	unsigned long f = (unsigned long)fn;

	assert_true(caller > f && caller < f + 16384);
}

static void arch_contract(void **state)
{
	struct vmap_stats vs;
	unsigned long before = heap_free_pages(), va;
	struct page_info *pg = alloc_domheap_pages(NULL, 0, 0);
	struct page_info *big = alloc_domheap_pages(NULL, 9, 0);
	mfn_t m[3];
	unsigned int level;

	vmap_get_stats(&vs);
	/* Free space of the vmap area, used directly. */
	va = vs.start + 2 * SZ_2M;
	for (int i = 0; i < 3; i++)
		m[i] = mfn_add(page_to_mfn(pg), 0);
	assert_int_equal(arch_vmap_map(va, m, 3), 0);
	for (int i = 0; i < 3; i++) {
		assert_true(mfn_eq(arch_vmap_lookup(va + i * PAGE_SIZE, &level),
				   page_to_mfn(pg)));
		assert_int_equal(level, 1);
	}
	/* The same frame three times: one write shows in all three. */
	*(volatile char *)(va + 2 * PAGE_SIZE) = 42;
	assert_int_equal(*(volatile char *)va, 42);
	assert_true(faults((void *)(va + 3 * PAGE_SIZE), false));

	assert_int_equal(arch_vmap_map_2m(va + SZ_2M, page_to_mfn(big)), 0);
	assert_true(mfn_eq(arch_vmap_lookup(va + SZ_2M + 5 * PAGE_SIZE, &level),
			   mfn_add(page_to_mfn(big), 5)));
	assert_int_equal(level, 2);
	assert_int_equal(arch_vmap_split_2m(va + SZ_2M), 0);
	assert_true(mfn_eq(arch_vmap_lookup(va + SZ_2M + 5 * PAGE_SIZE, &level),
			   mfn_add(page_to_mfn(big), 5)));
	assert_int_equal(level, 1);
	arch_vmap_unmap(va + SZ_2M + 5 * PAGE_SIZE, 1);
	assert_true(faults((void *)(va + SZ_2M + 5 * PAGE_SIZE), false));
	assert_false(faults((void *)(va + SZ_2M + 6 * PAGE_SIZE), true));
	arch_vmap_unmap(va, 3);
	arch_vmap_unmap(va + SZ_2M, 512);
	assert_true(mfn_eq(arch_vmap_lookup(va + SZ_2M, &level), INVALID_MFN));
	assert_int_equal(level, 0);
	free_domheap_pages(pg, 0);
	free_domheap_pages(big, 9);
	/* Every page table went back to the heap with its last entry. */
	assert_int_equal(heap_free_pages(), before);
}

static void vmap_shows_the_frames(void **state)
{
	enum { N = 8 };
	struct page_info *pg[N];
	mfn_t m[N];
	unsigned long before;
	char *p;

	for (int i = 0; i < N; i++) {
		pg[i] = alloc_domheap_pages(NULL, 0, 0);
		assert_non_null(pg[i]);
		memset(arch_mfn_to_virt(mfn_x(page_to_mfn(pg[i]))), 'a' + i,
		       PAGE_SIZE);
		m[N - 1 - i] = page_to_mfn(pg[i]); /* mapped backwards */
	}
	before = heap_free_pages();
	p = vmap(m, N);
	assert_non_null(p);
	assert_true(IS_ALIGNED((unsigned long)p, PAGE_SIZE));
	for (int i = 0; i < N; i++) {
		assert_int_equal(page(p, i)[0], 'a' + N - 1 - i);
		assert_int_equal(page(p, i)[PAGE_SIZE - 1], 'a' + N - 1 - i);
		assert_true(mfn_eq(vmap_to_mfn(page(p, i) + 100), m[i]));
		assert_ptr_equal(vmap_to_page(page(p, i)), mfn_to_page(m[i]));
		/* Not vmalloc's: no address recorded in the frame. */
		assert_null(vmap_mfn_to_va(m[i]));
	}
	/* Writes land in the frames. */
	page(p, 0)[7] = 'Z';
	assert_int_equal(((char *)arch_mfn_to_virt(mfn_x(m[0])))[7], 'Z');
	assert_true(faults(page(p, -1), false));
	assert_true(faults(page(p, N), false));
	vunmap(p);
	assert_true(faults(p, false));
	assert_true(mfn_eq(vmap_to_mfn(p), INVALID_MFN));
	/* The frames are still the caller's. */
	assert_int_equal(heap_free_pages(), before);
	for (int i = 0; i < N; i++)
		free_domheap_pages(pg[i], 0);
	assert_null(vmap(m, 0));
	assert_null(vmap(NULL, 1));
}

static void guard_pages_fault(void **state)
{
	struct vmap_where w;
	char *p = vmalloc(3 * PAGE_SIZE), *q = vmalloc(PAGE_SIZE);

	assert_non_null(p);
	assert_non_null(q);
	for (int i = 0; i < 3; i++) {
		assert_false(faults(page(p, i), true));
		assert_false(faults(page(p, i) + PAGE_SIZE - 1, false));
	}
	assert_true(faults(page(p, -1), false));
	assert_true(faults(page(p, 3), true));
	assert_true(faults(page(q, -1), false));
	assert_true(faults(page(q, 1), false));

	assert_true(vmap_describe((unsigned long)page(p, 3) + 8, &w));
	assert_int_equal(w.place, VMAP_GUARD_ABOVE);
	assert_true(w.has_area && w.vmalloc);
	assert_int_equal(w.start, (unsigned long)p);
	assert_int_equal(w.pages, 3);
	assert_int_equal(w.mapped, 3);
	assert_caller_in(w.caller, guard_pages_fault);
	/* The first page of the vmap area guards the lowest area. */
	assert_true(vmap_describe((unsigned long)page(p, -1), &w));
	assert_int_equal(w.place, VMAP_GUARD_BELOW);
	assert_int_equal(w.start, (unsigned long)p);
	assert_true(vmap_describe((unsigned long)page(p, 1), &w));
	assert_int_equal(w.place, VMAP_MAPPED);
	assert_int_equal(w.offset, 1);
	/* Past q's guard: free space, counted from the guard. */
	assert_true(vmap_describe((unsigned long)page(q, 5), &w));
	assert_int_equal(w.place, VMAP_FREE);
	assert_int_equal(w.start, (unsigned long)q);
	assert_int_equal(w.offset, 4);
	assert_false(vmap_describe(0x1000, &w));
	assert_int_equal(w.place, VMAP_OUTSIDE);

	/* A free range's top page is the guard below the area above it. */
	vfree(p);
	assert_true(vmap_describe((unsigned long)page(q, -1), &w));
	assert_int_equal(w.place, VMAP_GUARD_BELOW);
	assert_int_equal(w.start, (unsigned long)q);
	assert_true(vmap_describe((unsigned long)page(q, -2), &w));
	assert_int_equal(w.place, VMAP_FREE);
	assert_false(w.has_area);
	vfree(q);
}

static void partial_unmap(void **state)
{
	unsigned long before = heap_free_pages();
	struct vmap_stats vs;
	struct vmap_where w;
	char *p = vmalloc(8 * PAGE_SIZE);

	assert_non_null(p);
	for (int i = 0; i < 8; i++)
		memset(page(p, i), '0' + i, PAGE_SIZE);
	assert_int_equal(vunmap_range(page(p, 2), 3), 5);
	for (int i = 0; i < 8; i++) {
		bool gone = i >= 2 && i < 5;

		assert_int_equal(faults(page(p, i) + 17, false), gone);
		assert_int_equal(mfn_eq(vmap_to_mfn(page(p, i)), INVALID_MFN),
				 gone);
		if (!gone)
			assert_int_equal(page(p, i)[17], '0' + i);
	}
	assert_true(vmap_describe((unsigned long)page(p, 3), &w));
	assert_int_equal(w.place, VMAP_UNMAPPED);
	assert_int_equal(w.offset, 3);
	assert_int_equal(w.mapped, 5);
	/* The frames there went back; the area keeps its range. */
	assert_int_equal(vmap_check(), 0);

	/* Ranges not inside one area. */
	assert_int_equal(vunmap_range(page(p, 1) + 1, 1), -EINVAL);
	assert_int_equal(vunmap_range(page(p, 1), 0), -EINVAL);
	assert_int_equal(vunmap_range(page(p, 7), 2), -EINVAL); /* its guard */
	assert_int_equal(vunmap_range(page(p, 8), 1), -EINVAL);
	assert_int_equal(vunmap_range(page(p, -1), 2), -EINVAL);
	assert_int_equal(vunmap_range(page(p, 20), 1), -EINVAL);
	assert_int_equal(vunmap_range((void *)0x1000, 1), -EINVAL);

	/* Unmapping twice is harmless; the last mapped page takes the area. */
	assert_int_equal(vunmap_range(page(p, 2), 3), 5);
	assert_int_equal(vunmap_range(p, 2), 3);
	assert_int_equal(vunmap_range(page(p, 5), 3), 0);
	vmap_get_stats(&vs);
	assert_int_equal(vs.areas, 0);
	assert_int_equal(heap_free_pages(), before);
	EXPECT_PANIC(vfree(p), "no area starts there");

	/* A vmap() area: the frames stay the caller's. */
	{
		struct page_info *pg = alloc_domheap_pages(NULL, 2, 0);
		mfn_t m[4];
		char *v;

		for (int i = 0; i < 4; i++)
			m[i] = mfn_add(page_to_mfn(pg), i);
		before = heap_free_pages();
		v = vmap(m, 4);
		assert_non_null(v);
		assert_int_equal(vunmap_range(page(v, 1), 2), 2);
		assert_true(faults(page(v, 1), false));
		assert_false(faults(page(v, 3), false));
		vunmap(v);
		assert_int_equal(heap_free_pages(), before);
		free_domheap_pages(pg, 2);
	}
}

static void reverse_lookup(void **state)
{
	enum { N = 16 };
	mfn_t m[N];
	char *p = vmalloc(N * PAGE_SIZE);

	assert_non_null(p);
	for (int i = 0; i < N; i++) {
		m[i] = vmap_to_mfn(page(p, i) + 123);
		assert_false(mfn_eq(m[i], INVALID_MFN));
		assert_ptr_equal(vmap_mfn_to_va(m[i]), page(p, i));
		assert_true(mfn_to_page(m[i])->count_info & PGC_vmap);
		/* The mapping and the direct map are the same memory. */
		page(p, i)[9] = (char)i;
		assert_int_equal(((char *)arch_mfn_to_virt(mfn_x(m[i])))[9], i);
	}
	assert_true(mfn_eq(vmap_to_mfn(page(p, N)), INVALID_MFN));
	assert_true(mfn_eq(vmap_to_mfn(&m), INVALID_MFN));
	assert_null(vmap_mfn_to_va(_mfn(GIB_FRAMES + 5)));
	vfree(p);
	for (int i = 0; i < N; i++) {
		assert_null(vmap_mfn_to_va(m[i]));
		assert_false(mfn_to_page(m[i])->count_info & PGC_vmap);
	}
}

static void large_vmalloc_uses_2m_pages(void **state)
{
	unsigned long before = heap_free_pages();
	unsigned int level;
	mfn_t m0;
	char *p = vmalloc(2 * SZ_2M + 3 * PAGE_SIZE), *z;

	assert_non_null(p);
	assert_true(IS_ALIGNED((unsigned long)p, SZ_2M));
	m0 = arch_vmap_lookup((unsigned long)p, &level);
	assert_int_equal(level, 2);
	assert_true(IS_ALIGNED(mfn_x(m0), 512));
	arch_vmap_lookup((unsigned long)p + SZ_2M, &level);
	assert_int_equal(level, 2);
	arch_vmap_lookup((unsigned long)p + 2 * SZ_2M, &level);
	assert_int_equal(level, 1);
	for (int i = 0; i < 512; i++) {
		assert_true(mfn_eq(vmap_to_mfn(page(p, i)), mfn_add(m0, i)));
		assert_ptr_equal(vmap_mfn_to_va(mfn_add(m0, i)), page(p, i));
	}
	memset(p, 0x33, 2 * SZ_2M + 3 * PAGE_SIZE);
	assert_true(faults(p + 2 * SZ_2M + 3 * PAGE_SIZE, false));
	assert_int_equal(vmap_check(), 0);

	/* Unmapping part of a 2 MiB page splits it; the rest stays. */
	assert_int_equal(vunmap_range(page(p, 1), 1), 1026);
	arch_vmap_lookup((unsigned long)p, &level);
	assert_int_equal(level, 1);
	assert_true(faults(page(p, 1), false));
	assert_int_equal(page(p, 2)[0], 0x33);
	assert_int_equal(page(p, 511)[PAGE_SIZE - 1], 0x33);
	arch_vmap_lookup((unsigned long)p + SZ_2M, &level);
	assert_int_equal(level, 2);
	/* A whole 2 MiB page goes at once, chunk and all. */
	assert_int_equal(vunmap_range(p + SZ_2M, 512), 514);
	assert_int_equal(vmap_check(), 0);
	vfree(p);
	assert_int_equal(heap_free_pages(), before);

	z = vzalloc(SZ_2M);
	assert_non_null(z);
	arch_vmap_lookup((unsigned long)z, &level);
	assert_int_equal(level, 2);
	for (unsigned long i = 0; i < SZ_2M; i += 64)
		assert_int_equal(z[i], 0);
	vfree(z);
	assert_int_equal(heap_free_pages(), before);
}

static void without_2m_chunks_4k_pages_do(void **state)
{
	struct host_range r[8];
	unsigned int level;
	unsigned long before;
	char *p;

	/* Ranges of 300 frames off any 2 MiB boundary: no order-9 chunk. */
	for (int i = 0; i < 8; i++) {
		r[i].start = 4096UL * (i + 1) + 100;
		r[i].end = r[i].start + 300;
	}
	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(GIB_FRAMES, r, 8), 0);
	before = heap_free_pages();
	p = vmalloc(SZ_2M);
	assert_non_null(p);
	assert_true(IS_ALIGNED((unsigned long)p, SZ_2M));
	for (int i = 0; i < 512; i++) {
		assert_false(mfn_eq(
			arch_vmap_lookup((unsigned long)page(p, i), &level),
			INVALID_MFN));
		assert_int_equal(level, 1);
	}
	memset(p, 1, SZ_2M);
	vfree(p);
	assert_int_equal(heap_free_pages(), before);

	/* Too little space to align: an unaligned area, in 4 KiB pages. */
	remachine(GIB_FRAMES, 1024);
	p = vmalloc(SZ_2M);
	assert_non_null(p);
	assert_false(IS_ALIGNED((unsigned long)p, SZ_2M));
	arch_vmap_lookup((unsigned long)p, &level);
	assert_int_equal(level, 1);
	vfree(p);
}

static void exhausting_the_area_unwinds(void **state)
{
	enum { PAGES = 64 };
	void *p[PAGES];
	unsigned long start, before;
	struct page_info *pg;
	mfn_t m[PAGES];
	struct vmap_stats vs;
	int n = 0;

	remachine(GIB_FRAMES, PAGES);
	start = heap_free_pages();
	/* Page 0 guards; each area takes its page and its guard page. */
	while ((p[n] = vmalloc(PAGE_SIZE)))
		n++;
	assert_int_equal(n, (PAGES - 1) / 2);
	before = heap_free_pages();
	assert_null(vmalloc(PAGE_SIZE));
	assert_null(vzalloc(3 * PAGE_SIZE));
	assert_int_equal(heap_free_pages(), before);
	assert_int_equal(vmap_check(), 0);
	for (int i = 0; i < n; i++)
		vfree(p[i]);
	vmap_get_stats(&vs);
	assert_int_equal(vs.areas, 0);
	assert_int_equal(vs.pool_pages, 0);
	assert_int_equal(vs.largest_free, PAGES - 1);
	assert_int_equal(heap_free_pages(), start);

	/* One area as large as the space allows, and one page more. */
	pg = alloc_domheap_pages(NULL, 0, 0);
	for (int i = 0; i < PAGES; i++)
		m[i] = page_to_mfn(pg);
	before = heap_free_pages();
	assert_null(vmap(m, PAGES - 1));
	assert_null(vmalloc((PAGES - 1) * PAGE_SIZE));
	assert_null(vmalloc(~0UL));
	assert_int_equal(heap_free_pages(), before);
	p[0] = vmap(m, PAGES - 2);
	assert_non_null(p[0]);
	assert_null(vmap(m, 1));
	vunmap(p[0]);
	assert_int_equal(heap_free_pages(), before);
	free_domheap_pages(pg, 0);
}

static void running_out_of_memory_unwinds(void **state)
{
	static const struct host_range r = {4096, 4096 + 700};
	struct page_info *hog[700];
	unsigned long start, before;
	int nhog = 0;

	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(GIB_FRAMES, &r, 1), 0);
	start = heap_free_pages();
	/* More than the heap has: refused, nothing kept. */
	assert_null(vmalloc(800 * PAGE_SIZE));
	assert_int_equal(heap_free_pages(), start);
	/*
	 * With k frames left, vmalloc(k pages) runs out part-way: of frames,
	 * of page-table frames or of pool pages for its nodes, wherever the
	 * heap ends. Each failure must leave the heap as it was.
	 */
	for (int k = 1; k < 80; k++) {
		while (heap_free_pages() > (unsigned long)k) {
			hog[nhog] = alloc_domheap_pages(NULL, 0, 0);
			assert_non_null(hog[nhog]);
			nhog++;
		}
		before = heap_free_pages();
		for (int size = 1; size <= k + 3; size++) {
			void *p = vmalloc(size * PAGE_SIZE);

			if (p) {
				vfree(p);
			} else if (nhog) {
				/* vmap() fails or not, but unwinds as well. */
				mfn_t m = page_to_mfn(hog[0]);
				void *v = vmap(&m, 1);

				if (v)
					vunmap(v);
			}
			assert_int_equal(heap_free_pages(), before);
			assert_int_equal(vmap_check(), 0);
		}
		while (nhog)
			free_domheap_pages(hog[--nhog], 0);
		if (heap_free_pages() < (unsigned long)k)
			break;
	}
	assert_int_equal(heap_free_pages(), start);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void no_leaks_after_random_use(void **state)
{
	enum { SLOTS = 64 };
	char *p[SLOTS] = {0};
	unsigned long start = heap_free_pages();
	struct vmap_stats vs;

	for (int step = 0; step < 3000; step++) {
		int s = rnd() % SLOTS;

		if (!p[s]) {
			size_t size = rnd() % 8 == 0
					      ? SZ_2M + rnd() % SZ_2M
					      : 1 + rnd() % (40 * PAGE_SIZE);

			p[s] = rnd() % 2 ? vmalloc(size) : vzalloc(size);
			assert_non_null(p[s]);
			p[s][size - 1] = 1;
		} else if (rnd() % 3 == 0) {
			struct vmap_where w;
			unsigned long first, nr;
			int rc;

			vmap_describe((unsigned long)p[s], &w);
			first = rnd() % w.pages;
			nr = 1 + rnd() % (w.pages - first);
			rc = vunmap_range(page(p[s], first), nr);
			assert_true(rc >= 0);
			if (rc == 0)
				p[s] = NULL;
		} else {
			vfree(p[s]);
			p[s] = NULL;
		}
		if (step % 100 == 0)
			assert_int_equal(vmap_check(), 0);
	}
	for (int s = 0; s < SLOTS; s++)
		vfree(p[s]);
	vmap_get_stats(&vs);
	assert_int_equal(vs.areas, 0);
	assert_int_equal(vs.mapped_pages, 0);
	assert_int_equal(heap_free_pages(), start);
}

static void allocator_scales_and_stays_balanced(void **state)
{
	enum { N = 10000 };
	static char *p[N];
	struct vmap_stats vs;
	char *q;

	for (int i = 0; i < N; i++) {
		p[i] = vmalloc(PAGE_SIZE);
		assert_non_null(p[i]);
		/* Lowest first: each right after the one before and its guard. */
		if (i)
			assert_ptr_equal(p[i], page(p[i - 1], 2));
	}
	assert_int_equal(vmap_check(), 0);
	vmap_get_stats(&vs);
	assert_int_equal(vs.areas, N);
	/* n nodes: AVL height at most 1.44 log2(n + 2), 20 for 10,001. */
	assert_true(vs.height <= 20);

	/* First fit: a freed range is the next to go, if it is big enough. */
	vfree(p[5000]);
	q = vmalloc(PAGE_SIZE);
	assert_ptr_equal(q, p[5000]);
	p[5000] = q;
	vfree(p[50]);
	vfree(p[100]);
	vfree(p[101]);
	q = vmalloc(2 * PAGE_SIZE); /* 3 pages with its guard: 100 and 101 */
	assert_ptr_equal(q, p[100]);
	p[100] = q;
	p[101] = NULL;
	q = vmalloc(PAGE_SIZE);
	assert_ptr_equal(q, p[50]);
	p[50] = q;
	assert_int_equal(vmap_check(), 0);

	/* Every other area freed: 15,000 nodes, still balanced. */
	for (int i = 0; i < N; i += 2) {
		vfree(p[i]);
		p[i] = NULL;
	}
	assert_int_equal(vmap_check(), 0);
	vmap_get_stats(&vs);
	assert_true(vs.height <= 21);
	for (int i = 0; i < N; i++)
		vfree(p[i]);
	vmap_get_stats(&vs);
	assert_int_equal(vs.nodes, 1);
	assert_int_equal(vs.pool_pages, 0);
}

static void misuse_is_caught(void **state)
{
	struct page_info *pg = alloc_domheap_pages(NULL, 0, 0);
	mfn_t m = page_to_mfn(pg);
	char *v = vmap(&m, 1), *p = vmalloc(2 * PAGE_SIZE);
	int x;

	EXPECT_PANIC(vfree(v), "a vmap area: free it with vunmap");
	EXPECT_PANIC(vunmap(p), "a vmalloc area: free it with vfree");
	EXPECT_PANIC(vfree(page(p, 1)), "page 1 of the vmalloc area");
	EXPECT_PANIC(vfree(&x), "not in the vmap area");
	EXPECT_PANIC(vfree(page(p, 2)), "no area starts there");
	vfree(NULL);
	vfree(p);
	EXPECT_PANIC(vfree(p), "no area starts there");
	vunmap(v);
	free_domheap_pages(pg, 0);
}

static void vzalloc_is_zero(void **state)
{
	char *p = vmalloc(5 * PAGE_SIZE);

	memset(p, 0xff, 5 * PAGE_SIZE);
	vfree(p);
	p = vzalloc(5 * PAGE_SIZE);
	assert_non_null(p);
	for (unsigned long i = 0; i < 5 * PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
	vfree(p);
	assert_null(vmalloc(0));
	assert_null(vzalloc(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(arch_contract),
		T(vmap_shows_the_frames),
		T(guard_pages_fault),
		T(partial_unmap),
		T(reverse_lookup),
		T(large_vmalloc_uses_2m_pages),
		T(without_2m_chunks_4k_pages_do),
		T(exhausting_the_area_unwinds),
		T(running_out_of_memory_unwinds),
		T(no_leaks_after_random_use),
		T(allocator_scales_and_stays_balanced),
		T(misuse_is_caught),
		T(vzalloc_is_zero),
#undef T
	};

	return cmocka_run_group_tests_name("vmap", tests, NULL, NULL);
}
