/* SPDX-License-Identifier: MIT */
/*
 * Page frames and page tables as a PV guest sees them: its pfns map to
 * machine frames through the p2m, back through the M2P, and every page-table
 * entry holds a machine address. The guest may read its tables (they are
 * mapped read-only) but changes them only through mmu_update,
 * update_va_mapping and mmuext_op.
 */
#ifndef GUEST_MM_H
#define GUEST_MM_H

#include "guest.h"

#define _PAGE_PRESENT 0x001UL
#define _PAGE_RW 0x002UL
#define _PAGE_USER 0x004UL
#define _PAGE_PWT 0x008UL
#define _PAGE_PCD 0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY 0x040UL
#define _PAGE_PSE 0x080UL
#define _PAGE_GLOBAL 0x100UL
#define _PAGE_NX (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL

#define L1_PAGETABLE_SHIFT 12
#define L2_PAGETABLE_SHIFT 21
#define L3_PAGETABLE_SHIFT 30
#define L4_PAGETABLE_SHIFT 39
#define PT_ENTRIES 512

/* The slot of va in a table of the given level (1..4). */
static inline unsigned int pt_index(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline xen_pfn_t pte_mfn(uint64_t pte)
{
	return (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

/*
 * The builder maps the initial region from VIRT_BASE onto pfns 0, 1, ...:
 * these convert within it (and only there: later mappings are the guest's).
 */
static inline unsigned long pfn_to_virt(xen_pfn_t pfn)
{
	return (unsigned long)__image_start + (pfn << PAGE_SHIFT);
}

static inline xen_pfn_t virt_to_pfn(const void *va)
{
	return ((unsigned long)va - (unsigned long)__image_start) >> PAGE_SHIFT;
}

static inline xen_pfn_t virt_to_mfn(const void *va)
{
	return p2m[virt_to_pfn(va)];
}

static inline uint64_t virt_to_maddr(const void *va)
{
	return (virt_to_mfn(va) << PAGE_SHIFT) |
	       ((unsigned long)va & ~PAGE_MASK);
}

/* M2P lookups with the bound XENMEM_machphys_mapping gave. */
static inline bool m2p_valid(xen_pfn_t mfn)
{
	return mfn <= m2p_mapping.max_mfn;
}

static inline unsigned long mfn_to_pfn(xen_pfn_t mfn)
{
	return m2p[mfn];
}

/* The initial region's size in pages: the builder's mapping of pfns. */
unsigned long initial_region_pages(void);

/*
 * The read-only mapping of the page table frame mfn, if it lies in the
 * initial region (the bootstrap tables and any in the image do), else NULL.
 */
const uint64_t *table_virt(xen_pfn_t mfn);

/*
 * The entry that maps va at level (1..4) in the tables from the L4 at
 * l4_mfn, or NULL if an upper level is not present, is a superpage or lies
 * outside the initial region. *maddr gets the entry's machine address, the
 * ptr an mmu_update needs.
 */
const uint64_t *pt_walk(xen_pfn_t l4_mfn, unsigned long va, int level,
			uint64_t *maddr);

/* The current L4: the bootstrap one unless a guest moved on. */
xen_pfn_t current_l4_mfn(void);
void set_current_l4_mfn(xen_pfn_t mfn);

/*
 * memory_op's reservation calls on the guest itself (the number of extents
 * done), and its current reservation.
 */
long reservation_op(unsigned int cmd, xen_pfn_t *list, unsigned long n,
		    unsigned int order, unsigned int flags);
long current_pages(void);

/* One request each. */
long mmu_update1(uint64_t ptr, uint64_t val);
long mmuext1(unsigned int cmd, uint64_t arg1);
long update_va(unsigned long va, uint64_t pte, unsigned long flags);

/* A writable, user, present mapping of mfn, as the builder makes them. */
static inline uint64_t pte_rw(xen_pfn_t mfn)
{
	return (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
	       _PAGE_ACCESSED | _PAGE_DIRTY;
}

static inline uint64_t pte_ro(xen_pfn_t mfn)
{
	return (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER |
	       _PAGE_ACCESSED;
}

#endif
