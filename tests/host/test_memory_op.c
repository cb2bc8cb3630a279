/* SPDX-License-Identifier: MIT */
/*
 * memory_op (mm/memory.c) on a host machine, as a PV guest calls it: the
 * guest's structures and lists are host memory, its faults come from
 * host_guest_fault_range(). Each test starts a 2 GiB machine and a domain
 * that is current; the teardown destroys the domain and checks that every
 * page came back to the heap.
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
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/host.h>
#include <mica/hypercall.h>
#include <mica/m2p.h>
#include <mica/memory_op.h>
#include <mica/pv_mm.h>
#include <public/memory.h>

#include "memop_args.h"

#define MACHINE_FRAMES (1UL << 19) /* 2 GiB */
#define DOM_MAX (1UL << 16)	   /* the test domain's max_pages: 256 MiB */
#define LIST 1024		   /* entries in a test's extent list */

static struct domain dom;
static struct vcpu vcpu;
static unsigned long free_at_start;
static xen_pfn_t list[LIST];

static int setup(void **state)
{
	heap_scramble = false;
	heap_grouping = true;
	if (host_machine_init(MACHINE_FRAMES))
		return -1;
	memset(&dom, 0, sizeof(dom));
	domain_mm_init(&dom, 1, DOM_MAX);
	dom.max_extent_order = 9;
	vcpu.domain = &dom;
	host_current = &vcpu;
	free_at_start = heap_free_pages();
	memset(list, 0, sizeof(list));
	host_preempt_every = host_preempt_checks = 0;
	memset(&host_continuation, 0, sizeof(host_continuation));
	return 0;
}

static int teardown(void **state)
{
	unsigned long owned = dom.tot_pages;

	host_guest_fault_clear();
	assert_int_equal(domain_relinquish_memory(&dom), owned);
	assert_int_equal(dom.tot_pages, 0);
	/* Every page is back: no leak in any path a test took. */
	assert_int_equal(heap_free_pages(), free_at_start);
	assert_int_equal(heap_check(), 0);
	host_current = NULL;
	domain_list = NULL;
	host_machine_fini();
	return 0;
}

/* ---- calling memory_op as the guest does ---- */

static long memop(unsigned long op, unsigned long start, const void *arg)
{
	return do_memory_op(op | start << MEMOP_EXTENT_SHIFT,
			    (unsigned long)arg);
}

static long reserve(unsigned int op, xen_pfn_t *l, unsigned long nr,
		    unsigned int order, unsigned int flags)
{
	struct xen_memory_reservation r = resv(l, nr, order, flags);

	return memop(op, 0, &r);
}

/* Populate nr extents of order at gpfns first, first + 2^order, ... */
static long populate(xen_pfn_t *l, unsigned long nr, unsigned int order,
		     unsigned long first, unsigned int flags)
{
	for (unsigned long i = 0; i < nr; i++)
		l[i] = first + (order < 64 ? i << order : 0);
	return reserve(XENMEM_populate_physmap, l, nr, order, flags);
}

static struct page_info *page(unsigned long mfn)
{
	return mfn_to_page(_mfn(mfn));
}

/* Whether every frame of the extent at mfn is dom's, owned only. */
static bool owned_extent(unsigned long mfn, unsigned int order)
{
	for (unsigned long j = 0; j < (1UL << order); j++) {
		const struct page_info *pg = page(mfn + j);

		if (pg->v.owner != &dom ||
		    (pg->count_info & (PGC_allocated | PGC_count_mask)) !=
			    (PGC_allocated | 1))
			return false;
	}
	return true;
}

static bool m2p_maps(unsigned long mfn, unsigned int order, unsigned long pfn)
{
	for (unsigned long j = 0; j < (1UL << order); j++)
		if (get_gpfn_from_mfn(_mfn(mfn + j)) !=
		    (pfn == INVALID_M2P_ENTRY ? pfn : pfn + j))
			return false;
	return true;
}

static bool is_free(unsigned long mfn)
{
	return !(page(mfn)->count_info & PGC_inuse);
}

/* ---- increase_reservation ---- */

static void increase_gives_mfns_with_invalid_m2p(void **state)
{
	/* Stale entries, as a previous owner could have left them. */
	memset(host_m2p, 0x11, MACHINE_FRAMES * sizeof(*host_m2p));
	assert_int_equal(reserve(XENMEM_increase_reservation, list, 8, 0, 0),
			 8);
	assert_int_equal(
		reserve(XENMEM_increase_reservation, list + 8, 2, 9, 0), 2);
	assert_int_equal(dom.tot_pages, 8 + 1024);
	for (int i = 0; i < 10; i++) {
		unsigned int order = i < 8 ? 0 : 9;

		assert_true(IS_ALIGNED(list[i], 1UL << order));
		assert_true(owned_extent(list[i], order));
		assert_true(m2p_maps(list[i], order, INVALID_M2P_ENTRY));
	}
	memset(host_m2p, 0xff, MACHINE_FRAMES * sizeof(*host_m2p));
}

static void increase_without_a_list(void **state)
{
	assert_int_equal(reserve(XENMEM_increase_reservation, NULL, 5, 1, 0),
			 5);
	assert_int_equal(dom.tot_pages, 10);
	/* populate and decrease need their list. */
	assert_int_equal(reserve(XENMEM_populate_physmap, NULL, 5, 0, 0), 0);
	assert_int_equal(reserve(XENMEM_decrease_reservation, NULL, 5, 0, 0),
			 0);
	assert_int_equal(dom.tot_pages, 10);
}

