/* SPDX-License-Identifier: MIT */
/*
 * hostile: a guest that throws garbage at its hypervisor. A seeded
 * pseudo-random sequence of thousands of hypercalls with random numbers,
 * sub-ops and arguments (pointers into its scratch memory, across an
 * unmapped guard page, into the hypervisor's slots, non-canonical ones,
 * into its own page tables; random counts and values), then thousands of
 * random privileged and faulting instructions under its own trap table.
 * The hypervisor must answer each and go on: the guest must finish and
 * report, the other domains run, and nothing leak (judged outside, by the
 * page audit).
 *
 * It guards itself, and only itself: no request it makes can reach its
 * own code, data, stack, p2m or the page-table entries that map them (the
 * page-table updates it makes target a victim page, L4 and L3 slots it
 * does not use, and frames that are not its own). Calls that would end
 * or blind it on purpose are not made: shutdown and crash, block and
 * watchdogs, iret, set_trap_table, replacing its event callback, taking
 * its vCPU down, closing its console's event channel, and on Xen's
 * initial domain the calls that would reach the machine (port writes,
 * kexec, platform, domctl and sysctl with a valid interface version).
 *
 * seed=N on the command line picks the sequence; every hypercall's
 * number and result can be printed with verbose.
 */
#include "events.h"
#include "ktap.h"
#include "mm.h"
#include "traps.h"

#define NR_CALLS 6000
#define NR_INSNS 3000
#define MC_ENTRIES (PAGE_SIZE / sizeof(struct multicall_entry))

/* One block, so that each guard page really follows what it guards. */
static struct {
	uint8_t scratch[4 * PAGE_SIZE];
	uint8_t guard1[PAGE_SIZE]; /* unmapped */
	struct multicall_entry mc[MC_ENTRIES];
	uint8_t guard2[PAGE_SIZE]; /* unmapped */
	uint64_t victim[PT_ENTRIES];
} area __aligned(PAGE_SIZE);

/*
 * One instruction at 1, resuming at 3 whether it faults (rip 1) or traps
 * (rip 2, after it) or neither.
 */
#define TRY(insn, ...)                                                     \
	do {                                                               \
		barrier(); /* last_trap is read around it */               \
		__asm__ volatile("1: " insn "\n2: nop\n3:\n" _ASM_EXTABLE( \
			1b, 3b) _ASM_EXTABLE(2b, 3b) __VA_ARGS__);         \
		barrier();                                                 \
	} while (0)

static uint64_t rng;
static bool verbose;
static uint64_t victim_pte_ma;
static unsigned long calls, succeeded, raw_calls;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t pick(const uint64_t *v, unsigned int n)
{
	return v[below(n)];
}
#define PICK(...)                                    \
	({                                           \
		const uint64_t _v[] = {__VA_ARGS__}; \
		pick(_v, ARRAY_SIZE(_v));            \
	})

/* Whether [p, p + len) is scratch memory, there for it to read back. */
static bool in_scratch(unsigned long p, size_t len)
{
	return p >= (unsigned long)area.scratch &&
	       p <= (unsigned long)area.guard1 - len;
}

static unsigned long scratch_at(size_t room)
{
	return (unsigned long)area.scratch +
	       below(sizeof(area.scratch) - room + 1);
}

/* A pointer argument: good, straddling the guard, or no good at all. */
static unsigned long rptr(void)
{
	switch (below(12)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return (unsigned long)area.scratch;
	case 3:
		return scratch_at(8);
	case 4: /* the last bytes before the guard */
		return (unsigned long)area.guard1 - 1 - below(64);
	case 5:
		return (unsigned long)area.guard1 + below(PAGE_SIZE);
	case 6: /* the hypervisor's slots */
		return 0xffff800000000000UL + (rnd() & 0x7fffffffff8UL);
	case 7:
		return PICK(0x800000000000UL, 0x8000000000000000UL,
			    0xdead000000000000UL | (rnd() & 0xffffffffffUL));
	case 8: /* its own page tables, read-only */
		return start_info->pt_base +
		       below(start_info->nr_pt_frames * PAGE_SIZE);
	case 9:
		return (unsigned long)m2p + below(PAGE_SIZE);
	case 10:
		return PICK(0x1000, rnd() & 0x7ffffffff000UL,
			    0xfffffffffffff000UL, ~0UL);
	default:
		return rnd();
	}
}

