/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for xmalloc, xvmalloc and vmap: the real mm/ sources
 * over the real heap on a host machine (tools/host/machine.c), debug
 * build, driven by operation sequences decoded from the input.
 *
 * Input: one operation after another until the bytes run out (a missing
 * byte reads as zero, so every input means something). Operations:
 * xmalloc_bytes, _xmalloc with alignments 1 to 8192, xzalloc_bytes,
 * _xzalloc, the array forms with counts that may overflow, xrealloc to any
 * size (both ways across the page boundary), xfree, freeing everything, and
 * two injected bugs: freeing a block again right after freeing it, and
 * freeing a pointer into the middle of a live block, both of which must
 * panic without changing anything. Beside them, the allocators built on
 * the vmap area: _xvmalloc/_xvzalloc of any size (xmalloc's up to a page,
 * vmalloc's beyond, freed with xvfree(), which xmalloc's blocks may also
 * be), and vmap()/vunmap() of domheap frames, whose contents must show
 * through the mapping; then vmap_check() passes too, and the heap's frames
 * are counted once the vmap area holds nothing.
 *
 * A model keeps every live allocation: its address, size, alignment asked
 * and the seed of the pattern written over all of it. After every step:
 * xmalloc_check() and heap_check() pass; the block just touched and a few
 * others hold their pattern; no two live allocations overlap; results are
 * aligned (16 bytes, the alignment asked, a page beyond the pool sizes);
 * xmalloc's statistics match the model (small blocks live, large
 * allocations and their exact frame counts); and every frame the heap lost
 * is a pool page or a large allocation's. A request is refused exactly when
 * it is invalid (overflow, a bad alignment, beyond the heap's largest
 * chunk): the machine is larger than the model can ever use. Freeing
 * everything gives every frame back.
 *
 * FUZZ_XMALLOC_TRACE=1 prints every operation as it runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/arch_mm.h>
#include <mica/domain_page.h>
#include <mica/host.h>
#include <mica/vmap.h>
#include <mica/xmalloc.h>
#include <mica/xvmalloc.h>

/*
 * 128 MiB: MAX_LIVE allocations of up to MAX_LARGE_PAGES, and their pools,
 * pin fewer than half of its 128 KiB chunks, so a request the model makes
 * is never refused for want of a contiguous run.
 */
#define FRAMES 32768
#define MAX_LIVE 256
#define MAX_LARGE_PAGES 24
#define MAX_OPS 800

#define FUZZ_NAME "fuzz_xmalloc"
#define FUZZ_TRACE_ENV "FUZZ_XMALLOC_TRACE"
#include "fuzz_util.h"

/* ---- the model ---- */

struct live {
	uint8_t *p;
	size_t size;
	uint32_t seed;
	bool pages; /* whole frames: page-aligned, from the heap directly */
	bool xv;    /* xvmalloc's beyond a page: vmalloc memory */
};
static struct live live[MAX_LIVE];

/*
 * vmap() of frames from the domheap, beside the allocations: each mapping
 * shows its frames, filled by seed through map_domain_page().
 */
#define MAX_VMAPS 8
#define VMAP_MAX_FRAMES 4
static struct vmapping {
	uint8_t *va;
	struct page_info *pg[VMAP_MAX_FRAMES];
	unsigned int nr;
	uint32_t seed;
} vmaps[MAX_VMAPS];
static unsigned int nr_vmaps;
static unsigned int nr_live;
static uint32_t next_seed;
static unsigned long start_free;

static bool is_large(size_t size)
{
	return size > XMALLOC_SMALL_MAX;
}

static unsigned long pages_of(size_t size)
{
	return size ? (size + PAGE_SIZE - 1) >> PAGE_SHIFT : 1;
}

/* Whether a request takes whole frames: too large, or too aligned. */
static bool takes_pages(size_t size, size_t align)
{
	size_t s = (size + 8 + 15) & ~(size_t)15;

	if (is_large(size))
		return true;
	if (s < 32)
		s = 32;
	return align > XMALLOC_ALIGN && s + align + 16 > 4032;
}

static uint8_t pattern(uint32_t seed, size_t i)
{
	return (uint8_t)((seed * 0x9e3779b1u + (uint32_t)i * 131u) >> 13);
}

static void fill(struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		l->p[i] = pattern(l->seed, i);
}

