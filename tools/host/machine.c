/* SPDX-License-Identifier: MIT */
/* The host's machine for mm/: RAM in a memfd, the frame table in memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mica/arch_mm.h>
#include <mica/host.h>
#include <mica/lib.h>
#include <mica/xmalloc.h>

static int ram_fd = -1;
static unsigned char *ram;
static unsigned long ram_frames;

/* Metadata handed out by arch_boot_alloc, released by host_machine_fini. */
static void *meta[16];
static unsigned int nr_meta;

void *arch_mfn_to_virt(unsigned long mfn)
{
	if (mfn >= ram_frames)
		panic("host: mfn %#lx beyond the machine's %#lx frames", mfn,
		      ram_frames);
	return ram + (mfn << PAGE_SHIFT);
}

unsigned long arch_virt_to_mfn(const void *va)
{
	const unsigned char *p = va;

	if (p < ram || p >= ram + (ram_frames << PAGE_SHIFT))
		panic("host: %p is not in the machine's RAM", va);
	return (unsigned long)(p - ram) >> PAGE_SHIFT;
}

/* The whole memfd is mapped: the host always has a direct map. */
void *map_domain_page(mfn_t mfn)
{
	return arch_mfn_to_virt(mfn_x(mfn));
}

void unmap_domain_page(const void *va)
{
	if (va)
		(void)arch_virt_to_mfn(va); /* it must be a frame's address */
}

int arch_xenheap_map(unsigned long mfn, unsigned long nr)
{
	return 0;
}

void arch_xenheap_unmap(unsigned long mfn, unsigned long nr)
{
}

void *arch_boot_alloc(size_t bytes)
{
	void *p;

	if (nr_meta == sizeof(meta) / sizeof(meta[0]))
		return NULL;
	p = calloc(1, bytes ? bytes : 1);
	if (p)
		meta[nr_meta++] = p;
	return p;
}

int host_machine_init_ranges(unsigned long nr_frames,
			     const struct host_range *ranges, unsigned int n)
{
	int rc;

	host_machine_fini();
	ram_fd = memfd_create("mica-ram", MFD_CLOEXEC);
	if (ram_fd < 0)
		return -errno;
	if (ftruncate(ram_fd, (off_t)(nr_frames << PAGE_SHIFT)) < 0)
		goto fail;
	ram = mmap(NULL, nr_frames << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_NORESERVE, ram_fd, 0);
	if (ram == MAP_FAILED) {
		ram = NULL;
		goto fail;
	}
	ram_frames = nr_frames;
	frame_table = calloc((nr_frames + 1) & ~1UL, sizeof(*frame_table));
	if (!frame_table)
		goto fail;
	rc = heap_init(nr_frames);
	/* A new heap: the pools xmalloc had came from the old one. */
	xmalloc_init();
	if (rc) {
		host_machine_fini();
		return rc;
	}
	for (unsigned int i = 0; i < n; i++)
		heap_add_range(_mfn(ranges[i].start), _mfn(ranges[i].end));
	return 0;
fail:
	rc = -errno;
	host_machine_fini();
	return rc ? rc : -ENOMEM;
}

int host_machine_init(unsigned long nr_frames)
{
	struct host_range all = {0, nr_frames};

	return host_machine_init_ranges(nr_frames, &all, 1);
}

void host_machine_fini(void)
{
	if (ram)
		munmap(ram, ram_frames << PAGE_SHIFT);
	if (ram_fd >= 0)
		close(ram_fd);
	free(frame_table);
	for (unsigned int i = 0; i < nr_meta; i++)
		free(meta[i]);
	nr_meta = 0;
	frame_table = NULL;
	ram = NULL;
	ram_fd = -1;
	ram_frames = 0;
	max_page = 0;
}

void *host_machine_ram(void)
{
	return ram;
}

int host_machine_memfd(void)
{
	return ram_fd;
}
