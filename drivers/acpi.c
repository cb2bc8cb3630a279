/* SPDX-License-Identifier: MIT */
/*
 * ACPI static tables: the RSDP, the RSDT/XSDT and the tables mica reads
 * without an AML interpreter (FADT, MADT, HPET, and the \_S5 package of the
 * DSDT/SSDTs). Every table is checksummed before use; a bad one is reported
 * and skipped, never trusted. See include/mica/acpi.h for the contract.
 */
#include <asm/io.h>
#include <mica/acpi.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/selftest.h>
#include <mica/time.h>

struct acpi_info acpi_info;

/* ACPI 6.5, 5.2.5.3. Revision 0 has only the first 20 bytes. */
struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	/* revision >= 2 */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __packed;
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
BUILD_BUG_ON(sizeof(struct acpi_rsdp) != RSDP_V2_LEN);

/* ACPI 6.5, 5.2.9: the FADT as far as revision 6. */
struct acpi_fadt {
	struct acpi_table_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_gas) != 12);
BUILD_BUG_ON(sizeof(struct acpi_table_header) != 36);
BUILD_BUG_ON(offsetof(struct acpi_fadt, smi_cmd) != 48);
BUILD_BUG_ON(offsetof(struct acpi_fadt, pm1a_cnt_blk) != 64);
BUILD_BUG_ON(offsetof(struct acpi_fadt, pm1_cnt_len) != 89);
BUILD_BUG_ON(offsetof(struct acpi_fadt, iapc_boot_arch) != 109);
BUILD_BUG_ON(offsetof(struct acpi_fadt, flags) != 112);
BUILD_BUG_ON(offsetof(struct acpi_fadt, reset_reg) != 116);
BUILD_BUG_ON(offsetof(struct acpi_fadt, reset_value) != 128);
BUILD_BUG_ON(offsetof(struct acpi_fadt, x_dsdt) != 140);
BUILD_BUG_ON(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) != 172);
BUILD_BUG_ON(offsetof(struct acpi_fadt, sleep_control_reg) != 244);
BUILD_BUG_ON(sizeof(struct acpi_fadt) != 276);

#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)

/* ACPI 6.5, 5.2.12. */
struct acpi_madt {
	struct acpi_table_header hdr;
	uint32_t lapic_address;
	uint32_t flags;
	/* interrupt controller structures: type, length, ... */
} __packed;
#define MADT_LAPIC 0
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC 9
#define MADT_ENABLED 1u
#define MADT_PCAT_COMPAT 1u

/* IA-PC HPET specification 1.0a, 3.2.4. */
struct acpi_hpet {
	struct acpi_table_header hdr;
	uint32_t event_timer_block_id;
	struct acpi_gas base;
	uint8_t hpet_number;
	uint16_t min_tick;
	uint8_t page_protection;
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_hpet) != 56);

/* A sanity bound: the largest DSDTs seen are a few hundred KiB. */
#define TABLE_MAX_LEN (16u << 20)
#define MAX_TABLES 64

static const struct acpi_table_header *tables[MAX_TABLES];
static unsigned int nr_tables;

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static void sig_str(char out[5], const char sig[4])
{
	for (unsigned int i = 0; i < 4; i++)
		out[i] = (sig[i] >= ' ' && sig[i] < 127) ? sig[i] : '?';
	out[4] = '\0';
}

/* Map a whole table: the header first, to learn its length. */
static const struct acpi_table_header *map_table(paddr_t pa, const char *from)
{
	const struct acpi_table_header *h;
	uint32_t len;
	char sig[5];

	if (!pa)
		return NULL;
	h = phys_map(pa, sizeof(*h), PHYS_WB);
	if (!h) {
		printk(LOG_ERR
		       "ACPI: cannot map the table at %#lx (from the %s)\n",
		       pa, from);
		return NULL;
	}
	len = h->length;
	sig_str(sig, h->signature);
	if (len < sizeof(*h) || len > TABLE_MAX_LEN) {
		printk(LOG_ERR
		       "ACPI: table %s at %#lx claims %u bytes: ignored\n",
		       sig, pa, len);
		return NULL;
	}
	h = phys_map(pa, len, PHYS_WB);
	if (!h) {
		printk(LOG_ERR
		       "ACPI: cannot map the %u bytes of table %s at %#lx\n",
		       len, sig, pa);
		return NULL;
	}
	if (acpi_checksum(h, len)) {
		printk(LOG_ERR
		       "ACPI: table %s at %#lx has a bad checksum: ignored\n",
		       sig, pa);
		return NULL;
	}
	return h;
}

