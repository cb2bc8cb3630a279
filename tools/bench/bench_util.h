/* SPDX-License-Identifier: MIT */
/*
 * What the host benchmarks share: a monotonic clock, medians, and a seeded
 * xorshift generator, so that every run draws the same numbers. Each
 * benchmark is one file that includes this.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Keeps a function whole and out of line, for callgrind's toggle. */
#define NOIPA __attribute__((noipa))

static inline uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), sorting v. */
static inline uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* xorshift64; set rng to seed it (never 0). */
static uint64_t rng = 88172645463325252ULL;

static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#endif
