/* SPDX-License-Identifier: MIT */
/*
 * Going to guest user mode and coming back, for traps.c.
 *
 * user_enter(fn, arg, user_rsp) saves the kernel's callee-saved registers
 * and stack pointer, then asks the hypervisor to iret to fn in user mode
 * (cs = FLAT_USER_CS) with rdi = arg: the iret hypercall pops rax, r11,
 * rcx, flags, rip, cs, rflags, rsp, ss, of which the stub pushes the first
 * three. It returns when kernel-mode code (an exception or the syscall
 * callback) calls user_return(value): the user context is abandoned and
 * user_enter() returns value.
 */
#include <public/xen.h>

	.text
	.globl user_enter
user_enter:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, kernel_rsp(%rip)
	pushq $FLAT_USER_SS
	pushq %rdx			/* rsp */
	pushq $0x202			/* rflags: IF, the reserved bit */
	pushq $FLAT_USER_CS
	pushq %rdi			/* rip */
	pushq $0			/* flags */
	mov %rsi, %rdi
	jmp hypercall_page + __HYPERVISOR_iret * 32

	.globl user_return
user_return:
	mov kernel_rsp(%rip), %rsp
	mov %rdi, %rax
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/* User-mode bodies: each ends in a syscall with a value in rax. */
	.globl user_syscall, user_syscall_ret
user_syscall:
	mov $0x5ca11, %eax
	syscall
user_syscall_ret:
	ud2

/* int $0x80 comes back here (the handler irets to user mode). */
	.globl user_int80, user_int80_ret
user_int80:
	int $0x80
user_int80_ret:
	mov $0x80, %eax
	syscall
	ud2

/* DPL 1: kernel only, so a #GP, which does not come back. */
	.globl user_int81, user_int81_insn
user_int81:
user_int81_insn:
	int $0x81
	ud2

	.globl user_int3, user_int3_ret
user_int3:
	int3
user_int3_ret:
	ud2

/* rdi: an address to read, then write: the M2P (user-readable only). */
	.globl user_touch
user_touch:
	mov (%rdi), %rax
	mov %rax, (%rdi)
	ud2

	.bss
	.p2align 3
kernel_rsp:
	.quad 0
