/* SPDX-License-Identifier: MIT */
/* xmalloc's promises, checked in the kernel on the machine's real memory. */
#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/selftest.h>
#include <mica/xmalloc.h>

/* What the heap and xmalloc hold between them stays put. */
struct held {
	unsigned long heap_free, pool_pages;
};

static void snapshot(struct held *h)
{
	struct heap_stats s;

	heap_get_stats(&s);
	h->heap_free = s.free_pages;
	h->pool_pages = xmalloc_pool_pages();
}

/*
 * Everything the test took is back: in the heap, or, when other users keep
 * pools of their own, at most as the one empty pool xmalloc keeps.
 */
static void check_given_back(struct selftest_ctx *t, const struct held *before)
{
	struct held now;

	snapshot(&now);
	ST_CHECK(t,
		 now.heap_free + now.pool_pages ==
			 before->heap_free + before->pool_pages,
		 "heap %lu + pools %lu frames, before %lu + %lu", now.heap_free,
		 now.pool_pages, before->heap_free, before->pool_pages);
	ST_CHECK(t,
		 now.pool_pages == before->pool_pages ||
			 (before->pool_pages &&
			  now.pool_pages == before->pool_pages + 1),
		 "%lu pool pages, %lu before", now.pool_pages,
		 before->pool_pages);
	ST_CHECK_EQ(t, xmalloc_check(), 0);
}

static uint8_t pattern(unsigned int tag, size_t i)
{
	return (uint8_t)(tag * 131 + i * 7 + 1);
}

static void fill(void *p, size_t n, unsigned int tag)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = pattern(tag, i);
}

static bool holds(const void *p, size_t n, unsigned int tag)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != pattern(tag, i))
			return false;
	return true;
}

#define NR_SIZES 600

SELFTEST(xmalloc, sizes_up_to_a_page)
{
	static const size_t edges[] = {XMALLOC_SMALL_MAX, XMALLOC_SMALL_MAX + 1,
				       PAGE_SIZE};
	static void *p[NR_SIZES];
	static size_t sz[NR_SIZES];
	struct held before;

	snapshot(&before);
	for (unsigned int i = 0; i < NR_SIZES; i++) {
		/* The edges around a pool's largest, then 1 to 4096 by 7s. */
		sz[i] = i < ARRAY_SIZE(edges) ? edges[i]
					      : 1 + (i - ARRAY_SIZE(edges)) * 7;
		p[i] = xmalloc_bytes(sz[i]);
		ST_CHECK(t, p[i] != NULL, "xmalloc_bytes(%zu) failed", sz[i]);
		if (!p[i])
			continue;
		ST_CHECK(t, (uintptr_t)p[i] % XMALLOC_ALIGN == 0,
			 "%p (%zu bytes) misaligned", p[i], sz[i]);
		ST_CHECK(t,
			 !((uintptr_t)p[i] % PAGE_SIZE) ==
				 (sz[i] > XMALLOC_SMALL_MAX),
			 "%p (%zu bytes): page alignment wrong", p[i], sz[i]);
		fill(p[i], sz[i], i);
	}
	ST_CHECK_EQ(t, xmalloc_check(), 0);
	for (unsigned int i = 0; i < NR_SIZES; i++)
		if (p[i])
			ST_CHECK(t, holds(p[i], sz[i], i),
				 "%p (%zu bytes) overwritten", p[i], sz[i]);
	/* Every other one, then the rest: merges on both sides. */
	for (unsigned int i = 0; i < NR_SIZES; i += 2)
		xfree(p[i]);
	ST_CHECK_EQ(t, xmalloc_check(), 0);
	for (unsigned int i = 1; i < NR_SIZES; i += 2)
		xfree(p[i]);
	check_given_back(t, &before);
}

SELFTEST(xmalloc, alignment_up_to_a_page)
{
	static const size_t sizes[] = {1, 100, 1000, 3000, 5000};
	void *p[13][ARRAY_SIZE(sizes)];
	struct held before;

	snapshot(&before);
	for (unsigned int a = 0; a <= 12; a++)
		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
			p[a][i] = _xmalloc(sizes[i], 1UL << a);
			ST_CHECK(t,
				 p[a][i] && !((uintptr_t)p[a][i] % (1UL << a)),
				 "_xmalloc(%zu, %lu) gave %p", sizes[i],
				 1UL << a, p[a][i]);
		}
	ST_CHECK_EQ(t, xmalloc_check(), 0);
	for (unsigned int a = 0; a <= 12; a++)
		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
			xfree(p[a][i]);
	ST_CHECK(t, _xmalloc(64, 2 * PAGE_SIZE) == NULL, "align 8192 taken");
	ST_CHECK(t, _xmalloc(64, 48) == NULL, "align 48 taken");
	check_given_back(t, &before);
}