/* ---- populate_physmap ---- */

static void populate_sets_the_m2p(void **state)
{
	assert_int_equal(populate(list, 8, 0, 100, 0), 8);
	assert_int_equal(populate(list + 8, 2, 9, 0x4000, 0), 2);
	for (int i = 0; i < 8; i++) {
		assert_true(owned_extent(list[i], 0));
		assert_int_equal(get_gpfn_from_mfn(_mfn(list[i])), 100 + i);
	}
	for (int i = 8; i < 10; i++) {
		assert_true(IS_ALIGNED(list[i], 512));
		assert_true(owned_extent(list[i], 9));
		assert_true(m2p_maps(list[i], 9, 0x4000 + (i - 8) * 512));
	}
	assert_int_equal(dom.tot_pages, 8 + 1024);
}

/* Issue 6: page-at-a-time populates come out as one ascending run. */
static void populate_page_at_a_time_ascends(void **state)
{
	xen_pfn_t mfn;

	assert_int_equal(populate(list, LIST, 0, 0, 0), LIST);
	for (int i = 1; i < LIST; i++)
		assert_int_equal(list[i], list[i - 1] + 1);
	for (int i = 0; i < 512; i++) {
		assert_int_equal(populate(&mfn, 1, 0, LIST + i, 0), 1);
		assert_int_equal(mfn, list[LIST - 1] + 1 + i);
	}
}

static void populate_2m_extents_take_guest_pageblocks(void **state)
{
	struct heap_stats before, after;

	heap_get_stats(&before);
	assert_int_equal(populate(list, 16, 9, 0, 0), 16);
	heap_get_stats(&after);
	assert_int_equal(after.blocks_guest, before.blocks_guest + 16);
	assert_int_equal(after.blocks_free, before.blocks_free - 16);
	for (int i = 0; i < 16; i++)
		assert_true(IS_ALIGNED(list[i], 512));
}

static void address_bits_are_honoured(void **state)
{
	/* 2^30 bytes: frames below 2^18, where the heap would not go first. */
	assert_int_equal(populate(list, 64, 0, 0, 30), 64);
	assert_int_equal(populate(list + 64, 4, 9, 64, 30), 4);
	for (int i = 0; i < 68; i++)
		assert_true(list[i] + (i < 64 ? 1 : 512) <= (1UL << 18));
	assert_int_equal(reserve(XENMEM_increase_reservation, list, 4, 0, 30),
			 4);
	for (int i = 0; i < 4; i++)
		assert_true(list[i] < (1UL << 18));
	/* A width the machine fits in is no limit; 12 bits or less is refused. */
	assert_int_equal(populate(list, 4, 0, 0, 31), 4);
	assert_int_equal(populate(list, 4, 0, 0, 12), 0);
	assert_int_equal(populate(list, 4, 0, 0, 1), 0);
	/* 13 bits: only frame 1 could do, and the heap never has frame 0's zone. */
	assert_int_equal(dom.tot_pages, 64 + 2048 + 4 + 4);
}

static void max_pages_is_enforced(void **state)
{
	dom.max_pages = 100;
	assert_int_equal(populate(list, 200, 0, 0, 0), 100);
	assert_int_equal(dom.tot_pages, 100);
	assert_int_equal(populate(list, 1, 0, 0, 0), 0);
	assert_int_equal(reserve(XENMEM_increase_reservation, list, 1, 0, 0),
			 0);
	/* An extent that does not fit whole is not given in part. */
	dom.max_pages = 600;
	assert_int_equal(populate(list, 2, 9, 0, 0), 0);
	assert_int_equal(dom.tot_pages, 100);
	assert_int_equal(populate(list, 600, 0, 0, 0), 500);
	assert_int_equal(dom.tot_pages, 600);
}

static void orders_beyond_the_limit_are_refused(void **state)
{
	static const unsigned int bad[] = {10, 18, 19, 63, 64, 255, ~0U};

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(populate(list, 1, bad[i], 0, 0), 0);
		assert_int_equal(reserve(XENMEM_increase_reservation, list, 1,
					 bad[i], 0),
				 0);
		assert_int_equal(reserve(XENMEM_decrease_reservation, list, 1,
					 bad[i], 0),
				 0);
	}
	assert_int_equal(dom.tot_pages, 0);
	/* The initial domain's larger limit (Xen: 18 for a control domain). */
	dom.max_extent_order = 18;
	assert_int_equal(populate(list, 1, 10, 0, 0), 1);
	assert_true(IS_ALIGNED(list[0], 1024) && owned_extent(list[0], 10));
	dom.max_extent_order = 40; /* clamped to what the heap has */
	assert_int_equal(populate(list, 1, 19, 0, 0), 0);
}

static void huge_extent_counts_are_refused(void **state)
{
	static const unsigned long bad[] = {1UL << 26, 1UL << 32, 1UL << 63,
					    ~0UL};

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(populate(list, 0, 0, 0, 0), 0);
		assert_int_equal(
			reserve(XENMEM_populate_physmap, list, bad[i], 0, 0),
			0);
		assert_int_equal(reserve(XENMEM_increase_reservation, NULL,
					 bad[i], 0, 0),
				 0);
	}
	assert_int_equal(dom.tot_pages, 0);
	/* The largest count Xen encodes: stopped by max_pages, not refused. */
	dom.max_pages = 10;
	assert_int_equal(reserve(XENMEM_increase_reservation, NULL,
				 (1UL << 26) - 1, 0, 0),
			 10);
}