static void verify(const struct live *l, size_t n, const char *when)
{
	for (size_t i = 0; i < n; i++)
		REQUIRE(l->p[i] == pattern(l->seed, i),
			"%s: %p (%zu bytes, seed %u): byte %zu is %#x, not %#x",
			when, (void *)l->p, l->size, l->seed, i, l->p[i],
			pattern(l->seed, i));
}

#define NONE (~0u)

/*
 * What xmalloc's numbers must be, given the model. touched: the live entry
 * the step made or changed, or NONE. full: walk the heap too, which is the
 * slow part (else it is walked every eighth step).
 */
static void check_all(unsigned int touched, bool full)
{
	struct xmalloc_stats st;
	unsigned long small = 0, large = 0, large_pages = 0, nr_xv = 0;

	REQUIRE(xmalloc_check() == 0, "xmalloc_check failed");
	for (unsigned int i = 0; i < nr_live; i++) {
		if (live[i].xv) {
			nr_xv++;
		} else if (live[i].pages) {
			large++;
			large_pages += pages_of(live[i].size);
		} else {
			small++;
		}
	}
	xmalloc_get_stats(&st);
	REQUIRE(st.used_blocks == small, "%lu small blocks live, model %lu",
		st.used_blocks, small);
	REQUIRE(st.large_allocs == large && st.large_pages == large_pages,
		"%lu large allocations of %lu pages, model %lu of %lu",
		st.large_allocs, st.large_pages, large, large_pages);
	REQUIRE(st.pool_pages == xmalloc_pool_pages(),
		"pool pages %lu, counter %lu", st.pool_pages,
		xmalloc_pool_pages());
	REQUIRE(st.empty_pools <= 1 && (!st.empty_pools || st.used_blocks),
		"%lu empty pools kept with %lu blocks live", st.empty_pools,
		st.used_blocks);
	if ((nr_xv || nr_vmaps) && (full || nr_trace % 8 == 0))
		REQUIRE(vmap_check() == 0, "vmap_check failed");
	/* The vmap area's frames and page tables are its own to count. */
	if ((full || nr_trace % 8 == 0) && !nr_xv && !nr_vmaps) {
		REQUIRE(heap_check() == 0, "heap_check failed");
		REQUIRE(start_free - heap_free_pages() ==
				st.pool_pages + st.large_pages,
			"the heap lost %lu frames; pools hold %lu, large ones %lu",
			start_free - heap_free_pages(), st.pool_pages,
			st.large_pages);
	}
	/* The block touched, and one in eight of the others, in turn. */
	if (touched < nr_live) {
		verify(&live[touched], live[touched].size, "after the step");
		/* Whole frames cost exactly their number. */
		if (live[touched].pages && !live[touched].xv)
			REQUIRE(frame_table[arch_virt_to_mfn(live[touched].p)]
						.u.xmalloc.nr ==
					pages_of(live[touched].size),
				"%p (%zu bytes) holds %u frames",
				(void *)live[touched].p, live[touched].size,
				frame_table[arch_virt_to_mfn(live[touched].p)]
					.u.xmalloc.nr);
	}
	for (unsigned int i = nr_trace % 8; i < nr_live; i += 8)
		verify(&live[i], live[i].size, "a bystander");
}

/* A fresh result must be aligned and overlap nothing live. */
static void check_new(const uint8_t *p, size_t size, size_t align)
{
	size_t a = align > XMALLOC_ALIGN ? align : XMALLOC_ALIGN;

	REQUIRE(!((uintptr_t)p & (a - 1)), "%p (%zu bytes) not aligned to %zu",
		(void *)p, size, a);
	REQUIRE(!((uintptr_t)p & (PAGE_SIZE - 1)) == takes_pages(size, align),
		"%p (%zu bytes, aligned %zu) %s whole frames", (void *)p, size,
		align, takes_pages(size, align) ? "should be" : "is not");
	for (unsigned int i = 0; i < nr_live; i++) {
		const uint8_t *q = live[i].p;
		size_t qn = live[i].size ? live[i].size : 1;

		REQUIRE(p + (size ? size : 1) <= q || q + qn <= p,
			"%p (%zu bytes) overlaps %p (%zu bytes)", (void *)p,
			size, (void *)q, live[i].size);
	}
}

