/* SPDX-License-Identifier: MIT */
/*
 * kernel/vsprintf.c, built as mica_vsnprintf/mica_snprintf, against the C
 * library's for every conversion, flag, width, precision and length it
 * claims to support, including truncation.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mica/types.h>

int mica_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int mica_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

static unsigned int compared;

/* Format with both, in buffers of several sizes, and compare. */
static void __printf(3, 4) cmp(const char *file, int line, const char *fmt, ...)
{
	static const size_t sizes[] = {256, 0, 1, 2, 5};
	char want[256], got[256];

	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		va_list ap;
		int nw, ng;

		memset(want, 'W', sizeof(want));
		memset(got, 'W', sizeof(got));
		va_start(ap, fmt);
		nw = vsnprintf(want, sizes[i], fmt, ap);
		va_end(ap);
		va_start(ap, fmt);
		ng = mica_vsnprintf(got, sizes[i], fmt, ap);
		va_end(ap);
		if (nw != ng || memcmp(want, got, sizeof(want)))
			fail_msg(
				"%s:%d: format \"%s\", buffer of %zu: libc \"%.*s\" (%d), mica \"%.*s\" (%d)",
				file, line, fmt, sizes[i],
				(int)strnlen(want, sizes[i]), want, nw,
				(int)strnlen(got, sizes[i]), got, ng);
	}
	compared++;
}

#define CMP(...) cmp(__FILE__, __LINE__, __VA_ARGS__)

static void test_integers(void **state)
{
	static const int ints[] = {0,	1,	 -1,	  42,
				   -42, 1000000, INT_MAX, INT_MIN};
	static const char *const ifmts[] = {
		"%d",	  "%i",	   "%5d",    "%-5d|",	"%05d",	  "%+d",
		"% d",	  "%+5d",  "%-+5d|", "%.3d",	"%8.3d",  "%-8.3d|",
		"%08.3d", "%.0d",  "%5.0d",  "%+.0d",	"%0-6d|", "% 05d",
		"%+05d",  "%x",	   "%X",     "%#x",	"%#X",	  "%o",
		"%#o",	  "%u",	   "%08x",   "%#08x",	"%#.3o",  "%#5o",
		"%.0x",	  "%#.0x", "%#.0o",  "%-#10x|", "%10.5u", "%hd",
		"%hhd",	  "%hx",   "%hhx",   "%hhu",
	};

	for (unsigned int f = 0; f < ARRAY_SIZE(ifmts); f++)
		for (unsigned int i = 0; i < ARRAY_SIZE(ints); i++)
			CMP(ifmts[f], ints[i]);
}

static void test_lengths(void **state)
{
	static const long long lls[] = {0, -1, LLONG_MAX, LLONG_MIN,
					0x123456789abcdefLL};

	for (unsigned int i = 0; i < ARRAY_SIZE(lls); i++) {
		CMP("%lld", lls[i]);
		CMP("%lli|%25lld|%-25lld|%025lld", lls[i], lls[i], lls[i],
		    lls[i]);
		CMP("%llx %llX %llo %llu", (unsigned long long)lls[i],
		    (unsigned long long)lls[i], (unsigned long long)lls[i],
		    (unsigned long long)lls[i]);
		CMP("%ld %lx %lu", (long)lls[i], (unsigned long)lls[i],
		    (unsigned long)lls[i]);
		CMP("%zu %zx %zd", (size_t)lls[i], (size_t)lls[i],
		    (ssize_t)lls[i]);
		CMP("%td %jd %ju", (ptrdiff_t)lls[i], (intmax_t)lls[i],
		    (uintmax_t)lls[i]);
		CMP("%016lx %#018lx", (unsigned long)lls[i],
		    (unsigned long)lls[i]);
	}
	CMP("%hd %hu %hx", (short)-2, (unsigned short)65535,
	    (unsigned short)0xbeef);
	CMP("%hhd %hhu", (signed char)-128, (unsigned char)200);
}

static void test_strings_chars(void **state)
{
	CMP("%s", "hello");
	CMP("%10s|%-10s|", "hi", "hi");
	CMP("%.3s|%.0s|%.10s", "abcdef", "abc", "abc");
	CMP("%8.2s|%-8.2s|", "abcdef", "abcdef");
	CMP("%s", "");
	CMP("%c%c%c", 'a', 'b', 'c');
	CMP("%5c|%-5c|", 'x', 'y');
	CMP("%*d|%-*d|%*d", 6, 42, 6, 42, -6, 42);
	CMP("%.*d|%.*s|%.*d", 4, 7, 2, "abcdef", -1, 9);
	CMP("%*.*s|", 8, 3, "abcdef");
	CMP("100%% %d%%", 5);
	CMP("no conversions at all, but a long enough line to be cut");
	CMP("%s=%d, %s=%#x", "a", 1, "b", 0x10);
}

static void test_pointers(void **state)
{
	int x;

	CMP("%p", (void *)&x);
	CMP("%p", (void *)0xffff82d080200000UL);
	CMP("%20p|%-20p|", (void *)0x1234, (void *)0x1234);
}

/* No format checking: for the cases the compiler rightly rejects. */
static int raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = mica_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_mica_extensions(void **state)
{
	char buf[32];

	/* Where C leaves it undefined or libc differs, mica's own choice. */
	assert_int_equal(raw(buf, sizeof(buf), "%s", (char *)NULL), 6);
	assert_string_equal(buf, "(null)");
	/* A lone % at the end is dropped, not a read past the string. */
	assert_int_equal(raw(buf, sizeof(buf), "ab%"), 2);
	assert_string_equal(buf, "ab");
	/* NULL buffer of size 0: only the length. */
	assert_int_equal(mica_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_count(void **state)
{
	/* The number of formats compared: the tables above did run. */
	assert_true(compared > 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_mica_extensions),
		cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests_name("vsprintf", tests, NULL, NULL);
}
