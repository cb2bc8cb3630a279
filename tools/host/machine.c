/* SPDX-License-Identifier: MIT */
/*
 * The host's machine for mm/: RAM in a memfd, the frame table in memory,
 * and a vmap area that behaves like the kernel's.
 *
 * The vmap area is a PROT_NONE reservation of host_vmap_pages pages,
 * 2 MiB-aligned. Mapping frame m at va maps the memfd's page m there
 * (mmap MAP_FIXED|MAP_SHARED), so the page shows the frame's contents and
 * writes land in it; unmapping puts PROT_NONE memory back, so guard pages
 * and unmapped pages really fault. Beside the host's mappings a software
 * page table answers arch_vmap_lookup(): one entry per 2 MiB, either a
 * 2 MiB mapping or an L1 table in a heap frame, counted and freed as the
 * kernel's are, so the heap sees the same page-table allocations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/host.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/m2p.h>
#include <mica/pv_mm.h>
#include <mica/vmap.h>
#include <mica/xmalloc.h>

unsigned long *host_m2p;
unsigned long host_vmap_pages = (VMAP_VIRT_END - VMAP_VIRT_START) >> PAGE_SHIFT;
bool host_vmap_mmap = true;

static int ram_fd = -1;
static unsigned char *ram;
static unsigned long ram_frames;

/* Metadata handed out by arch_boot_alloc, released by host_machine_fini. */
static void *meta[16];
static unsigned int nr_meta;

void *arch_mfn_to_virt(unsigned long mfn)
{
	if (mfn >= ram_frames)
		panic("host: mfn %#lx beyond the machine's %#lx frames", mfn,
		      ram_frames);
	return ram + (mfn << PAGE_SHIFT);
}

unsigned long arch_virt_to_mfn(const void *va)
{
	const unsigned char *p = va;

	if (p < ram || p >= ram + (ram_frames << PAGE_SHIFT))
		panic("host: %p is not in the machine's RAM", va);
	return (unsigned long)(p - ram) >> PAGE_SHIFT;
}

/* The whole memfd is mapped: the host always has a direct map. */
void *map_domain_page(mfn_t mfn)
{
	return arch_mfn_to_virt(mfn_x(mfn));
}

void unmap_domain_page(const void *va)
{
	if (va)
		(void)arch_virt_to_mfn(va); /* it must be a frame's address */
}

int arch_xenheap_map(unsigned long mfn, unsigned long nr)
{
	return 0;
}

void arch_xenheap_unmap(unsigned long mfn, unsigned long nr)
{
}

void *arch_boot_alloc(size_t bytes)
{
	void *p;

	if (nr_meta == sizeof(meta) / sizeof(meta[0]))
		return NULL;
	p = calloc(1, bytes ? bytes : 1);
	if (p)
		meta[nr_meta++] = p;
	return p;
}

/* ---- the vmap area ---- */

#define SZ_2M (1UL << 21)
#define PTE_PRESENT 0x1UL
#define PTE_LARGE 0x80UL /* a 2 MiB mapping, in a vmap_top entry */

static unsigned char *vmap_area;
static unsigned long vmap_len;
static uint64_t *vmap_top; /* per 2 MiB: (mfn << 12) | flags */

