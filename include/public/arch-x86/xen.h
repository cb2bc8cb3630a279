/* SPDX-License-Identifier: MIT */
/*
 * Xen's x86 PV definitions common to 32- and 64-bit guests, of which only
 * 64-bit ones are described here: the reserved GDT entries, trap_info for
 * set_trap_table, a vCPU's full context, and arch_shared_info.
 */
#ifndef XEN_PUBLIC_ARCH_X86_XEN_H
#define XEN_PUBLIC_ARCH_X86_XEN_H

#include <public/arch-x86/xen-x86_64.h>

/*
 * Xen keeps the GDT's last two pages (from entry 7168) for itself: the flat
 * selectors live there, out of the way of the hard-coded selectors some
 * OSes use near the start. set_gdt takes at most 14 guest frames.
 */
#define FIRST_RESERVED_GDT_PAGE 14
#define FIRST_RESERVED_GDT_BYTE (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)

/* vCPUs whose vcpu_info fits in shared_info (more use VCPUOP_register_vcpu_info). */
#define XEN_LEGACY_MAX_VCPUS 32

/*
 * The forced-emulation prefix: ud2 then "xen". The hypervisor emulates the
 * instruction after it (only cpuid), so that a PV kernel in ring 3 sees the
 * CPUID the hypervisor chooses rather than the hardware's.
 */
#ifdef __ASSEMBLER__
#define XEN_EMULATE_PREFIX .byte 0x0f, 0x0b, 0x78, 0x65, 0x6e;
#define XEN_CPUID XEN_EMULATE_PREFIX cpuid
#else
#define XEN_EMULATE_PREFIX ".byte 0x0f,0x0b,0x78,0x65,0x6e ; "
#define XEN_CPUID XEN_EMULATE_PREFIX "cpuid"
#endif

#ifndef __ASSEMBLER__

/*
 * One entry of set_trap_table's array, which ends with an entry whose
 * address is 0. flags bits 0..1 are the DPL an `int n` needs: on x86-64
 * levels 1 and 2 both mean the guest kernel may, 3 that user mode may too,
 * 0 that nobody may. Bit 2 masks events (the upcall mask) on entry, as an
 * interrupt gate clears IF.
 */
struct trap_info {
	uint8_t vector;
	uint8_t flags;
	uint16_t cs;
	uint64_t address;
};
typedef struct trap_info trap_info_t;

#define TI_GET_DPL(_ti) ((_ti)->flags & 3)
#define TI_GET_IF(_ti) ((_ti)->flags & 4)
#define TI_SET_DPL(_ti, _dpl) ((_ti)->flags |= (_dpl))
#define TI_SET_IF(_ti, _if) ((_ti)->flags |= ((!!(_if)) << 2))

/* A vCPU's whole state, for VCPUOP_initialise. */
struct vcpu_guest_context {
	/* First, so that FXSAVE/FXRSTOR find it 16-byte aligned. */
	struct {
		char x[512];
	} fpu_ctxt;
#define VGCF_I387_VALID (1 << 0)
#define VGCF_IN_KERNEL (1 << 2)
#define _VGCF_i387_valid 0
#define VGCF_i387_valid (1 << _VGCF_i387_valid)
#define _VGCF_in_kernel 2
#define VGCF_in_kernel (1 << _VGCF_in_kernel)
#define _VGCF_failsafe_disables_events 3
#define VGCF_failsafe_disables_events (1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events 4
#define VGCF_syscall_disables_events (1 << _VGCF_syscall_disables_events)
#define _VGCF_online 5
#define VGCF_online (1 << _VGCF_online)
	uint64_t flags;
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256];
	uint64_t ldt_base, ldt_ents;
	uint64_t gdt_frames[16], gdt_ents; /* machine frames */
	uint64_t kernel_ss, kernel_sp;	   /* the stack_switch values */
	uint64_t ctrlreg[8]; /* ctrlreg[1] is the user L4 (x86-64) */
	uint64_t debugreg[8];
	uint64_t event_callback_eip;
	uint64_t failsafe_callback_eip;
	uint64_t syscall_callback_eip;
	uint64_t vm_assist; /* VMASST_TYPE_* bitmap */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
};

struct arch_shared_info {
	/* Entries in the p2m that pfn_to_mfn_frame_list_list or p2m_vaddr map. */
	uint64_t max_pfn;
	/* A frame listing the frames that list the p2m's frames (3 levels). */
	xen_pfn_t pfn_to_mfn_frame_list_list;
	uint64_t nmi_reason;
	/*
	 * The guest's own linear p2m: p2m_cr3 (an L4 in cr3 format, 0 for
	 * none) maps it at p2m_vaddr; p2m_generation is odd while it changes.
	 */
	uint64_t p2m_cr3;
	uint64_t p2m_vaddr;
	uint64_t p2m_generation;
};

XEN_ABI_SIZE(struct trap_info, 16);
XEN_ABI_OFFSET(struct trap_info, address, 8);
XEN_ABI_SIZE(struct arch_shared_info, 48);
XEN_ABI_OFFSET(struct vcpu_guest_context, user_regs, 520);
XEN_ABI_OFFSET(struct vcpu_guest_context, trap_ctxt, 720);
XEN_ABI_OFFSET(struct vcpu_guest_context, kernel_ss, 4968);
XEN_ABI_OFFSET(struct vcpu_guest_context, ctrlreg, 4984);
XEN_ABI_SIZE(struct vcpu_guest_context, 5168);

#endif /* !__ASSEMBLER__ */

#endif
