/* SPDX-License-Identifier: MIT */
/*
 * The string and memory functions the compiler and mica expect.
 *
 * memcpy() and memset() move eight bytes per string step and the tail by
 * bytes: as fast as the byte forms on CPUs with fast strings, faster on
 * those without, and eight times fewer iterations under emulation (QEMU's
 * TCG runs a string instruction element by element), where zeroing the
 * frame table's pages took 4 of the 35 ms from banner to ready.
 */
#include <mica/lib.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;
	size_t q = n / 8;

	n %= 8;
	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q) : : "memory");
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* Overlapping with dst above src: copy backwards. */
	d += n - 1;
	s += n - 1;
	asm volatile("std; rep movsb; cld"
		     : "+D"(d), "+S"(s), "+c"(n)
		     :
		     : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	size_t q = n / 8;
	uint64_t v = 0x0101010101010101ull * (uint8_t)c;

	n %= 8;
	asm volatile("rep stosq" : "+D"(dst), "+c"(q) : "a"(v) : "memory");
	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
