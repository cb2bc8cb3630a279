/* SPDX-License-Identifier: MIT */
/* printk and panic for hypervisor code running in a host process. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <mica/host.h>
#include <mica/lib.h>

void (*host_log_hook)(int level, const char *msg);
jmp_buf *host_panic_jmp;
char host_panic_msg[512];

void vprintk(const char *fmt, va_list ap)
{
	char buf[2048];
	const char *p = buf;
	int level = LOGLVL_INFO;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* The level marker (LOG_ERR etc.) becomes an argument. */
	if (p[0] == '\001' && p[1] >= '1' && p[1] <= '4') {
		level = p[1] - '0';
		p += 2;
	}
	if (host_log_hook)
		host_log_hook(level, p);
	else
		fputs(p, stderr);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(host_panic_msg, sizeof(host_panic_msg), fmt, ap);
	va_end(ap);
	if (host_panic_jmp) {
		jmp_buf *j = host_panic_jmp;

		host_panic_jmp = NULL;
		longjmp(*j, 1);
	}
	fprintf(stderr, "mica panic: %s\n", host_panic_msg);
	abort();
}
