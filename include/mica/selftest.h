/* SPDX-License-Identifier: MIT */
/*
 * In-kernel self tests. `selftest` on the command line runs every
 * registered test once boot is complete, prints KTAP on the console and
 * powers the machine off.
 *
 *     SELFTEST(heap, merge_restores_chunks)
 *     {
 *             ...
 *             ST_CHECK(t, x == 4, "x is %d", x);
 *     }
 *
 * A test ends in one of four outcomes, worst wins: pass, skip, error (the
 * test could not run as intended), fail (mica is wrong).
 */
#ifndef MICA_SELFTEST_H
#define MICA_SELFTEST_H

#include <mica/lib.h>

enum selftest_result { ST_PASS = 0, ST_SKIP = 1, ST_ERROR = 2, ST_FAIL = 3 };

struct selftest_ctx {
	enum selftest_result result;
	const char *name;
	unsigned int checks;
	char reason[128]; /* skip or error reason */
};

struct selftest {
	const char *suite;
	const char *name;
	void (*fn)(struct selftest_ctx *t);
} __aligned(16);

#define SELFTEST(suite_, name_)                                          \
	static void selftest_##suite_##_##name_(struct selftest_ctx *t); \
	static const struct selftest __used __section("mica_selftest")   \
		__aligned(16) __selftest_##suite_##_##name_ = {          \
			.suite = #suite_,                                \
			.name = #name_,                                  \
			.fn = selftest_##suite_##_##name_,               \
	};                                                               \
	static void selftest_##suite_##_##name_(struct selftest_ctx *t)

extern const struct selftest __start_mica_selftest[], __stop_mica_selftest[];

/* Record a failed expectation (as a KTAP diagnostic) and go on. */
void selftest_fail(struct selftest_ctx *t, const char *file, int line,
		   const char *fmt, ...) __printf(4, 5);
void selftest_skip(struct selftest_ctx *t, const char *fmt, ...) __printf(2, 3);
void selftest_error(struct selftest_ctx *t, const char *fmt, ...)
	__printf(2, 3);

#define ST_CHECK(t, cond, ...)                                               \
	do {                                                                 \
		(t)->checks++;                                               \
		if (!(cond))                                                 \
			selftest_fail((t), __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#define ST_CHECK_EQ(t, a, b)                                                  \
	do {                                                                  \
		unsigned long long a_ = (unsigned long long)(a);              \
		unsigned long long b_ = (unsigned long long)(b);              \
		ST_CHECK(t, a_ == b_, "%s == %s: %#llx != %#llx", #a, #b, a_, \
			 b_);                                                 \
	} while (0)

/* Run every test (or those whose "suite.name" starts with filter). */
int selftest_run_all(const char *filter);

#endif
