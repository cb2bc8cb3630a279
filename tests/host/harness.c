/* SPDX-License-Identifier: MIT */
/*
 * The tests' view of what mica prints: tools/host/support.c's printk hands
 * every message here, and the tests ask what was said (harness.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/lib.h>

#include <mica/host.h>

#include "harness.h"

char test_log[65536];
static size_t log_len;
bool log_echo;

static void capture(int level, const char *text);

__attribute__((constructor)) static void harness_init(void)
{
	const char *v = getenv("MICA_TEST_VERBOSE");

	log_echo = v && *v && strcmp(v, "0");
	host_log_hook = capture;
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

/* Every message mica prints (tools/host/support.c) comes here. */
static void capture(int level, const char *text)
{
	int n;

	if (log_echo)
		fprintf(stderr, "[%d] %s", level, text);
	n = snprintf(test_log + log_len, sizeof(test_log) - log_len, "\x1e%d%s",
		     level, text);
	if (n > 0)
		log_len = MIN(log_len + (size_t)n, sizeof(test_log) - 1);
}