static void add_live(uint8_t *p, size_t size)
{
	struct live *l = &live[nr_live++];

	l->p = p;
	l->size = size;
	l->seed = next_seed++;
	l->pages = !((uintptr_t)p & (PAGE_SIZE - 1));
	l->xv = false;
	fill(l);
}

static void drop_live(unsigned int i)
{
	live[i] = live[--nr_live];
}

/* ---- operations ---- */

/* A size: mostly small, often at the edges, sometimes pages. */
static size_t pick_size(void)
{
	static const size_t edges[] = {
		0,    1,    8,	  16,	24,    25,
		40,   496,  511,  512,	1008,  1024,
		2032, 2048, 3968, 4008, 4016,  4023,
		4024, 4025, 4064, 4072, 4080,  4095,
		4096, 4097, 8191, 8192, 20480, PAGE_SIZE * 3 + 5,
	};
	unsigned int k = u8();

	switch (k % 8) {
	case 0:
	case 1:
	case 2:
		return u8();
	case 3:
	case 4:
		return u16() % 1100;
	case 5:
		return u16() % (XMALLOC_SMALL_MAX + 100);
	case 6:
		return edges[u8() % ARRAY_SIZE(edges)];
	default:
		return 1 + u16() % (MAX_LARGE_PAGES * PAGE_SIZE);
	}
}

static void op_alloc(unsigned int how)
{
	size_t size = pick_size(), align = 0;
	bool zero = how & 1;
	uint8_t *p;

	if (nr_live == MAX_LIVE)
		return;
	if (how & 2)
		align = 1UL << (u8() % 14); /* 1 .. 8192 */
	note("%s(%zu, %zu)", zero ? "_xzalloc" : "_xmalloc", size, align);
	if (!align)
		p = zero ? xzalloc_bytes(size) : xmalloc_bytes(size);
	else
		p = zero ? _xzalloc(size, align) : _xmalloc(size, align);
	if (align > PAGE_SIZE) {
		REQUIRE(!p, "alignment %zu accepted", align);
		return;
	}
	REQUIRE(p, "%zu bytes aligned %zu refused", size, align);
	check_new(p, size, align);
	if (zero)
		for (size_t i = 0; i < size; i++)
			REQUIRE(!p[i], "xzalloc: byte %zu of %p is %#x", i,
				(void *)p, p[i]);
	add_live(p, size);
	check_all(nr_live - 1, false);
}

/*
 * xvmalloc: xmalloc's rules up to a page, a vmap area beyond; the model
 * keeps both, and xvfree() must tell them apart.
 */
static void op_xvalloc(void)
{
	size_t size = pick_size(), align = u8() & 1 ? 1UL << (u8() % 13) : 0;
	bool zero = u8() & 1, xv;
	uint8_t *p;

	if (nr_live == MAX_LIVE)
		return;
	if (!size)
		size = 1;
	note("%s(%zu, %zu)", zero ? "_xvzalloc" : "_xvmalloc", size, align);
	p = zero ? _xvzalloc(size, align) : _xvmalloc(size, align);
	REQUIRE(p, "xvmalloc: %zu bytes aligned %zu refused", size, align);
	xv = size > PAGE_SIZE;
	REQUIRE(is_vmap_address(p) == xv, "xvmalloc(%zu) gave %p, %s vmap",
		size, (void *)p, xv ? "not" : "in");
	if (xv)
		REQUIRE(!((uintptr_t)p & (PAGE_SIZE - 1)),
			"vmalloc memory %p not page aligned", (void *)p);
	else
		check_new(p, size, align);
	if (zero)
		for (size_t i = 0; i < size; i++)
			REQUIRE(!p[i], "xvzalloc: byte %zu of %p is %#x", i,
				(void *)p, p[i]);
	add_live(p, size);
	if (xv) {
		live[nr_live - 1].xv = true;
		live[nr_live - 1].pages = false;
	}
	check_all(nr_live - 1, false);
}

static void vmap_verify(const struct vmapping *v)
{
	for (unsigned int f = 0; f < v->nr; f++)
		for (size_t i = 0; i < PAGE_SIZE; i += 509)
			REQUIRE(v->va[f * PAGE_SIZE + i] ==
					pattern(v->seed + f, i),
				"vmap %p: frame %u byte %zu is %#x",
				(void *)v->va, f, i, v->va[f * PAGE_SIZE + i]);
}

