/* SPDX-License-Identifier: MIT */
/*
 * Xen's PV guest ABI, x86-64: hypercall numbers, the start-of-day
 * structures (start_info, shared_info, vcpu_info), and the arguments of the
 * memory-management hypercalls. Written from the facts in Xen's public
 * xen/include/public/xen.h; mica and its guests both include it.
 */
#ifndef XEN_PUBLIC_XEN_H
#define XEN_PUBLIC_XEN_H

#include <public/arch-x86/xen.h>
#include <public/xen-types.h>

/* Hypercall numbers: the stub at hypercall_page + 32 * nr issues each. */
#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_set_gdt 2
#define __HYPERVISOR_stack_switch 3
#define __HYPERVISOR_set_callbacks 4
#define __HYPERVISOR_fpu_taskswitch 5
#define __HYPERVISOR_sched_op_compat 6 /* compat since 0x00030101 */
#define __HYPERVISOR_platform_op 7
#define __HYPERVISOR_set_debugreg 8
#define __HYPERVISOR_get_debugreg 9
#define __HYPERVISOR_update_descriptor 10
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_event_channel_op_compat 16 /* compat since 0x00030202 */
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_physdev_op_compat 19 /* compat since 0x00030202 */
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret 23
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_set_segment_base 25
#define __HYPERVISOR_mmuext_op 26
#define __HYPERVISOR_xsm_op 27
#define __HYPERVISOR_nmi_op 28
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_callback_op 30
#define __HYPERVISOR_xenoprof_op 31
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define __HYPERVISOR_kexec_op 37
#define __HYPERVISOR_tmem_op 38
#define __HYPERVISOR_xc_reserved_op 39
#define __HYPERVISOR_xenpmu_op 40
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_7 55

/* The hypercall page: this many 32-byte stubs. */
#define XEN_HYPERCALL_STUB_SIZE 32
#define XEN_NR_HYPERCALL_STUBS (4096 / XEN_HYPERCALL_STUB_SIZE)

/*
 * Virtual interrupts, bound to event channels with EVTCHNOP_bind_virq.
 * Per-vCPU ones (V) bind once per vCPU; global ones (G) once per domain.
 */
#define VIRQ_TIMER 0	    /* V: timer (set_timer_op, singleshot timer) */
#define VIRQ_DEBUG 1	    /* V: dump debug information */
#define VIRQ_CONSOLE 2	    /* G: (initial domain) input on the console */
#define VIRQ_DOM_EXC 3	    /* G: (initial domain) a domain did something */
#define VIRQ_TBUF 4	    /* G: (initial domain) trace records ready */
#define VIRQ_DEBUGGER 6	    /* G: (initial domain) a domain paused */
#define VIRQ_XENOPROF 7	    /* V: profiling sample */
#define VIRQ_CON_RING 8	    /* G: (initial domain) hypervisor console ring */
#define VIRQ_PCPU_STATE 9   /* G: (initial domain) a physical CPU changed */
#define VIRQ_MEM_EVENT 10   /* G: (initial domain) a memory event */
#define VIRQ_XC_RESERVED 11 /* G: reserved */
#define VIRQ_ENOMEM 12	    /* G: (initial domain) the heap runs low */
#define VIRQ_XENPMU 13	    /* V: PMC interrupt */
#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_7 23
#define NR_VIRQS 24

/*
 * mmu_update(reqs, count, done, foreigndom): each request's ptr holds a
 * machine address with the command in its low two bits.
 *   MMU_NORMAL_PT_UPDATE: write val into the PTE at machine address ptr,
 *     checked (a page-table frame never gets a writable mapping, entries
 *     only reach frames the guest owns).
 *   MMU_MACHPHYS_UPDATE: set the M2P entry of the frame containing ptr to
 *     val.
 *   MMU_PT_UPDATE_PRESERVE_AD: as NORMAL, keeping the A and D bits the PTE
 *     has.
 * A "page table" that is an ordinary writable frame of the guest's is
 * written as it is: Xen checks only frames that have a page-table type.
 * foreigndom bits 15..0 are the owner of the frames mapped (DOMID_SELF);
 * bits 31..16 are 0 or 1 + the owner of the page tables written.
 */