static void the_start_extent_is_honoured(void **state)
{
	struct xen_memory_reservation r = resv(list, 10, 0, 0);

	for (int i = 0; i < 10; i++)
		list[i] = 1000 + i;
	assert_int_equal(memop(XENMEM_populate_physmap, 6, &r), 10);
	assert_int_equal(dom.tot_pages, 4);
	for (int i = 0; i < 6; i++)
		assert_int_equal(list[i], 1000 + i); /* not touched */
	for (int i = 6; i < 10; i++)
		assert_int_equal(get_gpfn_from_mfn(_mfn(list[i])), 1000 + i);
	/* Nothing to do from the end on: the start comes back. */
	assert_int_equal(memop(XENMEM_populate_physmap, 10, &r), 10);
	assert_int_equal(memop(XENMEM_populate_physmap, 1UL << 40, &r),
			 1L << 40);
	assert_int_equal(dom.tot_pages, 4);
	/* The other sub-ops take no start extent. */
	assert_int_equal(memop(XENMEM_maximum_ram_page, 1, NULL), -EINVAL);
	assert_int_equal(memop(XENMEM_exchange, 1, NULL), -EINVAL);
	assert_int_equal(memop(XENMEM_current_reservation, 1, NULL), -EINVAL);
	assert_int_equal(memop(XENMEM_machphys_mapping, 1, NULL), -ENOSYS);
	assert_int_equal(memop(XENMEM_memory_map, 1, NULL), -ENOSYS);
}

static void other_domains_are_not_targets(void **state)
{
	struct xen_memory_reservation r = resv(list, 4, 0, 0);
	struct xen_memory_exchange x;
	struct domain other;
	xen_pfn_t in[1], out[1];
	domid_t id;

	domain_mm_init(&other, 2, 10);
	domain_list = &dom;
	dom.next = &other;
	other.next = NULL;
	/* The reservation ops do nothing for another domain, or none. */
	r.domid = 2;
	assert_int_equal(memop(XENMEM_populate_physmap, 0, &r), 0);
	r.domid = 0x1234;
	assert_int_equal(memop(XENMEM_populate_physmap, 0, &r), 0);
	r.domid = DOMID_XEN;
	assert_int_equal(memop(XENMEM_increase_reservation, 0, &r), 0);
	assert_int_equal(dom.tot_pages + other.tot_pages, 0);
	/* Its own id is as good as DOMID_SELF. */
	r.domid = dom.domain_id;
	assert_int_equal(memop(XENMEM_populate_physmap, 0, &r), 4);
	/* The others: -EPERM for a domain that exists, -ESRCH for none. */
	id = 2;
	assert_int_equal(memop(XENMEM_current_reservation, 0, &id), -EPERM);
	id = 0x1234;
	assert_int_equal(memop(XENMEM_maximum_reservation, 0, &id), -ESRCH);
	id = DOMID_IO;
	assert_int_equal(memop(XENMEM_current_reservation, 0, &id), -ESRCH);
	id = dom.domain_id;
	assert_int_equal(memop(XENMEM_current_reservation, 0, &id), 4);
	x = (struct xen_memory_exchange){
		.in = resv(in, 1, 0, 0),
		.out = resv(out, 1, 0, 0),
	};
	in[0] = list[0];
	x.in.domid = x.out.domid = 2;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EPERM);
	x.in.domid = x.out.domid = 0x1234;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -ESRCH);
	assert_true(owned_extent(list[0], 0));
}

static void bad_guest_pointers_fault_cleanly(void **state)
{
	struct xen_memory_reservation r = resv(list, 10, 0, 0);

	/* The structure itself. */
	host_guest_fault_range((unsigned long)&r, sizeof(r));
	assert_int_equal(memop(XENMEM_populate_physmap, 0, &r), 0);
	assert_int_equal(memop(XENMEM_populate_physmap, 3, &r), 3);
	host_guest_fault_clear();
	/* A list in the hypervisor's slots, or running into them. */
	r.extent_start = 0xffff800000000000UL;
	assert_int_equal(memop(XENMEM_increase_reservation, 0, &r), 0);
	r.extent_start = 0x7ffffffffff8UL;
	assert_int_equal(memop(XENMEM_increase_reservation, 0, &r), 0);
	r.extent_start = ~0UL - 8;
	assert_int_equal(memop(XENMEM_populate_physmap, 0, &r), 0);
	assert_int_equal(dom.tot_pages, 0);
	/* A list that stops part-way: the count says where, nothing leaks. */
	host_guest_fault_range((unsigned long)&list[6], 8);
	assert_int_equal(populate(list, 10, 0, 0, 0), 6);
	assert_int_equal(dom.tot_pages, 6);
	assert_int_equal(
		reserve(XENMEM_increase_reservation, list + 3, 10, 0, 0), 3);
	assert_int_equal(dom.tot_pages, 9);
	assert_int_equal(reserve(XENMEM_decrease_reservation, list, 10, 0, 0),
			 6);
	assert_int_equal(dom.tot_pages, 3);
}

