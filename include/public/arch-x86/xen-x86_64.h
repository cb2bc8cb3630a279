/* SPDX-License-Identifier: MIT */
/*
 * Xen's x86-64 PV specifics: the flat segments, the hypervisor's part of
 * the address space, the iret hypercall's frame and the register layout.
 * Included through public/arch-x86/xen.h.
 *
 * Hypercalls: `call hypercall_page + 32 * nr` with the number in rax and
 * arguments in rdi, rsi, rdx, r10, r8, r9; the result comes back in rax.
 */
#ifndef XEN_PUBLIC_ARCH_X86_XEN_X86_64_H
#define XEN_PUBLIC_ARCH_X86_XEN_X86_64_H

#include <public/xen-types.h>

/*
 * Flat 4 GiB segments in the reserved part of every GDT (entries 7172..7174,
 * so a guest need not load a GDT of its own). A 64-bit PV kernel runs in
 * ring 3, so its segments and user mode's are the same ones, with DPL 3;
 * 64-bit data segments are the null selector.
 */
#define FLAT_RING3_CS32 0xe023
#define FLAT_RING3_CS64 0xe033
#define FLAT_RING3_DS32 0xe02b
#define FLAT_RING3_DS64 0x0000
#define FLAT_RING3_SS32 0xe02b
#define FLAT_RING3_SS64 0xe02b

#define FLAT_KERNEL_DS64 FLAT_RING3_DS64
#define FLAT_KERNEL_DS32 FLAT_RING3_DS32
#define FLAT_KERNEL_DS FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64 FLAT_RING3_CS64
#define FLAT_KERNEL_CS32 FLAT_RING3_CS32
#define FLAT_KERNEL_CS FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64 FLAT_RING3_SS64
#define FLAT_KERNEL_SS32 FLAT_RING3_SS32
#define FLAT_KERNEL_SS FLAT_KERNEL_SS64

#define FLAT_USER_DS64 FLAT_RING3_DS64
#define FLAT_USER_DS32 FLAT_RING3_DS32
#define FLAT_USER_DS FLAT_USER_DS64
#define FLAT_USER_CS64 FLAT_RING3_CS64
#define FLAT_USER_CS32 FLAT_RING3_CS32
#define FLAT_USER_CS FLAT_USER_CS64
#define FLAT_USER_SS64 FLAT_RING3_SS64
#define FLAT_USER_SS32 FLAT_RING3_SS32
#define FLAT_USER_SS FLAT_USER_SS64

/*
 * The hypervisor owns L4 slots 256..271; every guest L4 carries them and no
 * guest may map or change them. The first 256 GiB of that is the
 * machine-to-phys table, read-only to guests (XENMEM_machphys_mapping says
 * how much of it is backed).
 */
#define __HYPERVISOR_VIRT_START 0xffff800000000000
#define __HYPERVISOR_VIRT_END 0xffff880000000000
#define __MACH2PHYS_VIRT_START 0xffff800000000000
#define __MACH2PHYS_VIRT_END 0xffff804000000000

/*
 * HYPERVISOR_VIRT_START and _END themselves are left to the includer: mica's
 * asm/config.h defines them (in its own spelling, which would clash), and
 * guests/lib/ from the values here.
 */

#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* set_segment_base(which, base). */
#define SEGBASE_FS 0
#define SEGBASE_GS_USER 1
#define SEGBASE_GS_KERNEL 2
#define SEGBASE_GS_USER_SEL 3 /* load the user gs selector base[15:0] */

/*
 * The iret hypercall pops a struct iret_context from the guest stack. With
 * VGCF_in_syscall in its flags the guest returns as by sysret: rax, rip,
 * rflags and rsp are restored and rcx, r11, cs, ss are not. A cs with
 * RPL 3 returns to guest user mode, anything else to guest kernel mode.
 */
#define _VGCF_in_syscall 8
#define VGCF_in_syscall (1 << _VGCF_in_syscall)
#define VGCF_IN_SYSCALL VGCF_in_syscall

#ifndef __ASSEMBLER__

struct iret_context {
	/* From the top of the stack (rsp at the hypercall) down. */
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

/*
 * A vCPU's registers as VCPUOP_initialise and the toolstack see them. The
 * 64-bit names only: Xen's eax/rax unions are a GNU C convenience.
 */
struct cpu_user_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	uint64_t rbp;
	uint64_t rbx;
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rsi;
	uint64_t rdi;
	uint32_t error_code;   /* private to the hypervisor */
	uint32_t entry_vector; /* private to the hypervisor */
	uint64_t rip;
	uint16_t cs, _pad0[1];
	uint8_t saved_upcall_mask;
	uint8_t _pad1[3];
	uint64_t rflags; /* rflags.IF == !saved_upcall_mask */
	uint64_t rsp;
	uint16_t ss, _pad2[3];
	uint16_t es, _pad3[3];
	uint16_t ds, _pad4[3];
	uint16_t fs, _pad5[3]; /* non-zero: takes precedence over fs_base */
	uint16_t gs,
		_pad6[3]; /* non-zero: takes precedence over gs_base_user */
};

#define xen_pfn_to_cr3(pfn) ((uint64_t)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((uint64_t)(cr3) >> 12)

/* The arch part of vcpu_info: where a bounced #PF leaves its address. */
struct arch_vcpu_info {
	uint64_t cr2;
	uint64_t pad; /* sizeof(struct vcpu_info) == 64 */
};

/* A callback's address: on x86-64 the cs is implied (FLAT_KERNEL_CS). */
typedef uint64_t xen_callback_t;

XEN_ABI_SIZE(struct iret_context, 72);
XEN_ABI_SIZE(struct cpu_user_regs, 200);
XEN_ABI_OFFSET(struct cpu_user_regs, error_code, 120);
XEN_ABI_OFFSET(struct cpu_user_regs, rip, 128);
XEN_ABI_OFFSET(struct cpu_user_regs, cs, 136);
XEN_ABI_OFFSET(struct cpu_user_regs, saved_upcall_mask, 140);
XEN_ABI_OFFSET(struct cpu_user_regs, rflags, 144);
XEN_ABI_OFFSET(struct cpu_user_regs, ss, 160);
XEN_ABI_SIZE(struct arch_vcpu_info, 16);
XEN_ABI_CHECK(MACH2PHYS_NR_ENTRIES == 1UL << 35);

#endif /* !__ASSEMBLER__ */

#endif
