/* SPDX-License-Identifier: MIT */
/* Self tests of the final page tables: what paging_init() promises. */
#include <asm/processor.h>
#include <mica/arch_mm.h>
#include <mica/domain_page.h>
#include <mica/init.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/selftest.h>
#include <mica/stack.h>

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[],
	__data_start[], __bss_end[];

SELFTEST(paging, image_is_wx)
{
	uint64_t nx = cpu_features.nx ? _PAGE_NX : 0;
	unsigned int level;

	for (char *p = __text_start; p < __text_end; p += PAGE_SIZE) {
		uint64_t e = paging_lookup((unsigned long)p, &level);

		ST_CHECK(t,
			 e && level == 1 && !(e & _PAGE_RW) && !(e & _PAGE_NX),
			 "text page %p: entry %#lx level %u", p, e, level);
	}
	for (char *p = __rodata_start; p < __rodata_end; p += PAGE_SIZE) {
		uint64_t e = paging_lookup((unsigned long)p, &level);

		ST_CHECK(t, e && !(e & _PAGE_RW) && (e & _PAGE_NX) == nx,
			 "rodata page %p: entry %#lx", p, e);
	}
	for (char *p = __data_start; p < __bss_end; p += PAGE_SIZE) {
		uint64_t e = paging_lookup((unsigned long)p, &level);

		if (!e)
			continue; /* a guard page: checked below */
		ST_CHECK(t, (e & _PAGE_RW) && (e & _PAGE_NX) == nx,
			 "data page %p: entry %#lx", p, e);
	}
	ST_CHECK(t, read_cr0() & X86_CR0_WP, "CR0.WP is off");
	if (cpu_features.nx)
		ST_CHECK(t, rdmsr(MSR_EFER) & EFER_NXE, "EFER.NXE is off");
}

SELFTEST(paging, guard_pages_unmapped)
{
	unsigned int level, n = 0;

	for (const void *const *g = __start_mica_guard; g < __stop_mica_guard;
	     g++, n++) {
		uint64_t below = paging_lookup((unsigned long)*g - 1, &level);
		uint64_t above =
			paging_lookup((unsigned long)*g + PAGE_SIZE, &level);

		ST_CHECK(t, !paging_lookup((unsigned long)*g, &level),
			 "guard page %p is mapped", *g);
		ST_CHECK(t, above, "stack above guard %p is unmapped", *g);
		(void)below;
	}
	ST_CHECK(t, n >= 1, "no guard pages registered");
}

SELFTEST(paging, direct_map_covers_ram)
{
	const struct boot_info *bi = boot_info;
	unsigned int level, large = 0;

	if (!directmap) {
		selftest_skip(t, "directmap=off");
		return;
	}

	for (unsigned int i = 0; i < bi->nr_memmap; i++) {
		const struct boot_mem_range *r = &bi->memmap[i];
		paddr_t s = ROUNDUP(r->start, PAGE_SIZE);
		paddr_t e = ROUNDDOWN(r->end, PAGE_SIZE);

		if (r->type != BOOT_MEM_RAM || s >= e)
			continue;
		/* First, last and a few pages in between. */
		for (unsigned int k = 0; k <= 8; k++) {
			paddr_t pa = ROUNDDOWN(s + (e - s - PAGE_SIZE) / 8 * k,
					       PAGE_SIZE);
			uint64_t pte =
				paging_lookup((unsigned long)__va(pa), &level);
			paddr_t mask =
				(1UL << (PAGE_SHIFT + 9 * (level - 1))) - 1;

			ST_CHECK(t, pte && (pte & _PAGE_RW),
				 "RAM at %#lx not mapped writable", pa);
			if (!pte)
				break;
			ST_CHECK(t, (pte & PADDR_MASK & ~mask) == (pa & ~mask),
				 "direct map of %#lx points at %#lx", pa,
				 pte & PADDR_MASK);
			large += level > 1;
		}
		/* A 1 GiB-aligned GiB of RAM must use a 1 GiB page when possible. */
		for (paddr_t g = ROUNDUP(s, 1UL << 30); g + (1UL << 30) <= e;
		     g += 1UL << 30) {
			paging_lookup((unsigned long)__va(g), &level);
			ST_CHECK(t, level == (cpu_features.page1gb ? 3u : 2u),
				 "GiB at %#lx mapped at level %u", g, level);
		}
	}
	ST_CHECK(t, large > 0, "no large pages in the direct map");
}

