/* SPDX-License-Identifier: MIT */
/* Placeholders until the page-type and memory_op work lands. */
#include <mica/errno.h>
#include <mica/pv_mm.h>

long do_mmu_update(unsigned long a, unsigned long b, unsigned long c,
		   unsigned long d);
long do_update_va_mapping(unsigned long a, unsigned long b, unsigned long c);
long do_mmuext_op(unsigned long a, unsigned long b, unsigned long c,
		  unsigned long d);
long do_memory_op(unsigned long a, unsigned long b);

long do_mmu_update(unsigned long a, unsigned long b, unsigned long c,
		   unsigned long d)
{
	return -ENOSYS;
}
long do_update_va_mapping(unsigned long a, unsigned long b, unsigned long c)
{
	return -ENOSYS;
}
long do_mmuext_op(unsigned long a, unsigned long b, unsigned long c,
		  unsigned long d)
{
	return -ENOSYS;
}
long do_memory_op(unsigned long a, unsigned long b)
{
	return -ENOSYS;
}
void put_page_and_type(struct page_info *pg)
{
}
void pv_relinquish_page_types(struct domain *d)
{
}
bool get_page(struct page_info *pg, const struct domain *d)
{
	return false;
}
void put_page(struct page_info *pg)
{
}
int get_page_type(struct page_info *pg, unsigned long type)
{
	return -EINVAL;
}
int get_page_and_type(struct page_info *pg, const struct domain *d,
		      unsigned long type)
{
	return -EINVAL;
}
