/* SPDX-License-Identifier: MIT */
/*
 * memory_op for PV guests; include/mica/memory_op.h has the contract.
 *
 * A PV guest keeps its own pfn-to-mfn list and learns from these calls
 * which frames it got; mica keeps the M2P, which says for every frame the
 * pfn its owner knows it by. Every path keeps that true: a frame handed out
 * has its entry set (populate, exchange) or invalid (increase), and a frame
 * given back loses it at once, even if it lives on while mapped.
 *
 * Extent lists are copied BATCH entries at a time, one guest copy each; a
 * batch is redone entry by entry only when it faults, to find where the
 * guest's list stops. An extent whose mfn cannot be written back is freed
 * again at once: the guest never learnt of it, so it is neither counted nor
 * kept.
 *
 * The reservation ops and exchange give the CPU back between two extents
 * (two chunks) when hypercall_preempt_check() says so, and continue as
 * Xen's do (include/mica/hypercall.h): with the extents done as the start
 * extent in cmd, with exchange's progress in nr_exchanged.
 */
#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/m2p.h>
#include <mica/memory_op.h>
#include <mica/pv_mm.h>
#include <mica/xvmalloc.h>
#include <public/memory.h>

#define BATCH 64 /* list entries per guest copy */
/* A continuation must fit the extent in cmd's upper bits, as in Xen. */
#define MAX_EXTENTS (UINT32_MAX >> MEMOP_EXTENT_SHIFT)
/* The node numbers Xen accepts from a privileged domain. */
#define MAX_NUMNODES 64
#define NUMA_NO_NODE 0xffU

/* The largest extent_order d may ask for (Xen's memop-max-order). */
static unsigned int max_order(const struct domain *d)
{
	return MIN(d->max_extent_order, MAX_ORDER);
}

/*
 * 0 if id names d. Any other domain is refused, as Xen refuses a domain
 * that may not manage it: -ESRCH if there is none, -EPERM otherwise.
 */
static int target(const struct domain *d, domid_t id)
{
	if (id == DOMID_SELF || id == d->domain_id)
		return 0;
	for (const struct domain *o = domain_list; o; o = o->next)
		if (o->domain_id == id)
			return -EPERM;
	return -ESRCH;
}

/*
 * Xen's NUMA checks on mem_flags, for a machine of one node: a node is
 * a hint, refused only where Xen refuses it.
 */
static bool node_ok(const struct domain *d, unsigned int xmf)
{
	unsigned int node = XENMEMF_get_node(xmf);

	if (node == NUMA_NO_NODE)
		return true;
	if (d->is_privileged)
		return node < MAX_NUMNODES;
	return !(xmf & XENMEMF_exact_node_request);
}

/* The heap flags for a reservation's mem_flags, or -EINVAL. */
static int reservation_flags(const struct domain *d, unsigned int xmf,
			     unsigned int *memflags)
{
	unsigned int bits = XENMEMF_get_address_bits(xmf), order = 0;

	*memflags = MEMF_guest;
	/* A width the machine's frames all fit in limits nothing. */
	while ((1UL << order) < max_page)
		order++;
	if (bits && bits < order + PAGE_SHIFT) {
		if (bits <= PAGE_SHIFT)
			return -EINVAL;
		*memflags |= MEMF_bits(bits);
	}
	/* A vNUMA node: mica's domains have no vNUMA, so it is no limit. */
	if (!(xmf & XENMEMF_vnode) && !node_ok(d, xmf))
		return -EINVAL;
	return 0;
}

/* Whether entries [first, end) of the guest list at base are guest memory. */
static bool list_ok(unsigned long base, unsigned long first, unsigned long end)
{
	unsigned long va;

	if (first > end || end > ~0UL / sizeof(xen_pfn_t) ||
	    __builtin_add_overflow(base, first * sizeof(xen_pfn_t), &va))
		return false;
	return guest_range_ok(va, (end - first) * sizeof(xen_pfn_t));
}

static int copy_entries(xen_pfn_t *buf, unsigned long va, unsigned long n,
			bool out)
{
	size_t len = n * sizeof(*buf);

	return out ? copy_to_guest(va, buf, len)
		   : copy_from_guest(buf, va, len);
}

/*
 * Copy entries [first, first + n) of the guest list at base in, or out:
 * how many could be, in one copy unless the list faults part-way.
 */
static unsigned long copy_list(xen_pfn_t *buf, unsigned long base,
			       unsigned long first, unsigned long n, bool out)
{
	unsigned long va = base + first * sizeof(*buf), i;

	if (!copy_entries(buf, va, n, out))
		return n;
	for (i = 0; i < n; i++)
		if (copy_entries(buf + i, va + i * sizeof(*buf), 1, out))
			break;
	return i;
}