SELFTEST(paging, no_identity_map)
{
	unsigned int level;

	ST_CHECK(t, !paging_lookup(0x200000, &level),
		 "low identity map remains");
	ST_CHECK(t, !paging_lookup(0, &level), "page 0 is mapped");
}

SELFTEST(paging, phys_map_device_uncached)
{
	/* The local APIC's page: MMIO, never in the memory map's RAM. */
	volatile uint32_t *p = phys_map(0xfee00000, PAGE_SIZE, PHYS_UC);
	unsigned int level;
	uint64_t e;

	ST_CHECK(t, p != NULL, "phys_map failed");
	if (!p)
		return;
	e = paging_lookup((unsigned long)p, &level);
	ST_CHECK(t, e && level == 1 && (e & _PAGE_PCD) && (e & _PAGE_PWT),
		 "LAPIC page entry %#lx level %u", e, level);
	ST_CHECK(t, phys_map(0xfee00000, PAGE_SIZE, PHYS_UC) == p,
		 "second phys_map differs");
	ST_CHECK(t, phys_map(~0UL - 10, 100, PHYS_UC) == NULL,
		 "wrapping range accepted");
}

SELFTEST(paging, boot_alloc_zeroed_and_heap_owns_the_rest)
{
	paddr_t pa = boot_alloc_pages(2, 2);
	const uint64_t *p;
	struct boot_mem_range r[64];
	unsigned int n;

	ST_CHECK(t, pa && IS_ALIGNED(pa, 2 * PAGE_SIZE), "pa %#lx", pa);
	if (!pa)
		return;
	/* Mapped at __va() in both direct-map modes. */
	p = __va(pa);
	for (unsigned int i = 0; i < 2 * PAGE_SIZE / 8; i++)
		if (p[i]) {
			ST_CHECK(t, false, "word %u not zero", i);
			break;
		}
	/* Once the heap has the memory, boot allocations come from it. */
	for (unsigned int i = 0; i < 2; i++)
		ST_CHECK(t,
			 mfn_to_page(maddr_to_mfn(pa))[i].count_info &
				 PGC_inuse,
			 "boot-allocated frame %#lx not in use in the heap",
			 (pa >> PAGE_SHIFT) + i);
	/* What the heap was given excludes the first MiB and everything reserved. */
	n = boot_free_ranges(r, ARRAY_SIZE(r));
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			ST_CHECK(t, r[i - 1].end <= r[i].start,
				 "free ranges overlap");
		ST_CHECK(t, r[i].start >= 0x100000, "first MiB handed out");
		for (unsigned int k = 0; k < boot_info->nr_reserved; k++)
			ST_CHECK(
				t,
				r[i].end <= boot_info->reserved[k].start ||
					r[i].start >=
						boot_info->reserved[k].end,
				"free [%#lx, %#lx) overlaps reserved [%#lx, %#lx)",
				r[i].start, r[i].end,
				boot_info->reserved[k].start,
				boot_info->reserved[k].end);
	}
}

/* ---- without a direct map (directmap=off) ---- */

static bool mapped_at_va(unsigned long mfn)
{
	unsigned int level;

	return paging_lookup((unsigned long)__va((paddr_t)mfn << PAGE_SHIFT),
			     &level) != 0;
}

SELFTEST(paging, no_direct_map_of_domain_memory)
{
	struct page_info *pg;
	unsigned long mfn;

	if (directmap) {
		selftest_skip(t, "the direct map is on");
		return;
	}
	pg = alloc_domheap_pages(NULL, 0, 0);
	if (!pg) {
		selftest_error(t, "no memory");
		return;
	}
	mfn = mfn_x(page_to_mfn(pg));
	ST_CHECK(t, !mapped_at_va(mfn), "domheap mfn %#lx is mapped at %p", mfn,
		 __va((paddr_t)mfn << PAGE_SHIFT));
	free_domheap_pages(pg, 0);
}

