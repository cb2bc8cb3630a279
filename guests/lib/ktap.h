/* SPDX-License-Identifier: MIT */
/*
 * KTAP output for test guests, read by scripts/ktap.sh. A guest lists its
 * cases and ktap_main() runs each, printing "ok N name" or "not ok N name"
 * after the diagnostics ("# ...") that explain a failure, then a summary
 * and a machine-readable last line "<suite>: result pass|skip|error|fail".
 *
 * Four outcomes, worst wins: pass, skip (the case cannot run here), error
 * (the test itself broke: a setup step failed) and fail (the hypervisor
 * did something the ABI does not allow).
 */
#ifndef GUEST_KTAP_H
#define GUEST_KTAP_H

#include "guest.h"

struct ktap_case {
	const char *name;
	void (*run)(void);
};
#define KTAP_CASE(fn)   \
	{               \
#fn, fn \
	}

/* Runs the cases; returns the shutdown reason for main() to return. */
int ktap_main(const char *suite, const struct ktap_case *cases, unsigned int n);

/* A diagnostic line ("# ..."), in a case or between them. */
void ktap_diag(const char *fmt, ...) __printf(1, 2);

/* Mark the running case; the worst mark stands. Messages are diagnostics. */
void ktap_skip(const char *fmt, ...) __printf(1, 2);
void ktap_error(const char *fmt, ...) __printf(1, 2);
bool ktap_expect(bool ok, const char *file, int line, const char *fmt, ...)
	__printf(4, 5);

/* Each is true if the expectation held, so that a case can stop early. */
#define expect(cond) ktap_expect(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define expect_msg(cond, ...) \
	ktap_expect(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define expect_eq(a, b)                                                \
	({                                                             \
		unsigned long _a = (unsigned long)(a);                 \
		unsigned long _b = (unsigned long)(b);                 \
		ktap_expect(_a == _b, __FILE__, __LINE__,              \
			    "%s == %s: %#lx != %#lx", #a, #b, _a, _b); \
	})
/* A hypercall's result: rc is long, want an -XEN_E* or 0. */
#define expect_rc(rc, want)                                                    \
	({                                                                     \
		long _rc = (rc), _want = (want);                               \
		ktap_expect(_rc == _want, __FILE__, __LINE__,                  \
			    "%s returned %ld, expected %ld", #rc, _rc, _want); \
	})
/* A call that must be refused, with any error. */
#define expect_fail(rc)                                                      \
	({                                                                   \
		long _rc = (rc);                                             \
		ktap_expect(_rc < 0, __FILE__, __LINE__,                     \
			    "%s returned %ld, expected an error", #rc, _rc); \
	})

#endif
