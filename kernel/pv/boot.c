/* SPDX-License-Identifier: MIT */
/*
 * Domains from boot modules. Every module is a guest kernel; its command
 * line holds the domain's settings, name=, mem= and maxmem=, and the rest
 * is the guest's own command line (start_info.cmd_line). The first module
 * is the initial domain, d0, with SIF_INITDOMAIN | SIF_PRIVILEGED as Xen's
 * dom0, unless mica was booted with dom0=none; the others are ordinary
 * domains from d1 on. A module that cannot be built is reported and left
 * out: the others boot anyway.
 */
#include <mica/bootinfo.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/pv_build.h>
#include <mica/pv_elf.h>
#include <mica/sched.h>

#include "pv.h"

static char opt_dom0[8] = "";
string_param("dom0", opt_dom0);

#define DEFAULT_MEM (64UL << 20)

struct module_opts {
	char name[32];
	uint64_t mem, maxmem;
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

/* Split a module's command line into mica's settings and the guest's. */
static int parse_module_cmdline(const char *s, struct module_opts *o,
				unsigned int id, bool initial)
{
	size_t out = 0;

	snprintf(o->name, sizeof(o->name), "d%u", id);
	o->mem = DEFAULT_MEM;
	o->maxmem = 0;
	o->cmdline[0] = '\0';
	while (*s) {
		const char *w = s, *e;
		size_t len;

		while (*w == ' ')
			w++;
		if (!*w)
			break;
		e = w;
		while (*e && *e != ' ')
			e++;
		len = (size_t)(e - w);
		s = e;
		if (len > 5 && !strncmp(w, "name=", 5)) {
			size_t n = MIN(len - 5, sizeof(o->name) - 1);

			memcpy(o->name, w + 5, n);
			o->name[n] = '\0';
		} else if ((len > 4 && !strncmp(w, "mem=", 4)) ||
			   (len > 7 && !strncmp(w, "maxmem=", 7))) {
			bool max = w[0] == 'm' && w[1] == 'a';
			const char *v = w + (max ? 7 : 4), *end;
			uint64_t size;

			if (parse_size(v, &end, &size) || end != e || !size) {
				printk(LOG_ERR "(d%u) bad size in \"%.*s\"\n",
				       id, (int)len, w);
				return -EINVAL;
			}
			*(max ? &o->maxmem : &o->mem) = size;
		} else {
			if (out + len + 2 > sizeof(o->cmdline))
				return -E2BIG;
			if (out)
				o->cmdline[out++] = ' ';
			memcpy(o->cmdline + out, w, len);
			out += len;
			o->cmdline[out] = '\0';
		}
	}
	/*
	 * As in Xen: an ordinary domain may not grow past its boot size unless
	 * told, the initial domain is bounded only by the machine's memory.
	 */
	if (!o->maxmem)
		o->maxmem = initial ? (uint64_t)max_page << PAGE_SHIFT : o->mem;
	if (o->maxmem < o->mem) {
		printk(LOG_ERR "(d%u) maxmem= is below mem=\n", id);
		return -EINVAL;
	}
	return 0;
}

static int build_one(const struct boot_module *m, unsigned int id, bool initial)
{
	struct module_opts o;
	struct pv_elf elf;
	struct domain *d;
	char who[16];
	const void *image;
	int rc;

	rc = parse_module_cmdline(m->cmdline, &o, id, initial);
	if (rc)
		return rc;
	snprintf(who, sizeof(who), "(d%u)", id);
	image = phys_map(m->start, m->end - m->start, PHYS_WB);
	if (!image) {
		printk(LOG_ERR "%s module at %#lx cannot be mapped\n", who,
		       m->start);
		return -ENOMEM;
	}
	rc = pv_elf_parse(&elf, image, m->end - m->start, who);
	if (rc)
		return rc;
	d = domain_create((domid_t)id, o.name, o.maxmem >> PAGE_SHIFT, initial);
	if (!d)
		return -ENOMEM;
	rc = pv_build(d, &elf, o.mem >> PAGE_SHIFT, o.cmdline);
	if (rc) {
		printk(LOG_ERR "%s cannot be built (%d): left out\n", who, rc);
		d->is_dying = true;
		domain_reap();
		return rc;
	}
	printk("%s \"%s\": %lu MiB, %s domain, entry %#lx\n", who, d->name,
	       (unsigned long)(o.mem >> 20), initial ? "initial" : "ordinary",
	       d->vcpu[0]->regs->rip);
	d->vcpu[0]->state = VCPU_runnable;
	vcpu_wake(d->vcpu[0]);
	return 0;
}

/* Build a domain from every module; true if at least one was built. */
bool pv_create_boot_domains(void)
{
	bool initial = strcmp(opt_dom0, "none") != 0;
	unsigned int id = initial ? 0 : 1, built = 0;
	int rc;

	if (!pv_m2p_ready) {
		printk(LOG_ERR "pv: no M2P: no guests\n");
		return false;
	}
	for (unsigned int i = 0; i < boot_info->nr_modules; i++, id++) {
		rc = build_one(&boot_info->modules[i], id, initial && i == 0);
		if (!rc)
			built++;
	}
	printk("pv: %u of %u domains built\n", built, boot_info->nr_modules);
	return built > 0;
}
