/* SPDX-License-Identifier: MIT */
/* Placeholders until the memory_op work lands. */
#include <mica/errno.h>

long do_memory_op(unsigned long a, unsigned long b);

long do_memory_op(unsigned long a, unsigned long b)
{
	return -ENOSYS;
}
