/* SPDX-License-Identifier: MIT */
/*
 * Xen's ELF notes: how a PV guest kernel tells its loader where to enter
 * it, where its hypercall page is and what it needs. Part of the guest
 * ABI; the numbers are Xen's (xen/include/public/elfnote.h).
 *
 * A note lives in a PT_NOTE segment (or, failing that, an SHT_NOTE
 * section) with the name "Xen". Numeric values are 4 or 8 bytes, little-
 * endian; strings are NUL-terminated ASCII. Kernels older than the notes
 * put a "KEY=value,KEY=value" string in a section named __xen_guest
 * instead; the comments name the legacy key a note replaces.
 */
#ifndef PUBLIC_ELFNOTE_H
#define PUBLIC_ELFNOTE_H

/* The name every Xen note carries (n_namesz 4, with its NUL). */
#define XEN_ELFNOTE_NAME "Xen"

#define XEN_ELFNOTE_INFO 0	     /* string "NAME=VALUE" */
#define XEN_ELFNOTE_ENTRY 1	     /* numeric: entry VA (VIRT_ENTRY) */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2 /* numeric: its VA (legacy: a pfn) */
#define XEN_ELFNOTE_VIRT_BASE 3	     /* numeric: VA of pfn 0, default 0 */
/*
 * numeric: what the kernel's p_paddr fields are off by, so that a segment
 * loads at p_paddr + VIRT_BASE - PADDR_OFFSET. Default 0 (legacy
 * ELF_PADDR_OFFSET: VIRT_BASE).
 */
#define XEN_ELFNOTE_PADDR_OFFSET 4
#define XEN_ELFNOTE_XEN_VERSION 5   /* string, "xen-3.0" (XEN_VER) */
#define XEN_ELFNOTE_GUEST_OS 6	    /* string (GUEST_OS) */
#define XEN_ELFNOTE_GUEST_VERSION 7 /* string (GUEST_VER) */
#define XEN_ELFNOTE_LOADER 8	    /* string, "generic" (LOADER) */
#define XEN_ELFNOTE_PAE_MODE 9	    /* string: "yes", "no", "bimodal"; x86-32 */
/*
 * string: XENFEAT_* names without the prefix, separated by '|'; a name
 * preceded by '!' is a feature the kernel requires (FEATURES).
 */
#define XEN_ELFNOTE_FEATURES 10
#define XEN_ELFNOTE_BSD_SYMTAB 11     /* string "yes"/"no": load the symbols */
#define XEN_ELFNOTE_HV_START_LOW 12   /* numeric: x86-32 hypervisor hole */
#define XEN_ELFNOTE_L1_MFN_VALID 13   /* numeric pairs: mask, value */
#define XEN_ELFNOTE_SUSPEND_CANCEL 14 /* numeric, default 0 */
/* numeric: a VA for the p2m list outside the initial mapping */
#define XEN_ELFNOTE_INIT_P2M 15
#define XEN_ELFNOTE_MOD_START_PFN 16 /* numeric: initrd may be unmapped */
/* numeric: XENFEAT_* bitmaps (32 bits each) the kernel supports */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17
/* numeric (32-bit): the PVH entry, a physical address; not used for PV */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
/* numeric: PVH relocation constraints */
#define XEN_ELFNOTE_PHYS32_RELOC 19

#define XEN_ELFNOTE_MAX XEN_ELFNOTE_PHYS32_RELOC

#endif
