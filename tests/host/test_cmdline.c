/* SPDX-License-Identifier: MIT */
/*
 * kernel/cmdline.c against a table of every option type, the options
 * declared through the real macros (in the mica_param section, under
 * ASan), and the number parsers of kernel/lib.c it relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/param.h>

#include "harness.h"

static bool opt_b = true;
static uint8_t opt_u8;
static unsigned int opt_u32;
static uint64_t opt_u64;
static unsigned long opt_size;
static uint32_t opt_size32;
static char opt_str[8];
static char custom_seen[64];
static int custom_calls;

static int parse_custom(const char *s)
{
	custom_calls++;
	snprintf(custom_seen, sizeof(custom_seen), "%s", s);
	return strcmp(s, "bad") ? 0 : -EINVAL;
}

static const struct kernel_param table[] = {
	{.name = "b", .type = PARAM_BOOL, .size = sizeof(opt_b), .var = &opt_b},
	{.name = "u8", .type = PARAM_UINT, .size = 1, .var = &opt_u8},
	{.name = "u32", .type = PARAM_UINT, .size = 4, .var = &opt_u32},
	{.name = "u64", .type = PARAM_UINT, .size = 8, .var = &opt_u64},
	{.name = "mem", .type = PARAM_SIZE, .size = 8, .var = &opt_size},
	{.name = "mem32", .type = PARAM_SIZE, .size = 4, .var = &opt_size32},
	{.name = "s",
	 .type = PARAM_STRING,
	 .size = sizeof(opt_str),
	 .var = opt_str},
	{.name = "c", .type = PARAM_CUSTOM, .fn = parse_custom},
	{.name = "no-thing", .type = PARAM_BOOL, .size = 1, .var = &opt_b},
	{.name = "odd", .type = PARAM_UINT, .size = 3, .var = &opt_u32},
};

static int parse(const char *line)
{
	log_reset();
	return cmdline_parse_table(line, table, table + ARRAY_SIZE(table));
}

static int setup(void **state)
{
	opt_b = true;
	opt_u8 = 0;
	opt_u32 = 0;
	opt_u64 = 0;
	opt_size = 0;
	opt_size32 = 0;
	memset(opt_str, 0, sizeof(opt_str));
	custom_seen[0] = '\0';
	custom_calls = 0;
	return 0;
}

static void test_bools(void **state)
{
	static const struct {
		const char *line;
		bool value;
	} ok[] = {
		{"no-b", false},  {"b", true},	    {"b=0", false},
		{"b=1", true},	  {"b=no", false},  {"b=yes", true},
		{"b=off", false}, {"b=on", true},   {"b=false", false},
		{"b=true", true}, {"b b=0", false}, {"no-b b", true},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(ok); i++) {
		opt_b = !ok[i].value;
		assert_int_equal(parse(ok[i].line), 0);
		assert_int_equal(opt_b, ok[i].value);
	}
	/* Malformed: warned, counted, and the value left alone. */
	opt_b = true;
	assert_int_equal(parse("b=maybe"), 1);
	assert_true(log_has(LOGLVL_WARN, "'b=maybe': expected"));
	assert_int_equal(parse("b="), 1);
	assert_int_equal(parse("no-b=1"), 1);
	assert_true(
		log_has(LOGLVL_WARN, "only a boolean option can be negated"));
	assert_true(opt_b);
	/* An option whose own name starts with no- is found as it is. */
	assert_int_equal(parse("no-thing=0"), 0);
	assert_false(opt_b);
}

static void test_integers(void **state)
{
	assert_int_equal(parse("u32=42 u8=255 u64=18446744073709551615"), 0);
	assert_int_equal(opt_u32, 42);
	assert_int_equal(opt_u8, 255);
	assert_int_equal(opt_u64, UINT64_MAX);
	assert_int_equal(parse("u32=0x10"), 0);
	assert_int_equal(opt_u32, 16);
	assert_int_equal(parse("u32=0XfF"), 0);
	assert_int_equal(opt_u32, 255);
	assert_int_equal(parse("u32=010"), 0);
	assert_int_equal(opt_u32, 8);
	assert_int_equal(parse("u32=0"), 0);
	assert_int_equal(opt_u32, 0);
	assert_int_equal(parse("u32=4294967295"), 0);
	assert_int_equal(opt_u32, UINT32_MAX);

	opt_u32 = 7;
	assert_int_equal(parse("u32=4294967296"), 1);
	assert_true(
		log_has(LOGLVL_WARN, "'u32=4294967296': number out of range"));
	assert_int_equal(parse("u8=256"), 1);
	assert_int_equal(parse("u64=18446744073709551616"), 1);
	assert_int_equal(opt_u64, UINT64_MAX);
	assert_int_equal(parse("u32=12abc"), 1);
	assert_true(log_has(LOGLVL_WARN, "'u32=12abc': not a number"));
	assert_int_equal(parse("u32=-1 u32=08 u32=0x u32= u32=1M"), 5);
	assert_int_equal(parse("u32"), 1);
	assert_true(log_has(LOGLVL_WARN, "option 'u32' needs a number"));
	assert_int_equal(opt_u32, 7);
	assert_int_equal(opt_u8, 255);
	/* A variable of a size no parser handles is refused, not written. */
	assert_int_equal(parse("odd=1"), 1);
	assert_true(log_has(LOGLVL_ERR, "3-byte variable"));
	assert_int_equal(opt_u32, 7);
}