/* A pointer that reaches none of its memory: for lists it must not run. */
static unsigned long rbad(void)
{
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
		return (unsigned long)area.guard2 + below(PAGE_SIZE);
	case 2:
		return 0xffff800000000000UL + (rnd() & 0x7fffffffff8UL);
	case 3:
		return PICK(0x800000000000UL, 0x8000000000000000UL);
	case 4:
		return (unsigned long)m2p + below(PAGE_SIZE);
	default:
		return PICK(0x1000, rnd() & 0x7ffffffff000UL, ~0UL);
	}
}

/* An address to map at: the victim's, or one it does not use (no guard). */
static unsigned long rva(void)
{
	unsigned long va;

	if (below(2))
		return (unsigned long)area.victim;
	do
		va = rbad() & ~(below(2) ? 0xfffUL : 0);
	while ((va >> PAGE_SHIFT) ==
	       ((unsigned long)area.guard2 >> PAGE_SHIFT));
	return va;
}

/* A count or plain value. */
static uint64_t rval(void)
{
	switch (below(8)) {
	case 0:
		return below(4);
	case 1:
		return below(600);
	case 2:
		return PICK(1U << 31, (1U << 31) - 1, ~0U, 1UL << 32, ~0UL,
			    ~0UL >> 1, 1U << 31 | below(8));
	case 3:
		return rnd() & 0xffffffff;
	default:
		return rnd();
	}
}

static uint64_t rdomid(void)
{
	return PICK(DOMID_SELF, DOMID_SELF, 0, 1, 2, DOMID_IO, DOMID_XEN,
		    0x7ff4, rnd() & 0xffff, rnd());
}

/* A frame: its page tables', the victim's, scratch's, or none of its own. */
static uint64_t rmfn(void)
{
	switch (below(7)) {
	case 0:
		return current_l4_mfn();
	case 1:
		return p2m[virt_to_pfn((void *)start_info->pt_base) +
			   below(start_info->nr_pt_frames)];
	case 2:
		return virt_to_mfn(area.victim);
	case 3:
		return virt_to_mfn(area.scratch + below(4) * PAGE_SIZE);
	case 4:
		return below(0x100000);
	default:
		return rnd() & 0xfffffffffUL;
	}
}

static uint64_t rpte(void)
{
	uint64_t flags = PICK(_PAGE_PRESENT, _PAGE_PRESENT | _PAGE_RW,
			      _PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
				      _PAGE_ACCESSED | _PAGE_DIRTY,
			      _PAGE_PRESENT | _PAGE_PSE, rnd() & 0xfff,
			      _PAGE_PRESENT | _PAGE_NX | _PAGE_PCD);

	return below(5) ? (rmfn() << PAGE_SHIFT) | flags : rnd();
}

/* The machine address of an entry it may change: never one mapping it. */
static uint64_t rentry(void)
{
	uint64_t l4 = current_l4_mfn() << PAGE_SHIFT;
	unsigned int slot;

	switch (below(5)) {
	case 0:
		return victim_pte_ma;
	case 1: /* L4 slots, the hypervisor's among them, not the image's */
		slot = (unsigned int)below(PT_ENTRIES - 1);
		if (slot == pt_index((unsigned long)__image_start, 4))
			slot = 0;
		return l4 + slot * 8;
	case 2: /* the victim's frame, as a plain page */
		return (virt_to_mfn(area.victim) << PAGE_SHIFT) +
		       below(512) * 8;
	case 3:
		return (below(0x100000) << PAGE_SHIFT) + below(512) * 8;
	default:
		return rnd();
	}
}

static void fill_random(void *p, size_t len)
{
	uint64_t *q = p;

	for (size_t i = 0; i < len / 8; i++)
		q[i] = below(3) ? rnd() : rval();
}

