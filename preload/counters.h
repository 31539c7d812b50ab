/* SPDX-License-Identifier: MIT */
/*
 * Per-site counters without shared writes: each thread owns a block of slots indexed by site
 * id (chunked, so a reader never sees a slot move) and updates it with relaxed atomic stores;
 * the writer sums all blocks. A thread's block is folded into the retired block when the thread
 * exits; events after that (late TLS destructors) go to the retired block with atomic adds.
 */
#ifndef GRW_COUNTERS_H
#define GRW_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "sites.h"

struct grw_cslot {
	uint64_t allocs;      /* allocation calls (mmap calls for mmap sites) */
	uint64_t frees;       /* frees charged to this site (mappings that ended) */
	uint64_t alloc_bytes; /* requested (heap) or mapped (mmap) bytes */
	uint64_t freed_bytes; /* bytes of those frees/unmaps */
};

struct grw_tblock; /* this thread's counters and site cache */

/* Creates the counters' pthread key. Call once from init. Returns 0 or -errno. */
int grw_counters_init(void);

/* This thread's block, created on first use; NULL when the thread is exiting (its block was
 * folded) or memory ran out: pass NULL to grw_counters_add and it uses the retired block. */
struct grw_tblock *grw_counters_self(void);
struct grw_site_cache *grw_counters_cache(struct grw_tblock *b);

/* Adds the deltas (wrapping: pass (uint64_t)-1 to subtract) to site's slot. */
void grw_counters_add(struct grw_tblock *b, uint32_t site, uint64_t allocs, uint64_t frees,
		      uint64_t alloc_bytes, uint64_t freed_bytes);
/* grw_counters_add(b, site, 1, 0, bytes, 0) and grw_counters_add(b, site, 0, 1, 0, bytes). */
void grw_counters_alloc1(struct grw_tblock *b, uint32_t site, uint64_t bytes);
void grw_counters_free1(struct grw_tblock *b, uint32_t site, uint64_t bytes);
/* grw_counters_free1(grw_counters_self(), site, bytes) when this thread's block and the
 * site's chunk are there: true. Else false, having done nothing. Calls nothing. */
bool grw_counters_free1_fast(uint32_t site, uint64_t bytes);

/* out[0..n) += the sum over all blocks (live and retired). Takes the block-list lock. */
void grw_counters_sum(struct grw_cslot *out, uint32_t n);

/* Global counts of events growth could not attribute (its own memory ran out). */
void grw_counters_untracked(uint64_t bytes);
void grw_counters_untracked_get(uint64_t *allocs, uint64_t *bytes);

void grw_counters_lock(void);
void grw_counters_unlock(void);
void grw_counters_reinit(void);

#endif
