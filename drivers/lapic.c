/* SPDX-License-Identifier: MIT */
/*
 * The legacy PICs (remapped and masked) and the boot CPU's local APIC with
 * its periodic timer. See include/asm/apic.h. Set up by time_init() before
 * it calibrates the TSC and started after, since the LAPIC timer is
 * measured against the TSC over the calibration.
 */
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <mica/acpi.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/selftest.h>
#include <mica/time.h>

/* timer_hz=N: LAPIC timer interrupts per second. */
unsigned int timer_hz = 100;
integer_param("timer_hz", timer_hz);

uint64_t lapic_timer_hz;
volatile uint64_t timer_ticks;

static volatile uint8_t *lapic_mmio;
static bool x2apic_mode;
static unsigned long spurious_lapic, spurious_pic;

uint32_t lapic_read(unsigned int reg)
{
	if (x2apic_mode)
		return (uint32_t)rdmsr(MSR_X2APIC_FIRST + (reg >> 4));
	return readl(lapic_mmio + reg);
}

void lapic_write(unsigned int reg, uint32_t v)
{
	if (x2apic_mode)
		wrmsr(MSR_X2APIC_FIRST + (reg >> 4), v);
	else
		writel(v, lapic_mmio + reg);
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

/* ---- 8259 PICs ---- */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define PIC_READ_ISR 0x0b

/* Old 8259s need a moment between initialisation words. */
static void pic_out(uint8_t v, uint16_t port)
{
	outb(v, port);
	outb(0, 0x80);
}

static void pic_remap_and_mask(void)
{
	pic_out(0x11, PIC1_CMD); /* ICW1: edge, cascade, ICW4 follows */
	pic_out(0x11, PIC2_CMD);
	pic_out(VECTOR_FIRST_IRQ, PIC1_DATA); /* ICW2: vector base */
	pic_out(VECTOR_FIRST_IRQ + 8, PIC2_DATA);
	pic_out(1u << 2, PIC1_DATA); /* ICW3: the slave is on IRQ2 */
	pic_out(2, PIC2_DATA);
	pic_out(0x01, PIC1_DATA); /* ICW4: 8086 mode, normal EOI */
	pic_out(0x01, PIC2_DATA);
	pic_out(0xff, PIC1_DATA); /* mask every line */
	pic_out(0xff, PIC2_DATA);
}

static uint8_t pic_isr(uint16_t cmd)
{
	outb(PIC_READ_ISR, cmd);
	return inb(cmd);
}

/*
 * Every PIC line is masked, so what arrives here is normally the spurious
 * IRQ7/IRQ15 an 8259 raises when a request vanishes before it is
 * acknowledged (masking one in flight does that). Those get no EOI, except
 * that the master did see a real IRQ2 for a spurious IRQ15.
 */
static void pic_irq(struct cpu_regs *regs)
{
	unsigned int irq = regs->vector - VECTOR_FIRST_IRQ;

	if (irq == 7 && !(pic_isr(PIC1_CMD) & 0x80)) {
		spurious_pic++;
		return;
	}
	if (irq == 15 && !(pic_isr(PIC2_CMD) & 0x80)) {
		spurious_pic++;
		outb(PIC_EOI, PIC1_CMD);
		return;
	}
	printk(LOG_WARN "lapic: interrupt from masked PIC line %u\n", irq);
	if (irq >= 8)
		outb(PIC_EOI, PIC2_CMD);
	outb(PIC_EOI, PIC1_CMD);
}

/* ---- LAPIC ---- */

void (*lapic_tick_hook)(void);

static void timer_irq(struct cpu_regs *regs)
{
	timer_ticks++;
	lapic_eoi();
	if (lapic_tick_hook)
		lapic_tick_hook();
}

/* A spurious LAPIC interrupt is never acknowledged (SDM 10.9). */
static void spurious_irq(struct cpu_regs *regs)
{
	spurious_lapic++;
}

#define DIVIDE_BY_16 0x3

/*
 * The timer is measured against the TSC without a window of its own: it
 * counts down from its maximum, masked, while time_init() calibrates the
 * TSC (8 ms or more), and lapic_timer_start() reads how far it got. Both
 * clocks run through an SMI or a preempted vCPU, so only the two ends need
 * care: each is a count bracketed by TSC reads, the tightest of a few.
 * CPUID leaf 0x15's crystal clock is not used: a hypervisor may pass the
 * host's through while its virtual LAPIC runs at another rate (KVM: 1 GHz).
 */
static int setup_rc = -ENODEV; /* lapic_init()'s result */
static uint64_t cal_tsc;
static uint32_t cal_count;

static void timer_pair(uint64_t *tsc, uint32_t *count)
{
	uint64_t best = ~0ull;

	for (unsigned int i = 0; i < 4; i++) {
		uint64_t a = rdtsc();
		uint32_t c = lapic_read(APIC_TIMER_CURRENT);
		uint64_t b = rdtsc();

		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*count = c;
		}
	}
}