static void add_table(const struct acpi_table_header *h, paddr_t pa)
{
	char sig[5], oem[7], oemt[9];

	if (nr_tables == MAX_TABLES) {
		printk(LOG_WARN "ACPI: more than %u tables, the rest ignored\n",
		       MAX_TABLES);
		return;
	}
	tables[nr_tables++] = h;
	sig_str(sig, h->signature);
	memcpy(oem, h->oem_id, 6);
	oem[6] = '\0';
	memcpy(oemt, h->oem_table_id, 8);
	oemt[8] = '\0';
	printk("ACPI: %s %#012lx %6u v%02u %-6s %-8s\n", sig, pa, h->length,
	       h->revision, oem, oemt);
}

const struct acpi_table_header *acpi_find_table(const char sig[4],
						unsigned int instance)
{
	for (unsigned int i = 0; i < nr_tables; i++)
		if (!memcmp(tables[i]->signature, sig, 4) && !instance--)
			return tables[i];
	return NULL;
}

/* ---- finding the RSDP ---- */

static bool rsdp_valid(const struct acpi_rsdp *r)
{
	if (memcmp(r->signature, "RSD PTR ", 8) ||
	    acpi_checksum(r, RSDP_V1_LEN))
		return false;
	if (r->revision >= 2 && acpi_checksum(r, RSDP_V2_LEN)) {
		printk(LOG_WARN
		       "ACPI: the RSDP at %#lx has a bad extended checksum: using the RSDT only\n",
		       __pa(r));
	}
	return true;
}

static paddr_t scan_rsdp(paddr_t start, size_t len)
{
	const uint8_t *p = phys_map(start, len, PHYS_WB);

	if (!p)
		return 0;
	for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
		if (!memcmp(p + off, "RSD PTR ", 8) &&
		    !acpi_checksum(p + off, RSDP_V1_LEN))
			return start + off;
	return 0;
}

struct efi_guid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};

struct efi_config_table {
	struct efi_guid guid;
	uint64_t table;
} __packed;

/* UEFI 2.10, 4.6.1.1. */
static const struct efi_guid efi_acpi20_guid = {
	.d1 = 0x8868e871,
	.d2 = 0xe4f1,
	.d3 = 0x11d3,
	.d4 = {0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81},
};
static const struct efi_guid efi_acpi10_guid = {
	.d1 = 0xeb9d2d30,
	.d2 = 0x2d88,
	.d3 = 0x11d3,
	.d4 = {0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d},
};

/* EFI_SYSTEM_TABLE: NumberOfTableEntries at 104, ConfigurationTable at 112. */
#define EFI_SYSTAB_NR_TABLES 104
#define EFI_SYSTAB_TABLES 112

static paddr_t efi_rsdp(paddr_t systab_pa)
{
	const uint8_t *st = phys_map(systab_pa, EFI_SYSTAB_TABLES + 8, PHYS_WB);
	const struct efi_config_table *ct;
	paddr_t found = 0;
	uint64_t n, ct_pa;

	if (!st || memcmp(st, "IBI SYST", 8)) {
		printk(LOG_WARN "ACPI: no EFI system table at %#lx\n",
		       systab_pa);
		return 0;
	}
	memcpy(&n, st + EFI_SYSTAB_NR_TABLES, 8);
	memcpy(&ct_pa, st + EFI_SYSTAB_TABLES, 8);
	if (!n || n > 1024 || !ct_pa)
		return 0;
	ct = phys_map(ct_pa, n * sizeof(*ct), PHYS_WB);
	if (!ct)
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		if (!memcmp(&ct[i].guid, &efi_acpi20_guid,
			    sizeof(struct efi_guid)))
			return ct[i].table;
		if (!memcmp(&ct[i].guid, &efi_acpi10_guid,
			    sizeof(struct efi_guid)))
			found = ct[i].table;
	}
	return found;
}

