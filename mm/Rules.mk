obj-y += paging.o
obj-y += paging_selftest.o
# The portable allocators, also built for the host (`make host`).
mm-portable := buddy.o heap.o scrub.o heap_stats.o contig.o xmalloc.o vmap.o \
	xvmalloc.o pv_mm.o memory.o
obj-y += frametable.o domain_page.o mm_kbench.o heap_census.o
obj-y += $(mm-portable) heap_selftest.o xmalloc_selftest.o vmap_selftest.o \
	xvmalloc_selftest.o