static void op_vmap(void)
{
	struct vmapping *v;
	mfn_t m[VMAP_MAX_FRAMES];

	if (nr_vmaps == MAX_VMAPS)
		return;
	v = &vmaps[nr_vmaps];
	v->nr = 1 + u8() % VMAP_MAX_FRAMES;
	v->seed = next_seed;
	next_seed += v->nr;
	for (unsigned int f = 0; f < v->nr; f++) {
		uint8_t *p;

		v->pg[f] = alloc_domheap_pages(NULL, 0, 0);
		REQUIRE(v->pg[f], "no frame for vmap");
		m[f] = page_to_mfn(v->pg[f]);
		p = map_domain_page(m[f]);
		for (size_t i = 0; i < PAGE_SIZE; i++)
			p[i] = pattern(v->seed + f, i);
		unmap_domain_page(p);
	}
	v->va = vmap(m, v->nr);
	note("vmap(%u frames) = %p", v->nr, (void *)v->va);
	REQUIRE(v->va && is_vmap_address(v->va), "vmap of %u frames gave %p",
		v->nr, (void *)v->va);
	REQUIRE(mfn_eq(vmap_to_mfn(v->va + (v->nr - 1) * PAGE_SIZE),
		       m[v->nr - 1]),
		"vmap_to_mfn of the last page");
	nr_vmaps++;
	vmap_verify(v);
	check_all(NONE, false);
}

static void vunmap_one(unsigned int i)
{
	struct vmapping v = vmaps[i];

	note("vunmap(%p [%u frames])", (void *)v.va, v.nr);
	vmap_verify(&v);
	vmaps[i] = vmaps[--nr_vmaps];
	vunmap(v.va);
	for (unsigned int f = 0; f < v.nr; f++)
		free_domheap_pages(v.pg[f], 0);
}

static void op_vunmap(void)
{
	if (!nr_vmaps)
		return;
	vunmap_one(u8() % nr_vmaps);
	check_all(NONE, false);
}

static void op_array(void)
{
	static const size_t elem[] = {1, 8, 24, 64, 4096, SIZE_MAX / 3};
	size_t e = elem[u8() % ARRAY_SIZE(elem)], n, bytes;
	bool zero = u8() & 1, over;
	uint8_t *p;

	if (nr_live == MAX_LIVE)
		return;
	n = u8() & 1 ? u16() % 600 : SIZE_MAX / e + (u8() % 3) - 1;
	over = __builtin_mul_overflow(e, n, &bytes);
	note("%s(%zu x %zu)", zero ? "_xzalloc_array" : "_xmalloc_array", e, n);
	p = zero ? _xzalloc_array(e, 0, n) : _xmalloc_array(e, 0, n);
	if (over || bytes > (PAGE_SIZE << MAX_ORDER)) {
		REQUIRE(!p, "%zu x %zu (overflow %d) accepted", e, n, over);
		return;
	}
	if (bytes > MAX_LARGE_PAGES * PAGE_SIZE) {
		/* Valid, but more than the model budgets for: give it back. */
		if (p)
			xfree(p);
		check_all(NONE, false);
		return;
	}
	REQUIRE(p, "%zu x %zu refused", e, n);
	check_new(p, bytes, 0);
	if (zero)
		for (size_t i = 0; i < bytes; i++)
			REQUIRE(!p[i], "xzalloc_array: byte %zu is %#x", i,
				p[i]);
	add_live(p, bytes);
	check_all(nr_live - 1, false);
}

static void op_realloc(void)
{
	unsigned int i;
	size_t size = pick_size(), old;
	struct live *l;
	uint8_t *q;

	if (!nr_live) {
		note("xrealloc(NULL, %zu)", size);
		q = xrealloc(NULL, size);
		REQUIRE(q, "xrealloc(NULL, %zu) refused", size);
		check_new(q, size, 0);
		add_live(q, size);
		check_all(nr_live - 1, false);
		return;
	}
	i = u8() % nr_live;
	l = &live[i];
	if (l->xv)
		return; /* vmalloc memory: not xrealloc's */
	old = l->size;
	note("xrealloc(%p [%zu], %zu)", (void *)l->p, old, size);
	verify(l, old, "before xrealloc");
	/* Take it out of the model while the result is checked. */
	{
		struct live saved = *l;

		drop_live(i);
		q = xrealloc(saved.p, size);
		REQUIRE(q, "xrealloc to %zu refused", size);
		if (q != saved.p)
			check_new(q, size, 0);
		saved.p = q;
		verify(&saved, MIN(old, size), "after xrealloc");
		saved.size = size;
		saved.pages = !((uintptr_t)q & (PAGE_SIZE - 1));
		live[nr_live++] = saved;
		fill(&live[nr_live - 1]);
	}
	check_all(nr_live - 1, false);
}

