/* SPDX-License-Identifier: MIT */
/*
 * Live memory: address -> (site, size) for heap blocks, in a sharded open-addressing table
 * with one spinlock per shard (no global lock), and the anonymous mmap regions in a sorted
 * array under its own mutex.
 */
#ifndef GRW_ADDRMAP_H
#define GRW_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct grw_block {
	uint64_t size; /* requested bytes */
	uint32_t site;
};

/* Inserts addr. Returns 0, 1 when an entry for addr was already there (a free we missed:
 * *stale receives it and the caller charges it as freed), or -ENOMEM. Thread-safe. */
int grw_addrmap_insert(uintptr_t addr, uint32_t site, uint64_t size, struct grw_block *stale);
/* Removes addr; returns true and fills *out when it was there. Thread-safe. */
bool grw_addrmap_remove(uintptr_t addr, struct grw_block *out);

/* ------------------------------------------------------------------------------------------ */
/* mmap regions (page-aligned [start, end)). */

/* Called for each piece removed from a region: bytes unmapped, and whether that ended the
 * mapping (no piece of the original mmap is left). Runs under the region lock. */
typedef void (*grw_region_charge_fn)(void *ctx, uint32_t site, uint64_t bytes, bool ended);

/* Removes [start, end) from the tracked regions, cutting regions that overlap its edges.
 * Returns the site of the first overlapping region, or UINT32_MAX when none overlapped. */
uint32_t grw_regions_remove(uintptr_t start, uintptr_t end, grw_region_charge_fn charge,
			    void *ctx);
/* Adds [start, end) for site (the caller removed any overlap first). Returns 0 or -ENOMEM. */
int grw_regions_insert(uintptr_t start, uintptr_t end, uint32_t site);

struct grw_region_view {
	uintptr_t start, end;
	uint32_t site;
};
/* Copies the regions into *buf (grown with the internal allocator; *cap in entries). Returns
 * the number copied, or 0 when *buf cannot grow. For the writer. */
size_t grw_regions_copy(struct grw_region_view **buf, size_t *cap);

/* Fork: prepare locks everything (all shards and the regions), parent unlocks, child
 * re-initialises. */
void grw_addrmap_lock(void);
void grw_addrmap_unlock(void);
void grw_addrmap_reinit(void);

#endif