static paddr_t find_rsdp(void)
{
	const uint16_t *ebda_seg;
	paddr_t pa;

	if (boot_info->acpi_rsdp)
		return boot_info->acpi_rsdp;
	if (boot_info->efi_systab) {
		pa = efi_rsdp(boot_info->efi_systab);
		if (pa)
			return pa;
	}
	/* On UEFI machines the legacy BIOS areas hold no RSDP. */
	if (boot_info->efi_firmware) {
		printk(LOG_ERR
		       "ACPI: UEFI firmware and the loader passed no RSDP: boot through GRUB's multiboot2 command\n");
		return 0;
	}
	ebda_seg = phys_map(0x40e, 2, PHYS_WB);
	if (ebda_seg && *ebda_seg) {
		paddr_t ebda = (paddr_t)*ebda_seg << 4;

		if (ebda >= 0x1000 && ebda < 0xa0000) {
			pa = scan_rsdp(ebda, 1024);
			if (pa)
				return pa;
		}
	}
	return scan_rsdp(0xe0000, 0x20000);
}

/* ---- registers ---- */

static unsigned int gas_width(const struct acpi_gas *g)
{
	if (g->access_size >= 1 && g->access_size <= 4)
		return 8u << (g->access_size - 1);
	if (g->bit_width + g->bit_offset <= 8)
		return 8;
	if (g->bit_width + g->bit_offset <= 16)
		return 16;
	if (g->bit_width + g->bit_offset <= 32)
		return 32;
	return 64;
}

static bool gas_usable(const struct acpi_gas *g)
{
	if (!g->address)
		return false;
	switch (g->space_id) {
	case ACPI_SPACE_MEM:
		return true;
	case ACPI_SPACE_IO:
		return g->address <= 0xffff && gas_width(g) <= 32;
	case ACPI_SPACE_PCI:
		/* bus 0 only: device in 32..47, function in 16..31 */
		return (g->address >> 32) < 32 &&
		       ((g->address >> 16) & 0xffff) < 8 && gas_width(g) <= 32;
	default:
		return false;
	}
}

static uint32_t pci_conf_addr(uint64_t a)
{
	return 0x80000000u | (uint32_t)((a >> 32) & 0x1f) << 11 |
	       (uint32_t)((a >> 16) & 7) << 8 | (uint32_t)(a & 0xfc);
}

static int gas_access(const struct acpi_gas *g, uint64_t *val, bool write)
{
	unsigned int width = gas_width(g);
	uint64_t v = write ? *val << g->bit_offset : 0;
	uint16_t port = (uint16_t)g->address;

	if (!gas_usable(g))
		return -EINVAL;
	if (g->space_id == ACPI_SPACE_PCI) {
		outl(pci_conf_addr(g->address), 0xcf8);
		port = 0xcfc + (g->address & 3);
	}
	if (g->space_id == ACPI_SPACE_MEM) {
		volatile void *p = __va(g->address);

		switch (width) {
		case 8:
			if (write)
				writeb((uint8_t)v, p);
			else
				v = readb(p);
			break;
		case 16:
			if (write)
				writew((uint16_t)v, p);
			else
				v = readw(p);
			break;
		case 32:
			if (write)
				writel((uint32_t)v, p);
			else
				v = readl(p);
			break;
		default:
			if (write)
				writeq(v, p);
			else
				v = readq(p);
		}
	} else {
		switch (width) {
		case 8:
			if (write)
				outb((uint8_t)v, port);
			else
				v = inb(port);
			break;
		case 16:
			if (write)
				outw((uint16_t)v, port);
			else
				v = inw(port);
			break;
		default:
			if (write)
				outl((uint32_t)v, port);
			else
				v = inl(port);
		}
	}
	if (!write)
		*val = v >> g->bit_offset;
	return 0;
}

int acpi_gas_read(const struct acpi_gas *g, uint64_t *val)
{
	return gas_access(g, val, false);
}

int acpi_gas_write(const struct acpi_gas *g, uint64_t val)
{
	return gas_access(g, &val, true);
}

