/* SPDX-License-Identifier: MIT */
/*
 * Clocks: the TSC, calibrated at boot against the PIT and against the HPET
 * when ACPI describes one. The result (tsc_khz) drives now_ns() and
 * udelay(). Before calibration udelay() counts PIT periods instead, so the
 * restart path can wait even in early boot. See include/mica/time.h.
 */
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <mica/acpi.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/selftest.h>
#include <mica/time.h>

uint64_t tsc_khz;

/* clocksource=pit|hpet: what the TSC is calibrated against. */
static char opt_clocksource[8];
string_param("clocksource", opt_clocksource);

/* The calibrations, kept for the report and the tests (0: failed). */
static uint64_t pit_khz, hpet_khz;
static uint64_t tsc_base;
static uint64_t ns_mult; /* ns = (tsc delta * ns_mult) >> 32 */

/* ---- PIT ---- */

#define PIT_HZ 1193182u
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02

/*
 * The PIT counts down from 0xffff in mode 0 (wrapping, never reloaded) and
 * is read through latch commands. Channel 2 raises no interrupt but counts
 * only with its gate in port 0x61 open; where that port is missing (QEMU's
 * microvm) channel 0 serves instead, its interrupt line masked or unused.
 */
#define PIT_UNPROBED -1
#define PIT_NONE -2
static int pit_ch = PIT_UNPROBED;

static uint16_t pit_read(void)
{
	uint8_t lo, hi;

	outb((uint8_t)(pit_ch << 6), PIT_CMD); /* latch the count */
	lo = inb(0x40 + pit_ch);
	hi = inb(0x40 + pit_ch);
	return (uint16_t)(hi << 8 | lo);
}

