/* SPDX-License-Identifier: MIT */
/*
 * The remapping experiment (seed 000): as Linux does at boot on Xen, give
 * back the pfns under a "PCI hole" window with decrease_reservation and
 * populate as many pfns above the top of memory, (a) one page per call,
 * (b) in the largest extents the hypervisor grants, halving the order
 * whenever a request fails.
 *
 * The guest populates first and gives back after, so it needs maxmem
 * headroom of the window's size (the initial domain's maxmem is the
 * machine's): the frames it gives back are then not what it is handed.
 * Giving back first, as Linux must when it has no headroom, hands the
 * window's own frames back out, in as many runs as they formed and in the
 * order the heap keeps its fragments; mode "single-reuse" measures that
 * too, for comparison, with no goal.
 *
 * Under alloc_order=lower on an unfragmented host the page-at-a-time remap
 * should come out as one machine-contiguous run; batched, at least 95% of
 * it lies in 2 MiB-aligned extents under any policy, because it asked for
 * them. Under scramble the page-at-a-time remap must work all the same:
 * nothing here relies on contiguity it did not ask for.
 */
#include "contig.h"

#define MAX_HOLE 8192UL /* pages, 32 MiB */

enum { SINGLE, BATCHED, REUSE, NR_MODES };
static const char *const mode_name[] = {"single", "batched", "single-reuse"};

static xen_pfn_t new_mfn[NR_MODES][MAX_HOLE];
static unsigned long hole, fallbacks, extents;
static xen_pfn_t window[NR_MODES], top[NR_MODES];

static bool setup(void)
{
	unsigned long span;

	if (window[SINGLE])
		return true;
	hole = cmdline_num("hole", 4196);
	span = ROUNDUP(hole, PAGES_2M);
	window[SINGLE] = claim_pfns(NR_MODES * span);
	top[SINGLE] = ROUNDUP(start_info->nr_pages, PAGES_2M);
	for (int m = 1; m < NR_MODES; m++) {
		window[m] = window[m - 1] + span;
		top[m] = top[m - 1] + span;
	}
	if (!hole || hole > MAX_HOLE ||
	    window[NR_MODES - 1] + hole > start_info->nr_pages) {
		ktap_error(
			"hole=%lu pages does not fit three times in %lu pages above pfn %#lx",
			hole, start_info->nr_pages, window[SINGLE]);
		return false;
	}
	return true;
}

/* Give back the window's frames: one call per page, or a list at a time. */
static bool release(int mode)
{
	xen_pfn_t *p = p2m + window[mode];
	long before = current_pages();

	for (unsigned long i = 0; i < hole;) {
		unsigned long n = mode == BATCHED ? MIN(hole - i, 512UL) : 1;
		long rc = reservation_op(XENMEM_decrease_reservation, p + i, n,
					 0, 0);

		if (!expect_rc(rc, (long)n))
			return false;
		for (unsigned long j = 0; j < n; j++)
			p[i + j] = ~0UL;
		i += n;
	}
	return expect_eq(current_pages(), before - hole);
}

static unsigned int log2_floor(unsigned long x)
{
	return 63 - __builtin_clzl(x);
}

/* Populate [top, top + hole): what the guest's p2m says for them. */
static bool repopulate(int mode)
{
	xen_pfn_t g0 = top[mode];
	unsigned int cap = mode == BATCHED ? 18 : 0;

	for (unsigned long i = 0; i < hole;) {
		xen_pfn_t g = g0 + i, f = g;
		unsigned int order = MIN(cap, log2_floor(hole - i));

		if (g)
			order = MIN(order, (unsigned int)__builtin_ctzl(g));
		while (reservation_op(XENMEM_populate_physmap, &f, 1, order,
				      0) != 1) {
			if (!expect_msg(
				    order > 0,
				    "populate_physmap of gpfn %#lx failed at order 0",
				    g))
				return false;
			/* Nothing larger will do from here on either. */
			order--;
			cap = order;
			fallbacks++;
			f = g;
		}
		for (unsigned long j = 0; j < (1UL << order); j++)
			new_mfn[mode][i + j] = f + j;
		extents++;
		i += 1UL << order;
	}
	return true;
}

/* The remapped memory is the guest's: the M2P names it, it can be used. */
static void verify(int mode)
{
	unsigned long bad_m2p = 0, bad_use = 0;

	for (unsigned long i = 0; i < hole; i++) {
		xen_pfn_t m = new_mfn[mode][i], g = top[mode] + i;

		if (!m2p_valid(m) || mfn_to_pfn(m) != g)
			bad_m2p++;
		if (!frame_works(m, g * 0x9e3779b97f4a7c15UL))
			bad_use++;
	}
	expect_msg(!bad_m2p, "%lu of %lu M2P entries wrong", bad_m2p, hole);
	expect_msg(!bad_use, "%lu of %lu remapped frames unusable", bad_use,
		   hole);
}

static void remap(int mode)
{
	struct contig_stats s;
	long before = current_pages();
	char extra[64];

	if (!setup())
		return;
	fallbacks = extents = 0;
	if (mode == REUSE ? !release(mode) || !repopulate(mode)
			  : !repopulate(mode) || !release(mode))
		return;
	expect_eq(current_pages(), before);
	verify(mode);
	contig_measure(new_mfn[mode], hole, top[mode], &s);
	ktap_diag(
		"window [%#lx, %#lx) -> [%#lx, %#lx): %lu runs, largest %lu, %lu pages in 2 MiB extents",
		window[mode], window[mode] + hole, top[mode], top[mode] + hole,
		s.runs, s.largest, s.in_2m);
	for (unsigned long i = 0, r = 0; i < hole && s.runs <= 16; i++)
		if (i + 1 == hole ||
		    new_mfn[mode][i + 1] != new_mfn[mode][i] + 1) {
			ktap_diag("run gpfn %#lx: mfn %#lx+%lu", top[mode] + r,
				  new_mfn[mode][r], i + 1 - r);
			r = i + 1;
		}
	snprintf(extra, sizeof(extra), "extents=%lu fallbacks=%lu", extents,
		 fallbacks);
	contig_result("remap", mode_name[mode], &s, 0, 0, extra);
	if (mode == BATCHED) {
		expect_msg(s.in_2m * 100 >= 95 * s.pages,
			   "only %lu of %lu pages in 2 MiB extents", s.in_2m,
			   s.pages);
		/*
		 * An ordinary domain may ask for 2 MiB at most (Xen's
		 * memop-max-order): the aligned 4 and 8 MiB requests must
		 * have been refused and halved.
		 */
		if (!is_initial_domain())
			expect_msg(fallbacks > 0,
				   "no request was refused and halved");
	} else if (mode == SINGLE && !strcmp(contig_policy(), "lower"))
		expect_msg(
			s.runs == 1,
			"alloc_order=lower on a fresh host: %lu runs, not one",
			s.runs);
	snprintf(extra, sizeof(extra), "remap-%s", mode_name[mode]);
	heap_dump(extra);
}

static void test_remap_single(void)
{
	heap_dump("remap-start");
	remap(SINGLE);
}

static void test_remap_batched(void)
{
	remap(BATCHED);
}

static void test_remap_single_reuse(void)
{
	remap(REUSE);
}

const struct ktap_case remap_cases[] = {
	KTAP_CASE(test_remap_single),
	KTAP_CASE(test_remap_batched),
	KTAP_CASE(test_remap_single_reuse),
};
const unsigned int nr_remap_cases = ARRAY_SIZE(remap_cases);
