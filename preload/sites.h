/* SPDX-License-Identifier: MIT */
/*
 * Allocation sites: a (kind, stack) pair interned to a dense id. A per-thread direct-mapped
 * cache answers repeated stacks; misses probe a global index that readers use without a lock;
 * only a new stack takes a mutex. Sites are immutable once published and never freed.
 */
#ifndef GRW_SITES_H
#define GRW_SITES_H

#include <stdint.h>

#include "trace_format.h"

#define GRW_MAX_SITES (1u << 20) /* beyond this, allocations count as untracked */
#define GRW_SITE_CACHE 4096      /* entries of the per-thread cache (16 B each), power of two */

struct grw_site {
	uint64_t t_ns;  /* monotonic time of the first allocation (grw_now_ns) */
	uint32_t id;    /* dense, from 0 */
	uint32_t pad_;
	uint32_t kind;  /* enum grw_site_kind; kind, depth and frames are the hash key, in order */
	uint32_t depth; /* frames used */
	uintptr_t frames[]; /* return addresses, innermost first */
};

struct grw_site_cache {
	struct {
		uint64_t hash; /* of (kind, depth, frames) */
		uint32_t id;
		uint32_t tag; /* stack_tag() of the stack; 0 = empty */
	} e[GRW_SITE_CACHE];
};

/* Interns the stack; *id receives the site id. key: the stack's key, grw_stack_poly(frames,
 * depth), when the caller has it (the stack walker: stackhash.h), or NULL to compute it here.
 * cache may be NULL (a thread without state).
 * Returns 0, -ENOMEM (internal allocator exhausted) or -ENOSPC (GRW_MAX_SITES reached).
 * Thread-safe; call with the guard set. */
int grw_sites_intern(struct grw_site_cache *cache, uint32_t kind, const uintptr_t *frames,
		     uint32_t depth, const uint64_t *key, uint32_t *id);

/* Number of published sites; every id below it is readable with grw_sites_get. */
uint32_t grw_sites_count(void);
const struct grw_site *grw_sites_get(uint32_t id);

/* Fork: prepare locks, parent unlocks, child re-initialises. */
void grw_sites_lock(void);
void grw_sites_unlock(void);
void grw_sites_reinit(void);

#endif
