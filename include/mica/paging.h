/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own page tables (mm/paging.c).
 *
 * Until paging_init() the early tables from boot/head.S map physical
 * 0..4 GiB at the direct map (and identity). paging_init() builds the final
 * tables: the image W^X, the direct map of all RAM and ACPI ranges with the
 * largest pages the CPU has, guard pages left unmapped, and nothing else.
 * Anything outside RAM (MMIO, framebuffers, firmware tables in reserved
 * ranges) is reached through phys_map(), which maps it on demand at its
 * direct-map address.
 */
#ifndef MICA_PAGING_H
#define MICA_PAGING_H

#include <asm/config.h>
#include <mica/bootinfo.h>

static inline void *__va(paddr_t pa)
{
	return (void *)(DIRECTMAP_VIRT_START + pa);
}

static inline paddr_t __pa(const void *va)
{
	unsigned long v = (unsigned long)va;

	if (v >= KERNEL_VIRT_START && v < KERNEL_VIRT_END)
		return v - KERNEL_VIRT_START;
	return v - DIRECTMAP_VIRT_START;
}

enum phys_attr {
	PHYS_WB, /* ordinary memory: firmware tables */
	PHYS_UC, /* device registers */
	PHYS_WC, /* framebuffers */
};

/*
 * Make [pa, pa + len) reachable at __va(pa) with the given attribute and
 * return __va(pa), or NULL if it cannot be (no memory for page tables, an
 * address beyond the direct map, or before paging_init() an address above
 * 4 GiB). Pages that are RAM stay write-back whatever attr says. Writable,
 * never executable. Cheap when the range is already mapped.
 */
void *phys_map(paddr_t pa, size_t len, enum phys_attr attr);

/* Build and load the final page tables. */
void paging_init(const struct boot_info *bi);

/*
 * The page-table entry that maps va in the current tables, with its level
 * (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB), or 0 and level 0 if va is unmapped.
 * For the fault handler and the tests.
 */
uint64_t paging_lookup(unsigned long va, unsigned int *level);
uint64_t paging_lookup_in(const uint64_t *l4, unsigned long va,
			  unsigned int *level);

/*
 * Frames for page tables and other boot-time needs, taken from the usable
 * RAM before the heap exists. Returns a physical address, or 0 when memory
 * has run out.
 */
paddr_t boot_alloc_pages(unsigned int nr, unsigned int align_pages);

/*
 * What is left for the heap (sorted, disjoint). Calling it hands the
 * memory over: boot_alloc_pages() takes from the heap from then on.
 */
unsigned int boot_free_ranges(struct boot_mem_range *out, unsigned int max);

/*
 * Map nr frames from pa at va in the hypervisor's tables with 4 KiB pages,
 * present, NX, with flags (e.g. _PAGE_RW). After paging_init() only.
 * Returns 0, or -1 when page-table memory ran out.
 */
int map_pages_to_xen(unsigned long va, paddr_t pa, unsigned long nr,
		     uint64_t flags);

/*
 * Undo map_pages_to_xen() for nr pages from va: 4 KiB mappings only, each
 * flushed from the TLB. Pages not mapped are skipped.
 */
void unmap_pages_from_xen(unsigned long va, unsigned long nr);

/*
 * Frames the hypervisor's own tables (map_pages_to_xen(), phys_map(), and
 * without a direct map the xenheap's mappings) have taken from the heap
 * since it started. They are kept for good, as Xen keeps its direct map's
 * tables: tests that count free pages add them back. The vmap area's
 * tables are not among them: they go back to the heap when empty.
 */
unsigned long paging_tables_kept(void);

/* Whether all RAM is mapped at __va() (directmap=off clears it). */
extern bool directmap;

/* The mapcache (mm/domain_page.c), which paging_init() installs. */
extern uint64_t mapcache_l1[];
void mapcache_enable(uint64_t pte_flags);
unsigned int mapcache_slots_in_use(void);

/* ---- what PV guests share with mica (mm/paging.c) ---- */

/* The L1 table mapping the CPUs' GDTs at GDT_VIRT_START. */
uint64_t *paging_gdt_l1(void);
/* A present leaf entry for pa: accessed, dirty, NX, writable or not. */
uint64_t paging_leaf(paddr_t pa, bool writable);
/* Build the M2P after the heap is up: 0 or -ENOMEM. */
int paging_m2p_init(void);
/* Make the flush arch_flush_tlb_soon() promised, if one is owed. */
void arch_flush_tlb_pending(void);
/* Run on mica's own tables (guests' are about to go). */
void paging_load_idle(void);

#define _PAGE_PRESENT 0x001UL
#define _PAGE_RW 0x002UL
#define _PAGE_USER 0x004UL
#define _PAGE_PWT 0x008UL
#define _PAGE_PCD 0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY 0x040UL
#define _PAGE_PSE 0x080UL /* in an L2/L3 entry: a 2 MiB/1 GiB page */
#define _PAGE_PAT 0x080UL /* in an L1 entry */
#define _PAGE_GLOBAL 0x100UL
#define _PAGE_PSE_PAT 0x1000UL /* PAT bit of a large page */
#define _PAGE_NX (1UL << 63)
#define PADDR_MASK 0x000ffffffffff000UL

#endif
