/* SPDX-License-Identifier: MIT */
/*
 * The DMA experiment: machine-contiguous buffers below 4 GiB, as Linux's
 * xen_create_contiguous_region makes them: XENMEM_exchange of 2^k order-0
 * frames for one order-k extent with address_bits=32, for 64 KiB to 4 MiB.
 * Each buffer is checked through the M2P (contiguous, below 4 GiB, every
 * entry naming its pfn) and by writing it, then exchanged back to order-0
 * frames. A round holds one buffer of each size at once.
 *
 * Rounds run on the fresh host, then after a churn that fragments it: the
 * guest balloons up page by page (increase_reservation), a quarter of the
 * machine's memory unless churn=MiB says, and gives back a random half,
 * keeping the rest scattered through memory until the end. Between the
 * batches it grows its grant table a frame at a time, so that the
 * hypervisor makes unmovable allocations of its own in the middle of the
 * guest's (where they land is what heap grouping is about: the heap dump
 * at the end shows the blocks they pin). The success rate after the churn
 * must be at least 99% with heap grouping on.
 */
#include "contig.h"

#define DMA_MIN_ORDER 4	 /* 64 KiB */
#define DMA_MAX_ORDER 10 /* 4 MiB */
#define NR_SIZES (DMA_MAX_ORDER - DMA_MIN_ORDER + 1)
#define MAX_CHURN (512UL << 8) /* pages: 512 MiB */
#define BATCH 512UL

static xen_pfn_t list_in[1UL << DMA_MAX_ORDER];
static xen_pfn_t churn_mfn[MAX_CHURN];
static unsigned long churn_taken, churn_kept;
static unsigned long fresh_ok, fresh_total;

/* Buffer of order k: pfns from buf_pfn(k), 2^k-aligned, below 2048 pages. */
static xen_pfn_t buf_base;

static xen_pfn_t buf_pfn(unsigned int k)
{
	/* Largest first: each lands aligned on the sum of the larger ones. */
	return buf_base + (1UL << (DMA_MAX_ORDER + 1)) - (1UL << (k + 1));
}

static long exchange(xen_pfn_t *in, unsigned long nr_in, unsigned int in_order,
		     xen_pfn_t *out, unsigned long nr_out,
		     unsigned int out_order, unsigned int out_flags,
		     unsigned long *done)
{
	struct xen_memory_exchange x = {
		.in = {.nr_extents = nr_in,
		       .extent_order = in_order,
		       .domid = DOMID_SELF},
		.out = {.nr_extents = nr_out,
			.extent_order = out_order,
			.mem_flags = out_flags,
			.domid = DOMID_SELF},
	};
	long rc;

	set_xen_guest_handle(x.in.extent_start, in);
	set_xen_guest_handle(x.out.extent_start, out);
	rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
	*done = x.nr_exchanged;
	return rc;
}

/* The guest's pfns [pfn, pfn + n) are backed by mfn.. and the M2P agrees. */
static bool backed(xen_pfn_t pfn, xen_pfn_t mfn, unsigned long n)
{
	for (unsigned long j = 0; j < n; j++)
		if (!m2p_valid(mfn + j) || mfn_to_pfn(mfn + j) != pfn + j)
			return false;
	return true;
}

/* xen_create_contiguous_region for order k: whether it worked. */
static bool make_contiguous(unsigned int k)
{
	xen_pfn_t pfn = buf_pfn(k), out = pfn;
	unsigned long n = 1UL << k, done;
	long rc;

	memcpy(list_in, p2m + pfn, n * sizeof(*list_in));
	rc = exchange(list_in, n, 0, &out, 1, k, XENMEMF_address_bits(32),
		      &done);
	if (rc) {
		/* A chunk that fails is left as it was: all still ours. */
		expect_eq(done, 0);
		for (unsigned long j = 0; j < n; j++)
			expect(backed(pfn + j, p2m[pfn + j], 1));
		ktap_diag("exchange for %lu KiB failed: %ld", n * 4, rc);
		return false;
	}
	expect_eq(done, n);
	if (!expect_msg(
		    out % n == 0 && out + n <= (1UL << (32 - PAGE_SHIFT)),
		    "order %u extent at mfn %#lx: misaligned or above 4 GiB", k,
		    out) ||
	    !expect_msg(
		    backed(pfn, out, n),
		    "order %u extent at mfn %#lx: M2P does not say pfn %#lx..",
		    k, out, pfn))
		ktap_error("pfns %#lx.. lost track of", pfn);
	for (unsigned long j = 0; j < n; j++)
		p2m[pfn + j] = out + j;
	expect(frame_works(out, pfn) && frame_works(out + n - 1, ~pfn));
	return true;
}

/* xen_destroy_contiguous_region: back to order-0 frames at the same pfns. */
static void give_back_contiguous(unsigned int k)
{
	xen_pfn_t pfn = buf_pfn(k), in = p2m[pfn];
	unsigned long n = 1UL << k, done;

	for (unsigned long j = 0; j < n; j++)
		list_in[j] = pfn + j;
	if (!expect_rc(exchange(&in, 1, k, list_in, n, 0, 0, &done), 0)) {
		ktap_error("order %u extent at mfn %#lx kept contiguous", k,
			   in);
		return;
	}
	for (unsigned long j = 0; j < n; j++) {
		expect(backed(pfn + j, list_in[j], 1));
		p2m[pfn + j] = list_in[j];
	}
}

