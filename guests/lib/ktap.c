/* SPDX-License-Identifier: MIT */
#include "ktap.h"

enum outcome { PASS, SKIP, ERROR, FAIL };

static const char *const outcome_names[] = {"pass", "skip", "error", "fail"};

static enum outcome current;
static char reason[128];

static void mark(enum outcome o, const char *fmt, va_list ap)
{
	if (o <= current && current != PASS)
		return;
	current = o;
	vsnprintf(reason, sizeof(reason), fmt, ap);
}

void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void ktap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mark(SKIP, fmt, ap);
	va_end(ap);
}

void ktap_error(const char *fmt, ...)
{
	va_list ap;

	printf("# error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	va_start(ap, fmt);
	mark(ERROR, fmt, ap);
	va_end(ap);
}

bool ktap_expect(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	current = FAIL;
	return false;
}

int ktap_main(const char *suite, const struct ktap_case *cases, unsigned int n)
{
	unsigned int counts[4] = {0}, i;
	enum outcome worst = PASS;

	printf("KTAP version 1\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		current = PASS;
		reason[0] = 0;
		cases[i].run();
		counts[current]++;
		if (current > worst)
			worst = current;
		switch (current) {
		case PASS:
			printf("ok %u %s\n", i + 1, cases[i].name);
			break;
		case SKIP:
			printf("ok %u %s # SKIP %s\n", i + 1, cases[i].name,
			       reason);
			break;
		case ERROR:
			printf("not ok %u %s # ERROR %s\n", i + 1,
			       cases[i].name, reason);
			break;
		case FAIL:
			printf("not ok %u %s\n", i + 1, cases[i].name);
			break;
		}
	}
	printf("# %s: %u passed, %u failed, %u errors, %u skipped\n", suite,
	       counts[PASS], counts[FAIL], counts[ERROR], counts[SKIP]);
	printf("%s: result %s\n", suite, outcome_names[worst]);
	return SHUTDOWN_poweroff;
}
