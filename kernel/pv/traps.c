/* SPDX-License-Identifier: MIT */
/*
 * What a PV guest's exceptions, system calls and returns do.
 *
 * The guest kernel runs in ring 3, so the CPU delivers every exception to
 * mica; mica hands it on ("bounces" it) to the handler the guest named in
 * its trap table, writing a frame on the guest kernel stack, as the CPU
 * would have. A few instructions the guest may not execute in ring 3 are
 * emulated instead; the forced-emulation prefix asks for cpuid. A syscall
 * from guest kernel mode is a hypercall; from guest user mode it is the
 * guest's own system call, bounced to its syscall callback.
 *
 * A frame that cannot be written, or an exception with no handler,
 * crashes the domain, never mica.
 */
#include <asm/processor.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/sched.h>
#include <public/arch-x86/xen-x86_64.h>

#include "pv.h"

#define X86_EFLAGS_TF (1UL << 8)
#define X86_EFLAGS_IOPL (3UL << 12)
#define X86_EFLAGS_NT (1UL << 14)
#define X86_EFLAGS_RF (1UL << 16)
#define X86_EFLAGS_VM (1UL << 17)
#define X86_EFLAGS_AC (1UL << 18)
#define PFEC_user (1U << 2)

static const char *const trap_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static uint8_t *upcall_mask(struct vcpu *v)
{
	return &v->vcpu_info->evtchn_upcall_mask;
}

void pv_toggle_guest_mode(struct vcpu *v)
{
	v->kernel_mode = !v->kernel_mode;
	/* The kernel's and the user's gs bases trade places, as in hardware. */
	asm volatile("swapgs" ::: "memory");
	pv_load_cr3(v);
}

/*
 * Write the exception frame on the guest kernel stack and aim the vCPU at
 * target: lowest address first rcx, r11, [error code], rip, cs (with the
 * saved upcall mask in bits 32..39), rflags (IF = events were enabled),
 * rsp, ss.
 */
static int bounce(struct vcpu *v, unsigned long target, bool has_error,
		  uint32_t error_code, bool mask_events)
{
	struct cpu_regs *regs = v->regs;
	uint64_t frame[9], *f = frame;
	uint8_t mask = *upcall_mask(v);
	unsigned long sp, cs = regs->cs;
	size_t len;

	if (!target)
		return -ENOENT;
	if (v->kernel_mode) {
		sp = regs->rsp & ~15UL;
		cs &= ~3UL;
	} else {
		pv_toggle_guest_mode(v);
		sp = v->kernel_sp;
	}
	*f++ = regs->rcx;
	*f++ = regs->r11;
	if (has_error)
		*f++ = error_code;
	*f++ = regs->rip;
	*f++ = cs | ((uint64_t)mask << 32);
	*f++ = (regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
	       (mask ? 0 : X86_EFLAGS_IF);
	*f++ = regs->rsp;
	*f++ = regs->ss;
	len = (size_t)(f - frame) * sizeof(*f);
	if (sp < len || copy_to_guest(sp - len, frame, len))
		return -EFAULT;
	regs->rsp = sp - len;
	regs->rip = target;
	regs->cs = FLAT_KERNEL_CS64;
	regs->ss = FLAT_KERNEL_SS64;
	regs->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF |
			  X86_EFLAGS_VM | X86_EFLAGS_AC);
	if (mask_events)
		*upcall_mask(v) = 1;
	return 0;
}

int pv_inject_trap(struct vcpu *v, unsigned int vector, bool has_error,
		   uint32_t error_code)
{
	const struct pv_trap *t = &v->trap_ctxt[vector];
	unsigned long rip = v->regs->rip;
	int rc;

	if (vector == TRAP_PF)
		v->vcpu_info->arch.cr2 = v->cr2;
	rc = bounce(v, t->address, has_error, error_code, t->flags & 4);
	if (rc == -ENOENT)
		domain_crash(v->domain,
			     "unhandled %s (vector %u) error %#x rip=%#lx",
			     vector < 32 ? trap_names[vector] : "int", vector,
			     error_code, rip);
	else if (rc)
		domain_crash(
			v->domain,
			"cannot write the %s bounce frame (kernel sp %#lx) rip=%#lx",
			vector < 32 ? trap_names[vector] : "int",
			v->kernel_mode ? v->regs->rsp : v->kernel_sp, rip);
	return rc;
}

/* The guest's view of cr3: its current L4's machine address. */
static unsigned long guest_cr3(const struct vcpu *v)
{
	return mfn_to_maddr(v->kernel_mode ? v->guest_table
					   : v->guest_table_user);
}