/* Memory-space registers are mapped now: power-off must not allocate. */
static bool gas_map(struct acpi_gas *g, const char *what)
{
	if (!gas_usable(g)) {
		if (g->address)
			printk(LOG_WARN
			       "ACPI: %s register in address space %u at %#lx is not usable\n",
			       what, g->space_id, g->address);
		return false;
	}
	if (g->space_id == ACPI_SPACE_MEM &&
	    !phys_map(g->address, gas_width(g) / 8, PHYS_UC)) {
		printk(LOG_WARN "ACPI: cannot map the %s register at %#lx\n",
		       what, g->address);
		return false;
	}
	return true;
}

int acpi_enable_mode(void)
{
	uint64_t v;

	if (acpi_info.hw_reduced || !acpi_info.smi_cmd ||
	    !acpi_info.acpi_enable)
		return 0; /* no legacy mode to leave */
	if (acpi_gas_read(&acpi_info.pm1a_cnt, &v))
		return -EINVAL;
	if (v & ACPI_PM1_SCI_EN)
		return 0;
	outb(acpi_info.acpi_enable, (uint16_t)acpi_info.smi_cmd);
	/* The firmware's SMI handler may take a while; 3 s as ACPICA allows. */
	for (unsigned int ms = 0; ms < 3000; ms++) {
		if (!acpi_gas_read(&acpi_info.pm1a_cnt, &v) &&
		    (v & ACPI_PM1_SCI_EN))
			return 0;
		udelay(1000);
	}
	printk(LOG_ERR
	       "ACPI: the firmware did not enter ACPI mode (wrote %#x to port %#x)\n",
	       acpi_info.acpi_enable, acpi_info.smi_cmd);
	return -ETIMEDOUT;
}

/* ---- FADT ---- */

/* Prefer the 64-bit GAS; fall back to the 1.0 I/O port field. */
static void pm1_reg(struct acpi_gas *out, const struct acpi_gas *x,
		    uint32_t legacy, uint8_t len, bool have_x)
{
	memset(out, 0, sizeof(*out));
	if (have_x && x->address &&
	    (x->space_id == ACPI_SPACE_MEM || x->space_id == ACPI_SPACE_IO)) {
		*out = *x;
		if (!out->bit_width && !out->access_size)
			out->bit_width = 16;
		return;
	}
	if (legacy) {
		out->space_id = ACPI_SPACE_IO;
		out->bit_width = len >= 2 ? MIN(len, 4) * 8 : 16;
		out->address = legacy;
	}
}

static const char *gas_str(char buf[24], const struct acpi_gas *g)
{
	static const char *const space[] = {"mem", "io", "pci"};

	if (!g->address)
		return "none";
	snprintf(buf, 24, "%s:%#lx",
		 g->space_id < ARRAY_SIZE(space) ? space[g->space_id] : "?",
		 g->address);
	return buf;
}

static void parse_fadt(const struct acpi_table_header *h)
{
	char g[4][24];
	struct acpi_fadt f;
	uint64_t v;
	size_t have = MIN(h->length, sizeof(f));
	bool have_x;

	memset(&f, 0, sizeof(f));
	memcpy(&f, h, have);
	have_x = have >= offsetof(struct acpi_fadt, x_pm1b_cnt_blk) +
				 sizeof(struct acpi_gas);

	acpi_info.hw_reduced = have >= offsetof(struct acpi_fadt, reset_reg) &&
			       (f.flags & FADT_HW_REDUCED_ACPI);
	acpi_info.dsdt = f.dsdt;
	if (have >= offsetof(struct acpi_fadt, x_dsdt) + 8 && f.x_dsdt)
		acpi_info.dsdt = f.x_dsdt;
	acpi_info.smi_cmd = f.smi_cmd;
	acpi_info.acpi_enable = f.acpi_enable;
	if (h->revision >= 2 || have_x)
		acpi_info.iapc_boot_arch = f.iapc_boot_arch;

	pm1_reg(&acpi_info.pm1a_cnt, &f.x_pm1a_cnt_blk, f.pm1a_cnt_blk,
		f.pm1_cnt_len, have_x);
	pm1_reg(&acpi_info.pm1b_cnt, &f.x_pm1b_cnt_blk, f.pm1b_cnt_blk,
		f.pm1_cnt_len, have_x);
	if (!gas_map(&acpi_info.pm1a_cnt, "PM1a control"))
		memset(&acpi_info.pm1a_cnt, 0, sizeof(acpi_info.pm1a_cnt));
	if (!gas_map(&acpi_info.pm1b_cnt, "PM1b control"))
		memset(&acpi_info.pm1b_cnt, 0, sizeof(acpi_info.pm1b_cnt));
	if (have >= offsetof(struct acpi_fadt, sleep_status_reg)) {
		acpi_info.sleep_cnt = f.sleep_control_reg;
		if (!gas_map(&acpi_info.sleep_cnt, "sleep control"))
			memset(&acpi_info.sleep_cnt, 0,
			       sizeof(acpi_info.sleep_cnt));
	}

	if (!acpi_info.hw_reduced && acpi_info.smi_cmd &&
	    acpi_info.acpi_enable && acpi_info.pm1a_cnt.address &&
	    !acpi_gas_read(&acpi_info.pm1a_cnt, &v) && !(v & ACPI_PM1_SCI_EN))
		printk("ACPI: the firmware is in legacy mode: ACPI mode is entered at power-off\n");

	if (have >= offsetof(struct acpi_fadt, arm_boot_arch) &&
	    (f.flags & FADT_RESET_REG_SUP)) {
		acpi_info.reset_reg = f.reset_reg;
		acpi_info.reset_value = f.reset_value;
		acpi_info.reset_supported =
			gas_map(&acpi_info.reset_reg, "reset");
	}

	printk("ACPI: PM1a_CNT %s, PM1b_CNT %s, sleep control %s, reset %s <- %#x, SMI_CMD %#x%s\n",
	       gas_str(g[0], &acpi_info.pm1a_cnt),
	       gas_str(g[1], &acpi_info.pm1b_cnt),
	       gas_str(g[2], &acpi_info.sleep_cnt),
	       acpi_info.reset_supported ? gas_str(g[3], &acpi_info.reset_reg)
					 : "none",
	       acpi_info.reset_value, acpi_info.smi_cmd,
	       acpi_info.hw_reduced ? ", hardware-reduced" : "");
}

/* ---- AML: just enough to read Name(_S5, Package(){a, b, ...}) ---- */

#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_QWORD 0x0e
#define AML_PACKAGE 0x12
#define AML_ROOT '\\'

/* One integer constant; returns its length in bytes, or 0 if it is none. */
static size_t aml_const(const uint8_t *p, size_t left, uint64_t *val)
{
	size_t n;

	if (!left)
		return 0;
	switch (p[0]) {
	case AML_ZERO:
		*val = 0;
		return 1;
	case AML_ONE:
		*val = 1;
		return 1;
	case AML_BYTE:
		n = 1;
		break;
	case AML_WORD:
		n = 2;
		break;
	case AML_DWORD:
		n = 4;
		break;
	case AML_QWORD:
		n = 8;
		break;
	default:
		return 0;
	}
	if (left < 1 + n)
		return 0;
	*val = 0;
	for (size_t i = 0; i < n; i++)
		*val |= (uint64_t)p[1 + i] << (8 * i);
	return 1 + n;
}

/* Decode the package that follows a "_S5_" name at aml[pos]. */
static int decode_s5(const uint8_t *aml, size_t len, size_t pos, uint8_t *typa,
		     uint8_t *typb)
{
	size_t i = pos + 4, pkg_end, n;
	uint64_t a, b;
	unsigned int lead_bytes, count;

	if (i + 3 > len || aml[i] != AML_PACKAGE)
		return -EINVAL;
	lead_bytes = aml[i + 1] >> 6;
	/* PkgLength counts itself and the rest of the package. */
	if (lead_bytes) {
		size_t pl = aml[i + 1] & 0x0f;

		if (i + 2 + lead_bytes > len)
			return -EINVAL;
		for (unsigned int k = 0; k < lead_bytes; k++)
			pl |= (size_t)aml[i + 2 + k] << (4 + 8 * k);
		pkg_end = i + 1 + pl;
	} else {
		pkg_end = i + 1 + (aml[i + 1] & 0x3f);
	}
	if (pkg_end > len)
		return -EINVAL;
	i += 2 + lead_bytes;
	if (i >= pkg_end)
		return -EINVAL;
	count = aml[i++];
	if (!count)
		return -EINVAL;
	n = aml_const(aml + i, pkg_end - i, &a);
	if (!n)
		return -EINVAL;
	i += n;
	b = a;
	if (count >= 2) {
		n = aml_const(aml + i, pkg_end - i, &b);
		if (!n)
			return -EINVAL;
	}
	if (a > 7 || b > 7)
		return -EINVAL;
	*typa = (uint8_t)a;
	*typb = (uint8_t)b;
	return 0;
}

