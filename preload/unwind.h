/* SPDX-License-Identifier: MIT */
/*
 * Stack capture. Everything about how the stack is walked lives behind these three calls, so
 * a faster unwinder can replace libunwind without touching the recorder.
 */
#ifndef GRW_UNWIND_H
#define GRW_UNWIND_H

#include <stdint.h>

/* Sets libunwind's caching policy and learns growth's own text range. Call once from init. */
void grw_unwind_init(void);

/* Fills frames with up to max return addresses of the current thread, innermost first,
 * starting in the function that called the hooked allocator (growth's own frames dropped).
 * Returns the number stored (0 when the stack cannot be walked). Call with the guard set;
 * async-signal-safe as far as libunwind is. */
int grw_unwind_capture(uintptr_t *frames, int max);

/* Drops cached unwind info after a dlclose. */
void grw_unwind_flush(void);

/* Basename of libgrowth.so as loaded (for GROWTH_FOLLOW_EXEC=0), "" if unknown. */
const char *grw_unwind_self_name(void);

#endif