static uint64_t *gpr(struct cpu_regs *regs, unsigned int n)
{
	static const uint8_t off[16] = {
		offsetof(struct cpu_regs, rax) / 8,
		offsetof(struct cpu_regs, rcx) / 8,
		offsetof(struct cpu_regs, rdx) / 8,
		offsetof(struct cpu_regs, rbx) / 8,
		offsetof(struct cpu_regs, rsp) / 8,
		offsetof(struct cpu_regs, rbp) / 8,
		offsetof(struct cpu_regs, rsi) / 8,
		offsetof(struct cpu_regs, rdi) / 8,
		offsetof(struct cpu_regs, r8) / 8,
		offsetof(struct cpu_regs, r9) / 8,
		offsetof(struct cpu_regs, r10) / 8,
		offsetof(struct cpu_regs, r11) / 8,
		offsetof(struct cpu_regs, r12) / 8,
		offsetof(struct cpu_regs, r13) / 8,
		offsetof(struct cpu_regs, r14) / 8,
		offsetof(struct cpu_regs, r15) / 8,
	};

	return (uint64_t *)regs + off[n & 15];
}

/* MSRs a PV guest may read (everything else is #GP); writes are ignored. */
static bool emulate_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_FS_BASE:
		*val = rdmsr(MSR_FS_BASE);
		return true;
	case MSR_GS_BASE:
		*val = v->kernel_mode ? rdmsr(MSR_GS_BASE) : v->gs_base_kernel;
		return true;
	case MSR_KERNEL_GS_BASE:
		*val = rdmsr(MSR_KERNEL_GS_BASE);
		return true;
	case MSR_EFER:
		*val = rdmsr(MSR_EFER);
		return true;
	case 0x1b: /* APIC base: none for a PV guest */
	case 0x8b: /* microcode revision */
	case 0x17: /* platform ID */
		*val = 0;
		return true;
	default:
		return false;
	}
}

/* 48-bit canonical: the CPU takes no other segment base (#GP in mica). */
static bool is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static bool emulate_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	/* Every base mica writes for the guest: a bad one is the guest's #GP. */
	if (!is_canonical(val))
		return false;
	switch (msr) {
	case MSR_FS_BASE:
		wrmsr(MSR_FS_BASE, val);
		return true;
	case MSR_GS_BASE:
		if (v->kernel_mode)
			wrmsr(MSR_GS_BASE, val);
		v->gs_base_kernel = val;
		return true;
	case MSR_KERNEL_GS_BASE:
		wrmsr(MSR_KERNEL_GS_BASE, val);
		v->gs_base_user = val;
		return true;
	default:
		return false;
	}
}

/* cpuid as a PV guest sees it: the host's, less what it cannot use. */
static void pv_cpuid(struct cpu_regs *regs)
{
	uint32_t leaf = (uint32_t)regs->rax, sub = (uint32_t)regs->rcx;
	struct cpuid_regs r;

	if (leaf >= 0x40000000 && leaf < 0x40000100) {
		/* Xen's leaves: the signature, the version, the hypercall page. */
		switch (leaf) {
		case 0x40000000:
			r = (struct cpuid_regs){0x40000002, 0x566e6558,
						0x65584d4d, 0x4d4d566e};
			break;
		case 0x40000001:
			r = (struct cpuid_regs){(4 << 16) | 17, 0, 0, 0};
			break;
		case 0x40000002:
			r = (struct cpuid_regs){1, 0x40000000, 0, 0};
			break;
		default:
			r = (struct cpuid_regs){0, 0, 0, 0};
		}
	} else {
		r = cpuid_count(leaf, sub);
		if (leaf == 1) {
			/* No VMX, MONITOR, x2APIC, XSAVE/OSXSAVE/AVX; the hypervisor bit. */
			r.ecx &= ~((1u << 5) | (1u << 3) | (1u << 21) |
				   (1u << 26) | (1u << 27) | (1u << 28));
			r.ecx |= 1u << 31;
		} else if (leaf == 7 && sub == 0) {
			/* No AVX2, AVX-512 (they need XSAVE state). */
			r.ebx &= ~((1u << 5) | 0xffff0000u);
		}
	}
	regs->rax = r.eax;
	regs->rbx = r.ebx;
	regs->rcx = r.ecx;
	regs->rdx = r.edx;
}

/* The guest's view of cr0: TS is its own (fpu_taskswitch). */
static unsigned long guest_cr0(const struct vcpu *v)
{
	return (read_cr0() & ~X86_CR0_TS) | (v->fpu_ts ? X86_CR0_TS : 0);
}