/* ---- decrease_reservation ---- */

static void decrease_frees_and_invalidates(void **state)
{
	xen_pfn_t back[2];

	assert_int_equal(populate(list, 6, 0, 10, 0), 6);
	assert_int_equal(populate(list + 6, 1, 9, 512, 0), 1);
	back[0] = list[1];
	back[1] = list[4];
	assert_int_equal(reserve(XENMEM_decrease_reservation, back, 2, 0, 0),
			 2);
	assert_int_equal(
		reserve(XENMEM_decrease_reservation, list + 6, 1, 9, 0), 1);
	assert_int_equal(dom.tot_pages, 4);
	for (int i = 0; i < 6; i++) {
		bool gone = i == 1 || i == 4;

		assert_int_equal(is_free(list[i]), gone);
		assert_int_equal(get_gpfn_from_mfn(_mfn(list[i])),
				 gone ? INVALID_M2P_ENTRY : 10UL + i);
	}
	for (int j = 0; j < 512; j++)
		assert_true(is_free(list[6] + j));
	assert_true(m2p_maps(list[6], 9, INVALID_M2P_ENTRY));
}

static void decrease_refuses_what_is_not_the_domains(void **state)
{
	struct domain other;
	struct page_info *theirs, *xen;
	xen_pfn_t bad[5], l[2];

	domain_mm_init(&other, 2, 10);
	theirs = alloc_domheap_pages(&other, 0, 0);
	xen = alloc_domheap_pages(NULL, 0, 0);
	bad[0] = mfn_x(page_to_mfn(theirs));
	bad[1] = mfn_x(page_to_mfn(xen));
	bad[2] = bad[0] + 100; /* free */
	bad[3] = MACHINE_FRAMES + 5;
	bad[4] = ~0UL;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(
			reserve(XENMEM_decrease_reservation, bad + i, 1, 0, 0),
			0);
		/* After a good one: the count stops at the bad one. */
		assert_int_equal(populate(l, 1, 0, 0, 0), 1);
		l[1] = bad[i];
		assert_int_equal(
			reserve(XENMEM_decrease_reservation, l, 2, 0, 0), 1);
		assert_true(is_free(l[0]));
	}
	assert_ptr_equal(theirs->v.owner, &other);
	assert_false(is_free(bad[0]));
	assert_false(is_free(bad[1]));
	assert_int_equal(dom.tot_pages, 0);
	/*
	 * An extent with a bad frame in it is not counted, though the frames
	 * before that one are gone: Xen gives back no more than the count.
	 */
	assert_int_equal(populate(l, 1, 0, 0, 0), 1);
	assert_true(is_free(l[0] + 1));
	assert_int_equal(reserve(XENMEM_decrease_reservation, l, 1, 1, 0), 0);
	assert_true(is_free(l[0]));
	free_domheap_pages(xen, 0);
	domain_relinquish_memory(&other);
}

/* A frame given back while mapped lives until its last mapping goes. */
static void decrease_of_a_mapped_frame_waits_for_the_unmap(void **state)
{
	struct page_info *pg;

	assert_int_equal(populate(list, 2, 0, 7, 0), 2);
	pg = page(list[0]);
	assert_true(get_page(pg, &dom)); /* what a page-table entry holds */
	assert_int_equal(reserve(XENMEM_decrease_reservation, list, 1, 0, 0),
			 1);
	assert_false(is_free(list[0]));
	assert_ptr_equal(pg->v.owner, &dom);
	assert_false(pg->count_info & PGC_allocated);
	assert_int_equal(get_gpfn_from_mfn(_mfn(list[0])), INVALID_M2P_ENTRY);
	assert_int_equal(dom.tot_pages, 2);
	/* Given back twice: nothing more to drop, as in Xen. */
	assert_int_equal(reserve(XENMEM_decrease_reservation, list, 1, 0, 0),
			 1);
	assert_int_equal(dom.tot_pages, 2);
	put_page(pg); /* the unmap */
	assert_true(is_free(list[0]));
	assert_int_equal(dom.tot_pages, 1);
}

/* Freed frames are dirty until scrubbed, and scrubbed before reuse. */
static void decreased_frames_are_scrubbed_before_reuse(void **state)
{
	static const struct host_range one = {5, 6};
	struct heap_stats s;
	unsigned char *va;
	xen_pfn_t mfn;

	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(8, &one, 1), 0);
	free_at_start = heap_free_pages();
	assert_int_equal(populate(&mfn, 1, 0, 0, 0), 1);
	assert_int_equal(mfn, 5);
	va = arch_mfn_to_virt(mfn);
	memset(va, 0x5a, PAGE_SIZE);
	assert_int_equal(reserve(XENMEM_decrease_reservation, &mfn, 1, 0, 0),
			 1);
	heap_get_stats(&s);
	assert_int_equal(s.dirty_pages, 1);
	assert_true(page(5)->count_info & PGC_need_scrub);
	/* The only free frame: the next populate must get it, scrubbed. */
	assert_int_equal(populate(&mfn, 1, 0, 0, 0), 1);
	assert_int_equal(mfn, 5);
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		assert_int_not_equal(va[i], 0x5a);
	/* Or the idle scrubber gets there first. */
	memset(va, 0x5a, PAGE_SIZE);
	assert_int_equal(reserve(XENMEM_decrease_reservation, &mfn, 1, 0, 0),
			 1);
	assert_int_equal(heap_scrub_some(10), 1);
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		assert_int_not_equal(va[i], 0x5a);
}

