/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts (kernel/traps.c, kernel/entry.S).
 *
 * Every vector enters through one stub that saves a struct cpu_regs on the
 * stack and calls the C dispatcher. Exceptions with no registered fixup are
 * fatal: the registers, the decoded error code, cr2 and a symbolised
 * backtrace are printed, then machine_crash_stop().
 */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <mica/types.h>

/* The order entry.S pushes them in, lowest address first. */
struct cpu_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint64_t vector;
	uint64_t error_code; /* 0 for vectors without one */
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

#define TRAP_DE 0
#define TRAP_DB 1
#define TRAP_NMI 2
#define TRAP_BP 3
#define TRAP_OF 4
#define TRAP_BR 5
#define TRAP_UD 6
#define TRAP_NM 7
#define TRAP_DF 8
#define TRAP_TS 10
#define TRAP_NP 11
#define TRAP_SS 12
#define TRAP_GP 13
#define TRAP_PF 14
#define TRAP_MF 16
#define TRAP_AC 17
#define TRAP_MC 18
#define TRAP_XM 19
#define TRAP_VE 20
#define TRAP_CP 21

/* Interrupt vectors (IRQs). */
#define VECTOR_FIRST_IRQ 0x20
#define VECTOR_LAPIC_TIMER 0xf0
#define VECTOR_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct cpu_regs *regs);

/* Route an interrupt vector (>= VECTOR_FIRST_IRQ) to handler. */
void irq_register(unsigned int vector, irq_handler_t handler);

/*
 * Exception fixups: a faulting instruction listed in the exception table
 * resumes at its fixup address instead of being fatal (fault-safe copies,
 * probing MSRs). See asm/extable.h.
 */
bool extable_fixup(struct cpu_regs *regs);

/* Print a backtrace starting at the given frame (rbp chain). */
void show_backtrace(unsigned long rip, unsigned long rbp);

#endif
