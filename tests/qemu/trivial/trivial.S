/* SPDX-License-Identifier: MIT */
/*
 * The floor for `make bench`: the least a kernel can do on QEMU's -kernel
 * path. A multiboot1 ELF32 image that prints one line on COM1 and powers
 * the machine off, so that mica's boot time can be quoted as a ratio to it
 * within one run.
 *
 * Everything machine-specific is hard-coded, which is acceptable only
 * because this is a measurement floor, never a kernel anyone boots: COM1
 * at 0x3f8 is used as the firmware left it (no UART programming), and the
 * power-off writes SLP_TYP 0 | SLP_EN to PIIX4's PM1a control register at
 * port 0x604, where SeaBIOS puts it on QEMU's pc machine (a real kernel
 * takes both from the FADT and the DSDT's \_S5 package, as mica does).
 */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0
#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20
#define PIIX4_PM1A_CNT 0x604
#define PM1_SLP_EN (1 << 13)

	.text
	.code32

	/* Must lie in the first 8 KiB of the file: it is the first thing in .text. */
	.balign 4
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

	.globl start
start:
	cli
	mov $msg, %esi
1:	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	mov $COM1_LSR, %dx
2:	inb %dx, %al
	test $LSR_THRE, %al
	jz 2b
	mov %ah, %al
	mov $COM1, %dx
	outb %al, %dx
	jmp 1b

3:	mov $PIIX4_PM1A_CNT, %dx
	mov $PM1_SLP_EN, %ax
	outw %ax, %dx
	/* Not a QEMU pc machine after all: stop here rather than run on. */
4:	hlt
	jmp 4b

	.section .rodata
msg:
	.asciz "trivial: ready\r\n"