/* The M2P entries of an extent: gpfn + j for mfn + j, or all invalid. */
static void set_m2p(unsigned long mfn, unsigned int order, unsigned long gpfn)
{
	for (unsigned long j = 0; j < (1UL << order); j++)
		set_gpfn_from_mfn(_mfn(mfn + j), gpfn == INVALID_M2P_ENTRY
							 ? INVALID_M2P_ENTRY
							 : gpfn + j);
}

/*
 * Give back a frame of d's: out of the M2P, and its allocation reference
 * dropped, so that it returns to the heap as soon as nothing maps it.
 */
static void give_back(struct page_info *pg)
{
	set_gpfn_from_mfn(page_to_mfn(pg), INVALID_M2P_ENTRY);
	put_page_alloc_ref(pg);
}

/* ---- the reservation ops ---- */

struct memop {
	struct domain *d;
	unsigned long list; /* extent_start */
	unsigned long nr;   /* nr_extents */
	unsigned int order;
	unsigned int memflags;
	unsigned long done; /* the start extent, then the extents done */
	unsigned long start;
	bool preempted; /* stopped at done to continue later */
};

/* Whether to stop before extent i: never before the first of this call. */
static bool preempt(struct memop *a, unsigned long i)
{
	if (i == a->start || !hypercall_preempt_check())
		return false;
	a->preempted = true;
	return true;
}

/*
 * increase_reservation and populate_physmap: each extent allocated, its
 * M2P entries set (to the gpfns the list holds) or made invalid, and its
 * first mfn written to the list.
 */
static void allocate_extents(struct memop *a, bool populate)
{
	xen_pfn_t buf[BATCH];

	while (a->done < a->nr) {
		unsigned long want = MIN(a->nr - a->done, BATCH), n = want;
		unsigned long k, told;

		if (populate)
			n = copy_list(buf, a->list, a->done, want, false);
		for (k = 0; k < n; k++) {
			struct page_info *pg;

			if (preempt(a, a->done + k))
				break;
			pg = alloc_domheap_pages(a->d, a->order, a->memflags);
			if (!pg)
				break;
			set_m2p(mfn_x(page_to_mfn(pg)), a->order,
				populate ? buf[k] : INVALID_M2P_ENTRY);
			buf[k] = mfn_x(page_to_mfn(pg));
		}
		told = a->list ? copy_list(buf, a->list, a->done, k, true) : k;
		for (unsigned long e = told; e < k; e++) {
			set_m2p(buf[e], a->order, INVALID_M2P_ENTRY);
			free_domheap_pages(mfn_to_page(_mfn(buf[e])), a->order);
		}
		a->done += told;
		/* A list that faulted is the end, not a pause. */
		if (told < k)
			a->preempted = false;
		if (told < want)
			return;
	}
}

/* One frame of a decrease_reservation: 0, or why it cannot be given back. */
static int remove_page(struct domain *d, unsigned long mfn)
{
	struct page_info *pg;

	if (!mfn_valid(_mfn(mfn)))
		return -EINVAL;
	pg = mfn_to_page(_mfn(mfn));
	/* mica's own pages shared with the guest (shared_info) stay. */
	if (pg->count_info & PGC_xen_heap)
		return -ENXIO;
	if (!get_page(pg, d))
		return -ENXIO;
	give_back(pg);
	put_page(pg);
	return 0;
}

static void decrease(struct memop *a)
{
	xen_pfn_t buf[BATCH];

	while (a->done < a->nr) {
		unsigned long want = MIN(a->nr - a->done, BATCH);
		unsigned long n = copy_list(buf, a->list, a->done, want, false);

		for (unsigned long k = 0; k < n; k++) {
			if (preempt(a, a->done + k)) {
				a->done += k;
				return;
			}
			for (unsigned long j = 0; j < (1UL << a->order); j++)
				if (remove_page(a->d, buf[k] + j)) {
					a->done += k;
					return;
				}
		}
		a->done += n;
		if (n < want)
			return;
	}
}

