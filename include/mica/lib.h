/* SPDX-License-Identifier: MIT */
/*
 * The small C library mica carries. On the host (the mm/ and parser tests)
 * the same names come from the C library instead.
 */
#ifndef MICA_LIB_H
#define MICA_LIB_H

#include <mica/types.h>
#include <stdarg.h>

#ifdef MICA_HOST
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
#endif

/*
 * The median of v[0..n) (n >= 1; the upper one of an even count), sorting
 * v in place: for the handful of samples a calibration or a benchmark takes.
 */
uint64_t median_u64(uint64_t *v, unsigned int n);

/* Copies at most size - 1 bytes and always terminates; returns strlen(src). */
size_t mica_strlcpy(char *dst, const char *src, size_t size);

/*
 * Parses an unsigned number: decimal, 0x hex or 0 octal. *end is set past
 * the last digit used. Returns 0 and sets *end = s when there is none.
 */
unsigned long long mica_strtoull(const char *s, const char **end, int base);

/*
 * A size with an optional K, M, G or T suffix (binary units), as in
 * "mem=64M". Returns -EINVAL on junk, -ERANGE on overflow.
 */
int parse_size(const char *s, const char **end, uint64_t *out);

/*
 * Log levels, as a prefix on the format string: printk(LOG_ERR "...").
 * A message without one is LOG_INFO. loglvl= filters what the consoles
 * show; the log ring keeps everything.
 */
#define LOG_ERR \
	"\001"  \
	"1"
#define LOG_WARN \
	"\001"   \
	"2"
#define LOG_INFO \
	"\001"   \
	"3"
#define LOG_DEBUG \
	"\001"    \
	"4"
#define LOGLVL_ERR 1
#define LOGLVL_WARN 2
#define LOGLVL_INFO 3
#define LOGLVL_DEBUG 4

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(c)                                                             \
	do {                                                                  \
		if (unlikely(c))                                              \
			panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); \
	} while (0)
#ifdef NDEBUG
#define ASSERT(c) ((void)0)
#else
#define ASSERT(c)                                                         \
	do {                                                              \
		if (unlikely(!(c)))                                       \
			panic("ASSERT(%s) failed at %s:%d", #c, __FILE__, \
			      __LINE__);                                  \
	} while (0)
#endif

#endif
