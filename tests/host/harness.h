/* SPDX-License-Identifier: MIT */
/*
 * The environment the boot parsers (boot/, kernel/cmdline.c) expect,
 * for host tests and fuzzers: printk into a buffer the test can search, and
 * a panic that a test can catch.
 */
#ifndef TESTS_HOST_HARNESS_H
#define TESTS_HOST_HARNESS_H

#include <mica/host.h>
#include <setjmp.h>
#include <stdbool.h>

/* Everything printk'd since the last log_reset(), one "<level>message". */
extern char test_log[65536];
void log_reset(void);
/* Whether a message containing text was printed at level (1 err .. 4). */
bool log_has(int level, const char *text);
/* How many messages at exactly this level were printed. */
unsigned int log_count(int level);

/* printk also goes to stderr when set (MICA_TEST_VERBOSE=1 sets it). */
extern bool log_echo;

/* panic() longjmps to host_panic_jmp when set (include/mica/host.h). */
#define panic_jmp host_panic_jmp
#define panic_msg host_panic_msg

#endif