/* cr4 as Xen shows a PV guest: what it may rely on being on. */
static unsigned long guest_cr4(void)
{
	return read_cr4() & (X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR |
			     X86_CR4_OSXMMEXCPT | X86_CR4_FSGSBASE);
}

static bool read_cr(struct vcpu *v, unsigned int cr, uint64_t *val)
{
	switch (cr) {
	case 0:
		*val = guest_cr0(v);
		return true;
	case 2:
		*val = v->cr2;
		return true;
	case 3:
		*val = guest_cr3(v);
		return true;
	case 4:
		*val = guest_cr4();
		return true;
	default:
		return false;
	}
}

/* Writes: only cr0.TS may change (as fpu_taskswitch would). */
static bool write_cr(struct vcpu *v, unsigned int cr, uint64_t val)
{
	if (cr != 0 || (val ^ guest_cr0(v)) & ~X86_CR0_TS)
		return false;
	v->fpu_ts = val & X86_CR0_TS;
	write_cr0(guest_cr0(v));
	return true;
}

/*
 * #GP(0) from guest kernel mode: a privileged instruction mica emulates?
 * mov to and from control registers (a REX prefix allowed), clts, rdmsr
 * and wrmsr of a few MSRs. The rest, and anything from user mode, is the
 * guest's #GP.
 */
static bool emulate_privileged(struct vcpu *v, struct cpu_regs *regs)
{
	uint8_t insn[4], rex = 0;
	unsigned int n = 0, cr, reg;
	uint64_t val;

	if (!v->kernel_mode || copy_from_guest(insn, regs->rip, sizeof(insn)))
		return false;
	if ((insn[0] & 0xf0) == 0x40)
		rex = insn[n++];
	if (insn[n] != 0x0f)
		return false;
	switch (insn[n + 1]) {
	case 0x06: /* clts */
		if (rex)
			return false;
		v->fpu_ts = false;
		asm volatile("clts");
		regs->rip += 2;
		return true;
	case 0x20: /* mov %crN, %reg */
	case 0x22: /* mov %reg, %crN */
		if ((insn[n + 2] & 0xc0) != 0xc0)
			return false;
		cr = ((insn[n + 2] >> 3) & 7) | (rex & 4 ? 8 : 0);
		reg = (insn[n + 2] & 7) | (rex & 1 ? 8 : 0);
		if (insn[n + 1] == 0x20) {
			if (!read_cr(v, cr, &val))
				return false;
			*gpr(regs, reg) = val;
		} else if (!write_cr(v, cr, *gpr(regs, reg))) {
			return false;
		}
		regs->rip += n + 3;
		return true;
	case 0x32: /* rdmsr */
		if (rex || !emulate_rdmsr(v, (uint32_t)regs->rcx, &val))
			return false;
		regs->rax = (uint32_t)val;
		regs->rdx = val >> 32;
		regs->rip += 2;
		return true;
	case 0x30: /* wrmsr */
		if (rex ||
		    !emulate_wrmsr(v, (uint32_t)regs->rcx,
				   (regs->rdx << 32) | (uint32_t)regs->rax))
			return false;
		regs->rip += 2;
		return true;
	default:
		return false;
	}
}

/*
 * int n from ring 3 hits a DPL-0 gate and raises #GP with the IDT bit set.
 * The vector in the error code is not trusted (QEMU's differs from
 * hardware's): the instruction at rip says what it was.
 */
static bool soft_interrupt(struct vcpu *v, struct cpu_regs *regs, uint32_t *ec)
{
	uint8_t insn[2];
	unsigned int n, dpl;

	if (!(*ec & 2) || copy_from_guest(insn, regs->rip, 2) ||
	    insn[0] != 0xcd)
		return false;
	n = insn[1];
	/* The guest sees hardware's error code, whatever the CPU reported. */
	*ec = (n << 3) | 2;
	dpl = v->trap_ctxt[n].flags & 3;
	if (!v->trap_ctxt[n].address || dpl < (v->kernel_mode ? 1u : 3u))
		return false;
	regs->rip += 2;
	pv_inject_trap(v, n, false, 0);
	return true;
}

static bool forced_emulation(struct cpu_regs *regs)
{
	static const uint8_t prefix[7] = {0x0f, 0x0b, 0x78, 0x65,
					  0x6e, 0x0f, 0xa2};
	uint8_t insn[7];

	if (copy_from_guest(insn, regs->rip, sizeof(insn)) ||
	    memcmp(insn, prefix, sizeof(insn)))
		return false;
	pv_cpuid(regs);
	regs->rip += sizeof(insn);
	return true;
}