static jmp_buf panic_jb;

/* fn must panic, saying one of the texts, and change nothing. */
#define EXPECT_PANIC(call, text1, text2)                                   \
	do {                                                               \
		if (!setjmp(panic_jb)) {                                   \
			host_panic_jmp = &panic_jb;                        \
			call;                                              \
			host_panic_jmp = NULL;                             \
			fail("%s did not panic", #call);                   \
		}                                                          \
		REQUIRE(strstr(host_panic_msg, text1) ||                   \
				strstr(host_panic_msg, text2),             \
			"%s panicked with \"%s\"", #call, host_panic_msg); \
	} while (0)

static void op_free(bool twice)
{
	unsigned int i;
	bool via_xv;
	uint8_t *p;

	if (!nr_live)
		return;
	i = u8() % nr_live;
	p = live[i].p;
	/* xvfree() takes either kind; vmalloc memory only it. */
	via_xv = live[i].xv || (u8() & 1);
	note("%s(%p [%zu])%s", via_xv ? "xvfree" : "xfree", (void *)p,
	     live[i].size, twice ? " twice" : "");
	verify(&live[i], live[i].size, "before xfree");
	if (live[i].xv)
		twice = false; /* vfree's own checks are fuzz_vmap's */
	drop_live(i);
	if (via_xv)
		xvfree(p);
	else
		xfree(p);
	if (twice)
		EXPECT_PANIC(xfree(p), "freed twice", "not xmalloc's");
	check_all(NONE, false);
}

static void op_bad_pointer(void)
{
	struct live *l;
	size_t off;

	if (!nr_live)
		return;
	l = &live[u8() % nr_live];
	if (l->size <= 16 || l->xv)
		return;
	/* Inside the allocation, never its start. */
	off = 16 * (1 + u16() % ((l->size - 1) / 16));
	if (off >= l->size)
		return;
	note("xfree(%p + %zu) [%zu bytes]", (void *)l->p, off, l->size);
	EXPECT_PANIC(xfree(l->p + off), "not a pointer xmalloc returned",
		     "misaligned");
	check_all(NONE, false);
}

static void free_all(void)
{
	note("free all %u, and %u vmaps", nr_live, nr_vmaps);
	while (nr_vmaps)
		vunmap_one(nr_vmaps - 1);
	while (nr_live) {
		verify(&live[nr_live - 1], live[nr_live - 1].size,
		       "at the end");
		nr_live--;
		xvfree(live[nr_live].p); /* either kind */
	}
	check_all(NONE, true);
	REQUIRE(heap_free_pages() == start_free && xmalloc_pool_pages() == 0,
		"all freed, yet the heap is %lu frames short and %lu pools remain",
		start_free - heap_free_pages(), xmalloc_pool_pages());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_begin(data, size);
	nr_live = 0;
	nr_vmaps = 0;
	next_seed = 1;
	/* A machine per input, so that a crash replays alone. */
	heap_scramble = u8() & 1;
	if (host_machine_init(FRAMES))
		fail("host_machine_init failed");
	start_free = heap_free_pages();
	for (unsigned int step = 1; in_n && step <= MAX_OPS; step++) {
		switch (u8() % 16) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_alloc(0);
			break;
		case 4:
			op_alloc(1);
			break;
		case 5:
		case 6:
			op_alloc(2 + (u8() & 1));
			break;
		case 7:
			if (u8() & 1)
				op_array();
			else
				op_xvalloc();
			break;
		case 8:
		case 9:
			op_realloc();
			break;
		case 10:
		case 11:
		case 12:
			op_free(false);
			break;
		case 13:
			op_free(true);
			break;
		case 14:
			switch (u8() % 4) {
			case 0:
				op_bad_pointer();
				break;
			case 1:
				op_vunmap();
				break;
			default:
				op_vmap();
				break;
			}
			break;
		default:
			if (u8() % 4 == 0)
				free_all();
			break;
		}
	}
	free_all();
	host_machine_fini();
	host_log_hook = NULL;
	return 0;
}
