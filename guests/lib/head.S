/* SPDX-License-Identifier: MIT */
/*
 * The first instructions of a test guest, its hypercall page and the ELF
 * notes a Xen PV domain builder reads.
 *
 * The builder enters _start in guest-kernel mode with rsi = the virtual
 * address of start_info and rsp = the top of its boot stack (one page).
 * The guest moves to a larger stack of its own and calls guest_start()
 * (start.c) with both values.
 */
#include <public/elfnote.h>
#include <public/xen.h>

#define GUEST_STACK_SIZE (16 * 4096)

/* One note: name "Xen", then the value, each padded to 4 bytes. */
.macro xen_note_begin type
	.p2align 2
	.long 2f - 1f
	.long 4f - 3f
	.long \type
1:	.asciz XEN_ELFNOTE_NAME
2:	.p2align 2
3:
.endm
.macro xen_note_end
4:	.p2align 2
.endm
.macro xen_note_str type, value
	xen_note_begin \type
	.asciz "\value"
	xen_note_end
.endm
.macro xen_note_quad type, value
	xen_note_begin \type
	.quad \value
	xen_note_end
.endm

	.section .note.Xen, "a", @note
	xen_note_str XEN_ELFNOTE_GUEST_OS, "mica-test-guest"
	xen_note_str XEN_ELFNOTE_GUEST_VERSION, "0.1"
	/* The interface: every 64-bit PV builder since Xen 3.0 takes it. */
	xen_note_str XEN_ELFNOTE_XEN_VERSION, "xen-3.0"
	/* Not Linux's: the builder then asks for nothing else of the image. */
	xen_note_str XEN_ELFNOTE_LOADER, "generic"
	xen_note_quad XEN_ELFNOTE_VIRT_BASE, VIRT_BASE
	xen_note_quad XEN_ELFNOTE_PADDR_OFFSET, 0
	xen_note_quad XEN_ELFNOTE_ENTRY, _start
	xen_note_quad XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page

/*
 * The builder writes 128 stubs of 32 bytes here. Filled with int3 so that
 * a builder that did not write it shows up as a trap, not as a run into
 * whatever followed.
 */
	.section .text.hypercall_page, "ax", @progbits
	.p2align 12
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
	.size hypercall_page, 4096

	.section .text.entry, "ax", @progbits
	.globl _start
_start:
	cld
	mov %rsi, %rdi			/* start_info */
	mov %rsp, %rsi			/* the builder's stack */
	mov $guest_stack_top, %rsp
	xor %ebp, %ebp			/* the end of backtraces */
	call guest_start
	ud2

	.section .stack, "aw", @nobits
	.p2align 12
guest_stack:
	.skip GUEST_STACK_SIZE
guest_stack_top:
