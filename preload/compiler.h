/* SPDX-License-Identifier: MIT */
/* Compiler attributes shared by the preload's hot paths. */
#ifndef GRW_COMPILER_H
#define GRW_COMPILER_H

/* Inlined whatever the compiler's size heuristics say: for hot-path helpers whose call would
 * cost a frame and saved registers on every allocation (hooks.c, cfi_unwind.c). */
#define ALWAYS_INLINE inline __attribute__((always_inline))

#endif
