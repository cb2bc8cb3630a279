/* SPDX-License-Identifier: MIT */
/* printk and panic for the boot parsers in a host process (harness.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/lib.h>

#include "harness.h"

char test_log[65536];
static size_t log_len;
bool log_echo;
jmp_buf *panic_jmp;
char panic_msg[512];

__attribute__((constructor)) static void harness_init(void)
{
	const char *v = getenv("MICA_TEST_VERBOSE");

	log_echo = v && *v && strcmp(v, "0");
}

void log_reset(void)
{
	log_len = 0;
	test_log[0] = '\0';
}

/* Messages are stored as "\x1e<level><text>" so each can be told apart. */
bool log_has(int level, const char *text)
{
	for (const char *m = strchr(test_log, '\x1e'); m;
	     m = strchr(m + 1, '\x1e')) {
		const char *next = strchr(m + 1, '\x1e');
		const char *hit = strstr(m + 2, text);

		if (m[1] - '0' == level && hit && (!next || hit < next))
			return true;
	}
	return false;
}

unsigned int log_count(int level)
{
	unsigned int n = 0;

	for (const char *m = strchr(test_log, '\x1e'); m;
	     m = strchr(m + 1, '\x1e'))
		n += m[1] - '0' == level;
	return n;
}

void vprintk(const char *fmt, va_list ap)
{
	char buf[2048];
	const char *p = buf;
	int level = LOGLVL_INFO;
	int n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (p[0] == '\001' && p[1] >= '1' && p[1] <= '4') {
		level = p[1] - '0';
		p += 2;
	}
	if (log_echo)
		fprintf(stderr, "[%d] %s", level, p);
	n = snprintf(test_log + log_len, sizeof(test_log) - log_len, "\x1e%d%s",
		     level, p);
	if (n > 0)
		log_len = MIN(log_len + (size_t)n, sizeof(test_log) - 1);
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
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (panic_jmp) {
		jmp_buf *j = panic_jmp;

		panic_jmp = NULL;
		longjmp(*j, 1);
	}
	fprintf(stderr, "mica panic: %s\n", panic_msg);
	abort();
}
