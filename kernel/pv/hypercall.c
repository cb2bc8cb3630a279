/* SPDX-License-Identifier: MIT */
/*
 * The hypercall table and the hypercalls that only touch the calling vCPU
 * or its domain's bookkeeping. The memory-management ones live in mm/
 * (pv_mm.c, memory.c), events in event.c.
 *
 * Arguments arrive in rdi, rsi, rdx, r10, r8 (Xen's x86-64 convention);
 * the result goes to rax and every other register is the guest's again on
 * return, because the entry path restores them all from the saved frame.
 * Unknown hypercalls and sub-ops get -ENOSYS.
 *
 * A hypercall runs with interrupts off, so a long one gives the CPU back
 * itself through a continuation (include/mica/hypercall.h): its time
 * budget runs from the syscall that entered it.
 */
#include <asm/processor.h>
#include <mica/bootinfo.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/pv_mm.h>
#include <mica/sched.h>
#include <mica/time.h>
#include <public/callback.h>
#include <public/features.h>
#include <public/physdev.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/version.h>

#include "pv.h"

long do_memory_op(unsigned long cmd, unsigned long arg);
long do_set_gdt(unsigned long frame_list, unsigned long entries);
long do_update_descriptor(unsigned long ma, unsigned long desc);

typedef long (*hypercall_fn)(unsigned long, unsigned long, unsigned long,
			     unsigned long, unsigned long);

/* ---- console_io ---- */

static void console_flush(struct domain *d)
{
	if (d->cons_len) {
		printk("(d%u) %.*s\n", d->domain_id, (int)d->cons_len,
		       d->cons_buf);
		d->cons_len = 0;
	}
}

/* Guest output, a line at a time with its domain's prefix. */
void pv_console_put(struct domain *d, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n') {
			if (!d->cons_len)
				printk("(d%u)\n", d->domain_id);
			console_flush(d);
			continue;
		}
		if (c == '\r')
			continue;
		if ((c < 0x20 || c > 0x7e) && c != '\t')
			c = '?';
		d->cons_buf[d->cons_len++] = c;
		if (d->cons_len == sizeof(d->cons_buf))
			console_flush(d);
	}
}

static long do_console_io(unsigned long cmd, unsigned long count,
			  unsigned long buf, unsigned long a4, unsigned long a5)
{
	char chunk[128];
	unsigned long done = 0;

	switch (cmd) {
	case CONSOLEIO_write:
		if (count > INT32_MAX)
			return -EINVAL;
		while (done < count) {
			size_t n = MIN(sizeof(chunk), count - done);

			if (copy_from_guest(chunk, buf + done, n))
				return -EFAULT;
			pv_console_put(current->domain, chunk, n);
			done += n;
		}
		return 0;
	case CONSOLEIO_read:
		return 0; /* no console input for guests yet */
	default:
		return -ENOSYS;
	}
}

/* ---- xen_version ---- */

#define MICA_XEN_MAJOR 4
#define MICA_XEN_MINOR 17

static long copy_string(unsigned long arg, const char *s, size_t size)
{
	char buf[1024] = {0};

	mica_strlcpy(buf, s, MIN(size, sizeof(buf)));
	return copy_to_guest(arg, buf, size) ? -EFAULT : 0;
}

