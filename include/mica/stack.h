/* SPDX-License-Identifier: MIT */
/*
 * Stacks with an unmapped guard page below them. DEFINE_STACK reserves the
 * guard and the stack in the image's bss and records the guard page in the
 * mica_guard section; paging_init() leaves every recorded page unmapped, so
 * an overflow faults instead of corrupting whatever lies below.
 */
#ifndef MICA_STACK_H
#define MICA_STACK_H

#include <asm/config.h>
#include <mica/types.h>

struct stack_with_guard {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[STACK_SIZE];
} __aligned(PAGE_SIZE);

#define DEFINE_STACK(name)                                          \
	struct stack_with_guard name __section(".bss.page_aligned") \
		__aligned(PAGE_SIZE);                               \
	static const void *const __used __section("mica_guard")     \
		__guard_##name = &name.guard

#define STACK_TOP(name) ((unsigned long)(name).stack + STACK_SIZE)

extern const void *const __start_mica_guard[], *const __stop_mica_guard[];

#endif
