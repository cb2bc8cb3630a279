/* SPDX-License-Identifier: MIT */
/*
 * Power-off and restart (include/mica/power.h). Both work from any context,
 * interrupts on or off, and neither allocates: what they need from ACPI was
 * found and mapped by acpi_init(). Without ACPI, power-off halts with a
 * message and restart uses the chipset's legacy mechanisms.
 */
#include <asm/io.h>
#include <asm/processor.h>
#include <mica/acpi.h>
#include <mica/lib.h>
#include <mica/param.h>
#include <mica/power.h>
#include <mica/time.h>

/* noreboot: a fatal error halts, keeping its message on the screen. */
bool opt_noreboot;
boolean_param("noreboot", opt_noreboot);

/* How long each restart method gets before the next is tried. */
#define RESTART_WAIT_US 200000

static void write_slp_typ(const struct acpi_gas *reg, uint8_t typ, bool en)
{
	uint64_t v;

	if (!reg->address || acpi_gas_read(reg, &v))
		return;
	v &= ~(uint64_t)(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN);
	v |= (uint64_t)typ << ACPI_PM1_SLP_TYP_SHIFT;
	if (en)
		v |= ACPI_PM1_SLP_EN;
	acpi_gas_write(reg, v);
}

static void acpi_power_off(void)
{
	if (!acpi_info.s5_valid) {
		printk(LOG_ERR
		       "mica: no ACPI \\_S5 sleep type known: cannot power off\n");
		return;
	}
	if (acpi_info.hw_reduced) {
		/* Sleep control register: SLP_TYP in bits 2..4, SLP_EN bit 5. */
		if (!acpi_info.sleep_cnt.address) {
			printk(LOG_ERR
			       "mica: hardware-reduced ACPI without a sleep control register: cannot power off\n");
			return;
		}
		acpi_gas_write(&acpi_info.sleep_cnt,
			       ((uint64_t)(acpi_info.slp_typa & 7) << 2) |
				       (1u << 5));
		return;
	}
	if (!acpi_info.pm1a_cnt.address) {
		printk(LOG_ERR
		       "mica: no ACPI PM1a control register: cannot power off\n");
		return;
	}
	if (acpi_enable_mode())
		printk(LOG_WARN "mica: trying S5 in legacy mode anyway\n");
	/* SLP_TYP first, then SLP_EN, as ACPI asks of OSPM. */
	write_slp_typ(&acpi_info.pm1a_cnt, acpi_info.slp_typa, false);
	write_slp_typ(&acpi_info.pm1b_cnt, acpi_info.slp_typb, false);
	write_slp_typ(&acpi_info.pm1a_cnt, acpi_info.slp_typa, true);
	write_slp_typ(&acpi_info.pm1b_cnt, acpi_info.slp_typb, true);
}

__noreturn void machine_power_off(void)
{
	local_irq_disable();
	printk("mica: powering off\n");
	acpi_power_off();
	/* Power is usually gone long before this; give slow chipsets time. */
	udelay(2000000);
	printk(LOG_ERR
	       "mica: the machine did not power off; halted: it is safe to switch it off now\n");
	halt_forever();
}

static void kbc_reset(void)
{
	/* Wait (up to ~1 s) for the 8042 input buffer to empty. */
	for (unsigned int i = 0; i < 20000; i++) {
		uint8_t st = inb(0x64);

		if (st == 0xff)
			return; /* floating bus: no controller */
		if (!(st & 0x02)) {
			outb(0xfe, 0x64); /* pulse the CPU reset line */
			return;
		}
		udelay(50);
	}
}

static __noreturn void triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __packed empty_idt = {0, 0};

	asm volatile("lidt %0; int3" : : "m"(empty_idt));
	halt_forever();
}

/*
 * How far a restart got: a fault inside one method lands in
 * machine_crash_stop() and from there here again, which then goes on with
 * the next method instead of looping.
 */
static unsigned int restart_stage;

__noreturn void machine_restart(void)
{
	local_irq_disable();
	if (!restart_stage)
		printk("mica: restarting\n");
	switch (restart_stage) {
	case 0:
		restart_stage = 1;
		if (acpi_info.reset_supported) {
			acpi_gas_write(&acpi_info.reset_reg,
				       acpi_info.reset_value);
			udelay(RESTART_WAIT_US);
			printk(LOG_WARN
			       "mica: the ACPI reset register did nothing, trying port 0xcf9\n");
		}
		/* fall through */
	case 1:
		restart_stage = 2;
		outb(0x02, 0xcf9); /* select a hard reset */
		udelay(50);
		outb(0x06, 0xcf9); /* and start it */
		udelay(RESTART_WAIT_US);
		printk(LOG_WARN
		       "mica: port 0xcf9 did nothing, trying the keyboard controller\n");
		/* fall through */
	case 2:
		restart_stage = 3;
		kbc_reset();
		udelay(RESTART_WAIT_US);
		printk(LOG_WARN
		       "mica: the keyboard controller did nothing, triple faulting\n");
		/* fall through */
	default:
		restart_stage = 4;
		triple_fault();
	}
}

__noreturn void machine_crash_stop(void)
{
	local_irq_disable();
	/* A fault while restarting: go on with the next method. */
	if (restart_stage)
		machine_restart();
	if (opt_noreboot) {
		printk(LOG_ERR "mica: halted (noreboot)\n");
		halt_forever();
	}
	printk(LOG_ERR
	       "mica: restarting in 5 seconds (boot with noreboot to halt instead)\n");
	udelay(5000000);
	machine_restart();
}
