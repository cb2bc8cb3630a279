/* SPDX-License-Identifier: MIT */
/*
 * Page references, page types and the page-table hypercalls (mm/pv_mm.c)
 * on a host machine: page-table hierarchies built in a test domain's
 * frames, every rule of include/mica/pv_mm.h checked on them, and after
 * every test an independent audit of the counts (pv_mm_check.c), then
 * pv_relinquish_page_types() leaving each frame its allocation reference
 * only and the heap getting every page back.
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
#include <mica/m2p.h>
#include <mica/paging.h>
#include <mica/pv_mm.h>
#include <public/xen.h>

#include "pv_mm_check.h"

#define NR_FRAMES 8192
#define P _PAGE_PRESENT
#define RW _PAGE_RW
#define GUEST_KERNEL (1UL << 52)

static struct domain dom, other;
static struct vcpu vcpu;
static unsigned long free_at_start;

static int setup(void **state)
{
	heap_scramble = false;
	if (host_machine_init(NR_FRAMES))
		return -1;
	pv_test_domain(&dom, &vcpu, 1, 4096);
	opt_pv_superpages = true;
	memset(&other, 0, sizeof(other));
	domain_mm_init(&other, 2, 1024);
	host_tlb_flushes = host_invlpgs = host_cr3_loads = 0;
	host_cr3 = INVALID_MFN;
	host_preempt_every = host_preempt_checks = 0;
	memset(&host_continuation, 0, sizeof(host_continuation));
	host_guest_fault_clear();
	free_at_start = heap_free_pages();
	return 0;
}

static void audit(void)
{
	const char *why = pv_mm_violation(&dom);

	if (why)
		fail_msg("%s", why);
}

/* Every test ends here: consistent, then relinquished to nothing. */
static int teardown(void **state)
{
	audit();
	pv_relinquish_page_types(&dom);
	audit();
	for (uint32_t m = dom.page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next) {
		assert_int_equal(frame_table[m].count_info &
					 (PGC_allocated | PGC_count_mask),
				 PGC_allocated | 1);
		assert_int_equal(frame_table[m].u.type_info, 0);
	}
	assert_true(mfn_eq(vcpu.guest_table, INVALID_MFN));
	domain_relinquish_memory(&dom);
	domain_relinquish_memory(&other);
	assert_int_equal(heap_free_pages(), free_at_start);
	assert_int_equal(heap_check(), 0);
	host_guest_fault_clear();
	host_machine_fini();
	return 0;
}

static mfn_t new_frame(struct domain *d)
{
	struct page_info *pg = alloc_domheap_pages(d, 0, MEMF_zero);

	assert_non_null(pg);
	return page_to_mfn(pg);
}

static uint64_t *tbl(mfn_t m)
{
	return arch_mfn_to_virt(mfn_x(m));
}

static uint64_t pte(mfn_t m, uint64_t flags)
{
	return mfn_to_maddr(m) | flags;
}

static struct page_info *pg_of(mfn_t m)
{
	return mfn_to_page(m);
}

static unsigned long refs(mfn_t m)
{
	return pg_of(m)->count_info & PGC_count_mask;
}

static unsigned long types(mfn_t m)
{
	return pg_of(m)->u.type_info & PGT_count_mask;
}

static unsigned long type(mfn_t m)
{
	return pg_of(m)->u.type_info & PGT_type_mask;
}

/*
 * The usual shape: l4[0] -> l3[0] -> l2[0] -> l1, whose slot 0 maps
 * data_rw writable, slot 1 data_ro read-only and slot 2 the l1 itself
 * read-only, as a guest keeps its page tables mapped. Virtual address
 * i << 12 is slot i of the l1.
 */
struct tree {
	mfn_t l4, l3, l2, l1, data_rw, data_ro;
};

static void build(struct tree *t)
{
	t->l4 = new_frame(&dom);
	t->l3 = new_frame(&dom);
	t->l2 = new_frame(&dom);
	t->l1 = new_frame(&dom);
	t->data_rw = new_frame(&dom);
	t->data_ro = new_frame(&dom);
	tbl(t->l4)[0] = pte(t->l3, P | RW);
	tbl(t->l3)[0] = pte(t->l2, P | RW);
	tbl(t->l2)[0] = pte(t->l1, P | RW);
	tbl(t->l1)[0] = pte(t->data_rw, P | RW);
	tbl(t->l1)[1] = pte(t->data_ro, P);
	tbl(t->l1)[2] = pte(t->l1, P);
}

/* Every frame of the tree back to its allocation reference alone. */
static void assert_untouched(const struct tree *t)
{
	const mfn_t all[] = {t->l4, t->l3,	t->l2,
			     t->l1, t->data_rw, t->data_ro};

	for (unsigned int i = 0; i < ARRAY_SIZE(all); i++) {
		assert_int_equal(refs(all[i]), 1);
		assert_int_equal(types(all[i]), 0);
	}
}

static unsigned long maddr_of(mfn_t table, unsigned int slot)
{
	return mfn_to_maddr(table) + slot * sizeof(uint64_t);
}

static int mmu1(mfn_t table, unsigned int slot, uint64_t val)
{
	return pv_mmu_update_one(&dom, maddr_of(table, slot), val);
}

static int mmuext1(unsigned int cmd, unsigned long arg)
{
	struct mmuext_op op = {.cmd = cmd, .arg1.mfn = arg};

	return (int)do_mmuext_op((unsigned long)&op, 1, 0, DOMID_SELF);
}

/* ---- general references ---- */

static void get_page_owner_and_count(void **state)
{
	mfn_t mine = new_frame(&dom), theirs = new_frame(&other);
	struct page_info *free_pg = alloc_domheap_pages(NULL, 0, 0);
	void *xen = alloc_xenheap_pages(0, 0);
	mfn_t freed;

	assert_true(get_page(pg_of(mine), &dom));
	assert_int_equal(refs(mine), 2);
	put_page(pg_of(mine));
	assert_int_equal(refs(mine), 1);
	/* Another domain's, an unowned one, a xenheap page, a free one. */
	assert_false(get_page(pg_of(theirs), &dom));
	assert_false(get_page(free_pg, &dom));
	assert_false(get_page(mfn_to_page(_mfn(arch_virt_to_mfn(xen))), &dom));
	free_domheap_pages(free_pg, 0);
	freed = page_to_mfn(free_pg);
	assert_false(get_page(pg_of(freed), &dom));
	assert_false(get_page(pg_of(mine), NULL));
	/* One below the count's end takes the last; then it refuses. */
	pg_of(mine)->count_info += PGC_count_mask - 2;
	assert_true(get_page(pg_of(mine), &dom));
	assert_false(get_page(pg_of(mine), &dom));
	pg_of(mine)->count_info -= PGC_count_mask - 1;
	assert_int_equal(refs(mine), 1);
	free_xenheap_pages(xen, 0);
}

static void last_put_frees_the_frame(void **state)
{
	mfn_t m = new_frame(&dom);
	unsigned long before = heap_free_pages(), tot = dom.tot_pages;

	set_gpfn_from_mfn(m, 42);
	assert_true(put_page_alloc_ref(pg_of(m)));
	assert_int_equal(heap_free_pages(), before + 1);
	assert_int_equal(dom.tot_pages, tot - 1);
	assert_false(frame_table[mfn_x(m)].count_info & PGC_inuse);
	assert_int_equal(get_gpfn_from_mfn(m), INVALID_M2P_ENTRY);
	assert_false(get_page(pg_of(m), &dom));
}

static void given_back_frame_lives_while_mapped(void **state)
{
	mfn_t l1 = new_frame(&dom), data = new_frame(&dom);
	unsigned long before;

	tbl(l1)[7] = pte(data, P | RW);
	assert_int_equal(pv_pin_table(&dom, l1, 1), 0);
	assert_int_equal(refs(data), 2);
	before = heap_free_pages();
	assert_true(put_page_alloc_ref(pg_of(data)));
	assert_false(put_page_alloc_ref(pg_of(data))); /* held no more */
	assert_int_equal(refs(data), 1);
	assert_int_equal(heap_free_pages(), before);
	audit();
	/* The last mapping goes: so does the frame. */
	assert_int_equal(mmu1(l1, 7, 0), 0);
	assert_int_equal(heap_free_pages(), before + 1);
	assert_int_equal(pv_unpin_table(&dom, l1), 0);
}

/*
 * A xenheap frame shared with the domain, as shared_info is (kernel/pv's
 * share_xen_page_with_guest()): the guest maps it, but cannot give it back.
 */
