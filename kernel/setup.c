/* SPDX-License-Identifier: MIT */
/*
 * The C entry: every boot path arrives at __start_mica() with the loader's
 * magic and the physical address of its information block, on the boot
 * stack, with the early page tables of boot/head.S.
 */
#include <asm/processor.h>
#include <mica/bootinfo.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/kbench.h>
#include <mica/keyhandler.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/power.h>
#include <mica/sched.h>
#include <mica/selftest.h>
#include <mica/uart.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB1_BOOTLOADER_MAGIC 0x2badb002

void __start_mica(uint32_t magic, uint32_t info_pa);

extern char __image_start[], __image_end[];

static struct boot_info boot_info_store;
const struct boot_info *boot_info = &boot_info_store;

bool opt_selftest;
static char selftest_filter[64];
static int parse_selftest(const char *s)
{
	opt_selftest = true;
	mica_strlcpy(selftest_filter, s, sizeof(selftest_filter));
	return 0;
}
custom_param("selftest", parse_selftest);

__noreturn void halt_forever(void)
{
	for (;;) {
		local_irq_disable();
		halt();
	}
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	local_irq_disable();
	printk(LOG_ERR "\n*** mica panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	machine_crash_stop();
}

static void run_initcalls(unsigned int level)
{
	for (const struct initcall *c = __start_mica_initcall;
	     c < __stop_mica_initcall; c++) {
		int rc;

		if (c->level != level)
			continue;
		rc = c->fn();
		if (rc)
			printk(LOG_WARN "mica: %s failed (%d)\n", c->name, rc);
	}
}

/* Before paging_init() the early tables map physical 0..4 GiB. */
static int early_read_phys(void *buf, paddr_t pa, size_t len)
{
	if (pa >= (1UL << 32) || len > (1UL << 32) - pa)
		return -1;
	memcpy(buf, __va(pa), len);
	return 0;
}

static int parse_boot_info(uint32_t magic, uint32_t info_pa)
{
	struct boot_image img = {
		.start = __pa(__image_start),
		.end = __pa(__image_end),
	};

	switch (magic) {
	case MB2_BOOTLOADER_MAGIC: {
		uint32_t size = *(const uint32_t *)__va(info_pa);

		if (size > (1UL << 32) - info_pa) {
			printk(LOG_ERR
			       "multiboot2: information block of %u bytes at %#x runs past 4 GiB\n",
			       size, info_pa);
			return -EINVAL;
		}
		return bootinfo_parse_mb2(&boot_info_store, __va(info_pa), size,
					  info_pa, &img);
	}
	case MB1_BOOTLOADER_MAGIC:
		return bootinfo_parse_mb1(&boot_info_store, info_pa,
					  early_read_phys, &img);
	default:
		printk(LOG_ERR
		       "mica: started with unknown loader magic %#x: boot through GRUB's multiboot2 command, a multiboot1 loader or mica.efi\n",
		       magic);
		return -EINVAL;
	}
}

static void show_memory_map(const struct boot_info *bi)
{
	uint64_t ram = 0;

	printk("Memory map (%u entries):\n", bi->nr_memmap);
	for (unsigned int i = 0; i < bi->nr_memmap; i++) {
		const struct boot_mem_range *r = &bi->memmap[i];

		printk(" [%016lx, %016lx) %s\n", r->start, r->end,
		       boot_mem_type_name(r->type));
		if (r->type == BOOT_MEM_RAM)
			ram += r->end - r->start;
	}
	printk("RAM: %lu MiB", ram >> 20);
	for (unsigned int i = 0; i < bi->nr_modules; i++)
		printk("%s module %u [%#lx, %#lx) \"%s\"", i ? "," : ";", i,
		       bi->modules[i].start, bi->modules[i].end,
		       bi->modules[i].cmdline);
	printk("\n");
}

void __start_mica(uint32_t magic, uint32_t info_pa)
{
	int rc;

	rc = parse_boot_info(magic, info_pa);
	cmdline_parse(boot_info->cmdline);
	run_initcalls(INIT_CONSOLE);

	printk("mica " MICA_VERSION " (%s build) booted by %s%s\n",
#ifdef NDEBUG
	       "release",
#else
	       "debug",
#endif
	       boot_info->loader_name[0] ? boot_info->loader_name : "?",
	       boot_info->efi_firmware ? " on UEFI" : "");
	printk("Command line: %s\n", boot_info->cmdline);
	cpu_features_init();
	show_memory_map(boot_info);
	if (rc && !boot_info->nr_memmap)
		panic("no usable memory map from the boot loader (%d): boot through GRUB's multiboot2 command or QEMU -kernel",
		      rc);

	run_initcalls(INIT_TRAPS);
	paging_init(boot_info);
	heap_boot_init(boot_info);
	for (unsigned int level = INIT_LATE_CONSOLE; level <= INIT_LATE;
	     level++)
		run_initcalls(level);

	printk("mica: ready\n");
	if (kbench_requested()) {
		kbench_run_all();
		machine_power_off();
	}
	if (opt_selftest) {
		selftest_run_all(selftest_filter);
		machine_power_off();
	}
	if (boot_info->nr_modules && pv_create_boot_domains())
		sched_run();
	keyhandler_loop();
}
