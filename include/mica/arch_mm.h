/* SPDX-License-Identifier: MIT */
/*
 * The machine as mm/ sees it: the whole contract between the portable
 * allocators and what runs them. x86-64 implements it in the kernel
 * (mm/frametable.c); tools/host/machine.c implements it over a memfd for
 * the host tests, fuzzers and benchmarks.
 */
#ifndef MICA_ARCH_MM_H
#define MICA_ARCH_MM_H

#include <mica/types.h>

/* Where frame mfn can be read and written (the direct map). */
void *arch_mfn_to_virt(unsigned long mfn);
unsigned long arch_virt_to_mfn(const void *va);

/*
 * Zeroed memory for the heap's own metadata, at initialisation only, never
 * freed. NULL when there is none.
 */
void *arch_boot_alloc(size_t bytes);

#endif