static long do_xen_version(unsigned long cmd, unsigned long arg,
			   unsigned long a3, unsigned long a4, unsigned long a5)
{
	struct domain *d = current->domain;

	switch (cmd) {
	case XENVER_version:
		return (MICA_XEN_MAJOR << 16) | MICA_XEN_MINOR;
	case XENVER_extraversion:
		return copy_string(arg, ".0-mica" MICA_VERSION,
				   sizeof(xen_extraversion_t));
	case XENVER_compile_info: {
		struct xen_compile_info ci;

		memset(&ci, 0, sizeof(ci));
		mica_strlcpy(ci.compiler, "gcc " __VERSION__,
			     sizeof(ci.compiler));
		mica_strlcpy(ci.compile_by, "mica", sizeof(ci.compile_by));
		mica_strlcpy(ci.compile_domain, "mica",
			     sizeof(ci.compile_domain));
		mica_strlcpy(ci.compile_date, __DATE__ " " __TIME__,
			     sizeof(ci.compile_date));
		return copy_to_guest(arg, &ci, sizeof(ci)) ? -EFAULT : 0;
	}
	case XENVER_capabilities:
		return copy_string(arg, "xen-3.0-x86_64 ",
				   sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string(arg, "mica " MICA_VERSION,
				   sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters: {
		struct xen_platform_parameters p = {HYPERVISOR_VIRT_START};

		return copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;

		if (copy_from_guest(&fi, arg, sizeof(fi)))
			return -EFAULT;
		if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -EINVAL;
		fi.submap = 0;
		if (fi.submap_idx == 0 && d->is_privileged)
			fi.submap |= 1u << XENFEAT_dom0;
		return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
	}
	case XENVER_pagesize:
		return PAGE_SIZE;
	case XENVER_guest_handle: {
		xen_domain_handle_t h = {0};

		return copy_to_guest(arg, h, sizeof(h)) ? -EFAULT : 0;
	}
	case XENVER_commandline:
		if (!d->is_privileged)
			return -EPERM;
		return copy_string(arg, boot_info->cmdline,
				   sizeof(xen_commandline_t));
	default:
		return -ENOSYS;
	}
}

/* ---- sched_op ---- */

static long do_poll(struct vcpu *v, unsigned long arg)
{
	struct sched_poll p;
	const struct shared_info *si = v->domain->shared_info;

	if (copy_from_guest(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.nr_ports > 64)
		return -EINVAL;
	v->poll_mask[0] = 0;
	for (unsigned int i = 0; i < p.nr_ports; i++) {
		evtchn_port_t port;

		if (copy_from_guest(&port, p.ports + i * sizeof(port),
				    sizeof(port)))
			return -EFAULT;
		if (port >= v->domain->nr_evtchn)
			return -EINVAL;
		if (port < 64)
			v->poll_mask[0] |= 1UL << port;
	}
	/* Already pending: nothing to wait for. */
	if (si->evtchn_pending[0] & v->poll_mask[0])
		return 0;
	if (p.timeout && p.timeout <= pv_system_time())
		return 0;
	v->polling = true;
	v->poll_deadline = p.timeout;
	vcpu_block_current();
	v->polling = false;
	return 0;
}

static long do_sched_op(unsigned long cmd, unsigned long arg, unsigned long a3,
			unsigned long a4, unsigned long a5)
{
	struct vcpu *v = current;

	switch (cmd) {
	case SCHEDOP_yield:
		schedule();
		return 0;
	case SCHEDOP_block:
		/* Blocking enables events, and does not sleep if one is due. */
		v->vcpu_info->evtchn_upcall_mask = 0;
		if (!v->vcpu_info->evtchn_upcall_pending)
			vcpu_block_current();
		return 0;
	case SCHEDOP_shutdown: {
		struct sched_shutdown s;

		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		if (s.reason == SHUTDOWN_crash)
			domain_crash(v->domain, "the guest said so rip=%#lx",
				     v->regs->rip);
		else
			domain_shutdown(v->domain, s.reason);
		return 0;
	}
	case SCHEDOP_poll:
		return do_poll(v, arg);
	case SCHEDOP_remote_shutdown:
		return -EPERM;
	default:
		return -ENOSYS;
	}
}

/* ---- the vCPU's own state ---- */

static long do_set_trap_table(unsigned long traps, unsigned long a2,
			      unsigned long a3, unsigned long a4,
			      unsigned long a5)
{
	struct vcpu *v = current;
	struct trap_info ti;

	if (!traps) {
		memset(v->trap_ctxt, 0, sizeof(v->trap_ctxt));
		return 0;
	}
	for (unsigned int i = 0; i < 256; i++) {
		if (copy_from_guest(&ti, traps + i * sizeof(ti), sizeof(ti)))
			return -EFAULT;
		if (!ti.address)
			break;
		if (!guest_range_ok(ti.address, 1))
			return -EINVAL;
		v->trap_ctxt[ti.vector] = (struct pv_trap){ti.vector, ti.flags,
							   ti.cs, ti.address};
	}
	return 0;
}

static int set_callback(struct vcpu *v, unsigned int type,
			unsigned long address, unsigned int flags)
{
	if (address && !guest_range_ok(address, 1))
		return -EINVAL;
	switch (type) {
	case CALLBACKTYPE_event:
		v->event_callback = address;
		return 0;
	case CALLBACKTYPE_failsafe:
		v->failsafe_callback = address;
		return 0;
	case CALLBACKTYPE_syscall:
		v->syscall_callback = address;
		v->syscall_mask_events = flags & CALLBACKF_mask_events;
		return 0;
	case CALLBACKTYPE_nmi:
	case CALLBACKTYPE_syscall32:
	case CALLBACKTYPE_sysenter:
		return 0; /* accepted, never called: no NMIs, no 32-bit user mode */
	default:
		return -EINVAL;
	}
}

static long do_set_callbacks(unsigned long event, unsigned long failsafe,
			     unsigned long syscall, unsigned long a4,
			     unsigned long a5)
{
	struct vcpu *v = current;
	int rc = set_callback(v, CALLBACKTYPE_event, event, 0);

	if (!rc)
		rc = set_callback(v, CALLBACKTYPE_failsafe, failsafe, 0);
	if (!rc)
		rc = set_callback(v, CALLBACKTYPE_syscall, syscall, 0);
	return rc;
}

static long do_callback_op(unsigned long cmd, unsigned long arg,
			   unsigned long a3, unsigned long a4, unsigned long a5)
{
	switch (cmd) {
	case CALLBACKOP_register: {
		struct callback_register r;

		if (copy_from_guest(&r, arg, sizeof(r)))
			return -EFAULT;
		return set_callback(current, r.type, r.address, r.flags);
	}
	case CALLBACKOP_unregister: {
		struct callback_unregister u;

		if (copy_from_guest(&u, arg, sizeof(u)))
			return -EFAULT;
		if (u.type == CALLBACKTYPE_nmi)
			return 0;
		return -EINVAL; /* as Xen: only the NMI one can be removed */
	}
	default:
		return -ENOSYS;
	}
}

static long do_stack_switch(unsigned long ss, unsigned long sp,
			    unsigned long a3, unsigned long a4,
			    unsigned long a5)
{
	struct vcpu *v = current;

	if ((ss & 3) != 3 || !guest_range_ok(sp - 1, 1))
		return -EPERM;
	v->kernel_ss = ss;
	v->kernel_sp = sp;
	return 0;
}

static long do_fpu_taskswitch(unsigned long set, unsigned long a2,
			      unsigned long a3, unsigned long a4,
			      unsigned long a5)
{
	current->fpu_ts = set != 0;
	if (set)
		write_cr0(read_cr0() | X86_CR0_TS);
	else
		asm volatile("clts");
	return 0;
}

static long do_set_segment_base(unsigned long which, unsigned long base,
				unsigned long a3, unsigned long a4,
				unsigned long a5)
{
	struct vcpu *v = current;

	if (!guest_range_ok(base, 1) && base)
		return -EINVAL;
	switch (which) {
	case SEGBASE_FS:
		wrmsr(MSR_FS_BASE, base);
		v->fs_base = base;
		return 0;
	case SEGBASE_GS_USER:
		/* In kernel mode the user's base is the shadow one. */
		wrmsr(MSR_KERNEL_GS_BASE, base);
		v->gs_base_user = base;
		return 0;
	case SEGBASE_GS_KERNEL:
		wrmsr(MSR_GS_BASE, base);
		v->gs_base_kernel = base;
		return 0;
	case SEGBASE_GS_USER_SEL:
		return pv_load_user_gs_sel(v, (uint16_t)base);
	default:
		return -EINVAL;
	}
}

static long do_vm_assist(unsigned long cmd, unsigned long type,
			 unsigned long a3, unsigned long a4, unsigned long a5)
{
	/* Only the assists that change nothing mica does are accepted. */
	static const unsigned long supported = 1UL << VMASST_TYPE_m2p_strict;
	struct domain *d = current->domain;

	if (type >= 64 || !(supported & (1UL << type)))
		return -EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		d->vm_assist |= 1UL << type;
		return 0;
	case VMASST_CMD_disable:
		d->vm_assist &= ~(1UL << type);
		return 0;
	default:
		return -ENOSYS;
	}
}

static long do_physdev_op(unsigned long cmd, unsigned long arg,
			  unsigned long a3, unsigned long a4, unsigned long a5)
{
	struct physdev_set_iopl s;

	if (cmd != PHYSDEVOP_set_iopl)
		return -ENOSYS;
	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.iopl > 3)
		return -EINVAL;
	current->iopl = s.iopl;
	return 0;
}

static long do_set_timer_op(unsigned long timeout, unsigned long a2,
			    unsigned long a3, unsigned long a4,
			    unsigned long a5)
{
	struct vcpu *v = current;

	v->timer_deadline = timeout;
	if (timeout && timeout <= pv_system_time()) {
		v->timer_deadline = 0;
		pv_timer_fired(v);
	}
	return 0;
}

static long do_vcpu_op(unsigned long cmd, unsigned long vcpuid,
		       unsigned long arg, unsigned long a4, unsigned long a5)
{
	struct domain *d = current->domain;
	struct vcpu *v;

	if (vcpuid >= d->max_vcpus || !d->vcpu[vcpuid])
		return -ENOENT;
	v = d->vcpu[vcpuid];
	switch (cmd) {
	case VCPUOP_is_up:
		return v->state != VCPU_down;
	case VCPUOP_up:
		return v->state != VCPU_down ? 0 : -EINVAL;
	case VCPUOP_set_singleshot_timer: {
		struct vcpu_set_singleshot_timer t;

		if (v != current)
			return -EINVAL;
		if (copy_from_guest(&t, arg, sizeof(t)))
			return -EFAULT;
		if ((t.flags & VCPU_SSHOTTMR_future) &&
		    t.timeout_abs_ns < pv_system_time())
			return -ETIME;
		return do_set_timer_op(t.timeout_abs_ns, 0, 0, 0, 0);
	}
	case VCPUOP_stop_singleshot_timer:
		if (v != current)
			return -EINVAL;
		v->timer_deadline = 0;
		return 0;
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer t;

		if (copy_from_guest(&t, arg, sizeof(t)))
			return -EFAULT;
		/* Xen's floor: a period under 1 ms is refused. */
		if (t.period_ns < 1000000)
			return -EINVAL;
		v->periodic_period = t.period_ns;
		v->periodic_next = pv_system_time() + t.period_ns;
		return 0;
	}
	case VCPUOP_stop_periodic_timer:
		v->periodic_period = 0;
		return 0;
	case VCPUOP_get_runstate_info: {
		struct vcpu_runstate_info r;

		memset(&r, 0, sizeof(r));
		r.state = v == current		     ? RUNSTATE_running
			  : v->state == VCPU_blocked ? RUNSTATE_blocked
						     : RUNSTATE_runnable;
		r.state_entry_time = pv_system_time();
		r.time[RUNSTATE_running] = r.state_entry_time;
		return copy_to_guest(arg, &r, sizeof(r)) ? -EFAULT : 0;
	}
	default:
		return -ENOSYS;
	}
}

