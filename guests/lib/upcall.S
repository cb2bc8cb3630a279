/* SPDX-License-Identifier: MIT */
/*
 * The event callback events_init() registers (events.h): entered in
 * kernel mode, events masked, with rcx, r11, then rip, cs, rflags, rsp, ss
 * of the interrupted code on the stack. event_upcall() gets that rip; the
 * iret hypercall returns there, unmasking events as rflags.IF says.
 */
#include <public/xen.h>

	.text
	.globl event_upcall_entry
event_upcall_entry:
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
	mov 72(%rsp), %rdi /* the interrupted rip, above the nine */
	call event_upcall
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
