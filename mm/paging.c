/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's final page tables and the boot-time frame allocator.
 *
 * paging_init() replaces the early tables of boot/head.S with:
 *  - the image, page by page: text RX, read-only data R+NX, data and bss
 *    RW+NX; the guard page of every stack (the mica_guard section) left out;
 *  - the direct map of every RAM, ACPI and NVS range of the memory map, in
 *    the largest pages that fit (1 GiB where the CPU has them, else 2 MiB,
 *    else 4 KiB), write-back, NX;
 *  - whatever phys_map() was asked for before, at its attribute.
 * Nothing else is mapped: no identity map, no low 4 GiB blanket. A large
 * page is only used where the whole of it lies in one mapped range, so a
 * later phys_map() of a device never lands inside one.
 *
 * After boot it also maps the vmap area for mm/vmap.c (arch_vmap_*, the
 * contract in include/mica/arch_mm.h), with page tables from the heap.
 *
 * Single CPU, boot time and fault-free paths only: no locks.
 */
#include <asm/processor.h>
#include <asm/smp.h>
#include <mica/arch_mm.h>
#include <mica/domain_page.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/stack.h>

#define PT_ENTRIES 512
#define FOUR_GIB (1UL << 32)

/*
 * PAT as Xen programs it, which PV guest kernels assume:
 * WB, WT, UC-, UC, WC, WP, UC, UC. WC is entry 4: the PAT bit alone.
 */
#define MICA_PAT 0x0000050100070406UL
#define MSR_PAT 0x277

extern char __image_start[], __text_start[], __text_end[], __rodata_start[],
	__rodata_end[], __data_start[], __bss_end[];

/*
 * The final L4 and the L3 of its slot 261 (the image, the vmap area, the
 * mapcache), in the image so that they are always reachable.
 */
