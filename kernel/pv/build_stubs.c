/* SPDX-License-Identifier: MIT */
/*
 * Placeholders for the two page-type calls the builder makes, until
 * mm/pv_mm.c (branch pv-mm) provides them: weak, so that the real ones
 * win as soon as they are linked in. Delete this file then. Until then
 * pv_build() refuses every domain at its typing step, as it must: a guest
 * whose tables nobody validated must not run.
 */
#include <mica/errno.h>
#include <mica/pv_mm.h>

__attribute__((weak)) int pv_pin_table(struct domain *d, mfn_t mfn,
				       unsigned int level)
{
	return -EOPNOTSUPP;
}

__attribute__((weak)) int pv_unpin_table(struct domain *d, mfn_t mfn)
{
	return -EINVAL;
}
