/* SPDX-License-Identifier: MIT */
/*
 * The machine-to-phys table: for every machine frame, the pfn its owning
 * domain knows it by, or INVALID_M2P_ENTRY. mica writes it at
 * RDWR_MPT_VIRT_START; guests read it at RO_MPT_VIRT_START (slot 256).
 * A PV guest keeps its own pfn-to-mfn list (start_info.mfn_list); mica
 * keeps this one current whenever a frame changes hands: the builder,
 * memory_op and MMU_MACHPHYS_UPDATE set entries, and freeing a domain's
 * frame resets its entry.
 */
#ifndef MICA_M2P_H
#define MICA_M2P_H

#include <asm/config.h>
#include <mica/mm.h>

#define INVALID_M2P_ENTRY (~0UL)

#ifdef MICA_HOST
extern unsigned long *host_m2p; /* tools/host/machine.c, max_page entries */
#define machine_to_phys_mapping host_m2p
#else
#define machine_to_phys_mapping ((unsigned long *)RDWR_MPT_VIRT_START)
#endif

static inline void set_gpfn_from_mfn(mfn_t mfn, unsigned long pfn)
{
	machine_to_phys_mapping[mfn_x(mfn)] = pfn;
}

static inline unsigned long get_gpfn_from_mfn(mfn_t mfn)
{
	return machine_to_phys_mapping[mfn_x(mfn)];
}

#endif
