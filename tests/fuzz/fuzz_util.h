/* SPDX-License-Identifier: MIT */
/*
 * What the allocator fuzzers share: reading the input as a stream of
 * bytes, the trace of the last operations and the hypervisor's last
 * messages, and failing with both shown. Each fuzzer is one translation
 * unit: it defines FUZZ_NAME ("fuzz_heap") and FUZZ_TRACE_ENV (the
 * variable that, set, prints every operation), then includes this.
 *
 *     fuzz_begin(data, size);           at the start of each input
 *     while (in_n) switch (u8() % 8) ...
 *     note("alloc %u", order);          the trace, shown on failure
 *     REQUIRE(heap_check() == 0, "...");
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/host.h>

/* ---- reading the input ---- */

static const uint8_t *in_p;
static size_t in_n; /* bytes left; reads past the end give 0 */

static unsigned int u8(void)
{
	if (!in_n)
		return 0;
	in_n--;
	return *in_p++;
}

static unsigned int u16(void)
{
	unsigned int lo = u8();

	return lo | u8() << 8;
}

/* ---- reporting ---- */

#define FUZZ_TRACE 32 /* operations kept for the report */

static char log_ring[4096];
static size_t log_len;
static char trace[FUZZ_TRACE][112];
static unsigned int nr_trace; /* operations noted for this input */
static bool trace_all;

/* The hypervisor's messages (printk), kept for the report. */
static void log_hook(int level, const char *msg)
{
	size_t n = strlen(msg);

	if (n >= sizeof(log_ring))
		n = sizeof(log_ring) - 1;
	if (log_len + n >= sizeof(log_ring))
		log_len = 0;
	memcpy(log_ring + log_len, msg, n);
	log_len += n;
	log_ring[log_len] = '\0';
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(trace[nr_trace % FUZZ_TRACE], sizeof(trace[0]), fmt, ap);
	va_end(ap);
	if (trace_all)
		fprintf(stderr, "%4u %s\n", nr_trace,
			trace[nr_trace % FUZZ_TRACE]);
	nr_trace++;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;
	unsigned int first = nr_trace > FUZZ_TRACE ? nr_trace - FUZZ_TRACE : 0;

	fprintf(stderr, FUZZ_NAME ": messages:\n%s\n", log_ring);
	fprintf(stderr, FUZZ_NAME ": last operations:\n");
	for (unsigned int i = first; i < nr_trace; i++)
		fprintf(stderr, "  %4u %s\n", i, trace[i % FUZZ_TRACE]);
	fprintf(stderr, FUZZ_NAME ": FAILED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define REQUIRE(cond, ...)                 \
	do {                               \
		if (!(cond))               \
			fail(__VA_ARGS__); \
	} while (0)

/* A new input: read from its start, with an empty trace and message log. */
static void fuzz_begin(const uint8_t *data, size_t size)
{
	const char *t = getenv(FUZZ_TRACE_ENV);

	in_p = data;
	in_n = size;
	log_len = 0;
	log_ring[0] = '\0';
	nr_trace = 0;
	trace_all = t && *t && strcmp(t, "0");
	host_log_hook = log_hook;
}

#endif
