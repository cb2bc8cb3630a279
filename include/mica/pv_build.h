/* SPDX-License-Identifier: MIT */
/*
 * The PV domain builder (kernel/pv/build.c): a parsed guest kernel
 * (include/mica/pv_elf.h) and a memory size become Xen's x86-64 start-of-
 * day state, as Xen's own builder makes it.
 *
 * Memory: nr_pages frames, in 2 MiB extents (order 9, MEMF_guest) while
 * they last and 4 KiB frames for the rest. pfn 0 up take the extents in
 * ascending mfn order, 512 pfns each, then the 4 KiB frames, ascending: so
 * every extent is a 2 MiB-aligned run of pfns too. The p2m list and the M2P
 * say the same for every pfn.
 *
 * The initial mapping, one virtually contiguous region from VIRT_BASE on
 * pfns 0 up (struct pv_layout): the kernel image; the p2m (8 bytes per
 * pfn, start_info.mfn_list); the start_info page; for an ordinary domain
 * the xenstore ring page, then the console ring page; the bootstrap page
 * tables (the L4, the L3s, the L2s, then the L1s, all mapped read-only);
 * one boot-stack page; padding of at least 512 KiB, the end on a 4 MiB
 * boundary. Every entry present in those tables carries _PAGE_USER, as the
 * guest kernel runs in ring 3; the L4 also carries mica's slots 256..271
 * (arch_pv_init_l4()). The region's pages are zeroed before anything is
 * written into them; the rest of the domain's memory is as the heap gives
 * it (scrubbed).
 *
 * Guest memory is written only through map_domain_page(). One CPU, at boot
 * or with the domain not running.
 */
#ifndef MICA_PV_BUILD_H
#define MICA_PV_BUILD_H

#include <mica/domain.h>
#include <mica/pv_elf.h>

/* The initial mapping, in the guest's virtual addresses. */
struct pv_layout {
	unsigned long v_start, v_end; /* [VIRT_BASE, end): pfns 0 up */
	unsigned long vkern_start, vkern_end;
	unsigned long vphysmap_start, vphysmap_end; /* the p2m */
	unsigned long vstartinfo_start;
	unsigned long vxenstore, vconsole; /* 0 for the initial domain */
	unsigned long vpt_start;	   /* the L4; the others follow */
	unsigned long nr_pt_frames;	   /* 1 + nr_l3 + nr_l2 + nr_l1 */
	unsigned long nr_l3, nr_l2, nr_l1;
	unsigned long vstack_start, vstack_end; /* rsp = vstack_end */
};

/*
 * The layout for an image and a memory size, without building anything.
 * 0; -ENOMEM (printed) when the region needs more than nr_pages pages, or
 * -EINVAL when it would leave the guest's part of the address space.
 */
int pv_build_layout(const struct pv_elf *elf, unsigned long nr_pages,
		    bool initial, struct pv_layout *l);

/*
 * Build d, a new domain with vCPU 0 and shared_info and no memory yet
 * (kernel/pv/domain.c's domain_create()), from elf with nr_pages of memory
 * and cmdline (NULL: none) for start_info.cmd_line. d->is_privileged makes
 * it the initial domain: SIF_INITDOMAIN | SIF_PRIVILEGED, no console ring
 * or xenstore page. Otherwise the console and xenstore rings get event
 * channels towards mica (d->console_mfn/port, d->store_mfn/port).
 *
 * On success vCPU 0 is ready to enter the guest: its registers (rip = the
 * entry, rsp = the top of the boot stack, rsi = start_info's address,
 * rflags IF, the flat kernel selectors), guest_table (the L4, pinned, with
 * its type reference) and kernel stack. On failure, printed with elf->who:
 * -ENOMEM when memory runs out or the image does not fit nr_pages, -EINVAL
 * for a domain or image it cannot build; d then holds no memory, no page
 * references and no M2P entries of the attempt.
 */
int pv_build(struct domain *d, const struct pv_elf *elf, unsigned long nr_pages,
	     const char *cmdline);

#endif
