/* SPDX-License-Identifier: MIT */
/*
 * The machine as mm/ sees it: the whole contract between the portable
 * allocators and what runs them. x86-64 implements it in the kernel
 * (mm/frametable.c, mm/paging.c); tools/host/machine.c implements it over
 * a memfd for the host tests, fuzzers and benchmarks.
 */
#ifndef MICA_ARCH_MM_H
#define MICA_ARCH_MM_H

#include <mica/domain_page.h>
#include <mica/mm.h>

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

/*
 * Mappings in the vmap area, for mm/vmap.c only: it hands the arch page-
 * aligned addresses inside the range it was given by vmap_init(), which the
 * arch reserved and left unmapped. Mappings are present, writable, not
 * executable and global, write-back; an address never mapped, or unmapped
 * again, faults. Page tables come from the heap when a mapping needs them
 * and go back to it when their last entry is unmapped, so that unmapping
 * everything gives back everything. One CPU: unmapping flushes its TLB
 * (invlpg); there is no other CPU to tell yet.
 */

/*
 * Map nr frames mfns[0..nr) at va, va + 4 KiB, ... with 4 KiB pages. The
 * range is unmapped. Returns 0, or -ENOMEM (page tables; on the host, the
 * kernel refused the mmap) with nothing of it mapped.
 */
int arch_vmap_map(unsigned long va, const mfn_t *mfns, unsigned long nr);

/*
 * Map the 512 frames from mfn (512-aligned) at va (2 MiB-aligned) with one
 * 2 MiB page. The 2 MiB range is unmapped. Returns 0 or -ENOMEM.
 */
int arch_vmap_map_2m(unsigned long va, mfn_t mfn);

/*
 * Turn the 2 MiB mapping holding va into 512 4 KiB mappings of the same
 * frames, so that part of it can be unmapped. Returns 0 (also when va is
 * not in a 2 MiB mapping) or -ENOMEM with nothing changed.
 */
int arch_vmap_split_2m(unsigned long va);

/*
 * Unmap the nr pages from va. Pages already unmapped are skipped; a 2 MiB
 * mapping must lie wholly inside or wholly outside the range (split it
 * first). Cannot fail.
 */
void arch_vmap_unmap(unsigned long va, unsigned long nr);

/*
 * Move what the present mapping at va shows to other frames: copy the frame
 * it maps to mfn (a 4 KiB page), or its 512 frames to the 512 from mfn
 * (a 2 MiB page: va its start, mfn 512-aligned), then point the mapping
 * there, its level and attributes kept. Nothing can write the page between
 * the copy and the switch (interrupts are off), so no write is lost. The
 * old frames are the caller's again. Returns 0, or -ENOMEM with nothing
 * changed (on the host, the kernel refused the mmap).
 */
int arch_vmap_move(unsigned long va, mfn_t mfn);

/*
 * The frame mapped at va and the level of its mapping (1: a 4 KiB page,
 * 2: a 2 MiB page), or INVALID_MFN and level 0 when va is unmapped.
 */
mfn_t arch_vmap_lookup(unsigned long va, unsigned int *level);

/*
 * For PV guests. A guest L4 gets mica's slots 256..271 from
 * arch_pv_init_l4(); flushes are of this CPU's TLB; arch_m2p_mfns() fills
 * in up to max mfns of the M2P's 2 MiB chunks and returns how many there
 * are.
 */
void arch_pv_init_l4(uint64_t *l4);
void arch_flush_tlb_local(void);
/*
 * A flush that may wait until mica next uses a guest's translations: it
 * copies to or from a guest address, returns to a guest or switches to
 * another. Nothing a guest does can run before it, so a hypercall that
 * frees 512 frames flushes once, not 512 times.
 */
void arch_flush_tlb_soon(void);
void arch_invlpg(unsigned long va);
unsigned int arch_m2p_mfns(unsigned long *mfns, unsigned int max);

#endif
