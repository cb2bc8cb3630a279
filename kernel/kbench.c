/* SPDX-License-Identifier: MIT */
/* The in-kernel benchmark runner (include/mica/kbench.h). */
#include <mica/kbench.h>
#include <mica/param.h>

static bool opt_bench;
static char bench_filter[64];

static int parse_bench(const char *s)
{
	opt_bench = true;
	mica_strlcpy(bench_filter, s, sizeof(bench_filter));
	return 0;
}
custom_param("bench", parse_bench);

bool kbench_requested(void)
{
	return opt_bench;
}

void kbench_report(const struct kbench *b, const char *what,
		   unsigned long value, const char *unit)
{
	printk("bench: %s.%s %s %lu %s\n", b->suite, b->name, what, value,
	       unit);
}

void kbench_run_all(void)
{
	size_t len = strlen(bench_filter);
	unsigned int n = 0;

	for (const struct kbench *b = __start_mica_kbench;
	     b < __stop_mica_kbench; b++) {
		char full[96];

		snprintf(full, sizeof(full), "%s.%s", b->suite, b->name);
		if (len && strncmp(full, bench_filter, len))
			continue;
		b->fn(b);
		n++;
	}
	printk("bench: %u benchmarks run\n", n);
}
