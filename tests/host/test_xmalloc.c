/* SPDX-License-Identifier: MIT */
/*
 * xmalloc (mm/xmalloc.c) on a host machine, debug build: what
 * include/mica/xmalloc.h promises, and the bugs it promises to catch.
 */
#include <setjmp.h>
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
#include <mica/xmalloc.h>

#include "expect_panic.h"

#define FRAMES 16384 /* a 64 MiB machine */

static unsigned long start_free;

static int setup(void **state)
{
	if (host_machine_init(FRAMES))
		return -1;
	start_free = heap_free_pages();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(xmalloc_check(), 0);
	assert_int_equal(heap_check(), 0);
	host_machine_fini();
	return 0;
}

/* A caught bug leaves xmalloc as it was when it panicked: start afresh. */
static void fresh_machine(void)
{
	assert_int_equal(host_machine_init(FRAMES), 0);
	start_free = heap_free_pages();
}

/* xmalloc_check()'s complaints, caught rather than printed. */
static char said[1024];

static void catch_log(int level, const char *msg)
{
	size_t n = strlen(said);

	snprintf(said + n, sizeof(said) - n, "%s", msg);
}

/* xmalloc_check() fails, saying text. */
static void expect_check_fails(const char *text)
{
	said[0] = '\0';
	host_log_hook = catch_log;
	assert_int_equal(xmalloc_check(), -EIO);
	host_log_hook = NULL;
	if (!strstr(said, text))
		fail_msg("xmalloc_check said \"%s\", not \"%s\"", said, text);
}

static uint64_t rng = 0x2545f4914f6cdd1dUL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint8_t pattern(uintptr_t tag, size_t i)
{
	return (uint8_t)(tag * 131 + i * 7 + 1);
}

static void fill(void *p, size_t n, uintptr_t tag)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = pattern(tag, i);
}

static bool holds(const void *p, size_t n, uintptr_t tag)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != pattern(tag, i))
			return false;
	return true;
}

static bool all_bytes(const void *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != v)
			return false;
	return true;
}

static void shuffle(void **v, size_t *sz, size_t n)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t k = rnd() % (i + 1), t = sz[i];
		void *x = v[i];

		v[i] = v[k];
		v[k] = x;
		sz[i] = sz[k];
		sz[k] = t;
	}
}

/* Every size from 1 to a page, all live at once, freed in random order. */
static void sizes_one_to_a_page(void **state)
{
	enum { N = PAGE_SIZE };
	static void *p[N];
	static size_t sz[N];
	struct xmalloc_stats st;

	for (size_t i = 0; i < N; i++) {
		sz[i] = i + 1;
		p[i] = xmalloc_bytes(sz[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % XMALLOC_ALIGN, 0);
		/* Pool blocks are never page-aligned; large ones always are. */
		assert_int_equal(!((uintptr_t)p[i] % PAGE_SIZE),
				 sz[i] > XMALLOC_SMALL_MAX);
		/* Fresh memory shows the poison in debug builds. */
		if (sz[i] <= XMALLOC_SMALL_MAX)
			assert_true(all_bytes(p[i], sz[i], XMALLOC_POISON));
		fill(p[i], sz[i], i);
		if (i % 512 == 0)
			assert_int_equal(xmalloc_check(), 0);
	}
	for (size_t i = 0; i < N; i++)
		assert_true(holds(p[i], sz[i], i));
	xmalloc_get_stats(&st);
	assert_int_equal(st.used_blocks, XMALLOC_SMALL_MAX);
	assert_int_equal(st.large_allocs, N - XMALLOC_SMALL_MAX);
	assert_int_equal(xmalloc_check(), 0);
	shuffle(p, sz, N);
	for (size_t i = 0; i < N; i++) {
		xfree(p[i]);
		if (i % 512 == 0)
			assert_int_equal(xmalloc_check(), 0);
	}
	xmalloc_get_stats(&st);
	assert_int_equal(st.pool_pages + st.large_pages + st.used_blocks, 0);
	assert_int_equal(heap_free_pages(), start_free);
}

struct wide {
	uint8_t b[40];
} __aligned(64);

static void alignment(void **state)
{
	/* 0: a page-aligned request of nothing still takes a frame. */
	static const size_t sizes[] = {0, 1, 24, 100, 1000, 3000, 4024, 5000};
	static void *p[13][ARRAY_SIZE(sizes)];
	struct wide *w;

	for (unsigned int a = 0; a <= 12; a++)
		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
			p[a][i] = _xmalloc(sizes[i], 1UL << a);
			assert_non_null(p[a][i]);
			assert_int_equal((uintptr_t)p[a][i] % (1UL << a), 0);
			assert_int_equal((uintptr_t)p[a][i] % XMALLOC_ALIGN, 0);
			fill(p[a][i], sizes[i], a * 16 + i);
		}
	assert_int_equal(xmalloc_check(), 0);
	for (unsigned int a = 0; a <= 12; a++)
		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
			assert_true(holds(p[a][i], sizes[i], a * 16 + i));
	for (unsigned int a = 0; a <= 12; a++)
		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
			xfree(p[a][i]);
	/* The typed macros take the type's alignment. */
	w = xmalloc(struct wide);
	assert_non_null(w);
	assert_int_equal((uintptr_t)w % 64, 0);
	xfree(w);
	w = xzalloc_array(struct wide, 3);
	assert_non_null(w);
	assert_int_equal((uintptr_t)w % 64, 0);
	assert_true(all_bytes(w, 3 * sizeof(*w), 0));
	xfree(w);
	/* Not a power of two, or beyond a page: refused. */
	assert_null(_xmalloc(64, 48));
	assert_null(_xmalloc(64, 2 * PAGE_SIZE));
	assert_null(_xzalloc(64, 3));
	assert_null(_xmalloc(20000, 8192));
	assert_int_equal(heap_free_pages(), start_free);
}

static void array_overflow_returns_null(void **state)
{
	uint32_t *a;

	assert_null(xmalloc_array(uint64_t, SIZE_MAX / 4));
	assert_null(xmalloc_array(uint64_t, SIZE_MAX / 8 + 1));
	assert_null(xzalloc_array(struct wide, SIZE_MAX / 32));
	assert_null(_xmalloc_array(SIZE_MAX / 2 + 1, 0, 2));
	/* No overflow, but far beyond what the heap can give. */
	assert_null(xmalloc_array(uint64_t, SIZE_MAX / 8));
	assert_null(xmalloc_bytes(SIZE_MAX));
	assert_null(xmalloc_bytes((PAGE_SIZE << MAX_ORDER) + 1));
	assert_int_equal(heap_free_pages(), start_free);
	a = xmalloc_array(uint32_t, 1000);
	assert_non_null(a);
	for (unsigned int i = 0; i < 1000; i++)
		a[i] = i;
	xfree(a);
	a = xzalloc_array(uint32_t, 3000); /* 12000 bytes: 3 pages */
	assert_non_null(a);
	assert_int_equal(heap_free_pages(), start_free - 3);
	assert_true(all_bytes(a, 3000 * sizeof(*a), 0));
	xfree(a);
	/* No elements: a minimal block, freed like any other. */
	a = xmalloc_array(uint32_t, 0);
	assert_non_null(a);
	xfree(a);
	assert_int_equal(heap_free_pages(), start_free);
}

static void xzalloc_zeroes(void **state)
{
	static const size_t sizes[] = {1, 17, 64, 500, 4024, 4025, 20480};
	void *p[ARRAY_SIZE(sizes)];

	/* Dirty the memory first, so zeroes are the allocator's doing. */
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = xmalloc_bytes(sizes[i]);
		memset(p[i], 0xee, sizes[i]);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		xfree(p[i]);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = xzalloc_bytes(sizes[i]);
		assert_non_null(p[i]);
		assert_true(all_bytes(p[i], sizes[i], 0));
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		xfree(p[i]);
	assert_int_equal(heap_free_pages(), start_free);
}

/* Grow and shrink one allocation through both paths, keeping its bytes. */
static void xrealloc_keeps_contents(void **state)
{
	static const size_t steps[] = {10,   100,   1000,   4000,  4024, 4025,
				       5000, 20000, 100000, 50000, 8192, 4096,
				       3000, 64,    1,	    0,	   33};
	size_t have = 0;
	uint8_t *p = NULL;

	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++) {
		uint8_t *q = xrealloc(p, steps[i]);

		assert_non_null(q);
		assert_true(holds(q, MIN(have, steps[i]), 7));
		fill(q, steps[i], 7);
		have = steps[i];
		p = q;
		assert_int_equal(xmalloc_check(), 0);
	}
	xfree(p);
	assert_int_equal(heap_free_pages(), start_free);
}

