/* SPDX-License-Identifier: MIT */
/*
 * Heap benchmarks on the host library (release build).
 *
 *   heap_bench time       median ns of each operation (noisy: quote ratios)
 *   heap_bench op NAME N  run one operation N times, for callgrind:
 *       valgrind --tool=callgrind --collect-atstart=no \
 *                --toggle-collect=op_NAME heap_bench op NAME N
 *       instructions per operation = Ir / N
 *   heap_bench frag       the fragmentation experiment, grouping on and off
 *
 * scripts/bench-heap.sh runs all three and writes docs/benchmarks.md.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mica/domain.h>
#include <mica/host.h>

#define GIB_FRAMES (1UL << 18)
#define NOINLINE __attribute__((noipa))

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* 2 GiB machine whose memory is clean, as after the idle scrubber ran. */
static void machine(void)
{
	heap_scramble = false;
	if (host_machine_init(2 * GIB_FRAMES)) {
		fprintf(stderr, "host_machine_init failed\n");
		exit(1);
	}
	heap_scrub_some(~0UL);
}

/* The operations callgrind counts, one call each. */
static struct page_info *NOINLINE op_alloc0(void)
{
	return alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
}

static void NOINLINE op_free0(struct page_info *pg)
{
	free_domheap_pages(pg, 0);
}

static struct page_info *NOINLINE op_alloc_split(void)
{
	return alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
}

static void NOINLINE op_free_merge(struct page_info *pg)
{
	free_domheap_pages(pg, 0);
}

/*
 * The fast path: order-0 chunks on the free list whose buddies are in use,
 * so an allocation neither splits nor a free merges.
 */
static struct page_info **fast_setup(unsigned long n)
{
	struct page_info **pg = malloc(2 * n * sizeof(*pg));

	for (unsigned long i = 0; i < 2 * n; i++)
		pg[i] = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
	for (unsigned long i = 0; i < 2 * n; i += 2)
		free_domheap_pages(pg[i], 0);
	heap_scrub_some(~0UL);
	return pg;
}

/*
 * The worst case: only one free chunk, of order 18, so one allocation
 * splits 18 times and its free merges 18 times.
 */
static void worst_setup(void)
{
	static const struct host_range r = {GIB_FRAMES, 2 * GIB_FRAMES};

	heap_scramble = false;
	if (host_machine_init_ranges(2 * GIB_FRAMES, &r, 1))
		exit(1);
	heap_scrub_some(~0UL);
}

static int run_op(const char *name, unsigned long n)
{
	if (!strcmp(name, "alloc0") || !strcmp(name, "free0")) {
		struct page_info **pg, **got = malloc(n * sizeof(*got));

		machine();
		pg = fast_setup(n);
		if (!strcmp(name, "alloc0")) {
			for (unsigned long i = 0; i < n; i++)
				got[i] = op_alloc0();
		} else {
			for (unsigned long i = 0; i < n; i++)
				got[i] = alloc_domheap_pages(NULL, 0,
							     MEMF_no_scrub);
			for (unsigned long i = 0; i < n; i++)
				op_free0(got[i]);
		}
		free(pg);
		free(got);
	} else if (!strcmp(name, "alloc_split") ||
		   !strcmp(name, "free_merge")) {
		worst_setup();
		for (unsigned long i = 0; i < n; i++) {
			struct page_info *pg =
				!strcmp(name, "alloc_split")
					? op_alloc_split()
					: alloc_domheap_pages(NULL, 0,
							      MEMF_no_scrub);

			if (!strcmp(name, "alloc_split"))
				free_domheap_pages(pg, 0);
			else
				op_free_merge(pg);
			heap_scrub_some(1);
		}
	} else {
		fprintf(stderr, "unknown op %s\n", name);
		return 1;
	}
	host_machine_fini();
	return 0;
}