static void pit_arm(int ch)
{
	if (ch == 2)
		outb((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2, PORT_B);
	outb((uint8_t)(ch << 6 | 0x30), PIT_CMD); /* lobyte/hibyte, mode 0 */
	outb(0xff, 0x40 + ch);
	outb(0xff, 0x40 + ch);
}

/* Two steps down in a row; a missing PIT reads a constant 0xffff. */
static bool pit_counts(void)
{
	uint16_t prev = pit_read();
	unsigned int steps = 0;

	for (unsigned int i = 0; i < 100000 && steps < 2; i++) {
		uint16_t c = pit_read();

		if (c == prev)
			continue;
		if ((uint16_t)(prev - c) > 0x1000)
			return false;
		prev = c;
		steps++;
	}
	return steps == 2;
}

static bool pit_setup(void)
{
	if (pit_ch != PIT_UNPROBED)
		return pit_ch != PIT_NONE;
	pit_ch = 2;
	pit_arm(pit_ch);
	if (pit_counts())
		return true;
	pit_ch = 0;
	pit_arm(pit_ch);
	if (pit_counts()) {
		printk("time: PIT channel 2 does not count (no gate in port 0x61): using channel 0\n");
		return true;
	}
	printk(LOG_WARN "time: the PIT does not count: no PIT?\n");
	pit_ch = PIT_NONE;
	return false;
}

/* Polls often enough: the count wraps every 55 ms. */
static void pit_delay(unsigned long us)
{
	if (!pit_setup())
		return;
	while (us) {
		unsigned long chunk = MIN(us, 50000ul);
		uint16_t ticks = (uint16_t)MAX(1ul, chunk * PIT_HZ / 1000000);
		uint16_t c0 = pit_read();

		while ((uint16_t)(c0 - pit_read()) < ticks)
			;
		us -= chunk;
	}
}

/*
 * Three 2 ms windows: the PIT's 838 ns tick still resolves 0.04% of one, an
 * HPET (>= 10 MHz) 0.005%, and the median rejects a window the brackets
 * below miss. Timed by the HPET they overlap (see calibrate_hpet()), and
 * calibration costs 3 ms of boot.
 */
#define CAL_MS 2
#define CAL_TRIES 3
#define CAL_STAGGER_US 500

/*
 * A TSC reading paired with a PIT count: the TSC is read on both sides of
 * the count and the midpoint kept. Returns the bracket's width, so that a
 * pair the host or an SMI stretched can be told apart.
 */
static uint64_t pit_pair(uint64_t *tsc, uint16_t *c)
{
	uint64_t a = rdtsc(), b;

	*c = pit_read();
	b = rdtsc();
	*tsc = a + (b - a) / 2;
	return b - a;
}

/* The tightest of a few pairs, for a window end that need not be exact. */
static uint64_t pit_pair_tight(uint64_t *tsc, uint16_t *c)
{
	uint64_t best = ~0ull;

	for (unsigned int i = 0; i < 4; i++) {
		uint64_t t;
		uint16_t v;
		uint64_t w = pit_pair(&t, &v);

		if (w < best) {
			best = w;
			*tsc = t;
			*c = v;
		}
	}
	return best;
}

/*
 * Each window's ends are bracketed pairs; a window whose brackets add up
 * to over 1/64 of it was disturbed (a preempted vCPU reads a count long
 * after its TSC) and is measured again, a few times at most. The median of
 * the windows rejects what the brackets miss.
 */
static uint64_t calibrate_pit(unsigned int tries)
{
	const uint16_t ticks = PIT_HZ * CAL_MS / 1000;
	uint64_t k[CAL_TRIES];
	unsigned int n = 0;

	if (!pit_setup())
		return 0;
	for (unsigned int attempt = 0; n < tries && attempt < 4 * tries;
	     attempt++) {
		uint64_t t0, t1, slack;
		uint16_t c0, c;

		slack = pit_pair(&t0, &c0);
		do {
			uint64_t w = pit_pair(&t1, &c);

			slack = MAX(slack, w);
		} while ((uint16_t)(c0 - c) < ticks);
		if (slack * 64 > t1 - t0 && attempt + 1 < 4 * tries)
			continue;
		k[n++] = (t1 - t0) * PIT_HZ /
			 ((uint64_t)(uint16_t)(c0 - c) * 1000);
	}
	return n ? median_u64(k, n) : 0;
}

/* ---- HPET ---- */

#define HPET_CAP 0x000
#define HPET_CFG 0x010
#define HPET_CFG_ENABLE 1u
#define HPET_COUNTER 0x0f0
#define HPET_MAX_PERIOD_FS 100000000u /* the spec's bound: >= 10 MHz */

static volatile uint8_t *hpet;
static uint32_t hpet_period_fs;

static uint32_t hpet_read(void)
{
	return readl(hpet + HPET_COUNTER);
}

static int hpet_init(void)
{
	uint64_t cap;

	if (!acpi_info.hpet_base)
		return -ENODEV;
	hpet = phys_map(acpi_info.hpet_base, 1024, PHYS_UC);
	if (!hpet) {
		printk(LOG_WARN "time: cannot map the HPET at %#lx\n",
		       acpi_info.hpet_base);
		return -ENOMEM;
	}
	cap = readq(hpet + HPET_CAP);
	hpet_period_fs = cap >> 32;
	if (!hpet_period_fs || hpet_period_fs > HPET_MAX_PERIOD_FS) {
		printk(LOG_WARN
		       "time: HPET at %#lx has a bad period of %u fs: ignored\n",
		       acpi_info.hpet_base, hpet_period_fs);
		hpet = NULL;
		return -EINVAL;
	}
	/* Legacy replacement stays as the firmware left it; just count. */
	if (!(readl(hpet + HPET_CFG) & HPET_CFG_ENABLE))
		writel(readl(hpet + HPET_CFG) | HPET_CFG_ENABLE,
		       hpet + HPET_CFG);
	/* >= 10 MHz: a few reads must see it move. */
	for (uint32_t i = 0, first = hpet_read(); i < 100000; i++)
		if (hpet_read() != first)
			return 0;
	printk(LOG_WARN "time: the HPET at %#lx does not count: ignored\n",
	       acpi_info.hpet_base);
	hpet = NULL;
	return -EIO;
}

/* A TSC reading paired with an HPET reading, from the tightest of tries. */
static void hpet_pair(uint64_t *tsc, uint32_t *h)
{
	uint64_t best = ~0ull;

	for (unsigned int i = 0; i < 8; i++) {
		uint64_t a = rdtsc();
		uint32_t v = hpet_read();
		uint64_t b = rdtsc();

		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*h = v;
		}
	}
}

static uint64_t hpet_ticks_to_ns(uint64_t ticks)
{
	return ticks * hpet_period_fs / 1000000;
}

static void hpet_wait(uint32_t from, uint64_t ticks)
{
	while ((uint32_t)(hpet_read() - from) < ticks)
		cpu_relax();
}

struct cal_end {
	uint64_t tsc, pit_tsc, pit_slack;
	uint32_t hpet;
	uint16_t pit;
};

/*
 * One end of a window: an HPET pair and, with pit, a PIT pair around it
 * (before it at a start, after it at an end, so that the PIT's span covers
 * the HPET's).
 */
static void cal_sample(struct cal_end *e, bool pit, bool start)
{
	if (pit && start)
		e->pit_slack = pit_pair_tight(&e->pit_tsc, &e->pit);
	hpet_pair(&e->tsc, &e->hpet);
	if (pit && !start)
		e->pit_slack = pit_pair_tight(&e->pit_tsc, &e->pit);
}

