/* SPDX-License-Identifier: MIT */
/*
 * The runtime of mica's test guests: Xen x86-64 PV kernels that use only
 * the ABI in include/public/, so that they run on real Xen as on mica.
 *
 * A guest provides main(), which start.c calls once the runtime is up:
 * start_info saved, .bss checked and cleared, the M2P found, shared_info
 * mapped, the console working, a trap table installed. main()'s return
 * value is the shutdown reason (SHUTDOWN_poweroff normally).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include "hypercall.h"
#include <mica/lib.h>
#include <public/errno.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#define HYPERVISOR_VIRT_END xen_mk_ulong(__HYPERVISOR_VIRT_END)

int main(void);

/* guests/lib/string.c, beside mica/lib.h's. */
void *memchr(const void *s, int c, size_t n);
char *strstr(const char *hay, const char *needle);

/* What the builder handed over, as _start found it. */
extern start_info_t *start_info;
extern unsigned long boot_rsp;
/* Whether the loader left .bss zeroed (start.c clears it either way). */
extern bool bss_was_zero;

/* shared_info, mapped by start.c at a page of the image. */
extern shared_info_t *shared_info;

/* The p2m (start_info->mfn_list) and the read-only M2P. */
extern xen_pfn_t *p2m;
extern const unsigned long *m2p;
extern struct xen_machphys_mapping m2p_mapping;

/* The image, from the linker script. */
extern char __image_start[], __image_end[];
extern char __bss_start[], __bss_end[];

static inline bool is_initial_domain(void)
{
	return start_info->flags & SIF_INITDOMAIN;
}

/* Console output: console_io for the initial domain, else the ring. */
void cons_init(void); /* start.c, once the M2P is known */
void cons_write(const char *s, size_t len);
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);

/* Whether start_info's command line has this blank-separated word. */
bool cmdline_has(const char *word);

/* Stops the domain; returns only if the hypervisor refused. */
long shutdown(unsigned int reason);
__noreturn void crash(const char *fmt, ...) __printf(1, 2);

/* System time in ns, from this vCPU's vcpu_time_info. */
uint64_t system_time_ns(void);

/* Compiler barrier (mica/types.h's, through mica/lib.h); x86 keeps stores in order. */
#ifndef barrier
#define barrier() __asm__ volatile("" ::: "memory")
#endif

#endif
