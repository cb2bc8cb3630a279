/* SPDX-License-Identifier: MIT */
/* Internals shared by the files of kernel/pv/. */
#ifndef KERNEL_PV_PV_H
#define KERNEL_PV_PV_H

#include <asm/traps.h>
#include <mica/domain.h>
#include <public/xen.h>

#define VECTOR_SYSCALL 256   /* syscall from 64-bit code (entry.S) */
#define VECTOR_SYSCALL32 257 /* syscall from compatibility mode */

/* The guest kernel's flat code selector with RPL 0, as bounce frames show it. */
#define FLAT_KERNEL_CS_RPL0 (FLAT_KERNEL_CS64 & ~3)

/* domain.c */
void domain_reap(void);
void pv_audit_all(void);
__printf(2, 3) void domain_crash(struct domain *d, const char *fmt, ...);
void domain_shutdown(struct domain *d, unsigned int reason);

struct page_info *virt_to_page(const void *va);
/* xenheap pages a guest may map (shared_info, grant frames). */
void share_xen_page_with_guest(struct page_info *pg, struct domain *d);
void unshare_xen_page_with_guest(struct page_info *pg, const struct domain *d);
struct domain *domain_create(domid_t id, const char *name,
			     unsigned long max_pages, bool privileged);
void domain_free(struct domain *d);
/* Guest console output, a line at a time with the (dN) prefix. */
void pv_console_put(struct domain *d, const char *s, size_t n);

/* grant.c */
long do_grant_table_op(unsigned long cmd, unsigned long arg,
		       unsigned long count);
void grant_table_destroy(struct domain *d);

/* sysctl.c: the initial domain's sysctl (debug_keys) */
long do_sysctl(unsigned long arg);

/* arch.c: the CPU state of a vCPU; whether the M2P is there */
extern bool pv_m2p_ready;
int pv_load_user_gs_sel(struct vcpu *v, uint16_t sel);
void pv_release_gdt(struct vcpu *v);
void pv_fpu_switch(struct vcpu *prev, struct vcpu *next);

/* sched.c / context switching */
void pv_load_cr3(struct vcpu *v);
void pv_load_data_selectors(struct vcpu *v);
/* set_timer_op's deadline passed: raise VIRQ_TIMER (event.c). */
void pv_timer_fired(struct vcpu *v);

/* traps.c */
void pv_syscall(struct cpu_regs *regs);
void pv_guest_exception(struct cpu_regs *regs);
/* Deliver an exception to the guest's handler: 0, or the domain crashed. */
int pv_inject_trap(struct vcpu *v, unsigned int vector, bool has_error,
		   uint32_t error_code);
/* Switch between guest kernel and guest user mode (page tables, gs). */
void pv_toggle_guest_mode(struct vcpu *v);
long do_iret(void);

/* hypercall.c */
void pv_hypercall(struct cpu_regs *regs);

/* time.c: vcpu_time_info and the wall clock in shared_info. */
void pv_update_vcpu_time(struct vcpu *v);
void pv_init_wallclock(struct domain *d);
/* The time of day at system time 0 (from the RTC at boot). */
void pv_set_wallclock(uint64_t sec, uint32_t nsec);
uint64_t pv_system_time(void);

/* event.c */
int evtchn_init(struct domain *d);
void evtchn_destroy(struct domain *d);
/* Set a port pending (guest-visible), waking a blocked or polling vCPU. */
void evtchn_set_pending(struct domain *d, unsigned int port);
int evtchn_alloc_unbound_xen(struct domain *d);
long do_event_channel_op(unsigned long cmd, unsigned long arg);
void evtchn_console_kick(struct domain *d); /* a domU rang its console port */

#endif