SELFTEST(paging, xenheap_mapped_while_allocated)
{
	unsigned long mfn;
	uint64_t *p;

	if (directmap) {
		selftest_skip(t, "the direct map is on");
		return;
	}
	p = alloc_xenheap_pages(2, 0);
	if (!p) {
		selftest_error(t, "no memory");
		return;
	}
	mfn = arch_virt_to_mfn(p);
	/* O(1) both ways: the address is the frame's __va(). */
	ST_CHECK(t, p == __va((paddr_t)mfn << PAGE_SHIFT), "%p for mfn %#lx",
		 (void *)p, mfn);
	for (unsigned int i = 0; i < 4; i++)
		ST_CHECK(t, mapped_at_va(mfn + i), "xenheap mfn %#lx unmapped",
			 mfn + i);
	p[4 * PAGE_SIZE / 8 - 1] = 1; /* the last word is writable */
	free_xenheap_pages(p, 2);
	for (unsigned int i = 0; i < 4; i++)
		ST_CHECK(t, !mapped_at_va(mfn + i),
			 "freed xenheap mfn %#lx still mapped", mfn + i);
}

SELFTEST(paging, xenheap_partial_free_unmaps_its_part)
{
	unsigned long mfn;
	char *v;

	if (directmap) {
		selftest_skip(t, "the direct map is on");
		return;
	}
	v = alloc_xenheap_pages_exact(5, 0);
	if (!v) {
		selftest_error(t, "no memory");
		return;
	}
	mfn = arch_virt_to_mfn(v);
	free_xenheap_pages_exact(v + 2 * PAGE_SIZE, 2);
	for (unsigned int i = 0; i < 5; i++)
		ST_CHECK(t, mapped_at_va(mfn + i) == (i < 2 || i == 4),
			 "page %u of 5 %s after freeing pages 2 and 3", i,
			 mapped_at_va(mfn + i) ? "mapped" : "unmapped");
	free_xenheap_pages_exact(v, 2);
	free_xenheap_pages_exact(v + 4 * PAGE_SIZE, 1);
	ST_CHECK(t, !mapped_at_va(mfn) && !mapped_at_va(mfn + 4),
		 "freed pages still mapped");
}

SELFTEST(paging, map_domain_page_slots)
{
	struct page_info *pg = alloc_domheap_pages(NULL, 0, MEMF_zero);
	unsigned int before = mapcache_slots_in_use(), level;
	uint64_t *a, *b, e;

	if (!pg) {
		selftest_error(t, "no memory");
		return;
	}
	a = map_domain_page(page_to_mfn(pg));
	b = map_domain_page(page_to_mfn(pg));
	a[0] = 0x1234;
	ST_CHECK_EQ(t, b[0], 0x1234);
	e = paging_lookup((unsigned long)a, &level);
	ST_CHECK(t,
		 e && (e & _PAGE_RW) &&
			 (e & PADDR_MASK &
			  ~((1UL << (PAGE_SHIFT + 9 * (level - 1))) - 1)) ==
				 (page_to_maddr(pg) &
				  ~((1UL << (PAGE_SHIFT + 9 * (level - 1))) -
				    1)),
		 "entry %#lx at level %u for %p", e, level, (void *)a);
	if (!directmap) {
		ST_CHECK(t, a != b, "two nested mappings share a slot");
		ST_CHECK_EQ(t, mapcache_slots_in_use(), before + 2);
	}
	unmap_domain_page(b);
	unmap_domain_page(a);
	ST_CHECK_EQ(t, mapcache_slots_in_use(), before);
	/*
	 * The slot's entry itself: paging_lookup() would map the tables it
	 * walks into the very slot just freed.
	 */
	if (!directmap)
		ST_CHECK(
			t,
			!mapcache_l1[((unsigned long)a - MAPCACHE_VIRT_START) >>
				     PAGE_SHIFT],
			"slot %p still mapped after unmap", (void *)a);
	free_domheap_pages(pg, 0);
}
