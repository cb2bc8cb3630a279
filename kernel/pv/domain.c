/* SPDX-License-Identifier: MIT */
/*
 * Creating, shutting down and destroying domains.
 *
 * A shutdown (the guest's sched_op, or a crash) only marks the domain
 * dying: its vCPU may be deep in a hypercall on its own stack and page
 * tables. The idle loop destroys it later (domain_reap()), on mica's
 * tables: page-type references dropped, every page freed, the M2P entries
 * reset, then an audit that no frame still names the domain.
 */
#include <asm/processor.h>
#include <mica/arch_mm.h>
#include <mica/console.h>
#include <mica/domain_page.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/m2p.h>
#include <mica/mm.h>
#include <mica/param.h>
#include <mica/pv_mm.h>
#include <mica/sched.h>
#include <mica/vmap.h>
#include <mica/xmalloc.h>
#include <public/sched.h>

#include "pv.h"

struct domain *domain_list;

/* memop_max_order=N: the largest extent an ordinary domain may ask for. */
static unsigned int memop_max_order = PAGEBLOCK_ORDER;
integer_param("memop_max_order", memop_max_order);
static unsigned long audit_baseline;
static bool audit_ok = true;

extern const char pv_first_entry[];

struct page_info *virt_to_page(const void *va)
{
	return mfn_to_page(_mfn(arch_virt_to_mfn(va)));
}

/*
 * A xenheap page the guest may map (shared_info): owned by d for get_page,
 * with a writable type reference held for good, so that it can never
 * become one of the guest's page tables.
 */
void share_xen_page_with_guest(struct page_info *pg, struct domain *d)
{
	pg->v.owner = d;
	pg->count_info = (pg->count_info & ~PGC_count_mask) | PGC_allocated | 1;
	pg->u.type_info = PGT_writable_page | PGT_validated | 1;
}

void unshare_xen_page_with_guest(struct page_info *pg, const struct domain *d)
{
	if ((pg->count_info & PGC_count_mask) != 1)
		printk(LOG_ERR
		       "(d%u) shared page %#lx still has %lu references\n",
		       d->domain_id, mfn_x(page_to_mfn(pg)),
		       (pg->count_info & PGC_count_mask) - 1);
	pg->count_info &= ~(PGC_allocated | PGC_count_mask);
	pg->u.type_info = 0;
	pg->v.owner = NULL;
}

static struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v = xzalloc(struct vcpu);
	unsigned long *sp;

	if (!v)
		return NULL;
	v->stack = vzalloc(STACK_SIZE);
	if (!v->stack) {
		xfree(v);
		return NULL;
	}
	v->vcpu_id = id;
	v->domain = d;
	v->state = VCPU_down;
	v->guest_table = v->guest_table_user = INVALID_MFN;
	v->kernel_mode = true;
	v->periodic_period = 10000000; /* ns: Xen's default */
	v->regs = (struct cpu_regs *)((char *)v->stack + STACK_SIZE) - 1;
	/* What switch_stack() pops the first time: six registers, then pv_first_entry. */
	sp = (unsigned long *)v->regs - 7;
	sp[6] = (unsigned long)pv_first_entry;
	v->hyp_rsp = (unsigned long)sp;
	v->vcpu_info = &d->shared_info->vcpu_info[id];
	v->vcpu_info->evtchn_upcall_mask = 1;
	/* The x87/SSE state after fninit: FCW 0x37f, MXCSR 0x1f80. */
	*(uint16_t *)&v->fpu_state[0] = 0x37f;
	*(uint32_t *)&v->fpu_state[24] = 0x1f80;
	d->vcpu[id] = v;
	return v;
}

static void vcpu_destroy(struct vcpu *v)
{
	vfree(v->stack);
	xfree(v);
}