/*
 * Windows timed by the HPET, staggered: window i opens CAL_STAGGER_US
 * after window i - 1 and each lasts CAL_MS, so three of them take
 * CAL_MS + 2 * CAL_STAGGER_US, not 3 * CAL_MS. Only the ends matter (the
 * clocks keep counting through an SMI or a preempted vCPU in between), and
 * no two windows share an end, so the median still rejects one bad end.
 *
 * When pit is not NULL the PIT is read at the ends too, so one pass
 * calibrates against both clocks: a window's PIT result counts only if
 * neither PIT bracket took over 1/64 of it (as in calibrate_pit()) and it
 * stayed well inside the PIT's 55 ms wrap. Passes are repeated until each
 * clock has tries results, four at most; *pit is 0 if the PIT got none.
 */
static uint64_t calibrate_hpet(unsigned int tries, uint64_t *pit)
{
	const uint64_t want =
		(uint64_t)CAL_MS * 1000000000000ull / hpet_period_fs;
	const uint64_t stagger =
		(uint64_t)CAL_STAGGER_US * 1000000000ull / hpet_period_fs;
	uint64_t k[CAL_TRIES], kp[CAL_TRIES];
	unsigned int n = 0, np = 0;

	if (pit && !pit_setup())
		pit = NULL;
	for (unsigned int pass = 0;
	     (n < tries || (pit && np < tries)) && pass < 4; pass++) {
		struct cal_end s[CAL_TRIES], e;

		for (unsigned int i = 0; i < tries; i++) {
			if (i)
				hpet_wait(s[i - 1].hpet, stagger);
			cal_sample(&s[i], pit, true);
		}
		for (unsigned int i = 0; i < tries; i++) {
			uint64_t ns, pspan;

			hpet_wait(s[i].hpet, want);
			cal_sample(&e, pit, false);
			ns = hpet_ticks_to_ns((uint32_t)(e.hpet - s[i].hpet));
			if (n < tries)
				k[n++] = ns ? (e.tsc - s[i].tsc) * 1000000 / ns
					    : 0;
			pspan = e.pit_tsc - s[i].pit_tsc;
			if (pit && np < tries &&
			    MAX(s[i].pit_slack, e.pit_slack) * 64 <= pspan &&
			    ns < 40000000 && s[i].pit != e.pit)
				kp[np++] = pspan * PIT_HZ /
					   ((uint64_t)(uint16_t)(s[i].pit -
								 e.pit) *
					    1000);
		}
	}
	if (pit)
		*pit = np ? median_u64(kp, np) : 0;
	return median_u64(k, n);
}

/* ---- the TSC ---- */

static uint64_t cpuid_tsc_khz(void)
{
	struct cpuid_regs r;

	if (cpu_features.max_leaf < 0x15)
		return 0;
	r = cpuid(0x15);
	if (r.eax && r.ebx && r.ecx)
		return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
	if (cpu_features.max_leaf >= 0x16 && (cpuid(0x16).eax & 0xffff))
		return (uint64_t)(cpuid(0x16).eax & 0xffff) * 1000;
	return 0;
}

static int time_init(void)
{
	bool want_pit = !strcmp(opt_clocksource, "pit");
	bool have_hpet;
	const char *src;
	int lapic_rc;

	if (opt_clocksource[0] && !want_pit && strcmp(opt_clocksource, "hpet"))
		printk(LOG_WARN "time: unknown clocksource=%s (pit or hpet)\n",
		       opt_clocksource);

	/* The LAPIC timer counts through the calibration, measured after. */
	lapic_rc = lapic_init();
	/*
	 * Three windows, timed by the HPET when there is one and read against
	 * the PIT in the same pass: each clock checks the other.
	 */
	have_hpet = !hpet_init();
	if (have_hpet)
		hpet_khz = calibrate_hpet(CAL_TRIES, &pit_khz);
	if (!pit_khz && (!have_hpet || want_pit))
		pit_khz = calibrate_pit(CAL_TRIES);

	if (hpet_khz && !want_pit) {
		tsc_khz = hpet_khz;
		src = "HPET";
	} else if (pit_khz) {
		if (!strcmp(opt_clocksource, "hpet"))
			printk(LOG_WARN
			       "time: clocksource=hpet but no working HPET: using the PIT\n");
		tsc_khz = pit_khz;
		src = "PIT";
	} else if (hpet_khz) {
		printk(LOG_WARN
		       "time: clocksource=pit but the PIT does not work: using the HPET\n");
		tsc_khz = hpet_khz;
		src = "HPET";
	} else {
		tsc_khz = cpuid_tsc_khz();
		src = "CPUID (no PIT or HPET worked)";
	}
	if (pit_khz && hpet_khz &&
	    (pit_khz * 10 < hpet_khz * 9 || pit_khz * 10 > hpet_khz * 11))
		printk(LOG_WARN
		       "time: the PIT and the HPET disagree by over 10%%: one of them is broken (clocksource= picks)\n");
	if (!tsc_khz)
		panic("time: cannot calibrate the TSC: no PIT, no HPET and no CPUID frequency");

	ns_mult = (1000000ull << 32) / tsc_khz;
	tsc_base = rdtsc();
	printk("time: TSC %lu.%03lu MHz from the %s (PIT %lu kHz, HPET %lu kHz)%s\n",
	       tsc_khz / 1000, tsc_khz % 1000, src, pit_khz, hpet_khz,
	       cpu_features.invariant_tsc ? "" : ", not invariant");
	return lapic_rc ? lapic_rc : lapic_timer_start();
}
__initcall(time_init, INIT_TIME);