/* ---- exchange ---- */

/* 2 * n pages populated at gpfns 0.., every other one given back. */
static void scattered_pages(xen_pfn_t *mfns, unsigned long n)
{
	xen_pfn_t tmp[2 * 512];

	assert_true(n <= 512);
	assert_int_equal(populate(tmp, 2 * n, 0, 0, 0), 2 * n);
	for (unsigned long i = 0; i < n; i++) {
		mfns[i] = tmp[2 * i];
		assert_int_equal(reserve(XENMEM_decrease_reservation,
					 &tmp[2 * i + 1], 1, 0, 0),
				 1);
	}
}

static struct xen_memory_exchange
exch(xen_pfn_t *in, unsigned long nr_in, unsigned int in_order, xen_pfn_t *out,
     unsigned long nr_out, unsigned int out_order, unsigned int flags)
{
	return (struct xen_memory_exchange){
		.in = resv(in, nr_in, in_order, 0),
		.out = resv(out, nr_out, out_order, flags),
	};
}

static void exchange_gives_contiguous_extents(void **state)
{
	xen_pfn_t in[512], out[1] = {0x10000};
	struct xen_memory_exchange x = exch(in, 512, 0, out, 1, 9, 0);
	unsigned long tot;

	scattered_pages(in, 512);
	tot = dom.tot_pages;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	assert_int_equal(x.nr_exchanged, 512);
	assert_true(IS_ALIGNED(out[0], 512));
	assert_true(owned_extent(out[0], 9));
	assert_true(m2p_maps(out[0], 9, 0x10000));
	for (int i = 0; i < 512; i++) {
		assert_true(is_free(in[i]));
		assert_int_equal(get_gpfn_from_mfn(_mfn(in[i])),
				 INVALID_M2P_ENTRY);
	}
	assert_int_equal(dom.tot_pages, tot);
}

/* Linux's xen_create_contiguous_region: below 4 GiB, here below 1 GiB. */
static void exchange_honours_address_bits(void **state)
{
	xen_pfn_t in[64], out[1] = {0x2000};
	struct xen_memory_exchange x = exch(in, 64, 0, out, 1, 6, 30);

	scattered_pages(in, 64);
	assert_true(in[0] >= (1UL << 18)); /* the heap starts high */
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	assert_int_equal(x.nr_exchanged, 64);
	assert_true(out[0] + 64 <= (1UL << 18) && IS_ALIGNED(out[0], 64));
	assert_true(m2p_maps(out[0], 6, 0x2000));
}

/* One 2 MiB extent in, 512 pages out, and several chunks at once. */
static void exchange_in_both_directions(void **state)
{
	xen_pfn_t big[2], small[1024];
	struct xen_memory_exchange x = exch(big, 2, 9, small, 1024, 0, 0);

	assert_int_equal(populate(big, 2, 9, 0, 0), 2);
	for (int i = 0; i < 1024; i++)
		small[i] = 5000 + i;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	assert_int_equal(x.nr_exchanged, 2);
	for (int i = 0; i < 1024; i++) {
		assert_true(owned_extent(small[i], 0));
		assert_int_equal(get_gpfn_from_mfn(_mfn(small[i])), 5000 + i);
	}
	/* The second chunk may reuse the first one's input, nothing else. */
	for (int e = 0; e < 2; e++)
		for (int j = 0; j < 512; j++) {
			unsigned long pfn = get_gpfn_from_mfn(_mfn(big[e] + j));

			assert_true(is_free(big[e] + j) ||
				    (pfn >= 5000 && pfn < 5000 + 1024));
		}
	assert_int_equal(dom.tot_pages, 1024);
}

/*
 * The exchange takes no memory but its output: with the heap down to one
 * free 2 MiB block, that block is what 512 scattered pages become.
 */
static void exchange_needs_only_its_output(void **state)
{
	xen_pfn_t in[512], out[1] = {0};
	struct xen_memory_exchange x = exch(in, 512, 0, out, 1, 9, 0);
	unsigned long got = 0;

	host_machine_fini();
	assert_int_equal(host_machine_init(4096), 0);
	free_at_start = heap_free_pages();
	for (long n; (n = populate(list, LIST, 0, got, 0)) > 0;)
		got += n;
	assert_int_equal(got, 4095); /* every frame but frame 0 */
	for (int i = 0; i < 512; i++) {
		list[i] = 2048 + i;
		in[i] = 1 + 2 * i;
	}
	assert_int_equal(reserve(XENMEM_decrease_reservation, list, 512, 0, 0),
			 512);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	assert_int_equal(out[0], 2048);
	assert_true(owned_extent(2048, 9));
	assert_int_equal(heap_free_pages(), 512);
}

/* Snapshot of an exchange's input, to see it was left untouched. */
struct frames {
	unsigned long n, free;
	unsigned long count[64], type[64], m2p[64];
};

static void snapshot(struct frames *f, const xen_pfn_t *mfns, unsigned long n)
{
	f->n = n;
	f->free = heap_free_pages();
	for (unsigned long i = 0; i < n; i++) {
		f->count[i] = page(mfns[i])->count_info;
		f->type[i] = page(mfns[i])->u.type_info;
		f->m2p[i] = get_gpfn_from_mfn(_mfn(mfns[i]));
	}
}