/* One-shot from the maximum, masked: a free-running down-counter. */
static void timer_count_down(uint64_t *tsc, uint32_t *count)
{
	lapic_write(APIC_TIMER_DIVIDE, DIVIDE_BY_16);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VECTOR_LAPIC_TIMER);
	lapic_write(APIC_TIMER_INIT, 0xffffffff);
	timer_pair(tsc, count);
}

/* The timer's rate since (tsc0, count0); 0 if it ran out or never ran. */
static uint64_t timer_rate_since(uint64_t tsc0, uint32_t count0)
{
	uint64_t tsc1, dt, q;
	uint32_t count1;

	timer_pair(&tsc1, &count1);
	if (!count1 || count1 >= count0 || tsc1 <= tsc0)
		return 0;
	/* counts * tsc_khz fits (2^32 * 2^24); the * 1000 in two steps. */
	dt = tsc1 - tsc0;
	q = (uint64_t)(count0 - count1) * tsc_khz;
	return q / dt * 1000 + q % dt * 1000 / dt;
}

/* A measurement in a window of its own, for the self test. */
static uint64_t measure_timer(unsigned int ms)
{
	uint64_t t0;
	uint32_t c0;

	timer_count_down(&t0, &c0);
	while (rdtsc() - t0 < tsc_khz * ms)
		cpu_relax();
	return timer_rate_since(t0, c0);
}

static void timer_run(void)
{
	uint32_t count = (uint32_t)MAX(1ul, lapic_timer_hz / timer_hz);

	lapic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VECTOR_LAPIC_TIMER);
	lapic_write(APIC_TIMER_INIT, count);
}

int lapic_init(void)
{
	uint64_t base;
	paddr_t pa;

	if (!acpi_info.present || acpi_info.pcat_compat)
		pic_remap_and_mask();
	for (unsigned int v = VECTOR_FIRST_IRQ; v < VECTOR_FIRST_IRQ + 16; v++)
		irq_register(v, pic_irq);

	if (!(cpuid(1).edx & (1u << 9))) {
		printk(LOG_ERR
		       "lapic: the CPU has no local APIC: no timer interrupts\n");
		return setup_rc = -ENODEV;
	}
	base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_APIC_BASE, base);
	}
	x2apic_mode = base & APIC_BASE_X2APIC;
	pa = base & PADDR_MASK;
	if (!x2apic_mode) {
		lapic_mmio = phys_map(pa, PAGE_SIZE, PHYS_UC);
		if (!lapic_mmio) {
			printk(LOG_ERR "lapic: cannot map the LAPIC at %#lx\n",
			       pa);
			return setup_rc = -ENOMEM;
		}
		if (acpi_info.lapic_base && acpi_info.lapic_base != pa)
			printk(LOG_WARN
			       "lapic: the MADT says %#lx, the CPU %#lx: using the CPU's\n",
			       acpi_info.lapic_base, pa);
	}

	irq_register(VECTOR_LAPIC_TIMER, timer_irq);
	irq_register(VECTOR_SPURIOUS, spurious_irq);
	lapic_write(APIC_TPR, 0);
	/* mica does not use the PIC: no ExtINT through LINT0. */
	lapic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
	lapic_write(APIC_ESR, 0);

	timer_count_down(&cal_tsc, &cal_count);
	return setup_rc = 0;
}