static void time_all(void)
{
	enum { REPS = 9 };
	uint64_t t[REPS];
	const unsigned long n = 100000;

	/* Fast path, alloc and free. */
	for (int r = 0; r < REPS; r++) {
		struct page_info **pg, **got = malloc(n * sizeof(*got));
		uint64_t t0;

		machine();
		pg = fast_setup(n);
		t0 = now();
		for (unsigned long i = 0; i < n; i++)
			got[i] = op_alloc0();
		t[r] = now() - t0;
		free(pg);
		free(got);
		host_machine_fini();
	}
	printf("order0_alloc_fast_ns %.1f\n", (double)median(t, REPS) / n);
	for (int r = 0; r < REPS; r++) {
		struct page_info **pg, **got = malloc(n * sizeof(*got));
		uint64_t t0;

		machine();
		pg = fast_setup(n);
		for (unsigned long i = 0; i < n; i++)
			got[i] = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
		t0 = now();
		for (unsigned long i = 0; i < n; i++)
			op_free0(got[i]);
		t[r] = now() - t0;
		free(pg);
		free(got);
		host_machine_fini();
	}
	printf("order0_free_fast_ns %.1f\n", (double)median(t, REPS) / n);

	/* Worst case: 18 splits then 18 merges. */
	for (int r = 0; r < REPS; r++) {
		uint64_t t0, split = 0, merge = 0;

		worst_setup();
		for (int i = 0; i < 1000; i++) {
			struct page_info *pg;

			t0 = now();
			pg = op_alloc_split();
			split += now() - t0;
			t0 = now();
			op_free_merge(pg);
			merge += now() - t0;
			heap_scrub_some(1);
		}
		t[r] = split / 1000;
		host_machine_fini();
		(void)merge;
	}
	printf("split18_alloc_ns %" PRIu64 "\n", median(t, REPS));

	/* Populating 1 GiB at order 0 and at order 9, then freeing at random. */
	for (unsigned int order = 0; order <= 9; order += 9) {
		unsigned long nr = GIB_FRAMES >> order;
		struct page_info **pg = malloc(nr * sizeof(*pg));
		uint64_t tf[REPS];

		for (int r = 0; r < REPS; r++) {
			uint64_t t0;

			machine();
			t0 = now();
			for (unsigned long i = 0; i < nr; i++)
				pg[i] = alloc_domheap_pages(NULL, order,
							    MEMF_no_scrub);
			t[r] = now() - t0;
			for (unsigned long i = nr - 1; i > 0; i--) {
				unsigned long k = rnd() % (i + 1);
				struct page_info *x = pg[i];

				pg[i] = pg[k];
				pg[k] = x;
			}
			t0 = now();
			for (unsigned long i = 0; i < nr; i++)
				free_domheap_pages(pg[i], order);
			tf[r] = now() - t0;
			host_machine_fini();
		}
		printf("populate_1gib_order%u_ms %.3f\n", order,
		       median(t, REPS) / 1e6);
		printf("free_1gib_order%u_random_ms %.3f\n", order,
		       median(tf, REPS) / 1e6);
		free(pg);
	}
}

/*
 * The fragmentation experiment: on a 1 GiB machine, domains come and go
 * (8..64 MiB each, in 2 MiB extents where possible, else 4 KiB) while
 * mica makes and drops small unmovable allocations. At the end every
 * domain is gone; what share of the free memory is in free 2 MiB blocks?
 */
static void frag(bool grouping)
{
	enum { DOMS = 8, SMALL_MAX = 4000, STEPS = 4000 };
	static struct domain d[DOMS];
	static void *small[SMALL_MAX];
	struct heap_stats s;
	unsigned long nsmall = 0;

	rng = 12345;
	heap_grouping = grouping;
	heap_scramble = false;
	if (host_machine_init(GIB_FRAMES))
		exit(1);
	for (int i = 0; i < DOMS; i++)
		domain_mm_init(&d[i], i + 1, 0);
	for (int step = 0; step < STEPS; step++) {
		unsigned int k = rnd() % DOMS;
		unsigned long want;

		/* A few small allocations and frees each step. */
		for (int j = 0; j < 4; j++) {
			if (nsmall < SMALL_MAX && (rnd() % 3)) {
				void *p = alloc_xenheap_pages(0, MEMF_no_scrub);

				if (p)
					small[nsmall++] = p;
			} else if (nsmall) {
				unsigned long i = rnd() % nsmall;

				free_xenheap_pages(small[i], 0);
				small[i] = small[--nsmall];
			}
		}
		/* Destroy domain k, or (re)build it at a new size. */
		domain_relinquish_memory(&d[k]);
		if (rnd() % 2)
			continue;
		want = (8 + rnd() % 57) << 8; /* 8..64 MiB in pages */
		d[k].max_pages = want;
		while (d[k].tot_pages + PAGEBLOCK_PAGES <= want &&
		       alloc_domheap_pages(&d[k], PAGEBLOCK_ORDER,
					   MEMF_no_scrub))
			;
		while (d[k].tot_pages < want &&
		       alloc_domheap_pages(&d[k], 0, MEMF_no_scrub))
			;
	}
	for (int i = 0; i < DOMS; i++)
		domain_relinquish_memory(&d[i]);
	if (heap_check())
		exit(1);
	heap_get_stats(&s);
	printf("frag_grouping_%s free_in_2mib_blocks_pct %.1f small_live %lu\n",
	       grouping ? "on" : "off",
	       100.0 * s.free_blocks * PAGEBLOCK_PAGES / s.free_pages, nsmall);
	host_machine_fini();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "time")) {
		time_all();
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "op"))
		return run_op(argv[2], strtoul(argv[3], NULL, 0));
	if (argc >= 2 && !strcmp(argv[1], "frag")) {
		frag(true);
		frag(false);
		return 0;
	}
	fprintf(stderr, "usage: heap_bench time | op NAME N | frag\n");
	return 2;
}
