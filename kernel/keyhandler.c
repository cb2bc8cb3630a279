/* SPDX-License-Identifier: MIT */
#include <asm/processor.h>
#include <mica/console.h>
#include <mica/keyhandler.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/power.h>

static struct {
	keyhandler_fn fn;
	const char *desc;
} keys[128];

void keyhandler_register(unsigned char key, keyhandler_fn fn, const char *desc)
{
	BUG_ON(key >= ARRAY_SIZE(keys) || keys[key].fn);
	keys[key].fn = fn;
	keys[key].desc = desc;
}

void keyhandler_handle(unsigned char key)
{
	if (key < ARRAY_SIZE(keys) && keys[key].fn) {
		printk("'%c' pressed -> %s\n", key, keys[key].desc);
		keys[key].fn(key);
	} else if (key >= ' ' && key < 127) {
		printk("'%c': no such debug key ('h' lists them)\n", key);
	}
}

static void show_help(unsigned char key)
{
	for (unsigned int k = 0; k < ARRAY_SIZE(keys); k++)
		if (keys[k].fn)
			printk(" '%c' %s\n", k, keys[k].desc);
}

static void do_reboot(unsigned char key)
{
	machine_restart();
}

static void do_power_off(unsigned char key)
{
	machine_power_off();
}

__noreturn void keyhandler_loop(void)
{
	if (!keys['h'].fn) {
		keyhandler_register('h', show_help, "list the debug keys");
		keyhandler_register('R', do_reboot, "restart the machine");
		keyhandler_register('O', do_power_off, "power the machine off");
	}
	for (;;) {
		int c;

		/* The UART is polled: the timer interrupt wakes us to look. */
		while ((c = console_getc()) >= 0)
			keyhandler_handle((unsigned char)c);
		/* Idle time scrubs freed memory, a little at a time. */
		if (heap_scrub_some(64))
			continue;
		asm volatile("sti; hlt; cli" ::: "memory");
	}
}
