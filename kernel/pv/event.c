/* SPDX-License-Identifier: MIT */
/*
 * Event channels, the 2-level ABI: a domain's ports are bits in
 * shared_info (evtchn_pending, evtchn_mask). Raising an unmasked port sets
 * its selector bit and the vCPU's upcall_pending, which the return path
 * turns into an upcall (kernel/pv/traps.c), and wakes a vCPU blocked or
 * polling on it.
 *
 * What the console needs, and the timer: ports bound to VIRQ_TIMER, ports
 * mica itself is the other end of (an ordinary domain's console ring: a
 * send on it makes mica drain the ring), and the operations on them:
 * alloc_unbound towards the domain itself or mica, bind_virq, send, close,
 * status, unmask, bind_vcpu.
 */
#include <mica/domain_page.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/xmalloc.h>
#include <public/event_channel.h>
#include <public/io/console.h>

#include "pv.h"

#define NR_PORTS 64 /* the first word of the 2-level bitmap */

enum evtchn_state { ECS_FREE, ECS_UNBOUND, ECS_VIRQ, ECS_XEN, ECS_RESERVED };

struct evtchn {
	enum evtchn_state state;
	unsigned int virq;
	domid_t remote;
};

int evtchn_init(struct domain *d)
{
	d->evtchn = xzalloc_array(struct evtchn, NR_PORTS);
	if (!d->evtchn)
		return -ENOMEM;
	d->nr_evtchn = NR_PORTS;
	/* Port 0 is never handed out, as in Xen. */
	d->evtchn[0].state = ECS_RESERVED;
	return 0;
}

void evtchn_destroy(struct domain *d)
{
	xfree(d->evtchn);
	d->evtchn = NULL;
	d->nr_evtchn = 0;
}

static int alloc_port(struct domain *d)
{
	for (unsigned int p = 1; p < d->nr_evtchn; p++)
		if (d->evtchn[p].state == ECS_FREE)
			return (int)p;
	return -ENOSPC;
}

void evtchn_set_pending(struct domain *d, unsigned int port)
{
	struct shared_info *s = d->shared_info;
	struct vcpu *v = d->vcpu[0];
	unsigned long bit = 1UL << (port % 64), word = port / 64;

	if (port >= d->nr_evtchn || (s->evtchn_pending[word] & bit))
		return;
	__atomic_or_fetch(&s->evtchn_pending[word], bit, __ATOMIC_SEQ_CST);
	if (v->polling && (v->poll_mask[0] & bit))
		vcpu_wake(v);
	if (s->evtchn_mask[word] & bit)
		return;
	__atomic_or_fetch(&v->vcpu_info->evtchn_pending_sel, 1UL << word,
			  __ATOMIC_SEQ_CST);
	v->vcpu_info->evtchn_upcall_pending = 1;
	vcpu_wake(v);
}

/* A port towards mica (the console ring's), bound from the start. */
int evtchn_alloc_unbound_xen(struct domain *d)
{
	int p = alloc_port(d);

	if (p > 0) {
		d->evtchn[p].state = ECS_XEN;
		d->evtchn[p].remote = DOMID_XEN;
	}
	return p;
}

void pv_timer_fired(struct vcpu *v)
{
	struct domain *d = v->domain;

	for (unsigned int p = 1; p < d->nr_evtchn; p++)
		if (d->evtchn[p].state == ECS_VIRQ &&
		    d->evtchn[p].virq == VIRQ_TIMER)
			evtchn_set_pending(d, p);
}

/* Everything the guest has written to its console ring, to the log. */
void evtchn_console_kick(struct domain *d)
{
	struct xencons_interface *r;
	char buf[64];

	if (mfn_eq(d->console_mfn, INVALID_MFN))
		return;
	r = map_domain_page(d->console_mfn);
	for (;;) {
		XENCONS_RING_IDX cons =
			__atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
		XENCONS_RING_IDX prod =
			__atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
		unsigned int n = 0;

		/* A hostile producer may claim anything: take at most a ring's worth. */
		if (prod - cons > sizeof(r->out))
			cons = prod - sizeof(r->out);
		while (cons != prod && n < sizeof(buf))
			buf[n++] = r->out[cons++ % sizeof(r->out)];
		if (!n)
			break;
		pv_console_put(d, buf, n);
		__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	}
	unmap_domain_page(r);
}

static long evtchn_send(struct domain *d, unsigned int port)
{
	if (port >= d->nr_evtchn)
		return -EINVAL;
	switch (d->evtchn[port].state) {
	case ECS_XEN:
		if (port == d->console_port)
			evtchn_console_kick(d);
		return 0;
	case ECS_UNBOUND:
	case ECS_VIRQ:
		return 0; /* nobody at the other end */
	default:
		return -EINVAL;
	}
}

