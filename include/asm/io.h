/* SPDX-License-Identifier: MIT */
#ifndef ASM_IO_H
#define ASM_IO_H

#include <mica/types.h>

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint8_t v, uint16_t port)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t v, uint16_t port)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint32_t v, uint16_t port)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

#define readb(a) (*(volatile uint8_t *)(a))
#define readw(a) (*(volatile uint16_t *)(a))
#define readl(a) (*(volatile uint32_t *)(a))
#define readq(a) (*(volatile uint64_t *)(a))
#define writeb(v, a) (*(volatile uint8_t *)(a) = (v))
#define writew(v, a) (*(volatile uint16_t *)(a) = (v))
#define writel(v, a) (*(volatile uint32_t *)(a) = (v))
#define writeq(v, a) (*(volatile uint64_t *)(a) = (v))

#endif