struct domain *domain_create(domid_t id, const char *name,
			     unsigned long max_pages, bool privileged)
{
	struct domain *d = xzalloc(struct domain);
	struct domain **tail;

	if (!d)
		return NULL;
	if (memop_max_order > MAX_ORDER) {
		printk(LOG_WARN "memop_max_order=%u is above %u: using %u\n",
		       memop_max_order, MAX_ORDER, MAX_ORDER);
		memop_max_order = MAX_ORDER;
	}
	if (!audit_baseline)
		audit_baseline = heap_free_pages();
	d->free_before = heap_free_pages();
	domain_mm_init(d, id, max_pages);
	mica_strlcpy(d->name, name, sizeof(d->name));
	d->is_privileged = privileged;
	d->max_extent_order = privileged ? MAX_ORDER : memop_max_order;
	d->console_mfn = d->store_mfn = INVALID_MFN;
	d->shared_info = alloc_xenheap_pages(0, MEMF_zero);
	if (!d->shared_info)
		goto fail;
	share_xen_page_with_guest(virt_to_page(d->shared_info), d);
	d->max_vcpus = 1;
	if (!vcpu_create(d, 0) || evtchn_init(d))
		goto fail;
	pv_init_wallclock(d);
	for (tail = &domain_list; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	return d;
fail:
	printk(LOG_ERR "(d%u) out of memory creating the domain\n", id);
	domain_free(d);
	return NULL;
}

/* Drop every reference a vCPU's page-table pointers hold. */
static void vcpu_release_tables(struct vcpu *v)
{
	if (!mfn_eq(v->guest_table, INVALID_MFN))
		put_page_and_type(mfn_to_page(v->guest_table));
	if (!mfn_eq(v->guest_table_user, INVALID_MFN))
		put_page_and_type(mfn_to_page(v->guest_table_user));
	v->guest_table = v->guest_table_user = INVALID_MFN;
	pv_release_gdt(v);
}

/* Free what d holds; d is on no list and runs nowhere. */
void domain_free(struct domain *d)
{
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			vcpu_release_tables(d->vcpu[i]);
	pv_relinquish_page_types(d);
	/* Every frame the domain owns goes back with its M2P entry reset. */
	for (uint32_t m = d->page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next)
		set_gpfn_from_mfn(_mfn(m), INVALID_M2P_ENTRY);
	domain_relinquish_memory(d);
	evtchn_destroy(d);
	grant_table_destroy(d);
	if (d->shared_info) {
		unshare_xen_page_with_guest(virt_to_page(d->shared_info), d);
		free_xenheap_pages(d->shared_info, 0);
	}
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			vcpu_destroy(d->vcpu[i]);
	xfree(d);
}

/* Frames that still name d as their owner: a leak if there are any. */
static unsigned long count_owned(const struct domain *d)
{
	unsigned long n = 0;

	for (unsigned long m = 0; m < max_page; m++)
		if ((frame_table[m].count_info & PGC_inuse) &&
		    frame_table[m].v.owner == d)
			n++;
	return n;
}

static void domain_destroy(struct domain *d)
{
	unsigned long pages = d->tot_pages, owned;
	domid_t id = d->domain_id;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			sched_remove(d->vcpu[i]);
	domain_free(d);
	owned = count_owned(d);
	if (owned)
		audit_ok = false;
	printk("(d%u) destroyed: %lu pages returned, %lu still owned\n", id,
	       pages, owned);
}

void domain_reap(void)
{
	struct domain **p = &domain_list;

	while (*p) {
		struct domain *d = *p;

		/* Not the running one: it is on its own stack and tables. */
		if (d->is_dying && d != current->domain) {
			*p = d->next;
			domain_destroy(d);
		} else {
			p = &d->next;
		}
	}
	sched_domain_gone();
}

/*
 * Every domain is gone: the heap must have every frame back that it had
 * before the first was built, less nothing.
 */
void pv_audit_all(void)
{
	unsigned long now = heap_free_pages();
	long leaked = (long)audit_baseline - (long)now;

	if (!audit_baseline)
		return;
	if (leaked > 0)
		audit_ok = false;
	printk("audit: %ld pages leaked (free %lu before the domains, %lu after)%s\n",
	       leaked > 0 ? leaked : 0, audit_baseline, now,
	       audit_ok ? "" : " FAIL");
}

static const char *const shutdown_names[] = {
	[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",	  [SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog",
};

void domain_shutdown(struct domain *d, unsigned int reason)
{
	if (d->is_dying)
		return;
	d->is_dying = true;
	d->shutdown_code = reason;
	if (reason != SHUTDOWN_crash)
		printk("(d%u) shut down: %s\n", d->domain_id,
		       reason < ARRAY_SIZE(shutdown_names) &&
				       shutdown_names[reason]
			       ? shutdown_names[reason]
			       : "unknown reason");
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i] && d->vcpu[i] != current)
			sched_remove(d->vcpu[i]);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (d->is_dying)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ERR "(d%u) crashed: %s\n", d->domain_id, msg);
	domain_shutdown(d, SHUTDOWN_crash);
}
