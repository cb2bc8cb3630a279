/* SPDX-License-Identifier: MIT */
/*
 * Page references and page types: what keeps a PV guest, which writes its
 * own page tables, from reaching memory it does not own (mm/pv_mm.c).
 *
 * Every frame a domain owns has:
 *  - a general reference count (count_info & PGC_count_mask). Owning the
 *    frame (PGC_allocated) is one reference; each page-table entry that
 *    maps it, each pin and each descriptor-table slot holds another. The
 *    frame goes back to the heap when the last one is dropped, so a frame
 *    a guest gave back while still mapping it lives until it is unmapped.
 *  - a type (type_info & PGT_type_mask) with a type count: none, writable
 *    (mapped writable somewhere), L1..L4 page table, or descriptor page
 *    (GDT/LDT). A frame has one type at a time; it can change type only
 *    when its type count is zero. Taking an L1..L4 type validates every
 *    entry of the table against the next level down, recursively, and
 *    PGT_validated remembers it was done.
 *
 * So a frame is never at once writable-mapped and a page table: a guest
 * can only write its page tables through mmu_update, which validates.
 *
 * Superpages (pv_superpages=, default on): an L2 entry with PSE maps a
 * 2 MiB-aligned, machine-contiguous extent of 512 frames. It is checked
 * and counted as the 512 L1 entries it stands for would be: a general
 * reference on each frame, and a writable type reference on each when it
 * is writable. No per-extent state exists besides the frames' own, so the
 * one-type-per-frame rule above is all that keeps a frame out of a
 * writable superpage and a page table at once. Refused, nothing taken:
 * -EINVAL for PSE with superpages off, an address not 2 MiB aligned
 * (bits 12..20: the PAT bit and reserved ones), caching attributes, or
 * PSE in an L3 entry (no 1 GiB pages); -EPERM for a frame beyond RAM;
 * -EBUSY for a frame that is not the domain's (free, another's, mica's)
 * or, writable, one that cannot take the writable type (a page table, a
 * descriptor page); -ENOSPC beyond pv_superpage_budget().
 */
#ifndef MICA_PV_MM_H
#define MICA_PV_MM_H

#include <mica/domain.h>
#include <mica/mm.h>

/* type_info of a frame in use by a domain */
#define PGT_none (0UL << 61)
#define PGT_l1_page_table (1UL << 61)
#define PGT_l2_page_table (2UL << 61)
#define PGT_l3_page_table (3UL << 61)
#define PGT_l4_page_table (4UL << 61)
#define PGT_seg_desc_page (5UL << 61)
#define PGT_writable_page (7UL << 61)
#define PGT_type_mask (7UL << 61)
#define PGT_pinned (1UL << 60)	  /* holds a type and a general reference */
#define PGT_validated (1UL << 59) /* the current type's contents checked */
#define PGT_count_mask ((1UL << 32) - 1)
/*
 * A page table's linear count (Xen's linear_pt_count), a signed 16-bit
 * number: above 0, how many of its entries are linear ones (read-only
 * entries mapping a table of its own level); below 0, how many linear
 * entries elsewhere map it. A table is never both, so a chain of linear
 * tables is one link long.
 */
#define PGT_linear_shift 32
#define PGT_linear_mask (0xffffUL << PGT_linear_shift)

/* The page-table type of level 1..4. */
#define PGT_lN_page_table(n) ((unsigned long)(n) << 61)

/* pv_superpages=: whether guests may map 2 MiB pages (mm/pv_mm.c). */
extern bool opt_pv_superpages;

/*
 * How many superpage entries d's validated L2 tables may hold at once:
 * two per 2 MiB of max_pages, and 64 more. Each costs 512 frame references
 * to take and to drop, so the budget keeps a guest's superpage work, like
 * its page tables', within a small multiple of its memory: without it one
 * pin could validate an L2 of 512 superpages per frame the guest owns.
 */
static inline unsigned long pv_superpage_budget(const struct domain *d)
{
	return 2 * ((d->max_pages + PAGEBLOCK_PAGES - 1) >> PAGEBLOCK_ORDER) +
	       64;
}

/*
 * A general reference on pg for d: true if d owns pg and it is allocated
 * (false for a free frame, another domain's, or a xenheap page not shared
 * with d, and when the count would overflow).
 */