#define MMU_NORMAL_PT_UPDATE 0
#define MMU_MACHPHYS_UPDATE 1
#define MMU_PT_UPDATE_PRESERVE_AD 2
/* As NORMAL, val never translated through foreigndom's p2m. */
#define MMU_PT_UPDATE_NO_TRANSLATE 3

/*
 * mmuext_op(ops, count, done, foreigndom) commands. arg1 is the mfn for the
 * pins, unpin and the base pointers, the linear address for the invlpgs and
 * SET_LDT; arg2 the LDT's entry count or a vCPU bitmap pointer.
 */
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_PIN_L2_TABLE 1
#define MMUEXT_PIN_L3_TABLE 2
#define MMUEXT_PIN_L4_TABLE 3
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_NEW_BASEPTR 5
#define MMUEXT_TLB_FLUSH_LOCAL 6
#define MMUEXT_INVLPG_LOCAL 7
#define MMUEXT_TLB_FLUSH_MULTI 8
#define MMUEXT_INVLPG_MULTI 9
#define MMUEXT_TLB_FLUSH_ALL 10
#define MMUEXT_INVLPG_ALL 11
#define MMUEXT_FLUSH_CACHE 12
#define MMUEXT_SET_LDT 13
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE 16
#define MMUEXT_COPY_PAGE 17
#define MMUEXT_FLUSH_CACHE_GLOBAL 18
#define MMUEXT_MARK_SUPER 19
#define MMUEXT_UNMARK_SUPER 20

/*
 * update_va_mapping(va, pte, flags): the flush to do afterwards. UVMF_MULTI
 * is or-ed with a pointer to a vCPU bitmap; UVMF_LOCAL is MULTI with none.
 */
#define UVMF_NONE (xen_mk_ulong(0) << 0)
#define UVMF_TLB_FLUSH (xen_mk_ulong(1) << 0)
#define UVMF_INVLPG (xen_mk_ulong(2) << 0)
#define UVMF_FLUSHTYPE_MASK (xen_mk_ulong(3) << 0)
#define UVMF_MULTI (xen_mk_ulong(0) << 2)
#define UVMF_LOCAL (xen_mk_ulong(0) << 2)
#define UVMF_ALL (xen_mk_ulong(1) << 2)

/* console_io(cmd, count, buffer). */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* vm_assist(cmd, type). */
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_4gb_segments 0	  /* x86-32 only */
#define VMASST_TYPE_4gb_segments_notify 1 /* x86-32 only */
/* Writes to L1 entries are emulated as mmu_update (never to upper levels). */
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3 3 /* x86-32 PAE only */
/* Keep the M2P out of user mode's L4s, rather than in every L4. */
#define VMASST_TYPE_m2p_strict 32

/*
 * Domain ids from DOMID_FIRST_RESERVED up name no ordinary domain.
 * (mica's mica/domain.h spells DOMID_SELF and DOMID_INVALID the same way.)
 */
#define DOMID_FIRST_RESERVED 0x7ff0U
#define DOMID_SELF 0x7ff0U
#define DOMID_IO 0x7ff1U  /* I/O mappings only (mmu_update foreigndom) */
#define DOMID_XEN 0x7ff2U /* the hypervisor's own frames */
#define DOMID_COW 0x7ff3U /* the owner of shared pages */
#define DOMID_INVALID 0x7ff4U
#define DOMID_IDLE 0x7fffU

/* start_info.flags. */
#define SIF_PRIVILEGED (1 << 0)	   /* the domain is privileged */
#define SIF_INITDOMAIN (1 << 1)	   /* the initial domain (dom0) */
#define SIF_MULTIBOOT_MOD (1 << 2) /* mod_start is a multiboot module list */
#define SIF_MOD_START_PFN (1 << 3) /* mod_start is a pfn, not an address */
#define SIF_VIRT_P2M_4TOOLS (1 << 4)
#define SIF_PM_MASK (0xff << 8)

#define MAX_GUEST_CMDLINE 1024

#ifndef __ASSEMBLER__