static void test_sizes(void **state)
{
	static const struct {
		const char *v;
		uint64_t n;
	} ok[] = {
		{"64M", 64ULL << 20},
		{"1G", 1ULL << 30},
		{"4k", 4096},
		{"2T", 2ULL << 40},
		{"0x1000", 0x1000},
		{"123", 123},
		{"7b", 7},
		{"16777215T", 16777215ULL << 40},
	};
	char line[64];

	for (unsigned int i = 0; i < ARRAY_SIZE(ok); i++) {
		snprintf(line, sizeof(line), "mem=%s", ok[i].v);
		assert_int_equal(parse(line), 0);
		assert_int_equal(opt_size, ok[i].n);
	}
	opt_size = 5;
	assert_int_equal(parse("mem=12X"), 1);
	assert_true(log_has(LOGLVL_WARN, "'mem=12X': not a size"));
	assert_int_equal(parse("mem=16777216T"), 1);
	assert_true(log_has(LOGLVL_WARN, "size out of range"));
	assert_int_equal(parse("mem=M mem= mem=1MM mem"), 4);
	assert_int_equal(opt_size, 5);
	assert_int_equal(parse("mem32=4G"), 1);
	assert_int_equal(parse("mem32=3G"), 0);
	assert_int_equal(opt_size32, 3U << 30);
}

static void test_strings(void **state)
{
	assert_int_equal(parse("s=abc"), 0);
	assert_string_equal(opt_str, "abc");
	assert_int_equal(parse("s=abcdefg"), 0);
	assert_string_equal(opt_str, "abcdefg");
	assert_int_equal(parse("s=abcdefghij"), 1);
	assert_true(log_has(LOGLVL_WARN,
			    "'s': value longer than 7 bytes, truncated"));
	assert_string_equal(opt_str, "abcdefg");
	assert_int_equal(parse("s=a=b"), 0);
	assert_string_equal(opt_str, "a=b");
	assert_int_equal(parse("s"), 0);
	assert_string_equal(opt_str, "");
	assert_int_equal(parse("s=x s="), 0);
	assert_string_equal(opt_str, "");
}

static void test_custom(void **state)
{
	assert_int_equal(parse("c"), 0);
	assert_int_equal(custom_calls, 1);
	assert_string_equal(custom_seen, "");
	assert_int_equal(parse("c=com1,115200n8"), 0);
	assert_string_equal(custom_seen, "com1,115200n8");
	assert_int_equal(parse("c=x=y"), 0);
	assert_string_equal(custom_seen, "x=y");
	assert_int_equal(parse("c=bad"), 1);
	assert_true(log_has(LOGLVL_WARN, "'c=bad' rejected (-22)"));
	assert_int_equal(parse("no-c"), 1);
	assert_int_equal(custom_calls, 4);
}

static void test_unknown(void **state)
{
	assert_int_equal(parse("zzz u32=3 no-zzz zzz=1 B"), 4);
	assert_true(log_has(LOGLVL_WARN, "cmdline: unknown option 'zzz'"));
	assert_true(log_has(LOGLVL_WARN, "cmdline: unknown option 'no-zzz'"));
	assert_true(log_has(LOGLVL_WARN, "cmdline: unknown option 'B'"));
	assert_int_equal(log_count(LOGLVL_WARN), 4);
	/* The known one between them still applies. */
	assert_int_equal(opt_u32, 3);
	assert_int_equal(parse("=5"), 1);
	assert_true(log_has(LOGLVL_WARN, "unknown option ''"));
}

static void test_order_and_blanks(void **state)
{
	assert_int_equal(parse("u32=1 u32=2"), 0);
	assert_int_equal(opt_u32, 2);
	assert_int_equal(parse("  \t u32=3\t\tb=0  \n"), 0);
	assert_int_equal(opt_u32, 3);
	assert_false(opt_b);
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse("   "), 0);
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(cmdline_parse_table("b", table, table), 1);
}

static void test_long_option(void **state)
{
	static char line[3000];

	memset(line, 'a', sizeof(line) - 1);
	memcpy(line, "s=", 2);
	memcpy(line + 2000, " u32=9", 6);
	assert_int_equal(parse(line), 2);
	assert_true(log_has(LOGLVL_WARN, "option of 2000 bytes ignored"));
	/* Parsing resumes after it. */
	assert_int_equal(opt_u32, 0);
	assert_true(log_has(LOGLVL_WARN, "'u32=9aaa"));
	assert_true(log_has(LOGLVL_WARN, "not a number"));
	memset(line, 0, sizeof(line));
	memcpy(line, "s=", 2);
	memset(line + 2, 'q', 1021);
	assert_int_equal(parse(line), 1); /* fits the buffer, not opt_str */
	assert_string_equal(opt_str, "qqqqqqq");
}

