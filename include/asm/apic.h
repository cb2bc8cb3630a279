/* SPDX-License-Identifier: MIT */
/*
 * The boot CPU's local APIC and the legacy 8259 PICs (drivers/lapic.c).
 *
 * At INIT_TIME the PICs are remapped to VECTOR_FIRST_IRQ.. and masked (a
 * spurious 8259 interrupt then lands on a vector that says so, not on an
 * exception), the LAPIC is software-enabled in whichever mode the firmware
 * left it (xAPIC MMIO or x2APIC MSRs), its timer is calibrated against the
 * TSC and run periodically on VECTOR_LAPIC_TIMER, and interrupts are
 * enabled.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <mica/types.h>

/* xAPIC register offsets; the x2APIC MSR is 0x800 + (offset >> 4). */
#define APIC_ID 0x020
#define APIC_VERSION 0x030
#define APIC_TPR 0x080
#define APIC_EOI 0x0b0
#define APIC_SVR 0x0f0
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_ESR 0x280
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0

#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_PERIODIC (1u << 17)

#define APIC_BASE_BSP (1ul << 8)
#define APIC_BASE_X2APIC (1ul << 10)
#define APIC_BASE_ENABLE (1ul << 11)

#define MSR_X2APIC_FIRST 0x800

uint32_t lapic_read(unsigned int reg);
void lapic_write(unsigned int reg, uint32_t v);
void lapic_eoi(void);

/*
 * Mask the PICs, enable the LAPIC and set its timer counting (masked) so
 * that it can be measured over the TSC's calibration. Called by
 * time_init() before it calibrates. Returns 0 or a negative errno.
 */
int lapic_init(void);

/*
 * Measure the timer against the now calibrated TSC, run it periodically at
 * timer_hz and enable interrupts. Returns 0 or a negative errno (also
 * lapic_init()'s).
 */
int lapic_timer_start(void);

/* The LAPIC timer's input frequency (after the divider) and tick rate. */
extern uint64_t lapic_timer_hz;
/* Called on every timer tick, after the EOI (the scheduler's). */
extern void (*lapic_tick_hook)(void);
extern unsigned int timer_hz;

#endif
