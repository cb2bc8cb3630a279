/* SPDX-License-Identifier: MIT */
/*
 * The 256 interrupt and exception entry points, 16 bytes apart. Each pushes
 * a dummy error code where the CPU pushes none, then its vector, and joins
 * common_trap, which saves the rest of struct cpu_regs (include/asm/traps.h)
 * and calls trap_dispatch(regs).
 */
#include <asm/config.h>

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
