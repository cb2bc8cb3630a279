/* SPDX-License-Identifier: MIT */
/*
 * sysctl for the initial domain, as Xen's do_sysctl checks it: the op is
 * copied in whole, its interface version must be Xen 4.17's (-EACCES), and
 * only a privileged domain may issue any (-EPERM). Of the sub-ops only
 * debug_keys is served: each key runs mica's debug-key handler, whose
 * output goes to the console log as a key typed on the serial line would.
 */
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/keyhandler.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <public/sysctl.h>

#include "pv.h"

static long debug_keys(const struct xen_sysctl_debug_keys *k)
{
	for (uint32_t i = 0; i < k->nr_keys; i++) {
		char c;

		if (copy_from_guest(&c, k->keys + i, 1))
			return -EFAULT;
		keyhandler_handle((unsigned char)c);
	}
	return 0;
}

long do_sysctl(unsigned long arg)
{
	struct xen_sysctl op;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
		return -EACCES;
	if (!current->domain->is_privileged)
		return -EPERM;
	switch (op.cmd) {
	case XEN_SYSCTL_debug_keys:
		return debug_keys(&op.u.debug_keys);
	}
	return -ENOSYS;
}
