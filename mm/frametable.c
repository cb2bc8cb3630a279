/* SPDX-License-Identifier: MIT */
/*
 * x86-64's side of the heap: the arch contract of include/mica/arch_mm.h,
 * the frame table, and handing the boot allocator's memory to the heap.
 *
 * The frame table lives at FRAMETABLE_VIRT_START, one 32-byte page_info per
 * frame up to the highest RAM frame. Only the parts describing RAM get
 * their own memory; the parts over holes (the PCI hole, say) all map one
 * zeroed read-only page, so the buddy can look at any frame's page_info
 * (and find it not free) without a page per 128 frames of nothing.
 */
#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/keyhandler.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/vmap.h>

#define PAGE_INFOS_PER_PAGE (PAGE_SIZE / sizeof(struct page_info))

void *arch_mfn_to_virt(unsigned long mfn)
{
	return __va((paddr_t)mfn << PAGE_SHIFT);
}

unsigned long arch_virt_to_mfn(const void *va)
{
	return __pa(va) >> PAGE_SHIFT;
}

/* Without a direct map, xenheap frames are mapped at __va() while allocated. */
int arch_xenheap_map(unsigned long mfn, unsigned long nr)
{
	paddr_t pa = (paddr_t)mfn << PAGE_SHIFT;

	if (directmap)
		return 0;
	if (map_pages_to_xen((unsigned long)__va(pa), pa, nr, _PAGE_RW)) {
		unmap_pages_from_xen((unsigned long)__va(pa), nr);
		return -ENOMEM;
	}
	return 0;
}

void arch_xenheap_unmap(unsigned long mfn, unsigned long nr)
{
	if (!directmap)
		unmap_pages_from_xen(
			(unsigned long)__va((paddr_t)mfn << PAGE_SHIFT), nr);
}

/* boot_alloc_pages() maps what it hands out at __va() in both modes. */
void *arch_boot_alloc(size_t bytes)
{
	paddr_t pa = boot_alloc_pages(
		(unsigned int)((bytes + PAGE_SIZE - 1) >> PAGE_SHIFT), 1);

	return pa ? __va(pa) : NULL;
}

static bool frame_is_ram(const struct boot_info *bi, unsigned long first,
			 unsigned long last)
{
	for (unsigned int i = 0; i < bi->nr_memmap; i++) {
		const struct boot_mem_range *r = &bi->memmap[i];

		if (r->type == BOOT_MEM_RAM &&
		    (r->start >> PAGE_SHIFT) <= last &&
		    ((r->end - 1) >> PAGE_SHIFT) >= first)
			return true;
	}
	return false;
}

static void dump_heap_key(unsigned char key)
{
	heap_dump();
}

void heap_boot_init(const struct boot_info *bi)
{
	unsigned long nr_frames = 0, ft_pages, backed = 0;
	struct boot_mem_range free[64];
	unsigned int n;
	paddr_t zero_page;

	for (unsigned int i = 0; i < bi->nr_memmap; i++)
		if (bi->memmap[i].type == BOOT_MEM_RAM)
			nr_frames = MAX(nr_frames,
					(unsigned long)(bi->memmap[i].end >>
							PAGE_SHIFT));
	if ((nr_frames * sizeof(struct page_info)) >
	    FRAMETABLE_VIRT_END - FRAMETABLE_VIRT_START)
		nr_frames = (FRAMETABLE_VIRT_END - FRAMETABLE_VIRT_START) /
			    sizeof(struct page_info);

	zero_page = boot_alloc_pages(1, 1);
	/* PAGE_INFOS_PER_PAGE is even: this covers nr_frames rounded up to even. */
	ft_pages = (nr_frames + PAGE_INFOS_PER_PAGE - 1) / PAGE_INFOS_PER_PAGE;
	for (unsigned long p = 0; p < ft_pages; p++) {
		unsigned long va = FRAMETABLE_VIRT_START + p * PAGE_SIZE;
		unsigned long first = p * PAGE_INFOS_PER_PAGE;
		paddr_t pa = zero_page;
		uint64_t flags = 0;

		if (frame_is_ram(bi, first, first + PAGE_INFOS_PER_PAGE - 1)) {
			pa = boot_alloc_pages(1, 1);
			flags = _PAGE_RW;
			backed++;
		}
		if (!pa || !zero_page || map_pages_to_xen(va, pa, 1, flags))
			panic("heap: out of memory for the frame table");
	}
	frame_table = (struct page_info *)FRAMETABLE_VIRT_START;
	if (heap_init(nr_frames))
		panic("heap: out of memory for its metadata");

	n = boot_free_ranges(free, ARRAY_SIZE(free));
	for (unsigned int i = 0; i < n; i++)
		heap_add_range(maddr_to_mfn(free[i].start),
			       maddr_to_mfn(free[i].end));
	printk("Heap: %lu frames, frame table %lu KiB (%lu KiB over RAM), %s split, grouping %s\n",
	       nr_frames, ft_pages * 4, backed * 4,
	       heap_scramble ? "scrambled" : "lower-half",
	       heap_grouping ? "on" : "off");
	/* The vmap area's page tables come from the heap: it starts now. */
	vmap_init(VMAP_VIRT_START,
		  (VMAP_VIRT_END - VMAP_VIRT_START) >> PAGE_SHIFT);
	keyhandler_register('m', dump_heap_key,
			    "dump the heap: free memory by zone and order");
}
