/* SPDX-License-Identifier: MIT */
#include "traps.h"

struct trap_record last_trap;
bool (*trap_hook)(struct trap_frame *f);

struct ex_entry {
	uint64_t insn, fixup;
};
extern const struct ex_entry __start_ex_table[], __stop_ex_table[];

void trap_handler(struct trap_frame *f);

static const char *const names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "09",  "#TS", "#NP", "#SS", "#GP", "#PF", "15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static const char *vector_name(unsigned int v)
{
	if (v == TRAP_SYSCALL)
		return "syscall";
	return v < 32 && names[v] ? names[v] : "int";
}

void trap_handler(struct trap_frame *f)
{
	const struct ex_entry *e;

	last_trap.count++;
	last_trap.vector = f->vector;
	last_trap.error_code = f->error_code;
	last_trap.rip = f->rip;
	last_trap.cs = f->cs;
	/* A PV guest's cr2 is the one the hypervisor left in vcpu_info. */
	last_trap.cr2 = shared_info ? shared_info->vcpu_info[0].arch.cr2 : 0;

	if (trap_hook && trap_hook(f))
		return;
	for (e = __start_ex_table; e < __stop_ex_table; e++) {
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			return;
		}
	}
	crash("unexpected exception %lu (%s) error code %#lx at rip %#lx "
	      "cs %#lx rsp %#lx cr2 %#lx",
	      f->vector, vector_name(f->vector), f->error_code, f->rip, f->cs,
	      f->rsp, last_trap.cr2);
}

/* The exceptions, and the software interrupts a test asks for. */
static struct trap_info table[32 + 16 + 1];

long traps_load(const struct soft_int *extra, unsigned int n)
{
	unsigned int i, t = 0;

	if (n > 16)
		return -XEN_E2BIG;
	memset(table, 0, sizeof(table));
	for (i = 0; i < 32; i++) {
		/* int3 and into are meant to work from anywhere, as on Linux. */
		uint8_t dpl = (i == X86_EXC_BP || i == X86_EXC_OF) ? 3 : 0;

		table[t++] = (struct trap_info){
			.vector = i,
			.flags = dpl,
			.cs = FLAT_KERNEL_CS,
			.address = (uint64_t)(trap_entry_base +
					      i * TRAP_ENTRY_SIZE),
		};
	}
	for (i = 0; i < n; i++)
		table[t++] = (struct trap_info){
			.vector = extra[i].vector,
			.flags = extra[i].dpl,
			.cs = FLAT_KERNEL_CS,
			.address =
				(uint64_t)(trap_entry_base +
					   extra[i].vector * TRAP_ENTRY_SIZE),
		};
	return HYPERVISOR_set_trap_table(table);
}

void traps_init(void)
{
	long rc = traps_load(NULL, 0);

	if (rc)
		crash("set_trap_table failed: %ld", rc);
}

int probe_read(const volatile void *p, uint64_t *val)
{
	unsigned int before = last_trap.count;
	uint64_t v = 0;

	__asm__ volatile("1: mov (%[p]), %[v]\n2:\n" _ASM_EXTABLE(1b, 2b)
			 : [v] "+r"(v)
			 : [p] "r"(p)
			 : "memory");
	if (last_trap.count == before) {
		if (val)
			*val = v;
		return -1;
	}
	return last_trap.vector;
}

int probe_write(volatile void *p, uint64_t val)
{
	unsigned int before = last_trap.count;

	__asm__ volatile("1: mov %[v], (%[p])\n2:\n" _ASM_EXTABLE(1b, 2b)
			 :
			 : [v] "r"(val), [p] "r"(p)
			 : "memory");
	return last_trap.count == before ? -1 : (int)last_trap.vector;
}
