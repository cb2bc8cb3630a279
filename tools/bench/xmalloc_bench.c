/* SPDX-License-Identifier: MIT */
/*
 * xmalloc benchmarks on the host library (release build), beside the C
 * library's malloc; built a second time with -DBENCH_JEMALLOC and linked
 * with jemalloc, whose malloc then replaces glibc's in that binary only.
 *
 *   xmalloc_bench op WORKLOAD N
 *                         run a workload whose xmalloc and xfree calls go
 *                         through op_malloc and op_free, for callgrind:
 *       valgrind --tool=callgrind --collect-atstart=no \
 *                --toggle-collect=op_malloc xmalloc_bench op hot N
 *       instructions per call = Ir / the calls it prints
 *     hot     a 64-byte xmalloc and xfree, N times
 *     worst   xmalloc that finds its block in the top second-level list of
 *             a higher level and splits it; xfree that merges on both
 *             sides, emptying both neighbours' lists and levels
 *     random  the fragmentation workload's calls (N ignored): an average
 *             that includes taking and returning pool pages
 *     grow    xmalloc that takes a new pool page from the heap, and xfree
 *             that gives it back (xmalloc's only pool), with the heap's
 *             order-0 lists stocked as a running system's are
 *     libc    the hot pair through this binary's malloc and free
 *   xmalloc_bench time    median ns of a hot 64-byte pair: xmalloc and this
 *                         binary's malloc (glibc's, or jemalloc's)
 *   xmalloc_bench frag    fragmentation over seeded random workloads, and
 *                         the same workloads through this binary's malloc
 *
 * scripts/bench-xmalloc.sh builds both binaries and runs all of it.
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mica/host.h>

#include "bench_util.h"
#include <mica/xmalloc.h>

#ifdef BENCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#define LIBC_NAME "jemalloc"
#else
#define LIBC_NAME "glibc"
#endif

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A 256 MiB machine. */
static void machine(void)
{
	if (host_machine_init(65536)) {
		fprintf(stderr, "host_machine_init failed\n");
		exit(1);
	}
	heap_scrub_some(~0UL);
}

/* The calls callgrind counts, one each; all three allocators alike. */
static unsigned long calls_malloc, calls_free;

static void *NOIPA op_malloc(size_t size)
{
	calls_malloc++;
	return xmalloc_bytes(size);
}

static void NOIPA op_free(void *p)
{
	calls_free++;
	xfree(p);
}

static void *NOIPA op_libc_malloc(size_t size)
{
	return malloc(size);
}

static void NOIPA op_libc_free(void *p)
{
	free(p);
}

/*
 * What a running hypervisor has: a few hundred live objects of assorted
 * sizes, so that the pair under test is not the allocator's only block.
 */
enum { BACKGROUND = 512 };
static void *background[BACKGROUND];

static void background_alloc(void *(*alloc)(size_t))
{
	rng = 7;
	for (int i = 0; i < BACKGROUND; i++)
		background[i] = alloc(16 + rnd() % 1000);
}

static void background_free(void (*release)(void *))
{
	for (int i = 0; i < BACKGROUND; i++)
		release(background[i]);
}

static void hot(unsigned long n)
{
	machine();
	background_alloc(xmalloc_bytes);
	for (unsigned long i = 0; i < n; i++)
		op_free(op_malloc(64));
	background_free(xfree);
	host_machine_fini();
}

/* The worst paths are what they claim only in this state: say if not. */
static void expect_free_blocks(unsigned long n, const char *when)
{
	struct xmalloc_stats st;

	xmalloc_get_stats(&st);
	if (st.free_blocks != n || st.pool_pages != 3) {
		fprintf(stderr, "worst: %s: %lu free blocks in %lu pools\n",
			when, st.free_blocks, st.pool_pages);
		exit(1);
	}
}

/*
 * The worst paths. Pools A and B are full and pool C is the spare, wholly
 * free: a 16-byte request finds nothing on level 0, takes C's block from
 * the top list of level 3, empties that list and level, and files the rest
 * in an empty list of an empty level. Then C is carved into x, y and z, x
 * and z freed (alone on their lists and levels), and freeing y merges both
 * and files the whole pool (kept as the spare) in an empty list again.
 */
static void worst(unsigned long n)
{
	void *a1, *a2, *b1, *b2, *c;

	machine();
	a1 = xmalloc_bytes(XMALLOC_SMALL_MAX); /* 4032 of 4080 bytes */
	a2 = xmalloc_bytes(40);		       /* the last 48 */
	b1 = xmalloc_bytes(XMALLOC_SMALL_MAX);
	b2 = xmalloc_bytes(40);
	c = xmalloc_bytes(16);
	xfree(c); /* C: the spare */
	for (unsigned long i = 0; i < n; i++) {
		void *x, *y, *z;

		if (!i)
			expect_free_blocks(1, "before the worst xmalloc");
		xfree(op_malloc(16));
		/*
		 * 32 + 80 + 3968 bytes: z's request is exactly the lower bound
		 * of its class, so good fit takes the rest of C for it.
		 */
		x = xmalloc_bytes(24);
		y = xmalloc_bytes(72);
		z = xmalloc_bytes(3960);
		xfree(x);
		xfree(z);
		if (!i)
			expect_free_blocks(2, "before the worst xfree");
		op_free(y);
		if (!i)
			expect_free_blocks(1, "after the worst xfree");
	}
	xfree(a1);
	xfree(a2);
	xfree(b1);
	xfree(b2);
	host_machine_fini();
}

