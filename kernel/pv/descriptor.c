/* SPDX-License-Identifier: MIT */
/*
 * A guest's own GDT: set_gdt hands mica the frames of its descriptor
 * table, update_descriptor changes one entry. The frames become
 * PGT_seg_desc_page, so the guest can no longer map them writable, and
 * every descriptor in them is checked first: code and data segments have
 * their privilege level raised to 3 (the guest kernel runs in ring 3), and
 * system descriptors (call gates, TSS, LDT) are refused, so that a guest
 * descriptor can never lead into ring 0. A present system descriptor of
 * type 0 is no descriptor at all (the CPU refuses to load it), so it is
 * accepted as it is, as Xen accepts it.
 *
 * Unlike Xen, which accepts 64-bit call gates to the guest's own code
 * selectors and emulates their use, mica refuses every call gate: no PV
 * guest of today's needs one.
 */
#include <asm/desc.h>
#include <mica/domain_page.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/pv_mm.h>

#include "pv.h"

#define DESC_TYPE (0xfUL << 40)
#define DESC_S (1UL << 44) /* code or data, not a system descriptor */
#define DESC_DPL (3UL << 45)
#define DESC_P (1UL << 47)

/* Check one descriptor, fixing its DPL; false if the guest may not have it. */
static bool check_descriptor(uint64_t *d)
{
	if (!(*d & DESC_P))
		return true; /* never loaded as it is */
	if (!(*d & DESC_S))
		return !(*d &
			 DESC_TYPE); /* type 0 is harmless, anything else not */
	*d |= DESC_DPL;
	return true;
}

/* Check and fix every descriptor of frame mfn, as Xen does, whatever the limit. */
static bool check_frame(mfn_t mfn)
{
	uint64_t *t = map_domain_page(mfn);
	bool ok = true;

	for (unsigned int i = 0; i < 512 && ok; i++) {
		uint64_t d = t[i];

		ok = check_descriptor(&d);
		if (ok && d != t[i])
			t[i] = d;
	}
	unmap_domain_page(t);
	return ok;
}

long do_set_gdt(unsigned long frame_list, unsigned long entries);
long do_set_gdt(unsigned long frame_list, unsigned long entries)
{
	struct vcpu *v = current;
	struct domain *d = v->domain;
	mfn_t frames[NR_GUEST_GDT_FRAMES];
	unsigned long list[NR_GUEST_GDT_FRAMES];
	unsigned int nr = (unsigned int)((entries + 511) / 512), i;

	if (entries > NR_GUEST_GDT_ENTRIES)
		return -EINVAL;
	/* The whole list first, as Xen: a list that faults is -EFAULT. */
	if (copy_from_guest(list, frame_list, nr * sizeof(list[0])))
		return -EFAULT;
	for (i = 0; i < nr; i++) {
		struct page_info *pg;

		frames[i] = _mfn(list[i]);
		pg = mfn_valid(frames[i]) ? mfn_to_page(frames[i]) : NULL;
		if (!pg || get_page_and_type(pg, d, PGT_seg_desc_page))
			goto bad;
		if (!check_frame(frames[i])) {
			put_page_and_type(pg);
			goto bad;
		}
	}
	pv_release_gdt(v);
	memcpy(v->gdt_frames, frames, nr * sizeof(frames[0]));
	v->nr_gdt_frames = nr;
	v->gdt_ents = (unsigned int)entries;
	gdt_set_guest_frames(v->gdt_frames, nr);
	return 0;
bad:
	while (i--)
		put_page_and_type(mfn_to_page(frames[i]));
	return -EINVAL;
}

long do_update_descriptor(unsigned long ma, unsigned long desc);
long do_update_descriptor(unsigned long ma, unsigned long desc)
{
	struct domain *d = current->domain;
	mfn_t mfn = maddr_to_mfn(ma);
	struct page_info *pg;
	uint64_t *t;
	unsigned long type;
	uint64_t val = desc;

	if ((ma & 7) || !mfn_valid(mfn) || !check_descriptor(&val))
		return -EINVAL;
	pg = mfn_to_page(mfn);
	if (!get_page(pg, d))
		return -EINVAL;
	/* A descriptor page stays one; any other frame must be writable. */
	type = (pg->u.type_info & PGT_type_mask) == PGT_seg_desc_page &&
			       (pg->u.type_info & PGT_count_mask)
		       ? PGT_seg_desc_page
		       : PGT_writable_page;
	if (get_page_type(pg, type)) {
		put_page(pg);
		return -EINVAL;
	}
	t = map_domain_page(mfn);
	t[(ma & ~PAGE_MASK) / 8] = val;
	unmap_domain_page(t);
	put_page_and_type(pg);
	return 0;
}
