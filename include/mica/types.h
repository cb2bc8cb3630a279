/* SPDX-License-Identifier: MIT */
#ifndef MICA_TYPES_H
#define MICA_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;
#define PRIpaddr "016lx"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ROUNDUP(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define ROUNDDOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

#define __packed __attribute__((packed))
#define __aligned(a) __attribute__((aligned(a)))
#define __noreturn __attribute__((noreturn))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __used __attribute__((used))
#define __section(s) __attribute__((section(s)))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define barrier() asm volatile("" ::: "memory")
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

#endif
