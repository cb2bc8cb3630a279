/* SPDX-License-Identifier: MIT */
/*
 * The 256 interrupt and exception entry points, 16 bytes apart. Each pushes
 * a dummy error code where the CPU pushes none, then its vector, and joins
 * common_trap, which saves the rest of struct cpu_regs (include/asm/traps.h)
 * and calls trap_dispatch(regs).
 *
 * From a guest (ring 3) the CPU switches to rsp0, the top of the running
 * vCPU's stack, so the saved registers there are the guest's state; so
 * does pv_syscall_entry, which builds the same frame by hand. On the way
 * back to ring 3, pv_exit_to_guest() may switch to another vCPU or set up
 * an event upcall before the registers are restored.
 */
#include <asm/config.h>

#define REGS_CS 144 /* offsetof(struct cpu_regs, cs) */
#define VECTOR_SYSCALL 256
#define VECTOR_SYSCALL32 257

	.section .text, "ax", @progbits
	.p2align 4
	.globl trap_stubs
trap_stubs:
	vector = 0
	.rept 256
	.p2align 4
	.if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || \
	      vector == 21 || vector == 29 || vector == 30)
	pushq $0
	.endif
	pushq $vector
	jmp common_trap
	vector = vector + 1
	.endr

	.p2align 4
common_trap:
	cld
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rax
	push %r8
	push %r9
	push %r10
	push %r11
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	/* The CPU aligned rsp to 16 before its frame: 22 quadwords keep it so. */
	mov %rsp, %rdi
	call trap_dispatch
	testb $3, REGS_CS(%rsp)
	jz 1f
	.globl pv_ret_to_guest
pv_ret_to_guest:
	mov %rsp, %rdi
	call pv_exit_to_guest
1:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rax
	pop %rcx
	pop %rdx
	pop %rsi
	pop %rdi
	add $16, %rsp /* vector and error code */
	iretq

/*
 * syscall from ring 3: a hypercall from the guest kernel, a system call
 * from guest user mode. IF is clear (MSR_SYSCALL_MASK) until iretq, so
 * taking the stack from pv_stack_top is safe; the frame built is the one
 * an interrupt from ring 3 would have left.
 */
	.macro syscall_frame cs, vector
	mov %rsp, pv_guest_rsp(%rip)
	mov pv_stack_top(%rip), %rsp
	pushq $FLAT_RING3_DS
	pushq pv_guest_rsp(%rip)
	push %r11
	pushq $\cs
	push %rcx
	pushq $0
	pushq $\vector
	jmp common_trap
	.endm

	.p2align 4
	.globl pv_syscall_entry
pv_syscall_entry:
	syscall_frame FLAT_RING3_CS64, VECTOR_SYSCALL

	.p2align 4
	.globl pv_syscall32_entry
pv_syscall32_entry:
	syscall_frame FLAT_RING3_CS32, VECTOR_SYSCALL32

/*
 * switch_stack(&prev->hyp_rsp, next->hyp_rsp): save the callee-saved
 * registers on this stack, take the other, restore its. A vCPU that never
 * ran has pv_first_entry as its return address and its entry registers
 * above it.
 */
	.globl switch_stack
switch_stack:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	.globl pv_first_entry
pv_first_entry:
	jmp pv_ret_to_guest