/* ---- multicall and the table ---- */

static long do_multicall(unsigned long list, unsigned long nr, unsigned long a3,
			 unsigned long a4, unsigned long a5);

/* The hypercalls with fewer arguments, in the table's one shape. */
#define WRAP(name, call)                                          \
	static long hc_##name(unsigned long a1, unsigned long a2, \
			      unsigned long a3, unsigned long a4, \
			      unsigned long a5)                   \
	{                                                         \
		return call;                                      \
	}
WRAP(mmu_update, do_mmu_update(a1, a2, a3, a4))
WRAP(update_va_mapping, do_update_va_mapping(a1, a2, a3))
WRAP(mmuext_op, do_mmuext_op(a1, a2, a3, a4))
WRAP(memory_op, do_memory_op(a1, a2))
WRAP(grant_table_op, do_grant_table_op(a1, a2, a3))
WRAP(event_channel_op, do_event_channel_op(a1, a2))
WRAP(iret, do_iret())
WRAP(set_gdt, do_set_gdt(a1, a2))
WRAP(update_descriptor, do_update_descriptor(a1, a2))
WRAP(sysctl, do_sysctl(a1))

#define HC(n, f) [__HYPERVISOR_##n] = (f)
static const hypercall_fn hypercalls[64] = {
	HC(set_trap_table, do_set_trap_table),
	HC(mmu_update, hc_mmu_update),
	HC(set_gdt, hc_set_gdt),
	HC(stack_switch, do_stack_switch),
	HC(update_descriptor, hc_update_descriptor),
	HC(set_callbacks, do_set_callbacks),
	HC(fpu_taskswitch, do_fpu_taskswitch),
	HC(memory_op, hc_memory_op),
	HC(multicall, do_multicall),
	HC(update_va_mapping, hc_update_va_mapping),
	HC(set_timer_op, do_set_timer_op),
	HC(xen_version, do_xen_version),
	HC(console_io, do_console_io),
	HC(grant_table_op, hc_grant_table_op),
	HC(vm_assist, do_vm_assist),
	HC(iret, hc_iret),
	HC(vcpu_op, do_vcpu_op),
	HC(set_segment_base, do_set_segment_base),
	HC(mmuext_op, hc_mmuext_op),
	HC(sched_op, do_sched_op),
	HC(callback_op, do_callback_op),
	HC(event_channel_op, hc_event_channel_op),
	HC(physdev_op, do_physdev_op),
	HC(sysctl, hc_sysctl),
};

