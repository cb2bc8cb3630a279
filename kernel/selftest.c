/* SPDX-License-Identifier: MIT */
/* Runs the registered self tests and reports them as KTAP. */
#include <mica/lib.h>
#include <mica/selftest.h>

static void set_result(struct selftest_ctx *t, enum selftest_result r)
{
	if (r > t->result)
		t->result = r;
}

void selftest_fail(struct selftest_ctx *t, const char *file, int line,
		   const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("    # %s: %s:%d: %s\n", t->name, file, line, msg);
	set_result(t, ST_FAIL);
}

static void set_reason(struct selftest_ctx *t, enum selftest_result r,
		       const char *fmt, va_list ap)
{
	if (r >= t->result)
		vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	set_result(t, r);
}

void selftest_skip(struct selftest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(t, ST_SKIP, fmt, ap);
	va_end(ap);
}

void selftest_error(struct selftest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(t, ST_ERROR, fmt, ap);
	va_end(ap);
	printk("    # %s: error: %s\n", t->name, t->reason);
}

static bool selected(const struct selftest *st, const char *filter)
{
	char full[96];

	if (!filter || !*filter)
		return true;
	snprintf(full, sizeof(full), "%s.%s", st->suite, st->name);
	return !strncmp(full, filter, strlen(filter));
}

int selftest_run_all(const char *filter)
{
	unsigned int n = 0, i = 0, counts[4] = {0};

	for (const struct selftest *st = __start_mica_selftest;
	     st < __stop_mica_selftest; st++)
		n += selected(st, filter);

	printk("KTAP version 1\n1..%u\n", n);
	for (const struct selftest *st = __start_mica_selftest;
	     st < __stop_mica_selftest; st++) {
		char name[96];
		struct selftest_ctx t = {.result = ST_PASS, .name = name};

		if (!selected(st, filter))
			continue;
		snprintf(name, sizeof(name), "%s.%s", st->suite, st->name);
		st->fn(&t);
		i++;
		switch (t.result) {
		case ST_PASS:
			printk("ok %u %s\n", i, name);
			break;
		case ST_SKIP:
			printk("ok %u %s # SKIP %s\n", i, name, t.reason);
			break;
		case ST_ERROR:
			printk("not ok %u %s # ERROR %s\n", i, name, t.reason);
			break;
		case ST_FAIL:
			printk("not ok %u %s\n", i, name);
			break;
		}
		counts[t.result]++;
	}
	printk("# selftest: %u passed, %u failed, %u skipped, %u errors\n",
	       counts[ST_PASS], counts[ST_FAIL], counts[ST_SKIP],
	       counts[ST_ERROR]);
	return counts[ST_FAIL] || counts[ST_ERROR] ? -1 : 0;
}
