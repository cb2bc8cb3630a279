/* SPDX-License-Identifier: MIT */
/*
 * memory_op (hypercall 12) for PV guests (mm/memory.c): Xen's semantics for
 * a non-translated guest, which names machine frames itself. Everything a
 * guest passes is checked; a bad argument gets an error or a short count,
 * never a fault in mica. Portable: the host tests run the same file.
 *
 * cmd's low 6 bits select the sub-op; cmd >> 6 is the extent to start
 * from (Xen's continuation encoding: a guest may pass one, and the
 * reservation ops honour it; the other sub-ops refuse a non-zero one as
 * Xen does). arg is the guest address of the sub-op's structure.
 *
 * The reservation ops work on extents of 2^extent_order frames, at most
 * the calling domain's max_extent_order, and return how many extents are
 * done counting from the start extent: never an error. They stop at the
 * first extent that cannot be done (no memory, max_pages, a frame the
 * domain may not give back, a list entry that faults) and report the count
 * so far; arguments refused as a whole (a structure that cannot be read,
 * more than 2^26 - 1 extents, a bad order or address width, a domid other
 * than the caller's) return the start extent unchanged.
 *  - XENMEM_increase_reservation: allocates extents and writes each one's
 *    first mfn to extent_start[i] (unless extent_start is 0); their M2P
 *    entries are invalid until the guest sets them (MMU_MACHPHYS_UPDATE).
 *  - XENMEM_populate_physmap: extent_start[i] holds a gpfn; the extent is
 *    allocated, the M2P maps mfn + j to gpfn + j, and the mfn is written
 *    back.
 *  - XENMEM_decrease_reservation: extent_start[i] holds an mfn (a PV gmfn);
 *    every frame of the extent must be the domain's. Each loses its
 *    allocation reference and its M2P entry: the frame goes back to the
 *    heap (dirty, scrubbed before anyone gets it) once nothing maps it.
 * mem_flags' address_bits (bits 0..7) limit the frames to below
 * 2^address_bits, as MEMF_bits does; NUMA node bits are accepted and
 * ignored (mica has one node), except the refusals Xen makes.
 *
 * XENMEM_exchange gives in.nr_extents extents of 2^in.extent_order frames
 * (mfns) for out.nr_extents of 2^out.extent_order (out.extent_start holds
 * gpfns and receives the new mfns), each machine-contiguous and below
 * out's address_bits if given. It works in chunks of the larger extent
 * size; each chunk is validated (every input frame the domain's, holding
 * only its allocation reference: not mapped, typed or pinned; no frame
 * listed twice), its output allocated, and only then committed, so a
 * chunk that fails leaves its input untouched. Returns 0, or -EPERM (an
 * order above the domain's limit), -EINVAL (mismatched sizes or domids, a
 * frame that cannot be exchanged), -EFAULT, -ESRCH/-EPERM (another domid),
 * -ENOMEM (no memory for the output); nr_exchanged always says how many
 * input extents are exchanged, and is where a retry resumes.
 *
 * The other sub-ops: XENMEM_current_reservation and
 * XENMEM_maximum_reservation (arg: a domid_t) return tot_pages and
 * max_pages (-EPERM for another domain, -ESRCH for none);
 * XENMEM_maximum_ram_page returns max_page; XENMEM_machphys_mfn_list lists
 * the frames backing the M2P, one per 2 MiB (arch_m2p_mfns(); -ENOMEM if
 * mica has no room to gather them); XENMEM_machphys_mapping gives the
 * guest's read-only M2P window and its last mfn; XENMEM_memory_map returns
 * one RAM entry covering max_pages, the map Xen's toolstack sets for a PV
 * guest. A structure that cannot be read or written is -EFAULT. Anything
 * else is -ENOSYS.
 *
 * Only the caller's own domain (DOMID_SELF or its own id) is a target:
 * managing other domains' memory is not memory_op's job in mica.
 */
#ifndef MICA_MEMORY_OP_H
#define MICA_MEMORY_OP_H

long do_memory_op(unsigned long cmd, unsigned long arg);

#endif
