/* SPDX-License-Identifier: MIT */
/* What the experiments share: measuring, reporting, asking the hypervisor. */
#include <public/sysctl.h>

#include "contig.h"

static uint64_t scratch[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t rand_state = 0x2545f4914f6cdd1dUL;

uint64_t contig_rand(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return rand_state;
}

void contig_measure(const xen_pfn_t *mfn, unsigned long n, xen_pfn_t gpfn0,
		    struct contig_stats *s)
{
	unsigned long run = 0;

	s->pages = n;
	s->runs = s->largest = s->in_2m = 0;
	for (unsigned long i = 0; i < n; i++) {
		if (i && mfn[i] == mfn[i - 1] + 1) {
			run++;
		} else {
			s->runs++;
			run = 1;
		}
		if (run > s->largest)
			s->largest = run;
	}
	for (unsigned long i = 0; i < n; i++) {
		unsigned long j;

		if ((gpfn0 + i) % PAGES_2M || i + PAGES_2M > n ||
		    mfn[i] % PAGES_2M)
			continue;
		for (j = 1; j < PAGES_2M && mfn[i + j] == mfn[i] + j; j++)
			;
		if (j == PAGES_2M)
			s->in_2m += PAGES_2M;
	}
}

/* The last value of option name= on the hypervisor's command line. */
static bool hv_option(const char *name, char *val, size_t len)
{
	static xen_commandline_t cl;
	static bool have;
	size_t n = strlen(name);
	bool found = false;
	const char *c;

	if (!have) {
		/*
		 * Only the initial domain may read the hypervisor's; another
		 * is told by its own command line (the harness repeats it).
		 */
		if (!is_initial_domain() ||
		    HYPERVISOR_xen_version(XENVER_commandline, cl))
			memcpy(cl, start_info->cmd_line,
			       MIN(sizeof(cl), sizeof(start_info->cmd_line)));
		cl[sizeof(cl) - 1] = 0;
		have = true;
	}
	for (c = cl; *c;) {
		const char *w = c;
		size_t wl;

		while (*c && *c != ' ')
			c++;
		wl = c - w;
		if (wl >= n && !strncmp(w, name, n) &&
		    (wl == n || w[n] == '=')) {
			size_t vl = wl > n ? wl - n - 1 : 0;

			if (vl >= len)
				vl = len - 1;
			memcpy(val, w + n + (wl > n), vl);
			val[vl] = 0;
			found = true;
		} else if (wl == n + 3 && !strncmp(w, "no-", 3) &&
			   !strncmp(w + 3, name, n)) {
			memcpy(val, "off", 4);
			found = true;
		}
		while (*c == ' ')
			c++;
	}
	return found;
}

const char *contig_policy(void)
{
	static char v[16];

	if (!hv_option("alloc_order", v, sizeof(v)))
		return "default";
	if (!strcmp(v, "ascending"))
		return "lower";
	return v;
}

const char *contig_grouping(void)
{
	static char v[16];

	if (!hv_option("heap_grouping", v, sizeof(v)))
		return "default";
	if (!v[0] || !strcmp(v, "1") || !strcmp(v, "yes") ||
	    !strcmp(v, "true") || !strcmp(v, "on"))
		return "on";
	return "off";
}

unsigned long cmdline_num(const char *name, unsigned long def)
{
	const char *c = (const char *)start_info->cmd_line;
	size_t n = strlen(name);

	for (; *c; c++) {
		unsigned long v = 0;

		if ((c != (const char *)start_info->cmd_line && c[-1] != ' ') ||
		    strncmp(c, name, n) || c[n] != '=')
			continue;
		for (c += n + 1; *c >= '0' && *c <= '9'; c++)
			v = v * 10 + (*c - '0');
		return v;
	}
	return def;
}

void contig_result(const char *experiment, const char *mode,
		   const struct contig_stats *s, unsigned long ok,
		   unsigned long total, const char *extra)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line),
		     "result: experiment=%s policy=%s grouping=%s mode=%s ",
		     experiment, contig_policy(), contig_grouping(), mode);
	if (s && s->pages)
		n += snprintf(
			line + n, sizeof(line) - n,
			"pages=%lu runs=%lu largest=%lu share2m=%lu.%lu%% ",
			s->pages, s->runs, s->largest,
			s->in_2m * 100 / s->pages,
			s->in_2m * 1000 / s->pages % 10);
	else
		n += snprintf(line + n, sizeof(line) - n,
			      "pages=- runs=- largest=- share2m=- ");
	if (total)
		n += snprintf(line + n, sizeof(line) - n, "success=%lu/%lu", ok,
			      total);
	else
		n += snprintf(line + n, sizeof(line) - n, "success=-");
	if (extra)
		n += snprintf(line + n, sizeof(line) - n, " %s", extra);
	/* Xen and mica cut a guest's console lines (mica at 160 bytes). */
	if (n >= RESULT_LINE_MAX)
		ktap_error("result line of %d bytes would be cut", n);
	printf("%s\n", line);
}

long heap_dump(const char *tag)
{
	struct xen_sysctl op = {
		.cmd = XEN_SYSCTL_debug_keys,
		.interface_version = XEN_SYSCTL_INTERFACE_VERSION,
	};
	static const char key = 'p';

	printf("heap-dump: tag=%s\n", tag);
	set_xen_guest_handle(op.u.debug_keys.keys, &key);
	op.u.debug_keys.nr_keys = 1;
	return hypercall1(__HYPERVISOR_sysctl, &op);
}

bool frame_works(xen_pfn_t mfn, uint64_t pattern)
{
	bool ok;

	if (update_va((unsigned long)scratch, pte_rw(mfn), UVMF_INVLPG))
		return false;
	*(volatile uint64_t *)scratch = pattern;
	scratch[PT_ENTRIES - 1] = ~pattern;
	ok = *(volatile uint64_t *)scratch == pattern &&
	     *(volatile uint64_t *)&scratch[PT_ENTRIES - 1] == ~pattern;
	/* Back to its own frame: no mapping of mfn is left behind. */
	if (update_va((unsigned long)scratch, pte_rw(virt_to_mfn(scratch)),
		      UVMF_INVLPG))
		return false;
	return ok;
}

xen_pfn_t claim_pfns(unsigned long n)
{
	static xen_pfn_t next;
	xen_pfn_t first;

	if (!next)
		next = ROUNDUP(initial_region_pages(), PAGES_2M);
	first = next;
	next += ROUNDUP(n, PAGES_2M);
	return first;
}