static void assert_untouched(const struct frames *f, const xen_pfn_t *mfns)
{
	assert_int_equal(heap_free_pages(), f->free);
	for (unsigned long i = 0; i < f->n; i++) {
		assert_ptr_equal(page(mfns[i])->v.owner, &dom);
		assert_int_equal(page(mfns[i])->count_info, f->count[i]);
		assert_int_equal(page(mfns[i])->u.type_info, f->type[i]);
		assert_int_equal(get_gpfn_from_mfn(_mfn(mfns[i])), f->m2p[i]);
	}
}

static void exchange_failures_leave_the_input_intact(void **state)
{
	xen_pfn_t in[64], saved[64], out[1];
	struct xen_memory_exchange x;
	struct frames f;
	struct domain other;
	struct page_info *theirs;

	domain_mm_init(&other, 2, 1);
	theirs = alloc_domheap_pages(&other, 0, 0);
	scattered_pages(in, 64);
	/* Types no longer in use, which an exchange may take, and keeps. */
	page(in[9])->u.type_info = PGT_writable_page | PGT_validated;
	page(in[10])->u.type_info = PGT_l1_page_table;
	memcpy(saved, in, sizeof(in));
	snapshot(&f, in, 64);

	/* No memory below 2^13 bytes: -ENOMEM, nothing exchanged. */
	x = exch(in, 64, 0, out, 1, 6, 13);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -ENOMEM);
	assert_int_equal(x.nr_exchanged, 0);
	assert_untouched(&f, in);

	/* A mapped frame (an extra reference), a typed one, a pinned one. */
	x = exch(in, 64, 0, out, 1, 6, 0);
	assert_true(get_page(page(in[40]), &dom));
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	put_page(page(in[40]));
	page(in[7])->u.type_info = PGT_writable_page | 1;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	page(in[7])->u.type_info = PGT_l1_page_table | PGT_pinned;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	page(in[7])->u.type_info = 0;
	assert_int_equal(x.nr_exchanged, 0);
	assert_untouched(&f, saved);

	/* A frame listed twice, another domain's, a free one, none at all. */
	static const unsigned long bad[] = {0, 1, 2, 3};

	for (unsigned int b = 0; b < ARRAY_SIZE(bad); b++) {
		memcpy(in, saved, sizeof(in));
		in[63] = b == 0	  ? in[5]
			 : b == 1 ? mfn_x(page_to_mfn(theirs))
			 : b == 2 ? in[5] + 1
				  : MACHINE_FRAMES + 1;
		x = exch(in, 64, 0, out, 1, 6, 0);
		assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
		assert_int_equal(x.nr_exchanged, 0);
		assert_untouched(&f, saved);
	}
	assert_ptr_equal(theirs->v.owner, &other);

	/* Extents that overlap in a frame; the same ones apart are fine. */
	assert_int_equal(populate(list, 1, 2, 0, 0), 1);
	in[0] = list[0];
	in[1] = list[0] + 1;
	x = exch(in, 2, 1, out, 1, 2, 0);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	assert_true(owned_extent(list[0], 2));
	in[0] = list[0] + 2;
	in[1] = list[0];
	out[0] = 0x300;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	assert_true(owned_extent(out[0], 2) && m2p_maps(out[0], 2, 0x300));
	memcpy(in, saved, sizeof(in));

	/* An output list that cannot be read: -EFAULT before anything. */
	x = exch(in, 64, 0, out, 1, 6, 0);
	host_guest_fault_range((unsigned long)out, sizeof(out));
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EFAULT);
	host_guest_fault_clear();
	assert_int_equal(x.nr_exchanged, 0);
	domain_relinquish_memory(&other);
}

static void exchange_arguments_are_checked(void **state)
{
	xen_pfn_t in[2], out[2];
	struct xen_memory_exchange x;

	assert_int_equal(populate(in, 2, 0, 0, 0), 2);
	/* Orders: -EPERM above the limit, shifts never undefined. */
	x = exch(in, 2, 0, out, 1, 10, 0);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EPERM);
	x = exch(in, 2, ~0U, out, 1, 1, 0);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EPERM);
	/* Sizes that differ, or overflow, and mismatched domids. */
	x = exch(in, 2, 0, out, 2, 1, 0);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	x = exch(in, 1UL << 63, 1, out, 1UL << 63, 1, 0);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	x = exch(in, 2, 0, out, 1, 1, 0);
	x.out.domid = 0;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	x.out.domid = x.in.domid = DOMID_IO;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -ESRCH);
	x = exch(in, 2, 0, out, 1, 1, 0);
	x.nr_exchanged = 3;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	assert_int_equal(x.nr_exchanged, 3);
	/* Everything done already: nothing to do. */
	x.nr_exchanged = 2;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	/* Lists in the hypervisor's slots; an unreadable structure. */
	x = exch(in, 2, 0, out, 1, 1, 0);
	x.in.extent_start = 0xffff820000000000UL;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EFAULT);
	x = exch(in, 2, 0, out, 1, 1, 0);
	x.out.extent_start = 0xffff820000000000UL;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EFAULT);
	host_guest_fault_range((unsigned long)&x, sizeof(x));
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EFAULT);
	host_guest_fault_clear();
	/* A node request an ordinary domain may not make. */
	x = exch(in, 2, 0, out, 1, 1,
		 XENMEMF_node(1) | XENMEMF_exact_node_request);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	x = exch(in, 2, 0, out, 1, 1, XENMEMF_node(1));
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	assert_true(owned_extent(out[0], 1));
}

