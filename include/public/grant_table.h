/* SPDX-License-Identifier: MIT */
/*
 * grant_table_op(cmd, args, count): grant tables, the frames a domain
 * shares with others, indexed by grant reference. Only what a guest needs
 * to set its table up and size it. Written from the facts in Xen's public
 * grant_table.h.
 */
#ifndef XEN_PUBLIC_GRANT_TABLE_H
#define XEN_PUBLIC_GRANT_TABLE_H

#include <public/xen.h>

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12

/* The first entries are kept across version changes, for the toolstack. */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

/* grant_entry_v1.flags: the type in bits 1..0, then subflags. */
#define GTF_invalid (0U << 0)
#define GTF_permit_access (1U << 0)
#define GTF_accept_transfer (2U << 0)
#define GTF_transitive (3U << 0)
#define GTF_type_mask (3U << 0)
#define _GTF_readonly 2
#define GTF_readonly (1U << _GTF_readonly)
#define _GTF_reading 3
#define GTF_reading (1U << _GTF_reading)
#define _GTF_writing 4
#define GTF_writing (1U << _GTF_writing)
#define _GTF_PWT 5
#define GTF_PWT (1U << _GTF_PWT)
#define _GTF_PCD 6
#define GTF_PCD (1U << _GTF_PCD)
#define _GTF_PAT 7
#define GTF_PAT (1U << _GTF_PAT)
#define _GTF_sub_page 8
#define GTF_sub_page (1U << _GTF_sub_page)
#define _GTF_transfer_committed 2
#define GTF_transfer_committed (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed 3
#define GTF_transfer_completed (1U << _GTF_transfer_completed)

/* The status of each operation (the struct's status field). */
#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

#ifndef __ASSEMBLER__

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/*
 * A version 1 entry. The guest writes domid and frame, then (after a write
 * barrier) flags, so that the grantee never sees a half-made entry.
 */
struct grant_entry_v1 {
	uint16_t flags; /* GTF_* */
	domid_t domid;	/* the domain granted access */
	uint32_t frame; /* the gfn granted */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/*
 * Have dom's table (DOMID_SELF unless privileged) hold at least nr_frames
 * frames, and write the first nr_frames of their frame numbers out.
 */
struct gnttab_setup_table {
	domid_t dom;				/* in */
	uint32_t nr_frames;			/* in */
	int16_t status;				/* out: GNTST_* */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list; /* out */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;

/* The table's current and largest possible size, in frames. */
struct gnttab_query_size {
	domid_t dom;		/* in */
	uint32_t nr_frames;	/* out */
	uint32_t max_nr_frames; /* out */
	int16_t status;		/* out: GNTST_* */
};
typedef struct gnttab_query_size gnttab_query_size_t;

/* Switch the table to version 1 or 2 while no grant is in use. */
struct gnttab_set_version {
	uint32_t version; /* in: wanted; out: in effect */
};
typedef struct gnttab_set_version gnttab_set_version_t;

struct gnttab_get_version {
	domid_t dom; /* in */
	uint16_t pad;
	uint32_t version; /* out */
};
typedef struct gnttab_get_version gnttab_get_version_t;

XEN_ABI_SIZE(struct grant_entry_v1, 8);
XEN_ABI_SIZE(struct gnttab_setup_table, 24);
XEN_ABI_OFFSET(struct gnttab_setup_table, nr_frames, 4);
XEN_ABI_OFFSET(struct gnttab_setup_table, status, 8);
XEN_ABI_OFFSET(struct gnttab_setup_table, frame_list, 16);
XEN_ABI_SIZE(struct gnttab_query_size, 16);
XEN_ABI_OFFSET(struct gnttab_query_size, status, 12);
XEN_ABI_SIZE(struct gnttab_set_version, 4);
XEN_ABI_SIZE(struct gnttab_get_version, 8);

#endif /* !__ASSEMBLER__ */

#endif