static int vmap_reserve(void)
{
	unsigned long len = host_vmap_pages << PAGE_SHIFT;
	unsigned char *raw, *area;

	if (!host_vmap_pages)
		return -EINVAL;
	/* 2 MiB more than needed, then trimmed to a 2 MiB-aligned range. */
	raw = mmap(NULL, len + SZ_2M, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return -errno;
	area = (unsigned char *)ROUNDUP((unsigned long)raw, SZ_2M);
	if (area > raw)
		munmap(raw, area - raw);
	munmap(area + len, raw + SZ_2M - area);
	vmap_top = calloc(ROUNDUP(len, SZ_2M) / SZ_2M, sizeof(*vmap_top));
	if (!vmap_top) {
		munmap(area, len);
		return -ENOMEM;
	}
	vmap_area = area;
	vmap_len = len;
	return 0;
}

static uint64_t *top_entry(unsigned long va)
{
	unsigned long off = va - (unsigned long)vmap_area;

	if (va < (unsigned long)vmap_area || off >= vmap_len)
		panic("host: %#lx is outside the vmap area", va);
	return &vmap_top[off / SZ_2M];
}

static uint64_t *l1_table(uint64_t e)
{
	return arch_mfn_to_virt(e >> PAGE_SHIFT);
}

static unsigned int l1_slot(unsigned long va)
{
	return (va >> PAGE_SHIFT) & 511;
}

/* The host's side: nr memfd pages from frame mfn at va. */
static int host_map(unsigned long va, unsigned long mfn, unsigned long nr)
{
	if (!host_vmap_mmap)
		return 0;
	if (mfn + nr > ram_frames)
		panic("host: mapping mfn %#lx beyond the machine's %#lx frames",
		      mfn + nr - 1, ram_frames);
	if (mmap((void *)va, nr << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, ram_fd,
		 (off_t)(mfn << PAGE_SHIFT)) == MAP_FAILED)
		return -ENOMEM; /* vm.max_map_count, say */
	return 0;
}

static void host_unmap(unsigned long va, unsigned long nr)
{
	if (!host_vmap_mmap || !nr)
		return;
	if (mmap((void *)va, nr << PAGE_SHIFT, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
		 0) == MAP_FAILED)
		panic("host: cannot unmap %lu pages at %#lx from the vmap area: %s",
		      nr, va, strerror(errno));
}

int arch_vmap_map(unsigned long va, const mfn_t *mfns, unsigned long nr)
{
	unsigned long i, j;

	for (i = 0; i < nr; i++) {
		unsigned long p = va + (i << PAGE_SHIFT);
		uint64_t *e = top_entry(p), *l1;

		if (!*e) {
			struct page_info *pg =
				alloc_domheap_pages(NULL, 0, MEMF_zero);

			if (!pg)
				goto fail;
			pg->u.pt_used = 0;
			*e = (mfn_x(page_to_mfn(pg)) << PAGE_SHIFT) |
			     PTE_PRESENT;
		}
		ASSERT(!(*e & PTE_LARGE));
		l1 = l1_table(*e);
		ASSERT(!l1[l1_slot(p)]);
		l1[l1_slot(p)] = (mfn_x(mfns[i]) << PAGE_SHIFT) | PTE_PRESENT;
		frame_table[*e >> PAGE_SHIFT].u.pt_used++;
	}
	/* A run of consecutive frames is one mmap. */
	for (i = 0; i < nr; i = j) {
		for (j = i + 1;
		     j < nr && mfn_x(mfns[j]) == mfn_x(mfns[i]) + j - i; j++)
			;
		if (host_map(va + (i << PAGE_SHIFT), mfn_x(mfns[i]), j - i)) {
			i = nr;
			goto fail;
		}
	}
	return 0;
fail:
	arch_vmap_unmap(va, i);
	return -ENOMEM;
}

int arch_vmap_map_2m(unsigned long va, mfn_t mfn)
{
	uint64_t *e = top_entry(va);

	ASSERT(IS_ALIGNED(va, SZ_2M) && IS_ALIGNED(mfn_x(mfn), 512) && !*e);
	if (host_map(va, mfn_x(mfn), 512))
		return -ENOMEM;
	*e = (mfn_x(mfn) << PAGE_SHIFT) | PTE_PRESENT | PTE_LARGE;
	return 0;
}

int arch_vmap_split_2m(unsigned long va)
{
	uint64_t *e = top_entry(va), *l1;
	struct page_info *pg;

	if (!(*e & PTE_LARGE))
		return 0;
	pg = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
	if (!pg)
		return -ENOMEM;
	l1 = arch_mfn_to_virt(mfn_x(page_to_mfn(pg)));
	for (unsigned long i = 0; i < 512; i++)
		l1[i] = (((*e >> PAGE_SHIFT) + i) << PAGE_SHIFT) | PTE_PRESENT;
	pg->u.pt_used = 512;
	/* The host's mapping is in 4 KiB pages already. */
	*e = (mfn_x(page_to_mfn(pg)) << PAGE_SHIFT) | PTE_PRESENT;
	return 0;
}

void arch_vmap_unmap(unsigned long va, unsigned long nr)
{
	unsigned long p = va, end = va + (nr << PAGE_SHIFT);

	while (p < end) {
		uint64_t *e = top_entry(p), *l1;
		unsigned long next = ROUNDDOWN(p, SZ_2M) + SZ_2M;
		struct page_info *pg;

		if (!*e) {
			p = next;
			continue;
		}
		if (*e & PTE_LARGE) {
			ASSERT(IS_ALIGNED(p, SZ_2M) && end >= next);
			*e = 0;
			p = next;
			continue;
		}
		l1 = l1_table(*e);
		pg = frame_table + (*e >> PAGE_SHIFT);
		for (; p < end && p < next; p += PAGE_SIZE)
			if (l1[l1_slot(p)]) {
				l1[l1_slot(p)] = 0;
				pg->u.pt_used--;
			}
		if (!pg->u.pt_used) {
			*e = 0;
			free_domheap_pages(pg, 0);
		}
	}
	host_unmap(va, nr);
}

int arch_vmap_move(unsigned long va, mfn_t mfn)
{
	uint64_t *e = top_entry(va), *l1 = NULL;
	unsigned long old, nr = 1;

	ASSERT(*e);
	if (*e & PTE_LARGE) {
		ASSERT(IS_ALIGNED(va, SZ_2M) && IS_ALIGNED(mfn_x(mfn), 512));
		old = *e >> PAGE_SHIFT;
		nr = 512;
	} else {
		l1 = l1_table(*e);
		ASSERT(l1[l1_slot(va)]);
		old = l1[l1_slot(va)] >> PAGE_SHIFT;
	}
	memcpy(arch_mfn_to_virt(mfn_x(mfn)), arch_mfn_to_virt(old),
	       nr << PAGE_SHIFT);
	/* MAP_FIXED replaces the old frames' mapping in one step. */
	if (host_map(va, mfn_x(mfn), nr))
		return -ENOMEM;
	if (l1)
		l1[l1_slot(va)] = (mfn_x(mfn) << PAGE_SHIFT) | PTE_PRESENT;
	else
		*e = (mfn_x(mfn) << PAGE_SHIFT) | PTE_PRESENT | PTE_LARGE;
	return 0;
}

mfn_t arch_vmap_lookup(unsigned long va, unsigned int *level)
{
	unsigned long off = va - (unsigned long)vmap_area;
	uint64_t e, x;

	*level = 0;
	if (va < (unsigned long)vmap_area || off >= vmap_len)
		return INVALID_MFN;
	e = vmap_top[off / SZ_2M];
	if (!e)
		return INVALID_MFN;
	if (e & PTE_LARGE) {
		*level = 2;
		return _mfn((e >> PAGE_SHIFT) + l1_slot(va));
	}
	x = l1_table(e)[l1_slot(va)];
	if (!x)
		return INVALID_MFN;
	*level = 1;
	return _mfn(x >> PAGE_SHIFT);
}

/* ---- PV guests' page tables ---- */

struct vcpu *host_current;
unsigned long host_tlb_flushes, host_invlpgs, host_last_invlpg;
unsigned long host_cr3_loads;
mfn_t host_cr3 = INVALID_MFN;

void arch_pv_init_l4(uint64_t *l4)
{
	for (unsigned int i = HYPERVISOR_L4_FIRST; i <= HYPERVISOR_L4_LAST; i++)
		l4[i] = HOST_PV_L4_SLOT(i);
}

void arch_pv_load_cr3(struct vcpu *v)
{
	if (v != host_current)
		return;
	host_cr3_loads++;
	host_cr3 = v->kernel_mode ? v->guest_table : v->guest_table_user;
}

void arch_flush_tlb_local(void)
{
	host_tlb_flushes++;
}

/* The host counts a flush owed as one made: tests ask that one is. */
void arch_flush_tlb_soon(void)
{
	host_tlb_flushes++;
}

void arch_invlpg(unsigned long va)
{
	host_invlpgs++;
	host_last_invlpg = va;
}

/* ---- hypercall continuations ---- */

unsigned long host_preempt_every, host_preempt_checks;
struct host_continuation host_continuation;

bool hypercall_preempt_check(void)
{
	host_preempt_checks++;
	return host_preempt_every &&
	       !(host_preempt_checks % host_preempt_every);
}

long hypercall_create_continuation(unsigned int op, const unsigned long *args,
				   unsigned int nargs)
{
	BUG_ON(nargs > ARRAY_SIZE(host_continuation.args));
	host_continuation.made = true;
	host_continuation.op = op;
	host_continuation.nargs = nargs;
	memcpy(host_continuation.args, args, nargs * sizeof(*args));
	return op;
}

/* No domains on the host but a test's, which it may list here. */
struct domain *domain_list;

/*
 * The host's M2P is ordinary memory, not machine frames: report its 2 MiB
 * chunks as if they sat in the frames just above the machine's RAM.
 */
unsigned int arch_m2p_mfns(unsigned long *mfns, unsigned int max)
{
	unsigned int n = (unsigned int)(ROUNDUP(max_page, 1UL << 18) >> 18);

	for (unsigned int i = 0; i < n && i < max; i++)
		mfns[i] = ROUNDUP(max_page, 512) + i * 512;
	return n;
}

int host_machine_init_ranges(unsigned long nr_frames,
			     const struct host_range *ranges, unsigned int n)
{
	int rc;

	host_machine_fini();
	ram_fd = memfd_create("mica-ram", MFD_CLOEXEC);
	if (ram_fd < 0)
		return -errno;
	if (ftruncate(ram_fd, (off_t)(nr_frames << PAGE_SHIFT)) < 0)
		goto fail;
	ram = mmap(NULL, nr_frames << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_NORESERVE, ram_fd, 0);
	if (ram == MAP_FAILED) {
		ram = NULL;
		goto fail;
	}
	ram_frames = nr_frames;
	frame_table = calloc((nr_frames + 1) & ~1UL, sizeof(*frame_table));
	if (!frame_table)
		goto fail;
	/* Every frame starts unowned: INVALID_M2P_ENTRY is all ones. */
	host_m2p = malloc(nr_frames * sizeof(*host_m2p));
	if (!host_m2p)
		goto fail;
	memset(host_m2p, 0xff, nr_frames * sizeof(*host_m2p));
	rc = heap_init(nr_frames);
	/* A new heap: the pools xmalloc had came from the old one. */
	xmalloc_init();
	if (rc) {
		host_machine_fini();
		return rc;
	}
	for (unsigned int i = 0; i < n; i++)
		heap_add_range(_mfn(ranges[i].start), _mfn(ranges[i].end));
	rc = vmap_reserve();
	if (rc) {
		host_machine_fini();
		return rc;
	}
	vmap_init((unsigned long)vmap_area, host_vmap_pages);
	return 0;
fail:
	rc = -errno;
	host_machine_fini();
	return rc ? rc : -ENOMEM;
}

int host_machine_init(unsigned long nr_frames)
{
	struct host_range all = {0, nr_frames};

	return host_machine_init_ranges(nr_frames, &all, 1);
}

void host_machine_fini(void)
{
	/* The vmap area's page tables were heap frames: gone with the RAM. */
	if (vmap_area)
		munmap(vmap_area, vmap_len);
	free(vmap_top);
	vmap_area = NULL;
	vmap_top = NULL;
	vmap_len = 0;
	if (ram)
		munmap(ram, ram_frames << PAGE_SHIFT);
	if (ram_fd >= 0)
		close(ram_fd);
	free(frame_table);
	free(host_m2p);
	host_m2p = NULL;
	for (unsigned int i = 0; i < nr_meta; i++)
		free(meta[i]);
	nr_meta = 0;
	frame_table = NULL;
	ram = NULL;
	ram_fd = -1;
	ram_frames = 0;
	max_page = 0;
}

void *host_machine_ram(void)
{
	return ram;
}

int host_machine_memfd(void)
{
	return ram_fd;
}
