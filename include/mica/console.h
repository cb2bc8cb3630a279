/* SPDX-License-Identifier: MIT */
/*
 * Consoles. printk() appends to a log ring first and then writes to every
 * registered console, so messages printed before any console exists are
 * not lost: console_register() replays the ring to the newcomer.
 *
 * console=com1,vga,fb picks which drivers may register (default: all).
 */
#ifndef MICA_CONSOLE_H
#define MICA_CONSOLE_H

#include <mica/types.h>

struct console {
	const char *name; /* as in console=: "com1", "vga", "fb" */
	void (*write)(struct console *c, const char *s, size_t n);
	int (*getc)(struct console *c); /* -1 when no input is pending */
	struct console *next;
};

/* Whether console= allows a console of this name. */
bool console_enabled(const char *name);

/* Add a console (if console= allows it) and replay the log ring to it. */
void console_register(struct console *c);

/* A character typed on any console, or -1. */
int console_getc(void);

/* Write directly to every console, bypassing the ring (panic paths). */
void console_write_raw(const char *s, size_t n);

/*
 * Copy the log ring, oldest first, into buf (NUL-terminated). Returns the
 * number of bytes the whole ring holds.
 */
size_t console_ring_read(char *buf, size_t size);

/* loglvl= (default: info). */
extern unsigned int console_loglvl;

/*
 * The log level (LOGLVL_*) of the text being handed to write(), for
 * consoles that show levels, in colour for instance.
 */
extern unsigned int console_write_level;

#endif