static long reservation_op(struct domain *d, unsigned int op,
			   unsigned long start, unsigned long arg)
{
	struct xen_memory_reservation r;
	struct memop a = {.d = d, .done = start, .start = start};

	/* Refused as a whole: no extent done beyond the start. */
	if (copy_from_guest(&r, arg, sizeof(r)) || r.nr_extents > MAX_EXTENTS ||
	    start >= r.nr_extents || target(d, r.domid) || d->is_dying ||
	    reservation_flags(d, r.mem_flags, &a.memflags) ||
	    r.extent_order > max_order(d))
		return start;
	/* Populate-on-demand is for translated guests, never on oneself. */
	if (op == XENMEM_populate_physmap &&
	    (r.mem_flags & XENMEMF_populate_on_demand))
		return start;
	a.list = r.extent_start;
	a.nr = r.nr_extents;
	a.order = r.extent_order;
	/* increase_reservation may have no list: the guest wants no mfns. */
	if ((a.list || op != XENMEM_increase_reservation) &&
	    !list_ok(a.list, start, a.nr))
		return start;
	if (op == XENMEM_decrease_reservation)
		decrease(&a);
	else
		allocate_extents(&a, op == XENMEM_populate_physmap);
	if (a.preempted)
		return hypercall_continue(__HYPERVISOR_memory_op,
					  op | a.done << MEMOP_EXTENT_SHIFT,
					  arg);
	return (long)a.done;
}

/* ---- exchange ---- */

/*
 * Whether d may give pg away in an exchange: its own and holding only its
 * allocation reference, so that no page table, pin or descriptor slot
 * reaches it (Xen's steal_page() rule).
 */
static bool exchangeable(const struct page_info *pg, const struct domain *d)
{
	const unsigned long mask =
		PGC_inuse | PGC_xen_heap | PGC_allocated | PGC_count_mask;

	return pg->v.owner == d &&
	       (pg->count_info & mask) == (PGC_inuse | PGC_allocated | 1) &&
	       !(pg->u.type_info & (PGT_count_mask | PGT_pinned));
}

/* The end of a chain of stolen frames: no frame number is this. */
#define NO_FRAME PGT_count_mask

/*
 * A frame taken for an exchange holds no reference at all, so that a
 * second listing of it fails exchangeable() as a free frame would. The
 * type count of its type_info, which is 0, holds instead the next frame of
 * the chunk's input (frame numbers are 32-bit), as Xen's steal_page() puts
 * them on a list: the exchange needs no memory but its output.
 */
static void steal(struct page_info *pg, unsigned long *chain)
{
	pg->count_info &= ~(PGC_allocated | PGC_count_mask);
	pg->u.type_info |= *chain;
	*chain = mfn_x(page_to_mfn(pg));
}

/* Put the stolen frames back as they were, or give them back for good. */
static void unsteal(unsigned long chain, bool give)
{
	while (chain != NO_FRAME) {
		struct page_info *pg = mfn_to_page(_mfn(chain));

		chain = pg->u.type_info & PGT_count_mask;
		pg->u.type_info &= ~PGT_count_mask;
		pg->count_info |= PGC_allocated | 1;
		if (give)
			give_back(pg);
	}
}

struct exchange {
	struct domain *d;
	struct xen_memory_exchange x;
	/* The input and output extents of a chunk, as orders. */
	unsigned int in_chunk, out_chunk;
	unsigned int memflags;
	bool preempted; /* stopped at nr_exchanged to continue later */
};

/* Steal chunk i's input frames onto *chain: 0, or -errno. */
static int steal_input(const struct exchange *e, unsigned long i,
		       unsigned long *chain)
{
	unsigned long n_in = 1UL << e->in_chunk, first = i << e->in_chunk;
	unsigned long frames = 1UL << e->x.in.extent_order;
	xen_pfn_t buf[BATCH];

	for (unsigned long k = 0; k < n_in; k += BATCH) {
		unsigned long n = MIN(BATCH, n_in - k);
		unsigned long got = copy_list(buf, e->x.in.extent_start,
					      first + k, n, false);

		/* The entries before a fault first, as Xen reads them. */
		for (unsigned long b = 0; b < got; b++) {
			if (buf[b] >= max_page || frames > max_page - buf[b])
				return -EINVAL;
			for (unsigned long j = 0; j < frames; j++) {
				struct page_info *pg =
					mfn_to_page(_mfn(buf[b] + j));

				if (!exchangeable(pg, e->d))
					return -EINVAL;
				steal(pg, chain);
			}
		}
		if (got < n)
			return -EFAULT;
	}
	return 0;
}

/* Whether chunk i's output gpfns can be read. */
static bool output_readable(const struct exchange *e, unsigned long i)
{
	unsigned long n_out = 1UL << e->out_chunk, first = i << e->out_chunk;
	xen_pfn_t buf[BATCH];

	for (unsigned long k = 0; k < n_out; k += BATCH) {
		unsigned long n = MIN(BATCH, n_out - k);

		if (copy_list(buf, e->x.out.extent_start, first + k, n, false) <
		    n)
			return false;
	}
	return true;
}

