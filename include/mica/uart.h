/* SPDX-License-Identifier: MIT */
#ifndef MICA_UART_H
#define MICA_UART_H

#include <mica/types.h>

/* Probe and program COM1 per com1=, and register it as a console. */
void uart_init(void);
bool uart_present(void);

#endif
