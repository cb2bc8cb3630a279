/* SPDX-License-Identifier: MIT */
/*
 * The contiguity experiments (issue 6): what a PV guest gets when it asks
 * for memory one page at a time or in large extents, through the Xen ABI
 * only. Each prints KTAP cases and one result line per measurement:
 *
 *   result: experiment=E policy=P grouping=G mode=M pages=N runs=R
 *           largest=L share2m=S% success=OK/TOTAL [key=value ...]
 *
 * on one line, every field present, "-" where it does not apply. runs is
 * the number of machine-contiguous runs of the measured pfns (pfn + 1 on
 * mfn + 1), largest the longest in pages, share2m the share of the pages
 * lying in 2 MiB-aligned extents (a 512-aligned gpfn block on a 512-aligned
 * machine-contiguous block). policy and grouping are what the hypervisor's
 * command line says (XENVER_commandline; an ordinary domain, which may not
 * read it, takes the same options from its own), "default" when it says
 * nothing.
 * A "heap-dump: tag=T" line precedes each sysctl debug_keys 'p' request,
 * after which mica prints its heap-blocks and heap-summary lines; the
 * balloon results' dumps are tagged balloon-MODE-start, -down and -up.
 */
#ifndef GUESTS_CONTIG_H
#define GUESTS_CONTIG_H

#include "ktap.h"
#include "mm.h"

#define PAGES_2M 512UL
/* The longest result line, so that no console cuts it in two. */
#define RESULT_LINE_MAX 159

struct contig_stats {
	unsigned long pages, runs, largest, in_2m;
};

/* Runs and 2 MiB extents of the pfns gpfn0.. backed by mfn[0..n). */
void contig_measure(const xen_pfn_t *mfn, unsigned long n, xen_pfn_t gpfn0,
		    struct contig_stats *s);

/* The result line; s may be NULL, total 0 means no success rate. */
void contig_result(const char *experiment, const char *mode,
		   const struct contig_stats *s, unsigned long ok,
		   unsigned long total, const char *extra);

/* What the hypervisor was told: "lower", "scramble" or "default". */
const char *contig_policy(void);
const char *contig_grouping(void);

/* A command-line number "name=N" of the guest's, or def. */
unsigned long cmdline_num(const char *name, unsigned long def);

/* Ask the hypervisor for its heap picture (sysctl debug_keys "p"). */
long heap_dump(const char *tag);

/* Map mfn at the guest's scratch page, write and read back a pattern. */
bool frame_works(xen_pfn_t mfn, uint64_t pattern);

/*
 * n pfns of the guest's own, 2 MiB-aligned, above the builder's initial
 * region (so mapped nowhere) and not claimed by another experiment.
 */
xen_pfn_t claim_pfns(unsigned long n);

/* A small deterministic generator (xorshift64). */
uint64_t contig_rand(void);

/* The experiments: each adds its cases. */
extern const struct ktap_case remap_cases[], dma_cases[], balloon_cases[];
extern const unsigned int nr_remap_cases, nr_dma_cases, nr_balloon_cases;

#endif
