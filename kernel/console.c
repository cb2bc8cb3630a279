/* SPDX-License-Identifier: MIT */
/*
 * printk, the log ring, and the list of consoles.
 *
 * Single CPU for now, with interrupts mostly off in the hypervisor; the ring
 * is written from any context, including the fault handler, so nothing here
 * allocates or takes locks that a fault could already hold.
 */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/param.h>

#define RING_SIZE (64 * 1024)

static char ring[RING_SIZE];
static size_t
	ring_head; /* total bytes ever written; ring_head % RING_SIZE is the next slot */

static struct console *consoles;

unsigned int console_loglvl = LOGLVL_INFO;
unsigned int console_write_level = LOGLVL_INFO;
static int parse_loglvl(const char *s)
{
	static const char *const names[] = {"", "error", "warning", "info",
					    "debug"};
	const char *end;
	unsigned long long v;

	for (unsigned int i = 1; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]) || !strncmp(s, names[i], 4) ||
		    (i == 4 && !strcmp(s, "all"))) {
			console_loglvl = i;
			return 0;
		}
	v = mica_strtoull(s, &end, 10);
	if (end == s || *end || v < 1 || v > LOGLVL_DEBUG)
		return -1;
	console_loglvl = (unsigned int)v;
	return 0;
}
custom_param("loglvl", parse_loglvl);

static char opt_console[64] = "com1,vga,fb";
string_param("console", opt_console);

bool console_enabled(const char *name)
{
	size_t len = strlen(name);

	for (const char *p = opt_console; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && !strncmp(p, name, n))
			return true;
		p += n + (comma != NULL);
	}
	return false;
}

static void ring_put(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_head + i) % RING_SIZE] = s[i];
	ring_head += n;
}

size_t console_ring_read(char *buf, size_t size)
{
	size_t held = ring_head < RING_SIZE ? ring_head : RING_SIZE;
	size_t first = ring_head - held;
	size_t n = held < size - 1 ? held : size - 1;

	/* Keep the newest bytes when buf is smaller than the ring. */
	first += held - n;
	for (size_t i = 0; i < n; i++)
		buf[i] = ring[(first + i) % RING_SIZE];
	buf[n] = '\0';
	return held;
}

void console_write_raw(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(c, s, n);
}

void console_register(struct console *c)
{
	size_t held, first;

	if (!console_enabled(c->name))
		return;
	for (struct console *p = consoles; p; p = p->next)
		if (p == c)
			return;
	/*
	 * Replay what was logged before this console existed, filtered by
	 * level as it would have been shown. Level markers are stripped.
	 */
	held = ring_head < RING_SIZE ? ring_head : RING_SIZE;
	first = ring_head - held;
	{
		char line[256];
		size_t n = 0;
		unsigned int lvl = LOGLVL_INFO;
		bool sol = true;

		for (size_t i = first; i < ring_head; i++) {
			char ch = ring[i % RING_SIZE];

			if (sol && ch == '\001' && i + 1 < ring_head) {
				lvl = ring[++i % RING_SIZE] - '0';
				continue;
			}
			sol = false;
			line[n++] = ch;
			if (ch == '\n' || n == sizeof(line)) {
				console_write_level = lvl;
				if (lvl <= console_loglvl)
					c->write(c, line, n);
				if (ch == '\n') {
					lvl = LOGLVL_INFO;
					sol = true;
				}
				n = 0;
			}
		}
		console_write_level = lvl;
		if (n && lvl <= console_loglvl)
			c->write(c, line, n);
	}
	c->next = consoles;
	consoles = c;
}

int console_getc(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		int ch = c->getc ? c->getc(c) : -1;

		if (ch >= 0)
			return ch;
	}
	return -1;
}

static bool at_line_start = true;
static unsigned int line_level = LOGLVL_INFO;

void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	const char *p = buf;
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;

	/*
	 * A level marker applies to the line it starts; lines printed in
	 * several pieces keep the level of their first piece.
	 */
	while (p < buf + n) {
		const char *nl;
		size_t len;

		if (at_line_start) {
			line_level = LOGLVL_INFO;
			if (p[0] == '\001' && p[1] >= '0' && p[1] <= '9') {
				line_level = p[1] - '0';
				ring_put(p, 2);
				p += 2;
			}
		} else if (p[0] == '\001' && p[1] >= '0' && p[1] <= '9') {
			p += 2; /* a marker in mid-line: drop it */
		}
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (!len) {
			/* A NUL (from %c): skip it, or this loop never ends. */
			p++;
			continue;
		}
		ring_put(p, len);
		console_write_level = line_level;
		if (line_level <= console_loglvl)
			console_write_raw(p, len);
		at_line_start = nl != NULL;
		p += len;
	}
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
