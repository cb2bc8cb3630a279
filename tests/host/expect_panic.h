/* SPDX-License-Identifier: MIT */
/*
 * EXPECT_PANIC(call, text) for the cmocka tests of mm/: the call must
 * panic (a bug mica catches, as a double free), saying text. The host's
 * panic() longjmps back here (include/mica/host.h).
 */
#ifndef TESTS_HOST_EXPECT_PANIC_H
#define TESTS_HOST_EXPECT_PANIC_H

#include <mica/host.h>
#include <string.h>

#define EXPECT_PANIC(call, text)                                     \
	do {                                                         \
		jmp_buf jb;                                          \
		if (!setjmp(jb)) {                                   \
			host_panic_jmp = &jb;                        \
			call;                                        \
			host_panic_jmp = NULL;                       \
			fail_msg("%s did not panic", #call);         \
		}                                                    \
		if (!strstr(host_panic_msg, text))                   \
			fail_msg("panic \"%s\" does not say \"%s\"", \
				 host_panic_msg, text);              \
	} while (0)

#endif
