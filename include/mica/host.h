/* SPDX-License-Identifier: MIT */
/*
 * mica's memory manager on the host (build/host/libmica-mm.a, `make host`).
 *
 * The real mm/ sources, compiled natively against a host implementation of
 * include/mica/arch_mm.h: the machine's RAM is a memfd of nr_frames 4 KiB
 * frames, mapped as the direct map, and the frame table is ordinary memory.
 * Link the library into any C program and call the Xen-named API of
 * include/mica/mm.h:
 *
 *     host_machine_init(262144);          // a 1 GiB machine
 *     struct page_info *pg = alloc_domheap_pages(NULL, 0, 0);
 *     ...
 *     host_machine_fini();
 *
 * The memfd is sparse: frames cost host memory only once touched, so a
 * machine of several GiB (to test MEMF_bits(32), say) is cheap.
 */
#ifndef MICA_HOST_H
#define MICA_HOST_H

#include <mica/mm.h>

struct host_range {
	unsigned long start, end; /* frame numbers, end exclusive */
};

/*
 * A machine of nr_frames frames whose heap holds all of them (frame 0
 * excepted, as on a real machine), and an xmalloc with no pools yet.
 * Returns 0 or -errno.
 */
int host_machine_init(unsigned long nr_frames);

/* The same, with the heap holding only the given ranges. */
int host_machine_init_ranges(unsigned long nr_frames,
			     const struct host_range *ranges, unsigned int n);

void host_machine_fini(void);

/*
 * The vmap area (include/mica/vmap.h) of the next host_machine_init: a
 * PROT_NONE reservation of host_vmap_pages pages (the kernel's 64 GiB by
 * default; a test may make it small to reach its end), into which vmap
 * maps memfd frames, so that guard pages and unmapped pages fault.
 * host_vmap_mmap = false keeps only the software page table and makes no
 * mmap calls, for benchmarks that time mica's work rather than the host
 * kernel's: nothing in the area is then accessible.
 */
extern unsigned long host_vmap_pages;
extern bool host_vmap_mmap;

/* The machine's RAM, as the host process sees it. */
void *host_machine_ram(void);
int host_machine_memfd(void);

/*
 * Hypervisor messages (printk) go to stderr unless a hook is set, which
 * then receives each formatted message instead, with its level (LOGLVL_*)
 * and without the level marker.
 */
extern void (*host_log_hook)(int level, const char *msg);

/*
 * With host_panic_jmp set (see setjmp(3)), panic() longjmps there instead
 * of aborting, so tests can assert that mica catches a bug (double free).
 * host_panic_msg holds the message.
 */
#include <setjmp.h>
extern jmp_buf *host_panic_jmp;
extern char host_panic_msg[512];

/*
 * Guest addresses on the host are host pointers (tools/host/guest_access.c);
 * copies touching [start, start + len) fail with -EFAULT until cleared.
 */
void host_guest_fault_range(unsigned long start, unsigned long len);
void host_guest_fault_clear(void);

/*
 * The arch hooks of PV page tables (include/mica/arch_mm.h), recorded:
 * arch_pv_init_l4() fills the hypervisor's slots with HOST_PV_L4_SLOT(i),
 * present entries naming frames no machine has; arch_pv_load_cr3() counts
 * loads of host_current's table and keeps the table in host_cr3; the
 * flushes count themselves. `current` is host_current.
 */
#define HOST_PV_L4_SLOT(i) (0x000ffffff0000067UL | ((uint64_t)(i) << 12))
extern unsigned long host_tlb_flushes, host_invlpgs, host_last_invlpg;
extern unsigned long host_cr3_loads;
extern mfn_t host_cr3;

/*
 * Continuations (include/mica/hypercall.h): hypercall_preempt_check()
 * counts itself in host_preempt_checks and says yes every
 * host_preempt_every-th time (never with 0); a continuation is recorded in
 * host_continuation, for the test to issue the call again with its args.
 */
extern unsigned long host_preempt_every, host_preempt_checks;
struct host_continuation {
	bool made;
	unsigned int op, nargs;
	unsigned long args[6];
};
extern struct host_continuation host_continuation;

#endif
