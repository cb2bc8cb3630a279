/* SPDX-License-Identifier: MIT */
#include "mm.h"

static xen_pfn_t cur_l4 = ~0UL;

xen_pfn_t current_l4_mfn(void)
{
	if (cur_l4 == ~0UL)
		cur_l4 = virt_to_mfn((void *)start_info->pt_base);
	return cur_l4;
}

void set_current_l4_mfn(xen_pfn_t mfn)
{
	cur_l4 = mfn;
}

/*
 * The builder maps at least up to 512 KiB past the boot stack, which sits
 * right after the page tables, and rounds up to 4 MiB.
 */
unsigned long initial_region_pages(void)
{
	unsigned long end = start_info->pt_base +
			    (start_info->nr_pt_frames + 1) * PAGE_SIZE +
			    512 * 1024;

	end = ROUNDUP(end, 4UL << 20);
	return (end - (unsigned long)__image_start) >> PAGE_SHIFT;
}

const uint64_t *table_virt(xen_pfn_t mfn)
{
	unsigned long pfn;

	if (!m2p_valid(mfn))
		return NULL;
	pfn = mfn_to_pfn(mfn);
	if (pfn >= initial_region_pages() || p2m[pfn] != mfn)
		return NULL;
	return (const uint64_t *)pfn_to_virt(pfn);
}

const uint64_t *pt_walk(xen_pfn_t l4_mfn, unsigned long va, int level,
			uint64_t *maddr)
{
	xen_pfn_t mfn = l4_mfn;
	int l;

	for (l = 4;; l--) {
		const uint64_t *t = table_virt(mfn);
		unsigned int i = pt_index(va, l);

		if (!t)
			return NULL;
		if (l == level) {
			if (maddr)
				*maddr = (mfn << PAGE_SHIFT) + i * 8;
			return &t[i];
		}
		if (!(t[i] & _PAGE_PRESENT) || (l < 4 && (t[i] & _PAGE_PSE)))
			return NULL;
		mfn = pte_mfn(t[i]);
	}
}

long mmu_update1(uint64_t ptr, uint64_t val)
{
	struct mmu_update req = {.ptr = ptr, .val = val};
	unsigned int done = 0;
	long rc = HYPERVISOR_mmu_update(&req, 1, &done, DOMID_SELF);

	/* A success that did not do the one request would be a lie. */
	if (rc == 0 && done != 1)
		return -XEN_EIO;
	return rc;
}

long mmuext1(unsigned int cmd, uint64_t arg1)
{
	struct mmuext_op op = {.cmd = cmd};
	unsigned int done = 0;
	long rc;

	op.arg1.mfn = arg1;
	rc = HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF);
	if (rc == 0 && done != 1)
		return -XEN_EIO;
	return rc;
}

long update_va(unsigned long va, uint64_t pte, unsigned long flags)
{
	return HYPERVISOR_update_va_mapping(va, pte, flags);
}

long reservation_op(unsigned int cmd, xen_pfn_t *list, unsigned long n,
		    unsigned int order, unsigned int flags)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = order,
		.mem_flags = flags,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, list);
	return HYPERVISOR_memory_op(cmd, &r);
}

long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}
