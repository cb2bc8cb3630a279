/* SPDX-License-Identifier: MIT */
/*
 * Domains and their virtual CPUs.
 *
 * A domain owns memory (page_list, accounted in tot_pages against
 * max_pages), a shared_info page, event channels and one or more vCPUs.
 * The heap (mm/) uses only the memory fields; kernel/domain.c creates and
 * destroys domains, kernel/pv/ builds and runs them.
 *
 * A PV vCPU runs its guest kernel and guest user code both in ring 3, on
 * two page tables (guest_table, guest_table_user). Its guest registers are
 * the struct cpu_regs at the top of its own hypervisor stack: every entry
 * from the guest saves them there and every return restores them.
 */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include <asm/traps.h>
#include <mica/mm.h>

typedef uint16_t domid_t;

#include <public/xen.h> /* DOMID_* */

/* vCPUs per domain the structures allow (the builder makes one). */
#define MAX_VIRT_CPUS 4
/* The guest's GDT frames (set_gdt): entries below Xen's reserved ones. */
#define NR_GUEST_GDT_FRAMES 14
#define NR_GUEST_GDT_ENTRIES (NR_GUEST_GDT_FRAMES * 512)

/* A trap-table entry, as set_trap_table gives it (struct trap_info). */
struct pv_trap {
	uint8_t vector;
	uint8_t flags; /* bits 0..1: DPL; bit 2: clear the upcall mask */
	uint16_t cs;
	unsigned long address;
};

enum vcpu_state {
	VCPU_runnable, /* running, or waiting for the CPU */
	VCPU_blocked,  /* sched_op block/poll, until an event or a timeout */
	VCPU_down,     /* not started, or its domain is gone */
};

struct domain;

struct vcpu {
	unsigned int vcpu_id;
	struct domain *domain;
	enum vcpu_state state;

	/* The hypervisor stack (vmalloc, guard pages), and its saved rsp. */
	void *stack;
	unsigned long hyp_rsp;
	/* The guest's registers, at the top of the stack. */
	struct cpu_regs *regs;

	/* Page tables: mfns with a PGT_l4 type reference each, or INVALID. */
	mfn_t guest_table;	/* kernel mode's L4 */
	mfn_t guest_table_user; /* user mode's L4, INVALID_MFN until set */
	bool kernel_mode;	/* guest kernel (true) or guest user mode */

	/* stack_switch: the kernel stack exceptions from user mode land on. */
	unsigned long kernel_ss, kernel_sp;

	struct pv_trap trap_ctxt[256];
	unsigned long event_callback, failsafe_callback, syscall_callback;
	bool syscall_mask_events; /* CALLBACKF_mask_events of the syscall one */

	/* set_segment_base; the user gs base lives in the shadow register. */
	unsigned long fs_base, gs_base_kernel, gs_base_user;

	/* Data selectors the guest loaded, kept across context switches. */
	uint16_t sel_ds, sel_es, sel_fs, sel_gs;

	/* set_gdt: the guest's descriptor frames (PGT_seg_desc references). */
	mfn_t gdt_frames[NR_GUEST_GDT_FRAMES];
	unsigned int nr_gdt_frames, gdt_ents;

	unsigned long cr2; /* the virtual cr2 of the last bounced #PF */
	bool fpu_ts;	   /* fpu_taskswitch: the guest's view of cr0.TS */
	unsigned int iopl; /* physdev_op set_iopl: 0..3 */

	/* The vCPU's slot in shared_info. */
	struct vcpu_info *vcpu_info;

	/* set_timer_op's deadline (system time, ns; 0 = none). */
	uint64_t timer_deadline;
	/*
	 * The periodic VIRQ_TIMER every vCPU starts with, as in Xen (10 ms;
	 * VCPUOP_stop_periodic_timer sets 0), and when it next fires.
	 */
	uint64_t periodic_period, periodic_next;
	/* sched_op poll: the ports watched, and the timeout. */
	uint64_t poll_deadline;
	unsigned long poll_mask[1]; /* ports 0..63 */
	bool polling;

	/*
	 * A hypercall continuation made inside a multicall: the entry's new
	 * arguments, for the multicall to write back (kernel/pv/hypercall.c).
	 */
	bool in_multicall, hcall_preempted;
	unsigned long mc_args[6];

	/* The scheduler's run queue. */
	struct vcpu *next_in_queue;

	/* The guest's x87/SSE state (fxsave) while another vCPU runs. */
	uint8_t fpu_state[512] __aligned(16);
};

struct domain {
	domid_t domain_id;
	char name[32];
	bool is_privileged; /* the initial domain: SIF_INITDOMAIN|PRIVILEGED */

	/* Pages assigned to the domain, linked through page_info.next/prev. */
	struct page_list_head page_list;
	unsigned long tot_pages; /* pages on page_list */
	unsigned long max_pages; /* assign_pages refuses beyond this */
	/* Largest extent_order memory_op grants (memop_max_order). */
	unsigned int max_extent_order;

	/* shared_info: a xenheap page the guest maps. */
	struct shared_info *shared_info;
	/* The ring pages of an ordinary domain's console and xenstore. */
	mfn_t console_mfn, store_mfn;
	unsigned int console_port, store_port;

	struct vcpu *vcpu[MAX_VIRT_CPUS];
	unsigned int max_vcpus;

	unsigned long vm_assist; /* VMASST_TYPE_* bits */
	/* Superpage entries in its validated L2 tables (mm/pv_mm.c). */
	unsigned long nr_superpages;

	/* Event channels (kernel/pv/event.c) and grant table (grant.c). */
	struct evtchn *evtchn;
	unsigned int nr_evtchn;
	struct grant_table *grant_table;

	bool is_dying; /* shutting down: no vCPU runs again */
	unsigned int shutdown_code;
	/* heap_free_pages() before the domain was built, for the audit. */
	unsigned long free_before;
	/* console_io output waiting for its newline. */
	char cons_buf[160];
	unsigned int cons_len;
	struct domain *next; /* the list of all domains */
};

/* Every domain but the idle one, newest last. */
extern struct domain *domain_list;

/* Set up the memory fields of a new domain. */
void domain_mm_init(struct domain *d, domid_t id, unsigned long max_pages);

/* Free every page d still owns; returns how many. */
unsigned long domain_relinquish_memory(struct domain *d);

#ifndef MICA_HOST
/* The vCPU running on this CPU (the idle vCPU when no guest is). */
extern struct vcpu *current;
#else
extern struct vcpu *host_current;
#define current host_current
#endif

#endif
