/* SPDX-License-Identifier: MIT */
/*
 * contig: the contiguity experiments of issue 6 in one test guest, chosen
 * by its command line (exp=remap, exp=dma, exp=balloon; several may be
 * given; none means all, one after another). One domain running them in
 * turn measures each on a host no other experiment is allocating from at
 * the same time. contig.h has the result-line format.
 */
#include <public/sysctl.h>

#include "contig.h"

static struct ktap_case cases[16];

/*
 * The heap dumps go through sysctl debug_keys: Xen's checks, in Xen's
 * order (the interface version first, then the caller's privilege).
 */
static void test_sysctl_debug_keys(void)
{
	static const char keys[] = "p";
	struct xen_sysctl op = {
		.cmd = XEN_SYSCTL_debug_keys,
		.interface_version = XEN_SYSCTL_INTERFACE_VERSION - 1,
	};

	set_xen_guest_handle(op.u.debug_keys.keys, keys);
	op.u.debug_keys.nr_keys = 1;
	expect_rc(hypercall1(__HYPERVISOR_sysctl, &op), -XEN_EACCES);
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	if (!is_initial_domain()) {
		expect_rc(hypercall1(__HYPERVISOR_sysctl, &op), -XEN_EPERM);
		return;
	}
	op.u.debug_keys.keys = HYPERVISOR_VIRT_START;
	expect_rc(hypercall1(__HYPERVISOR_sysctl, &op), -XEN_EFAULT);
	expect_rc(heap_dump("sysctl-test"), 0);
}

static unsigned int add(unsigned int n, const struct ktap_case *c,
			unsigned int nr)
{
	for (unsigned int i = 0; i < nr && n < ARRAY_SIZE(cases); i++)
		cases[n++] = c[i];
	return n;
}

int main(void)
{
	bool all = !cmdline_has("exp=remap") && !cmdline_has("exp=dma") &&
		   !cmdline_has("exp=balloon");
	unsigned int n = 1;

	cases[0] = (struct ktap_case)KTAP_CASE(test_sysctl_debug_keys);
	if (all || cmdline_has("exp=remap"))
		n = add(n, remap_cases, nr_remap_cases);
	if (all || cmdline_has("exp=dma"))
		n = add(n, dma_cases, nr_dma_cases);
	if (all || cmdline_has("exp=balloon"))
		n = add(n, balloon_cases, nr_balloon_cases);
	return ktap_main("contig", cases, n);
}
