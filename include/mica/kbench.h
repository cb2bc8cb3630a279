/* SPDX-License-Identifier: MIT */
/*
 * In-kernel benchmarks: what can only be measured inside mica (page-table
 * and mapping costs, later hypercalls). `bench` or `bench=<prefix>` on the
 * command line runs the registered benchmarks once boot is complete,
 * prints one line per figure and powers the machine off:
 *
 *     bench: <benchmark> <figure> <value> <unit>
 *
 *     KBENCH(mm, map_domain_page)
 *     {
 *             uint64_t t0 = now_ns();
 *             ...
 *             kbench_report(b, "pair", ns_per_op, "ns");
 *     }
 *
 * scripts/bench-kernel.sh boots mica for them and writes docs/benchmarks.md.
 * They measure; they never pass or fail: that is what self tests are for.
 */
#ifndef MICA_KBENCH_H
#define MICA_KBENCH_H

#include <mica/lib.h>

struct kbench {
	const char *suite;
	const char *name;
	void (*fn)(const struct kbench *b);
} __aligned(16);

#define KBENCH(suite_, name_)                                          \
	static void kbench_##suite_##_##name_(const struct kbench *b); \
	static const struct kbench __used __section("mica_kbench")     \
		__aligned(16) __kbench_##suite_##_##name_ = {          \
			.suite = #suite_,                              \
			.name = #name_,                                \
			.fn = kbench_##suite_##_##name_,               \
	};                                                             \
	static void kbench_##suite_##_##name_(const struct kbench *b)

extern const struct kbench __start_mica_kbench[], __stop_mica_kbench[];

/* Print "bench: suite.name what value unit". */
void kbench_report(const struct kbench *b, const char *what,
		   unsigned long value, const char *unit);

/* Whether `bench` was given; running them (then powering off). */
bool kbench_requested(void);
void kbench_run_all(void);

#endif