int lapic_timer_start(void)
{
	uint64_t ms;

	if (setup_rc)
		return setup_rc;
	if (!tsc_khz)
		return -EINVAL;
	ms = (rdtsc() - cal_tsc) / tsc_khz;
	lapic_timer_hz = timer_rate_since(cal_tsc, cal_count);
	if (!lapic_timer_hz) {
		/* Ran out (a fast timer and a long calibration): once more. */
		lapic_timer_hz = measure_timer(2);
		ms = 2;
	}
	if (!lapic_timer_hz) {
		printk(LOG_ERR
		       "lapic: the timer does not count: no timer interrupts\n");
		return -EIO;
	}
	if (!timer_hz || timer_hz > 10000) {
		printk(LOG_WARN
		       "lapic: timer_hz=%u out of 1..10000: using 100\n",
		       timer_hz);
		timer_hz = 100;
	}
	timer_run();

	printk("lapic: %s id %u, timer %lu.%03lu MHz (/16, over %lu ms), %u Hz\n",
	       x2apic_mode ? "x2APIC" : "xAPIC",
	       x2apic_mode ? lapic_read(APIC_ID) : lapic_read(APIC_ID) >> 24,
	       lapic_timer_hz / 1000000, lapic_timer_hz / 1000 % 1000, ms,
	       timer_hz);
	local_irq_enable();
	return 0;
}

/* ---- self tests ---- */

static void restore_irqs(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		local_irq_enable();
	else
		local_irq_disable();
}

SELFTEST(lapic, timer_ticks_advance)
{
	unsigned long flags = local_save_flags();
	uint64_t t0, n, want = 100 * (uint64_t)timer_hz / 1000;

	if (!lapic_timer_hz) {
		ST_CHECK(t, false, "the LAPIC timer is not running");
		return;
	}
	local_irq_enable();
	t0 = timer_ticks;
	udelay(100000);
	n = timer_ticks - t0;
	restore_irqs(flags);
	/* A busy host may make QEMU drop periods; never add them. */
	ST_CHECK(t, n >= want / 3 && n <= want + 2,
		 "%lu ticks in 100 ms at %u Hz", n, timer_hz);
}

SELFTEST(lapic, no_ticks_with_irqs_off)
{
	unsigned long flags = local_save_flags();
	uint64_t t0, t1, t2;

	if (!lapic_timer_hz) {
		ST_CHECK(t, false, "the LAPIC timer is not running");
		return;
	}
	local_irq_disable();
	t0 = timer_ticks;
	udelay(3000000 / timer_hz); /* three periods */
	t1 = timer_ticks;
	/* The one interrupt left pending in the IRR arrives now. */
	local_irq_enable();
	udelay(1);
	t2 = timer_ticks;
	restore_irqs(flags);
	ST_CHECK(t, t1 == t0, "%lu ticks with interrupts off", t1 - t0);
	ST_CHECK(t, t2 - t1 >= 1 && t2 - t1 <= 2, "%lu ticks right after sti",
		 t2 - t1);
}

/*
 * The boot measurement against a fresh one in windows of their own (the
 * median of three, 2 ms each): within 1%, as both count fixed clocks.
 */
SELFTEST(lapic, timer_rate_matches_windows)
{
	unsigned long flags = local_save_flags();
	uint64_t hz[3];

	if (!lapic_timer_hz) {
		ST_CHECK(t, false, "the LAPIC timer is not running");
		return;
	}
	local_irq_disable();
	for (unsigned int i = 0; i < ARRAY_SIZE(hz); i++)
		hz[i] = measure_timer(2);
	timer_run();
	restore_irqs(flags);
	median_u64(hz, ARRAY_SIZE(hz)); /* sorted: hz[1] is the median */
	ST_CHECK(t,
		 hz[1] * 100 > lapic_timer_hz * 99 &&
			 hz[1] * 100 < lapic_timer_hz * 101,
		 "windows say %lu Hz (%lu..%lu), boot said %lu Hz", hz[1],
		 hz[0], hz[2], lapic_timer_hz);
}
