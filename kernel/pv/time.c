/* SPDX-License-Identifier: MIT */
/*
 * Guest time: each vCPU's vcpu_info.time (system time, ns since mica
 * booted, and how to extrapolate it from the TSC), and shared_info's wall
 * clock (the time of day at system time 0).
 *
 * A guest computes now = system_time + (((tsc - tsc_timestamp) << shift)
 * * mul >> 32); mica refreshes the record on every return to the guest,
 * bumping version around the update (odd while it changes).
 */
#include <asm/processor.h>
#include <mica/lib.h>
#include <mica/time.h>

#include "pv.h"

static uint32_t tsc_mul;
static int8_t tsc_shift;
static uint64_t wallclock_sec; /* at system time 0 */
static uint32_t wallclock_nsec;

uint64_t pv_system_time(void)
{
	return now_ns();
}

static void compute_scale(void)
{
	/* ns per TSC tick as a 32.32 fixed-point number, normalised. */
	uint64_t m = tsc_khz ? (1000000ULL << 32) / tsc_khz : 1ULL << 32;
	int shift = 0;

	while (m >= (1ULL << 32)) {
		m >>= 1;
		shift++;
	}
	while (m < (1ULL << 31)) {
		m <<= 1;
		shift--;
	}
	tsc_mul = (uint32_t)m;
	tsc_shift = (int8_t)shift;
}

void pv_update_vcpu_time(struct vcpu *v)
{
	struct vcpu_time_info *t = &v->vcpu_info->time;

	if (!tsc_mul)
		compute_scale();
	t->version++;
	barrier();
	t->tsc_timestamp = rdtsc();
	t->system_time = now_ns();
	t->tsc_to_system_mul = tsc_mul;
	t->tsc_shift = tsc_shift;
	barrier();
	t->version++;
}

void pv_set_wallclock(uint64_t sec, uint32_t nsec)
{
	wallclock_sec = sec;
	wallclock_nsec = nsec;
}

void pv_init_wallclock(struct domain *d)
{
	struct shared_info *s = d->shared_info;

	s->wc_version++;
	barrier();
	s->wc_sec = (uint32_t)wallclock_sec;
	s->wc_sec_hi = (uint32_t)(wallclock_sec >> 32);
	s->wc_nsec = wallclock_nsec;
	barrier();
	s->wc_version++;
}