static void shared_xenheap_frame(void **state)
{
	void *xen = alloc_xenheap_pages(0, MEMF_zero);
	mfn_t shared = _mfn(arch_virt_to_mfn(xen)), l1 = new_frame(&dom);

	pg_of(shared)->v.owner = &dom;
	pg_of(shared)->count_info |= PGC_allocated | 1;
	pg_of(shared)->u.type_info = PGT_writable_page | PGT_validated | 1;
	tbl(l1)[0] = pte(shared, P | RW);
	assert_int_equal(pv_pin_table(&dom, l1, 1), 0);
	assert_int_equal(refs(shared), 2);
	assert_int_equal(types(shared), 2);
	assert_false(put_page_alloc_ref(pg_of(shared)));
	assert_int_equal(refs(shared), 2);
	/* Written as the guest could; never a page table. */
	assert_int_equal(mmu1(shared, 3, 0x77), 0);
	assert_int_equal(pv_pin_table(&dom, shared, 1), -EINVAL);
	assert_int_equal(pv_unpin_table(&dom, l1), 0);
	assert_int_equal(refs(shared), 1);
	/* As unshare_xen_page_with_guest() does. */
	pg_of(shared)->count_info &= ~(PGC_allocated | PGC_count_mask);
	pg_of(shared)->u.type_info = 0;
	pg_of(shared)->v.owner = NULL;
	free_xenheap_pages(xen, 0);
}

/* ---- validation ---- */

static void good_hierarchy_validates(void **state)
{
	struct tree t;

	build(&t);
	tbl(t.l4)[300] = 0x1234; /* not present: left as it is */
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(type(t.l4), PGT_l4_page_table);
	assert_true(pg_of(t.l4)->u.type_info & PGT_pinned);
	assert_int_equal(types(t.l4), 1);
	assert_int_equal(refs(t.l4), 2);
	assert_int_equal(type(t.l3), PGT_l3_page_table);
	assert_int_equal(type(t.l2), PGT_l2_page_table);
	assert_int_equal(type(t.l1), PGT_l1_page_table);
	assert_int_equal(types(t.l1), 1);
	assert_int_equal(refs(t.l1), 3); /* allocation, l2's entry, itself */
	assert_int_equal(type(t.data_rw), PGT_writable_page);
	assert_int_equal(types(t.data_rw), 1);
	assert_int_equal(types(t.data_ro), 0);
	assert_int_equal(refs(t.data_ro), 2);
	/* The guest kernel runs in ring 3: every entry is a user one. */
	assert_int_equal(tbl(t.l4)[0],
			 pte(t.l3, P | RW | _PAGE_USER | _PAGE_ACCESSED));
	assert_int_equal(tbl(t.l3)[0], pte(t.l2, P | RW | _PAGE_USER));
	assert_int_equal(tbl(t.l1)[1],
			 pte(t.data_ro, P | _PAGE_USER | GUEST_KERNEL));
	assert_int_equal(tbl(t.l4)[300], 0x1234);
	for (unsigned int i = HYPERVISOR_L4_FIRST; i <= HYPERVISOR_L4_LAST; i++)
		assert_int_equal(tbl(t.l4)[i], HOST_PV_L4_SLOT(i));
	audit();
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_untouched(&t);
	assert_int_equal(type(t.l1), PGT_l1_page_table); /* count 0: stale */
	assert_false(pg_of(t.l1)->u.type_info & PGT_validated);
}

/* A user mapping stays a user one, and global (Xen's adjust_guest_l1e). */
static void user_mappings_become_global(void **state)
{
	mfn_t l1 = new_frame(&dom), data = new_frame(&dom);

	tbl(l1)[0] = pte(data, P | _PAGE_USER);
	assert_int_equal(pv_pin_table(&dom, l1, 1), 0);
	assert_int_equal(tbl(l1)[0], pte(data, P | _PAGE_USER | _PAGE_GLOBAL));
	assert_int_equal(pv_unpin_table(&dom, l1), 0);
}

/* Make one entry of a good tree bad; pinning must fail with rc, leaving nothing. */
static void refused(mfn_t table, struct tree *t, unsigned int slot,
		    uint64_t val, int rc)
{
	tbl(table)[slot] = val;
	assert_int_equal(pv_pin_table(&dom, t->l4, 4), rc);
	assert_untouched(t);
	audit();
	tbl(table)[slot] = 0;
}

static void bad_entries_are_refused(void **state)
{
	struct tree t;
	mfn_t theirs = new_frame(&other), spare = new_frame(&dom);
	struct page_info *free_pg = alloc_domheap_pages(NULL, 0, 0);
	mfn_t freed = page_to_mfn(free_pg);

	free_domheap_pages(free_pg, 0);
	build(&t);
	/* Caching attributes and the PAT bit in an L1 entry. */
	refused(t.l1, &t, 5, pte(spare, P | _PAGE_PCD), -EINVAL);
	refused(t.l1, &t, 5, pte(spare, P | _PAGE_PWT), -EINVAL);
	refused(t.l1, &t, 5, pte(spare, P | _PAGE_PAT), -EINVAL);
	/* Superpages, global upper entries. */
	refused(t.l2, &t, 5, pte(spare, P | _PAGE_PSE), -EINVAL);
	refused(t.l3, &t, 5, pte(spare, P | _PAGE_PSE), -EINVAL);
	refused(t.l4, &t, 5, pte(spare, P | _PAGE_GLOBAL), -EINVAL);
	/* Frames that are not the domain's. */
	refused(t.l1, &t, 5, pte(theirs, P), -EBUSY);
	refused(t.l1, &t, 5, pte(freed, P), -EBUSY);
	refused(t.l1, &t, 5, pte(_mfn(NR_FRAMES + 5), P), -EPERM);
	refused(t.l2, &t, 5, pte(theirs, P), -EINVAL);
	refused(t.l3, &t, 5, pte(_mfn(NR_FRAMES + 5), P), -EINVAL);
	refused(t.l4, &t, 5, pte(freed, P), -EINVAL);
	/* A page table mapped writable, the l1 here by itself. */
	refused(t.l1, &t, 5, pte(t.l1, P | RW), -EBUSY);
	refused(t.l1, &t, 5, pte(t.l2, P | RW), -EBUSY);
	/* A writable-mapped frame as a page table. */
	refused(t.l2, &t, 5, pte(t.data_rw, P), -EINVAL);
	/* The wrong level: an L3 where an L1 belongs, an L1 as an L3. */
	refused(t.l2, &t, 5, pte(t.l3, P), -EINVAL);
	refused(t.l4, &t, 5, pte(t.l1, P), -EINVAL);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
}

static void frame_types_exclude_each_other(void **state)
{
	struct tree t;

	build(&t);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	/* Mapped writable: it cannot become a page table. */
	assert_int_equal(pv_pin_table(&dom, t.data_rw, 1), -EINVAL);
	assert_int_equal(types(t.data_rw), 1);
	/* A page table: it cannot be mapped writable, read-only it can. */
	assert_int_equal(mmu1(t.l1, 9, pte(t.l2, P | RW)), -EBUSY);
	assert_int_equal(mmu1(t.l1, 9, pte(t.l4, P | RW)), -EBUSY);
	assert_int_equal(mmu1(t.l1, 9, pte(t.l2, P)), 0);
	assert_int_equal(refs(t.l2), 3);
	assert_int_equal(types(t.l2), 1);
	/* Nor can a table be another level's while in use. */
	assert_int_equal(pv_pin_table(&dom, t.l2, 1), -EINVAL);
	assert_int_equal(get_page_type(pg_of(t.l3), PGT_seg_desc_page),
			 -EINVAL);
	assert_int_equal(mmu1(t.l1, 9, 0), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	/* Unmapped at last, the writable frame may become one. */
	assert_int_equal(pv_pin_table(&dom, t.data_rw, 1), 0);
	assert_int_equal(pv_unpin_table(&dom, t.data_rw), 0);
}

/* A frame that stops being writable drops its stale translations. */
static void writable_to_table_flushes(void **state)
{
	mfn_t l1 = new_frame(&dom), f = new_frame(&dom);
	unsigned long flushes;

	tbl(l1)[0] = pte(f, P | RW);
	assert_int_equal(pv_pin_table(&dom, l1, 1), 0);
	assert_int_equal(mmu1(l1, 0, 0), 0);
	flushes = host_tlb_flushes;
	assert_int_equal(pv_pin_table(&dom, f, 1), 0);
	assert_int_equal(host_tlb_flushes, flushes + 1);
	/* A table that becomes an L1 again has nothing stale to drop. */
	assert_int_equal(pv_unpin_table(&dom, f), 0);
	flushes = host_tlb_flushes;
	assert_int_equal(pv_pin_table(&dom, f, 1), 0);
	assert_int_equal(host_tlb_flushes, flushes);
	assert_int_equal(pv_unpin_table(&dom, f), 0);
	assert_int_equal(pv_unpin_table(&dom, l1), 0);
}

static void validation_failure_deep_down_undoes_all(void **state)
{
	struct tree t;
	mfn_t l1b = new_frame(&dom), l2b = new_frame(&dom);

	build(&t);
	/* A second branch whose L1's last entry is bad. */
	tbl(t.l3)[1] = pte(l2b, P | RW);
	tbl(l2b)[3] = pte(l1b, P | RW);
	tbl(l1b)[0] = pte(t.data_rw, P | RW);
	tbl(l1b)[511] = pte(t.l3, P | RW);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), -EBUSY);
	assert_untouched(&t);
	assert_int_equal(refs(l1b), 1);
	assert_int_equal(types(l2b), 0);
	tbl(l1b)[511] = pte(t.l3, P);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(types(t.data_rw), 2);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_untouched(&t);
}