/* Rounds of one buffer of each size, held together: how many worked. */
static unsigned long rounds(unsigned long nr, unsigned long *total)
{
	unsigned long ok = 0;

	for (unsigned long r = 0; r < nr; r++) {
		bool got[NR_SIZES];

		for (unsigned int k = DMA_MAX_ORDER + 1; k-- > DMA_MIN_ORDER;) {
			got[k - DMA_MIN_ORDER] = make_contiguous(k);
			ok += got[k - DMA_MIN_ORDER];
			++*total;
		}
		for (unsigned int k = DMA_MIN_ORDER; k <= DMA_MAX_ORDER; k++)
			if (got[k - DMA_MIN_ORDER])
				give_back_contiguous(k);
	}
	return ok;
}

static bool setup(void)
{
	if (!buf_base)
		buf_base = claim_pfns(1UL << (DMA_MAX_ORDER + 1));
	if (!expect_msg(buf_pfn(DMA_MIN_ORDER) + (1UL << DMA_MIN_ORDER) <=
				start_info->nr_pages,
			"%lu pages are too few for the buffers",
			start_info->nr_pages)) {
		ktap_error("give the guest more memory");
		return false;
	}
	return true;
}

static void test_dma_fresh(void)
{
	if (!setup())
		return;
	heap_dump("dma-fresh");
	fresh_ok = rounds(cmdline_num("fresh_rounds", 8), &fresh_total);
	contig_result("dma", "fresh", NULL, fresh_ok, fresh_total, NULL);
	expect_msg(fresh_ok * 100 >= 99 * fresh_total,
		   "%lu of %lu exchanges on a fresh host", fresh_ok,
		   fresh_total);
}

/* One more grant-table frame: a xenheap page the hypervisor keeps. */
static void grow_grant_table(unsigned int nr)
{
	xen_pfn_t frames[4];
	struct gnttab_setup_table s = {.dom = DOMID_SELF, .nr_frames = nr};

	set_xen_guest_handle(s.frame_list, frames);
	if (nr > ARRAY_SIZE(frames) ||
	    HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &s, 1) ||
	    s.status != GNTST_okay)
		ktap_diag("grant table of %u frames: not had", nr);
}

/* Balloon up page by page, give back a random half: scattered holes. */
static void test_dma_churn(void)
{
	unsigned int grants = 0;
	/* A quarter of the machine unless churn=MiB says otherwise. */
	long top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	unsigned long want =
		MIN(cmdline_num("churn", top / 4 >> 8) << 8, MAX_CHURN);
	xen_pfn_t give[BATCH];
	unsigned long ngive = 0, given = 0;
	long before = current_pages();

	while (churn_taken < want) {
		unsigned long n = MIN(BATCH, want - churn_taken);
		long rc = reservation_op(XENMEM_increase_reservation,
					 churn_mfn + churn_taken, n, 0, 0);

		if (rc > 0)
			churn_taken += rc;
		if (rc < (long)n)
			break; /* the host (or maxmem) said no: that is all */
		if (grants < 4 && churn_taken >= (grants + 1) * want / 5)
			grow_grant_table(++grants);
	}
	for (unsigned long i = 0; i < churn_taken; i++) {
		if (contig_rand() & 1) {
			churn_mfn[churn_kept++] = churn_mfn[i];
			continue;
		}
		give[ngive++] = churn_mfn[i];
		if (ngive == BATCH) {
			given += reservation_op(XENMEM_decrease_reservation,
						give, ngive, 0, 0);
			ngive = 0;
		}
	}
	if (ngive)
		given += reservation_op(XENMEM_decrease_reservation, give,
					ngive, 0, 0);
	expect_eq(given, churn_taken - churn_kept);
	expect_eq(current_pages(), before + churn_kept);
	ktap_diag("churn: %lu pages taken one by one, %lu kept scattered",
		  churn_taken, churn_kept);
	heap_dump("dma-churned");
}

static void test_dma_churned(void)
{
	unsigned long ok, total = 0;
	char extra[64];

	if (!setup())
		return;
	ok = rounds(cmdline_num("rounds", 16), &total);
	snprintf(extra, sizeof(extra), "churn_pages=%lu kept=%lu", churn_taken,
		 churn_kept);
	contig_result("dma", "churned", NULL, ok, total, extra);
	if (strcmp(contig_grouping(), "off"))
		expect_msg(ok * 100 >= 99 * total,
			   "%lu of %lu exchanges after the churn, grouping on",
			   ok, total);
	else
		ktap_diag("grouping off: %lu of %lu, no goal", ok, total);
}

static void test_dma_release_churn(void)
{
	long before = current_pages();
	unsigned long given = 0;

	for (unsigned long i = 0; i < churn_kept; i += BATCH)
		given += reservation_op(XENMEM_decrease_reservation,
					churn_mfn + i,
					MIN(BATCH, churn_kept - i), 0, 0);
	expect_eq(given, churn_kept);
	expect_eq(current_pages(), before - churn_kept);
	heap_dump("dma-end");
}

const struct ktap_case dma_cases[] = {
	KTAP_CASE(test_dma_fresh),
	KTAP_CASE(test_dma_churn),
	KTAP_CASE(test_dma_churned),
	KTAP_CASE(test_dma_release_churn),
};
const unsigned int nr_dma_cases = ARRAY_SIZE(dma_cases);