static uint64_t idle_l4[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t l3_xen[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t *l4; /* idle_l4 once paging_init() has loaded it */
/* The L1 table of every CPU's GDT pages (kernel/gdt.c), in the image. */
static uint64_t gdt_l1[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t nx_bit;
static uint64_t global_bit;

/*
 * directmap=off: no always-mapped direct map of RAM. What mica itself
 * keeps at __va() (xenheap pages while allocated, boot-time allocations,
 * phys_map() ranges) is mapped there one page at a time; everything else
 * is reached through map_domain_page().
 */
bool directmap = true;
boolean_param("directmap", directmap);

/* ---- the boot-time frame allocator ---- */

#define MAX_FREE 64
static struct boot_mem_range free_ranges[MAX_FREE];
static unsigned int nr_free;
static bool free_ranges_ready;

static void boot_alloc_init(void)
{
	nr_free = bootinfo_usable(boot_info, free_ranges, MAX_FREE);
	free_ranges_ready = true;
}

static bool handed_to_heap;

/*
 * What the boot allocator handed out before the final tables existed, so
 * that paging_init() can map it at __va() without a direct map. Top-down
 * allocations are adjacent and coalesce into few entries.
 */
static struct {
	paddr_t start, end;
} boot_log[32];
static unsigned int nr_boot_log;

static void log_boot_alloc(paddr_t pa, paddr_t size)
{
	if (nr_boot_log && boot_log[nr_boot_log - 1].start == pa + size) {
		boot_log[nr_boot_log - 1].start = pa;
		return;
	}
	if (nr_boot_log == ARRAY_SIZE(boot_log))
		panic("paging: more than %zu separate boot-time allocations",
		      ARRAY_SIZE(boot_log));
	boot_log[nr_boot_log].start = pa;
	boot_log[nr_boot_log].end = pa + size;
	nr_boot_log++;
}

static void zero_frames(paddr_t pa, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		clear_domain_page(
			maddr_to_mfn(pa + ((paddr_t)i << PAGE_SHIFT)));
}

/*
 * nr zeroed frames, aligned to align_pages, reachable only through
 * map_domain_page(): what page tables need.
 */
static paddr_t alloc_frames(unsigned int nr, unsigned int align_pages)
{
	paddr_t size = (paddr_t)nr << PAGE_SHIFT;
	paddr_t align = (paddr_t)(align_pages ? align_pages : 1) << PAGE_SHIFT;

	if (handed_to_heap) {
		/* Exactly nr frames, zeroed, from the heap. */
		struct page_info *pg = alloc_contig_pages(
			nr, align_pages ? align_pages : 1, MEMF_zero);

		return pg ? page_to_maddr(pg) : 0;
	}
	if (!free_ranges_ready)
		boot_alloc_init();
	/*
	 * Top-down from the highest range the current tables can reach:
	 * below 4 GiB until the direct map covers all RAM. Low memory is
	 * kept for whoever needs addresses below 16 MiB or 4 GiB.
	 */
	for (unsigned int i = nr_free; i-- > 0;) {
		struct boot_mem_range *r = &free_ranges[i];
		paddr_t limit = l4 ? r->end : MIN(r->end, FOUR_GIB);
		paddr_t pa;

		if (limit < r->start + size)
			continue;
		pa = ROUNDDOWN(limit - size, align);
		if (pa < r->start)
			continue;
		if (pa + size == r->end) {
			r->end = pa;
		} else {
			/* Keep the tail above the allocation, if the table has room. */
			if (nr_free == MAX_FREE)
				continue;
			memmove(r + 2, r + 1, (nr_free - i - 1) * sizeof(*r));
			r[1].start = pa + size;
			r[1].end = r->end;
			r[1].type = BOOT_MEM_RAM;
			r->end = pa;
			nr_free++;
		}
		zero_frames(pa, nr);
		return pa;
	}
	return 0;
}

static int map_phys_range(uint64_t *root, paddr_t pa, paddr_t end,
			  enum phys_attr attr);

paddr_t boot_alloc_pages(unsigned int nr, unsigned int align_pages)
{
	paddr_t pa = alloc_frames(nr, align_pages);
	paddr_t size = (paddr_t)nr << PAGE_SHIFT;

	if (!pa || directmap)
		return pa;
	if (!l4) {
		log_boot_alloc(pa, size);
	} else if (map_phys_range(l4, pa, pa + size, PHYS_WB)) {
		printk(LOG_WARN
		       "paging: no page tables to map a boot-time allocation at %#lx\n",
		       pa);
		return 0; /* leaked: boot time only */
	}
	return pa;
}

unsigned int boot_free_ranges(struct boot_mem_range *out, unsigned int max)
{
	unsigned int n = 0;

	if (!free_ranges_ready)
		boot_alloc_init();
	handed_to_heap = true;
	for (unsigned int i = 0; i < nr_free && n < max; i++)
		if (free_ranges[i].end > free_ranges[i].start)
			out[n++] = free_ranges[i];
	return n;
}

/* ---- building tables ---- */

static unsigned int slot(unsigned long va, unsigned int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* Tables walk_create() has taken from the heap: kept, never freed. */
static unsigned long tables_kept;

unsigned long paging_tables_kept(void)
{
	return tables_kept;
}

static uint64_t *table_map(uint64_t entry)
{
	return map_domain_page(maddr_to_mfn(entry & PADDR_MASK));
}

/*
 * The entry for va at the given level (1..3) under root, creating the
 * intermediate tables as needed, in a table mapped with map_domain_page():
 * the caller unmaps it (unmap_domain_page(entry)). NULL if memory ran out
 * or a large page is in the way.
 */
static uint64_t *walk_create(uint64_t *root, unsigned long va,
			     unsigned int level)
{
	uint64_t *t = root;

	for (unsigned int l = 4; l > level; l--) {
		uint64_t *e = &t[slot(va, l)], *next;

		if (!(*e & _PAGE_PRESENT)) {
			paddr_t pa = alloc_frames(1, 1);

			if (!pa)
				goto fail;
			tables_kept += handed_to_heap;
			*e = pa | _PAGE_PRESENT | _PAGE_RW;
		} else if (*e & _PAGE_PSE) {
			goto fail;
		}
		next = table_map(*e);
		if (t != root)
			unmap_domain_page(t);
		t = next;
	}
	return &t[slot(va, level)];
fail:
	if (t != root)
		unmap_domain_page(t);
	return NULL;
}

static int map_one(uint64_t *root, unsigned long va, paddr_t pa,
		   unsigned int level, uint64_t flags)
{
	uint64_t *e = walk_create(root, va, level);

	if (!e)
		return -1;
	*e = pa | flags | (level > 1 ? _PAGE_PSE : 0);
	if (e < root || e >= root + PT_ENTRIES)
		unmap_domain_page(e);
	return 0;
}

static uint64_t attr_flags(enum phys_attr attr)
{
	switch (attr) {
	case PHYS_UC:
		return _PAGE_PCD | _PAGE_PWT;
	case PHYS_WC:
		return _PAGE_PAT; /* PAT entry 4 */
	default:
		return 0;
	}
}

/* Map [pa, pa + len) at the direct map with the largest pages that fit. */
static int map_direct(uint64_t *root, paddr_t pa, paddr_t end, uint64_t flags)
{
	while (pa < end) {
		unsigned int level = 1;

		if (cpu_features.page1gb &&
		    IS_ALIGNED(pa, 1UL << L3_PAGE_SHIFT) &&
		    end - pa >= (1UL << L3_PAGE_SHIFT))
			level = 3;
		else if (IS_ALIGNED(pa, 1UL << L2_PAGE_SHIFT) &&
			 end - pa >= (1UL << L2_PAGE_SHIFT))
			level = 2;
		if (map_one(root, DIRECTMAP_VIRT_START + pa, pa, level, flags))
			return -1;
		pa += 1UL << (PAGE_SHIFT + 9 * (level - 1));
	}
	return 0;
}

static bool is_guard(unsigned long va)
{
	for (const void *const *g = __start_mica_guard; g < __stop_mica_guard;
	     g++)
		if ((unsigned long)*g == va)
			return true;
	return false;
}

static int map_image(uint64_t *root, const char *start, const char *end,
		     uint64_t flags)
{
	for (unsigned long va = (unsigned long)start; va < (unsigned long)end;
	     va += PAGE_SIZE)
		if (!is_guard(va) &&
		    map_one(root, va, va - KERNEL_VIRT_START, 1, flags))
			return -1;
	return 0;
}

/* phys_map() requests made before the final tables existed. */
static struct {
	paddr_t pa, end;
	enum phys_attr attr;
} early_maps[16];
static unsigned int nr_early_maps;

static bool directmap_type(uint32_t type)
{
	return type == BOOT_MEM_RAM || type == BOOT_MEM_ACPI ||
	       type == BOOT_MEM_NVS;
}

static int map_phys_range(uint64_t *root, paddr_t pa, paddr_t end,
			  enum phys_attr attr)
{
	uint64_t flags = _PAGE_PRESENT | _PAGE_RW | nx_bit | global_bit |
			 _PAGE_ACCESSED | _PAGE_DIRTY;

	for (pa = ROUNDDOWN(pa, PAGE_SIZE); pa < end; pa += PAGE_SIZE) {
		unsigned int level;

		if (paging_lookup_in(root, DIRECTMAP_VIRT_START + pa, &level))
			continue;
		if (map_one(root, DIRECTMAP_VIRT_START + pa, pa, 1,
			    flags | attr_flags(attr)))
			return -1;
	}
	return 0;
}

int map_pages_to_xen(unsigned long va, paddr_t pa, unsigned long nr,
		     uint64_t flags)
{
	uint64_t *root = l4 ? l4 : NULL;

	if (!root)
		return -1;
	for (unsigned long i = 0; i < nr; i++)
		if (map_one(root, va + (i << PAGE_SHIFT),
			    pa + (i << PAGE_SHIFT), 1,
			    flags | _PAGE_PRESENT | global_bit |
				    _PAGE_ACCESSED |
				    (flags & _PAGE_RW ? _PAGE_DIRTY : 0) |
				    nx_bit))
			return -1;
	return 0;
}

void unmap_pages_from_xen(unsigned long va, unsigned long nr)
{
	for (unsigned long i = 0; i < nr; i++, va += PAGE_SIZE) {
		unsigned int level;
		uint64_t *e;

		if (!l4 || !paging_lookup_in(l4, va, &level))
			continue;
		BUG_ON(level != 1);
		e = walk_create(l4, va, 1);
		*e = 0;
		unmap_domain_page(e);
		invlpg((const void *)va);
	}
}

uint64_t paging_lookup_in(const uint64_t *root, unsigned long va,
			  unsigned int *level)
{
	const uint64_t *t = root;
	uint64_t found = 0;

	*level = 0;
	for (unsigned int l = 4; l >= 1; l--) {
		uint64_t e = t[slot(va, l)];

		if (!(e & _PAGE_PRESENT))
			break;
		if (l == 1 || (l <= 3 && (e & _PAGE_PSE))) {
			*level = l;
			found = e;
			break;
		}
		if (t != root)
			unmap_domain_page(t);
		t = table_map(e);
	}
	if (t != root)
		unmap_domain_page(t);
	return found;
}

uint64_t paging_lookup(unsigned long va, unsigned int *level)
{
	paddr_t cr3 = read_cr3() & PADDR_MASK;
	const uint64_t *root;
	uint64_t e;

	if (l4 && cr3 == __pa(idle_l4))
		return paging_lookup_in(idle_l4, va, level);
	root = map_domain_page(maddr_to_mfn(cr3));
	e = paging_lookup_in(root, va, level);
	unmap_domain_page(root);
	return e;
}

void *phys_map(paddr_t pa, size_t len, enum phys_attr attr)
{
	paddr_t end = pa + len;

	if (!len || end < pa || end > DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START)
		return NULL;
	if (!l4) {
		/* The early tables map 0..4 GiB; remember it for the final ones. */
		if (end > FOUR_GIB || nr_early_maps == ARRAY_SIZE(early_maps))
			return NULL;
		early_maps[nr_early_maps].pa = pa;
		early_maps[nr_early_maps].end = end;
		early_maps[nr_early_maps].attr = attr;
		nr_early_maps++;
		return __va(pa);
	}
	if (map_phys_range(l4, pa, ROUNDUP(end, PAGE_SIZE), attr))
		return NULL;
	return __va(pa);
}

void paging_init(const struct boot_info *bi)
{
	uint64_t dflags, *root;
	paddr_t root_pa;
	uint64_t mapped = 0;

	if (cpu_features.nx)
		nx_bit = _PAGE_NX;
	if (cpu_features.pge)
		global_bit = _PAGE_GLOBAL;
	wrmsr(MSR_PAT, MICA_PAT);

	root = idle_l4;
	root_pa = __pa(idle_l4);
	root[slot(KERNEL_VIRT_START, 4)] =
		__pa(l3_xen) | _PAGE_PRESENT | _PAGE_RW;
	BUILD_BUG_ON((VMAP_VIRT_START ^ KERNEL_VIRT_START) >> L4_PAGE_SHIFT);
	BUILD_BUG_ON((MAPCACHE_VIRT_START ^ KERNEL_VIRT_START) >>
		     L4_PAGE_SHIFT);

	/* W^X image. */
	if (map_image(root, __text_start, __text_end,
		      _PAGE_PRESENT | _PAGE_ACCESSED | global_bit) ||
	    map_image(root, __rodata_start, __rodata_end,
		      _PAGE_PRESENT | _PAGE_ACCESSED | nx_bit | global_bit) ||
	    map_image(root, __data_start, __bss_end,
		      _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY |
			      nx_bit | global_bit))
		panic("paging: out of memory mapping the image");

	dflags = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY |
		 nx_bit | global_bit;
	for (unsigned int i = 0; i < bi->nr_memmap; i++) {
		const struct boot_mem_range *r = &bi->memmap[i];
		paddr_t s = ROUNDUP(r->start, PAGE_SIZE);
		paddr_t e = ROUNDDOWN(r->end, PAGE_SIZE);

		if (!directmap || !directmap_type(r->type) || s >= e)
			continue;
		if (e > DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START) {
			printk(LOG_WARN
			       "paging: memory above %#lx is beyond the direct map and left out\n",
			       DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START);
			e = DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START;
			if (s >= e)
				continue;
		}
		if (map_direct(root, s, e, dflags))
			panic("paging: out of memory mapping RAM at %#lx", s);
		mapped += e - s;
	}
	for (unsigned int i = 0; i < nr_early_maps; i++)
		if (map_phys_range(root, early_maps[i].pa,
				   ROUNDUP(early_maps[i].end, PAGE_SIZE),
				   early_maps[i].attr))
			panic("paging: out of memory for early mappings");
	if (!directmap) {
		uint64_t *e;

		/*
		 * What the boot allocator handed out so far (the console's
		 * buffers, say) stays where it was. Page tables made while
		 * doing so need no mapping: they are reached through the
		 * mapcache, whose L1 is in the image.
		 */
		for (unsigned int i = 0; i < nr_boot_log; i++)
			if (map_phys_range(root, boot_log[i].start,
					   boot_log[i].end, PHYS_WB))
				panic("paging: out of memory mapping boot-time allocations");
		e = walk_create(root, MAPCACHE_VIRT_START, 2);
		if (!e)
			panic("paging: out of memory for the mapcache");
		*e = __pa(mapcache_l1) | _PAGE_PRESENT | _PAGE_RW;
		unmap_domain_page(e);
	}

	{
		uint64_t *e = walk_create(root, GDT_VIRT_START, 2);

		BUILD_BUG_ON(NR_CPUS * GDT_VIRT_PER_CPU >
			     (1UL << L2_PAGE_SHIFT));
		if (!e)
			panic("paging: out of memory for the GDT mappings");
		*e = __pa(gdt_l1) | _PAGE_PRESENT | _PAGE_RW;
		unmap_domain_page(e);
	}
	/*
	 * Every guest L4 copies slots 256..271 (arch_pv_init_l4()), so their
	 * entries must never change once guests exist: give each its L3 now.
	 */
	for (unsigned int i = HYPERVISOR_L4_FIRST; i <= HYPERVISOR_L4_LAST;
	     i++) {
		paddr_t pa;

		if (root[i] & _PAGE_PRESENT)
			continue;
		pa = alloc_frames(1, 1);
		if (!pa)
			panic("paging: out of memory for the hypervisor's L3 tables");
		tables_kept += handed_to_heap;
		root[i] = pa | _PAGE_PRESENT | _PAGE_RW;
	}

	write_cr3(root_pa);
	l4 = root;
	if (!directmap)
		mapcache_enable(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
				_PAGE_DIRTY | nx_bit);
	if (cpu_features.pge)
		write_cr4(read_cr4() | X86_CR4_PGE);
	if (!directmap)
		printk("Paging: no direct map (directmap=off): RAM reached through the mapcache\n");
	printk("Paging: direct map of %lu MiB with %s pages, image W^X%s, %u guard pages\n",
	       mapped >> 20,
	       cpu_features.page1gb ? "1 GiB/2 MiB/4 KiB" : "2 MiB/4 KiB",
	       nx_bit ? " with NX" : " (no NX on this CPU)",
	       (unsigned int)(__stop_mica_guard - __start_mica_guard));
}

/*
 * ---- the vmap area's mappings (include/mica/arch_mm.h) ----
 *
 * L4 slot 261's L3 table is l3_xen, in the image, installed by
 * paging_init() (the image is in the same slot); the L2 and L1 tables below
 * it are made on demand from the heap and freed when their last entry goes,
 * each counting its present entries in its page_info (u.pt_used). So an L1
 * table exists exactly where a 4 KiB mapping does, and a free 2 MiB range
 * never has one in the way of a 2 MiB page. The L2 and L1 tables are
 * reached through map_domain_page(), as every table is.
 */

static uint64_t vmap_flags(void)
{
	return _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY |
	       nx_bit | global_bit;
}

static struct page_info *table_page(uint64_t entry)
{
	return mfn_to_page(maddr_to_mfn(entry & PADDR_MASK));
}

/* va's entry in the L3 table: it points to the L2 table, if any. */
static uint64_t *vmap_l3e(unsigned long va)
{
	return &l3_xen[slot(va, 3)];
}

/* Point the empty entry *e to a new zeroed table: 0 or -ENOMEM. */
static int table_new(uint64_t *e)
{
	struct page_info *pg = alloc_domheap_pages(NULL, 0, MEMF_zero);

	if (!pg)
		return -ENOMEM;
	pg->u.pt_used = 0;
	*e = page_to_maddr(pg) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
	return 0;
}

/* Free the table *e points to if it has no entries left. */
static void table_put(uint64_t *e, unsigned long va)
{
	struct page_info *pg = table_page(*e);

	if (pg->u.pt_used)
		return;
	*e = 0;
	/* invlpg also drops cached walks through the table: then free it. */
	invlpg((void *)va);
	free_domheap_pages(pg, 0);
}

/*
 * va's L2 entry, making the L2 table if need be, in its table mapped with
 * map_domain_page() (unmap it); NULL if out of memory.
 */
static uint64_t *vmap_l2e(unsigned long va)
{
	uint64_t *e3 = vmap_l3e(va);

	if (!(*e3 & _PAGE_PRESENT) && table_new(e3))
		return NULL;
	return table_map(*e3) + slot(va, 2);
}

/* A count of the L2 table holding va's entry changed: keep it or free it. */
static void l2_put(unsigned long va)
{
	table_put(vmap_l3e(va), va);
}

int arch_vmap_map(unsigned long va, const mfn_t *mfns, unsigned long nr)
{
	uint64_t flags = vmap_flags();

	for (unsigned long i = 0; i < nr; i++) {
		unsigned long p = va + (i << PAGE_SHIFT);
		uint64_t *e2 = vmap_l2e(p), *l1 = NULL;

		if (e2 && (*e2 & _PAGE_PRESENT)) {
			ASSERT(!(*e2 & _PAGE_PSE));
			l1 = table_map(*e2);
		} else if (e2 && !table_new(e2)) {
			l1 = table_map(*e2);
			table_page(*vmap_l3e(p))->u.pt_used++;
		}
		if (!l1) {
			if (e2) {
				unmap_domain_page(e2);
				l2_put(p); /* it may be new, and empty */
			}
			arch_vmap_unmap(va, i);
			return -ENOMEM;
		}
		ASSERT(!(l1[slot(p, 1)] & _PAGE_PRESENT));
		l1[slot(p, 1)] = mfn_to_maddr(mfns[i]) | flags;
		table_page(*e2)->u.pt_used++;
		unmap_domain_page(l1);
		unmap_domain_page(e2);
	}
	return 0;
}

int arch_vmap_map_2m(unsigned long va, mfn_t mfn)
{
	uint64_t *e2 = vmap_l2e(va);

	if (!e2)
		return -ENOMEM;
	ASSERT(!(*e2 & _PAGE_PRESENT));
	*e2 = mfn_to_maddr(mfn) | vmap_flags() | _PAGE_PSE;
	table_page(*vmap_l3e(va))->u.pt_used++;
	unmap_domain_page(e2);
	return 0;
}

int arch_vmap_split_2m(unsigned long va)
{
	uint64_t *e3 = vmap_l3e(va), *e2, *l1, big;
	struct page_info *pg;
	int rc = 0;

	if (!(*e3 & _PAGE_PRESENT))
		return 0;
	e2 = table_map(*e3) + slot(va, 2);
	big = *e2;
	if (!(big & _PAGE_PRESENT) || !(big & _PAGE_PSE))
		goto out;
	pg = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
	if (!pg) {
		rc = -ENOMEM;
		goto out;
	}
	l1 = map_domain_page(page_to_mfn(pg));
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		l1[i] = ((big & PADDR_MASK & ~((1UL << L2_PAGE_SHIFT) - 1)) +
			 ((paddr_t)i << PAGE_SHIFT)) |
			(big & ~PADDR_MASK & ~_PAGE_PSE);
	unmap_domain_page(l1);
	pg->u.pt_used = PT_ENTRIES;
	*e2 = page_to_maddr(pg) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
	/* Drop the 2 MiB TLB entry: the same frames, in 4 KiB pieces now. */
	invlpg((void *)va);
out:
	unmap_domain_page(e2);
	return rc;
}

void arch_vmap_unmap(unsigned long va, unsigned long nr)
{
	unsigned long end = va + (nr << PAGE_SHIFT);

	while (va < end) {
		uint64_t *e3 = vmap_l3e(va), *e2, *l1;
		unsigned long next;

		if (!(*e3 & _PAGE_PRESENT)) {
			/* Nothing in this GiB. */
			va = ROUNDDOWN(va, 1UL << L3_PAGE_SHIFT) +
			     (1UL << L3_PAGE_SHIFT);
			continue;
		}
		e2 = table_map(*e3) + slot(va, 2);
		next = ROUNDDOWN(va, 1UL << L2_PAGE_SHIFT) +
		       (1UL << L2_PAGE_SHIFT);
		if (!(*e2 & _PAGE_PRESENT)) {
			unmap_domain_page(e2);
			va = next;
			continue;
		}
		if (*e2 & _PAGE_PSE) {
			ASSERT(IS_ALIGNED(va, 1UL << L2_PAGE_SHIFT) &&
			       end >= next);
			*e2 = 0;
			unmap_domain_page(e2);
			invlpg((void *)va);
			table_page(*e3)->u.pt_used--;
			l2_put(va);
			va = next;
			continue;
		}
		l1 = table_map(*e2);
		for (; va < end && va < next; va += PAGE_SIZE) {
			uint64_t *e1 = l1 + slot(va, 1);

			if (!(*e1 & _PAGE_PRESENT))
				continue;
			*e1 = 0;
			invlpg((void *)va);
			table_page(*e2)->u.pt_used--;
		}
		unmap_domain_page(l1);
		if (!table_page(*e2)->u.pt_used) {
			table_put(e2, va - PAGE_SIZE);
			table_page(*e3)->u.pt_used--;
			unmap_domain_page(e2);
			l2_put(va - PAGE_SIZE);
		} else {
			unmap_domain_page(e2);
		}
	}
}

int arch_vmap_move(unsigned long va, mfn_t mfn)
{
	uint64_t *e3 = vmap_l3e(va), *e2, *l1 = NULL, *e;
	unsigned long nr = 1, irq = local_save_flags();

	ASSERT(*e3 & _PAGE_PRESENT);
	e2 = table_map(*e3) + slot(va, 2);
	ASSERT(*e2 & _PAGE_PRESENT);
	if (*e2 & _PAGE_PSE) {
		ASSERT(IS_ALIGNED(va, 1UL << L2_PAGE_SHIFT) &&
		       IS_ALIGNED(mfn_x(mfn), PT_ENTRIES));
		e = e2;
		nr = PT_ENTRIES;
	} else {
		l1 = table_map(*e2);
		e = l1 + slot(va, 1);
		ASSERT(*e & _PAGE_PRESENT);
	}
	/* No interrupt may write the page between the copy and the switch. */
	local_irq_disable();
	for (unsigned long i = 0; i < nr; i++) {
		void *to = map_domain_page(mfn_add(mfn, i));

		memcpy(to, (const void *)(va + (i << PAGE_SHIFT)), PAGE_SIZE);
		unmap_domain_page(to);
	}
	*e = mfn_to_maddr(mfn) | (*e & ~PADDR_MASK);
	/* One CPU: its TLB is the only one holding the old frame. */
	invlpg((void *)va);
	if (irq & X86_EFLAGS_IF)
		local_irq_enable();
	if (l1)
		unmap_domain_page(l1);
	unmap_domain_page(e2);
	return 0;
}

mfn_t arch_vmap_lookup(unsigned long va, unsigned int *level)
{
	uint64_t e = paging_lookup_in(l4, va, level);

	if (!e)
		return INVALID_MFN;
	if (*level == 2)
		return _mfn(((e & PADDR_MASK & ~((1UL << L2_PAGE_SHIFT) - 1)) >>
			     PAGE_SHIFT) +
			    slot(va, 1));
	return maddr_to_mfn(e & PADDR_MASK);
}

/* ---- what PV guests share with mica ---- */

uint64_t *paging_gdt_l1(void)
{
	return gdt_l1;
}

uint64_t paging_leaf(paddr_t pa, bool writable)
{
	return pa | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | nx_bit |
	       (writable ? _PAGE_RW : 0);
}

void arch_pv_init_l4(uint64_t *gl4)
{
	for (unsigned int i = HYPERVISOR_L4_FIRST; i <= HYPERVISOR_L4_LAST; i++)
		gl4[i] = idle_l4[i];
}

static bool tlb_flush_owed;

void arch_flush_tlb_local(void)
{
	tlb_flush_owed = false;
	/* Toggling PGE flushes global entries too: guests may set G. */
	unsigned long cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

/* One CPU: one flag. arch_flush_tlb_pending() pays it off. */

void arch_flush_tlb_soon(void)
{
	tlb_flush_owed = true;
}

void arch_flush_tlb_pending(void)
{
	if (tlb_flush_owed) {
		tlb_flush_owed = false;
		arch_flush_tlb_local();
	}
}

void arch_invlpg(unsigned long va)
{
	invlpg((const void *)va);
}

void paging_load_idle(void)
{
	if ((read_cr3() & PADDR_MASK) != __pa(idle_l4))
		write_cr3(__pa(idle_l4));
}

/*
 * The M2P: one 8-byte entry per frame up to max_page, in 2 MiB chunks of
 * the heap, mapped writable at RDWR_MPT_VIRT_START (slot 261) and read-only
 * and user-readable at RO_MPT_VIRT_START (slot 256), both with 2 MiB pages.
 */
#define M2P_CHUNK_ORDER 9
#define M2P_MAX_CHUNKS 512 /* 1 GiB of M2P: 128 Mi frames, 512 GiB */
static mfn_t m2p_chunks[M2P_MAX_CHUNKS];
static unsigned int nr_m2p_chunks;

unsigned int arch_m2p_mfns(unsigned long *mfns, unsigned int max)
{
	unsigned int n = MIN(max, nr_m2p_chunks);

	for (unsigned int i = 0; i < n; i++)
		mfns[i] = mfn_x(m2p_chunks[i]);
	return nr_m2p_chunks;
}

static int map_m2p_chunk(unsigned long va, mfn_t mfn, uint64_t flags)
{
	uint64_t *e = walk_create(l4, va, 2);

	if (!e)
		return -ENOMEM;
	*e = mfn_to_maddr(mfn) | flags | _PAGE_PSE | _PAGE_ACCESSED |
	     _PAGE_DIRTY | nx_bit;
	unmap_domain_page(e);
	return 0;
}

int paging_m2p_init(void)
{
	unsigned long bytes = max_page * sizeof(unsigned long);
	unsigned long chunk = 1UL << (M2P_CHUNK_ORDER + PAGE_SHIFT);
	unsigned long n = (bytes + chunk - 1) / chunk;
	uint64_t *l3;

	if (n > M2P_MAX_CHUNKS) {
		printk(LOG_WARN
		       "m2p: %lu frames are more than the M2P covers; guests see the first %lu\n",
		       max_page,
		       M2P_MAX_CHUNKS * chunk / sizeof(unsigned long));
		n = M2P_MAX_CHUNKS;
	}
	for (unsigned long i = 0; i < n; i++) {
		struct page_info *pg =
			alloc_domheap_pages(NULL, M2P_CHUNK_ORDER, 0);
		unsigned long *p;

		if (!pg)
			return -ENOMEM;
		m2p_chunks[nr_m2p_chunks++] = page_to_mfn(pg);
		if (map_m2p_chunk(RDWR_MPT_VIRT_START + i * chunk,
				  page_to_mfn(pg),
				  _PAGE_PRESENT | _PAGE_RW | global_bit) ||
		    map_m2p_chunk(RO_MPT_VIRT_START + i * chunk,
				  page_to_mfn(pg),
				  _PAGE_PRESENT | _PAGE_USER | global_bit))
			return -ENOMEM;
		p = (unsigned long *)(RDWR_MPT_VIRT_START + i * chunk);
		memset(p, 0xff, chunk); /* INVALID_M2P_ENTRY */
	}
	/* Guests read slot 256: its upper levels must let user mode through. */
	l4[slot(RO_MPT_VIRT_START, 4)] |= _PAGE_USER;
	l3 = table_map(l4[slot(RO_MPT_VIRT_START, 4)]);
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		if (l3[i] & _PAGE_PRESENT)
			l3[i] |= _PAGE_USER;
	unmap_domain_page(l3);
	arch_flush_tlb_local();
	printk("m2p: %lu MiB for %lu frames at %#lx, read-only at %#lx\n",
	       n * chunk >> 20, max_page, RDWR_MPT_VIRT_START,
	       RO_MPT_VIRT_START);
	return 0;
}