/* Declared as the kernel declares them: in the mica_param section. */
static bool sect_flag;
static unsigned int sect_num = 5;
static char sect_name[16] = "default";
static uint64_t sect_size;
static int sect_custom_calls;
static int sect_custom(const char *s)
{
	sect_custom_calls++;
	return 0;
}
boolean_param("sect_flag", sect_flag);
integer_param("sect_num", sect_num);
string_param("sect_name", sect_name);
custom_param("sect_custom", sect_custom);
size_param("sect_size", sect_size);

static void test_section(void **state)
{
	/*
	 * Every entry must be found: a sanitizer padding these globals
	 * would make the section's stride differ from the array's.
	 */
	assert_int_equal(__stop_mica_param - __start_mica_param, 5);
	log_reset();
	assert_int_equal(cmdline_parse("sect_flag sect_num=0x20 sect_name=x "
				       "sect_custom sect_size=2M nope"),
			 1);
	assert_true(sect_flag);
	assert_int_equal(sect_num, 32);
	assert_string_equal(sect_name, "x");
	assert_int_equal(sect_custom_calls, 1);
	assert_int_equal(sect_size, 2 << 20);
	assert_true(log_has(LOGLVL_WARN, "unknown option 'nope'"));
}

static void test_strtoull(void **state)
{
	static const struct {
		const char *s;
		int base;
		unsigned long long v;
		size_t used;
	} cases[] = {
		{"0", 0, 0, 1},
		{"123abc", 0, 123, 3},
		{"0x1F", 0, 31, 4},
		{"0x1F", 16, 31, 4},
		{"1f", 16, 31, 2},
		{"017", 0, 15, 3},
		{"019", 0, 1, 2},
		{"0x", 0, 0, 1},
		{"0xg", 16, 0, 1},
		{"", 0, 0, 0},
		{"abc", 10, 0, 0},
		{"z", 36, 35, 1},
		{"-5", 0, 0, 0},
		{"18446744073709551615", 10, 18446744073709551615ULL, 20},
		{"101", 2, 5, 3},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *end = NULL;
		unsigned long long v =
			mica_strtoull(cases[i].s, &end, cases[i].base);

		if (v != cases[i].v || end != cases[i].s + cases[i].used)
			fail_msg(
				"mica_strtoull(\"%s\", %d) = %llu, used %td; expected %llu, %zu",
				cases[i].s, cases[i].base, v, end - cases[i].s,
				cases[i].v, cases[i].used);
	}
	assert_int_equal(mica_strtoull("42", NULL, 0), 42);
}

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t v;
		size_t used;
	} cases[] = {
		{"64M", 0, 64ULL << 20, 3},
		{"64m,", 0, 64ULL << 20, 3},
		{"1G", 0, 1ULL << 30, 2},
		{"3t", 0, 3ULL << 40, 2},
		{"10K", 0, 10240, 3},
		{"10", 0, 10, 2},
		{"10x", 0, 10, 2},
		{"0x10M", 0, 16ULL << 20, 5},
		{"9b", 0, 9, 2},
		{"18446744073709551615", 0, UINT64_MAX, 20},
		{"18446744073709551616", -ERANGE, 0, 0},
		{"17179869184G", -ERANGE, 0, 0},
		{"16777215T", 0, 16777215ULL << 40, 9},
		{"", -EINVAL, 0, 0},
		{"M", -EINVAL, 0, 0},
		{"0x", -EINVAL, 0, 0},
		{"-1", -EINVAL, 0, 0},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *end = NULL;
		uint64_t v = 0xdead;
		int rc = parse_size(cases[i].s, &end, &v);

		if (rc != cases[i].rc)
			fail_msg("parse_size(\"%s\") = %d, expected %d",
				 cases[i].s, rc, cases[i].rc);
		if (rc)
			continue;
		if (v != cases[i].v || end != cases[i].s + cases[i].used)
			fail_msg(
				"parse_size(\"%s\") gave %#llx using %td; expected %#llx using %zu",
				cases[i].s, (unsigned long long)v,
				end - cases[i].s,
				(unsigned long long)cases[i].v, cases[i].used);
	}
}

static void test_strlcpy(void **state)
{
	char buf[4] = "zzz";

	assert_int_equal(mica_strlcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(mica_strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
	buf[0] = 'q';
	assert_int_equal(mica_strlcpy(buf, "xy", 0), 2);
	assert_int_equal(buf[0], 'q');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bools, setup),
		cmocka_unit_test_setup(test_integers, setup),
		cmocka_unit_test_setup(test_sizes, setup),
		cmocka_unit_test_setup(test_strings, setup),
		cmocka_unit_test_setup(test_custom, setup),
		cmocka_unit_test_setup(test_unknown, setup),
		cmocka_unit_test_setup(test_order_and_blanks, setup),
		cmocka_unit_test_setup(test_long_option, setup),
		cmocka_unit_test(test_section),
		cmocka_unit_test(test_strtoull),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_strlcpy),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