struct mmuext_op {
	uint32_t cmd; /* MMUEXT_* */
	union {
		xen_pfn_t mfn;
		uint64_t linear_addr;
	} arg1;
	union {
		uint32_t nr_ents;
		XEN_GUEST_HANDLE(const void) vcpumask;
		xen_pfn_t src_mfn; /* COPY_PAGE */
	} arg2;
};
typedef struct mmuext_op mmuext_op_t;

struct mmu_update {
	uint64_t ptr; /* machine address of the PTE, command in bits 1..0 */
	uint64_t val; /* the new PTE */
};
typedef struct mmu_update mmu_update_t;

/* multicall(entries, nr): each entry is a hypercall and its result. */
struct multicall_entry {
	xen_ulong_t op, result;
	xen_ulong_t args[6];
};
typedef struct multicall_entry multicall_entry_t;

/*
 * System time, per vCPU: now (ns since boot) is
 *   system_time + ((((tsc - tsc_timestamp) << tsc_shift)
 *                   * tsc_to_system_mul) >> 32)
 * (a negative tsc_shift shifts right). version is odd while the hypervisor
 * updates the others: read it, the fields, then it again, and retry if it
 * changed or was odd.
 */
struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	int8_t pad1[3];
};
typedef struct vcpu_time_info vcpu_time_info_t;

struct vcpu_info {
	/*
	 * Set by the hypervisor when an event is pending for this vCPU; the
	 * guest clears it before looking at evtchn_pending_sel, so that no
	 * event set in between is missed. While evtchn_upcall_mask is set
	 * no upcall is made: the guest's interrupt flag.
	 */
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	/* Which words of shared_info.evtchn_pending to look at. */
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};
typedef struct vcpu_info vcpu_info_t;

/*
 * The page the hypervisor shares with a domain (start_info.shared_info is
 * its machine address; the guest maps it itself). Guests must not rely on
 * its size: only on the offsets of what it contains.
 */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];

	/*
	 * Event channels, one bit each (the 2-level ABI: 64 x 64 ports). A
	 * pending bit that goes 0 -> 1 on an unmasked port sets its word's
	 * bit in evtchn_pending_sel and the vCPU's upcall_pending. The guest
	 * clears pending bits; the hypervisor only reads the mask.
	 */
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];

	/* The wall-clock time at system time 0, versioned as vcpu_time_info. */
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;

	struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/*
 * Where a PV domain starts (rsi holds its virtual address). The builder
 * maps one virtually contiguous region from the ELF's virt_base onto pfns
 * 0, 1, ... in this order, each part page-aligned:
 *   the kernel image; the initial ram disk (mod_start, if any); the p2m,
 *   nr_pages entries of 8 bytes (mfn_list); this start_info page; unless
 *   the initial domain, the xenstore ring and then the console ring page;
 *   the bootstrap page tables (pt_base, mapped read-only); the boot stack
 *   (rsp); at least 512 KiB of padding, the end aligned to 4 MiB.
 * Everything in the region is mapped writable except the page tables.
 */
struct start_info {
	/* Filled in at boot and on resume. */
	char magic[32];	      /* "xen-<version>-<platform>": "xen-3.0-x86_64" */
	uint64_t nr_pages;    /* pages the domain has */
	uint64_t shared_info; /* machine address of struct shared_info */
	uint32_t flags;	      /* SIF_* */
	xen_pfn_t store_mfn;  /* xenstore ring (mfn) */
	uint32_t store_evtchn;
	union {
		struct {
			xen_pfn_t mfn; /* console ring (mfn) */
			uint32_t evtchn;
		} domU;
		struct {
			/* The initial domain's dom0_vga_console_info. */
			uint32_t info_off;  /* offset in this page */
			uint32_t info_size; /* its size from info_off */
		} dom0;
	} console;
	/* Filled in at boot only. */
	uint64_t pt_base;      /* virtual address of the L4 */
	uint64_t nr_pt_frames; /* frames of bootstrap page tables */
	uint64_t mfn_list;     /* virtual address of the p2m */
	uint64_t mod_start;    /* virtual address (or pfn) of the ram disk */
	uint64_t mod_len;      /* its size in bytes */
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	/* The pfns the initial page tables and p2m occupy. */
	uint64_t first_p2m_pfn;
	uint64_t nr_p2m_frames;
};
typedef struct start_info start_info_t;

