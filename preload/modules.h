/* SPDX-License-Identifier: MIT */
/*
 * The module map (dl_iterate_phdr): path, build-id, load bias and PT_LOAD segments of every
 * loaded object, for offline symbolization. Reads memory only, no file I/O besides nothing.
 */
#ifndef GRW_MODULES_H
#define GRW_MODULES_H

#include <stdint.h>

#include "trace_codec.h"

/* The loader's counts of objects ever added and removed; they change on dlopen/dlclose. */
void grw_modules_counts(uint64_t *adds, uint64_t *subs);

/* Appends a complete MODULES record to b and returns the counts it reflects. exe is the main
 * program's real path. Takes the loader's lock; allocates only through b. */
void grw_modules_encode(struct grw_buf *b, uint64_t t_ns, const char *exe, uint64_t *adds,
			uint64_t *subs);

#endif
