/* SPDX-License-Identifier: MIT */
/*
 * Included first in every kernel C file (-include): mica is one static
 * image, so every symbol is local to it. Marking declarations hidden, not
 * only definitions, makes -fpie code reach them PC-relative instead of
 * through a GOT, which a static link of the hypervisor cannot relax for
 * addresses taken of functions declared elsewhere.
 */
#pragma GCC visibility push(hidden)
