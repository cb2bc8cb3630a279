/* SPDX-License-Identifier: MIT */
/*
 * CPUs. mica runs on the boot CPU only for now; per-CPU state is laid out
 * for NR_CPUS of them so that bringing up the others changes no layout.
 */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#define NR_CPUS 8

static inline unsigned int smp_processor_id(void)
{
	return 0;
}

#endif
