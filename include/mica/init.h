/* SPDX-License-Identifier: MIT */
/*
 * Boot-time initialisation hooks, run by kernel/setup.c in level order:
 *
 *   INIT_CONSOLE  command line parsed; only the early map (0..4 GiB) exists
 *   INIT_TRAPS    IDT, GDT, TSS; still the early map
 *   -- paging_init(): final page tables, phys_map() works everywhere
 *   INIT_LATE_CONSOLE  consoles that need phys_map (framebuffer)
 *   INIT_PLATFORM ACPI tables, power
 *   INIT_TIME     TSC calibration, LAPIC timer, PIC masked
 *   INIT_LATE     everything else
 *
 * A hook returns 0 or a negative errno; a failure is reported and boot goes
 * on (each hook decides what it cannot live without and panics itself).
 */
#ifndef MICA_INIT_H
#define MICA_INIT_H

#include <mica/bootinfo.h>

#define INIT_CONSOLE 1
#define INIT_TRAPS 2
#define INIT_LATE_CONSOLE 3
#define INIT_PLATFORM 4
#define INIT_TIME 5
#define INIT_LATE 6

struct initcall {
	int (*fn)(void);
	const char *name;
	unsigned int level;
} __aligned(16);

#define __initcall(f, lvl)                                             \
	static const struct initcall __used __section("mica_initcall") \
		__aligned(16) __initcall_##f = {                       \
			.fn = (f), .name = #f, .level = (lvl)}

extern const struct initcall __start_mica_initcall[], __stop_mica_initcall[];

/* What the loader told us; valid from the start of C onwards. */
extern const struct boot_info *boot_info;

/* `selftest` on the command line. */
extern bool opt_selftest;

#endif
