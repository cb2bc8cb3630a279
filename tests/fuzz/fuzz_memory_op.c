/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for memory_op (mm/memory.c): random sub-op calls from a
 * PV domain against a model of every frame of a small host machine, debug
 * build, over the real heap.
 *
 * Input: one operation after another until the bytes run out (a missing
 * byte reads as zero). Operations: populate_physmap and
 * increase_reservation of 1..64 extents of orders 0..11 (above the
 * domain's limit too), with or without an address width; decrease of
 * lists mixing the domain's frames, another domain's, mica's own, free and
 * invalid ones; exchange of the domain's frames in any pair of orders, with
 * duplicates, bad frames, mismatched sizes and a resume point; a mapping
 * reference taken on a frame or dropped (what a page-table entry holds);
 * writing a frame; changing max_pages and max_extent_order; the queries;
 * scrubbing. Any call may have a list entry or its structure fault.
 *
 * The model knows, for every frame, whether it is the domain's, whether it
 * still holds its allocation reference, how many mappings it has and its
 * M2P entry. decrease and exchange results are predicted from it exactly
 * (an exchange may also run out of memory, which leaves its chunk as it
 * was); populate's count is bounded by the list, max_pages and the heap,
 * and short only when the heap has no chunk of the order. After every step
 * the real frame table, tot_pages and the M2P match the model, every frame
 * just handed out is scrubbed, and heap_check() passes; at the end every
 * frame comes back.
 *
 * FUZZ_MEMOP_TRACE=1 prints every operation as it runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/host.h>
#include <mica/m2p.h>
#include <mica/memory_op.h>
#include <mica/pv_mm.h>

#include <public/memory.h>

#include "heap.h"
#include "memop_args.h"

#define FRAMES 8192 /* 32 MiB: small enough to run out */
#define LIST 64
#define MAX_OPS 300
#define MARK 0x5a5a5a5a5a5a5a5aUL /* what the guest writes */

#define FUZZ_NAME "fuzz_memory_op"
#define FUZZ_TRACE_ENV "FUZZ_MEMOP_TRACE"
#include "fuzz_util.h"

static struct domain dom, other;
static struct vcpu vcpu;
static unsigned long start_free;

/* ---- the model ---- */

static struct frame {
	bool ours;
	bool alloc;	    /* holds its allocation reference */
	unsigned int maps;  /* mapping references */
	unsigned long gpfn; /* its M2P entry */
} model[FRAMES];
static unsigned long model_tot;

static xen_pfn_t list[LIST], out[LIST];

static struct page_info *page(unsigned long mfn)
{
	return mfn_to_page(_mfn(mfn));
}

static void verify(void)
{
	unsigned long n = 0;

	for (unsigned long m = 0; m < FRAMES; m++) {
		const struct page_info *pg = page(m);
		const struct frame *f = &model[m];
		bool ours = (pg->count_info & PGC_inuse) && pg->v.owner == &dom;

		REQUIRE(ours == f->ours, "mfn %#lx: ours %d, model %d", m, ours,
			f->ours);
		if (!ours)
			continue;
		n++;
		REQUIRE(!!(pg->count_info & PGC_allocated) == f->alloc,
			"mfn %#lx: allocated %d, model %d", m,
			!!(pg->count_info & PGC_allocated), f->alloc);
		REQUIRE((pg->count_info & PGC_count_mask) == f->alloc + f->maps,
			"mfn %#lx: %lu references, model %u", m,
			pg->count_info & PGC_count_mask, f->alloc + f->maps);
		REQUIRE(get_gpfn_from_mfn(_mfn(m)) == f->gpfn,
			"mfn %#lx: M2P %#lx, model %#lx", m,
			get_gpfn_from_mfn(_mfn(m)), f->gpfn);
	}
	REQUIRE(n == model_tot && dom.tot_pages == n,
		"tot_pages %lu, frames %lu, model %lu", dom.tot_pages, n,
		model_tot);
	REQUIRE(heap_check() == 0, "heap_check failed");
}

/* A frame of ours picked by the input, or a made-up one if none. */
static unsigned long pick_ours(void)
{
	unsigned long s = u16() % FRAMES;

	for (unsigned long i = 0; i < FRAMES; i++)
		if (model[(s + i) % FRAMES].ours)
			return (s + i) % FRAMES;
	return s;
}

/* An mfn for a list: mostly ours, sometimes anything at all. */
static unsigned long pick_mfn(unsigned int order)
{
	switch (u8() % 16) {
	case 0:
		return FRAMES + u8(); /* beyond the machine */
	case 1:
		return ~0UL - u8();
	case 2:
		return u16() % FRAMES; /* anyone's */
	default:
		return pick_ours() & ~((1UL << order) - 1);
	}
}

static unsigned int pick_order(void)
{
	static const unsigned int orders[] = {0, 0, 0, 0, 1, 2, 3, 9};
	unsigned int b = u8();

	return b < 240 ? orders[b % ARRAY_SIZE(orders)] : b % 12;
}

/* Maybe make list entry k fault: returns k, or LIST + 1 for none. */
static unsigned long maybe_fault(xen_pfn_t *l)
{
	unsigned int b = u8();

	if (b < 232)
		return LIST + 1;
	b = u8() % LIST;
	host_guest_fault_range((unsigned long)&l[b], sizeof(l[b]));
	return b;
}

static long memop(unsigned int op, const void *arg)
{
	long rc = do_memory_op(op, (unsigned long)arg);

	host_guest_fault_clear();
	return rc;
}

static bool scrubbed(const uint64_t *p)
{
	for (unsigned int w = 0; w < PAGE_SIZE / 8; w++)
		if (p[w] != SCRUB_PATTERN)
			return false;
	return true;
}

static void take(unsigned long mfn, unsigned int order, unsigned long gpfn)
{
	REQUIRE(mfn < FRAMES && !(mfn & ((1UL << order) - 1)),
		"extent %#lx of order %u", mfn, order);
	for (unsigned long j = 0; j < (1UL << order); j++) {
		struct frame *f = &model[mfn + j];

		REQUIRE(!f->ours, "mfn %#lx handed out twice", mfn + j);
		REQUIRE(scrubbed(arch_mfn_to_virt(mfn + j)),
			"mfn %#lx handed out unscrubbed", mfn + j);
		*f = (struct frame){
			.ours = true,
			.alloc = true,
			.gpfn = gpfn == INVALID_M2P_ENTRY ? gpfn : gpfn + j,
		};
	}
	model_tot += 1UL << order;
}

/* The frame lost its allocation reference, and is freed if unmapped. */
static void give(unsigned long m)
{
	struct frame *f = &model[m];

	f->alloc = false;
	f->gpfn = INVALID_M2P_ENTRY;
	if (!f->maps) {
		f->ours = false;
		model_tot--;
	}
}

static void op_allocate(bool populate)
{
	unsigned long nr = 1 + u8() % LIST, base = u16(), bound, fault;
	unsigned int order = pick_order(), bits = 0;
	struct xen_memory_reservation r;
	struct heap_stats s;
	long rc;

	if (u8() < 48)
		bits = u8() < 32 ? u8() % 13 : 13 + u8() % 12;
	for (unsigned long i = 0; i < nr; i++)
		list[i] = base + (i << order);
	r = resv(list, nr, order, bits);
	fault = maybe_fault(list);
	note("%s nr %lu order %u bits %u fault %lu",
	     populate ? "populate" : "increase", nr, order, bits, fault);
	bound = MIN(nr, fault);
	if (order > dom.max_extent_order || (bits && bits <= PAGE_SHIFT))
		bound = 0;
	else if (order <= MAX_ORDER)
		bound = MIN(bound, (dom.max_pages - dom.tot_pages) >> order);
	rc = memop(populate ? XENMEM_populate_physmap
			    : XENMEM_increase_reservation,
		   &r);
	REQUIRE(rc >= 0 && (unsigned long)rc <= bound,
		"%ld extents, at most %lu", rc, bound);
	for (long i = 0; i < rc; i++)
		take(list[i], order,
		     populate ? base + (i << order) : INVALID_M2P_ENTRY);
	heap_get_stats(&s);
	REQUIRE((unsigned long)rc == bound || bits || s.largest_order == -1U ||
			s.largest_order < order,
		"%ld extents of %lu with order %u free", rc, bound,
		s.largest_order);
}

static void op_decrease(void)
{
	unsigned long nr = 1 + u8() % 16, expect = 0, fault;
	unsigned int order = pick_order() % 4;
	struct xen_memory_reservation r;
	bool stop = false;
	long rc;

	for (unsigned long i = 0; i < nr; i++)
		list[i] = pick_mfn(order);
	r = resv(list, nr, order, 0);
	fault = maybe_fault(list);
	note("decrease nr %lu order %u fault %lu", nr, order, fault);
	if (order > dom.max_extent_order)
		stop = true;
	/* Frame by frame, up to the first that is not ours: as the code. */
	for (unsigned long i = 0; i < nr && i < fault && !stop; i++) {
		for (unsigned long j = 0; j < (1UL << order) && !stop; j++) {
			unsigned long m = list[i] + j;

			if (m < FRAMES && model[m].ours)
				give(m);
			else
				stop = true;
		}
		if (!stop)
			expect++;
	}
	rc = memop(XENMEM_decrease_reservation, &r);
	REQUIRE(rc == (long)expect, "decrease: %ld, model %lu", rc, expect);
}

static unsigned int seen[FRAMES], generation;

/*
 * What chunk c of an exchange comes to before its output is allocated:
 * its input entries up to a fault each the domain's frames, holding only
 * their allocation reference and listed once (else -EINVAL), then no
 * fault in its input or output entries (else -EFAULT): 0 if it can be done.
 */
static long chunk_check(const xen_pfn_t *in, unsigned long chunk_in,
			unsigned int in_order, unsigned long chunk_out,
			unsigned long c, unsigned long fault, bool out_fault)
{
	unsigned long end = (c + 1) * chunk_in;

	generation++;
	for (unsigned long e = c * chunk_in; e < end; e++) {
		if (!out_fault && e == fault)
			return -EFAULT;
		for (unsigned long j = 0; j < (1UL << in_order); j++) {
			unsigned long m = in[e] + j;

			if (in[e] >= FRAMES || m >= FRAMES || !model[m].ours ||
			    !model[m].alloc || model[m].maps ||
			    seen[m] == generation)
				return -EINVAL;
			seen[m] = generation;
		}
	}
	if (out_fault && fault / chunk_out == c)
		return -EFAULT;
	return 0;
}

/*
 * Exchange: the result predicted from the model chunk by chunk, except
 * that the heap may run out of memory for a chunk's output, which must
 * leave that chunk as it was.
 */
static void op_exchange(void)
{
	unsigned int in_order = pick_order() % 10,
		     out_order = pick_order() % 10;
	unsigned int top, v = u8(), bits = u8() < 64 ? 13 + u8() % 20 : 0;
	unsigned long nr_in, nr_out, chunk_in, chunk_out, c, from, fault;
	xen_pfn_t in[LIST], gpfn[LIST];
	struct xen_memory_exchange x;
	long rc, expect = 0;

	/* At most LIST extents on either side. */
	if (in_order > out_order + 6)
		in_order = out_order + 6;
	if (out_order > in_order + 6)
		out_order = in_order + 6;
	top = MIN(MAX(in_order, out_order) + u8() % 3,
		  MIN(in_order, out_order) + 6);
	nr_in = 1UL << (top - in_order);
	nr_out = 1UL << (top - out_order);
	for (unsigned long i = 0; i < nr_in; i++)
		list[i] = pick_mfn(in_order);
	if (v % 8 == 0 && nr_in > 1)
		list[u8() % nr_in] = list[u8() % nr_in]; /* listed twice */
	for (unsigned long i = 0; i < nr_out; i++)
		out[i] = gpfn[i] = (unsigned long)u16() << out_order;
	memcpy(in, list, sizeof(in));
	x = (struct xen_memory_exchange){
		.in = resv(list, nr_in, in_order, 0),
		.out = resv(out, nr_out, out_order, bits),
	};
	if (v % 16 == 1)
		x.out.nr_extents++;
	if (v % 16 == 2)
		x.nr_exchanged = u8() % (nr_in + 2);
	from = x.nr_exchanged;
	fault = maybe_fault(v & 32 ? out : list);
	chunk_in = in_order <= out_order ? 1UL << (out_order - in_order) : 1;
	chunk_out = in_order <= out_order ? 1 : 1UL << (in_order - out_order);
	note("exchange %lu x %u -> %lu x %u bits %u from %lu fault %s %lu",
	     nr_in, in_order, (unsigned long)x.out.nr_extents, out_order, bits,
	     from, v & 32 ? "out" : "in", fault);
	if (MAX(in_order, out_order) > dom.max_extent_order)
		expect = -EPERM;
	else if (x.out.nr_extents != nr_out || from > nr_in)
		expect = -EINVAL;
	rc = memop(XENMEM_exchange, &x);
	if (expect || from == nr_in) {
		REQUIRE(rc == expect && x.nr_exchanged == from,
			"exchange: %ld, expected %ld", rc, expect);
		return;
	}
	REQUIRE(rc ? x.nr_exchanged < nr_in : x.nr_exchanged == nr_in,
		"exchange: %ld with %lu of %lu done", rc,
		(unsigned long)x.nr_exchanged, nr_in);
	for (c = from / chunk_in; c < nr_in / chunk_in; c++) {
		long ok = chunk_check(in, chunk_in, in_order, chunk_out, c,
				      fault, v & 32);

		if (c == x.nr_exchanged / chunk_in) {
			/* The chunk that failed. */
			expect = ok ? ok : -ENOMEM;
			REQUIRE(rc == expect,
				"exchange chunk %lu: %ld, model %ld", c, rc,
				expect);
			return;
		}
		REQUIRE(!ok, "exchange did chunk %lu, model says %ld", c, ok);
		for (unsigned long k = 0; k < chunk_in; k++)
			for (unsigned long j = 0; j < (1UL << in_order); j++)
				give(in[c * chunk_in + k] + j);
		for (unsigned long j = 0; j < chunk_out; j++)
			take(out[c * chunk_out + j], out_order,
			     gpfn[c * chunk_out + j]);
	}
}

/* A mapping reference taken or dropped, as a page-table entry would. */
static void op_map(void)
{
	unsigned long m = pick_ours();
	struct frame *f = &model[m];

	if (!f->ours)
		return;
	if (f->maps && (u8() & 1)) {
		note("unmap %#lx", m);
		put_page(page(m));
		f->maps--;
		if (!f->maps && !f->alloc) {
			f->ours = false;
			model_tot--;
		}
		return;
	}
	if (f->maps >= 3)
		return;
	note("map %#lx", m);
	REQUIRE(get_page(page(m), &dom), "get_page(%#lx) refused", m);
	f->maps++;
}

static void op_write(void)
{
	unsigned long m = pick_ours();

	if (!model[m].ours)
		return;
	note("write %#lx", m);
	for (uint64_t *p = arch_mfn_to_virt(m), i = 0; i < PAGE_SIZE / 8; i++)
		p[i] = MARK;
}

static void op_queries(void)
{
	domid_t self = DOMID_SELF;
	struct xen_machphys_mapping mm;
	struct e820entry e;
	struct xen_memory_map map = {.nr_entries = 1,
				     .buffer = (unsigned long)&e};
	struct xen_memory_reservation r = resv(list, 4, 0, 0);

	note("queries");
	REQUIRE(memop(XENMEM_current_reservation, &self) == (long)model_tot,
		"current_reservation");
	REQUIRE(memop(XENMEM_maximum_reservation, &self) == (long)dom.max_pages,
		"maximum_reservation");
	REQUIRE(memop(XENMEM_maximum_ram_page, NULL) == FRAMES,
		"maximum_ram_page");
	REQUIRE(memop(XENMEM_machphys_mapping, &mm) == 0 &&
			mm.v_start == RO_MPT_VIRT_START,
		"machphys_mapping");
	REQUIRE(memop(XENMEM_memory_map, &map) == 0 && map.nr_entries == 1 &&
			e.size == dom.max_pages << PAGE_SHIFT,
		"memory_map");
	r.domid = other.domain_id;
	REQUIRE(memop(XENMEM_populate_physmap, &r) == 0,
		"populate for another domain");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page_info *theirs, *xen;

	fuzz_begin(data, size);
	heap_scramble = u8() & 1;
	heap_grouping = !(u8() & 1);
	if (host_machine_init(FRAMES))
		fail("host_machine_init failed");
	start_free = heap_free_pages();
	memset(model, 0, sizeof(model));
	for (unsigned long m = 0; m < FRAMES; m++)
		model[m].gpfn = INVALID_M2P_ENTRY;
	model_tot = 0;
	memset(&dom, 0, sizeof(dom));
	domain_mm_init(&dom, 1, 1 + u16());
	dom.max_extent_order = 9;
	domain_mm_init(&other, 2, 4);
	vcpu.domain = &dom;
	host_current = &vcpu;
	/* Frames that are never the domain's to give: another's, mica's. */
	theirs = alloc_domheap_pages(&other, 2, 0);
	xen = alloc_domheap_pages(NULL, 2, 0);
	for (unsigned int step = 1; in_n && step <= MAX_OPS; step++) {
		switch (u8() % 16) {
		case 0:
		case 1:
		case 2:
			op_allocate(true);
			break;
		case 3:
			op_allocate(false);
			break;
		case 4:
		case 5:
		case 6:
			op_decrease();
			break;
		case 7:
		case 8:
		case 9:
			op_exchange();
			break;
		case 10:
		case 11:
			op_map();
			break;
		case 12:
			op_write();
			break;
		case 13:
			dom.max_pages = dom.tot_pages + u16() % 4096;
			note("max_pages %lu", dom.max_pages);
			break;
		case 14:
			dom.max_extent_order = u8() % 12;
			note("max_extent_order %u", dom.max_extent_order);
			break;
		case 15:
			if (u8() & 1)
				op_queries();
			else
				heap_scrub_some(u8());
			break;
		}
		verify();
	}
	/* The mappings go, then the domain: every frame comes back. */
	for (unsigned long m = 0; m < FRAMES; m++)
		while (model[m].maps--)
			put_page(page(m));
	domain_relinquish_memory(&dom);
	domain_relinquish_memory(&other);
	free_domheap_pages(xen, 2);
	REQUIRE(heap_free_pages() == start_free && heap_check() == 0,
		"%lu frames lost", start_free - heap_free_pages());
	(void)theirs;
	host_current = NULL;
	host_machine_fini();
	return 0;
}
