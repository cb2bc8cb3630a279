/* SPDX-License-Identifier: MIT */
/* What the boot CPU can do, read once. */
#include <asm/processor.h>
#include <mica/lib.h>
#include <mica/param.h>

struct cpu_features cpu_features;

/* no1gpages: pretend the CPU lacks 1 GiB pages (tests the 2 MiB fallback). */
static bool opt_no1gpages;
boolean_param("no1gpages", opt_no1gpages);

void cpu_features_init(void)
{
	struct cpu_features *f = &cpu_features;
	struct cpuid_regs r;

	r = cpuid(0);
	f->max_leaf = r.eax;
	memcpy(f->vendor + 0, &r.ebx, 4);
	memcpy(f->vendor + 4, &r.edx, 4);
	memcpy(f->vendor + 8, &r.ecx, 4);
	f->vendor[12] = '\0';

	if (f->max_leaf >= 1) {
		r = cpuid(1);
		f->pge = r.edx & (1u << 13);
		f->x2apic = r.ecx & (1u << 21);
		f->tsc_deadline = r.ecx & (1u << 24);
		f->hypervisor = r.ecx & (1u << 31);
	}
	if (f->max_leaf >= 7) {
		r = cpuid_count(7, 0);
		f->smep = r.ebx & (1u << 7);
		f->smap = r.ebx & (1u << 20);
	}
	f->max_ext_leaf = cpuid(0x80000000).eax;
	if (f->max_ext_leaf >= 0x80000001) {
		r = cpuid(0x80000001);
		f->nx = r.edx & (1u << 20);
		f->page1gb = (r.edx & (1u << 26)) && !opt_no1gpages;
	}
	if (f->max_ext_leaf >= 0x80000004) {
		for (unsigned int i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i);
			memcpy(f->brand + 16 * i, &r, 16);
		}
		f->brand[48] = '\0';
	}
	if (f->max_ext_leaf >= 0x80000007)
		f->invariant_tsc = cpuid(0x80000007).edx & (1u << 8);

	printk("CPU: %s \"%s\"%s%s%s%s%s\n", f->vendor, f->brand,
	       f->nx ? " nx" : "", f->page1gb ? " 1gpages" : "",
	       f->smep ? " smep" : "", f->smap ? " smap" : "",
	       f->invariant_tsc ? " invtsc" : "");
}
