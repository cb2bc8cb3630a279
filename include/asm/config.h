/* SPDX-License-Identifier: MIT */
/*
 * mica's x86-64 virtual layout: Xen's, so that PV guests built for Xen find
 * the hypervisor where they expect it. docs/memory-layout.md explains it.
 * Usable from C and from assembly.
 */
#ifndef ASM_CONFIG_H
#define ASM_CONFIG_H

#ifdef __ASSEMBLER__
#define _AC(x, s) x
#else
#define _AC(x, s) x##s
#endif

#define PAGE_SHIFT 12
#define PAGE_SIZE (_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define L2_PAGE_SHIFT 21
#define L3_PAGE_SHIFT 30
#define L4_PAGE_SHIFT 39

/* L4 slots 256..271 belong to the hypervisor. */
#define HYPERVISOR_VIRT_START _AC(0xffff800000000000, UL)
#define HYPERVISOR_VIRT_END _AC(0xffff880000000000, UL)
#define HYPERVISOR_L4_FIRST 256
#define HYPERVISOR_L4_LAST 271

/* Slot 256: the machine-to-phys table, read-only to guests. */
#define RO_MPT_VIRT_START _AC(0xffff800000000000, UL)
#define RO_MPT_VIRT_END _AC(0xffff804000000000, UL)
/* Slot 261: the writable M2P, vmap, the image and the frame table. */
#define RDWR_MPT_VIRT_START _AC(0xffff828000000000, UL)
#define RDWR_MPT_VIRT_END _AC(0xffff82c000000000, UL)
#define VMAP_VIRT_START _AC(0xffff82c000000000, UL)
#define VMAP_VIRT_END _AC(0xffff82d000000000, UL)
/* map_domain_page()'s slots with directmap=off: one L1 table's worth. */
#define MAPCACHE_VIRT_START _AC(0xffff82d000000000, UL)
#define MAPCACHE_VIRT_END _AC(0xffff82d000200000, UL)
/*
 * Each CPU's GDT: 16 pages (8192 entries), the guest's descriptor frames
 * in the first 14 and Xen's reserved entries (7168 on) in the last two.
 */
#define GDT_VIRT_START _AC(0xffff82d040000000, UL)
#define GDT_VIRT_PER_CPU (_AC(16, UL) << PAGE_SHIFT)
#define KERNEL_VIRT_START _AC(0xffff82d080000000, UL)
#define KERNEL_VIRT_END _AC(0xffff82d0c0000000, UL)
#define FRAMETABLE_VIRT_START _AC(0xffff82e000000000, UL)
#define FRAMETABLE_VIRT_END _AC(0xffff830000000000, UL)
/* Slots 262..271: the direct map of machine memory (5 TiB). */
#define DIRECTMAP_VIRT_START _AC(0xffff830000000000, UL)
#define DIRECTMAP_VIRT_END _AC(0xffff880000000000, UL)

/*
 * The image is linked at KERNEL_VIRT_START + KERNEL_PHYS_LOAD and loaded at
 * KERNEL_PHYS_LOAD, so virtual - physical is KERNEL_VIRT_START throughout.
 */
#define KERNEL_PHYS_LOAD _AC(0x200000, UL)

#define STACK_ORDER 2
#define STACK_SIZE (PAGE_SIZE << STACK_ORDER)

/* The boot GDT's selectors (boot/head.S). */
#define __BOOT_CS 0x08
#define __BOOT_DS 0x10

/*
 * The final GDT's, in Xen's reserved page (entries 7168 on), where PV
 * guests expect the hypervisor's and their own flat selectors.
 */
#define GDT_RESERVED_PAGE 14
#define GDT_RESERVED_ENTRY (GDT_RESERVED_PAGE * 512)
#define __HYPERVISOR_CS 0xe008
#define __HYPERVISOR_DS 0xe010
#define FLAT_RING3_CS32 0xe023
#define FLAT_RING3_DS 0xe02b
#define FLAT_RING3_CS64 0xe033
#define __TSS_SEL 0xe040

#endif