/*
 * The initial domain's console (start_info.console.dom0: at info_off in the
 * start_info page, info_size bytes of it valid; later fields may follow).
 */
struct dom0_vga_console_info {
	uint8_t video_type; /* XEN_VGATYPE_* */
	union {
		struct {
			uint16_t font_height; /* pixels */
			uint16_t cursor_x, cursor_y;
			uint16_t rows, columns;
		} text_mode_3;
		struct {
			uint16_t width, height; /* pixels */
			uint16_t bytes_per_line;
			uint16_t bits_per_pixel;
			uint32_t lfb_base;
			uint32_t lfb_size; /* 64 KiB units */
			uint8_t red_pos, red_size;
			uint8_t green_pos, green_size;
			uint8_t blue_pos, blue_size;
			uint8_t rsvd_pos, rsvd_size;
			uint32_t gbl_caps;   /* VESA capabilities (0x4f00) */
			uint16_t mode_attrs; /* mode attributes (0x4f01) */
		} vesa_lfb;
	} u;
};
typedef struct dom0_vga_console_info dom0_vga_console_info_t;

#define XEN_VGATYPE_TEXT_MODE_3 0x03
#define XEN_VGATYPE_VESA_LFB 0x23
#define XEN_VGATYPE_EFI_LFB 0x70

/* The magic's first bytes for a 64-bit PV guest of any Xen 3.0 or later. */
#define XEN_START_INFO_MAGIC "xen-3.0-x86_64"

XEN_ABI_SIZE(struct mmuext_op, 24);
XEN_ABI_OFFSET(struct mmuext_op, arg1, 8);
XEN_ABI_OFFSET(struct mmuext_op, arg2, 16);
XEN_ABI_SIZE(struct mmu_update, 16);
XEN_ABI_SIZE(struct multicall_entry, 64);
XEN_ABI_SIZE(struct vcpu_time_info, 32);
XEN_ABI_OFFSET(struct vcpu_time_info, tsc_to_system_mul, 24);
XEN_ABI_OFFSET(struct vcpu_time_info, tsc_shift, 28);
XEN_ABI_SIZE(struct vcpu_info, 64);
XEN_ABI_OFFSET(struct vcpu_info, evtchn_pending_sel, 8);
XEN_ABI_OFFSET(struct vcpu_info, arch, 16);
XEN_ABI_OFFSET(struct vcpu_info, time, 32);
XEN_ABI_OFFSET(struct shared_info, evtchn_pending, 2048);
XEN_ABI_OFFSET(struct shared_info, evtchn_mask, 2560);
XEN_ABI_OFFSET(struct shared_info, wc_version, 3072);
XEN_ABI_OFFSET(struct shared_info, wc_sec_hi, 3084);
XEN_ABI_OFFSET(struct shared_info, arch, 3088);
XEN_ABI_SIZE(struct shared_info, 3136);
XEN_ABI_OFFSET(struct start_info, nr_pages, 32);
XEN_ABI_OFFSET(struct start_info, shared_info, 40);
XEN_ABI_OFFSET(struct start_info, flags, 48);
XEN_ABI_OFFSET(struct start_info, store_mfn, 56);
XEN_ABI_OFFSET(struct start_info, store_evtchn, 64);
XEN_ABI_OFFSET(struct start_info, console.domU.mfn, 72);
XEN_ABI_OFFSET(struct start_info, console.domU.evtchn, 80);
XEN_ABI_OFFSET(struct start_info, pt_base, 88);
XEN_ABI_OFFSET(struct start_info, nr_pt_frames, 96);
XEN_ABI_OFFSET(struct start_info, mfn_list, 104);
XEN_ABI_OFFSET(struct start_info, mod_start, 112);
XEN_ABI_OFFSET(struct start_info, mod_len, 120);
XEN_ABI_OFFSET(struct start_info, cmd_line, 128);
XEN_ABI_OFFSET(struct start_info, first_p2m_pfn, 1152);
XEN_ABI_OFFSET(struct start_info, nr_p2m_frames, 1160);
XEN_ABI_SIZE(struct start_info, 1168);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u, 4);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.lfb_base, 12);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.gbl_caps, 28);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.mode_attrs, 32);

#endif /* !__ASSEMBLER__ */

#endif