static void hypervisor_slots_are_mica_s(void **state)
{
	struct tree t;

	build(&t);
	/* Whatever the guest left there is neither checked nor kept. */
	tbl(t.l4)[256] = pte(t.data_rw, P | RW | _PAGE_PCD);
	tbl(t.l4)[271] = pte(_mfn(NR_FRAMES + 9), P | RW);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(tbl(t.l4)[256], HOST_PV_L4_SLOT(256));
	assert_int_equal(types(t.data_rw), 1);
	for (unsigned int i = HYPERVISOR_L4_FIRST; i <= HYPERVISOR_L4_LAST; i++)
		assert_int_equal(mmu1(t.l4, i, pte(t.l3, P)), -EINVAL);
	assert_int_equal(mmu1(t.l4, 255, pte(t.l3, P)), 0);
	assert_int_equal(mmu1(t.l4, 272, pte(t.l3, P)), 0);
	assert_int_equal(types(t.l3), 3);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_untouched(&t);
}

/* ---- linear (recursive) entries ---- */

static void linear_entries_only_read_only(void **state)
{
	struct tree t;
	mfn_t b = new_frame(&dom), b2 = new_frame(&dom);

	build(&t);
	/* A self-map: writable is refused, read-only holds nothing. */
	tbl(t.l4)[493] = pte(t.l4, P | RW);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), -EINVAL);
	assert_untouched(&t);
	tbl(t.l4)[493] = pte(t.l4, P);
	tbl(t.l2)[7] = pte(t.l2, P);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(refs(t.l4), 2);
	assert_int_equal(types(t.l4), 1);
	/* Another validated L4, mapped read-only: a linear entry. */
	assert_int_equal(pv_pin_table(&dom, b, 4), 0);
	assert_int_equal(mmu1(t.l4, 200, pte(b, P | RW)), -EINVAL);
	assert_int_equal(mmu1(t.l4, 200, pte(b, P)), 0);
	assert_int_equal(types(b), 2);
	assert_int_equal(
		(int16_t)(pg_of(t.l4)->u.type_info >> PGT_linear_shift), 1);
	assert_int_equal((int16_t)(pg_of(b)->u.type_info >> PGT_linear_shift),
			 -1);
	/* No chains: b, mapped linearly, may not map one; nor t.l4 be mapped. */
	assert_int_equal(mmu1(b, 3, pte(t.l4, P)), -EINVAL);
	audit();
	/* A read-only entry to a table of no type: an L3, not a linear one. */
	assert_int_equal(mmu1(t.l4, 201, pte(b2, P)), 0);
	assert_int_equal(type(b2), PGT_l3_page_table);
	assert_int_equal(
		(int16_t)(pg_of(t.l4)->u.type_info >> PGT_linear_shift), 1);
	assert_int_equal(mmu1(t.l4, 201, 0), 0);
	assert_int_equal(mmu1(t.l4, 200, 0), 0);
	assert_int_equal(types(b), 1);
	assert_int_equal(mmu1(b, 3, pte(t.l4, P)), 0);
	assert_int_equal(mmu1(b, 3, 0), 0);
	assert_int_equal(pv_unpin_table(&dom, b), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_untouched(&t);
}

/*
 * The deepest devalidation: an L4 whose only reference is a linear entry
 * of another, over a whole tree of its own. Dropping the outer one takes
 * everything with it (five tables on the stack at once).
 */
static void devalidation_through_a_linear_entry(void **state)
{
	struct tree t;
	mfn_t outer = new_frame(&dom);

	build(&t);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(pv_pin_table(&dom, outer, 4), 0);
	assert_int_equal(mmu1(outer, 17, pte(t.l4, P)), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_int_equal(types(t.l4), 1);
	/* Given back meanwhile: the frames go once the last reference does. */
	put_page_alloc_ref(pg_of(t.l1));
	put_page_alloc_ref(pg_of(t.data_rw));
	audit();
	{
		unsigned long before = heap_free_pages();

		assert_int_equal(pv_unpin_table(&dom, outer), 0);
		assert_int_equal(heap_free_pages(), before + 2);
	}
	assert_int_equal(types(t.l4), 0);
	assert_int_equal(types(t.l3), 0);
	assert_int_equal(refs(t.l2), 1);
	assert_int_equal(refs(t.data_ro), 1);
}

/* ---- pins ---- */

static void pin_rules(void **state)
{
	struct tree t;
	mfn_t theirs = new_frame(&other);

	build(&t);
	assert_int_equal(pv_pin_table(&dom, t.l1, 1), 0);
	assert_int_equal(pv_pin_table(&dom, t.l1, 1), -EBUSY);
	assert_int_equal(mmuext1(MMUEXT_PIN_L1_TABLE, mfn_x(t.l1)), -EINVAL);
	assert_int_equal(refs(t.l1), 3);
	assert_int_equal(types(t.l1), 1);
	/* Pinned as an L1, it is no L2. */
	assert_int_equal(pv_pin_table(&dom, t.l1, 2), -EINVAL);
	assert_int_equal(pv_pin_table(&dom, t.l1, 0), -EINVAL);
	assert_int_equal(pv_pin_table(&dom, t.l1, 5), -EINVAL);
	assert_int_equal(pv_pin_table(&dom, theirs, 1), -EINVAL);
	assert_int_equal(pv_pin_table(&dom, _mfn(NR_FRAMES), 1), -EINVAL);
	assert_int_equal(pv_pin_table(&dom, INVALID_MFN, 1), -EINVAL);
	/* An L2 validated as an L1 maps page tables writable. */
	assert_int_equal(pv_pin_table(&dom, t.l2, 1), -EBUSY);
	assert_int_equal(pv_unpin_table(&dom, t.l2), -EINVAL);
	assert_int_equal(pv_unpin_table(&dom, theirs), -EINVAL);
	assert_int_equal(pv_unpin_table(&dom, _mfn(NR_FRAMES + 1)), -EINVAL);
	/* The pinned L1 serves the L2 above it; unpinning keeps it in use. */
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(types(t.l1), 2);
	assert_int_equal(pv_unpin_table(&dom, t.l1), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l1), -EINVAL);
	assert_int_equal(types(t.l1), 1);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_untouched(&t);
}

static void relinquish_leaves_allocation_refs(void **state)
{
	struct tree t;
	mfn_t user = new_frame(&dom), l1b = new_frame(&dom);

	build(&t);
	tbl(user)[0] = pte(t.l3, P | RW);
	tbl(user)[1] = pte(t.l4, P);
	tbl(l1b)[0] = pte(t.data_rw, P | RW);
	assert_int_equal(pv_pin_table(&dom, t.l1, 1), 0);
	assert_int_equal(pv_pin_table(&dom, l1b, 1), 0);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(pv_pin_table(&dom, user, 4), 0);
	assert_int_equal(pv_new_baseptr(&vcpu, t.l4), 0);
	assert_int_equal(pv_new_user_baseptr(&vcpu, user), 0);
	assert_int_equal(types(t.data_rw), 2);
	/* teardown() relinquishes and checks what is left. */
}

/* ---- mmu_update ---- */

static void normal_updates(void **state)
{
	struct tree t;
	mfn_t extra = new_frame(&dom), plain = new_frame(&dom);
	mfn_t desc = new_frame(&dom);

	build(&t);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	/* A new mapping, then the old one replaced: new refs, old dropped. */
	assert_int_equal(mmu1(t.l1, 3, pte(extra, P | RW)), 0);
	assert_int_equal(types(extra), 1);
	assert_int_equal(mmu1(t.l1, 3, pte(extra, P)), 0);
	assert_int_equal(types(extra), 0);
	assert_int_equal(refs(extra), 2);
	/* Only accessed and dirty changed: the same references serve. */
	assert_int_equal(mmu1(t.l1, 3, pte(extra, P | _PAGE_ACCESSED)), 0);
	assert_int_equal(refs(extra), 2);
	assert_int_equal(
		tbl(t.l1)[3],
		pte(extra, P | _PAGE_ACCESSED | _PAGE_USER | GUEST_KERNEL));
	/* A refused update leaves the entry as it was. */
	assert_int_equal(mmu1(t.l1, 3, pte(extra, P | _PAGE_PCD)), -EINVAL);
	assert_int_equal(tbl(t.l1)[3] & PADDR_MASK, mfn_to_maddr(extra));
	assert_int_equal(mmu1(t.l1, 3, 0), 0);
	assert_int_equal(refs(extra), 1);
	/* Upper levels: a new L2 slot, validated on the way in. */
	tbl(extra)[0] = pte(plain, P | RW);
	assert_int_equal(mmu1(t.l2, 1, pte(extra, P | RW)), 0);
	assert_int_equal(type(extra), PGT_l1_page_table);
	assert_int_equal(types(plain), 1);
	assert_int_equal(mmu1(t.l2, 1, 0), 0);
	assert_int_equal(types(extra), 0);
	assert_int_equal(types(plain), 0);
	/* A frame with no page-table type is written as it is. */
	assert_int_equal(mmu1(plain, 5, 0xdeadbeef), 0);
	assert_int_equal(tbl(plain)[5], 0xdeadbeef);
	assert_int_equal(mmu1(t.data_rw, 6, 0x5a5a), 0);
	assert_int_equal(tbl(t.data_rw)[6], 0x5a5a);
	assert_int_equal(types(t.data_rw), 1);
	/* A descriptor page is not. */
	assert_int_equal(
		get_page_and_type(pg_of(desc), &dom, PGT_seg_desc_page), 0);
	assert_int_equal(mmu1(desc, 0, 1), -EINVAL);
	assert_int_equal(tbl(desc)[0], 0);
	put_page_and_type(pg_of(desc));
	/* Another domain's frame, or none. */
	assert_int_equal(
		pv_mmu_update_one(&dom, maddr_of(new_frame(&other), 0), 0),
		-EINVAL);
	assert_int_equal(pv_mmu_update_one(&dom, (uint64_t)NR_FRAMES << 12, 0),
			 -EINVAL);
	assert_int_equal(pv_mmu_update_one(&dom, ~0UL << 3, 0), -EINVAL);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
}