static void grow(unsigned long n)
{
	enum { PAGES = 64 };
	void *pg[PAGES];

	/* Free pages whose buddies are in use: the heap's fast paths. */
	machine();
	for (int i = 0; i < PAGES; i++)
		pg[i] = alloc_xenheap_pages(0, 0);
	for (int i = 0; i < PAGES; i += 2)
		free_xenheap_pages(pg[i], 0);
	for (unsigned long i = 0; i < n; i++)
		op_free(op_malloc(16));
	host_machine_fini();
}

/* ---- the random workloads ---- */

struct workload {
	const char *name;
	const char *what;
	/* Size classes: percent of requests, and their range. */
	struct {
		unsigned int pct, lo, hi;
	} mix[3];
};

static const struct workload workloads[] = {
	{"small",
	 "70% 8-256 B, 25% 256-1024 B, 5% 1-4 KiB",
	 {{70, 8, 256}, {25, 256, 1024}, {5, 1024, XMALLOC_SMALL_MAX}}},
	{"tiny", "16-128 B", {{100, 16, 128}, {0, 0, 0}, {0, 0, 0}}},
	{"uniform",
	 "16 B-4 KiB, uniform",
	 {{100, 16, XMALLOC_SMALL_MAX}, {0, 0, 0}, {0, 0, 0}}},
};

static size_t pick_size(const struct workload *w)
{
	unsigned int r = rnd() % 100, i = 0;

	while (i < 2 && r >= w->mix[i].pct) {
		r -= w->mix[i].pct;
		i++;
	}
	return w->mix[i].lo + rnd() % (w->mix[i].hi - w->mix[i].lo + 1);
}

/*
 * The live set swings between LO and HI objects, three times, with random
 * frees throughout: allocation 3 times in 5 on the way up, 2 in 5 on the
 * way down. Fragmentation is (H - L) / L, H the memory the allocator held
 * at its highest and L the bytes requested that were live at that moment;
 * and the same with L the highest live bytes, wherever that was.
 */
enum { LO = 1000, HI = 20000, SWINGS = 3 };

struct frag_result {
	unsigned long peak_held, live_at_peak, max_live, ops;
};

/* An allocator under the workload: xmalloc, or this binary's malloc. */
struct allocator {
	const char *name;
	void *(*alloc)(size_t);
	void (*release)(void *);
	/* Bytes held now, sampled after every allocation. */
	unsigned long (*held)(void);
};

static unsigned long xmalloc_held(void)
{
	return xmalloc_pool_pages() * PAGE_SIZE;
}

/*
 * What glibc took from the kernel: its main arena, which grows by brk (and
 * mallinfo2(), which walks the bins, is far too slow to call this often).
 * Requests here stay below its mmap threshold.
 */
#ifndef BENCH_JEMALLOC
static char *brk0;

static unsigned long libc_held(void)
{
	return (unsigned long)((char *)sbrk(0) - brk0);
}
#endif

static const struct allocator xmalloc_alloc = {
	"xmalloc",
	xmalloc_bytes,
	xfree,
	xmalloc_held,
};
static const struct allocator counted_alloc = {
	"xmalloc",
	op_malloc,
	op_free,
	NULL,
};
#ifndef BENCH_JEMALLOC
static const struct allocator libc_alloc = {
	LIBC_NAME,
	op_libc_malloc,
	op_libc_free,
	libc_held,
};
#endif

static void *live[HI + 1];
static size_t live_size[HI + 1];

static void run_workload(const struct workload *w, const struct allocator *a,
			 struct frag_result *res)
{
	unsigned long nlive = 0, live_bytes = 0;

	memset(res, 0, sizeof(*res));
	rng = 0x9e3779b97f4a7c15UL;
	for (int swing = 0; swing < SWINGS * 2; swing++) {
		bool up = !(swing & 1);

		while (up ? nlive < HI : nlive > LO) {
			bool alloc = nlive == 0 ||
				     (nlive < HI && rnd() % 5 < (up ? 3u : 2u));

			res->ops++;
			if (alloc) {
				size_t sz = pick_size(w);
				void *p = a->alloc(sz);

				if (!p) {
					fprintf(stderr, "out of memory\n");
					exit(1);
				}
				memset(p, 0x5a, sz < 64 ? sz : 64);
				live[nlive] = p;
				live_size[nlive++] = sz;
				live_bytes += sz;
				if (live_bytes > res->max_live)
					res->max_live = live_bytes;
				if (a->held) {
					unsigned long h = a->held();

					if (h > res->peak_held) {
						res->peak_held = h;
						res->live_at_peak = live_bytes;
					}
				}
			} else {
				unsigned long i = rnd() % nlive;

				a->release(live[i]);
				live_bytes -= live_size[i];
				live[i] = live[--nlive];
				live_size[i] = live_size[nlive];
			}
		}
	}
	while (nlive)
		a->release(live[--nlive]);
}