/* 20 KiB costs 5 frames, physically contiguous, never 8. */
SELFTEST(xmalloc, large_requests_take_exact_frames)
{
	static const size_t sizes[] = {20 * 1024, PAGE_SIZE, PAGE_SIZE + 1,
				       100 * PAGE_SIZE - 3};
	struct held before;

	snapshot(&before);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long nr = (sizes[i] + PAGE_SIZE - 1) / PAGE_SIZE;
		struct held mid;
		uint8_t *p = xmalloc_bytes(sizes[i]);
		unsigned long mfn;

		ST_CHECK(t, p != NULL, "xmalloc_bytes(%zu) failed", sizes[i]);
		if (!p)
			continue;
		snapshot(&mid);
		ST_CHECK(t, before.heap_free - mid.heap_free == nr,
			 "%zu bytes cost %lu frames, not %lu", sizes[i],
			 before.heap_free - mid.heap_free, nr);
		mfn = arch_virt_to_mfn(p);
		for (unsigned long f = 0; f < nr; f++) {
			struct page_info *pg = mfn_to_page(_mfn(mfn + f));

			ST_CHECK(t,
				 arch_virt_to_mfn(p + f * PAGE_SIZE) == mfn + f,
				 "frame %lu of %p is not contiguous", f, p);
			ST_CHECK(
				t,
				(pg->count_info & (PGC_inuse | PGC_xen_heap)) ==
					(PGC_inuse | PGC_xen_heap),
				"mfn %#lx: count_info %#lx", mfn + f,
				pg->count_info);
		}
		fill(p, sizes[i], i);
		ST_CHECK(t, holds(p, sizes[i], i), "%zu bytes", sizes[i]);
		xfree(p);
	}
	check_given_back(t, &before);
}

SELFTEST(xmalloc, xrealloc_keeps_contents)
{
	static const size_t steps[] = {10,    200,  3000, 4024, 5000,
				       20000, 9000, 4096, 700,	1};
	struct held before;
	size_t have = 0;
	uint8_t *p = NULL;

	snapshot(&before);
	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++) {
		uint8_t *q = xrealloc(p, steps[i]);

		ST_CHECK(t, q != NULL, "xrealloc to %zu failed", steps[i]);
		if (!q)
			break;
		ST_CHECK(t, holds(q, MIN(have, steps[i]), 5),
			 "%zu -> %zu bytes lost contents", have, steps[i]);
		fill(q, steps[i], 5);
		have = steps[i];
		p = q;
	}
	xfree(p);
	check_given_back(t, &before);
}

SELFTEST(xmalloc, array_overflow_is_refused)
{
	struct held before;
	uint32_t *a;

	snapshot(&before);
	ST_CHECK(t, xmalloc_array(uint64_t, SIZE_MAX / 4) == NULL,
		 "overflowing array allocated");
	ST_CHECK(t, xzalloc_array(uint64_t, SIZE_MAX / 8 + 1) == NULL,
		 "overflowing array allocated");
	a = xzalloc_array(uint32_t, 5000);
	ST_CHECK(t, a != NULL, "20000-byte array failed");
	if (a) {
		bool zero = true;

		for (unsigned int i = 0; i < 5000; i++)
			zero &= !a[i];
		ST_CHECK(t, zero, "xzalloc_array not zeroed");
		xfree(a);
	}
	check_given_back(t, &before);
}

#ifdef MICA_DEBUG
/* Freed memory holds the poison, and xmalloc_check sees a write to it. */
SELFTEST(xmalloc, freed_memory_is_poisoned)
{
	uint8_t *a = xmalloc_bytes(64), *b = xmalloc_bytes(200),
		*c = xmalloc_bytes(64);
	bool poisoned = true;

	ST_CHECK(t, a && b && c, "allocation failed");
	if (!a || !b || !c)
		return;
	memset(b, 0, 200);
	xfree(b);
	/*
	 * Past the list links and before the boundary tag (where b's block
	 * ends a free block, merged or not), the payload reads as poison.
	 */
	for (unsigned int i = 16; i < 184; i++)
		poisoned &= b[i] == XMALLOC_POISON;
	ST_CHECK(t, poisoned, "freed block not poisoned");
	b[100] = 0;
	printk("    # xmalloc_check should complain about a write after free:\n");
	ST_CHECK(t, xmalloc_check() == -EIO, "write after free not seen");
	b[100] = XMALLOC_POISON;
	ST_CHECK_EQ(t, xmalloc_check(), 0);
	xfree(a);
	xfree(c);
}
#endif