static void preserve_ad_and_commands(void **state)
{
	struct tree t;

	build(&t);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	tbl(t.l1)[1] |= _PAGE_ACCESSED | _PAGE_DIRTY; /* as the CPU would */
	assert_int_equal(
		pv_mmu_update_one(&dom,
				  maddr_of(t.l1, 1) | MMU_PT_UPDATE_PRESERVE_AD,
				  pte(t.data_ro, P)),
		0);
	assert_int_equal(tbl(t.l1)[1],
			 pte(t.data_ro, P | _PAGE_ACCESSED | _PAGE_DIRTY |
						_PAGE_USER | GUEST_KERNEL));
	assert_int_equal(mmu1(t.l1, 1, pte(t.data_ro, P)), 0);
	assert_int_equal(tbl(t.l1)[1],
			 pte(t.data_ro, P | _PAGE_USER | GUEST_KERNEL));
	/* NO_TRANSLATE is a normal update for a PV guest. */
	assert_int_equal(pv_mmu_update_one(&dom,
					   maddr_of(t.l1, 8) |
						   MMU_PT_UPDATE_NO_TRANSLATE,
					   pte(t.data_ro, P)),
			 0);
	assert_int_equal(refs(t.data_ro), 3);
	/* Commands 4..7 are none: bit 2 is never an address bit. */
	for (unsigned int cmd = 4; cmd < 8; cmd++)
		assert_int_equal(
			pv_mmu_update_one(&dom, maddr_of(t.l1, 8) | cmd, 0),
			-ENOSYS);
	assert_int_equal(refs(t.data_ro), 3);
	/* MACHPHYS_UPDATE: any address inside the domain's frame. */
	assert_int_equal(pv_mmu_update_one(&dom,
					   mfn_to_maddr(t.data_ro) + 0x7f8 +
						   MMU_MACHPHYS_UPDATE,
					   77),
			 0);
	assert_int_equal(get_gpfn_from_mfn(t.data_ro), 77);
	assert_int_equal(pv_mmu_update_one(&dom,
					   maddr_of(new_frame(&other), 0) |
						   MMU_MACHPHYS_UPDATE,
					   78),
			 -EINVAL);
	assert_int_equal(pv_mmu_update_one(&dom,
					   ((uint64_t)NR_FRAMES << 12) |
						   MMU_MACHPHYS_UPDATE,
					   78),
			 -EINVAL);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
}

