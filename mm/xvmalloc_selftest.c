/* SPDX-License-Identifier: MIT */
/* xvmalloc on the machine's memory and page tables, in both direct-map modes. */
#include <mica/paging.h>
#include <mica/selftest.h>
#include <mica/vmap.h>
#include <mica/xvmalloc.h>

SELFTEST(xvmalloc, picks_by_size_and_frees_by_address)
{
	struct heap_stats s0, s1;
	char *small, *large;
	unsigned int level;

	heap_get_stats(&s0);
	small = _xvmalloc(200, 0);
	large = _xvzalloc(3 * PAGE_SIZE, 0);
	if (!small || !large) {
		xvfree(small);
		xvfree(large);
		selftest_error(t, "no memory");
		return;
	}
	ST_CHECK(t, !is_vmap_address(small),
		 "200 bytes at %p, in the vmap area", small);
	ST_CHECK(t, is_vmap_address(large),
		 "3 pages at %p, not in the vmap area", large);
	/* vmalloc memory is mapped page by page, guarded below and above. */
	for (int i = -1; i <= 3; i++)
		ST_CHECK(t,
			 !!paging_lookup((unsigned long)large +
						 i * (long)PAGE_SIZE,
					 &level) == (i >= 0 && i < 3),
			 "page %d of the 3-page area %s", i,
			 i >= 0 && i < 3 ? "unmapped" : "mapped");
	ST_CHECK(t, !large[0] && !large[3 * PAGE_SIZE - 1],
		 "xvzalloc not zero");
	large[3 * PAGE_SIZE - 1] = 1;
	small[199] = 1;
	xvfree(small);
	xvfree(large);
	heap_get_stats(&s1);
	ST_CHECK_EQ(t, s1.free_pages + paging_tables_kept(),
		    s0.free_pages + paging_tables_kept());
	ST_CHECK_EQ(t, vmap_check(), 0);
}
