/* SPDX-License-Identifier: MIT */
/*
 * mmu: changing a PV guest's page tables. mmu_update (normal updates,
 * preserving A/D, M2P updates), update_va_mapping, multicall, pinning and
 * unpinning, a new L4 as base pointer, the TLB flushes; and every request
 * the hypervisor must refuse: a writable mapping of a page table, pinning a
 * page that is mapped writable, a writable linear entry, the hypervisor's
 * L4 slots, and frames the guest does not own.
 */
#include "ktap.h"
#include "mm.h"
#include "traps.h"

/* Scratch pages, each mapped at its own place in the initial region. */
static uint64_t page_a[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t page_b[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t table[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t l4_copy[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t spare[PT_ENTRIES] __aligned(PAGE_SIZE);

static volatile uint64_t *vol(void *p)
{
	return (volatile uint64_t *)p;
}

/* Put va's own frame back, writable, as the builder had it. */
static bool restore(void *va)
{
	return update_va((unsigned long)va, pte_rw(virt_to_mfn(va)),
			 UVMF_INVLPG) == 0;
}

static bool make_readonly(void *va)
{
	return update_va((unsigned long)va, pte_ro(virt_to_mfn(va)),
			 UVMF_INVLPG) == 0;
}

static void test_update_va_mapping(void)
{
	page_a[0] = 0xaaaa;
	page_b[0] = 0xbbbb;
	if (!expect_rc(update_va((unsigned long)page_a,
				 pte_rw(virt_to_mfn(page_b)), UVMF_INVLPG),
		       0))
		return;
	expect_eq(*vol(page_a), 0xbbbb);
	/* The same frame twice: a write through one shows through the other. */
	*vol(page_a) = 0xcccc;
	expect_eq(*vol(page_b), 0xcccc);
	expect(restore(page_a));
	expect_eq(*vol(page_a), 0xaaaa);
}

static void test_mmu_update(void)
{
	uint64_t ma;
	const uint64_t *pte =
		pt_walk(current_l4_mfn(), (unsigned long)page_a, 1, &ma);

	if (!expect(pte != NULL))
		return;
	page_a[0] = 0xaaaa;
	page_b[0] = 0xbbbb;
	if (!expect_rc(mmu_update1(ma | MMU_NORMAL_PT_UPDATE,
				   pte_rw(virt_to_mfn(page_b))),
		       0))
		return;
	/* Our read-only view of the L1 shows the new entry. */
	expect_eq(pte_mfn(*pte), virt_to_mfn(page_b));
	/* mmu_update does not flush: that is the guest's to ask for. */
	expect_rc(mmuext1(MMUEXT_INVLPG_LOCAL, (unsigned long)page_a), 0);
	expect_eq(*vol(page_a), 0xbbbb);
	expect_rc(mmu_update1(ma | MMU_NORMAL_PT_UPDATE,
			      pte_rw(virt_to_mfn(page_a))),
		  0);
	expect_rc(mmuext1(MMUEXT_INVLPG_LOCAL, (unsigned long)page_a), 0);
	expect_eq(*vol(page_a), 0xaaaa);
}

/* MMU_PT_UPDATE_PRESERVE_AD keeps the accessed and dirty bits the PTE had. */
static void test_preserve_ad(void)
{
	struct xen_feature_info fi = {.submap_idx = 0};
	uint64_t ma, want;
	const uint64_t *pte =
		pt_walk(current_l4_mfn(), (unsigned long)page_a, 1, &ma);

	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	if (!(fi.submap & (1U << XENFEAT_mmu_pt_update_preserve_ad))) {
		ktap_skip("no XENFEAT_mmu_pt_update_preserve_ad");
		return;
	}
	if (!expect(pte != NULL))
		return;
	*vol(page_a) = 1; /* sets D */
	want = *pte & (_PAGE_ACCESSED | _PAGE_DIRTY);
	expect_rc(mmu_update1(ma | MMU_PT_UPDATE_PRESERVE_AD,
			      pte_rw(virt_to_mfn(page_a)) &
				      ~(_PAGE_ACCESSED | _PAGE_DIRTY)),
		  0);
	expect_eq(*pte & (_PAGE_ACCESSED | _PAGE_DIRTY), want);
}

static void test_machphys_update(void)
{
	xen_pfn_t mfn = virt_to_mfn(page_a), pfn = virt_to_pfn(page_a);

	if (!expect_rc(mmu_update1((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE,
				   0x12345),
		       0))
		return;
	expect_eq(mfn_to_pfn(mfn), 0x12345);
	expect_rc(mmu_update1((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn),
		  0);
	expect_eq(mfn_to_pfn(mfn), pfn);
}

/* A batch stops at the first bad request and says how many were done. */
static void test_mmu_update_batch(void)
{
	struct mmu_update req[3];
	unsigned int done = ~0U;
	xen_pfn_t mfn = virt_to_mfn(page_a);

	req[0].ptr = (mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
	req[0].val = virt_to_pfn(page_a);
	/* A writable mapping of the L4: refused. */
	if (!expect(pt_walk(current_l4_mfn(), (unsigned long)page_b, 1,
			    &req[1].ptr)))
		return;
	req[1].ptr |= MMU_NORMAL_PT_UPDATE;
	req[1].val = pte_rw(current_l4_mfn());
	req[2] = req[0];
	expect_fail(HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF));
	expect_eq(done, 1);
	expect_eq(pte_mfn(*pt_walk(current_l4_mfn(), (unsigned long)page_b, 1,
				   NULL)),
		  virt_to_mfn(page_b));
}

/* An ordinary frame of the guest's own is no table: written as asked. */
static void test_mmu_update_plain_frame(void)
{
	page_b[3] = 1;
	expect_rc(
		mmu_update1((virt_to_maddr(page_b) + 24) | MMU_NORMAL_PT_UPDATE,
			    0x1234),
		0);
	expect_eq(*vol(&page_b[3]), 0x1234);
}

static void test_multicall(void)
{
	struct multicall_entry mc[2] = {
		{
			.op = __HYPERVISOR_update_va_mapping,
			.args = {(unsigned long)page_a,
				 pte_rw(virt_to_mfn(page_b)), UVMF_INVLPG},
		},
		{
			.op = __HYPERVISOR_update_va_mapping,
			.args = {(unsigned long)page_a,
				 pte_rw(virt_to_mfn(page_a)), UVMF_INVLPG},
		},
	};

	page_a[0] = 1;
	page_b[0] = 2;
	if (!expect_rc(HYPERVISOR_multicall(mc, 2), 0))
		return;
	expect_eq(mc[0].result, 0);
	expect_eq(mc[1].result, 0);
	expect_eq(*vol(page_a), 1);
}

static void test_tlb_flushes(void)
{
	expect_rc(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	expect_rc(mmuext1(MMUEXT_TLB_FLUSH_ALL, 0), 0);
	expect_rc(mmuext1(MMUEXT_INVLPG_LOCAL, (unsigned long)page_a), 0);
	expect_rc(mmuext1(MMUEXT_INVLPG_ALL, (unsigned long)page_a), 0);
}

/*
 * An empty L1, pinned and unpinned. Only while it is mapped read-only: a
 * table with a writable mapping would let the guest change it unchecked.
 */
static void test_pin_unpin_l1(void)
{
	xen_pfn_t mfn = virt_to_mfn(table);

	memset(table, 0, sizeof(table));
	expect_fail(mmuext1(MMUEXT_PIN_L1_TABLE, mfn));
	if (!expect(make_readonly(table)))
		return;
	if (expect_rc(mmuext1(MMUEXT_PIN_L1_TABLE, mfn), 0)) {
		/* Pinned, it cannot become writable again... */
		expect_fail(update_va((unsigned long)table, pte_rw(mfn),
				      UVMF_INVLPG));
		/* ...nor be pinned twice. */
		expect_fail(mmuext1(MMUEXT_PIN_L1_TABLE, mfn));
		expect_rc(mmuext1(MMUEXT_UNPIN_TABLE, mfn), 0);
	}
	/* Unpinning what is not pinned is refused. */
	expect_fail(mmuext1(MMUEXT_UNPIN_TABLE, mfn));
	expect(restore(table));
}

/* An L1 whose one entry maps a writable page is fine; one mapping itself
 * writable is not. */
static void test_pin_validates_entries(void)
{
	xen_pfn_t mfn = virt_to_mfn(table);

	memset(table, 0, sizeof(table));
	table[0] = pte_rw(virt_to_mfn(page_a));
	table[1] = pte_rw(mfn);
	if (!expect(make_readonly(table)))
		return;
	expect_fail(mmuext1(MMUEXT_PIN_L1_TABLE, mfn));
	expect(restore(table));
	table[1] = 0;
	if (!expect(make_readonly(table)))
		return;
	if (expect_rc(mmuext1(MMUEXT_PIN_L1_TABLE, mfn), 0))
		expect_rc(mmuext1(MMUEXT_UNPIN_TABLE, mfn), 0);
	expect(restore(table));
}

/* The builder's own tables may never be mapped writable. */
static void test_no_writable_page_table_mapping(void)
{
	unsigned long i, pt = start_info->pt_base;
	uint64_t ma;
	const uint64_t *pte;

	for (i = 0; i < start_info->nr_pt_frames; i++) {
		unsigned long va = pt + i * PAGE_SIZE;

		expect_fail(update_va(va, pte_rw(virt_to_mfn((void *)va)),
				      UVMF_INVLPG));
	}
	/* Nor through mmu_update, nor at another address. */
	pte = pt_walk(current_l4_mfn(), (unsigned long)page_a, 1, &ma);
	if (!expect(pte != NULL))
		return;
	expect_fail(mmu_update1(ma | MMU_NORMAL_PT_UPDATE,
				pte_rw(virt_to_mfn((void *)pt))));
	/* A read-only alias is allowed. */
	expect_rc(update_va((unsigned long)page_a,
			    pte_ro(virt_to_mfn((void *)pt)), UVMF_INVLPG),
		  0);
	expect_eq(*vol(page_a), ((uint64_t *)pt)[0]);
	expect(restore(page_a));
}

/* The hypervisor's L4 slots, 256..271, are not the guest's to write. */
static void test_hypervisor_slots(void)
{
	xen_pfn_t l4 = current_l4_mfn();
	const uint64_t *t = table_virt(l4);
	unsigned int slot;

	if (!expect(t != NULL))
		return;
	for (slot = 256; slot < 272; slot++) {
		uint64_t ptr = (l4 << PAGE_SHIFT) + slot * 8;

		expect_fail(mmu_update1(ptr | MMU_NORMAL_PT_UPDATE, 0));
	}
	expect(t[256] & _PAGE_PRESENT);
	/* Nor can a mapping be made in their range. */
	expect_fail(update_va(HYPERVISOR_VIRT_START + 0x100000,
			      pte_rw(virt_to_mfn(page_a)), UVMF_INVLPG));
	expect_fail(update_va(m2p_mapping.v_start, pte_rw(virt_to_mfn(page_a)),
			      UVMF_INVLPG));
}

/*
 * A linear (self-referencing) L4 entry lets a guest read its tables at
 * known addresses: allowed read-only, never writable.
 */
static void test_linear_entry(void)
{
	xen_pfn_t l4 = current_l4_mfn();
	uint64_t ptr = (l4 << PAGE_SHIFT) + 100 * 8;
	long rc;

	expect_fail(mmu_update1(ptr | MMU_NORMAL_PT_UPDATE, pte_rw(l4)));
	rc = mmu_update1(ptr | MMU_NORMAL_PT_UPDATE, pte_ro(l4));
	ktap_diag("read-only linear L4 entry: %ld", rc);
	if (!rc)
		expect_rc(mmu_update1(ptr | MMU_NORMAL_PT_UPDATE, 0), 0);
}

/* Frames of the M2P belong to the hypervisor: no writable mapping. */
static void test_foreign_frame(void)
{
	xen_pfn_t m2p_mfns[2];
	struct xen_machphys_mfn_list l = {.max_extents = 2};

	set_xen_guest_handle(l.extent_start, m2p_mfns);
	if (!expect_rc(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l), 0))
		return;
	if (!expect(l.nr_extents >= 1))
		return;
	ktap_diag("M2P's first 2 MiB at mfn %#lx", m2p_mfns[0]);
	expect_fail(update_va((unsigned long)page_a, pte_rw(m2p_mfns[0]),
			      UVMF_INVLPG));
	expect(restore(page_a));
}

/* A frame given back is no longer the guest's to map. */
static void test_unowned_frame(void)
{
	xen_pfn_t mfn = virt_to_mfn(spare), pfn = virt_to_pfn(spare);
	xen_pfn_t frame = mfn;
	struct xen_memory_reservation r = {
		.nr_extents = 1,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, &frame);
	/* Unmapped first: a mapped frame stays alive after it is freed. */
	if (!expect_rc(update_va((unsigned long)spare, 0, UVMF_INVLPG), 0))
		return;
	if (!expect_rc(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r),
		       1))
		goto out;
	p2m[pfn] = ~0UL;
	expect_fail(update_va((unsigned long)spare, pte_ro(mfn), UVMF_INVLPG));
	expect_fail(mmuext1(MMUEXT_PIN_L1_TABLE, mfn));
	/* Back: a fresh frame at the same pfn. */
	frame = pfn;
	if (!expect_rc(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1)) {
		ktap_error("lost pfn %#lx", pfn);
		return;
	}
	p2m[pfn] = frame;
out:
	expect(restore(spare));
}

/*
 * A copy of the L4, its hypervisor slots left empty, as a new base
 * pointer: pinning validates it; once in use it has the hypervisor's slots
 * and cr3 reads back the new frame.
 */
static void test_new_baseptr(void)
{
	xen_pfn_t old = current_l4_mfn(), new = virt_to_mfn(l4_copy);
	const uint64_t *t = table_virt(old);
	unsigned long cr3;
	unsigned int i;

	if (!expect(t != NULL))
		return;
	for (i = 0; i < PT_ENTRIES; i++)
		l4_copy[i] = (i >= 256 && i < 272) ? 0 : t[i];
	if (!expect(make_readonly(l4_copy)))
		return;
	if (!expect_rc(mmuext1(MMUEXT_PIN_L4_TABLE, new), 0))
		goto out;
	/* Xen 4.17 fills its slots in only once the L4 is put in use. */
	ktap_diag("slot 256 after pinning: %#lx", l4_copy[256]);
	if (expect_rc(mmuext1(MMUEXT_NEW_BASEPTR, new), 0)) {
		set_current_l4_mfn(new);
		expect_msg(l4_copy[256] & _PAGE_PRESENT,
			   "slot 256 (M2P) of the L4 in use: %#lx",
			   l4_copy[256]);
		__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
		expect_eq(cr3, xen_pfn_to_cr3(new));
		/* Still the same address space. */
		expect_eq(*vol(&start_info->nr_pages), start_info->nr_pages);
		/* The L4 in use cannot be unpinned out from under it... */
		expect_rc(mmuext1(MMUEXT_NEW_BASEPTR, old), 0);
		set_current_l4_mfn(old);
	}
	expect_rc(mmuext1(MMUEXT_UNPIN_TABLE, new), 0);
out:
	expect(restore(l4_copy));
}

static void test_bad_requests(void)
{
	/* No L1 maps 0x1000. */
	expect_fail(
		update_va(0x1000, pte_rw(virt_to_mfn(page_a)), UVMF_INVLPG));
	/* A non-canonical address. */
	expect_fail(update_va(0x0000800000000000UL, pte_rw(virt_to_mfn(page_a)),
			      UVMF_INVLPG));
	expect_fail(mmuext1(0x7fff, 0));
	/* Commands 4..7 are undefined (Xen takes ptr's low three bits). */
	expect_rc(mmu_update1(virt_to_maddr(page_a) | 4, 0), -XEN_ENOSYS);
	expect_rc(mmu_update1(virt_to_maddr(page_a) | 7, 0), -XEN_ENOSYS);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_update_va_mapping),
	KTAP_CASE(test_mmu_update),
	KTAP_CASE(test_preserve_ad),
	KTAP_CASE(test_machphys_update),
	KTAP_CASE(test_mmu_update_batch),
	KTAP_CASE(test_mmu_update_plain_frame),
	KTAP_CASE(test_multicall),
	KTAP_CASE(test_tlb_flushes),
	KTAP_CASE(test_pin_unpin_l1),
	KTAP_CASE(test_pin_validates_entries),
	KTAP_CASE(test_no_writable_page_table_mapping),
	KTAP_CASE(test_hypervisor_slots),
	KTAP_CASE(test_linear_entry),
	KTAP_CASE(test_foreign_frame),
	KTAP_CASE(test_unowned_frame),
	KTAP_CASE(test_new_baseptr),
	KTAP_CASE(test_bad_requests),
};

int main(void)
{
	return ktap_main("mmu", cases, ARRAY_SIZE(cases));
}