static void mmu_update_batches(void **state)
{
	/* Static: the huge batch below must stay below the canonical hole. */
	static struct mmu_update req[3];
	static unsigned int done;
	struct tree t;

	build(&t);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	req[0] = (struct mmu_update){maddr_of(t.l1, 10), pte(t.data_ro, P)};
	req[1] = (struct mmu_update){maddr_of(t.l1, 11), pte(t.l2, P | RW)};
	req[2] = (struct mmu_update){maddr_of(t.l1, 12), pte(t.data_ro, P)};
	/* Stops at the bad one; done counts the good one before it. */
	assert_int_equal(do_mmu_update((unsigned long)req, 3,
				       (unsigned long)&done, DOMID_SELF),
			 -EBUSY);
	assert_int_equal(done, 1);
	assert_int_not_equal(tbl(t.l1)[10], 0);
	assert_int_equal(tbl(t.l1)[11], 0);
	assert_int_equal(tbl(t.l1)[12], 0);
	/* The whole batch, without a done pointer. */
	req[1].val = pte(t.l2, P);
	assert_int_equal(do_mmu_update((unsigned long)req, 3, 0, DOMID_SELF),
			 0);
	assert_int_equal(refs(t.data_ro), 4);
	/* A request that cannot be read: -EFAULT, done says where. */
	req[0].val = req[1].val = req[2].val = 0;
	host_guest_fault_range((unsigned long)&req[2], sizeof(req[2]));
	assert_int_equal(do_mmu_update((unsigned long)req, 3,
				       (unsigned long)&done, DOMID_SELF),
			 -EFAULT);
	assert_int_equal(done, 2);
	assert_int_not_equal(tbl(t.l1)[12], 0);
	/* A done pointer that cannot be written changes no answer. */
	host_guest_fault_range((unsigned long)&done, sizeof(done));
	assert_int_equal(do_mmu_update((unsigned long)req, 2,
				       (unsigned long)&done, DOMID_SELF),
			 0);
	host_guest_fault_clear();
	/* A huge count over a short array: the array's end faults. */
	host_guest_fault_range((unsigned long)&req[1], 1UL << 30);
	done = 0;
	assert_int_equal(do_mmu_update((unsigned long)req, 1U << 28,
				       (unsigned long)&done, DOMID_SELF),
			 -EFAULT);
	assert_int_equal(done, 1);
	host_guest_fault_clear();
	/* Beyond the guest's part of the address space: nothing is read. */
	assert_int_equal(do_mmu_update(HYPERVISOR_VIRT_START, 1,
				       (unsigned long)&done, DOMID_SELF),
			 -EFAULT);
	assert_int_equal(do_mmu_update(0x7ffffffffff0UL, 2, 0, DOMID_SELF),
			 -EFAULT);
	/* Xen's continuation marker: done adds to what pdone held. */
	req[0].val = pte(t.data_ro, P);
	done = 5;
	assert_int_equal(do_mmu_update((unsigned long)req, 1U << 31 | 1,
				       (unsigned long)&done, DOMID_SELF),
			 0);
	assert_int_equal(done, 6);
	assert_int_equal(do_mmu_update((unsigned long)req, 0, 0, DOMID_SELF),
			 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
}

/*
 * Issue a batch call as a guest would: again with the arguments of each
 * continuation it makes, until it makes none. *cont counts them.
 */
static long batch_to_end(unsigned int op, unsigned long list,
			 unsigned int count, unsigned long pdone,
			 unsigned int *cont)
{
	long (*fn)(unsigned long, unsigned int, unsigned long, unsigned int) =
		op == __HYPERVISOR_mmu_update ? do_mmu_update : do_mmuext_op;
	long rc = fn(list, count, pdone, DOMID_SELF);

	*cont = 0;
	while (host_continuation.made) {
		const unsigned long *a = host_continuation.args;

		assert_int_equal(rc, op);
		assert_int_equal(host_continuation.op, op);
		assert_int_equal(host_continuation.nargs, 4);
		assert_true(a[1] & MMU_UPDATE_PREEMPTED);
		assert_int_equal(a[2], pdone);
		host_continuation.made = false;
		(*cont)++;
		rc = fn(a[0], (unsigned int)a[1], a[2], (unsigned int)a[3]);
	}
	return rc;
}

static void batches_continue_where_they_stopped(void **state)
{
	static struct mmu_update req[301];
	static struct mmuext_op ops[52];
	unsigned int done, cont;
	struct tree t;

	build(&t);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	/* 100 slots mapped to one frame, then to another, then a bad one. */
	for (unsigned int i = 0; i < 300; i++)
		req[i] = (struct mmu_update){
			maddr_of(t.l1, 10 + i % 100),
			pte(i < 100 ? t.data_ro : t.data_rw, P)};
	req[300] = (struct mmu_update){maddr_of(t.l1, 10), pte(t.l2, P | RW)};
	/* Every check says stop: still one request per call, never none. */
	host_preempt_every = 1;
	done = 0;
	assert_int_equal(batch_to_end(__HYPERVISOR_mmu_update,
				      (unsigned long)req, 300,
				      (unsigned long)&done, &cont),
			 0);
	assert_int_equal(cont, 299);
	assert_int_equal(done, 300);
	assert_int_equal(refs(t.data_ro), 2);
	assert_int_equal(refs(t.data_rw), 2 + 100);
	/* Now and then, to a request that fails: done counts the good ones. */
	host_preempt_every = 7;
	done = 0;
	assert_int_equal(batch_to_end(__HYPERVISOR_mmu_update,
				      (unsigned long)req, 301,
				      (unsigned long)&done, &cont),
			 -EBUSY);
	assert_true(cont > 0);
	assert_int_equal(done, 300);
	assert_int_equal(refs(t.data_ro), 2);
	assert_int_equal(refs(t.data_rw), 2 + 100);
	/* Without a done pointer the count is lost, the work is not. */
	for (unsigned int i = 0; i < 100; i++)
		req[i].val = 0;
	assert_int_equal(batch_to_end(__HYPERVISOR_mmu_update,
				      (unsigned long)req, 100, 0, &cont),
			 0);
	assert_true(cont > 0);
	assert_int_equal(refs(t.data_rw), 2);

	/* mmuext_op the same way: an unpin, flushes, a pin, one more pin. */
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct mmuext_op){.cmd = MMUEXT_UNPIN_TABLE,
				    .arg1.mfn = mfn_x(t.l4)};
	for (unsigned int i = 1; i < 50; i++)
		ops[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	ops[50] = (struct mmuext_op){.cmd = MMUEXT_PIN_L4_TABLE,
				     .arg1.mfn = mfn_x(t.l4)};
	ops[51] = ops[50];
	host_preempt_every = 1;
	host_tlb_flushes = 0;
	done = 0;
	assert_int_equal(batch_to_end(__HYPERVISOR_mmuext_op,
				      (unsigned long)ops, 52,
				      (unsigned long)&done, &cont),
			 -EINVAL);
	assert_int_equal(cont, 51);
	assert_int_equal(done, 51);
	assert_int_equal(host_tlb_flushes, 49);
	assert_true(pg_of(t.l4)->u.type_info & PGT_pinned);
	host_preempt_every = 0;
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
}

static void foreign_domains_are_refused(void **state)
{
	struct mmu_update req = {0, 0};
	struct mmuext_op op = {.cmd = MMUEXT_TLB_FLUSH_LOCAL};
	unsigned int done = 7;
	const struct {
		unsigned int foreigndom;
		int rc;
	} cases[] = {
		{DOMID_SELF, 0},
		{1, -ESRCH},	    /* itself, by its id */
		{2, -EPERM},	    /* another domain */
		{DOMID_IO, -EPERM}, /* privileged domains' */
		{DOMID_XEN, -EPERM},
		{0x7ff5, -ESRCH},	   /* no domain */
		{2 << 16 | DOMID_SELF, 0}, /* the page tables' owner: itself */
		{3 << 16 | DOMID_SELF, -EPERM},
		{0x7ff6U << 16 | DOMID_SELF, -ESRCH},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mmu_update *r = cases[i].rc ? &req : NULL;

		done = 7;
		assert_int_equal(do_mmu_update((unsigned long)r, r ? 1 : 0,
					       (unsigned long)&done,
					       cases[i].foreigndom),
				 cases[i].rc);
	}
	assert_int_equal(do_mmuext_op((unsigned long)&op, 1, 0, 2), -EPERM);
	assert_int_equal(do_mmuext_op((unsigned long)&op, 1, 0, 1), -ESRCH);
	/* mmuext_op reads only the low 16 bits. */
	assert_int_equal(
		do_mmuext_op((unsigned long)&op, 1, 0, 5U << 16 | DOMID_SELF),
		0);
}

/* ---- update_va_mapping ---- */

static void update_va_mapping_walks_current_tables(void **state)
{
	struct tree t;
	mfn_t f = new_frame(&dom);
	unsigned long bitmap = 1, flushes, invlpgs;

	build(&t);
	/* No base pointer yet: nothing to walk. */
	assert_int_equal(do_update_va_mapping(0x5000, pte(f, P), 0), -EINVAL);
	assert_int_equal(pv_pin_table(&dom, t.l4, 4), 0);
	assert_int_equal(pv_new_baseptr(&vcpu, t.l4), 0);
	flushes = host_tlb_flushes;
	invlpgs = host_invlpgs;
	assert_int_equal(do_update_va_mapping(0x5000, pte(f, P | RW),
					      UVMF_INVLPG | UVMF_LOCAL),
			 0);
	assert_int_equal(tbl(t.l1)[5] & PADDR_MASK, mfn_to_maddr(f));
	assert_int_equal(types(f), 1);
	assert_int_equal(host_invlpgs, invlpgs + 1);
	assert_int_equal(host_last_invlpg, 0x5000);
	assert_int_equal(do_update_va_mapping(0x5000, pte(f, P),
					      UVMF_TLB_FLUSH | UVMF_ALL),
			 0);
	assert_int_equal(host_tlb_flushes, flushes + 1);
	assert_int_equal(types(f), 0);
	/* A bitmap of vCPUs: ours flushes, none does not, a bad one faults. */
	assert_int_equal(
		do_update_va_mapping(0x5000, pte(f, P),
				     UVMF_TLB_FLUSH | (unsigned long)&bitmap),
		0);
	assert_int_equal(host_tlb_flushes, flushes + 2);
	bitmap = 0x2; /* vCPU 1: not the domain's */
	assert_int_equal(
		do_update_va_mapping(0x5000, pte(f, P),
				     UVMF_TLB_FLUSH | (unsigned long)&bitmap),
		0);
	assert_int_equal(host_tlb_flushes, flushes + 2);
	host_guest_fault_range((unsigned long)&bitmap, sizeof(bitmap));
	assert_int_equal(
		do_update_va_mapping(0x5000, 0,
				     UVMF_INVLPG | (unsigned long)&bitmap),
		-EFAULT);
	assert_int_equal(tbl(t.l1)[5], 0); /* done before the flush */
	host_guest_fault_clear();
	/* Refused: no flush. */
	invlpgs = host_invlpgs;
	assert_int_equal(
		do_update_va_mapping(0x5000, pte(t.l3, P | RW), UVMF_INVLPG),
		-EBUSY);
	assert_int_equal(host_invlpgs, invlpgs);
	/* Where no L1 maps, or not the guest's part of the space. */
	assert_int_equal(do_update_va_mapping(0x200000, pte(f, P), 0), -EINVAL);
	assert_int_equal(do_update_va_mapping(1UL << 39, pte(f, P), 0),
			 -EINVAL);
	assert_int_equal(
		do_update_va_mapping(HYPERVISOR_VIRT_START, pte(f, P), 0),
		-EINVAL);
	assert_int_equal(
		do_update_va_mapping(0x0000800000000000UL, pte(f, P), 0),
		-EINVAL);
	/* Through a linear entry the walk finds no L1: refused. */
	assert_int_equal(mmu1(t.l2, 9, pte(t.l2, P)), 0);
	assert_int_equal(do_update_va_mapping(9UL << 21, pte(f, P), 0),
			 -EINVAL);
	/* In user mode, the user table (none here). */
	vcpu.kernel_mode = false;
	assert_int_equal(do_update_va_mapping(0x5000, pte(f, P), 0), -EINVAL);
	vcpu.kernel_mode = true;
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
}

/* ---- mmuext_op ---- */

static void base_pointers(void **state)
{
	struct tree t;
	mfn_t other_l4 = new_frame(&dom);
	unsigned long loads;

	build(&t);
	tbl(other_l4)[0] = pte(t.l3, P | RW);
	loads = host_cr3_loads;
	assert_int_equal(mmuext1(MMUEXT_NEW_BASEPTR, mfn_x(t.l4)), 0);
	assert_true(mfn_eq(vcpu.guest_table, t.l4));
	assert_true(mfn_eq(host_cr3, t.l4));
	assert_int_equal(host_cr3_loads, loads + 1);
	assert_int_equal(types(t.l4), 1);
	assert_int_equal(refs(t.l4), 2);
	/* The same again: reloaded, no new reference. */
	assert_int_equal(mmuext1(MMUEXT_NEW_BASEPTR, mfn_x(t.l4)), 0);
	assert_int_equal(host_cr3_loads, loads + 2);
	assert_int_equal(refs(t.l4), 2);
	/* Refused: no L4 (an L1, a frame of another's): nothing changes. */
	assert_int_equal(mmuext1(MMUEXT_NEW_BASEPTR, mfn_x(t.l1)), -EINVAL);
	assert_int_equal(mmuext1(MMUEXT_NEW_BASEPTR, mfn_x(new_frame(&other))),
			 -EINVAL);
	assert_int_equal(mmuext1(MMUEXT_NEW_BASEPTR, ~0UL), -EINVAL);
	assert_true(mfn_eq(vcpu.guest_table, t.l4));
	/* Switching: the old one's references go once it left cr3. */
	assert_int_equal(mmuext1(MMUEXT_NEW_BASEPTR, mfn_x(other_l4)), 0);
	assert_true(mfn_eq(host_cr3, other_l4));
	assert_int_equal(types(t.l4), 0);
	assert_int_equal(types(t.l3), 1);
	/* The user table: set, replaced, cleared with mfn 0. */
	loads = host_cr3_loads;
	assert_int_equal(mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn_x(t.l4)), 0);
	assert_true(mfn_eq(vcpu.guest_table_user, t.l4));
	assert_int_equal(host_cr3_loads, loads); /* kernel mode: not loaded */
	assert_int_equal(types(t.l3), 2);
	assert_int_equal(mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn_x(t.l2)),
			 -EINVAL);
	assert_true(mfn_eq(vcpu.guest_table_user, t.l4));
	assert_int_equal(mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn_x(other_l4)), 0);
	assert_int_equal(types(t.l4), 0);
	assert_int_equal(types(other_l4), 2);
	assert_int_equal(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0), 0);
	assert_true(mfn_eq(vcpu.guest_table_user, INVALID_MFN));
	assert_int_equal(types(other_l4), 1);
	/* In user mode the user table is the one loaded. */
	vcpu.kernel_mode = false;
	assert_int_equal(pv_new_user_baseptr(&vcpu, t.l4), 0);
	assert_true(mfn_eq(host_cr3, t.l4));
	vcpu.kernel_mode = true;
	/* teardown() drops the vCPU's references. */
}

