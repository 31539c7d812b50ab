/* SPDX-License-Identifier: MIT */
/*
 * The recording API the hooks call, with the guard set and only in the ENABLED state. It knows
 * nothing of LD_PRELOAD: give it addresses, sizes and flags.
 */
#ifndef GRW_RECORD_H
#define GRW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addrmap.h"

/* A heap block of size requested bytes now lives at p. */
void grw_record_alloc(void *p, size_t size);
/* p is about to be freed. Returns true (and fills *was, if not NULL) when p was tracked. */
bool grw_record_free(void *p, struct grw_block *was);
/* Undoes grw_record_free after the real realloc failed: p is live again as *was. */
void grw_record_unfree(void *p, const struct grw_block *was);

/* mmap returned addr for len bytes with flags: replaces whatever was tracked there; starts a
 * region when the mapping is anonymous. */
void grw_record_mmap(void *addr, size_t len, int flags);
/* [addr, addr+len) is about to be unmapped. */
void grw_record_munmap(void *addr, size_t len);

struct grw_mremap_undo {
	uintptr_t start, end; /* the old range */
	uint32_t site;        /* its site, UINT32_MAX when untracked */
	bool removed;         /* the old range was taken out of the regions */
	unsigned ncharges;    /* unmap charges held back until the call succeeds */
	struct {
		uint32_t site;
		bool ended;
		uint64_t bytes;
	} charges[4];
};
/* Before the real mremap: takes the old range out (unless MREMAP_DONTUNMAP). */
void grw_record_mremap_begin(void *old, size_t old_len, int flags, struct grw_mremap_undo *u);
/* After it: r is the result (MAP_FAILED on failure: the old range is put back). */
void grw_record_mremap_end(const struct grw_mremap_undo *u, void *r, size_t new_len);

#endif
