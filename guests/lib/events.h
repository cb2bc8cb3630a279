/* SPDX-License-Identifier: MIT */
/*
 * Event upcalls for guests that want them: events_init() registers an
 * event callback that takes every pending port (as a kernel would) and
 * returns to the interrupted code, so that an event is harmless whenever
 * it comes. The runtime starts with events masked; events_on() unmasks
 * them.
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include "guest.h"

/* Register the callback: 0 or the hypercall's error. */
long events_init(void);
void events_on(bool on);

/* Upcalls taken so far; the hook sees each one's interrupted rip first. */
extern volatile unsigned int event_upcalls;
extern void (*event_hook)(unsigned long rip);

#endif
