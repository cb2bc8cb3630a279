/* SPDX-License-Identifier: MIT */
#ifndef MICA_UART_H
#define MICA_UART_H

#include <mica/types.h>

/* COM1 was found (and registered as a console, if console= allows). */
bool uart_present(void);

#endif
