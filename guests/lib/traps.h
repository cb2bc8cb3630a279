/* SPDX-License-Identifier: MIT */
/*
 * Exceptions in a PV guest: the hypervisor bounces each onto the guest
 * kernel stack and enters the handler its trap table names. The runtime
 * installs a handler for every exception vector; an exception that no
 * exception-table entry or hook expects ends the run with "Bail out!".
 */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

#include "guest.h"

#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_NMI 2
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define X86_EXC_MC 18
#define X86_EXC_XM 19

/* Page-fault error code bits. */
#define PFEC_present (1U << 0)
#define PFEC_write (1U << 1)
#define PFEC_user (1U << 2)
#define PFEC_insn (1U << 4)

/* The frame entry.S builds: the registers, then the hardware-style frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* The last exception taken, whoever handled it. */
struct trap_record {
	unsigned int count;
	unsigned int vector;
	uint64_t error_code, rip, cs, cr2;
};
extern struct trap_record last_trap;

/*
 * An exception-table entry: an exception with rip == insn resumes at fixup.
 * For traps (int3, int n) the rip reported is the next instruction's, so
 * that is the address to list.
 */
#define _ASM_EXTABLE(insn, fixup)                        \
	".pushsection .ex_table, \"a\"\n\t.balign 8\n\t" \
	".quad " #insn ", " #fixup "\n\t.popsection\n\t"

/*
 * Called first for every exception; returns true if it handled it (it may
 * change the frame: rip, or cs/rsp to go elsewhere). NULL for none.
 */
extern bool (*trap_hook)(struct trap_frame *f);

/*
 * Loads the trap table: every exception vector, plus extra[] (vector and
 * DPL) for software interrupts a test wants, all entering trap_handler().
 */
struct soft_int {
	uint8_t vector, dpl;
};
void traps_init(void);
long traps_load(const struct soft_int *extra, unsigned int n);

/* The vector of the exception that reading (writing) *p raised, or -1. */
int probe_read(const volatile void *p, uint64_t *val);
int probe_write(volatile void *p, uint64_t val);

/* The entry stubs of entry.S: vector n's at trap_entry_base + 16 * n. */
extern const char trap_entry_base[];
#define TRAP_ENTRY_SIZE 16

/* The syscall callback's entry, which reports as this vector. */
extern const char syscall_entry[];
#define TRAP_SYSCALL 256

#endif
