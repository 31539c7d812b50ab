/* SPDX-License-Identifier: MIT */
/*
 * Finds the Go runtime's cgo call trampoline (runtime.asmcgocall) in the main executable, so the
 * stack walker can recognise the point where a C call made from a goroutine left the goroutine's
 * stack (docs/go.md, "Stacks cross the cgo boundary"). Init-time only: reads the executable's
 * ELF file, never allocates with the host's malloc.
 */
#ifndef GRW_GOSYMS_H
#define GRW_GOSYMS_H

#include <stdint.h>

/* What the stack walker and the live warning need to know of a Go executable: run-time address
 * ranges [lo, hi), both 0 when the symbol is absent. */
struct grw_gosyms {
	uintptr_t cgocall_lo, cgocall_hi; /* runtime.asmcgocall, where C calls leave the goroutine */
	uintptr_t mmap_lo, mmap_hi;       /* x_cgo_mmap, cgo's hook for the runtime's own mmap */
};

/* Looks the symbols up in /proc/self/exe's .symtab (asmcgocall's ABI0 body, named
 * `runtime.asmcgocall.abi0` since Go 1.17, else `runtime.asmcgocall`). The symbol table is read
 * only when the file has a `.go.buildinfo` section: any other program costs an open, an mmap and
 * a look at the section headers. Returns 0 when at least one was found, -ENOENT when the
 * executable is not Go or has neither (stripped), or another negative errno. Call once from
 * init, with the guard set (it calls mmap); not thread-safe in any other sense. */
int grw_gosyms_find(struct grw_gosyms *out);

#endif