/*
 * Chunk i's output extents, unowned, linked in order through their first
 * frame's next; PAGE_LIST_NULL if the heap has not got them all.
 */
static uint32_t allocate_output(const struct exchange *e)
{
	unsigned int order = e->x.out.extent_order;
	uint32_t head = PAGE_LIST_NULL, *tail = &head;

	for (unsigned long j = 0; j < (1UL << e->out_chunk); j++) {
		struct page_info *pg =
			alloc_domheap_pages(e->d, order, e->memflags);

		if (!pg) {
			while (head != PAGE_LIST_NULL) {
				pg = frame_table + head;
				head = pg->next;
				free_domheap_pages(pg, order);
			}
			return PAGE_LIST_NULL;
		}
		pg->next = PAGE_LIST_NULL;
		*tail = (uint32_t)mfn_x(page_to_mfn(pg));
		tail = &pg->next;
	}
	return head;
}

/*
 * The output of chunk i becomes d's, in the M2P at the gpfns the list
 * holds, their mfns written over them. -EFAULT if the list faults now:
 * the exchange is done all the same, as in Xen.
 */
static int assign_output(const struct exchange *e, unsigned long i,
			 uint32_t head)
{
	unsigned long n_out = 1UL << e->out_chunk, first = i << e->out_chunk;
	unsigned int order = e->x.out.extent_order;
	xen_pfn_t buf[BATCH];
	int rc = 0;

	for (unsigned long k = 0; k < n_out; k += BATCH) {
		unsigned long n = MIN(BATCH, n_out - k);
		unsigned long got = copy_list(buf, e->x.out.extent_start,
					      first + k, n, false);

		for (unsigned long b = 0; b < n; b++) {
			struct page_info *pg = frame_table + head;
			unsigned long mfn = mfn_x(page_to_mfn(pg));

			head = pg->next;
			/* As many frames as the input that was just freed. */
			if (assign_pages(e->d, pg, order, 0))
				BUG();
			set_m2p(mfn, order,
				b < got ? buf[b] : INVALID_M2P_ENTRY);
			buf[b] = mfn;
		}
		if (got < n || copy_list(buf, e->x.out.extent_start, first + k,
					 n, true) < n)
			rc = -EFAULT;
	}
	return rc;
}

/*
 * Exchange chunk i: 0, or -errno with nothing of it done (but -EFAULT
 * after the commit: done, and its mfns could not all be written back).
 */
static int exchange_chunk(const struct exchange *e, unsigned long i)
{
	unsigned long chain = NO_FRAME;
	uint32_t out;
	int rc;

	rc = steal_input(e, i, &chain);
	if (!rc && !output_readable(e, i))
		rc = -EFAULT;
	if (rc) {
		unsteal(chain, false);
		return rc;
	}
	out = allocate_output(e);
	if (out == PAGE_LIST_NULL) {
		unsteal(chain, false);
		return -ENOMEM;
	}
	/* The commit: nothing below can fail. */
	unsteal(chain, true);
	return assign_output(e, i, out);
}

static long exchange_chunks(struct exchange *e)
{
	struct xen_memory_exchange *x = &e->x;
	unsigned long first, i;
	int rc = 0;

	if (x->in.extent_order <= x->out.extent_order)
		e->in_chunk = x->out.extent_order - x->in.extent_order;
	else
		e->out_chunk = x->in.extent_order - x->out.extent_order;
	first = x->nr_exchanged >> e->in_chunk;
	if (!list_ok(x->in.extent_start, x->nr_exchanged, x->in.nr_extents) ||
	    !list_ok(x->out.extent_start, first << e->out_chunk,
		     x->out.nr_extents))
		return -EFAULT;
	if (!node_ok(e->d, x->out.mem_flags))
		return -EINVAL;
	rc = target(e->d, x->in.domid);
	if (rc)
		return rc;
	/*
	 * The commit frees the input before it assigns the output: a domain
	 * above its max_pages (never the case today) could not take it back.
	 */
	if (e->d->tot_pages > e->d->max_pages)
		return -ENOMEM;
	e->memflags = MEMF_no_owner | MEMF_guest |
		      MEMF_bits(XENMEMF_get_address_bits(x->out.mem_flags));
	for (i = first; i < x->in.nr_extents >> e->in_chunk; i++) {
		if (i != first && hypercall_preempt_check()) {
			e->preempted = true;
			break;
		}
		rc = exchange_chunk(e, i);
		if (rc)
			break;
	}
	x->nr_exchanged =
		rc || e->preempted ? i << e->in_chunk : x->in.nr_extents;
	return rc;
}