static void mmuext_batches_and_flushes(void **state)
{
	static const unsigned int nosys[] = {MMUEXT_TLB_FLUSH_MULTI,
					     MMUEXT_SET_LDT,
					     MMUEXT_CLEAR_PAGE,
					     14,
					     21,
					     0xffffffff};
	struct tree t;
	struct mmuext_op ops[4];
	unsigned int done = 0;
	unsigned long flushes = host_tlb_flushes, invlpgs = host_invlpgs;

	build(&t);
	memset(ops, 0, sizeof(ops));
	ops[0].cmd = MMUEXT_PIN_L4_TABLE;
	ops[0].arg1.mfn = mfn_x(t.l4);
	ops[1].cmd = MMUEXT_TLB_FLUSH_ALL;
	ops[2].cmd = MMUEXT_INVLPG_LOCAL;
	ops[2].arg1.linear_addr = 0x7000;
	ops[3].cmd = MMUEXT_PIN_L4_TABLE; /* again: refused */
	ops[3].arg1.mfn = mfn_x(t.l4);
	assert_int_equal(do_mmuext_op((unsigned long)ops, 4,
				      (unsigned long)&done, DOMID_SELF),
			 -EINVAL);
	assert_int_equal(done, 3);
	assert_int_equal(host_tlb_flushes, flushes + 1);
	assert_int_equal(host_invlpgs, invlpgs + 1);
	assert_int_equal(host_last_invlpg, 0x7000);
	/* Flushes of the hypervisor's addresses are ignored. */
	ops[0].cmd = MMUEXT_INVLPG_ALL;
	ops[0].arg1.linear_addr = HYPERVISOR_VIRT_START + 0x1000;
	ops[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	ops[2].cmd = MMUEXT_UNPIN_TABLE;
	ops[2].arg1.mfn = mfn_x(t.l4);
	assert_int_equal(do_mmuext_op((unsigned long)ops, 3,
				      (unsigned long)&done, DOMID_SELF),
			 0);
	assert_int_equal(done, 3);
	assert_int_equal(host_invlpgs, invlpgs + 1);
	assert_int_equal(host_tlb_flushes, flushes + 2);
	assert_untouched(&t);
	/* What mica does not do, and what is no command. */
	ops[0].cmd = MMUEXT_MARK_SUPER;
	assert_int_equal(do_mmuext_op((unsigned long)ops, 1, 0, DOMID_SELF),
			 -EOPNOTSUPP);
	for (unsigned int i = 0; i < ARRAY_SIZE(nosys); i++) {
		ops[0].cmd = nosys[i];
		assert_int_equal(do_mmuext_op((unsigned long)ops, 1,
					      (unsigned long)&done, DOMID_SELF),
				 -ENOSYS);
		assert_int_equal(done, 0);
	}
	/* Unreadable ops. */
	ops[0].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	host_guest_fault_range((unsigned long)&ops[1], sizeof(ops[1]));
	assert_int_equal(do_mmuext_op((unsigned long)ops, 2,
				      (unsigned long)&done, DOMID_SELF),
			 -EFAULT);
	assert_int_equal(done, 1);
	host_guest_fault_clear();
	assert_int_equal(do_mmuext_op(HYPERVISOR_VIRT_START, 1, 0, DOMID_SELF),
			 -EFAULT);
	/* Unpinning what is not pinned. */
	ops[0].cmd = MMUEXT_UNPIN_TABLE;
	ops[0].arg1.mfn = mfn_x(t.l1);
	assert_int_equal(do_mmuext_op((unsigned long)ops, 1, 0, DOMID_SELF),
			 -EINVAL);
}

/* ---- superpages ---- */

#define PSE _PAGE_PSE
#define EXT 512

/* A 2 MiB-aligned extent of 512 frames for d, zeroed. */
static mfn_t new_extent(struct domain *d)
{
	struct page_info *pg = alloc_domheap_pages(d, 9, MEMF_zero);

	assert_non_null(pg);
	assert_int_equal(mfn_x(page_to_mfn(pg)) % EXT, 0);
	return page_to_mfn(pg);
}

/* A superpage entry for the extent at mfn m. */
static uint64_t spte(mfn_t m, uint64_t flags)
{
	return pte(m, P | PSE | flags);
}

/* Every frame of the extent at m holds refs references and types types. */
static void assert_extent(mfn_t m, unsigned long r, unsigned long ty)
{
	for (unsigned int i = 0; i < EXT; i++) {
		assert_int_equal(refs(mfn_add(m, i)), r);
		assert_int_equal(types(mfn_add(m, i)), ty);
	}
}

/* The tree of build(), pinned; its L2's slot s maps va s << 21. */
static void build_pinned(struct tree *t)
{
	build(t);
	assert_int_equal(pv_pin_table(&dom, t->l4, 4), 0);
}

static void superpage_of_an_owned_extent(void **state)
{
	struct tree t;
	mfn_t ext = new_extent(&dom), l1b = new_frame(&dom);

	build_pinned(&t);
	/* Writable: a general and a writable type reference on each frame. */
	assert_int_equal(mmu1(t.l2, 1, spte(ext, RW)), 0);
	assert_extent(ext, 2, 1);
	for (unsigned int i = 0; i < EXT; i++)
		assert_int_equal(type(mfn_add(ext, i)), PGT_writable_page);
	assert_int_equal(dom.nr_superpages, 1);
	/* A kernel mapping becomes a user one, as an L1 entry would. */
	assert_int_equal(tbl(t.l2)[1],
			 spte(ext, RW | _PAGE_USER | GUEST_KERNEL));
	audit();
	/* Again writable, and read-only: a general reference only. */
	assert_int_equal(mmu1(t.l2, 2, spte(ext, RW)), 0);
	assert_int_equal(mmu1(t.l2, 3, spte(ext, 0)), 0);
	assert_extent(ext, 4, 2);
	/* A user superpage is made global; global is allowed. */
	assert_int_equal(mmu1(t.l2, 4, spte(ext, _PAGE_USER)), 0);
	assert_int_equal(tbl(t.l2)[4], spte(ext, _PAGE_USER | _PAGE_GLOBAL));
	assert_int_equal(dom.nr_superpages, 4);
	audit();
	/* Accessed, dirty, global, NX: the references it holds serve. */
	assert_int_equal(mmu1(t.l2, 3,
			      spte(ext, _PAGE_ACCESSED | _PAGE_DIRTY |
						_PAGE_GLOBAL | _PAGE_NX)),
			 0);
	assert_extent(ext, 5, 2);
	/* Writable to read-only drops the type; to a table, everything. */
	assert_int_equal(mmu1(t.l2, 2, spte(ext, 0)), 0);
	assert_extent(ext, 5, 1);
	assert_int_equal(mmu1(t.l2, 2, pte(l1b, P | RW)), 0);
	assert_int_equal(type(l1b), PGT_l1_page_table);
	assert_extent(ext, 4, 1);
	assert_int_equal(dom.nr_superpages, 3);
	audit();
	/* And a table back to a superpage. */
	assert_int_equal(mmu1(t.l2, 2, spte(ext, RW)), 0);
	assert_int_equal(types(l1b), 0);
	assert_extent(ext, 5, 2);
	for (unsigned int s = 1; s <= 4; s++)
		assert_int_equal(mmu1(t.l2, s, 0), 0);
	assert_extent(ext, 1, 0);
	assert_int_equal(dom.nr_superpages, 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_untouched(&t);
}

/* Refused with rc by mmu_update at t's L2 slot 7, nothing taken. */
static void super_refused(struct tree *t, uint64_t val, int rc)
{
	unsigned long supers = dom.nr_superpages;

	assert_int_equal(mmu1(t->l2, 7, val), rc);
	assert_int_equal(tbl(t->l2)[7], 0);
	assert_int_equal(dom.nr_superpages, supers);
	audit();
}

static void superpage_refusals(void **state)
{
	struct tree t;
	mfn_t ext = new_extent(&dom), theirs = new_extent(&other);
	mfn_t part = page_to_mfn(alloc_domheap_pages(NULL, 9, 0));
	mfn_t holed = new_extent(&dom), l2x = new_frame(&dom);
	void *xen = alloc_xenheap_pages(9, 0);
	mfn_t xen_ext = _mfn(arch_virt_to_mfn(xen));

	/* Half the domain's, half another's. */
	for (unsigned int i = 0; i < EXT; i++)
		assert_int_equal(assign_pages(i < 300 ? &dom : &other,
					      pg_of(mfn_add(part, i)), 0, 0),
				 0);
	/* One frame given back: free now. */
	assert_true(put_page_alloc_ref(pg_of(mfn_add(holed, 511))));
	build_pinned(&t);
	/* The address: not 2 MiB aligned (bit 12 is the PAT bit). */
	super_refused(&t, spte(mfn_add(ext, 1), RW), -EINVAL);
	super_refused(&t, spte(mfn_add(ext, 1), 0), -EINVAL);
	super_refused(&t, spte(mfn_add(ext, 256), 0), -EINVAL);
	super_refused(&t, spte(ext, _PAGE_PSE_PAT), -EINVAL);
	/* Caching attributes. */
	super_refused(&t, spte(ext, _PAGE_PCD), -EINVAL);
	super_refused(&t, spte(ext, _PAGE_PWT | RW), -EINVAL);
	/* Frames not the domain's: another's, partly, free, mica's. */
	super_refused(&t, spte(theirs, 0), -EBUSY);
	super_refused(&t, spte(theirs, RW), -EBUSY);
	super_refused(&t, spte(part, 0), -EBUSY);
	super_refused(&t, spte(part, RW), -EBUSY);
	super_refused(&t, spte(holed, RW), -EBUSY);
	super_refused(&t, spte(xen_ext, 0), -EBUSY);
	/* Beyond RAM. */
	super_refused(&t, spte(_mfn(NR_FRAMES), 0), -EPERM);
	super_refused(&t, spte(_mfn(1UL << 27), RW), -EPERM);
	assert_extent(ext, 1, 0);
	for (unsigned int i = 0; i < 511; i++)
		assert_int_equal(refs(mfn_add(holed, i)), 1);
	for (unsigned int i = 0; i < 300; i++)
		assert_int_equal(refs(mfn_add(part, i)), 1);
	/* No 1 GiB pages: PSE in an L3 entry, however aligned. */
	assert_int_equal(mmu1(t.l3, 1, pte(_mfn(0), P | PSE)), -EINVAL);
	assert_int_equal(mmu1(t.l3, 1, pte(ext, P | PSE | RW)), -EINVAL);
	/* Nor in an L4 entry, nor in an L1 (there it is PAT). */
	assert_int_equal(mmu1(t.l4, 1, pte(ext, P | PSE)), -EINVAL);
	assert_int_equal(mmu1(t.l1, 7, pte(ext, P | PSE)), -EINVAL);
	/* Switched off: refused as Xen refuses it, by validation too. */
	opt_pv_superpages = false;
	super_refused(&t, spte(ext, RW), -EINVAL);
	super_refused(&t, spte(ext, 0), -EINVAL);
	tbl(l2x)[3] = spte(ext, 0);
	assert_int_equal(pv_pin_table(&dom, l2x, 2), -EINVAL);
	opt_pv_superpages = true;
	assert_extent(ext, 1, 0);
	assert_int_equal(pv_pin_table(&dom, l2x, 2), 0);
	assert_extent(ext, 2, 0);
	assert_int_equal(pv_unpin_table(&dom, l2x), 0);
	/* The good one, at last. */
	assert_int_equal(mmu1(t.l2, 7, spte(ext, RW)), 0);
	assert_int_equal(mmu1(t.l2, 7, 0), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_untouched(&t);
	free_xenheap_pages(xen, 9);
}

/*
 * Writable superpages over page tables and descriptor pages are refused,
 * the guest's own L2 and L1 among them; read-only ones are not.
 */
static void writable_superpage_over_tables(void **state)
{
	mfn_t ext = new_extent(&dom), ext2 = new_extent(&dom);
	mfn_t ext3 = new_extent(&dom);
	mfn_t l4 = new_frame(&dom), l3 = new_frame(&dom);
	mfn_t l2 = mfn_add(ext, 5), l1 = mfn_add(ext3, 9);
	mfn_t desc = mfn_add(ext2, 11), pinned = mfn_add(ext2, 3);

	/* l4 -> l3 -> l2 -> l1, the L2 inside ext, the L1 inside ext3. */
	tbl(l4)[0] = pte(l3, P | RW);
	tbl(l3)[0] = pte(l2, P | RW);
	tbl(l2)[0] = pte(l1, P | RW);
	/* Over its own L2: the pin validating it refuses. */
	tbl(l2)[1] = spte(ext, RW);
	assert_int_equal(pv_pin_table(&dom, l4, 4), -EBUSY);
	assert_extent(ext, 1, 0);
	assert_extent(ext3, 1, 0);
	assert_int_equal(refs(l4), 1);
	assert_int_equal(dom.nr_superpages, 0);
	audit();
	/* Over its L1, typed by the entry before it. */
	tbl(l2)[1] = spte(ext3, RW);
	assert_int_equal(pv_pin_table(&dom, l4, 4), -EBUSY);
	assert_extent(ext3, 1, 0);
	/* Over its L1 before the L1 is typed: then the L1 is refused. */
	tbl(l2)[0] = spte(ext3, RW);
	tbl(l2)[1] = pte(l1, P | RW);
	assert_int_equal(pv_pin_table(&dom, l4, 4), -EINVAL);
	assert_extent(ext3, 1, 0);
	assert_extent(ext, 1, 0);
	/* Read-only over its own tables: allowed, as an L1 entry's alias. */
	tbl(l2)[0] = pte(l1, P | RW);
	tbl(l2)[1] = spte(ext, 0);
	tbl(l2)[3] = spte(ext3, 0);
	assert_int_equal(pv_pin_table(&dom, l4, 4), 0);
	assert_int_equal(refs(l2), 3); /* allocation, l3's entry, its own */
	assert_int_equal(refs(l1), 3);
	assert_int_equal(refs(mfn_add(ext, 100)), 2);
	audit();
	assert_int_equal(mmu1(l2, 2, spte(ext3, RW)), -EBUSY);
	/* Once validated, the writable one is refused by mmu_update too. */
	assert_int_equal(mmu1(l2, 2, spte(ext, RW)), -EBUSY);
	assert_int_equal(tbl(l2)[2], 0);
	assert_int_equal(refs(mfn_add(ext, 100)), 2);
	assert_int_equal(types(mfn_add(ext, 100)), 0);
	/* A descriptor page, a pinned L1 elsewhere: the same. */
	assert_int_equal(
		get_page_and_type(pg_of(desc), &dom, PGT_seg_desc_page), 0);
	assert_int_equal(pv_pin_table(&dom, pinned, 1), 0);
	assert_int_equal(mmu1(l2, 2, spte(ext2, RW)), -EBUSY);
	assert_int_equal(mmu1(l2, 2, spte(ext2, 0)), 0);
	assert_int_equal(refs(desc), 3);
	assert_int_equal(types(desc), 1);
	assert_int_equal(mmu1(l2, 2, 0), 0);
	/* (The audit counts no descriptor reference but a vCPU's.) */
	put_page_and_type(pg_of(desc));
	audit();
	assert_int_equal(mmu1(l2, 2, spte(ext2, RW)), -EBUSY);
	assert_int_equal(pv_unpin_table(&dom, pinned), 0);
	/* Neither left: now it may. */
	assert_int_equal(mmu1(l2, 2, spte(ext2, RW)), 0);
	assert_extent(ext2, 2, 1);
	assert_int_equal(mmu1(l2, 2, 0), 0);
	assert_int_equal(pv_unpin_table(&dom, l4), 0);
	assert_extent(ext, 1, 0);
	assert_extent(ext2, 1, 0);
	assert_extent(ext3, 1, 0);
}

/* A frame inside a live writable superpage is no table nor descriptor page. */
static void live_writable_superpage_excludes_tables(void **state)
{
	struct tree t;
	mfn_t ext = new_extent(&dom), f = mfn_add(ext, 4);
	unsigned long flushes;

	build_pinned(&t);
	assert_int_equal(mmu1(t.l2, 1, spte(ext, RW)), 0);
	for (unsigned int level = 1; level <= 4; level++)
		assert_int_equal(pv_pin_table(&dom, f, level), -EINVAL);
	assert_int_equal(get_page_and_type(pg_of(f), &dom, PGT_seg_desc_page),
			 -EINVAL);
	assert_int_equal(pv_new_baseptr(&vcpu, f), -EINVAL);
	/* Named by a table's entry as the next level down. */
	assert_int_equal(mmu1(t.l2, 2, pte(f, P | RW)), -EINVAL);
	assert_int_equal(mmu1(t.l2, 2, pte(f, P)), -EINVAL);
	assert_int_equal(mmu1(t.l3, 2, pte(f, P | RW)), -EINVAL);
	assert_int_equal(mmu1(t.l4, 2, pte(f, P)), -EINVAL);
	assert_extent(ext, 2, 1);
	/* A 4 KiB alias, writable or not, is another mapping of the same kind. */
	assert_int_equal(mmu1(t.l1, 9, pte(f, P | RW)), 0);
	assert_int_equal(mmu1(t.l1, 10, pte(f, P)), 0);
	assert_int_equal(types(f), 2);
	assert_int_equal(refs(f), 4);
	/* The guest writes it as it could: no table, no check. */
	assert_int_equal(mmu1(f, 3, 0x1234), 0);
	assert_int_equal(tbl(f)[3], 0x1234);
	tbl(f)[3] = 0;
	audit();
	assert_int_equal(mmu1(t.l1, 9, 0), 0);
	assert_int_equal(mmu1(t.l1, 10, 0), 0);
	/* Unmapped, it may become a table: the stale 2 MiB translation goes. */
	assert_int_equal(mmu1(t.l2, 1, 0), 0);
	flushes = host_tlb_flushes;
	assert_int_equal(pv_pin_table(&dom, f, 1), 0);
	assert_int_equal(host_tlb_flushes, flushes + 1);
	assert_int_equal(mmu1(t.l2, 1, spte(ext, RW)), -EBUSY);
	assert_int_equal(pv_unpin_table(&dom, f), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_extent(ext, 1, 0);
}

/* A refusal at any entry, or at any frame of one, undoes everything. */
static void superpage_validation_undoes_all(void **state)
{
	mfn_t ext = new_extent(&dom), ext2 = new_extent(&dom);
	mfn_t holed = new_extent(&dom), l2 = new_frame(&dom);

	assert_true(put_page_alloc_ref(pg_of(mfn_add(holed, 511))));
	for (unsigned int i = 0; i < 10; i++)
		tbl(l2)[i] = spte(ext, i & 1 ? RW : 0);
	tbl(l2)[10] = spte(ext2, RW);
	/* The last frame of the last entry is refused. */
	tbl(l2)[11] = spte(holed, 0);
	assert_int_equal(pv_pin_table(&dom, l2, 2), -EBUSY);
	assert_extent(ext, 1, 0);
	assert_extent(ext2, 1, 0);
	for (unsigned int i = 0; i < 511; i++)
		assert_int_equal(refs(mfn_add(holed, i)), 1);
	assert_int_equal(dom.nr_superpages, 0);
	audit();
	tbl(l2)[11] = spte(mfn_add(ext, 8), 0);
	assert_int_equal(pv_pin_table(&dom, l2, 2), -EINVAL);
	assert_extent(ext, 1, 0);
	tbl(l2)[11] = 0;
	assert_int_equal(pv_pin_table(&dom, l2, 2), 0);
	assert_extent(ext, 11, 5);
	assert_extent(ext2, 2, 1);
	assert_int_equal(dom.nr_superpages, 11);
	audit();
	assert_int_equal(pv_unpin_table(&dom, l2), 0);
	assert_extent(ext, 1, 0);
	assert_int_equal(dom.nr_superpages, 0);
}

/* Frames given back while a superpage maps them live until it goes. */
static void superpage_frames_outlive_give_back(void **state)
{
	struct tree t;
	mfn_t ext = new_extent(&dom), outer = new_frame(&dom);
	unsigned long before;

	build_pinned(&t);
	assert_int_equal(mmu1(t.l2, 1, spte(ext, RW)), 0);
	assert_int_equal(mmu1(t.l2, 2, spte(ext, 0)), 0);
	for (unsigned int i = 0; i < EXT; i++)
		assert_true(put_page_alloc_ref(pg_of(mfn_add(ext, i))));
	assert_extent(ext, 2, 1);
	audit();
	/* Held by a linear entry of another L4 alone, then dropped. */
	assert_int_equal(pv_pin_table(&dom, outer, 4), 0);
	assert_int_equal(mmu1(outer, 17, pte(t.l4, P)), 0);
	assert_int_equal(pv_unpin_table(&dom, t.l4), 0);
	assert_int_equal(dom.nr_superpages, 2);
	before = heap_free_pages();
	assert_int_equal(pv_unpin_table(&dom, outer), 0);
	assert_int_equal(heap_free_pages(), before + EXT);
	assert_int_equal(dom.nr_superpages, 0);
	assert_untouched(&t);
}

/* Relinquishing drops what live superpages hold (teardown() checks). */
static void relinquish_drops_superpages(void **state)
{
	struct tree t;
	mfn_t ext = new_extent(&dom), ext2 = new_extent(&dom);
	mfn_t l2b = new_frame(&dom);

	build_pinned(&t);
	assert_int_equal(pv_new_baseptr(&vcpu, t.l4), 0);
	assert_int_equal(mmu1(t.l2, 1, spte(ext, RW)), 0);
	assert_int_equal(mmu1(t.l2, 2, spte(ext2, 0)), 0);
	tbl(l2b)[0] = spte(ext, RW);
	tbl(l2b)[1] = spte(ext2, RW);
	assert_int_equal(pv_pin_table(&dom, l2b, 2), 0);
	assert_true(put_page_alloc_ref(pg_of(mfn_add(ext2, 7))));
	assert_int_equal(dom.nr_superpages, 4);
	assert_extent(ext, 3, 2);
}

/* A va inside a superpage has no L1: update_va_mapping refuses it. */
static void update_va_mapping_inside_a_superpage(void **state)
{
	struct tree t;
	mfn_t ext = new_extent(&dom), f = new_frame(&dom);

	build_pinned(&t);
	assert_int_equal(pv_new_baseptr(&vcpu, t.l4), 0);
	assert_int_equal(mmu1(t.l2, 1, spte(ext, RW)), 0);
	assert_int_equal(do_update_va_mapping(0x200000, pte(f, P), 0), -EINVAL);
	assert_int_equal(do_update_va_mapping(0x3ff000, pte(f, P | RW), 0),
			 -EINVAL);
	assert_int_equal(do_update_va_mapping(0x201000, 0, UVMF_INVLPG),
			 -EINVAL);
	assert_int_equal(refs(f), 1);
	assert_extent(ext, 2, 1);
	/* Beside it, the L1 still serves. */
	assert_int_equal(do_update_va_mapping(0x5000, pte(f, P), 0), 0);
	assert_int_equal(refs(f), 2);
}

/* The budget: two superpages per 2 MiB of max_pages, and 64. */
static void superpage_budget(void **state)
{
	struct tree t;
	mfn_t ext = new_extent(&dom), l2b = new_frame(&dom);
	unsigned long budget = pv_superpage_budget(&dom);

	assert_int_equal(budget, 2 * (4096 / EXT) + 64);
	build_pinned(&t);
	for (unsigned int i = 0; i < budget; i++)
		assert_int_equal(mmu1(t.l2, 1 + i, spte(ext, 0)), 0);
	assert_int_equal(dom.nr_superpages, budget);
	assert_int_equal(mmu1(t.l2, 1 + budget, spte(ext, 0)), -ENOSPC);
	assert_extent(ext, 1 + budget, 0);
	/* A table holding one more is refused whole. */
	tbl(l2b)[0] = spte(ext, RW);
	assert_int_equal(pv_pin_table(&dom, l2b, 2), -ENOSPC);
	assert_int_equal(types(l2b), 0);
	audit();
	/* One gone, one more may come. */
	assert_int_equal(mmu1(t.l2, 1, 0), 0);
	assert_int_equal(pv_pin_table(&dom, l2b, 2), 0);
	assert_int_equal(mmu1(t.l2, 1 + budget, spte(ext, 0)), -ENOSPC);
	assert_int_equal(pv_unpin_table(&dom, l2b), 0);
	assert_int_equal(mmu1(t.l2, 1 + budget, spte(ext, 0)), 0);
	audit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(get_page_owner_and_count),
		T(last_put_frees_the_frame),
		T(given_back_frame_lives_while_mapped),
		T(shared_xenheap_frame),
		T(good_hierarchy_validates),
		T(user_mappings_become_global),
		T(bad_entries_are_refused),
		T(frame_types_exclude_each_other),
		T(writable_to_table_flushes),
		T(validation_failure_deep_down_undoes_all),
		T(hypervisor_slots_are_mica_s),
		T(linear_entries_only_read_only),
		T(devalidation_through_a_linear_entry),
		T(pin_rules),
		T(relinquish_leaves_allocation_refs),
		T(normal_updates),
		T(preserve_ad_and_commands),
		T(mmu_update_batches),
		T(batches_continue_where_they_stopped),
		T(foreign_domains_are_refused),
		T(update_va_mapping_walks_current_tables),
		T(base_pointers),
		T(mmuext_batches_and_flushes),
		T(superpage_of_an_owned_extent),
		T(superpage_refusals),
		T(writable_superpage_over_tables),
		T(live_writable_superpage_excludes_tables),
		T(superpage_validation_undoes_all),
		T(superpage_frames_outlive_give_back),
		T(relinquish_drops_superpages),
		T(update_va_mapping_inside_a_superpage),
		T(superpage_budget),
#undef T
	};

	return cmocka_run_group_tests_name("pv_mm", tests, NULL, NULL);
}
