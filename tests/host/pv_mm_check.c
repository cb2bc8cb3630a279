/* SPDX-License-Identifier: MIT */
/*
 * The audit of tests/host/pv_mm_check.h. It knows the rules, not the code:
 * what each kind of holder takes is written out again here from Xen's
 * rules (and mica's for superpages, include/mica/pv_mm.h), and the counts
 * mm/pv_mm.c keeps must come out the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/domain_page.h>
#include <mica/host.h>
#include <mica/paging.h>
#include <mica/pv_mm.h>

#include "pv_mm_check.h"

/* What the holders add up to, per frame. */
struct want {
	unsigned long refs, types;
	long linear_held, linear_on; /* linear entries in it, and mapping it */
};

static char msg[256];

#define FAIL(...)                                        \
	do {                                             \
		snprintf(msg, sizeof(msg), __VA_ARGS__); \
		goto out;                                \
	} while (0)

static unsigned long type_of(unsigned long m)
{
	return frame_table[m].u.type_info & PGT_type_mask;
}

static unsigned long tcount(unsigned long m)
{
	return frame_table[m].u.type_info & PGT_count_mask;
}

static bool is_table(unsigned long type)
{
	return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

static bool owned(const struct domain *d, unsigned long m)
{
	return m < max_page && (frame_table[m].count_info & PGC_inuse) &&
	       frame_table[m].v.owner == d;
}

/* A vCPU's reference of the given type on m, if it holds one. */
static const char *vcpu_ref(const struct domain *d, struct want *w, mfn_t mfn,
			    unsigned long type)
{
	unsigned long m = mfn_x(mfn);

	if (mfn_eq(mfn, INVALID_MFN))
		return NULL;
	if (!owned(d, m) || type_of(m) != type || !tcount(m) ||
	    !(frame_table[m].u.type_info & PGT_validated)) {
		snprintf(msg, sizeof(msg),
			 "a vCPU holds mfn %#lx, type_info %#lx", m,
			 frame_table[m].u.type_info);
		return msg;
	}
	w[m].refs++;
	w[m].types++;
	return NULL;
}

/*
 * A superpage: an L2 entry with PSE, e at slot i of m, maps 512 frames
 * from a 2 MiB-aligned mfn, each of them held as by an L1 entry with e's
 * rights: a general reference, and a writable type when it is writable.
 */
static const char *superpage_refs(const struct domain *d, struct want *w,
				  unsigned long m, unsigned int i, uint64_t e)
{
	unsigned long first = (e & PADDR_MASK) >> PAGE_SHIFT;

	if ((e & (_PAGE_PWT | _PAGE_PCD)) || (first & 511) ||
	    !(e & _PAGE_USER)) {
		snprintf(msg, sizeof(msg), "L2 %#lx slot %u holds %#lx", m, i,
			 e);
		return msg;
	}
	for (unsigned long f = first; f < first + 512; f++) {
		if (!owned(d, f)) {
			snprintf(
				msg, sizeof(msg),
				"L2 %#lx slot %u: superpage %#lx maps mfn %#lx, not d%u's",
				m, i, e, f, d->domain_id);
			return msg;
		}
		w[f].refs++;
		if (!(e & _PAGE_RW))
			continue;
		w[f].types++;
		if (type_of(f) != PGT_writable_page) {
			snprintf(
				msg, sizeof(msg),
				"L2 %#lx slot %u: writable superpage over %#lx of type %#lx",
				m, i, f, type_of(f));
			return msg;
		}
	}
	return NULL;
}

/*
 * The entries of validated table m: what each holds, and whether it may.
 * *supers counts its superpages.
 */
static const char *table_refs(const struct domain *d, struct want *w,
			      unsigned long m, unsigned long *supers)
{
	unsigned int level = (unsigned int)(type_of(m) >> 61);
	uint64_t *t = map_domain_page(_mfn(m));
	const char *res = NULL;

	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		unsigned long tm = (e & PADDR_MASK) >> PAGE_SHIFT;
		uint64_t bad = level == 1 ? _PAGE_PWT | _PAGE_PCD | _PAGE_PAT
					  : _PAGE_PWT | _PAGE_PCD | _PAGE_PSE |
						    _PAGE_GLOBAL;

		if (level == 4 && i >= HYPERVISOR_L4_FIRST &&
		    i <= HYPERVISOR_L4_LAST) {
			if (e != HOST_PV_L4_SLOT(i))
				FAIL("L4 %#lx slot %u holds %#lx, not mica's",
				     m, i, e);
			continue;
		}
		if (!(e & _PAGE_PRESENT))
			continue;
		if (level == 2 && (e & _PAGE_PSE)) {
			if ((res = superpage_refs(d, w, m, i, e)))
				goto out;
			(*supers)++;
			continue;
		}
		if ((e & bad) || !(e & _PAGE_USER))
			FAIL("L%u %#lx slot %u holds %#lx", level, m, i, e);
		if (!owned(d, tm))
			FAIL("L%u %#lx slot %u maps mfn %#lx, not d%u's", level,
			     m, i, tm, d->domain_id);
		if (level == 1) {
			w[tm].refs++;
			if (!(e & _PAGE_RW))
				continue;
			w[tm].types++;
			if (type_of(tm) != PGT_writable_page)
				FAIL("L1 %#lx slot %u maps %#lx (type %#lx) writable",
				     m, i, tm, type_of(tm));
			continue;
		}
		if (tm == m) {
			if (e & _PAGE_RW)
				FAIL("L%u %#lx maps itself writable", level, m);
			continue;
		}
		w[tm].refs++;
		w[tm].types++;
		if (type_of(tm) == PGT_lN_page_table(level) &&
		    !(e & _PAGE_RW)) {
			w[m].linear_held++;
			w[tm].linear_on++;
		} else if (type_of(tm) != PGT_lN_page_table(level - 1)) {
			FAIL("L%u %#lx slot %u maps %#lx of type %#lx", level,
			     m, i, tm, type_of(tm));
		}
	}
out:
	if (msg[0])
		res = msg;
	unmap_domain_page(t);
	return res;
}

