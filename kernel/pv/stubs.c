/* SPDX-License-Identifier: MIT */
/* A placeholder until memory_op lands. */
#include <mica/errno.h>

long do_memory_op(unsigned long a, unsigned long b);
long do_memory_op(unsigned long a, unsigned long b)
{
	return -ENOSYS;
}
