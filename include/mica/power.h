/* SPDX-License-Identifier: MIT */
/*
 * Powering off and restarting (drivers/acpi.c, drivers/power.c).
 * Neither depends on QEMU-only devices: ACPI S5 through the FADT's PM1
 * control registers; restart through the FADT reset register, then port
 * 0xcf9, then the keyboard controller, then a triple fault.
 */
#ifndef MICA_POWER_H
#define MICA_POWER_H

#include <mica/types.h>

__noreturn void machine_power_off(void);
/* noreboot: a fatal error (and the last domain going) halts instead. */
extern bool opt_noreboot;
__noreturn void machine_restart(void);

/*
 * What a fatal error does: restart, or halt with `noreboot` (keeping the
 * message on the screen).
 */
__noreturn void machine_crash_stop(void);

#endif