static long call(unsigned long nr, const unsigned long a[5])
{
	if (nr >= ARRAY_SIZE(hypercalls) || !hypercalls[nr])
		return -ENOSYS;
	return hypercalls[nr](a[0], a[1], a[2], a[3], a[4]);
}

/*
 * Xen's multicall: the entries in order, each one's result written back;
 * between two entries, the multicall itself may be continued from the
 * next. An entry that makes a continuation gets its new arguments written
 * back to the list, and the multicall continues from that entry, so the
 * guest sees each entry done once. nr is 32-bit, as in Xen.
 */
static long do_multicall(unsigned long list, unsigned long nr_calls,
			 unsigned long a3, unsigned long a4, unsigned long a5)
{
	struct vcpu *v = current;
	unsigned int nr = (uint32_t)nr_calls, i;
	struct multicall_entry e;
	unsigned long at = list;

	if (!guest_range_ok(list, (size_t)nr * sizeof(e)))
		return -EFAULT;
	for (i = 0; i < nr; i++, at += sizeof(e)) {
		if (i && hypercall_preempt_check())
			return hypercall_continue(__HYPERVISOR_multicall, at,
						  nr - i);
		if (copy_from_guest(&e, at, sizeof(e)))
			return -EFAULT;
		if (e.op == __HYPERVISOR_multicall) {
			e.result = -EINVAL; /* no nesting */
		} else {
			v->in_multicall = true;
			v->hcall_preempted = false;
			memcpy(v->mc_args, e.args, sizeof(e.args));
			e.result = call(e.op, (unsigned long *)e.args);
			v->in_multicall = false;
		}
		if (copy_to_guest(at + offsetof(struct multicall_entry, result),
				  &e.result, sizeof(e.result)))
			return -EFAULT;
		/* After an iret the registers are the guest's new context. */
		if (e.op == __HYPERVISOR_iret || v->domain->is_dying ||
		    v->state != VCPU_runnable)
			return (long)v->regs->rax;
		if (v->hcall_preempted) {
			v->hcall_preempted = false;
			memcpy(e.args, v->mc_args, sizeof(e.args));
			if (copy_to_guest(at, &e, sizeof(e)))
				return -EFAULT;
			return hypercall_continue(__HYPERVISOR_multicall, at,
						  nr - i);
		}
	}
	return 0;
}

