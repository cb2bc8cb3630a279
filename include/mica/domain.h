/* SPDX-License-Identifier: MIT */
/*
 * Domains. For now what the heap needs: ownership and accounting of pages.
 * The PV issue grows this into the full domain.
 */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include <mica/mm.h>

typedef uint16_t domid_t;

struct domain {
	domid_t domain_id;

	/* Pages assigned to the domain, linked through page_info.next/prev. */
	struct page_list_head page_list;
	unsigned long tot_pages; /* pages on page_list */
	unsigned long max_pages; /* assign_pages refuses beyond this */
};

/* Set up the memory fields of a new domain. */
void domain_mm_init(struct domain *d, domid_t id, unsigned long max_pages);

/* Free every page d still owns; returns how many. */
unsigned long domain_relinquish_memory(struct domain *d);

#endif
