/* SPDX-License-Identifier: MIT */
/*
 * The GDT, the TSS and the IDT (kernel/gdt.c, kernel/traps.c).
 *
 * GDT: 0x08 64-bit code and 0x10 data, as the boot GDT had, then the TSS.
 * The PV issue adds Xen's reserved GDT page for guests' flat selectors
 * (entries 7168 on: 0xe023, 0xe02b, 0xe033, DPL 3) after these.
 */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <mica/types.h>

#define GDT_ENTRY_TSS 3 /* two slots: a 64-bit system descriptor is 16 bytes */
#define __TSS_SEL (GDT_ENTRY_TSS << 3)

/* IST slots (1-based, as the IDT gate encodes them). */
#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3
#define NR_IST 3

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

/* Load the final GDT and the TSS. */
void gdt_init(void);

/* Which IST stack, if any, the address lies in (for the fault report). */
const char *ist_stack_name(unsigned long addr, bool *guard);

#endif
