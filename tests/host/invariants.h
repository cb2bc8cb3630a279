/* SPDX-License-Identifier: MIT */
/*
 * What every struct boot_info a parser returns must satisfy, whatever its
 * input: checked after each unit test's parse and each fuzzer run.
 */
#ifndef TESTS_HOST_INVARIANTS_H
#define TESTS_HOST_INVARIANTS_H

#include <stddef.h>

#include <mica/bootinfo.h>

/*
 * Returns NULL if bi is consistent, else a description of the first
 * violation (in a static buffer).
 */
const char *bootinfo_violation(const struct boot_info *bi,
			       const struct boot_image *img);

#endif
