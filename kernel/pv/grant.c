/* SPDX-License-Identifier: MIT */
/*
 * Grant tables, as far as a guest without backends needs them: a version-1
 * table of up to MAX_GRANT_FRAMES frames the guest can map and write
 * (setup_table, query_size, set_version, get_version). Nothing maps or
 * copies grants yet: there is no other domain to serve.
 */
#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <public/grant_table.h>

#include "pv.h"

#define MAX_GRANT_FRAMES 4

struct grant_table {
	void *frames[MAX_GRANT_FRAMES];
	unsigned int nr_frames;
};

void grant_table_destroy(struct domain *d)
{
	struct grant_table *gt = d->grant_table;

	if (!gt)
		return;
	for (unsigned int i = 0; i < gt->nr_frames; i++) {
		unshare_xen_page_with_guest(virt_to_page(gt->frames[i]), d);
		free_xenheap_pages(gt->frames[i], 0);
	}
	xfree(gt);
	d->grant_table = NULL;
}

static int16_t grow(struct domain *d, unsigned int nr)
{
	struct grant_table *gt = d->grant_table;

	if (nr > MAX_GRANT_FRAMES)
		return GNTST_general_error;
	if (!gt) {
		gt = d->grant_table = xzalloc(struct grant_table);
		if (!gt)
			return GNTST_no_space;
	}
	while (gt->nr_frames < nr) {
		void *f = alloc_xenheap_pages(0, MEMF_zero);

		if (!f)
			return GNTST_no_space;
		share_xen_page_with_guest(virt_to_page(f), d);
		gt->frames[gt->nr_frames++] = f;
	}
	return GNTST_okay;
}

static long setup_table(struct domain *d, unsigned long arg)
{
	struct gnttab_setup_table s;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.dom != DOMID_SELF && s.dom != d->domain_id)
		s.status = GNTST_permission_denied;
	else
		s.status = grow(d, s.nr_frames);
	for (unsigned int i = 0; s.status == GNTST_okay && i < s.nr_frames;
	     i++) {
		xen_pfn_t mfn = arch_virt_to_mfn(d->grant_table->frames[i]);

		if (copy_to_guest(s.frame_list + i * sizeof(mfn), &mfn,
				  sizeof(mfn)))
			return -EFAULT;
	}
	return copy_to_guest(arg, &s, sizeof(s)) ? -EFAULT : 0;
}

long do_grant_table_op(unsigned long cmd, unsigned long arg,
		       unsigned long count)
{
	struct domain *d = current->domain;

	switch (cmd) {
	case GNTTABOP_setup_table:
		if (count != 1)
			return -EINVAL;
		return setup_table(d, arg);
	case GNTTABOP_query_size: {
		struct gnttab_query_size q;

		if (count != 1)
			return -EINVAL;
		if (copy_from_guest(&q, arg, sizeof(q)))
			return -EFAULT;
		q.nr_frames = d->grant_table ? d->grant_table->nr_frames : 0;
		q.max_nr_frames = MAX_GRANT_FRAMES;
		q.status = q.dom == DOMID_SELF || q.dom == d->domain_id
				   ? GNTST_okay
				   : GNTST_permission_denied;
		return copy_to_guest(arg, &q, sizeof(q)) ? -EFAULT : 0;
	}
	case GNTTABOP_set_version: {
		struct gnttab_set_version v;

		if (count != 1)
			return -EINVAL;
		if (copy_from_guest(&v, arg, sizeof(v)))
			return -EFAULT;
		/* Version 2 is not implemented: the guest stays on 1. */
		if (v.version != 1) {
			v.version = 1;
			if (copy_to_guest(arg, &v, sizeof(v)))
				return -EFAULT;
			return -EINVAL;
		}
		return 0;
	}
	case GNTTABOP_get_version: {
		struct gnttab_get_version v;

		if (copy_from_guest(&v, arg, sizeof(v)))
			return -EFAULT;
		v.version = 1;
		return copy_to_guest(arg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	default:
		return -ENOSYS;
	}
}