static long exchange(struct domain *d, unsigned long arg)
{
	struct exchange e = {.d = d};
	struct xen_memory_exchange *x = &e.x;
	long rc;

	if (copy_from_guest(x, arg, sizeof(*x)))
		return -EFAULT;
	/* The order check comes first: it bounds the shifts below. */
	if (MAX(x->in.extent_order, x->out.extent_order) > max_order(d))
		rc = -EPERM;
	else if (x->nr_exchanged > x->in.nr_extents ||
		 x->in.domid != x->out.domid ||
		 (~0UL >> x->in.extent_order) < x->in.nr_extents ||
		 (~0UL >> x->out.extent_order) < x->out.nr_extents ||
		 x->in.nr_extents << x->in.extent_order !=
			 x->out.nr_extents << x->out.extent_order)
		rc = -EINVAL;
	else if (x->nr_exchanged == x->in.nr_extents)
		return 0;
	else
		rc = exchange_chunks(&e);
	if (copy_to_guest(
		    arg + offsetof(struct xen_memory_exchange, nr_exchanged),
		    &x->nr_exchanged, sizeof(x->nr_exchanged)))
		return -EFAULT;
	if (e.preempted)
		return hypercall_continue(__HYPERVISOR_memory_op,
					  XENMEM_exchange, arg);
	return rc;
}

/* ---- what a guest can learn ---- */

static long machphys_mfn_list(unsigned long arg)
{
	struct xen_machphys_mfn_list l;
	unsigned long *mfns = NULL;
	long rc = 0;

	if (copy_from_guest(&l, arg, sizeof(l)))
		return -EFAULT;
	l.nr_extents = MIN(l.max_extents, arch_m2p_mfns(NULL, 0));
	if (l.nr_extents) {
		mfns = xvmalloc_array(unsigned long, l.nr_extents);
		if (!mfns)
			return -ENOMEM;
		arch_m2p_mfns(mfns, l.nr_extents);
	}
	if (copy_to_guest(l.extent_start, mfns, l.nr_extents * sizeof(*mfns)) ||
	    copy_to_guest(arg, &l, sizeof(l)))
		rc = -EFAULT;
	xvfree(mfns);
	return rc;
}

static long machphys_mapping(unsigned long arg)
{
	struct xen_machphys_mapping m = {
		.v_start = RO_MPT_VIRT_START,
		.v_end = RO_MPT_VIRT_END,
		.max_mfn = ((RO_MPT_VIRT_END - RO_MPT_VIRT_START) >> 3) - 1,
	};

	return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* The pseudo-physical map: RAM from 0 up to max_pages. */
static long memory_map(const struct domain *d, unsigned long arg)
{
	struct xen_memory_map m;
	struct e820entry e = {.addr = 0, .type = E820_RAM};

	if (copy_from_guest(&m, arg, sizeof(m)))
		return -EFAULT;
	e.size = d->max_pages > (~0UL >> PAGE_SHIFT)
			 ? PAGE_MASK
			 : (uint64_t)d->max_pages << PAGE_SHIFT;
	m.nr_entries = MIN(m.nr_entries, 1U);
	if (copy_to_guest(m.buffer, &e, m.nr_entries * sizeof(e)) ||
	    copy_to_guest(arg, &m, sizeof(m)))
		return -EFAULT;
	return 0;
}

static long reservation(const struct domain *d, unsigned int op,
			unsigned long arg)
{
	domid_t id;
	int rc;

	if (copy_from_guest(&id, arg, sizeof(id)))
		return -EFAULT;
	rc = target(d, id);
	if (rc)
		return rc;
	return (long)MIN(op == XENMEM_current_reservation ? d->tot_pages
							  : d->max_pages,
			 ~0UL >> 1);
}

long do_memory_op(unsigned long cmd, unsigned long arg)
{
	struct domain *d = current->domain;
	unsigned long start = cmd >> MEMOP_EXTENT_SHIFT;
	unsigned int op = cmd & MEMOP_CMD_MASK;

	switch (op) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation_op(d, op, start, arg);
	case XENMEM_exchange:
		return start ? -EINVAL : exchange(d, arg);
	case XENMEM_maximum_ram_page:
		return start ? -EINVAL : (long)max_page;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return start ? -EINVAL : reservation(d, op, arg);
	}
	/* Xen's arch sub-ops see the whole cmd: a start extent is no sub-op. */
	if (start)
		return -ENOSYS;
	switch (op) {
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case XENMEM_machphys_mapping:
		return machphys_mapping(arg);
	case XENMEM_memory_map:
		return memory_map(d, arg);
	}
	return -ENOSYS;
}