bool get_page(struct page_info *pg, const struct domain *d);
/* Drop one; the last frees the frame to the heap. */
void put_page(struct page_info *pg);

/*
 * The owner gives up its allocation reference (PGC_allocated): what a
 * domain handing a frame back does. The frame goes back to the heap once
 * nothing maps or pins it any more. False, and nothing done, if pg holds
 * none, or is a xenheap frame shared with the domain (shared_info): that
 * one's is its sharer's (unshare_xen_page_with_guest()).
 */
bool put_page_alloc_ref(struct page_info *pg);

/*
 * A type reference: give pg the type if its type count is zero (validating
 * a page table first) or find it already has it. 0, or -EINVAL when pg has
 * another type in use, or what validation found wrong (-EINVAL for a bad
 * entry or a frame of the wrong type, -EBUSY for an L1 entry mapping a
 * frame that is not the domain's or cannot be writable, -EPERM for one
 * mapping what is not RAM). PGT_seg_desc_page checks no contents: set_gdt
 * checks the descriptors once it holds the type, which keeps the guest
 * from writing them meanwhile.
 */
int get_page_type(struct page_info *pg, unsigned long type);
/* The last type reference of a page table drops what its entries hold. */
void put_page_type(struct page_info *pg);

/* Both references at once; nothing taken on failure. */
int get_page_and_type(struct page_info *pg, const struct domain *d,
		      unsigned long type);
void put_page_and_type(struct page_info *pg);

/*
 * MMUEXT_PIN_Ln_TABLE / MMUEXT_UNPIN_TABLE: a pin keeps a table validated
 * while nothing else references it. 0, or -EINVAL (-EBUSY if pinned).
 */
int pv_pin_table(struct domain *d, mfn_t mfn, unsigned int level);
int pv_unpin_table(struct domain *d, mfn_t mfn);

/*
 * MMUEXT_NEW_BASEPTR and MMUEXT_NEW_USER_BASEPTR for v (INVALID_MFN clears
 * the user one): a PGT_l4 type reference and a general one on the new
 * table, then arch_pv_load_cr3(), then the old table's references go.
 * 0, or get_page_and_type()'s error with nothing changed.
 */
int pv_new_baseptr(struct vcpu *v, mfn_t mfn);
int pv_new_user_baseptr(struct vcpu *v, mfn_t mfn);

/*
 * One mmu_update request of d's, as Xen decodes it: the command in bits
 * 2..0 of ptr (MMU_NORMAL_PT_UPDATE, MMU_PT_UPDATE_PRESERVE_AD,
 * MMU_MACHPHYS_UPDATE), the machine address of a PTE or of a frame above.
 * A PTE in a page table is written after val is validated for its level;
 * one in a frame of d's without a page-table or descriptor type is written
 * as it is, as the guest could itself. 0 or -errno, nothing changed then.
 */
int pv_mmu_update_one(struct domain *d, uint64_t ptr, uint64_t val);

/*
 * The hypercalls, with Xen's arguments and answers: guest pointers are
 * read and written through copy_from_guest() and copy_to_guest() (-EFAULT),
 * a batch stops at the first request that fails and reports how many
 * succeeded through pdone (when not 0), and foreigndom must be DOMID_SELF.
 */
/*
 * Xen's continuation marker in a batch's count: pdone holds the number
 * done before. A batch that gives the CPU back continues with it set and
 * the list from the request it stopped at, having written pdone.
 */
#define MMU_UPDATE_PREEMPTED (1U << 31)

long do_mmu_update(unsigned long ureqs, unsigned int count, unsigned long pdone,
		   unsigned int foreigndom);
long do_update_va_mapping(unsigned long va, uint64_t val, unsigned long flags);
long do_mmuext_op(unsigned long uops, unsigned int count, unsigned long pdone,
		  unsigned int foreigndom);

/*
 * Before a dying domain's memory is freed: unpin its tables and drop the
 * references its page tables and descriptor slots hold, so that every
 * frame is left with only its allocation reference: for each of its
 * vCPUs, those of guest_table, guest_table_user and the nr_gdt_frames
 * gdt_frames that are still set (each holds a type and a general
 * reference), which are cleared; then the pins of the tables on
 * d->page_list, L4s first.
 */
void pv_relinquish_page_types(struct domain *d);

/* The kernel reloads cr3 when v, running, got a new page-table base. */
void arch_pv_load_cr3(struct vcpu *v);

#endif