int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *typa,
		     uint8_t *typb)
{
	int rc = -ENOENT;

	for (size_t i = 1; i + 4 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4))
			continue;
		/* A definition, not a reference: NameOp, maybe a root prefix. */
		if (aml[i - 1] != AML_NAME &&
		    !(aml[i - 1] == AML_ROOT && i >= 2 &&
		      aml[i - 2] == AML_NAME))
			continue;
		if (!decode_s5(aml, len, i, typa, typb))
			return 0;
		rc = -EINVAL;
	}
	return rc;
}

static void find_s5(void)
{
	const struct acpi_table_header *h;
	int rc = -ENOENT;

	for (unsigned int i = 0;
	     (h = acpi_find_table(i ? "SSDT" : "DSDT", i ? i - 1 : 0)); i++) {
		int r = acpi_aml_find_s5(
			(const uint8_t *)(h + 1), h->length - sizeof(*h),
			&acpi_info.slp_typa, &acpi_info.slp_typb);

		if (!r) {
			acpi_info.s5_valid = true;
			printk("ACPI: \\_S5 in the %.4s: SLP_TYPa %u SLP_TYPb %u\n",
			       h->signature, acpi_info.slp_typa,
			       acpi_info.slp_typb);
			return;
		}
		if (r == -EINVAL)
			rc = r;
	}
	printk(LOG_WARN "ACPI: %s: power-off will halt instead\n",
	       rc == -ENOENT
		       ? "no \\_S5 object in the DSDT or SSDTs"
		       : "the \\_S5 object is not a package of constants");
}

/* ---- MADT, HPET ---- */

static void parse_madt(const struct acpi_table_header *h)
{
	const struct acpi_madt *m = (const void *)h;
	const uint8_t *p, *end = (const uint8_t *)h + h->length;

	if (h->length < sizeof(*m))
		return;
	acpi_info.lapic_base = m->lapic_address;
	acpi_info.pcat_compat = m->flags & MADT_PCAT_COMPAT;
	for (p = (const uint8_t *)(m + 1); p + 2 <= end; p += p[1]) {
		uint32_t flags;
		uint64_t addr;

		if (p[1] < 2 || p + p[1] > end) {
			printk(LOG_WARN
			       "ACPI: MADT entry of type %u has a bad length %u\n",
			       p[0], p[1]);
			break;
		}
		switch (p[0]) {
		case MADT_LAPIC:
			if (p[1] < 8)
				break;
			memcpy(&flags, p + 4, 4);
			acpi_info.nr_cpus += flags & MADT_ENABLED;
			break;
		case MADT_X2APIC:
			if (p[1] < 16)
				break;
			memcpy(&flags, p + 8, 4);
			acpi_info.nr_cpus += flags & MADT_ENABLED;
			break;
		case MADT_LAPIC_OVERRIDE:
			if (p[1] < 12)
				break;
			memcpy(&addr, p + 4, 8);
			acpi_info.lapic_base = addr;
			break;
		}
	}
	printk("ACPI: LAPIC at %#lx, %u CPU%s enabled\n", acpi_info.lapic_base,
	       acpi_info.nr_cpus, acpi_info.nr_cpus == 1 ? "" : "s");
}

static void parse_hpet(const struct acpi_table_header *h)
{
	const struct acpi_hpet *t = (const void *)h;

	if (h->length < sizeof(*t))
		return;
	if (t->base.space_id != ACPI_SPACE_MEM || !t->base.address) {
		printk(LOG_WARN
		       "ACPI: HPET in address space %u at %#lx is not usable\n",
		       t->base.space_id, t->base.address);
		return;
	}
	acpi_info.hpet_base = t->base.address;
	printk("ACPI: HPET %u at %#lx\n", t->hpet_number, acpi_info.hpet_base);
}

/* ---- init ---- */

static int acpi_init(void)
{
	const struct acpi_table_header *root, *h;
	const struct acpi_rsdp *r;
	paddr_t rsdp_pa = find_rsdp(), root_pa;
	unsigned int entry_size, n;
	char oem[7];

	if (!rsdp_pa) {
		printk(LOG_ERR
		       "ACPI: no RSDP found: no ACPI power-off, restart through the chipset only\n");
		return -ENODEV;
	}
	r = phys_map(rsdp_pa, RSDP_V1_LEN, PHYS_WB);
	if (!r || !rsdp_valid(r)) {
		printk(LOG_ERR "ACPI: no valid RSDP at %#lx\n", rsdp_pa);
		return -EINVAL;
	}
	/* Map the extension only once revision says it is there. */
	if (r->revision >= 2 && !phys_map(rsdp_pa, RSDP_V2_LEN, PHYS_WB))
		return -ENOMEM;
	acpi_info.present = true;
	acpi_info.rsdp = rsdp_pa;
	acpi_info.revision = r->revision;
	memcpy(oem, r->oem_id, 6);
	oem[6] = '\0';
	printk("ACPI: RSDP %#012lx v%02u %s\n", rsdp_pa, r->revision, oem);

	root = NULL;
	if (r->revision >= 2 && r->xsdt_address &&
	    !acpi_checksum(r, RSDP_V2_LEN)) {
		root_pa = r->xsdt_address;
		root = map_table(root_pa, "RSDP");
		entry_size = 8;
		if (root && memcmp(root->signature, "XSDT", 4))
			root = NULL;
	}
	if (!root) {
		root_pa = r->rsdt_address;
		root = map_table(root_pa, "RSDP");
		entry_size = 4;
		if (root && memcmp(root->signature, "RSDT", 4)) {
			printk(LOG_ERR
			       "ACPI: the RSDT at %#lx has signature %.4s\n",
			       root_pa, root->signature);
			root = NULL;
		}
	}
	if (!root) {
		printk(LOG_ERR "ACPI: no valid RSDT or XSDT\n");
		return -EINVAL;
	}
	add_table(root, root_pa);

	n = (root->length - sizeof(*root)) / entry_size;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * entry_size;
		uint64_t pa = 0;

		memcpy(&pa, e, entry_size);
		h = map_table(pa, entry_size == 8 ? "XSDT" : "RSDT");
		if (h)
			add_table(h, pa);
	}

	h = acpi_find_table("FACP", 0);
	if (h) {
		parse_fadt(h);
		h = map_table(acpi_info.dsdt, "FADT");
		if (h && !memcmp(h->signature, "DSDT", 4))
			add_table(h, acpi_info.dsdt);
		else
			printk(LOG_ERR "ACPI: no valid DSDT at %#lx\n",
			       acpi_info.dsdt);
		find_s5();
	} else {
		printk(LOG_ERR
		       "ACPI: no valid FADT: no ACPI power-off or reset register\n");
	}
	h = acpi_find_table("APIC", 0);
	if (h)
		parse_madt(h);
	h = acpi_find_table("HPET", 0);
	if (h)
		parse_hpet(h);
	return 0;
}
__initcall(acpi_init, INIT_PLATFORM);

/* ---- self tests ---- */

SELFTEST(acpi, tables_found_and_checksummed)
{
	const struct acpi_rsdp *r;

	if (!acpi_info.present) {
		ST_CHECK(t, false, "no RSDP found");
		return;
	}
	r = __va(acpi_info.rsdp);
	ST_CHECK(t, !memcmp(r->signature, "RSD PTR ", 8), "RSDP signature");
	ST_CHECK_EQ(t, acpi_checksum(r, RSDP_V1_LEN), 0);
	if (r->revision >= 2)
		ST_CHECK_EQ(t, acpi_checksum(r, RSDP_V2_LEN), 0);
	ST_CHECK(t, nr_tables >= 3, "only %u tables", nr_tables);
	for (unsigned int i = 0; i < nr_tables; i++)
		ST_CHECK(t, !acpi_checksum(tables[i], tables[i]->length),
			 "table %u (%.4s) checksum", i, tables[i]->signature);
	ST_CHECK(t, acpi_find_table("FACP", 0), "no FADT");
	ST_CHECK(t, acpi_find_table("DSDT", 0), "no DSDT");
	ST_CHECK(t, acpi_find_table("APIC", 0), "no MADT");
	ST_CHECK(t, !acpi_find_table("FACP", 1), "two FADTs");
	ST_CHECK(t, !acpi_find_table("ZZZZ", 0),
		 "found a table that is not there");
}

