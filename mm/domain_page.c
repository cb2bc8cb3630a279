/* SPDX-License-Identifier: MIT */
/*
 * map_domain_page() in the kernel (the contract is in
 * include/mica/domain_page.h).
 *
 * With the direct map, a frame's mapping is its direct-map address. With
 * directmap=off (mm/paging.c) each CPU owns MAPCACHE_SLOTS_PER_CPU 4 KiB
 * slots at MAPCACHE_VIRT_START, all described by one L1 table that lives in
 * the image's bss, so that mapping a frame never needs another mapping: a
 * slot is a bit taken from the CPU's bitmap and one entry written. An
 * entry is never cached by the TLB while not present, so only unmapping
 * flushes (invlpg). Before paging_init() has switched to the final tables,
 * the early tables' direct map of the low 4 GiB serves in both modes.
 */
#include <asm/processor.h>
#include <asm/smp.h>
#include <mica/domain_page.h>
#include <mica/lib.h>
#include <mica/paging.h>

#define MAPCACHE_SLOTS (NR_CPUS * MAPCACHE_SLOTS_PER_CPU)
BUILD_BUG_ON(MAPCACHE_SLOTS *PAGE_SIZE !=
	     MAPCACHE_VIRT_END - MAPCACHE_VIRT_START);
BUILD_BUG_ON(MAPCACHE_SLOTS_PER_CPU != 64); /* one bitmap word a CPU */

uint64_t mapcache_l1[MAPCACHE_SLOTS] __aligned(PAGE_SIZE);
static uint64_t slots_in_use[NR_CPUS];
static uint64_t slot_flags;
static bool mapcache_on;

void mapcache_enable(uint64_t pte_flags)
{
	slot_flags = pte_flags;
	mapcache_on = true;
}

void *map_domain_page(mfn_t mfn)
{
	unsigned int cpu = smp_processor_id(), i;
	uint64_t free;

	if (!mapcache_on)
		return __va(mfn_to_maddr(mfn));
	free = ~slots_in_use[cpu];
	if (unlikely(!free))
		panic("map_domain_page: all %u slots of CPU %u in use (a mapping was not undone)",
		      MAPCACHE_SLOTS_PER_CPU, cpu);
	i = (unsigned int)__builtin_ctzl(free);
	slots_in_use[cpu] |= 1UL << i;
	i += cpu * MAPCACHE_SLOTS_PER_CPU;
	mapcache_l1[i] = mfn_to_maddr(mfn) | slot_flags;
	return (void *)(MAPCACHE_VIRT_START + ((unsigned long)i << PAGE_SHIFT));
}

void unmap_domain_page(const void *p)
{
	unsigned long va = (unsigned long)p & PAGE_MASK;
	unsigned int i, cpu = smp_processor_id();

	if (va < MAPCACHE_VIRT_START || va >= MAPCACHE_VIRT_END)
		return; /* a direct-map address, or NULL */
	i = (unsigned int)((va - MAPCACHE_VIRT_START) >> PAGE_SHIFT);
	if (unlikely(i / MAPCACHE_SLOTS_PER_CPU != cpu ||
		     !(slots_in_use[cpu] &
		       (1UL << (i % MAPCACHE_SLOTS_PER_CPU)))))
		panic("unmap_domain_page(%p): not a mapping of CPU %u's", p,
		      cpu);
	mapcache_l1[i] = 0;
	invlpg((const void *)va);
	slots_in_use[cpu] &= ~(1UL << (i % MAPCACHE_SLOTS_PER_CPU));
}

unsigned int mapcache_slots_in_use(void)
{
	unsigned int n = 0;

	/* No popcnt instruction assumed: clear the lowest bit until none. */
	for (uint64_t m = slots_in_use[smp_processor_id()]; m; m &= m - 1)
		n++;
	return n;
}
