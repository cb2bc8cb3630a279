/* SPDX-License-Identifier: MIT */
/*
 * The boot modules as the loader delivered them, against what the test
 * runner says it loaded: selftest_modules= (docs/cmdline.md).
 */
#include <mica/bootinfo.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/param.h>
#include <mica/selftest.h>

static char opt_modules[512];
static bool opt_modules_given, opt_modules_cut;

static int parse_modules(const char *s)
{
	opt_modules_given = true;
	opt_modules_cut = mica_strlcpy(opt_modules, s, sizeof(opt_modules)) >=
			  sizeof(opt_modules);
	return opt_modules_cut ? -1 : 0;
}
custom_param("selftest_modules", parse_modules);

SELFTEST(boot, modules_as_loaded)
{
	char why[160];
	int rc;

	if (!opt_modules_given) {
		selftest_skip(t, "no selftest_modules= to compare with");
		return;
	}
	if (opt_modules_cut) {
		selftest_error(t, "selftest_modules= is longer than %zu bytes",
			       sizeof(opt_modules) - 1);
		return;
	}
	rc = bootinfo_check_modules(boot_info, opt_modules, why, sizeof(why));
	if (rc < 0) {
		selftest_error(t, "selftest_modules=: %s", why);
		return;
	}
	ST_CHECK(t, rc == 0, "%d mismatch%s, the first: %s", rc,
		 rc == 1 ? "" : "es", why);
}