/* The workload on a fresh machine, checked to leave nothing behind. */
static void run_xmalloc(const struct workload *w, const struct allocator *a,
			struct frag_result *res)
{
	struct heap_stats hs;
	unsigned long start_free;

	machine();
	heap_get_stats(&hs);
	start_free = hs.free_pages;
	run_workload(w, a, res);
	heap_get_stats(&hs);
	if (xmalloc_check() || heap_check() || hs.free_pages != start_free) {
		fprintf(stderr, "%s: xmalloc leaked or broke\n", w->name);
		exit(1);
	}
	host_machine_fini();
}

static void print_frag(const struct workload *w, const char *who,
		       const struct frag_result *r)
{
	printf("frag_%s_%s peak_held_kib %lu live_kib %lu frag_pct %.1f "
	       "max_live_kib %lu max_frag_pct %.1f ops %lu\n",
	       w->name, who, r->peak_held >> 10, r->live_at_peak >> 10,
	       100.0 * (r->peak_held - r->live_at_peak) / r->live_at_peak,
	       r->max_live >> 10,
	       100.0 * (r->peak_held - r->max_live) / r->max_live, r->ops);
}

static void frag(void)
{
#ifndef BENCH_JEMALLOC
	/*
	 * glibc first, each workload in a child of its own, before any
	 * machine: memory glibc took once stays in its arena and would serve
	 * the next workload unseen.
	 */
	for (unsigned int i = 0; i < ARRAY_SIZE(workloads); i++) {
		const struct workload *w = &workloads[i];
		struct frag_result r;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0)
			exit(1);
		if (!pid) {
			malloc_trim(0);
			brk0 = sbrk(0);
			run_workload(w, &libc_alloc, &r);
			print_frag(w, LIBC_NAME, &r);
			exit(0);
		}
		waitpid(pid, NULL, 0);
	}
#endif
	for (unsigned int i = 0; i < ARRAY_SIZE(workloads); i++) {
		const struct workload *w = &workloads[i];
		struct frag_result r;

		run_xmalloc(w, &xmalloc_alloc, &r);
		print_frag(w, "xmalloc", &r);
	}
}

/* ---- wall-clock times ---- */

static double time_pairs(void *(*alloc)(size_t), void (*release)(void *))
{
	enum { REPS = 9, PAIRS = 1000000 };
	uint64_t t[REPS];

	for (int r = 0; r < REPS; r++) {
		uint64_t t0 = now();

		for (int i = 0; i < PAIRS; i++)
			release(alloc(64));
		t[r] = now() - t0;
	}
	return (double)median(t, REPS) / PAIRS;
}

static void time_all(void)
{
	double x[3], l[3];

	machine();
	background_alloc(xmalloc_bytes);
	background_alloc(op_libc_malloc);
	/* Alternating, so that both see the same machine weather. */
	for (int i = 0; i < 3; i++) {
		x[i] = time_pairs(op_malloc, op_free);
		l[i] = time_pairs(op_libc_malloc, op_libc_free);
	}
	qsort(x, 3, sizeof(x[0]), cmp_double);
	qsort(l, 3, sizeof(l[0]), cmp_double);
	printf("hot64_xmalloc_ns %.2f\n", x[1]);
	printf("hot64_%s_ns %.2f\n", LIBC_NAME, l[1]);
#ifdef BENCH_JEMALLOC
	{
		const char *v = "?";
		size_t len = sizeof(v);

		/* Proof that malloc here is jemalloc's. */
		mallctl("version", &v, &len, NULL, 0);
		printf("jemalloc_version %s\n", v);
	}
#endif
}

int main(int argc, char **argv)
{
	/*
	 * Nothing here uses the vmap area: a small one, which valgrind can
	 * reserve where it cannot reserve the kernel's 64 GiB.
	 */
	host_vmap_pages = 1024;
	if (argc >= 4 && !strcmp(argv[1], "op")) {
		unsigned long n = strtoul(argv[3], NULL, 0);

		if (!strcmp(argv[2], "hot")) {
			hot(n);
		} else if (!strcmp(argv[2], "worst")) {
			worst(n);
		} else if (!strcmp(argv[2], "grow")) {
			grow(n);
		} else if (!strcmp(argv[2], "random")) {
			struct frag_result r;

			run_xmalloc(&workloads[0], &counted_alloc, &r);
		} else if (!strcmp(argv[2], "libc")) {
			background_alloc(op_libc_malloc);
			for (unsigned long i = 0; i < n; i++)
				op_libc_free(op_libc_malloc(64));
			calls_malloc = calls_free = n;
		} else {
			fprintf(stderr, "unknown workload %s\n", argv[2]);
			return 2;
		}
		printf("calls_malloc %lu calls_free %lu\n", calls_malloc,
		       calls_free);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "time")) {
		time_all();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "frag")) {
		frag();
		return 0;
	}
	fprintf(stderr, "usage: xmalloc_bench op WORKLOAD N | time | frag\n");
	return 2;
}
