/* SPDX-License-Identifier: MIT */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <mica/types.h>

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_MP (1UL << 1)
#define X86_CR0_EM (1UL << 2)
#define X86_CR0_TS (1UL << 3)
#define X86_CR0_NE (1UL << 5)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_AM (1UL << 18)
#define X86_CR0_PG (1UL << 31)

#define X86_CR4_PSE (1UL << 4)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_PGE (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_OSXSAVE (1UL << 18)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)

#define MSR_EFER 0xc0000080
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_NXE (1UL << 11)
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_APIC_BASE 0x1b

#define X86_EFLAGS_IF (1UL << 9)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(sub));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                   \
	static inline unsigned long read_cr##n(void)                   \
	{                                                              \
		unsigned long v;                                       \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                              \
	}                                                              \
	static inline void write_cr##n(unsigned long v)                \
	{                                                              \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline void local_irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void local_irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

static inline unsigned long local_save_flags(void)
{
	unsigned long f;

	asm volatile("pushf; pop %0" : "=r"(f));
	return f;
}

static inline void halt(void)
{
	asm volatile("hlt" ::: "memory");
}

static inline void invlpg(const void *va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* CPU features mica cares about, read once at boot (kernel/cpu.c). */
struct cpu_features {
	bool nx;
	bool page1gb;
	bool pge;
	bool smep;
	bool smap;
	bool invariant_tsc;
	bool x2apic;
	bool tsc_deadline;
	bool hypervisor;
	uint32_t max_leaf, max_ext_leaf;
	char vendor[13];
	char brand[49];
};
extern struct cpu_features cpu_features;
void cpu_features_init(void);

__noreturn void halt_forever(void);

#endif