static unsigned long build_mmu_updates(void)
{
	struct mmu_update *r = (void *)area.scratch;
	unsigned int n = sizeof(area.scratch) / sizeof(*r);

	for (unsigned int i = 0; i < n; i++) {
		if (below(4)) {
			r[i].ptr = rentry() | below(8);
			r[i].val = rpte();
		} else { /* the M2P entry of a frame of its own, or not */
			r[i].ptr = (rmfn() << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
			r[i].val = rval();
		}
	}
	return below(3) ? (unsigned long)r : rbad();
}

static unsigned long build_mmuext_ops(void)
{
	struct mmuext_op *o = (void *)area.scratch;
	unsigned int n = sizeof(area.scratch) / sizeof(*o);

	for (unsigned int i = 0; i < n; i++) {
		o[i].cmd = below(8) ? (unsigned int)below(24)
				    : (unsigned int)rnd();
		o[i].arg1.mfn = below(4) ? rmfn() : rptr();
		o[i].arg2.nr_ents = (unsigned int)rval();
		/* Another L4 as its base would take its mappings away. */
		if (o[i].cmd == MMUEXT_NEW_BASEPTR)
			o[i].arg1.mfn = current_l4_mfn();
	}
	return below(3) ? (unsigned long)o : rbad();
}

/* A structure in scratch with random fields, or a random pointer. */
static unsigned long rstruct(size_t len)
{
	unsigned long p;

	if (!below(4))
		return rptr();
	p = scratch_at(len);
	fill_random((void *)p, len);
	return p;
}

static unsigned long memop_arg(unsigned int cmd)
{
	if (cmd <= XENMEM_populate_physmap || cmd == XENMEM_exchange) {
		struct xen_memory_reservation *r =
			(void *)scratch_at(2 * sizeof(*r));

		for (unsigned int i = 0; i < (cmd == XENMEM_exchange ? 2 : 1);
		     i++) {
			r[i].extent_start = below(2) ? scratch_at(64) : rptr();
			r[i].nr_extents = below(2) ? below(64) : rval();
			r[i].extent_order = (unsigned int)below(12);
			r[i].mem_flags = below(2) ? 0 : (unsigned int)rnd();
			r[i].domid = (domid_t)rdomid();
		}
		return (unsigned long)r;
	}
	if (cmd == XENMEM_current_reservation ||
	    cmd == XENMEM_maximum_reservation) {
		domid_t *d = (void *)scratch_at(2);

		*d = (domid_t)rdomid();
		return (unsigned long)d;
	}
	return rstruct(64);
}

static unsigned long evtchn_arg(unsigned int cmd)
{
	unsigned long p = rstruct(32);
	uint32_t *port = (uint32_t *)p;

	/* Its console's channel stays open and on its vCPU. */
	if (in_scratch(p, sizeof(*port)) &&
	    (cmd == EVTCHNOP_close || cmd == EVTCHNOP_bind_vcpu) &&
	    *port == start_info->console.domU.evtchn)
		*port += 1;
	return p;
}

/*
 * One random hypercall into e (nested: inside a multicall), never one that
 * would end it or take what it runs on away.
 */
static void gen(struct multicall_entry *e, bool nested)
{
	static const uint8_t ops[] = {
		__HYPERVISOR_mmu_update,
		__HYPERVISOR_mmu_update,
		__HYPERVISOR_set_gdt,
		__HYPERVISOR_stack_switch,
		__HYPERVISOR_fpu_taskswitch,
		__HYPERVISOR_platform_op,
		__HYPERVISOR_set_debugreg,
		__HYPERVISOR_get_debugreg,
		__HYPERVISOR_update_descriptor,
		11,
		__HYPERVISOR_memory_op,
		__HYPERVISOR_memory_op,
		__HYPERVISOR_multicall,
		__HYPERVISOR_update_va_mapping,
		__HYPERVISOR_update_va_mapping,
		__HYPERVISOR_set_timer_op,
		__HYPERVISOR_event_channel_op_compat,
		__HYPERVISOR_xen_version,
		__HYPERVISOR_console_io,
		__HYPERVISOR_grant_table_op,
		__HYPERVISOR_vm_assist,
		__HYPERVISOR_update_va_mapping_otherdomain,
		__HYPERVISOR_vcpu_op,
		__HYPERVISOR_set_segment_base,
		__HYPERVISOR_mmuext_op,
		__HYPERVISOR_mmuext_op,
		__HYPERVISOR_sched_op,
		__HYPERVISOR_callback_op,
		__HYPERVISOR_event_channel_op,
		__HYPERVISOR_event_channel_op,
		__HYPERVISOR_physdev_op,
		__HYPERVISOR_sysctl,
		__HYPERVISOR_domctl,
		39,
		43,
		47,
		56,
		63,
	};
	unsigned long *a = e->args;
	unsigned int cmd;

	memset(e, 0, sizeof(*e));
	do
		e->op = ops[below(ARRAY_SIZE(ops))];
	while (nested && e->op == __HYPERVISOR_multicall);
	for (unsigned int i = 0; i < 6; i++)
		a[i] = below(2) ? rval() : rptr();
	switch (e->op) {
	case __HYPERVISOR_mmu_update:
		a[0] = build_mmu_updates();
		a[1] = below(2) ? below(64) : rval();
		a[3] = rdomid() | (below(4) ? 0 : rnd() << 16);
		break;
	case __HYPERVISOR_mmuext_op:
		/*
		 * Inside a multicall, later entries overwrite scratch before
		 * this one runs: what was made safe there may not be any more.
		 */
		a[0] = nested ? rbad() : build_mmuext_ops();
		a[1] = below(2) ? below(64) : rval();
		a[3] = rdomid();
		break;
	case __HYPERVISOR_set_gdt: {
		uint64_t *f = (void *)scratch_at(16 * 8);

		for (unsigned int i = 0; i < 16; i++)
			f[i] = rmfn();
		a[0] = below(2) ? (unsigned long)f : rptr();
		a[1] = below(2) ? below(8000) : rval();
		break;
	}
	case __HYPERVISOR_update_descriptor:
		a[0] = rentry() & ~(below(4) ? 7UL : 0);
		a[1] = below(2) ? rnd() : (rnd() & ~(0xfUL << 40)) | 1UL << 47;
		break;
	case __HYPERVISOR_set_debugreg:
		a[0] = PICK(0, 1, 2, 3, 6); /* never dr7: no breakpoints */
		break;
	case __HYPERVISOR_memory_op:
		cmd = (unsigned int)below(24);
		a[0] = cmd | (below(4) ? 0 : rval() << MEMOP_EXTENT_SHIFT);
		a[1] = memop_arg(cmd);
		break;
	case __HYPERVISOR_multicall: {
		unsigned int n = (unsigned int)below(MC_ENTRIES + 1);

		for (unsigned int i = 0; i < MC_ENTRIES; i++)
			gen(&area.mc[i], true);
		/* Entries past the last one built are the guard's. */
		a[0] = below(4) ? (unsigned long)area.mc : rbad();
		a[1] = below(4) ? n : rval();
		break;
	}
	case __HYPERVISOR_update_va_mapping:
	case __HYPERVISOR_update_va_mapping_otherdomain:
		a[0] = rva();
		a[1] = rpte();
		a[2] = PICK(0, 1, 2, 3, rptr() | below(4), rval());
		a[3] = rdomid();
		break;
	case __HYPERVISOR_console_io:
		a[0] = CONSOLEIO_read; /* no garbage in the log */
		break;
	case __HYPERVISOR_vcpu_op:
		cmd = (unsigned int)below(16);
		/* Its one vCPU stays up, its vcpu_info where it is. */
		if (cmd == VCPUOP_down || cmd == VCPUOP_register_vcpu_info ||
		    cmd == 11 /* send_nmi: it has no NMI callback */)
			cmd = VCPUOP_is_up;
		a[0] = cmd;
		a[1] = PICK(0, 0, 1, rval());
		a[2] = rstruct(64);
		break;
	case __HYPERVISOR_sched_op:
		switch (below(3) & (nested ? 2 : 3)) {
		case 0:
			a[0] = SCHEDOP_yield;
			break;
		case 1: {
			struct sched_poll *p = (void *)scratch_at(sizeof(*p));

			p->ports = below(2) ? scratch_at(64) : rptr();
			p->nr_ports = (unsigned int)below(8);
			/* A deadline at most 1 ms away: it returns. */
			p->timeout = system_time_ns() + 1 + below(1000000);
			a[0] = SCHEDOP_poll;
			a[1] = (unsigned long)p;
			break;
		}
		default: /* past pin_override: no such command */
			a[0] = 8 + (rnd() & 0xffff);
		}
		break;
	case __HYPERVISOR_callback_op:
		if (below(2) && !nested) {
			struct callback_register *r =
				(void *)scratch_at(sizeof(*r));

			/* Only those never called: from user mode, or none. */
			r->type =
				(uint16_t)PICK(CALLBACKTYPE_syscall,
					       CALLBACKTYPE_syscall32, 9, 200);
			r->flags = (uint16_t)rnd();
			r->address = below(2) ? rnd() : rptr();
			a[0] = CALLBACKOP_register;
			a[1] = (unsigned long)r;
		} else {
			a[0] = PICK(CALLBACKOP_unregister, 2, rval());
			a[1] = rstruct(8);
		}
		break;
	case __HYPERVISOR_event_channel_op:
		cmd = (unsigned int)below(16);
		/* A reset would close its console's channel. */
		if (cmd == EVTCHNOP_reset || cmd == 15)
			cmd = EVTCHNOP_status;
		if (nested)
			cmd = (unsigned int)PICK(EVTCHNOP_status, EVTCHNOP_send,
						 EVTCHNOP_alloc_unbound,
						 EVTCHNOP_unmask,
						 EVTCHNOP_bind_virq);
		a[0] = cmd;
		a[1] = evtchn_arg(cmd);
		break;
	case __HYPERVISOR_event_channel_op_compat: {
		uint32_t *op = (void *)(nested ? rbad() : rstruct(40));

		if (in_scratch((unsigned long)op, sizeof(*op)) &&
		    (*op == EVTCHNOP_reset || *op == 15 ||
		     *op == EVTCHNOP_close || *op == EVTCHNOP_bind_vcpu))
			*op = EVTCHNOP_status;
		a[0] = (unsigned long)op;
		break;
	}
	case __HYPERVISOR_physdev_op:
		/* set_iopl, or no command at all: nothing that reaches devices. */
		a[0] = below(2) ? PHYSDEVOP_set_iopl : 100 + below(1000);
		a[1] = rstruct(8);
		break;
	case __HYPERVISOR_platform_op:
	case __HYPERVISOR_sysctl:
	case __HYPERVISOR_domctl: {
		uint32_t *s = (void *)scratch_at(128);

		fill_random(s, 128);
		s[1] |= 0x80000000; /* an interface version no Xen has */
		a[0] = nested ? rbad() : (unsigned long)s;
		break;
	}
	case __HYPERVISOR_xen_version:
		a[0] = below(4) ? below(24) : rval();
		a[1] = rptr();
		break;
	case __HYPERVISOR_grant_table_op:
		a[0] = below(4) ? below(32) : rval();
		a[1] = rstruct(64);
		a[2] = below(2) ? below(8) : rval();
		break;
	case __HYPERVISOR_set_segment_base:
		a[0] = below(6);
		break;
	case __HYPERVISOR_stack_switch:
		a[0] = PICK(FLAT_KERNEL_SS, 0, rval());
		break;
	}
}

static long hypercall_nr(const struct multicall_entry *e)
{
	register long r10 __asm__("r10") = (long)e->args[3];
	register long r8 __asm__("r8") = (long)e->args[4];
	long rax, rdi = (long)e->args[0], rsi = (long)e->args[1],
		  rdx = (long)e->args[2];

	__asm__ volatile("call *%[fn]"
			 : "=a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx),
			   "+r"(r10), "+r"(r8)
			 : [fn] "r"(hypercall_page + e->op * 32)
			 : "memory", "rcx", "r11", "r9", "cc");
	return rax;
}

/* A syscall with a number past every hypercall: only -ENOSYS. */
static long raw_syscall(unsigned long nr)
{
	long rax = (long)nr;

	__asm__ volatile("syscall"
			 : "+a"(rax)
			 : "D"(rnd()), "S"(rnd()), "d"(rnd())
			 : "memory", "rcx", "r11", "cc");
	return rax;
}

/* What a random call may have left that its guest would not: undone. */
static void tidy(void)
{
	HYPERVISOR_fpu_taskswitch(0);
	events_on(false);
}

static void parse_seed(void)
{
	const char *s = strstr((const char *)start_info->cmd_line, "seed=");

	rng = 0x6d696361686f7374UL; /* "micahost" */
	if (s) {
		rng = 0;
		for (s += 5; *s >= '0' && *s <= '9'; s++)
			rng = rng * 10 + (uint64_t)(*s - '0');
		rng = rng ? rng : 1;
	}
	verbose = cmdline_has("verbose");
}

static void test_setup(void)
{
	parse_seed();
	ktap_diag("seed %lu", rng);
	if (!expect_rc(events_init(), 0))
		return;
	/* The guard pages: a list running past its end faults there. */
	expect_rc(update_va((unsigned long)area.guard1, 0, UVMF_INVLPG), 0);
	expect_rc(update_va((unsigned long)area.guard2, 0, UVMF_INVLPG), 0);
	if (!pt_walk(current_l4_mfn(), (unsigned long)area.victim, 1,
		     &victim_pte_ma))
		ktap_error("cannot find the victim page's entry");
}

static void test_random_hypercalls(void)
{
	struct multicall_entry e;
	long rc;

	for (calls = 0; calls < NR_CALLS; calls++) {
		if (!below(20)) {
			rc = raw_syscall(64 + (rnd() >> (1 + below(63))));
			raw_calls++;
			expect_rc(rc, -XEN_ENOSYS);
			continue;
		}
		gen(&e, false);
		if (verbose)
			printf("# %lu: %lu(%#lx, %#lx, %#lx, %#lx, %#lx)\n",
			       calls, e.op, e.args[0], e.args[1], e.args[2],
			       e.args[3], e.args[4]);
		if (verbose && e.op == __HYPERVISOR_multicall &&
		    e.args[0] == (unsigned long)area.mc)
			for (unsigned int i = 0; i < MC_ENTRIES; i++)
				printf("#   %u: %lu(%#lx, %#lx, %#lx, %#lx)\n",
				       i, area.mc[i].op, area.mc[i].args[0],
				       area.mc[i].args[1], area.mc[i].args[2],
				       area.mc[i].args[3]);
		rc = hypercall_nr(&e);
		if (rc >= 0)
			succeeded++;
		if (verbose) {
			printf("#  = %ld\n", rc);
			TRY("ud2"); /* its trap table still works */
		}
		if (e.op == __HYPERVISOR_fpu_taskswitch ||
		    e.op == __HYPERVISOR_multicall)
			tidy();
	}
	tidy();
	ktap_diag("survived %lu calls (%lu succeeded, %lu past the table)",
		  calls, succeeded, raw_calls);
}

static void int_n(unsigned int n)
{
	switch (n % 10) {
	case 0:
		TRY("int $0x0");
		break;
	case 1:
		TRY("int $0x2");
		break;
	case 2:
		TRY("int $0x8");
		break;
	case 3:
		TRY("int $0xd");
		break;
	case 4:
		TRY("int $0xe");
		break;
	case 5:
		TRY("int $0x20");
		break;
	case 6:
		TRY("int $0x80");
		break;
	case 7:
		TRY("int $0x41");
		break;
	case 8:
		TRY("int $0xf0");
		break;
	default:
		TRY("int $0xff");
	}
}

static void random_insn(void)
{
	uint64_t v = rval(), w = rnd();
	uint32_t msr = (uint32_t)PICK(0xc0000100, 0xc0000101, 0xc0000102,
				      0xc0000080, 0xc0000081, 0x1b, 0x10, 0x174,
				      0x175, 0x176, rnd());
	uint16_t sel = (uint16_t)PICK(0, 3, 0xe02b, 0xe033, 0xe008, 0xe010,
				      rnd(), (below(16) << 3) | 3, 4 | 3);
	unsigned long va = rptr();

	switch (below(44)) {
	case 0:
		TRY("cli");
		break;
	case 1:
		TRY("sti");
		break;
	case 2:
		TRY("hlt");
		break;
	case 3:
		TRY("inb %%dx, %%al", : : "d"(w) : "rax");
		break;
	case 4:
		TRY("outb %%al, $0x80", : : "a"(w));
		break;
	case 5:
		TRY("rdmsr", : : "c"(msr) : "rax", "rdx");
		break;
	case 6:
		TRY("wrmsr", : : "c"(msr), "a"(v), "d"(w));
		break;
	case 7:
		TRY("mov %0, %%cr0", : : "r"(v));
		break;
	case 8:
		TRY("mov %%cr0, %0", : "=r"(v));
		break;
	case 9:
		TRY("mov %%cr2, %0", : "=r"(v));
		break;
	case 10:
		TRY("mov %%cr3, %0", : "=r"(v));
		break;
	case 11:
		/* Its own L4, or a frame beyond any memory: another would unmap it. */
		TRY("mov %0, %%cr3",
		    :
		    : "r"(below(2) ? v | 0xffff000000000UL
				   : current_l4_mfn() << PAGE_SHIFT));
		break;
	case 12:
		TRY("mov %%cr4, %0", : "=r"(v));
		break;
	case 13:
		/* Not TSD: the guest's clock needs rdtsc. */
		TRY("mov %0, %%cr4", : : "r"(v & ~4UL));
		break;
	case 14:
		TRY("lgdt (%0)", : : "r"(area.scratch));
		break;
	case 15:
		TRY("lidt (%0)", : : "r"(area.scratch));
		break;
	case 16:
		TRY("ltr %w0", : : "r"(sel));
		break;
	case 17:
		TRY("lldt %w0", : : "r"(sel));
		break;
	case 18:
		TRY("invlpg (%0)", : : "r"(va));
		break;
	case 19:
		TRY("wbinvd");
		break;
	case 20:
		TRY("invd");
		break;
	case 21:
		TRY("clts");
		break;
	case 22:
		int_n((unsigned int)w);
		break;
	case 23:
		TRY("ud2");
		break;
	case 24:
		w = 0;
		TRY("div %%rcx", : "+a"(v), "+d"(w) : "c"(0UL));
		break;
	case 25:
		TRY("int3");
		break;
	case 26:
		probe_read((const void *)va, NULL);
		break;
	case 27:
		/* Its own tables, the M2P, the hypervisor's: never its own data. */
		probe_write((void *)PICK(start_info->pt_base, (uint64_t)m2p,
					 0xffff830000000000UL,
					 0xffff82d080200000UL,
					 0x800000000000UL),
			    w);
		break;
	case 28:
		TRY("swapgs");
		break;
	case 29:
		TRY("sysretq");
		break;
	case 30:
		TRY("sysexit");
		break;
	case 31: /* a breakpoint register, never enabled */
		TRY("mov %0, %%dr0", : : "r"(v));
		break;
	case 32:
		TRY("rdpmc", : : "c"(w) : "rax", "rdx");
		break;
	case 33:
		TRY("xsetbv", : : "c"(w & 3), "a"(v), "d"(0));
		break;
	case 34:
		TRY("mov %0, %%dr7", : : "r"(v & 0x400));
		break;
	case 35:
		TRY("mov %%dr7, %0", : "=r"(v));
		break;
	case 36: /* the forced-emulation prefix before no cpuid */
		TRY("ud2; .ascii \"xen\"; nop");
		break;
	case 37: {
		uint32_t a = (uint32_t)PICK(0, 1, 7, 0x40000000, 0x40000002,
					    0x80000000, w);

		TRY("ud2; .ascii \"xen\"; cpuid",
		    : "+a"(a)
		    :
		    : "rbx", "rcx", "rdx");
		break;
	}
	case 38:
		TRY("monitor", : : "a"(area.scratch), "c"(0), "d"(0));
		break;
	case 39:
		TRY("mwait", : : "a"(0), "c"(0));
		break;
	case 40:
		TRY("vmcall");
		break;
	case 41:
		TRY(".byte 0xf1"); /* icebp */
		break;
	case 42: /* a data selector of any kind, then the null one again */
		TRY("mov %w0, %%ds", : : "r"(sel));
		TRY("mov %w0, %%es", : : "r"(sel));
		TRY("mov %w0, %%fs", : : "r"(sel));
		__asm__ volatile("mov %w0, %%ds; mov %w0, %%es; mov %w0, %%fs"
				 :
				 : "r"(0));
		break;
	default: {
		uint64_t flags;

		/* Any flags but the trap, nested and alignment ones. */
		__asm__ volatile("pushfq; pop %0" : "=r"(flags));
		__asm__ volatile("push %0; popfq; push %1; popfq"
				 :
				 : "r"(v & ~0x44100UL), "r"(flags)
				 : "cc", "memory");
	}
	}
}

static void test_random_instructions(void)
{
	unsigned int before = last_trap.count;

	for (unsigned int i = 0; i < NR_INSNS; i++) {
		random_insn();
		tidy();
	}
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
	ktap_diag("%u instructions, %u exceptions", NR_INSNS,
		  last_trap.count - before);
	expect(last_trap.count > before);
}

/*
 * Segment bases must be canonical: a hypervisor that wrote one for the
 * guest unchecked would take the #GP itself on real hardware (QEMU's TCG
 * takes any value, so the guest checks that it was refused).
 */
static void test_noncanonical_bases(void)
{
	static const uint32_t msrs[] = {0xc0000100, 0xc0000101, 0xc0000102};
	unsigned long bad = 0x8000000000001000UL;

	for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++) {
		unsigned int before = last_trap.count;

		TRY("wrmsr",
		    :
		    : "c"(msrs[i]), "a"((uint32_t)bad),
		      "d"((uint32_t)(bad >> 32)));
		expect_msg(last_trap.count == before + 1 &&
				   last_trap.vector == X86_EXC_GP,
			   "wrmsr %#x of a non-canonical base was not #GP",
			   msrs[i]);
	}
	for (unsigned int which = SEGBASE_FS; which <= SEGBASE_GS_KERNEL;
	     which++)
		expect_rc(HYPERVISOR_set_segment_base(which, bad), -XEN_EINVAL);
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
}

/* After all that, the hypervisor still answers as it should. */
static void test_still_sane(void)
{
	domid_t self = DOMID_SELF;
	long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);

	expect_eq(HYPERVISOR_xen_version(XENVER_version, NULL) >> 16, 4);
	expect(cur > 0 &&
	       cur <= HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self));
	expect_rc(HYPERVISOR_set_gdt(NULL, 0), 0);
	/* The victim may be a page table now, or pinned: its own doing. */
	if (update_va((unsigned long)area.victim,
		      pte_rw(virt_to_mfn(area.victim)), UVMF_INVLPG) == 0)
		expect_eq(probe_write(&area.victim[1], 5), -1);
	else
		ktap_diag("the victim page cannot be writable again");
	expect_rc(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
	ktap_diag("%u event upcalls", event_upcalls);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_setup),
	KTAP_CASE(test_random_hypercalls),
	KTAP_CASE(test_random_instructions),
	KTAP_CASE(test_noncanonical_bases),
	KTAP_CASE(test_still_sane),
};

int main(void)
{
	return ktap_main("hostile", cases, ARRAY_SIZE(cases));
}
