/* SPDX-License-Identifier: MIT */
/*
 * vsnprintf: the C99 conversions mica uses (d i u x X o c s p %), with
 * flags (- 0 + space #), width, precision and the hh h l ll z t j lengths.
 * No floating point: the hypervisor never formats one.
 */
#include <mica/lib.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* what would have been written */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

static void number(struct out *o, unsigned long long v, bool neg, int base,
		   bool upper, int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;
	char sign = neg		      ? '-'
		    : flags & F_PLUS  ? '+'
		    : flags & F_SPACE ? ' '
				      : 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	/* C: 0x only before a non-zero value; 0 only where no 0 leads. */
	if (flags & F_ALT) {
		if (base == 16 && n && !(n == 1 && tmp[0] == '0'))
			prefix = upper ? "0X" : "0x";
		else if (base == 8 && prec <= n &&
			 (n == 0 || tmp[n - 1] != '0'))
			prefix = "0";
	}
	len = (n > prec ? n : prec) + (sign != 0) + (int)strlen(prefix);
	if (!(flags & (F_LEFT | F_ZERO)) || prec >= 0)
		if (!(flags & F_LEFT))
			pad(o, ' ', width - len);
	if (sign)
		put(o, sign);
	while (*prefix)
		put(o, *prefix++);
	if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0)
		pad(o, '0', width - len);
	pad(o, '0', prec - n);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};

	for (; *fmt; fmt++) {
		int flags = 0, width = 0, prec = -1, lng = 0;
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (;;) {
			char c = *++fmt;

			if (c == '-')
				flags |= F_LEFT;
			else if (c == '0')
				flags |= F_ZERO;
			else if (c == '+')
				flags |= F_PLUS;
			else if (c == ' ')
				flags |= F_SPACE;
			else if (c == '#')
				flags |= F_ALT;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		/* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long */
		for (;; fmt++) {
			if (*fmt == 'h')
				lng--;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 2;
			else
				break;
		}

		switch (*fmt) {
		case 'c':
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (flags & F_LEFT)
				pad(&o, ' ', width - 1);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len;

			if (!str)
				str = "(null)";
			len = (int)strnlen(str, prec < 0 ? (size_t)-1
							 : (size_t)prec);
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - len);
			for (int i = 0; i < len; i++)
				put(&o, str[i]);
			if (flags & F_LEFT)
				pad(&o, ' ', width - len);
			break;
		}
		case 'p':
			number(&o, (uintptr_t)va_arg(ap, void *), false, 16,
			       false, flags | F_ALT, width, prec);
			break;
		case 'd':
		case 'i':
			if (lng >= 2)
				s = va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng <= -2)
				s = (signed char)s;
			number(&o,
			       s < 0 ? -(unsigned long long)s
				     : (unsigned long long)s,
			       s < 0, 10, false, flags, width, prec);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng <= -2)
				u = (unsigned char)u;
			number(&o, u, false,
			       *fmt == 'o'   ? 8
			       : *fmt == 'u' ? 10
					     : 16,
			       *fmt == 'X', flags & ~(F_PLUS | F_SPACE), width,
			       prec);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end */
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