const char *pv_mm_violation(const struct domain *d)
{
	struct want *w = calloc(max_page, sizeof(*w));
	const char *res = NULL;
	unsigned long supers = 0;

	msg[0] = '\0';
	if (!w)
		FAIL("out of memory");
	for (uint32_t m = d->page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next) {
		const struct page_info *pg = frame_table + m;

		if (!owned(d, m))
			FAIL("mfn %#x on d%u's list is not its", m,
			     d->domain_id);
		if (pg->count_info & PGC_allocated)
			w[m].refs++;
		if (pg->u.type_info & PGT_pinned) {
			if (!is_table(type_of(m)))
				FAIL("mfn %#x pinned with type_info %#lx", m,
				     pg->u.type_info);
			w[m].refs++;
			w[m].types++;
		}
		if (tcount(m) && !(pg->u.type_info & PGT_validated))
			FAIL("mfn %#x in use, not validated: %#lx", m,
			     pg->u.type_info);
		if (!tcount(m) && is_table(type_of(m)) &&
		    (pg->u.type_info & PGT_validated))
			FAIL("mfn %#x validated without a type reference", m);
	}
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		const struct vcpu *v = d->vcpu[i];

		if (!v)
			continue;
		if ((res = vcpu_ref(d, w, v->guest_table, PGT_l4_page_table)) ||
		    (res = vcpu_ref(d, w, v->guest_table_user,
				    PGT_l4_page_table)))
			goto out;
		for (unsigned int f = 0; f < v->nr_gdt_frames; f++)
			if ((res = vcpu_ref(d, w, v->gdt_frames[f],
					    PGT_seg_desc_page)))
				goto out;
	}
	for (uint32_t m = d->page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next)
		if (is_table(type_of(m)) && tcount(m) &&
		    (res = table_refs(d, w, m, &supers)))
			goto out;
	if (d->nr_superpages != supers)
		FAIL("d%u counts %lu superpages; its tables hold %lu",
		     d->domain_id, d->nr_superpages, supers);
	for (uint32_t m = d->page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next) {
		const struct page_info *pg = frame_table + m;
		long linear = (int16_t)(pg->u.type_info >> PGT_linear_shift);

		if ((pg->count_info & PGC_count_mask) != w[m].refs ||
		    tcount(m) != w[m].types)
			FAIL("mfn %#x: count %lu, type count %lu; its holders make %lu and %lu",
			     m, pg->count_info & PGC_count_mask, tcount(m),
			     w[m].refs, w[m].types);
		if (w[m].linear_held && w[m].linear_on)
			FAIL("mfn %#x: %ld linear entries, and mapped by %ld",
			     m, w[m].linear_held, w[m].linear_on);
		if (is_table(type_of(m)) && tcount(m) &&
		    linear != w[m].linear_held - w[m].linear_on)
			FAIL("mfn %#x: linear count %ld, its entries make %ld",
			     m, linear, w[m].linear_held - w[m].linear_on);
	}
out:
	free(w);
	return msg[0] ? msg : res;
}

void pv_test_domain(struct domain *d, struct vcpu *v, domid_t id,
		    unsigned long max_pages)
{
	memset(d, 0, sizeof(*d));
	memset(v, 0, sizeof(*v));
	domain_mm_init(d, id, max_pages);
	v->domain = d;
	v->kernel_mode = true;
	v->guest_table = v->guest_table_user = INVALID_MFN;
	d->vcpu[0] = v;
	d->max_vcpus = 1;
	host_current = v;
}
