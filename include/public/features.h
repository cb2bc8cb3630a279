/* SPDX-License-Identifier: MIT */
/*
 * Feature bits: what XENVER_get_features reports, and the names (without
 * "XENFEAT_") a guest lists in its FEATURES ELF note, '|'-separated, with a
 * '!' before those it cannot run without. Written from the facts in Xen's
 * public features.h.
 */
#ifndef XEN_PUBLIC_FEATURES_H
#define XEN_PUBLIC_FEATURES_H

/* Page tables may be written directly (no write protection needed). */
#define XENFEAT_writable_page_tables 0
/* Descriptor tables may be written directly. */
#define XENFEAT_writable_descriptor_tables 1
/* The hypervisor translates pfns to mfns (HVM, PVH). */
#define XENFEAT_auto_translated_physmap 2
/* The guest kernel runs in ring 0. */
#define XENFEAT_supervisor_mode_kernel 3
/* PAE page directories may be above 4 GiB (x86-32). */
#define XENFEAT_pae_pgdir_above_4gb 4
/* MMU_PT_UPDATE_PRESERVE_AD is supported. */
#define XENFEAT_mmu_pt_update_preserve_ad 5
/* MMUEXT_CLEAR_PAGE and MMUEXT_COPY_PAGE are supported. */
#define XENFEAT_highmem_assist 6
#define XENFEAT_gnttab_map_avail_bits 7
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9
#define XENFEAT_hvm_pirqs 10
/* The guest can run as the initial domain (dom0). */
#define XENFEAT_dom0 11
#define XENFEAT_memory_op_vnode_supported 13
#define XENFEAT_ARM_SMCCC_supported 14
#define XENFEAT_linux_rsdp_unrestricted 15
#define XENFEAT_not_direct_mapped 16
#define XENFEAT_direct_mapped 17

/* XENVER_get_features has this many 32-bit submaps. */
#define XENFEAT_NR_SUBMAPS 1

#endif