uint64_t now_ns(void)
{
	uint64_t d;

	if (!tsc_khz)
		return 0;
	d = rdtsc() - tsc_base;
	return (uint64_t)(((unsigned __int128)d * ns_mult) >> 32);
}

void udelay(unsigned long us)
{
	uint64_t start, cycles;

	if (!tsc_khz) {
		pit_delay(us);
		return;
	}
	start = rdtsc();
	cycles = (uint64_t)us * tsc_khz / 1000;
	while (rdtsc() - start < cycles)
		cpu_relax();
}

/* ---- self tests ---- */

SELFTEST(time, tsc_frequency_plausible)
{
	ST_CHECK(t, tsc_khz >= 100000 && tsc_khz <= 10000000, "TSC at %lu kHz",
		 tsc_khz);
	if (pit_ch == PIT_NONE || !hpet) {
		selftest_skip(t, "no %s to compare with",
			      hpet ? "PIT" : "HPET");
		return;
	}
	ST_CHECK(t, pit_khz, "the PIT calibration failed");
	ST_CHECK(t, hpet_khz, "the HPET calibration failed");
	/*
	 * Within 3%: both count real time, so only noise separates them.
	 * Measure afresh, three windows each, so that one disturbed window
	 * cannot decide: the HPET's windows with the PIT read alongside, as
	 * at boot, and windows timed by the PIT alone, as without an HPET.
	 */
	{
		uint64_t p = 0, h = calibrate_hpet(CAL_TRIES, &p);
		uint64_t p_own = calibrate_pit(CAL_TRIES);

		ST_CHECK(
			t, p * 100 > h * 97 && p * 100 < h * 103,
			"PIT says %lu kHz, HPET says %lu kHz (at boot: %lu, %lu)",
			p, h, pit_khz, hpet_khz);
		ST_CHECK(t, p_own * 100 > h * 97 && p_own * 100 < h * 103,
			 "PIT-timed windows say %lu kHz, HPET says %lu kHz",
			 p_own, h);
	}
}

SELFTEST(time, now_ns_monotonic)
{
	uint64_t prev = now_ns(), first = prev;

	for (unsigned int i = 0; i < 100000; i++) {
		uint64_t n = now_ns();

		if (n < prev) {
			ST_CHECK(t, false, "now_ns went back from %lu to %lu",
				 prev, n);
			return;
		}
		prev = n;
	}
	ST_CHECK(t, prev > first, "now_ns did not advance");
}

SELFTEST(time, udelay_by_other_clock)
{
	uint64_t ns, n0, n1;

	if (hpet) {
		uint32_t h0 = hpet_read(), h1;

		n0 = now_ns();
		udelay(10000);
		n1 = now_ns();
		h1 = hpet_read();
		ns = hpet_ticks_to_ns((uint32_t)(h1 - h0));
	} else {
		uint16_t c0, c1;

		if (pit_ch < 0) {
			selftest_skip(t, "neither an HPET nor a PIT");
			return;
		}
		c0 = pit_read(); /* wraps in 55 ms: enough for 10 */
		n0 = now_ns();
		udelay(10000);
		n1 = now_ns();
		c1 = pit_read();
		ns = (uint64_t)(uint16_t)(c0 - c1) * 1000000000ull / PIT_HZ;
	}
	/* Lower bound tight (udelay must never be short), upper one loose:
	 * a shared host can preempt us for a while. */
	ST_CHECK(t, ns >= 9500000 && ns <= 60000000,
		 "udelay(10000) took %lu ns by the %s", ns,
		 hpet ? "HPET" : "PIT");
	ST_CHECK(t, n1 - n0 >= 10000000 && n1 - n0 <= 60000000,
		 "udelay(10000) took %lu ns by now_ns", n1 - n0);
}
