/* SPDX-License-Identifier: MIT */
/*
 * The command-line parser behind include/mica/param.h. The line is a list
 * of options separated by blanks, each `name`, `name=value` or, for a
 * boolean, `no-name`; no quoting. Options apply in order, so a later one
 * overrides an earlier one. Runs once at boot before anything is set up
 * (it keeps its scratch buffer in static storage), and on the host in the
 * unit tests.
 */
#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/param.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const struct kernel_param *lookup(const struct kernel_param *start,
					 const struct kernel_param *end,
					 const char *name)
{
	for (const struct kernel_param *p = start; p < end; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* Store v into an unsigned variable of the given size, if it fits. */
static int store(const struct kernel_param *p, uint64_t v)
{
	switch (p->size) {
	case 1:
		if (v > UINT8_MAX)
			return -ERANGE;
		*(uint8_t *)p->var = (uint8_t)v;
		return 0;
	case 2:
		if (v > UINT16_MAX)
			return -ERANGE;
		*(uint16_t *)p->var = (uint16_t)v;
		return 0;
	case 4:
		if (v > UINT32_MAX)
			return -ERANGE;
		*(uint32_t *)p->var = (uint32_t)v;
		return 0;
	case 8:
		*(uint64_t *)p->var = v;
		return 0;
	default:
		printk(LOG_ERR
		       "cmdline: option '%s' is declared on a %u-byte variable, which no parser handles\n",
		       p->name, p->size);
		return -EINVAL;
	}
}

static int parse_bool(const char *v)
{
	static const char *const yes[] = {"1", "yes", "on", "true"};
	static const char *const no[] = {"0", "no", "off", "false"};

	for (unsigned int i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i]))
			return 1;
		if (!strcmp(v, no[i]))
			return 0;
	}
	return -EINVAL;
}

/* mica_strtoull's syntax (decimal, 0x hex, 0 octal), but overflow fails. */
static int parse_uint(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/*
 * Apply one option. val is NULL for a bare `name`; negate is set for the
 * `no-name` form. Returns 0, or -errno after warning.
 */
static int apply(const struct kernel_param *p, const char *val, bool negate)
{
	const char *end;
	uint64_t v;
	int rc;

	if (negate && (p->type != PARAM_BOOL || val)) {
		printk(LOG_WARN
		       "cmdline: 'no-%s%s%s': only a boolean option can be negated, and without a value\n",
		       p->name, val ? "=" : "", val ? val : "");
		return -EINVAL;
	}
	switch (p->type) {
	case PARAM_BOOL:
		rc = val ? parse_bool(val) : !negate;
		if (rc < 0) {
			printk(LOG_WARN
			       "cmdline: '%s=%s': expected 1/0, yes/no, on/off or true/false\n",
			       p->name, val);
			return rc;
		}
		return store(p, (uint64_t)rc);
	case PARAM_UINT:
		if (!val) {
			printk(LOG_WARN "cmdline: option '%s' needs a number\n",
			       p->name);
			return -EINVAL;
		}
		rc = parse_uint(val, &v);
		if (!rc)
			rc = store(p, v);
		if (rc)
			printk(LOG_WARN "cmdline: '%s=%s': %s\n", p->name, val,
			       rc == -ERANGE ? "number out of range"
					     : "not a number");
		return rc;
	case PARAM_SIZE:
		if (!val) {
			printk(LOG_WARN "cmdline: option '%s' needs a size\n",
			       p->name);
			return -EINVAL;
		}
		rc = parse_size(val, &end, &v);
		if (!rc && *end)
			rc = -EINVAL;
		if (!rc)
			rc = store(p, v);
		if (rc)
			printk(LOG_WARN "cmdline: '%s=%s': %s\n", p->name, val,
			       rc == -ERANGE
				       ? "size out of range"
				       : "not a size (a number with an optional K, M, G or T)");
		return rc;
	case PARAM_STRING:
		if (!p->size) {
			printk(LOG_ERR
			       "cmdline: string option '%s' has no room for a value\n",
			       p->name);
			return -EINVAL;
		}
		if (mica_strlcpy(p->var, val ? val : "", p->size) >= p->size) {
			printk(LOG_WARN
			       "cmdline: '%s': value longer than %u bytes, truncated\n",
			       p->name, p->size - 1);
			return -E2BIG;
		}
		return 0;
	case PARAM_CUSTOM:
		rc = p->fn(val ? val : "");
		if (rc)
			printk(LOG_WARN "cmdline: '%s%s%s' rejected (%d)\n",
			       p->name, val ? "=" : "", val ? val : "", rc);
		return rc;
	default:
		printk(LOG_ERR "cmdline: option '%s' has unknown type %u\n",
		       p->name, p->type);
		return -EINVAL;
	}
}

/* One option at a time, NUL-terminated; the command line is bounded too. */
static char opt[BOOT_CMDLINE_MAX];

int cmdline_parse_table(const char *cmdline, const struct kernel_param *start,
			const struct kernel_param *end)
{
	int bad = 0;

	if (!cmdline)
		return 0;
	while (*cmdline) {
		const struct kernel_param *p;
		size_t len = 0;
		char *val;
		bool negate = false;

		while (is_blank(*cmdline))
			cmdline++;
		if (!*cmdline)
			break;
		while (cmdline[len] && !is_blank(cmdline[len]))
			len++;
		if (len >= sizeof(opt)) {
			printk(LOG_WARN
			       "cmdline: option of %zu bytes ignored (the limit is %zu)\n",
			       len, sizeof(opt) - 1);
			cmdline += len;
			bad++;
			continue;
		}
		memcpy(opt, cmdline, len);
		opt[len] = '\0';
		cmdline += len;

		val = strchr(opt, '=');
		if (val)
			*val++ = '\0';
		p = lookup(start, end, opt);
		if (!p && !strncmp(opt, "no-", 3)) {
			p = lookup(start, end, opt + 3);
			negate = p != NULL;
		}
		if (!p) {
			printk(LOG_WARN "cmdline: unknown option '%s'\n", opt);
			bad++;
			continue;
		}
		if (apply(p, val, negate))
			bad++;
	}
	return bad;
}

int cmdline_parse(const char *cmdline)
{
	return cmdline_parse_table(cmdline, __start_mica_param,
				   __stop_mica_param);
}
