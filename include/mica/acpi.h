/* SPDX-License-Identifier: MIT */
/*
 * ACPI static tables (drivers/acpi.c): what mica needs from the firmware
 * without an AML interpreter. acpi_init() (INIT_PLATFORM) finds the RSDP,
 * checks every table's checksum and fills acpi_info from the FADT, the MADT,
 * the HPET table and the \_S5 package of the DSDT/SSDTs. Tables whose
 * checksum is wrong are reported and ignored.
 */
#ifndef MICA_ACPI_H
#define MICA_ACPI_H

#include <mica/types.h>

/* Generic Address Structure (ACPI 6.5, 5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 0 undefined (legacy), 1 byte .. 4 qword */
	uint64_t address;
} __packed;

#define ACPI_SPACE_MEM 0
#define ACPI_SPACE_IO 1
#define ACPI_SPACE_PCI 2

/* Every table but the RSDP/FACS starts with this (ACPI 6.5, 5.2.6). */
struct acpi_table_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;

/* PM1 control register bits. */
#define ACPI_PM1_SCI_EN (1u << 0)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK (7u << 10)
#define ACPI_PM1_SLP_EN (1u << 13)

/* What acpi_init() found. Addresses are 0 when absent. */
struct acpi_info {
	bool present; /* an RSDP with a valid checksum was found */
	paddr_t rsdp;
	uint8_t revision; /* of the RSDP: 0 = ACPI 1.0, 2 = XSDT era */
	bool hw_reduced;  /* FADT HW_REDUCED_ACPI: no PM1 registers */

	struct acpi_gas pm1a_cnt, pm1b_cnt;
	struct acpi_gas sleep_cnt; /* hardware-reduced sleep control */
	uint32_t smi_cmd;	   /* SMI command port, to enable ACPI mode */
	uint8_t acpi_enable;	   /* value to write there */

	bool reset_supported; /* FADT RESET_REG_SUP and a usable register */
	struct acpi_gas reset_reg;
	uint8_t reset_value;

	uint16_t iapc_boot_arch; /* FADT boot architecture flags */
	paddr_t dsdt;

	bool s5_valid; /* \_S5 found and decoded */
	uint8_t slp_typa, slp_typb;

	paddr_t lapic_base;   /* from the MADT (override applied) */
	bool pcat_compat;     /* MADT: the machine also has dual 8259 PICs */
	paddr_t hpet_base;    /* from the HPET table (system memory) */
	unsigned int nr_cpus; /* enabled processor entries in the MADT */
};
extern struct acpi_info acpi_info;

#define ACPI_IAPC_8042 (1u << 1)

/*
 * The instance'th (0-based) table with the given signature whose checksum
 * is valid, mapped whole, or NULL. "DSDT" and "FACS" are found through the
 * FADT. Valid from INIT_PLATFORM on.
 */
const struct acpi_table_header *acpi_find_table(const char sig[4],
						unsigned int instance);

/* 8-bit sum of len bytes: 0 for a valid ACPI table. */
uint8_t acpi_checksum(const void *p, size_t len);

/*
 * Read or write a register described by a GAS (system memory, system I/O,
 * or PCI configuration space of bus 0). The access width comes from
 * access_size, else bit_width. Returns 0, or -EINVAL for a register mica
 * cannot reach. Memory registers must have been mapped (acpi_init() maps
 * the ones in acpi_info).
 */
int acpi_gas_read(const struct acpi_gas *g, uint64_t *val);
int acpi_gas_write(const struct acpi_gas *g, uint64_t val);

/*
 * Find the \_S5 package in an AML byte stream and decode its first two
 * elements. Returns 0, -ENOENT if there is no _S5 name, or -EINVAL if what
 * follows it is not a package of constants. Exposed for the tests.
 */
int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *typa,
		     uint8_t *typb);

/*
 * Switch the firmware from legacy (SMI) mode to ACPI mode if it is not
 * there yet, so that the PM1 registers respond. Returns 0 or -ETIMEDOUT.
 */
int acpi_enable_mode(void);

#endif
