/* SPDX-License-Identifier: MIT */
/* Helpers shared by the kernel and the host builds of the parsers. */
#include <mica/errno.h>
#include <mica/lib.h>

size_t mica_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

unsigned long long mica_strtoull(const char *s, const char **end, int base)
{
	const char *p = s;
	unsigned long long v = 0;
	int d;

	if (base == 0) {
		base = 10;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		    digit_value(p[2]) < 16) {
			base = 16;
			p += 2;
		} else if (p[0] == '0') {
			base = 8;
		}
	} else if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		   digit_value(p[2]) < 16) {
		p += 2;
	}
	const char *digits = p;

	while ((d = digit_value(*p)) < base) {
		v = v * base + d;
		p++;
	}
	if (end)
		*end = p == digits && digits == s ? s : p;
	return v;
}

int parse_size(const char *s, const char **end, uint64_t *out)
{
	const char *p;
	unsigned long long v = 0;
	int shift = 0;

	/* Count digits ourselves so that overflow is caught, not wrapped. */
	int base = 10;

	p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	const char *digits = p;

	for (int d; (d = digit_value(*p)) < base; p++) {
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (p == digits)
		return -EINVAL;
	switch (*p) {
	case 'k':
	case 'K':
		shift = 10;
		p++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		p++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		p++;
		break;
	case 't':
	case 'T':
		shift = 40;
		p++;
		break;
	case 'b':
	case 'B':
		p++;
		break;
	}
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = v << shift;
	if (end)
		*end = p;
	return 0;
}

/* Insertion sort: n is a few samples. */
uint64_t median_u64(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j && v[j - 1] > v[j]; j--) {
			uint64_t x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[n / 2];
}
