/* SPDX-License-Identifier: MIT */
/*
 * From UEFI's long mode to mica's multiboot2 entry, the state the
 * Multiboot2 specification (section 3.3, i386) promises: 32-bit protected
 * mode, paging off, flat 4 GiB code and data segments, interrupts off,
 * eax = 0x36d76289, ebx = the information block's physical address.
 *
 *     void handoff(uint32_t entry, uint32_t info);   (SysV: edi, esi)
 *
 * efi/main.c copies [handoff_start, handoff_end) into a page below 4 GiB
 * and calls the copy there after ExitBootServices(): once the CPU is in
 * 32-bit mode, the code, its GDT and its stack must all be reachable with
 * 32-bit addresses, and UEFI loads mica.efi itself wherever it likes. The
 * blob is position independent (only rip-relative references in 64-bit
 * code; the 32-bit half uses registers only), and UEFI identity-maps all
 * memory, so the copy runs at its physical address, which the switch off
 * paging needs.
 */
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define CS32 0x08
#define DS32 0x10
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define CR4_PCIDE (1 << 17)

	.section .text.handoff, "ax", @progbits
	.code64
	.globl handoff_start, handoff_end
	.hidden handoff_start, handoff_end
handoff_start:
	cli
	cld
	mov %edi, %ebp /* entry: 32-bit, physical */
	mov %esi, %ebx /* info: stays in ebx for the entry */
	lea handoff_stack_top(%rip), %rsp

	/* The GDT's address is only known once the blob is copied. */
	lea handoff_gdt(%rip), %rax
	mov %rax, handoff_gdtr + 2(%rip)
	lgdt handoff_gdtr(%rip)

	/* Clearing CR0.PG with CR4.PCIDE set faults; firmware may use PCIDs. */
	mov %cr4, %rax
	and $~CR4_PCIDE, %rax
	mov %rax, %cr4

	/* A far return into a 32-bit code segment: compatibility mode. */
	lea 1f(%rip), %rax
	pushq $CS32
	push %rax
	lretq

	.code32
1:	mov $DS32, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss

	/* Paging off leaves long mode (EFER.LMA clears by itself)... */
	mov %cr0, %eax
	and $0x7fffffff, %eax /* ~CR0_PG */
	mov %eax, %cr0
	/* ...and LME off keeps it off when mica turns paging back on. */
	mov $MSR_EFER, %ecx
	rdmsr
	and $~EFER_LME, %eax
	wrmsr
	/*
	 * CR4 as a BIOS leaves it: mica's start32 sets PAE itself, and a
	 * firmware's LA57 or PGE would otherwise leak into mica's tables.
	 */
	xor %eax, %eax
	mov %eax, %cr4

	mov $MB2_BOOTLOADER_MAGIC, %eax
	jmp *%ebp

	.balign 8
handoff_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff /* CS32: code, 32-bit, base 0, limit 4 GiB */
	.quad 0x00cf93000000ffff /* DS32: data, base 0, limit 4 GiB */
handoff_gdt_end:
	.balign 8
	.short 0, 0, 0
handoff_gdtr:
	.short handoff_gdt_end - handoff_gdt - 1
	.quad 0 /* the base, filled in above */

	/* Two pushes for the far return; a little more for an NMI's frame. */
	.balign 16
	.skip 128
handoff_stack_top:
handoff_end:
