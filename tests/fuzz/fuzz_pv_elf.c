/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the PV guest loader (kernel/pv/elf.c): the input is
 * the image. Whatever it holds, pv_elf_parse() must not read outside it
 * (ASan watches a copy of exactly its size), and:
 *  - a refusal says why, in one error message;
 *  - an acceptance satisfies the contract of include/mica/pv_elf.h: every
 *    segment inside the file and the guest's part of the address space,
 *    inside [virt_kstart, virt_kend), not overlapping another; the entry
 *    in a segment's file bytes; the hypercall page page-aligned inside
 *    the image; no required feature mica refuses; strings terminated;
 *  - pv_elf_load() then hands out only page-bounded writes inside the
 *    image's range, sourced from inside the file, covering every segment
 *    byte exactly once (for images of at most 16 MiB: a larger bss takes
 *    long to walk, and the builder refuses what does not fit anyway).
 *
 * Seeds: gen_pv_elf_corpus writes typical images to $(FZ)/pv-elf-seeds.
 * FUZZ_PV_ELF_TRACE=1 prints what each input did.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/pv_elf.h>

#define FUZZ_NAME "fuzz_pv_elf"
#define FUZZ_TRACE_ENV "FUZZ_PV_ELF_TRACE"
#include "fuzz_util.h"

#define FUZZ_LOAD_MAX (16UL << 20) /* bytes of segments worth loading */

struct load_check {
	const struct pv_elf *elf;
	uint64_t bytes;
};

static int check_write(void *ctx, unsigned long va, const void *src, size_t len)
{
	struct load_check *c = ctx;
	const struct pv_elf *elf = c->elf;
	const uint8_t *s = src;

	REQUIRE(len && (va >> 12) == ((va + len - 1) >> 12),
		"write of %zu bytes at %#lx crosses a page", len, va);
	REQUIRE(va >= elf->virt_kstart && va + len <= elf->virt_kend,
		"write at %#lx outside the image [%#lx, %#lx)", va,
		elf->virt_kstart, elf->virt_kend);
	REQUIRE(!s || (s >= elf->image && s + len <= elf->image + elf->size),
		"write at %#lx sourced from outside the file", va);
	c->bytes += len;
	return 0;
}

static void check_accepted(const struct pv_elf *elf)
{
	struct load_check c = {.elf = elf};
	uint64_t total = 0;
	bool entry = false;

	REQUIRE(elf->nr_segs >= 1 && elf->nr_segs <= PV_ELF_MAX_SEGS,
		"%u segments", elf->nr_segs);
	for (unsigned int i = 0; i < elf->nr_segs; i++) {
		const struct pv_elf_segment *s = &elf->seg[i];

		REQUIRE(s->filesz <= s->memsz && s->offset <= elf->size &&
				s->filesz <= elf->size - s->offset,
			"segment %u outside the file", i);
		REQUIRE(s->memsz && guest_range_ok(s->va, s->memsz) &&
				s->va + s->memsz,
			"segment %u at %#lx not guest memory", i, s->va);
		REQUIRE(s->va >= elf->virt_kstart &&
				s->va + s->memsz <= elf->virt_kend,
			"segment %u outside [kstart, kend)", i);
		for (unsigned int j = 0; j < i; j++)
			REQUIRE(s->va >= elf->seg[j].va + elf->seg[j].memsz ||
					elf->seg[j].va >= s->va + s->memsz,
				"segments %u and %u overlap", j, i);
		if (elf->virt_entry >= s->va &&
		    elf->virt_entry - s->va < s->filesz)
			entry = true;
		total += s->memsz;
	}
	REQUIRE(entry, "entry %#lx in no segment", elf->virt_entry);
	REQUIRE(!(elf->virt_base & 0xfff) && elf->virt_base <= elf->virt_kstart,
		"VIRT_BASE %#lx", elf->virt_base);
	REQUIRE(guest_range_ok(elf->virt_base, elf->virt_kend - elf->virt_base),
		"[VIRT_BASE, kend) not guest memory");
	REQUIRE(elf->virt_hypercall == PV_ELF_UNSET ||
			(!(elf->virt_hypercall & 0xfff) &&
			 elf->virt_hypercall >= elf->virt_kstart &&
			 elf->virt_hypercall < elf->virt_kend),
		"hypercall page %#lx", elf->virt_hypercall);
	REQUIRE(!(elf->f_required & ~PV_ELF_FEATURES_REQUIRABLE),
		"required features %#x accepted", elf->f_required);
	REQUIRE(elf->f_required == (elf->f_required & elf->f_supported),
		"a required feature is not supported");
	REQUIRE(strnlen(elf->guest_os, PV_ELF_STR_MAX) < PV_ELF_STR_MAX &&
			strnlen(elf->loader, PV_ELF_STR_MAX) < PV_ELF_STR_MAX &&
			strnlen(elf->xen_version, PV_ELF_STR_MAX) <
				PV_ELF_STR_MAX,
		"unterminated string");

	/* The builder loads only what fits the guest's memory: so do we. */
	if (total > FUZZ_LOAD_MAX)
		return;
	REQUIRE(pv_elf_load(elf, check_write, &c) == 0, "load failed");
	REQUIRE(c.bytes == total, "loaded %lu bytes of %lu",
		(unsigned long)c.bytes, (unsigned long)total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read beyond it. */
	uint8_t *img = malloc(size ? size : 1);
	struct pv_elf elf;
	int rc;

	fuzz_begin(data, size);
	memcpy(img, data, size);
	rc = pv_elf_parse(&elf, img, size, "(d1)");
	note("parse of %zu bytes: %d", size, rc);
	if (rc) {
		REQUIRE(rc == -ENOEXEC || rc == -EOPNOTSUPP, "error %d", rc);
		REQUIRE(strstr(log_ring, "(d1) bad guest ELF: ") ||
				strstr(log_ring, "(d1) guest kernel requires"),
			"refused without saying why");
	} else {
		note("accepted: %u segments, entry %#lx", elf.nr_segs,
		     elf.virt_entry);
		check_accepted(&elf);
	}
	free(img);
	return 0;
}