/* Chunk by chunk: a failure in one leaves the done ones done. */
static void exchange_reports_progress(void **state)
{
	xen_pfn_t in[128], out[2] = {0x800, 0x900};
	struct xen_memory_exchange x = exch(in, 128, 0, out, 2, 6, 0);
	xen_pfn_t bad;

	scattered_pages(in, 128);
	bad = in[100];
	in[100] = in[99]; /* listed twice in the second chunk */
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EINVAL);
	assert_int_equal(x.nr_exchanged, 64);
	assert_true(m2p_maps(out[0], 6, 0x800));
	assert_int_equal(out[1], 0x900);
	for (int i = 64; i < 128; i++)
		assert_false(is_free(in[i]));
	/* Retried from where it stopped, with the list put right. */
	in[100] = bad;
	assert_int_equal(memop(XENMEM_exchange, 0, &x), 0);
	assert_int_equal(x.nr_exchanged, 128);
	assert_true(m2p_maps(out[1], 6, 0x900));
	for (int i = 0; i < 128; i++)
		assert_true(is_free(in[i]));
	/* The field it reports in cannot be written: -EFAULT, work done. */
	scattered_pages(in, 64);
	x = exch(in, 64, 0, out, 1, 6, 0);
	host_guest_fault_range((unsigned long)&x.nr_exchanged, 8);
	assert_int_equal(memop(XENMEM_exchange, 0, &x), -EFAULT);
	host_guest_fault_clear();
	assert_true(owned_extent(out[0], 6));
}

/* ---- continuations ---- */

/* memory_op again with each continuation's arguments; *cont counts them. */
static long memop_to_end(unsigned long cmd, const void *arg, unsigned int *cont)
{
	long rc = do_memory_op(cmd, (unsigned long)arg);

	*cont = 0;
	while (host_continuation.made) {
		assert_int_equal(rc, __HYPERVISOR_memory_op);
		assert_int_equal(host_continuation.op, __HYPERVISOR_memory_op);
		assert_int_equal(host_continuation.nargs, 2);
		assert_int_equal(host_continuation.args[0] & MEMOP_CMD_MASK,
				 cmd & MEMOP_CMD_MASK);
		assert_int_equal(host_continuation.args[1], (unsigned long)arg);
		host_continuation.made = false;
		(*cont)++;
		rc = do_memory_op(host_continuation.args[0],
				  host_continuation.args[1]);
	}
	return rc;
}

static void reservations_continue_from_the_extent_done(void **state)
{
	struct xen_memory_reservation r;
	unsigned int cont;

	/* Every check says stop: one extent per call, never none. */
	host_preempt_every = 1;
	for (unsigned long i = 0; i < 300; i++)
		list[i] = 0x1000 + i;
	r = resv(list, 300, 0, 0);
	assert_int_equal(memop_to_end(XENMEM_populate_physmap, &r, &cont), 300);
	assert_int_equal(cont, 299);
	for (unsigned long i = 0; i < 300; i++)
		assert_true(m2p_maps(list[i], 0, 0x1000 + i));
	assert_int_equal(dom.tot_pages, 300);
	/* Now and then, and from a start extent the guest gave. */
	host_preempt_every = 5;
	r = resv(list, 300, 0, 0);
	assert_int_equal(memop_to_end(XENMEM_decrease_reservation |
					      100 << MEMOP_EXTENT_SHIFT,
				      &r, &cont),
			 300);
	assert_true(cont > 0);
	assert_int_equal(dom.tot_pages, 100);
	/* increase_reservation to max_pages: what fits, and no more. */
	dom.max_pages = 100 + 2 * 40;
	r = resv(list, 50, 1, 0);
	assert_int_equal(memop_to_end(XENMEM_increase_reservation, &r, &cont),
			 40);
	assert_true(cont > 0);
	assert_int_equal(dom.tot_pages, 180);
	/* A list that faults ends it: no continuation past the fault. */
	r = resv(list, 100, 0, 0);
	host_guest_fault_range((unsigned long)&list[60], sizeof(list[0]));
	assert_int_equal(memop_to_end(XENMEM_decrease_reservation, &r, &cont),
			 60);
	host_guest_fault_clear();
	assert_int_equal(dom.tot_pages, 120);
}

static void exchange_continues_from_nr_exchanged(void **state)
{
	xen_pfn_t in[256], out[4] = {0x800, 0x900, 0xa00, 0xb00};
	struct xen_memory_exchange x = exch(in, 256, 0, out, 4, 6, 0);
	unsigned int cont;

	scattered_pages(in, 256);
	host_preempt_every = 1;
	assert_int_equal(memop_to_end(XENMEM_exchange, &x, &cont), 0);
	/* One chunk per call: four chunks, three continuations. */
	assert_int_equal(cont, 3);
	assert_int_equal(x.nr_exchanged, 256);
	for (int i = 0; i < 4; i++) {
		assert_true(owned_extent(out[i], 6));
		assert_true(m2p_maps(out[i], 6, 0x800 + i * 0x100));
	}
	for (int i = 0; i < 256; i++)
		assert_true(is_free(in[i]));
}

