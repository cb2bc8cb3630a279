/* SPDX-License-Identifier: MIT */
/*
 * 16550 UART console on COM1.
 *
 * com1=<baud>[,<io-base>]: baud is a number or "auto" (keep what the
 * firmware programmed); io-base defaults to 0x3f8. The port is probed
 * through the scratch register and loopback mode first: machines without a
 * serial port are common, and writing into nothing would only waste time.
 */
#include <asm/io.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/param.h>
#include <mica/uart.h>

#define UART_CLOCK 115200 /* the 1.8432 MHz crystal / 16 */

#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7
#define DLL 0 /* with LCR.DLAB */
#define DLM 1

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20

static struct {
	uint16_t io;
	uint32_t baud; /* 0: keep the firmware's setting */
	bool present;
} com1 = {.io = 0x3f8, .baud = 115200};

static int parse_com1(const char *s)
{
	const char *end;
	unsigned long long v;

	if (!strncmp(s, "auto", 4)) {
		com1.baud = 0;
		end = s + 4;
	} else {
		v = mica_strtoull(s, &end, 10);
		if (end == s || v == 0 || v > UART_CLOCK)
			return -1;
		com1.baud = (uint32_t)v;
	}
	if (*end == ',') {
		s = end + 1;
		v = mica_strtoull(s, &end, 0);
		if (end == s || v == 0 || v > 0xfff8)
			return -1;
		com1.io = (uint16_t)v;
	}
	return *end ? -1 : 0;
}
custom_param("com1", parse_com1);

static bool probe(uint16_t io)
{
	uint8_t mcr;
	bool ok;

	outb(0x5a, io + SCR);
	if (inb(io + SCR) != 0x5a)
		return false;
	/* In loopback, MCR's outputs come back as MSR's inputs. */
	mcr = inb(io + MCR);
	outb(MCR_LOOP | 0x0a, io + MCR);
	ok = (inb(io + 6) & 0xf0) == 0x90; /* CTS from RTS, DCD from OUT2 */
	outb(mcr, io + MCR);
	return ok;
}

static void uart_putc(char c)
{
	/* Bounded, so that a wedged UART costs time, not the machine. */
	for (unsigned int i = 0; i < 100000; i++)
		if (inb(com1.io + LSR) & LSR_THRE)
			break;
	outb((uint8_t)c, com1.io + THR);
}

static void uart_write(struct console *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

static int uart_getc(struct console *c)
{
	if (!(inb(com1.io + LSR) & LSR_DR))
		return -1;
	return inb(com1.io + RBR);
}

static struct console uart_console = {
	.name = "com1",
	.write = uart_write,
	.getc = uart_getc,
};

static int uart_init(void)
{
	uint16_t io = com1.io;

	if (!console_enabled("com1"))
		return 0;
	if (!probe(io)) {
		printk("com1: no UART at %#x\n", io);
		return 0;
	}
	outb(0, io + IER); /* polled: no interrupts */
	if (com1.baud) {
		uint16_t div = (uint16_t)(UART_CLOCK / com1.baud);

		outb(LCR_DLAB, io + LCR);
		outb(div & 0xff, io + DLL);
		outb(div >> 8, io + DLM);
	}
	outb(LCR_8N1, io + LCR);
	outb(0x07, io + FCR); /* enable and clear the FIFOs */
	outb(MCR_DTR | MCR_RTS | MCR_OUT2, io + MCR);
	com1.present = true;
	console_register(&uart_console);
	return 0;
}
__initcall(uart_init, INIT_CONSOLE);

bool uart_present(void)
{
	return com1.present;
}
