/* SPDX-License-Identifier: MIT */
/*
 * From _start to main(): everything here relies only on what Xen's ABI
 * promises at entry (start_info in rsi, the initial mapping, the hypercall
 * page) and on what the guest itself asks for by hypercall.
 */
#include "mm.h"
#include "traps.h"

/* Set before .bss is cleared, so kept out of it. */
__section(".data") start_info_t *start_info;
__section(".data") unsigned long boot_rsp;
__section(".data") bool bss_was_zero;

shared_info_t *shared_info;
xen_pfn_t *p2m;
const unsigned long *m2p;
struct xen_machphys_mapping m2p_mapping;

/* Its frame is given up for the hypervisor's shared_info page. */
static char shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);

void guest_start(start_info_t *si, unsigned long rsp);

bool cmdline_has(const char *word)
{
	const char *c = (const char *)start_info->cmd_line;
	const char *end = c + strnlen(c, MAX_GUEST_CMDLINE);
	size_t n = strlen(word);

	while (c < end) {
		const char *w = c;

		while (c < end && *c != ' ')
			c++;
		if ((size_t)(c - w) == n && !strncmp(w, word, n))
			return true;
		while (c < end && *c == ' ')
			c++;
	}
	return false;
}

long shutdown(unsigned int reason)
{
	struct sched_shutdown s = {.reason = reason};

	return HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

void crash(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	for (;;)
		shutdown(SHUTDOWN_crash);
}

uint64_t system_time_ns(void)
{
	const volatile struct vcpu_time_info *t =
		&shared_info->vcpu_info[0].time;
	uint32_t version, lo, hi;
	uint64_t delta, ns;
	int8_t shift;

	do {
		version = t->version;
		barrier();
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		delta = (((uint64_t)hi << 32) | lo) - t->tsc_timestamp;
		shift = t->tsc_shift;
		delta = shift >= 0 ? delta << shift : delta >> -shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta *
						  t->tsc_to_system_mul) >>
						 32);
		barrier();
	} while ((version & 1) || version != t->version);
	return ns;
}

static void map_shared_info(void)
{
	long rc = update_va((unsigned long)shared_info_page,
			    start_info->shared_info | _PAGE_PRESENT | _PAGE_RW |
				    _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY,
			    UVMF_INVLPG);

	if (rc)
		crash("update_va_mapping of shared_info at %#lx failed: %ld",
		      start_info->shared_info, rc);
	shared_info = (shared_info_t *)shared_info_page;
	/* No event callback is registered: events stay masked. */
	shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
}

void guest_start(start_info_t *si, unsigned long rsp)
{
	const char *p;
	int rc;

	start_info = si;
	boot_rsp = rsp;
	bss_was_zero = true;
	for (p = __bss_start; p < __bss_end; p++)
		if (*p)
			bss_was_zero = false;
	memset(__bss_start, 0, __bss_end - __bss_start);

	p2m = (xen_pfn_t *)si->mfn_list;
	if (HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m2p_mapping)) {
		/* Xen's fixed place; hello tests that the call works. */
		m2p_mapping.v_start = MACH2PHYS_VIRT_START;
		m2p_mapping.v_end = MACH2PHYS_VIRT_END;
		m2p_mapping.max_mfn = MACH2PHYS_NR_ENTRIES - 1;
	}
	m2p = (const unsigned long *)m2p_mapping.v_start;

	cons_init();
	map_shared_info();
	traps_init();

	rc = main();
	shutdown(rc);
	crash("shutdown(%d) returned", rc);
}
