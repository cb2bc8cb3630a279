/* SPDX-License-Identifier: MIT */
/*
 * The first instructions: multiboot1 and multiboot2 headers, the 32-bit
 * entry both loaders jump to, and the switch to long mode.
 *
 * Both loaders enter in 32-bit protected mode with paging off; eax holds the
 * loader's magic and ebx the physical address of its information block. We
 * build just enough page tables to run at the linked (high) addresses: the
 * first 4 GiB identity-mapped and at the direct map, and the image's 1 GiB
 * slot. kernel/setup.c replaces them with the final tables.
 */
#include <asm/config.h>

#define PA(x) ((x) - KERNEL_VIRT_START)

#define MB1_MAGIC 0x1badb002
#define MB1_PAGE_ALIGN (1 << 0)
#define MB1_MEMORY_INFO (1 << 1)
#define MB1_AOUT_KLUDGE (1 << 16)
#define MB1_FLAGS (MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_AOUT_KLUDGE)

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_TAG_END 0
#define MB2_TAG_INFO_REQ 1
#define MB2_TAG_ENTRY 3
#define MB2_TAG_CONSOLE 4
#define MB2_TAG_FRAMEBUFFER 5
#define MB2_TAG_MODULE_ALIGN 6
#define MB2_TAG_OPTIONAL 1

#define PTE_P 0x001
#define PTE_RW 0x002
#define PTE_PS 0x080
#define PDE_2M (PTE_P | PTE_RW | PTE_PS)

	.section .text.head, "ax", @progbits
	.code32

	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long PA(mb1_header)   /* header_addr */
	.long PA(__image_start) /* load_addr */
	.long PA(__load_end)   /* load_end_addr */
	.long PA(__bss_end)    /* bss_end_addr */
	.long PA(start32)      /* entry_addr */

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* Information we want; optional, so that an older GRUB still boots us. */
	.balign 8
1:	.short MB2_TAG_INFO_REQ, MB2_TAG_OPTIONAL
	.long 2f - 1b
	.long 1  /* command line */
	.long 2  /* boot loader name */
	.long 3  /* modules */
	.long 6  /* memory map */
	.long 8  /* framebuffer */
	.long 14 /* ACPI 1.0 RSDP */
	.long 15 /* ACPI 2.0 RSDP */
	.long 17 /* EFI memory map */
2:
	.balign 8
	.short MB2_TAG_ENTRY, 0
	.long 12
	.long PA(start32)

	/* Any text or graphics console will do (UEFI machines have no text mode). */
	.balign 8
	.short MB2_TAG_CONSOLE, MB2_TAG_OPTIONAL
	.long 12
	.long 2 /* EGA text supported */

	.balign 8
	.short MB2_TAG_FRAMEBUFFER, MB2_TAG_OPTIONAL
	.long 20
	.long 0, 0, 0 /* no preference: keep what the firmware set */

	.balign 8
	.short MB2_TAG_MODULE_ALIGN, 0
	.long 8

	.balign 8
	.short MB2_TAG_END, 0
	.long 8
mb2_header_end:

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff /* 0x08: 64-bit code, accessed */
	.quad 0x00cf93000000ffff /* 0x10: data, accessed */
boot_gdt_end:
boot_gdt_desc:
	.short boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)

/* Early output before C: "mica: <msg>" on COM1 and the VGA text screen. */
#define COM1 0x3f8
early_fail32:
	/* esi: message (physical address) */
	mov $0xb8000, %edi
1:	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	mov $COM1 + 5, %dx
2:	inb %dx, %al
	test $0x20, %al
	jz 2b
	mov %ah, %al
	mov $COM1, %dx
	outb %al, %dx
	movb %ah, (%edi)
	movb $0x4f, 1(%edi)
	add $2, %edi
	jmp 1b
3:	cli
	hlt
	jmp 3b

	.globl start32