static void xrealloc_in_place(void **state)
{
	uint8_t *a, *b, *c, *q;
	unsigned long before;

	/* Shrinking a small block keeps it where it is. */
	a = xmalloc_bytes(1000);
	fill(a, 1000, 1);
	assert_ptr_equal(xrealloc(a, 300), a);
	assert_true(holds(a, 300, 1));
	/* Growing into the free block after it, too. */
	b = xmalloc_bytes(100);
	c = xmalloc_bytes(100);
	fill(b, 100, 2);
	xfree(c);
	q = xrealloc(b, 900);
	assert_ptr_equal(q, b);
	assert_true(holds(b, 100, 2));
	assert_int_equal(xmalloc_check(), 0);
	xfree(a);
	xfree(b);
	/* A large allocation shrinks by giving back its last frames. */
	a = xmalloc_bytes(10 * PAGE_SIZE);
	fill(a, 10 * PAGE_SIZE, 3);
	before = heap_free_pages();
	assert_ptr_equal(xrealloc(a, 3 * PAGE_SIZE + 1), a);
	assert_int_equal(heap_free_pages(), before + 6);
	assert_true(holds(a, 3 * PAGE_SIZE + 1, 3));
	/* Failure leaves p as it was. */
	assert_null(xrealloc(a, (PAGE_SIZE << MAX_ORDER) + 1));
	assert_true(holds(a, 3 * PAGE_SIZE + 1, 3));
	xfree(a);
	/* xrealloc(NULL, n) is xmalloc_bytes(n). */
	a = xrealloc(NULL, 50);
	assert_non_null(a);
	xfree(a);
	assert_int_equal(heap_free_pages(), start_free);
}

/* A page or more costs exactly its pages: 20 KiB is 5 frames, not 8. */
static void large_requests_take_exact_pages(void **state)
{
	static const struct {
		size_t size;
		unsigned long frames;
	} t[] = {
		{20 * 1024, 5}, {PAGE_SIZE, 1},		{PAGE_SIZE + 1, 2},
		{4025, 1},	{3 * PAGE_SIZE - 1, 3}, {100 * PAGE_SIZE, 100},
		{1000000, 245},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(t); i++) {
		unsigned long before = heap_free_pages();
		struct xmalloc_stats st;
		void *p = xmalloc_bytes(t[i].size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % PAGE_SIZE, 0);
		assert_int_equal(before - heap_free_pages(), t[i].frames);
		xmalloc_get_stats(&st);
		assert_int_equal(st.large_pages, t[i].frames);
		assert_int_equal(st.pool_pages, 0);
		fill(p, t[i].size, i);
		assert_true(holds(p, t[i].size, i));
		xfree(p);
		assert_int_equal(heap_free_pages(), before);
	}
	/* The largest pool request stays in a pool page. */
	{
		void *p = xmalloc_bytes(XMALLOC_SMALL_MAX);

		assert_int_equal(start_free - heap_free_pages(), 1);
		assert_true((uintptr_t)p % PAGE_SIZE);
		xfree(p);
	}
	assert_int_equal(heap_free_pages(), start_free);
}

/* Pools go back to the heap: nothing is kept once nothing is allocated. */
static void pools_return_to_the_heap(void **state)
{
	enum { N = 20000 };
	static void *p[N];
	static size_t sz[N];
	struct xmalloc_stats st;
	void *a, *b;

	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N; i++) {
			sz[i] = 1 + rnd() % (rnd() % 4 ? 256 : 3000);
			p[i] = xmalloc_bytes(sz[i]);
			assert_non_null(p[i]);
			fill(p[i], sz[i], (uintptr_t)p[i]);
		}
		xmalloc_get_stats(&st);
		assert_true(st.pool_pages > 100);
		assert_int_equal(start_free - heap_free_pages(), st.pool_pages);
		shuffle(p, sz, N);
		/* Half of them first: the pools that empty go back. */
		for (size_t i = 0; i < N / 2; i++)
			xfree(p[i]);
		assert_int_equal(xmalloc_check(), 0);
		xmalloc_get_stats(&st);
		assert_true(st.empty_pools <= 1);
		assert_int_equal(start_free - heap_free_pages(), st.pool_pages);
		for (size_t i = N / 2; i < N; i++) {
			assert_true(holds(p[i], sz[i], (uintptr_t)p[i]));
			xfree(p[i]);
		}
		assert_int_equal(heap_free_pages(), start_free);
	}
	/* Two pools in use; one empties and is kept, the other takes both. */
	a = xmalloc_bytes(3000);
	b = xmalloc_bytes(3000);
	assert_int_equal(start_free - heap_free_pages(), 2);
	xfree(a);
	xmalloc_get_stats(&st);
	assert_int_equal(st.empty_pools, 1);
	assert_int_equal(start_free - heap_free_pages(), 2);
	a = xmalloc_bytes(3000); /* the kept pool, not a new page */
	assert_int_equal(start_free - heap_free_pages(), 2);
	xfree(b);
	xfree(a);
	assert_int_equal(heap_free_pages(), start_free);
}