/* When the running hypercall began (one CPU: one hypercall at a time). */
static uint64_t hcall_start;

bool hypercall_preempt_check(void)
{
	const struct vcpu *v = current;
	const struct vcpu_info *vi = v->vcpu_info;

	if (need_resched)
		return true;
	/* An event the guest would take, had it the CPU. */
	if (vi && v->event_callback && vi->evtchn_upcall_pending &&
	    !vi->evtchn_upcall_mask)
		return true;
	return now_ns() - hcall_start >= HYPERCALL_BUDGET_NS;
}

long hypercall_create_continuation(unsigned int op, const unsigned long *args,
				   unsigned int nargs)
{
	struct vcpu *v = current;
	struct cpu_regs *regs = v->regs;

	BUG_ON(nargs > ARRAY_SIZE(v->mc_args));
	if (v->in_multicall) {
		/* The entry's op stays; only the arguments given change. */
		memcpy(v->mc_args, args, nargs * sizeof(*args));
		v->hcall_preempted = true;
		return op;
	}
	/* The guest returns onto its syscall, to issue it again. */
	uint64_t *const reg[] = {&regs->rdi, &regs->rsi, &regs->rdx,
				 &regs->r10, &regs->r8,	 &regs->r9};

	regs->rip -= 2;
	for (unsigned int i = 0; i < nargs; i++)
		*reg[i] = args[i];
	return op; /* pv_hypercall() makes it rax */
}

void pv_hypercall(struct cpu_regs *regs)
{
	unsigned long a[5] = {regs->rdi, regs->rsi, regs->rdx, regs->r10,
			      regs->r8};

	hcall_start = now_ns();
	regs->rax = (uint64_t)call(regs->rax, a);
}
