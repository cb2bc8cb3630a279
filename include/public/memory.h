/* SPDX-License-Identifier: MIT */
/*
 * memory_op(cmd, arg): a domain's memory reservation, and where the
 * machine-to-phys table is. Written from the facts in Xen's public memory.h.
 */
#ifndef XEN_PUBLIC_MEMORY_H
#define XEN_PUBLIC_MEMORY_H

#include <public/xen.h>

/*
 * arg: struct xen_memory_reservation. Each returns the number of extents
 * done, which is fewer than asked for when it stopped early.
 *   increase_reservation: allocate extents; writes their mfns out.
 *   decrease_reservation: free the extents at the gpfns given.
 *   populate_physmap: allocate extents for the gpfns given; writes the
 *     mfns back over them and updates the M2P.
 */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap 6

/* arg: NULL. The highest mfn of RAM in the machine; never fails. */
#define XENMEM_maximum_ram_page 2
/* arg: domid_t *. The domain's current or maximum pages, or -errno. */
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
/* arg: struct xen_machphys_mfn_list. */
#define XENMEM_machphys_mfn_list 5
/* arg: struct xen_add_to_physmap (translated guests). */
#define XENMEM_add_to_physmap 7
/* arg: struct xen_memory_map: the domain's pseudo-physical e820 map. */
#define XENMEM_memory_map 9
/* arg: struct xen_memory_map: the machine's e820 map (privileged). */
#define XENMEM_machine_memory_map 10
/* arg: struct xen_memory_exchange. 0 or -errno. */
#define XENMEM_exchange 11
/* arg: struct xen_machphys_mapping: where the M2P is mapped. */
#define XENMEM_machphys_mapping 12
/* arg: struct xen_foreign_memory_map (the toolstack). */
#define XENMEM_set_memory_map 13
/* arg: domid_t *. The highest gpfn in use. */
#define XENMEM_maximum_gpfn 14
#define XENMEM_remove_from_physmap 15
#define XENMEM_machphys_compat_mfn_list 25

/*
 * cmd's low MEMOP_EXTENT_SHIFT bits are the sub-op; the bits above are the
 * extent a reservation op starts from (how Xen encodes a continuation).
 */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1U << MEMOP_EXTENT_SHIFT) - 1)

/*
 * mem_flags: bits 7..0 are the widest machine address the extents may use
 * (0: any), for devices that can only reach low memory; then a NUMA node.
 */
#define XENMEMF_address_bits(x) (x)
#define XENMEMF_get_address_bits(x) ((x)&0xffu)
#define XENMEMF_node(x) (((x) + 1) << 8)
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand (1 << 16)
#define XENMEMF_exact_node_request (1 << 17)
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1 << 18)

/* e820 entry types, as the PC BIOS reports them. */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4

#ifndef __ASSEMBLER__

struct xen_memory_reservation {
	/*
	 * In/out by command: increase_reservation writes mfns; decrease
	 * reads gpfns; populate_physmap reads gpfns and writes gmfns.
	 */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	/* The extents, each 2^extent_order pages, naturally aligned. */
	xen_ulong_t nr_extents;
	uint32_t extent_order;
	uint32_t mem_flags; /* XENMEMF_* */
	/* Whose reservation: an unprivileged domain may say only DOMID_SELF. */
	domid_t domid;
};
typedef struct xen_memory_reservation xen_memory_reservation_t;

/*
 * An atomic exchange: the guest gives up in's extents and gets out's, of a
 * possibly different order (many 4 KiB pages for one machine-contiguous
 * 2 MiB extent, say) and below out.mem_flags' address width. The page
 * counts must match (in.nr_extents << in.extent_order ==
 * out.nr_extents << out.extent_order), the domids must be equal and the two
 * lists must not overlap. out.extent_start lists the gpfns to fill and gets
 * the gmfns. nr_exchanged must be 0 on entry and says on return how many
 * of in's extents were exchanged; the rest are untouched.
 */
struct xen_memory_exchange {
	struct xen_memory_reservation in;
	struct xen_memory_reservation out;
	xen_ulong_t nr_exchanged;
};
typedef struct xen_memory_exchange xen_memory_exchange_t;

/*
 * The mfns of the 2 MiB extents that hold the M2P, at most max_extents of
 * them (a 0 stands for a hole); nr_extents says how many were written.
 */
struct xen_machphys_mfn_list {
	uint32_t max_extents;
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	uint32_t nr_extents;
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;

/*
 * Where the guest may read the M2P, and the highest mfn it covers: a guest
 * reads machine_to_phys[mfn] at v_start + 8 * mfn for mfn <= max_mfn.
 */
struct xen_machphys_mapping {
	xen_ulong_t v_start, v_end;
	xen_ulong_t max_mfn;
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XENMAPSPACE_gmfn 2
#define XENMAPSPACE_gmfn_range 3
#define XENMAPSPACE_gmfn_foreign 4

struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size;	/* pages, for XENMAPSPACE_gmfn_range */
	uint32_t space; /* XENMAPSPACE_* */
	xen_ulong_t idx;
	xen_pfn_t gpfn;
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;

/*
 * In: buffer has room for nr_entries struct e820entry. Out: nr_entries is
 * how many were written.
 */
struct xen_memory_map {
	uint32_t nr_entries;
	XEN_GUEST_HANDLE(void) buffer;
};
typedef struct xen_memory_map xen_memory_map_t;

struct xen_foreign_memory_map {
	domid_t domid;
	struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;

/* One entry as BIOS int 15h e820 returns it: 20 bytes, packed. */
struct e820entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_* */
} __attribute__((packed));

XEN_ABI_SIZE(struct xen_memory_reservation, 32);
XEN_ABI_OFFSET(struct xen_memory_reservation, nr_extents, 8);
XEN_ABI_OFFSET(struct xen_memory_reservation, extent_order, 16);
XEN_ABI_OFFSET(struct xen_memory_reservation, mem_flags, 20);
XEN_ABI_OFFSET(struct xen_memory_reservation, domid, 24);
XEN_ABI_SIZE(struct xen_memory_exchange, 72);
XEN_ABI_OFFSET(struct xen_memory_exchange, out, 32);
XEN_ABI_OFFSET(struct xen_memory_exchange, nr_exchanged, 64);
XEN_ABI_SIZE(struct xen_machphys_mfn_list, 24);
XEN_ABI_OFFSET(struct xen_machphys_mfn_list, extent_start, 8);
XEN_ABI_OFFSET(struct xen_machphys_mfn_list, nr_extents, 16);
XEN_ABI_SIZE(struct xen_machphys_mapping, 24);
XEN_ABI_SIZE(struct xen_add_to_physmap, 24);
XEN_ABI_SIZE(struct xen_memory_map, 16);
XEN_ABI_OFFSET(struct xen_memory_map, buffer, 8);
XEN_ABI_SIZE(struct xen_foreign_memory_map, 24);
XEN_ABI_SIZE(struct e820entry, 20);

#endif /* !__ASSEMBLER__ */

#endif