SELFTEST(acpi, fadt_pm1_and_s5)
{
	uint64_t v = 0;

	if (acpi_info.hw_reduced) {
		ST_CHECK(t, acpi_info.sleep_cnt.address != 0,
			 "hardware-reduced without a sleep control register");
	} else {
		ST_CHECK(t, acpi_info.pm1a_cnt.address != 0,
			 "no PM1a control block");
		ST_CHECK(t, !acpi_gas_read(&acpi_info.pm1a_cnt, &v),
			 "PM1a control unreadable");
		/* an unclaimed I/O port reads all ones */
		ST_CHECK(t, v != 0xffff && v != 0xffffffff,
			 "PM1a_CNT reads %#lx", v);
	}
	ST_CHECK(t, acpi_info.s5_valid, "\\_S5 not decoded");
	ST_CHECK(t, acpi_info.lapic_base != 0, "no LAPIC address in the MADT");
	ST_CHECK(t, acpi_info.nr_cpus >= 1, "no enabled CPU in the MADT");
}

SELFTEST(acpi, aml_s5_decoder)
{
	/* Name(_S5, Package(4){0x05, One, Zero, Zero}) inside other bytes */
	static const uint8_t good[] = {0x10,	0x08,	  AML_NAME, '_',
				       'S',	'5',	  '_',	    AML_PACKAGE,
				       0x07,	0x04,	  AML_BYTE, 0x05,
				       AML_ONE, AML_ZERO, AML_ZERO, 0xa4};
	/* \_S5_ with a two-byte PkgLength and word constants */
	static const uint8_t root[] = {AML_NAME, AML_ROOT, '_',		'S',
				       '5',	 '_',	   AML_PACKAGE, 0x48,
				       0x00,	 0x02,	   AML_WORD,	0x07,
				       0x00,	 AML_BYTE, 0x03};
	/* a reference (Return (_S5_)) then a definition whose package
	 * holds a method call: invalid */
	static const uint8_t bad[] = {
		0xa4, '_',	   'S',	 '5',  '_', AML_NAME, '_', 'S', '5',
		'_',  AML_PACKAGE, 0x05, 0x02, 'A', 'B',      'C', 'D'};
	/* package running past the end */
	static const uint8_t trunc[] = {AML_NAME,    '_',  'S',	 '5',	  '_',
					AML_PACKAGE, 0x3f, 0x02, AML_ZERO};
	static const uint8_t none[] = {AML_NAME, '_',	      'S',  '4',
				       '_',	 AML_PACKAGE, 0x04, 0x02,
				       AML_ZERO, AML_ZERO};
	/* SLP_TYP is 3 bits */
	static const uint8_t big[] = {AML_NAME, '_',	     'S',     '5',
				      '_',	AML_PACKAGE, 0x05,    0x02,
				      AML_BYTE, 0x09,	     AML_ZERO};
	uint8_t a = 0xee, b = 0xee;

	ST_CHECK_EQ(t, acpi_aml_find_s5(good, sizeof(good), &a, &b), 0);
	ST_CHECK_EQ(t, a, 5);
	ST_CHECK_EQ(t, b, 1);
	ST_CHECK_EQ(t, acpi_aml_find_s5(root, sizeof(root), &a, &b), 0);
	ST_CHECK_EQ(t, a, 7);
	ST_CHECK_EQ(t, b, 3);
	ST_CHECK_EQ(t, acpi_aml_find_s5(bad, sizeof(bad), &a, &b), -EINVAL);
	ST_CHECK_EQ(t, acpi_aml_find_s5(trunc, sizeof(trunc), &a, &b), -EINVAL);
	ST_CHECK_EQ(t, acpi_aml_find_s5(none, sizeof(none), &a, &b), -ENOENT);
	ST_CHECK_EQ(t, acpi_aml_find_s5(big, sizeof(big), &a, &b), -EINVAL);
}