start32:
	cli
	cld
	mov %eax, %edi /* loader magic */
	mov %ebx, %ebp /* loader info block */
	mov $PA(boot_stack_top), %esp

	/* A 64-bit CPU, or a clear message instead of a triple fault. */
	pushfl
	pop %eax
	mov %eax, %ecx
	xor $0x200000, %eax /* can we toggle EFLAGS.ID, i.e. is there cpuid? */
	push %eax
	popfl
	pushfl
	pop %eax
	cmp %eax, %ecx
	je no_long_mode
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_long_mode
	xor %ebx, %ebx
	bt $20, %edx /* NX */
	jnc 1f
	mov $0x800, %ebx /* EFER.NXE */
1:
	/* Four L2 tables of 2 MiB pages: physical 0..4 GiB. */
	mov $PA(boot_l2_ident), %eax
	xor %ecx, %ecx
1:	mov %ecx, %edx
	shl $21, %edx
	or $PDE_2M, %edx
	mov %edx, (%eax, %ecx, 8)
	mov %ecx, %edx
	shr $11, %edx
	mov %edx, 4(%eax, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	mov %cr4, %eax
	or $0x20, %eax /* PAE */
	mov %eax, %cr4
	mov $PA(boot_l4), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x100, %eax /* LME */
	or %ebx, %eax   /* NXE where the CPU has it */
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax /* PG | WP | PE */
	mov %eax, %cr0

	lgdt PA(boot_gdt_desc)
	ljmp $__BOOT_CS, $PA(start64_low)

no_long_mode:
	mov $PA(msg_no_lm), %esi
	jmp early_fail32

	.code64
start64_low:
	movabs $start64, %rax
	jmp *%rax

start64:
	mov $__BOOT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	lea boot_stack_top(%rip), %rsp
	mov %edi, %edi /* magic, zero-extended */
	mov %ebp, %esi /* info block */
	xor %ebp, %ebp /* ends backtraces */
	call __start_mica
1:	cli
	hlt
	jmp 1b

	.section .rodata
msg_no_lm:
	.asciz "mica: this CPU has no 64-bit long mode; mica needs an x86-64 CPU"

	/* Early page tables: entries are physical addresses + flags. */
	.section .data.page_aligned, "aw", @progbits
	.balign PAGE_SIZE
	.globl boot_l4
boot_l4:
	.quad PA(boot_l3_ident) + (PTE_P | PTE_RW)
	.fill (KERNEL_VIRT_START >> L4_PAGE_SHIFT & 511) - 1, 8, 0
	.quad PA(boot_l3_image) + (PTE_P | PTE_RW) /* slot 261 */
	.quad PA(boot_l3_ident) + (PTE_P | PTE_RW) /* slot 262: direct map */
	.fill 511 - (KERNEL_VIRT_START >> L4_PAGE_SHIFT & 511) - 1, 8, 0

	.balign PAGE_SIZE
boot_l3_ident:
	.quad PA(boot_l2_ident) + 0x0000 + (PTE_P | PTE_RW)
	.quad PA(boot_l2_ident) + 0x1000 + (PTE_P | PTE_RW)
	.quad PA(boot_l2_ident) + 0x2000 + (PTE_P | PTE_RW)
	.quad PA(boot_l2_ident) + 0x3000 + (PTE_P | PTE_RW)
	.fill 508, 8, 0

	.balign PAGE_SIZE
boot_l3_image:
	.fill (KERNEL_VIRT_START >> L3_PAGE_SHIFT & 511), 8, 0
	.quad PA(boot_l2_ident) + (PTE_P | PTE_RW)
	.fill 511 - (KERNEL_VIRT_START >> L3_PAGE_SHIFT & 511), 8, 0

	.section .bss.page_aligned, "aw", @nobits
	.balign PAGE_SIZE
boot_l2_ident:
	.skip 4 * PAGE_SIZE

	/* The boot stack, with a page below it that the final tables leave unmapped. */
	.balign PAGE_SIZE
	.globl boot_stack_guard, boot_stack, boot_stack_top
boot_stack_guard:
	.skip PAGE_SIZE
boot_stack:
	.skip STACK_SIZE
boot_stack_top:

	.section mica_guard, "a", @progbits
	.quad boot_stack_guard
