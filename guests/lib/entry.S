/* SPDX-License-Identifier: MIT */
/*
 * Exception entry. The hypervisor enters with, from the stack pointer up:
 * rcx, r11, [error code], rip, cs, rflags, rsp, ss; cs has RPL 0 when the
 * exception came from guest kernel mode (Xen clears it), 3 from user mode.
 * Each stub restores rcx and r11, makes the frame uniform (an error code of
 * 0 where the CPU pushes none) and pushes its vector.
 */
#include <public/xen.h>

	.section .text.trap_entry, "ax", @progbits
	.p2align 4
	.globl trap_entry_base
trap_entry_base:
.Lvector = 0
.rept 256
	.p2align 4
	pop %rcx
	pop %r11
	/* #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP push an error code. */
.if .Lvector != 8 && (.Lvector < 10 || .Lvector > 14) && .Lvector != 17 && .Lvector != 21
	pushq $0
.endif
	pushq $.Lvector
	jmp trap_common
.Lvector = .Lvector + 1
.endr

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	/* The hypervisor aligns the frame; do not depend on it. */
	mov %rsp, %rbx
	and $-16, %rsp
	call trap_handler
	mov %rbx, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp			/* vector, error code */
	testb $3, 8(%rsp)
	jnz 1f
	/*
	 * Back to guest kernel mode: the same privilege (ring 3), so a plain
	 * iretq does, with cs's RPL put back.
	 */
	orb $3, 8(%rsp)
	iretq
	/* Back to user mode: only the hypervisor can switch page tables. */
1:	pushq $0			/* iret flags: not VGCF_in_syscall */
	jmp hypercall_page + __HYPERVISOR_iret * 32

/*
 * The syscall callback (CALLBACKTYPE_syscall): a syscall from guest user
 * mode enters here in kernel mode with rcx, r11 and then rip, cs, rflags,
 * rsp, ss on the kernel stack, all the user's, and no error code. It goes
 * through trap_handler() as vector TRAP_SYSCALL.
 */
	.globl syscall_entry
syscall_entry:
	pop %rcx
	pop %r11
	pushq $0
	pushq $256
	jmp trap_common
