/* SPDX-License-Identifier: MIT */
/*
 * Debug keys, as Xen's: a key typed on a console runs its handler. 'h'
 * lists them. Subsystems register their own (e.g. 'm' for the heap).
 */
#ifndef MICA_KEYHANDLER_H
#define MICA_KEYHANDLER_H

typedef void (*keyhandler_fn)(unsigned char key);

void keyhandler_register(unsigned char key, keyhandler_fn fn, const char *desc);

/* Run the handler for key; unknown keys print a hint. */
void keyhandler_handle(unsigned char key);

/* The idle loop: wait for interrupts, serve keys. Never returns. */
__attribute__((noreturn)) void keyhandler_loop(void);

#endif