static void double_free_is_caught(void **state)
{
	void *keep = xmalloc_bytes(100); /* keeps the pool */
	uint8_t *p = xmalloc_bytes(64), *q;

	xfree(p);
	EXPECT_PANIC(xfree(p), "freed twice");
	/* A block between two live ones does not merge: still caught. */
	p = xmalloc_bytes(64);
	q = xmalloc_bytes(64);
	xfree(p);
	EXPECT_PANIC(xfree(p), "freed twice");
	EXPECT_PANIC(xrealloc(p, 10), "freed twice");
	xfree(q);
	xfree(keep);
	/* The whole pool went back: the page is the heap's now. */
	EXPECT_PANIC(xfree(keep), "not xmalloc's");
	p = xmalloc_bytes(5 * PAGE_SIZE);
	xfree(p);
	EXPECT_PANIC(xfree(p), "freed twice");
	assert_int_equal(heap_free_pages(), start_free);
}

static void bad_pointers_are_caught(void **state)
{
	uint8_t *p = xmalloc_bytes(100), *big = xmalloc_bytes(3 * PAGE_SIZE);
	uint8_t *page = alloc_xenheap_pages(0, 0);
	_Alignas(16) uint8_t on_stack[32];

	EXPECT_PANIC(xfree(p + 1), "misaligned");
	EXPECT_PANIC(xfree(p + 32), "32 bytes into the block at");
	EXPECT_PANIC(xfree(p + 400), "into the free block");
	EXPECT_PANIC(xfree(page + 64), "not xmalloc's");
	EXPECT_PANIC(xfree(page), "not a pointer xmalloc returned");
	EXPECT_PANIC(xfree(big + PAGE_SIZE), "not a pointer xmalloc returned");
	EXPECT_PANIC(xfree(big + 64), "inside a large allocation");
	EXPECT_PANIC(xrealloc(big + 2 * PAGE_SIZE, 5),
		     "not a pointer xmalloc returned");
	/* Not in the machine's memory at all: the host says so. */
	EXPECT_PANIC(xfree(on_stack + 16), "not in the machine");
	/* Nothing changed. */
	assert_int_equal(xmalloc_check(), 0);
	free_xenheap_pages(page, 0);
	xfree(big);
	xfree(p);
	assert_int_equal(heap_free_pages(), start_free);
}

static void overflow_into_the_next_header_is_caught(void **state)
{
	uint8_t *a = xmalloc_bytes(24), *b = xmalloc_bytes(24);

	/* Carved one after the other from one free block: b follows a. */
	assert_ptr_equal(b, a + 32);
	memset(a, 0, 32); /* 8 bytes too many */
	expect_check_fails("has size 0");
	EXPECT_PANIC(xfree(a), "corrupt");
	EXPECT_PANIC(xfree(b), "corrupt");
	fresh_machine();
}

static void write_after_free_is_caught(void **state)
{
	uint8_t *keep = xmalloc_bytes(16), *p = xmalloc_bytes(200), *q;

	xfree(p);
	p[50] = 1;
	expect_check_fails("written after free");
	EXPECT_PANIC(xmalloc_bytes(200), "written after it was freed");
	fresh_machine();

	/* Caught when the block merges, too. */
	keep = xmalloc_bytes(16);
	p = xmalloc_bytes(200);
	q = xmalloc_bytes(200);
	(void)xmalloc_bytes(16); /* q's other neighbour stays in use */
	xfree(p);
	p[100] = 0;
	EXPECT_PANIC(xfree(q), "written after it was freed");
	fresh_machine();
	(void)keep;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(sizes_one_to_a_page),
		T(alignment),
		T(array_overflow_returns_null),
		T(xzalloc_zeroes),
		T(xrealloc_keeps_contents),
		T(xrealloc_in_place),
		T(large_requests_take_exact_pages),
		T(pools_return_to_the_heap),
		T(double_free_is_caught),
		T(bad_pointers_are_caught),
		T(overflow_into_the_next_header_is_caught),
		T(write_after_free_is_caught),
#undef T
	};

	return cmocka_run_group_tests_name("xmalloc", tests, NULL, NULL);
}
