/* SPDX-License-Identifier: MIT */
/* The C entry: every boot path arrives here. */
#include <asm/processor.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/uart.h>

void __start_mica(uint32_t magic, uint32_t info_pa);

__noreturn void halt_forever(void)
{
	for (;;) {
		local_irq_disable();
		halt();
	}
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	local_irq_disable();
	printk(LOG_ERR "\n*** mica panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	halt_forever();
}

void __start_mica(uint32_t magic, uint32_t info_pa)
{
	uart_init();
	printk("mica: booting (magic %#x, info at %#x)\n", magic, info_pa);
	halt_forever();
}
