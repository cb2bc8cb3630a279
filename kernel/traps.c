/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts: the IDT, dispatch, and the report of a fatal
 * fault inside mica.
 *
 * Every vector enters through kernel/entry.S. Exceptions (0..31) are fatal
 * unless the exception table has a fixup for the faulting instruction (or,
 * for #BP, a handler is registered); interrupts (32..255) go to the handler
 * registered with irq_register(). A fatal fault prints the exception, its
 * error code decoded, the registers, cr2 (with what it hit: a stack's guard
 * page, a vmap area's guard or unmapped page, naming the area's allocator)
 * and a symbolised backtrace, and then machine_crash_stop() restarts (or
 * halts, with noreboot).
 */
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <mica/console.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/power.h>
#include <mica/stack.h>
#include <mica/symbols.h>
#include <mica/vmap.h>

void trap_dispatch(struct cpu_regs *regs);
/* kernel/pv/traps.c: what the guest's exceptions and syscalls do. */
void pv_syscall(struct cpu_regs *regs);
void pv_guest_exception(struct cpu_regs *regs);

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;

static struct idt_gate idt[256] __aligned(16);
static irq_handler_t handlers[256];
static unsigned long spurious[256];

extern const char trap_stubs[];
extern const char __text_start[], __text_end[];
extern char boot_stack[], boot_stack_top[], boot_stack_guard[];

static const char *const names[32] = {
	[TRAP_DE] = "Divide error",
	[TRAP_DB] = "Debug",
	[TRAP_NMI] = "NMI",
	[TRAP_BP] = "Breakpoint",
	[TRAP_OF] = "Overflow",
	[TRAP_BR] = "BOUND range exceeded",
	[TRAP_UD] = "Invalid opcode",
	[TRAP_NM] = "Device not available",
	[TRAP_DF] = "Double fault",
	[9] = "Coprocessor segment overrun",
	[TRAP_TS] = "Invalid TSS",
	[TRAP_NP] = "Segment not present",
	[TRAP_SS] = "Stack-segment fault",
	[TRAP_GP] = "General protection fault",
	[TRAP_PF] = "Page fault",
	[TRAP_MF] = "x87 floating-point error",
	[TRAP_AC] = "Alignment check",
	[TRAP_MC] = "Machine check",
	[TRAP_XM] = "SIMD floating-point exception",
	[TRAP_VE] = "Virtualization exception",
	[TRAP_CP] = "Control protection exception",
};

static void set_gate(unsigned int vec, unsigned int ist, unsigned int dpl)
{
	unsigned long addr = (unsigned long)trap_stubs + 16 * vec;

	idt[vec] = (struct idt_gate){
		.offset_lo = addr & 0xffff,
		.selector = __HYPERVISOR_CS,
		.ist = ist,
		/* present, DPL, 64-bit interrupt gate */
		.type_attr = (uint8_t)(0x8e | (dpl << 5)),
		.offset_mid = (addr >> 16) & 0xffff,
		.offset_hi = addr >> 32,
	};
}

static int trap_init(void)
{
	struct desc_ptr idtr = {sizeof(idt) - 1, (unsigned long)idt};

	gdt_init();
	for (unsigned int v = 0; v < 256; v++)
		set_gate(v, 0, 0);
	/* int3 and into from a PV guest arrive as #BP and #OF, as in Xen. */
	set_gate(TRAP_BP, 0, 3);
	set_gate(TRAP_OF, 0, 3);
	set_gate(TRAP_DF, IST_DF, 0);
	set_gate(TRAP_NMI, IST_NMI, 0);
	set_gate(TRAP_MC, IST_MC, 0);
	asm volatile("lidt %0" : : "m"(idtr));
	return 0;
}
__initcall(trap_init, INIT_TRAPS);

void irq_register(unsigned int vector, irq_handler_t handler)
{
	BUG_ON(vector < VECTOR_FIRST_IRQ && vector != TRAP_BP);
	BUG_ON(vector > 255 || (handlers[vector] && handler));
	handlers[vector] = handler;
}

/* ---- the report ---- */

static void decode_error(unsigned int vec, unsigned long ec)
{
	switch (vec) {
	case TRAP_PF:
		printk(LOG_ERR "  error code %#lx: %s, %s, %s mode%s%s%s%s\n",
		       ec, ec & 1 ? "protection violation" : "page not present",
		       ec & 2 ? "write" : "read",
		       ec & 4 ? "user" : "supervisor",
		       ec & 8 ? ", reserved bit set" : "",
		       ec & 16 ? ", instruction fetch" : "",
		       ec & 32 ? ", protection key" : "",
		       ec & 64 ? ", shadow stack" : "");
		break;
	case TRAP_TS:
	case TRAP_NP:
	case TRAP_SS:
	case TRAP_GP:
	case TRAP_AC:
		if (!ec) {
			printk(LOG_ERR "  error code 0\n");
			break;
		}
		printk(LOG_ERR
		       "  error code %#lx: %s%s index %lu (selector %#lx)\n",
		       ec, ec & 1 ? "external event, " : "",
		       ec & 2	? "IDT"
		       : ec & 4 ? "LDT"
				: "GDT",
		       (ec >> 3) & 0x1fff, ec & ~7UL);
		break;
	case TRAP_DF:
	case TRAP_CP:
		printk(LOG_ERR "  error code %#lx\n", ec);
		break;
	default:
		break;
	}
}

static void print_symbol(const char *prefix, unsigned long addr)
{
	unsigned long off, size;
	const char *name = symbol_lookup(addr, &off, &size);

	if (name)
		printk(LOG_ERR "%s%016lx %s+%#lx/%#lx\n", prefix, addr, name,
		       off, size);
	else
		printk(LOG_ERR "%s%016lx\n", prefix, addr);
}

/* A frame pointer worth following: aligned, and both words mapped. */
static bool frame_ok(unsigned long fp)
{
	unsigned int level;

	return fp && !(fp & 7) && fp >= HYPERVISOR_VIRT_START &&
	       fp < HYPERVISOR_VIRT_END && paging_lookup(fp, &level) &&
	       paging_lookup(fp + 8, &level);
}

void show_backtrace(unsigned long rip, unsigned long rbp)
{
	unsigned long last = 0, repeats = 0;

	printk(LOG_ERR "Backtrace:\n");
	print_symbol("  ", rip);
	for (unsigned int depth = 0; depth < 64 && frame_ok(rbp); depth++) {
		const unsigned long *frame = (const unsigned long *)rbp;

		if (!frame[1])
			break;
		/* Deep recursion: one line for a run of the same return address. */
		if (frame[1] == last) {
			repeats++;
		} else {
			if (repeats)
				printk(LOG_ERR
				       "  ... the same %lu more times\n",
				       repeats);
			repeats = 0;
			print_symbol("  ", frame[1]);
			last = frame[1];
		}
		if (frame[0] <= rbp)
			break; /* stacks grow down: the chain must go up */
		rbp = frame[0];
	}
	if (repeats)
		printk(LOG_ERR "  ... the same %lu more times\n", repeats);
}

/* Name the stack an address lies in, and whether it is that stack's guard page. */
static const char *stack_of(unsigned long addr, bool *guard)
{
	const char *name = ist_stack_name(addr, guard);

	if (name)
		return name;
	if (addr >= (unsigned long)boot_stack_guard &&
	    addr < (unsigned long)boot_stack_top) {
		*guard = addr < (unsigned long)boot_stack;
		return "boot stack";
	}
	return NULL;
}

/* A fault in the vmap area: the area it hit, and who allocated that. */
static void report_vmap(unsigned long cr2)
{
	struct vmap_where w;
	const char *kind;
	unsigned long end;

	if (!vmap_describe(cr2, &w))
		return;
	kind = w.vmalloc ? "vmalloc" : "vmap";
	end = w.start + (w.pages << PAGE_SHIFT);
	switch (w.place) {
	case VMAP_GUARD_ABOVE:
	case VMAP_GUARD_BELOW:
		printk(LOG_ERR
		       "  vmap: cr2 is in the guard page %s the %s area [%016lx, %016lx) (%lu pages)\n",
		       w.place == VMAP_GUARD_ABOVE ? "after" : "before", kind,
		       w.start, end, w.pages);
		break;
	case VMAP_MAPPED:
	case VMAP_UNMAPPED:
		printk(LOG_ERR
		       "  vmap: cr2 is in page %lu of the %s area [%016lx, %016lx) (%lu pages, %lu mapped), %s\n",
		       w.offset, kind, w.start, end, w.pages, w.mapped,
		       w.place == VMAP_MAPPED ? "mapped"
					      : "unmapped by vunmap_range()");
		break;
	default:
		if (!w.has_area) {
			printk(LOG_ERR
			       "  vmap: cr2 is in free vmap space, below any area\n");
			return;
		}
		printk(LOG_ERR
		       "  vmap: cr2 is in free vmap space, %lu pages past the guard page after the %s area [%016lx, %016lx) (%lu pages)\n",
		       w.offset, kind, w.start, end, w.pages);
		break;
	}
	print_symbol("  vmap area allocated by ", w.caller);
}

static unsigned int fatal_depth;

static __noreturn void fatal_trap(const struct cpu_regs *r)
{
	unsigned long cr2 = read_cr2();
	unsigned int vec = (unsigned int)r->vector;
	bool guard = false;
	const char *stack;

	if (fatal_depth++) {
		/* A fault while reporting one: the minimum, then stop. */
		printk(LOG_ERR
		       "\n*** nested fault: vector %u at %016lx, cr2 %016lx\n",
		       vec, r->rip, cr2);
		halt_forever();
	}
	printk(LOG_ERR "\n*** mica: %s (vector %u) in mica\n",
	       vec < 32 && names[vec] ? names[vec] : "Reserved exception", vec);
	print_symbol("  rip ", r->rip);
	decode_error(vec, r->error_code);
	if (vec == TRAP_PF) {
		printk(LOG_ERR "  cr2 %016lx (the address that faulted)\n",
		       cr2);
		stack = stack_of(cr2, &guard);
		if (stack && guard)
			printk(LOG_ERR
			       "  stack overflow: cr2 is in the guard page of the %s\n",
			       stack);
		report_vmap(cr2);
	}
	if (vec == TRAP_DF) {
		stack = stack_of(r->rsp, &guard);
		if ((stack && guard) || (stack_of(cr2, &guard) && guard))
			printk(LOG_ERR
			       "  stack overflow: the stack ran into the guard page of the %s (cr2 %016lx)\n",
			       stack_of(cr2, &guard) ?: stack, cr2);
	}
	printk(LOG_ERR "  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
	       r->rax, r->rbx, r->rcx, r->rdx);
	printk(LOG_ERR "  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
	       r->rsi, r->rdi, r->rbp, r->rsp);
	printk(LOG_ERR "  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", r->r8,
	       r->r9, r->r10, r->r11);
	printk(LOG_ERR "  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n",
	       r->r12, r->r13, r->r14, r->r15);
	printk(LOG_ERR "  cs %04lx ss %04lx rflags %08lx\n", r->cs, r->ss,
	       r->rflags);
	printk(LOG_ERR
	       "  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx efer %lx\n",
	       read_cr0(), cr2, read_cr3(), read_cr4(), rdmsr(MSR_EFER));
	show_backtrace(r->rip, r->rbp);
	machine_crash_stop();
}

void trap_dispatch(struct cpu_regs *regs)
{
	unsigned int vec = (unsigned int)regs->vector;

	if (vec >= 256) {
		pv_syscall(regs);
		return;
	}
	/* A guest's exception is the guest's; NMI, #MC and #DF are mica's. */
	if (vec < VECTOR_FIRST_IRQ && (regs->cs & 3) == 3 && vec != TRAP_NMI &&
	    vec != TRAP_MC && vec != TRAP_DF) {
		pv_guest_exception(regs);
		return;
	}
	if (vec >= VECTOR_FIRST_IRQ || (vec == TRAP_BP && handlers[vec])) {
		if (handlers[vec]) {
			handlers[vec](regs);
		} else if (!spurious[vec]++) {
			printk(LOG_WARN
			       "traps: unexpected interrupt on vector %#x\n",
			       vec);
		}
		return;
	}
	if (extable_fixup(regs))
		return;
	fatal_trap(regs);
}

/* ---- crashtest=: faults on purpose, for scripts/test-crash.sh ---- */

static char opt_crashtest[16];
string_param("crashtest", opt_crashtest);

/* Recurses until the guard page stops it (the depth bound is never reached). */
static __attribute__((noinline)) unsigned long overflow_stack(unsigned long n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n > (1UL << 40))
		return n;
	return overflow_stack(n + 1) + pad[0];
}

