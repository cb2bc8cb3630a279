/* SPDX-License-Identifier: MIT */
/*
 * xen_version(cmd, arg): the hypervisor's version, build and features.
 * Every command returns 0 on success except XENVER_version and
 * XENVER_pagesize, which return their value, and XENVER_build_id, which
 * returns a length. Written from the facts in Xen's public version.h.
 */
#ifndef XEN_PUBLIC_VERSION_H
#define XEN_PUBLIC_VERSION_H

#include <public/features.h>
#include <public/xen.h>

#define XENVER_version 0      /* arg: NULL; returns major << 16 | minor */
#define XENVER_extraversion 1 /* arg: xen_extraversion_t */
#define XENVER_compile_info 2 /* arg: struct xen_compile_info */
#define XENVER_capabilities 3 /* arg: xen_capabilities_info_t */
#define XENVER_changeset 4    /* arg: xen_changeset_info_t */
#define XENVER_platform_parameters 5 /* arg: struct xen_platform_parameters */
#define XENVER_get_features 6	     /* arg: struct xen_feature_info */
#define XENVER_pagesize 7	     /* arg: NULL; returns the page size */
#define XENVER_guest_handle 8	     /* arg: xen_domain_handle_t */
#define XENVER_commandline 9	     /* arg: xen_commandline_t */
#define XENVER_build_id 10	     /* arg: struct xen_build_id */

#ifndef __ASSEMBLER__

/* Strings, NUL-terminated within their arrays. */
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

/* Space-separated guest types the hypervisor runs, e.g. "xen-3.0-x86_64". */
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* The lowest address the hypervisor uses (HYPERVISOR_VIRT_START). */
struct xen_platform_parameters {
	xen_ulong_t virt_start;
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

struct xen_feature_info {
	uint32_t submap_idx; /* in: which 32 features */
	uint32_t submap;     /* out: bit i is feature 32 * submap_idx + i */
};
typedef struct xen_feature_info xen_feature_info_t;

typedef uint8_t xen_domain_handle_t[16];
typedef char xen_commandline_t[1024];

struct xen_build_id {
	uint32_t len;	     /* in: the size of buf */
	unsigned char buf[]; /* out */
};
typedef struct xen_build_id xen_build_id_t;

XEN_ABI_SIZE(struct xen_compile_info, 144);
XEN_ABI_SIZE(struct xen_feature_info, 8);
XEN_ABI_SIZE(struct xen_platform_parameters, 8);

#endif /* !__ASSEMBLER__ */

#endif
