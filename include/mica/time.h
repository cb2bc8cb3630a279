/* SPDX-License-Identifier: MIT */
/* Time: the TSC, calibrated at boot, and the LAPIC timer (drivers/time.c). */
#ifndef MICA_TIME_H
#define MICA_TIME_H

#include <mica/types.h>

extern uint64_t tsc_khz; /* 0 until calibrated */

/* Nanoseconds since calibration (monotonic, TSC based). */
uint64_t now_ns(void);
void udelay(unsigned long us);

/* LAPIC timer ticks seen so far (proof that interrupts are running). */
extern volatile uint64_t timer_ticks;

#endif
