/* SPDX-License-Identifier: MIT */
/*
 * The GDT, the TSS and the IDT (kernel/gdt.c, kernel/traps.c).
 *
 * GDT: Xen's layout of 8192 entries, the guest's first, the hypervisor's
 * reserved ones (the selectors of asm/config.h) from entry 7168.
 */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <mica/types.h>

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

/* Load the GDT and the TSS, and set up the syscall MSRs. */
void gdt_init(void);

/* Where the CPU saves a ring-3 context: the running vCPU's stack top. */
void tss_set_rsp0(unsigned long rsp);

/*
 * Map a guest's descriptor frames (set_gdt) as its GDT's first n pages
 * on this CPU; the others read as zeroes.
 */
#include <mica/mm.h>
void gdt_set_guest_frames(const mfn_t *frames, unsigned int n);

/* Which IST stack, if any, the address lies in (for the fault report). */
const char *ist_stack_name(unsigned long addr, bool *guard);

#endif