/*
 * Run off the end of a vmalloc area into its guard page, or (hole) touch
 * a page of an area that vunmap_range() took away.
 */
static __attribute__((noinline)) void crash_vmap(bool hole)
{
	volatile char *p = vmalloc(2 * PAGE_SIZE);

	if (!p) {
		printk(LOG_ERR "crashtest: vmalloc failed\n");
		return;
	}
	if (hole) {
		vunmap_range((char *)p + PAGE_SIZE, 1);
		p[PAGE_SIZE + 8] = 1;
	}
	for (unsigned long i = 0; i <= 2 * PAGE_SIZE; i += 64)
		p[i] = 1;
}

static __attribute__((noinline)) void crash_now(const char *what)
{
	printk("crashtest: %s\n", what);
	if (!strcmp(what, "pf")) {
		*(volatile unsigned long *)0x1000 =
			1; /* nothing is mapped low */
	} else if (!strcmp(what, "ud")) {
		asm volatile("ud2");
	} else if (!strcmp(what, "de")) {
		unsigned int zero = 0, x;

		asm volatile("divl %2" : "=a"(x) : "a"(1), "r"(zero), "d"(0));
	} else if (!strcmp(what, "gp")) {
		(void)*(volatile unsigned long
				*)0x8000000000000000UL; /* non-canonical */
	} else if (!strcmp(what, "bp")) {
		asm volatile("int3");
	} else if (!strcmp(what, "stack")) {
		overflow_stack(0);
	} else if (!strcmp(what, "vmap") || !strcmp(what, "vmap-hole")) {
		crash_vmap(what[4] == '-');
	} else {
		printk(LOG_WARN
		       "crashtest: unknown fault '%s' (pf ud de gp bp stack vmap vmap-hole)\n",
		       what);
		return;
	}
	printk(LOG_ERR "crashtest: %s did not fault\n", what);
}

static int crashtest(void)
{
	if (opt_crashtest[0])
		crash_now(opt_crashtest);
	return 0;
}
__initcall(crashtest, INIT_LATE);
