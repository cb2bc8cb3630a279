/* SPDX-License-Identifier: MIT */
/*
 * Self tests of what guests will rely on before any guest runs: the M2P's
 * two mappings, the hypervisor's L4 slots as guests get them, and the
 * GDT's reserved entries.
 */
#include <asm/config.h>
#include <asm/processor.h>
#include <mica/arch_mm.h>
#include <mica/domain_page.h>
#include <mica/m2p.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/selftest.h>

SELFTEST(pv, m2p_mappings)
{
	unsigned int level;
	uint64_t rw = paging_lookup(RDWR_MPT_VIRT_START, &level);
	uint64_t ro = paging_lookup(RO_MPT_VIRT_START, &level);
	struct page_info *pg;

	ST_CHECK(t, rw & _PAGE_PRESENT, "the writable M2P is not mapped");
	ST_CHECK(t, (rw & (_PAGE_RW | _PAGE_USER)) == _PAGE_RW,
		 "writable M2P entry %#lx", rw);
	ST_CHECK(t, ro & _PAGE_PRESENT, "the read-only M2P is not mapped");
	ST_CHECK(t, (ro & (_PAGE_RW | _PAGE_USER)) == _PAGE_USER,
		 "read-only M2P entry %#lx: must be user, not writable", ro);
	ST_CHECK_EQ(t, rw & PADDR_MASK, ro & PADDR_MASK);
	/* A frame nobody owns reads as invalid, through either mapping. */
	pg = alloc_domheap_pages(NULL, 0, 0);
	ST_CHECK(t, pg != NULL, "no frame");
	if (!pg)
		return;
	ST_CHECK_EQ(t, get_gpfn_from_mfn(page_to_mfn(pg)), INVALID_M2P_ENTRY);
	set_gpfn_from_mfn(page_to_mfn(pg), 0x1234);
	ST_CHECK_EQ(t, get_gpfn_from_mfn(page_to_mfn(pg)), 0x1234UL);
	set_gpfn_from_mfn(page_to_mfn(pg), INVALID_M2P_ENTRY);
	free_domheap_pages(pg, 0);
}

SELFTEST(pv, guest_l4_slots)
{
	static uint64_t l4[512] __aligned(PAGE_SIZE);
	const uint64_t *cur =
		map_domain_page(maddr_to_mfn(read_cr3() & PADDR_MASK));

	arch_pv_init_l4(l4);
	for (unsigned int i = 0; i < 512; i++) {
		bool xen = i >= HYPERVISOR_L4_FIRST && i <= HYPERVISOR_L4_LAST;

		if (xen) {
			ST_CHECK(t, l4[i] & _PAGE_PRESENT, "slot %u empty", i);
			ST_CHECK_EQ(t, l4[i], cur[i]);
			/* Only the M2P's slot is open to guest (user) code. */
			ST_CHECK(t, !(l4[i] & _PAGE_USER) == (i != 256),
				 "slot %u: user bit %s", i,
				 l4[i] & _PAGE_USER ? "set" : "clear");
		} else {
			ST_CHECK(t, !l4[i], "guest slot %u filled: %#lx", i,
				 l4[i]);
		}
	}
	unmap_domain_page(cur);
}

SELFTEST(pv, gdt_reserved_entries)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr;
	const uint64_t *g;

	asm volatile("sgdt %0" : "=m"(gdtr));
	ST_CHECK_EQ(t, gdtr.limit, 0xffffU);
	g = (const uint64_t *)gdtr.base;
	/* The flat selectors guests use: present, DPL 3; mica's: DPL 0. */
	ST_CHECK_EQ(t, (g[FLAT_RING3_CS64 >> 3] >> 45) & 3, 3UL);
	ST_CHECK_EQ(t, (g[FLAT_RING3_CS32 >> 3] >> 45) & 3, 3UL);
	ST_CHECK_EQ(t, (g[FLAT_RING3_DS >> 3] >> 45) & 3, 3UL);
	ST_CHECK_EQ(t, (g[__HYPERVISOR_CS >> 3] >> 45) & 3, 0UL);
	ST_CHECK(t, g[FLAT_RING3_CS64 >> 3] & (1UL << 53),
		 "CS64 is not long mode");
	/* The guest part reads as zeroes until a guest gives its frames. */
	ST_CHECK_EQ(t, g[1], 0UL);
	ST_CHECK_EQ(t, g[7167], 0UL);
}
