/* SPDX-License-Identifier: MIT */
/*
 * xvmalloc on a host machine: up to a page it is xmalloc, beyond it
 * vmalloc, and xvfree() tells them apart from the address alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mica/host.h>
#include <mica/vmap.h>
#include <mica/xmalloc.h>
#include <mica/xvmalloc.h>

#define FRAMES (1UL << 16) /* a 256 MiB machine */

static int setup(void **state)
{
	return host_machine_init(FRAMES) ? -1 : 0;
}

static int teardown(void **state)
{
	assert_int_equal(vmap_check(), 0);
	assert_int_equal(heap_check(), 0);
	host_machine_fini();
	return 0;
}

static void small_is_xmalloc_large_is_vmalloc(void **state)
{
	unsigned long before = heap_free_pages();
	struct xmalloc_stats xs;
	struct vmap_stats vs;
	char *a = _xvmalloc(PAGE_SIZE, 8);
	char *b = _xvmalloc(PAGE_SIZE + 1, 8);
	uint64_t *c = xvmalloc_array(uint64_t, 100);

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_false(is_vmap_address(a));
	assert_false(is_vmap_address(c));
	assert_true(is_vmap_address(b));
	assert_int_equal((uintptr_t)b % PAGE_SIZE, 0);
	/* b is two pages of the vmap area, not two contiguous frames. */
	vmap_get_stats(&vs);
	assert_int_equal(vs.areas, 1);
	assert_int_equal(vs.mapped_pages, 2);
	memset(a, 1, PAGE_SIZE);
	memset(b, 2, PAGE_SIZE + 1);
	memset(c, 3, 100 * sizeof(*c));
	xmalloc_get_stats(&xs);
	assert_int_equal(xs.used_blocks + xs.large_allocs, 2);
	xvfree(b);
	xvfree(a);
	xvfree(c);
	xvfree(NULL);
	vmap_get_stats(&vs);
	assert_int_equal(vs.areas, 0);
	xmalloc_get_stats(&xs);
	assert_int_equal(xs.used_blocks + xs.large_allocs, 0);
	/* Everything back: frames, pools, vmap nodes, page tables. */
	assert_int_equal(heap_free_pages(), before);
}

static void zeroed_both_ways(void **state)
{
	unsigned char *s = _xvzalloc(100, 0),
		      *l = xvzalloc_array(unsigned char, 3 * PAGE_SIZE);

	assert_non_null(s);
	assert_non_null(l);
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(s[i], 0);
	for (unsigned long i = 0; i < 3 * PAGE_SIZE; i++)
		assert_int_equal(l[i], 0);
	xvfree(s);
	xvfree(l);
}

static void bad_requests_refused(void **state)
{
	unsigned long before = heap_free_pages();

	assert_null(_xvmalloc_array(SIZE_MAX / 2, 8, 3)); /* overflows */
	assert_null(_xvmalloc(64, 3));			  /* not a power of 2 */
	assert_null(_xvmalloc(2 * PAGE_SIZE, 2 * PAGE_SIZE)); /* too aligned */
	assert_int_equal(heap_free_pages(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(small_is_xmalloc_large_is_vmalloc),
		T(zeroed_both_ways),
		T(bad_requests_refused),
#undef T
	};

	return cmocka_run_group_tests_name("xvmalloc", tests, NULL, NULL);
}
