/* SPDX-License-Identifier: MIT */
/*
 * The event callback (CALLBACKTYPE_event): the hypervisor enters here in
 * kernel mode, events masked, with rcx, r11, then rip, cs, rflags, rsp, ss
 * of the interrupted code on the stack. Its registers are saved around
 * upcall(), then the iret hypercall returns and unmasks events again as
 * the saved rflags.IF says.
 */
#include <public/xen.h>

	.text
	.globl upcall_entry
upcall_entry:
	pop %rcx
	pop %r11
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	/* 9 pushes on a 16-aligned frame of 5: aligned again for the call. */
	call upcall
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	pushq $0 /* iret flags: not VGCF_in_syscall */
	jmp hypercall_page + __HYPERVISOR_iret * 32