/* ---- what a guest can learn ---- */

static void reservations_and_ram_page(void **state)
{
	domid_t self = DOMID_SELF;

	assert_int_equal(populate(list, 3, 0, 0, 0), 3);
	assert_int_equal(memop(XENMEM_current_reservation, 0, &self), 3);
	assert_int_equal(memop(XENMEM_maximum_reservation, 0, &self), DOM_MAX);
	dom.max_pages = ~0UL;
	assert_true(memop(XENMEM_maximum_reservation, 0, &self) > 0);
	assert_int_equal(memop(XENMEM_maximum_ram_page, 0, NULL),
			 MACHINE_FRAMES);
	host_guest_fault_range((unsigned long)&self, sizeof(self));
	assert_int_equal(memop(XENMEM_current_reservation, 0, &self), -EFAULT);
}

static void machphys_mapping_and_mfn_list(void **state)
{
	struct xen_machphys_mapping m;
	struct xen_machphys_mfn_list l = {.max_extents = 100,
					  .extent_start = (unsigned long)list};
	/* 2^19 frames' entries are 4 MiB of M2P: two 2 MiB chunks. */
	unsigned long parts = MACHINE_FRAMES * 8 >> 21, mfns[2];

	assert_int_equal(memop(XENMEM_machphys_mapping, 0, &m), 0);
	assert_int_equal(m.v_start, 0xffff800000000000UL);
	assert_int_equal(m.v_end, 0xffff804000000000UL);
	assert_int_equal(m.max_mfn, (1UL << 35) - 1);
	assert_int_equal(memop(XENMEM_machphys_mfn_list, 0, &l), 0);
	assert_int_equal(l.nr_extents, parts);
	assert_int_equal(arch_m2p_mfns(mfns, 2), parts);
	for (unsigned long i = 0; i < parts; i++)
		assert_int_equal(list[i], mfns[i]);
	l.max_extents = 1;
	assert_int_equal(memop(XENMEM_machphys_mfn_list, 0, &l), 0);
	assert_int_equal(l.nr_extents, 1);
	l.max_extents = 0;
	assert_int_equal(memop(XENMEM_machphys_mfn_list, 0, &l), 0);
	assert_int_equal(l.nr_extents, 0);
	l.max_extents = 100;
	host_guest_fault_range((unsigned long)&list[1], 8);
	assert_int_equal(memop(XENMEM_machphys_mfn_list, 0, &l), -EFAULT);
	host_guest_fault_clear();
	host_guest_fault_range((unsigned long)&m, sizeof(m));
	assert_int_equal(memop(XENMEM_machphys_mapping, 0, &m), -EFAULT);
}

static void memory_map_is_one_ram_entry(void **state)
{
	struct e820entry e[4];
	struct xen_memory_map m = {.nr_entries = 4, .buffer = (unsigned long)e};

	memset(e, 0xaa, sizeof(e));
	assert_int_equal(memop(XENMEM_memory_map, 0, &m), 0);
	assert_int_equal(m.nr_entries, 1);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, DOM_MAX << PAGE_SHIFT);
	assert_int_equal(e[0].type, E820_RAM);
	assert_int_equal(e[1].type, 0xaaaaaaaa);
	m.nr_entries = 0;
	assert_int_equal(memop(XENMEM_memory_map, 0, &m), 0);
	assert_int_equal(m.nr_entries, 0);
	m.nr_entries = 1;
	host_guest_fault_range((unsigned long)e, 1);
	assert_int_equal(memop(XENMEM_memory_map, 0, &m), -EFAULT);
}

static void unknown_sub_ops_are_enosys(void **state)
{
	static const unsigned int ops[] = {7, 8, 10, 13, 14, 21, 63};

	for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++)
		assert_int_equal(memop(ops[i], 0, list), -ENOSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(increase_gives_mfns_with_invalid_m2p),
		T(increase_without_a_list),
		T(populate_sets_the_m2p),
		T(populate_page_at_a_time_ascends),
		T(populate_2m_extents_take_guest_pageblocks),
		T(address_bits_are_honoured),
		T(max_pages_is_enforced),
		T(orders_beyond_the_limit_are_refused),
		T(huge_extent_counts_are_refused),
		T(the_start_extent_is_honoured),
		T(other_domains_are_not_targets),
		T(bad_guest_pointers_fault_cleanly),
		T(decrease_frees_and_invalidates),
		T(decrease_refuses_what_is_not_the_domains),
		T(decrease_of_a_mapped_frame_waits_for_the_unmap),
		T(decreased_frames_are_scrubbed_before_reuse),
		T(exchange_gives_contiguous_extents),
		T(exchange_honours_address_bits),
		T(exchange_in_both_directions),
		T(exchange_needs_only_its_output),
		T(exchange_failures_leave_the_input_intact),
		T(exchange_arguments_are_checked),
		T(exchange_reports_progress),
		T(reservations_continue_from_the_extent_done),
		T(exchange_continues_from_nr_exchanged),
		T(reservations_and_ram_page),
		T(machphys_mapping_and_mfn_list),
		T(memory_map_is_one_ram_entry),
		T(unknown_sub_ops_are_enosys),
#undef T
	};

	return cmocka_run_group_tests_name("memory_op", tests, NULL, NULL);
}
