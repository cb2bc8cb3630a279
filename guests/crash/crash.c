/* SPDX-License-Identifier: MIT */
/*
 * crash: a guest that dies on purpose, for the tests that check a crashed
 * domain disturbs nobody else. It removes its trap table, so the page
 * fault it then takes has no handler: the hypervisor must crash the
 * domain ("(dN) crashed: ..."), free its memory and let the others run.
 * Should the fault somehow return, it says so and shuts down as crashed.
 */
#include "guest.h"

int main(void)
{
	/* An address the compiler cannot prove anything about. */
	unsigned long addr = 0x10;
	volatile unsigned long *nowhere;

	__asm__("" : "+r"(addr));
	nowhere = (volatile unsigned long *)addr;

	printf("crash: removing the trap table, then reading %p\n",
	       (void *)nowhere);
	HYPERVISOR_set_trap_table(NULL);
	(void)*nowhere;
	printf("crash: the fault returned: the hypervisor did not crash me\n");
	return SHUTDOWN_crash;
}