void pv_guest_exception(struct cpu_regs *regs)
{
	struct vcpu *v = current;
	unsigned int vec = (unsigned int)regs->vector;
	uint32_t ec = (uint32_t)regs->error_code;

	switch (vec) {
	case TRAP_PF:
		v->cr2 = read_cr2();
		if (v->kernel_mode)
			ec &= ~PFEC_user;
		pv_inject_trap(v, vec, true, ec);
		return;
	case TRAP_GP:
		if (ec == 0 && emulate_privileged(v, regs))
			return;
		if (soft_interrupt(v, regs, &ec))
			return;
		pv_inject_trap(v, vec, true, ec);
		return;
	case TRAP_UD:
		if (forced_emulation(regs))
			return;
		pv_inject_trap(v, vec, false, 0);
		return;
	case TRAP_NM:
		/* mica never sets cr0.TS behind a guest's back: it is the guest's. */
		asm volatile("clts");
		if (v->fpu_ts) {
			v->fpu_ts = false;
			pv_inject_trap(v, vec, false, 0);
		}
		return;
	case TRAP_DF:
	case TRAP_TS:
	case TRAP_NP:
	case TRAP_SS:
	case TRAP_AC:
		pv_inject_trap(v, vec, true, ec);
		return;
	default:
		pv_inject_trap(v, vec, false, 0);
	}
}

void pv_syscall(struct cpu_regs *regs)
{
	struct vcpu *v = current;

	if (regs->vector == VECTOR_SYSCALL32) {
		regs->rip -= 2;
		pv_inject_trap(v, TRAP_UD, false, 0);
		return;
	}
	if (v->kernel_mode) {
		pv_hypercall(regs);
		return;
	}
	/* The guest's own system call: to its kernel's syscall callback. */
	if (!v->syscall_callback) {
		regs->rip -= 2;
		pv_inject_trap(v, TRAP_UD, false, 0);
		return;
	}
	if (bounce(v, v->syscall_callback, false, 0, v->syscall_mask_events))
		domain_crash(v->domain,
			     "cannot write the syscall frame rip=%#lx",
			     regs->rip);
}

/* The iret hypercall's frame, from the guest stack. */
struct iret_frame {
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

long do_iret(void)
{
	struct vcpu *v = current;
	struct cpu_regs *regs = v->regs;
	struct iret_frame f;

	if (copy_from_guest(&f, regs->rsp, sizeof(f))) {
		domain_crash(v->domain,
			     "iret frame at %#lx unreadable rip=%#lx",
			     regs->rsp, regs->rip);
		return -EFAULT;
	}
	if ((f.cs & 3) == 3 && v->kernel_mode) {
		if (mfn_eq(v->guest_table_user, INVALID_MFN)) {
			domain_crash(
				v->domain,
				"iret to user mode without user page tables rip=%#lx",
				f.rip);
			return -EFAULT;
		}
		pv_toggle_guest_mode(v);
	}
	regs->r11 = f.r11;
	regs->rcx = f.rcx;
	regs->rip = f.rip;
	regs->cs = f.cs | 3;
	regs->rflags = (f.rflags &
			~(X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_NT)) |
		       X86_EFLAGS_IF;
	regs->rsp = f.rsp;
	regs->ss = f.ss | 3;
	*upcall_mask(v) = !(f.rflags & X86_EFLAGS_IF);
	return (long)f.rax;
}

/*
 * On every return to a guest: run someone else if this slice is over or
 * this vCPU cannot go on, then make the event upcall if one is due.
 */
void pv_exit_to_guest(struct cpu_regs *regs);
void pv_exit_to_guest(struct cpu_regs *regs)
{
	struct vcpu *v = current;
	struct vcpu_info *vi;

	/* An NMI or #MC taken in the guest is on its IST stack: just return. */
	if (regs != v->regs)
		return;
	if (need_resched || v->state != VCPU_runnable || v->domain->is_dying)
		schedule();
	v = current;
	vi = v->vcpu_info;
	arch_flush_tlb_pending();
	pv_update_vcpu_time(v);
	if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask &&
	    v->event_callback && bounce(v, v->event_callback, false, 0, true))
		domain_crash(v->domain,
			     "cannot write the event upcall frame rip=%#lx",
			     regs->rip);
	if (v->domain->is_dying)
		schedule(); /* never returns */
}
