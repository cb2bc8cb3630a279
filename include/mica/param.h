/* SPDX-License-Identifier: MIT */
/*
 * Command-line options, declared next to the code that owns them, as Xen's
 * boolean_param() and friends are:
 *
 *     static bool opt_noreboot;
 *     boolean_param("noreboot", opt_noreboot);
 *
 * Every declaration lands in the mica_param section; cmdline_parse() walks
 * it. Options not declared anywhere are warned about and otherwise ignored.
 * docs/cmdline.md lists them all (tests check that it does).
 */
#ifndef MICA_PARAM_H
#define MICA_PARAM_H

#include <mica/types.h>

enum param_type {
	PARAM_BOOL,   /* "x", "x=1/0/yes/no/on/off/true/false", "no-x" */
	PARAM_UINT,   /* unsigned number, any base */
	PARAM_SIZE,   /* size with K/M/G/T suffix */
	PARAM_STRING, /* copied into a char array of .size bytes */
	PARAM_CUSTOM, /* .fn(value) parses it; value is "" for a bare option */
};

struct kernel_param {
	const char *name;
	uint32_t type;
	uint32_t size; /* bytes of *var */
	union {
		void *var;
		int (*fn)(const char *val);
	};
} __aligned(16);

#define __param(_name, _type, _size, _field, _val)                      \
	static const struct kernel_param __used __section("mica_param") \
		__aligned(16) __UNIQ_PARAM(__LINE__) = {                \
			.name = _name,                                  \
			.type = _type,                                  \
			.size = _size,                                  \
			._field = _val,                                 \
	}
#define __UNIQ_PARAM2(l) __param_##l
#define __UNIQ_PARAM(l) __UNIQ_PARAM2(l)

#define boolean_param(name, v) __param(name, PARAM_BOOL, sizeof(v), var, &(v))
#define integer_param(name, v) __param(name, PARAM_UINT, sizeof(v), var, &(v))
#define size_param(name, v) __param(name, PARAM_SIZE, sizeof(v), var, &(v))
#define string_param(name, v) __param(name, PARAM_STRING, sizeof(v), var, (v))
#define custom_param(name, f) __param(name, PARAM_CUSTOM, 0, fn, (f))

extern const struct kernel_param __start_mica_param[], __stop_mica_param[];

/*
 * Apply a command line to every declared option. Returns the number of
 * options that were unknown or malformed (each has been warned about).
 */
int cmdline_parse(const char *cmdline);

/* Apply a command line against an explicit table (for tests). */
int cmdline_parse_table(const char *cmdline, const struct kernel_param *start,
			const struct kernel_param *end);

#endif
