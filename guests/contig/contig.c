/* SPDX-License-Identifier: MIT */
/*
 * contig: the contiguity experiments of issue 6 in one test guest, chosen
 * by its command line (exp=remap, exp=dma, exp=balloon; several may be
 * given; none means all, one after another). One domain running them in
 * turn measures each on a host no other experiment is allocating from at
 * the same time. contig.h has the result-line format.
 */
#include "contig.h"

static struct ktap_case cases[16];

static unsigned int add(unsigned int n, const struct ktap_case *c,
			unsigned int nr)
{
	for (unsigned int i = 0; i < nr && n < ARRAY_SIZE(cases); i++)
		cases[n++] = c[i];
	return n;
}

int main(void)
{
	bool all = !cmdline_has("exp=remap") && !cmdline_has("exp=dma") &&
		   !cmdline_has("exp=balloon");
	unsigned int n = 0;

	if (all || cmdline_has("exp=remap"))
		n = add(n, remap_cases, nr_remap_cases);
	if (all || cmdline_has("exp=dma"))
		n = add(n, dma_cases, nr_dma_cases);
	if (all || cmdline_has("exp=balloon"))
		n = add(n, balloon_cases, nr_balloon_cases);
	return ktap_main("contig", cases, n);
}
