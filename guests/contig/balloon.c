/* SPDX-License-Identifier: MIT */
/*
 * The ballooning experiment (seed 003): give memory back and take it again
 * (a) in 2 MiB extents and (b) in 4 KiB pages taken all over the guest's
 * memory, every other page of a range twice as large (the same pfns as
 * (a) and as many above them). mica's heap dump before and after
 * each step (sysctl debug_keys 'p', which needs the initial domain) shows
 * how many free 2 MiB blocks the host has: 2 MiB extents return whole
 * blocks, scattered pages none, and taking pages again must not break
 * free blocks that the holes could serve.
 */
#include "contig.h"

#define MAX_BALLOON (64UL << 8) /* pages: 64 MiB */
#define BATCH 512UL

static unsigned long pages;
static xen_pfn_t base, list[BATCH];
static xen_pfn_t new_mfn[MAX_BALLOON];

static bool setup(void)
{
	if (!base) {
		pages = MIN(cmdline_num("balloon", 16) << 8, MAX_BALLOON);
		base = claim_pfns(2 * pages);
	}
	if (!is_initial_domain()) {
		ktap_skip("the heap dump needs the initial domain's sysctl");
		return false;
	}
	if (!pages || base + 3 * pages > start_info->nr_pages) {
		ktap_error(
			"balloon=%lu MiB does not fit three times above pfn %#lx in %lu pages",
			pages >> 8, base, start_info->nr_pages);
		return false;
	}
	return true;
}

static bool is_extent(xen_pfn_t pfn)
{
	xen_pfn_t m = p2m[pfn];

	if (m % PAGES_2M)
		return false;
	for (unsigned long j = 1; j < PAGES_2M; j++)
		if (p2m[pfn + j] != m + j)
			return false;
	return true;
}

static void verify(const xen_pfn_t *gpfn_of, xen_pfn_t g0, unsigned long step)
{
	unsigned long bad = 0;

	for (unsigned long i = 0; i < pages; i++) {
		xen_pfn_t g = gpfn_of ? gpfn_of[i] : g0 + i * step;

		if (!m2p_valid(new_mfn[i]) || mfn_to_pfn(new_mfn[i]) != g ||
		    p2m[g] != new_mfn[i])
			bad++;
	}
	expect_msg(!bad, "%lu of %lu repopulated pages not in the M2P", bad,
		   pages);
	expect(frame_works(new_mfn[0], 1) &&
	       frame_works(new_mfn[pages - 1], 2));
}

static void test_balloon_2m(void)
{
	unsigned long as_extent = 0, fallbacks = 0;
	struct contig_stats s;
	long before = current_pages();
	char extra[64];

	if (!setup())
		return;
	heap_dump("balloon-2m-start");
	for (xen_pfn_t g = base; g < base + pages; g += PAGES_2M) {
		if (is_extent(g)) {
			xen_pfn_t m = p2m[g];

			if (!expect_rc(
				    reservation_op(XENMEM_decrease_reservation,
						   &m, 1, 9, 0),
				    1))
				return;
			as_extent++;
		} else if (!expect_rc(
				   reservation_op(XENMEM_decrease_reservation,
						  p2m + g, PAGES_2M, 0, 0),
				   (long)PAGES_2M)) {
			return;
		}
		for (unsigned long j = 0; j < PAGES_2M; j++)
			p2m[g + j] = ~0UL;
	}
	expect_eq(current_pages(), before - pages);
	heap_dump("balloon-2m-down");
	for (xen_pfn_t g = base; g < base + pages; g += PAGES_2M) {
		xen_pfn_t f = g;
		unsigned long i = g - base;

		if (reservation_op(XENMEM_populate_physmap, &f, 1, 9, 0) == 1) {
			for (unsigned long j = 0; j < PAGES_2M; j++)
				new_mfn[i + j] = f + j;
		} else {
			/* No 2 MiB extent to be had: page by page, as a balloon would. */
			fallbacks++;
			for (unsigned long j = 0; j < PAGES_2M; j++)
				new_mfn[i + j] = g + j;
			if (!expect_rc(reservation_op(XENMEM_populate_physmap,
						      new_mfn + i, PAGES_2M, 0,
						      0),
				       (long)PAGES_2M))
				return;
		}
		for (unsigned long j = 0; j < PAGES_2M; j++)
			p2m[g + j] = new_mfn[i + j];
	}
	expect_eq(current_pages(), before);
	verify(NULL, base, 1);
	heap_dump("balloon-2m-up");
	contig_measure(new_mfn, pages, base, &s);
	snprintf(extra, sizeof(extra), "as_extents=%lu fallbacks=%lu",
		 as_extent, fallbacks);
	contig_result("balloon", "2m", &s, 0, 0, extra);
}

static void test_balloon_4k(void)
{
	xen_pfn_t g0 = base;
	struct contig_stats s;
	long before = current_pages();

	if (!setup())
		return;
	heap_dump("balloon-4k-start");
	/* Every other page of [g0, g0 + 2 * pages): no whole block given. */
	for (unsigned long i = 0; i < pages; i += BATCH) {
		unsigned long n = MIN(BATCH, pages - i);

		for (unsigned long j = 0; j < n; j++)
			list[j] = p2m[g0 + 2 * (i + j)];
		if (!expect_rc(reservation_op(XENMEM_decrease_reservation, list,
					      n, 0, 0),
			       (long)n))
			return;
		for (unsigned long j = 0; j < n; j++)
			p2m[g0 + 2 * (i + j)] = ~0UL;
	}
	expect_eq(current_pages(), before - pages);
	heap_dump("balloon-4k-down");
	for (unsigned long i = 0; i < pages; i += BATCH) {
		unsigned long n = MIN(BATCH, pages - i);

		for (unsigned long j = 0; j < n; j++)
			list[j] = g0 + 2 * (i + j);
		if (!expect_rc(reservation_op(XENMEM_populate_physmap, list, n,
					      0, 0),
			       (long)n))
			return;
		for (unsigned long j = 0; j < n; j++) {
			new_mfn[i + j] = list[j];
			p2m[g0 + 2 * (i + j)] = list[j];
		}
	}
	expect_eq(current_pages(), before);
	verify(NULL, g0, 2);
	heap_dump("balloon-4k-up");
	contig_measure(new_mfn, pages, g0, &s);
	/* Every other pfn: no 2 MiB gpfn block is the guest's. */
	s.in_2m = 0;
	contig_result("balloon", "4k", &s, 0, 0, NULL);
}

const struct ktap_case balloon_cases[] = {
	KTAP_CASE(test_balloon_2m),
	KTAP_CASE(test_balloon_4k),
};
const unsigned int nr_balloon_cases = ARRAY_SIZE(balloon_cases);