long do_event_channel_op(unsigned long cmd, unsigned long arg)
{
	struct domain *d = current->domain;

	switch (cmd) {
	case EVTCHNOP_alloc_unbound: {
		struct evtchn_alloc_unbound a;
		int p;

		if (copy_from_guest(&a, arg, sizeof(a)))
			return -EFAULT;
		if (a.dom != DOMID_SELF && a.dom != d->domain_id)
			return -EPERM;
		p = alloc_port(d);
		if (p < 0)
			return p;
		d->evtchn[p].state = ECS_UNBOUND;
		d->evtchn[p].remote = a.remote_dom;
		a.port = (evtchn_port_t)p;
		if (copy_to_guest(arg, &a, sizeof(a))) {
			d->evtchn[p].state = ECS_FREE;
			return -EFAULT;
		}
		return 0;
	}
	case EVTCHNOP_bind_virq: {
		struct evtchn_bind_virq b;
		int p;

		if (copy_from_guest(&b, arg, sizeof(b)))
			return -EFAULT;
		if (b.virq >= NR_VIRQS || b.vcpu >= d->max_vcpus)
			return -EINVAL;
		if (b.virq != VIRQ_TIMER && b.virq != VIRQ_DEBUG &&
		    b.virq != VIRQ_CONSOLE && b.virq != VIRQ_DOM_EXC)
			return -EINVAL;
		for (unsigned int q = 1; q < d->nr_evtchn; q++)
			if (d->evtchn[q].state == ECS_VIRQ &&
			    d->evtchn[q].virq == b.virq)
				return -EEXIST;
		p = alloc_port(d);
		if (p < 0)
			return p;
		d->evtchn[p].state = ECS_VIRQ;
		d->evtchn[p].virq = b.virq;
		b.port = (evtchn_port_t)p;
		if (copy_to_guest(arg, &b, sizeof(b))) {
			d->evtchn[p].state = ECS_FREE;
			return -EFAULT;
		}
		return 0;
	}
	case EVTCHNOP_send: {
		struct evtchn_send s;

		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		return evtchn_send(d, s.port);
	}
	case EVTCHNOP_close: {
		struct evtchn_close c;

		if (copy_from_guest(&c, arg, sizeof(c)))
			return -EFAULT;
		if (c.port == 0 || c.port >= d->nr_evtchn ||
		    d->evtchn[c.port].state == ECS_FREE)
			return -EINVAL;
		if (d->evtchn[c.port].state == ECS_XEN)
			return -EINVAL; /* the console's stays */
		d->evtchn[c.port].state = ECS_FREE;
		return 0;
	}
	case EVTCHNOP_status: {
		struct evtchn_status st;
		static const uint32_t stat[] = {
			[ECS_FREE] = EVTCHNSTAT_closed,
			[ECS_UNBOUND] = EVTCHNSTAT_unbound,
			[ECS_VIRQ] = EVTCHNSTAT_virq,
			[ECS_XEN] = EVTCHNSTAT_interdomain,
			[ECS_RESERVED] = EVTCHNSTAT_closed,
		};

		if (copy_from_guest(&st, arg, sizeof(st)))
			return -EFAULT;
		if (st.dom != DOMID_SELF && st.dom != d->domain_id)
			return -ESRCH;
		if (st.port >= d->nr_evtchn)
			return -EINVAL;
		st.status = stat[d->evtchn[st.port].state];
		st.vcpu = 0;
		memset(&st.u, 0, sizeof(st.u));
		if (d->evtchn[st.port].state == ECS_VIRQ)
			st.u.virq = d->evtchn[st.port].virq;
		return copy_to_guest(arg, &st, sizeof(st)) ? -EFAULT : 0;
	}
	case EVTCHNOP_unmask: {
		struct evtchn_unmask u;
		struct shared_info *s = d->shared_info;

		if (copy_from_guest(&u, arg, sizeof(u)))
			return -EFAULT;
		if (u.port >= d->nr_evtchn)
			return -EINVAL;
		__atomic_and_fetch(&s->evtchn_mask[u.port / 64],
				   ~(1UL << (u.port % 64)), __ATOMIC_SEQ_CST);
		if (s->evtchn_pending[u.port / 64] & (1UL << (u.port % 64))) {
			struct vcpu_info *vi = d->vcpu[0]->vcpu_info;

			__atomic_or_fetch(&vi->evtchn_pending_sel,
					  1UL << (u.port / 64),
					  __ATOMIC_SEQ_CST);
			vi->evtchn_upcall_pending = 1;
		}
		return 0;
	}
	case EVTCHNOP_bind_vcpu: {
		struct evtchn_bind_vcpu b;

		if (copy_from_guest(&b, arg, sizeof(b)))
			return -EFAULT;
		if (b.port >= d->nr_evtchn || b.vcpu >= d->max_vcpus)
			return -EINVAL;
		return 0; /* one vCPU: it is bound there already */
	}
	default:
		return -ENOSYS;
	}
}
