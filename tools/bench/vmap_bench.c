/* SPDX-License-Identifier: MIT */
/*
 * vmap benchmarks on the host library (release build): vmalloc+vfree of
 * one page with 100, 1,000 and 10,000 areas live, beside a model of Xen's
 * linear-bitmap address allocator doing the same.
 *
 *   vmap_bench time      median ns per vmalloc+vfree pair, for mica with
 *                        the host's page table only (host_vmap_mmap off:
 *                        mica's work, what the kernel does with page-table
 *                        writes and an invlpg), for mica with the host's
 *                        real mmap calls, and for the model
 *   vmap_bench op NAME N LIVE
 *                        N pairs of NAME (vmalloc_vfree or model) with LIVE
 *                        areas live, for callgrind:
 *       valgrind --tool=callgrind --collect-atstart=no \
 *                --toggle-collect=op_NAME vmap_bench op NAME N LIVE
 *       instructions per pair = Ir / N
 *
 * scripts/bench-vmap.sh runs both and writes docs/benchmarks.md.
 *
 * The live areas are one page each, allocated one after the other; the
 * pair measured allocates a page and frees it again.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mica/host.h>

#include "bench_util.h"
#include <mica/vmap.h>

#define NOINLINE NOIPA
#define MAX_LIVE 10000
/* The vmap area of the benchmarks: 1 GiB, ample for 10,000 areas. */
#define BENCH_VMAP_PAGES (1UL << 18)

/*
 * ---- a model of Xen's vmap address allocator, for comparison only ----
 *
 * Not Xen's code: the shape of its search, as xen/common/vmap.c describes
 * it. A bitmap holds a set bit per page in use. An area is followed by one
 * clear bit, its guard page, which belongs to no one, so the run of clear
 * bits after an area starts with a page no new area may use. A search
 * starts from the lowest clear bit (the hint `low`) and walks the runs of
 * clear bits until one is long enough. With areas packed from the bottom,
 * `low` stays at the first area's guard page and every search steps over
 * every live area's guard: the cost grows with the number of live areas.
 * Address management only: no frames, no page tables.
 */
struct model {
	uint64_t *bits;
	unsigned long nbits, low;
};

static bool model_test(const struct model *m, unsigned long i)
{
	return m->bits[i / 64] >> (i % 64) & 1;
}

/*
 * The first bit at or after i that is set (want 1) or clear (want 0),
 * looking no further than limit (returned when there is none before it).
 */
static unsigned long model_next(const struct model *m, unsigned long i,
				int want, unsigned long limit)
{
	limit = MIN(limit, m->nbits);
	while (i < limit) {
		uint64_t w = m->bits[i / 64] ^ (want ? 0 : ~0UL);

		w &= ~0UL << (i % 64);
		if (w)
			return MIN(limit, i / 64 * 64 + __builtin_ctzl(w));
		i = (i / 64 + 1) * 64;
	}
	return limit;
}

static void model_set(struct model *m, unsigned long s, unsigned long n,
		      bool set)
{
	for (unsigned long i = s; i < s + n; i++)
		if (set)
			m->bits[i / 64] |= 1UL << (i % 64);
		else
			m->bits[i / 64] &= ~(1UL << (i % 64));
}

static void model_init(struct model *m, unsigned long nbits)
{
	m->bits = calloc(nbits / 64 + 1, sizeof(uint64_t));
	m->nbits = nbits;
	m->bits[0] = 1; /* page 0: the guard below everything */
	m->low = 1;
}

/* nr pages and a guard page after them; the first page, or ~0UL. */
static unsigned long model_alloc(struct model *m, unsigned long nr)
{
	unsigned long start = m->low;

	for (;;) {
		unsigned long end, s;

		start = model_next(m, start, 0, m->nbits);
		if (start >= m->nbits)
			return ~0UL;
		/* The run need not be followed further than the request. */
		end = model_next(m, start, 1, start + nr + 2);
		/* The run begins with the guard of the area below it. */
		s = model_test(m, start - 1) ? start + 1 : start;
		if (end > s && end - s >= nr + 1) {
			model_set(m, s, nr, true);
			return s;
		}
		start = end;
	}
}

static void model_free(struct model *m, unsigned long s, unsigned long nr)
{
	model_set(m, s, nr, false);
	if (s < m->low)
		m->low = s;
}

/* ---- the operations, one pair each ---- */

static void NOINLINE op_vmalloc_vfree(void)
{
	vfree(vmalloc(PAGE_SIZE));
}

static struct model model;

static void NOINLINE op_model(void)
{
	model_free(&model, model_alloc(&model, 1), 1);
}

static void *live[MAX_LIVE];

static void mica_setup(unsigned long n, bool mmap_too)
{
	host_vmap_pages = BENCH_VMAP_PAGES;
	host_vmap_mmap = mmap_too;
	heap_scramble = false;
	if (host_machine_init(1UL << 18)) {
		fprintf(stderr, "host_machine_init failed\n");
		exit(1);
	}
	heap_scrub_some(~0UL);
	for (unsigned long i = 0; i < n; i++)
		if (!(live[i] = vmalloc(PAGE_SIZE))) {
			fprintf(stderr, "vmalloc %lu failed\n", i);
			exit(1);
		}
	/* One pair first: the page tables and pool pages it needs exist. */
	op_vmalloc_vfree();
}

static void model_setup(unsigned long n)
{
	free(model.bits);
	model_init(&model, BENCH_VMAP_PAGES);
	for (unsigned long i = 0; i < n; i++)
		model_alloc(&model, 1);
}

static int run_op(const char *name, unsigned long n, unsigned long nlive)
{
	if (nlive > MAX_LIVE)
		return 2;
	if (!strcmp(name, "vmalloc_vfree")) {
		mica_setup(nlive, false);
		for (unsigned long i = 0; i < n; i++)
			op_vmalloc_vfree();
		host_machine_fini();
	} else if (!strcmp(name, "model")) {
		model_setup(nlive);
		for (unsigned long i = 0; i < n; i++)
			op_model();
	} else {
		fprintf(stderr, "unknown op %s\n", name);
		return 2;
	}
	return 0;
}

enum { REPS = 9 };

/* Median over REPS batches of `per` pairs of f: ns per pair. */
static double time_pairs(void (*f)(void), unsigned long per)
{
	uint64_t t[REPS];

	for (int r = 0; r < REPS; r++) {
		uint64_t t0 = now();

		for (unsigned long i = 0; i < per; i++)
			f();
		t[r] = now() - t0;
	}
	return (double)median(t, REPS) / per;
}

static void time_all(void)
{
	static const unsigned long lives[] = {100, 1000, 10000};

	for (unsigned int k = 0; k < 3; k++) {
		unsigned long n = lives[k];

		mica_setup(n, false);
		printf("vmalloc_vfree_ns_%lu %.1f\n", n,
		       time_pairs(op_vmalloc_vfree, 20000));
		host_machine_fini();
		mica_setup(n, true);
		printf("vmalloc_vfree_mmap_ns_%lu %.1f\n", n,
		       time_pairs(op_vmalloc_vfree, 5000));
		host_machine_fini();
		model_setup(n);
		printf("model_ns_%lu %.1f\n", n,
		       time_pairs(op_model, n >= 10000 ? 500 : 5000));
	}
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "time")) {
		time_all();
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "op"))
		return run_op(argv[2], strtoul(argv[3], NULL, 0),
			      strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: vmap_bench time | op NAME N LIVE\n");
	return 2;
}
