/* SPDX-License-Identifier: MIT */
/*
 * The machine as mm/ sees it: the whole contract between the portable
 * allocators and what runs them. x86-64 implements it in the kernel
 * (mm/frametable.c); tools/host/machine.c implements it over a memfd for
 * the host tests, fuzzers and benchmarks.
 */
#ifndef MICA_ARCH_MM_H
#define MICA_ARCH_MM_H

#include <mica/domain_page.h>
#include <mica/types.h>

/*
 * Where a frame mica keeps mapped can be read and written: any RAM frame
 * with the direct map, only xenheap frames without one.
 */
void *arch_mfn_to_virt(unsigned long mfn);
unsigned long arch_virt_to_mfn(const void *va);

/*
 * Make the xenheap frames [mfn, mfn + nr) reachable at arch_mfn_to_virt(),
 * or stop them being: nothing to do where a direct map covers all RAM.
 * Every other frame is reached through map_domain_page()
 * (include/mica/domain_page.h, also part of this contract). 0 or -ENOMEM.
 */
int arch_xenheap_map(unsigned long mfn, unsigned long nr);
void arch_xenheap_unmap(unsigned long mfn, unsigned long nr);

/*
 * Zeroed memory for the heap's own metadata, at initialisation only, never
 * freed. NULL when there is none.
 */
void *arch_boot_alloc(size_t bytes);

#endif
