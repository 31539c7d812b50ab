/* SPDX-License-Identifier: MIT */
/*
 * Allocation sites: a (kind, stack) pair interned to a dense id. A per-thread direct-mapped
 * cache answers repeated stacks; misses probe a global index that readers use without a lock;
 * only a new stack takes a mutex. Sites are immutable once published and never freed.
 */
#ifndef GRW_SITES_H
#define GRW_SITES_H

#include <stdint.h>

#include "compiler.h"
#include "stackhash.h"
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
		uint32_t tag; /* grw_site_tag() of the stack; 0 = empty */
	} e[GRW_SITE_CACHE];
};

/* The stack's hash: its polynomial key (stackhash.h) with kind and depth. No finishing mix:
 * each frame enters the key already mixed (grw_frame_mix), so the key's low bits, which the
 * index uses, and its high bits, which the cache uses, both depend on every bit of every
 * frame. */
static inline uint64_t grw_site_hash(uint32_t kind, uint32_t depth, uint64_t poly)
{
	return poly ^ ((uint64_t)kind << 32 | depth) * 0x9e3779b97f4a7c15ull;
}

/* A second, independent check stored beside the hash in the per-thread cache: never 0. */
static inline uint32_t grw_site_tag(uint32_t kind, const uintptr_t *frames, uint32_t depth)
{
	uint32_t t = depth ? (uint32_t)frames[0] ^ (uint32_t)(frames[depth - 1] >> 4) : 0;
	return (t ^ (depth * 0x9e3779b9u) ^ kind) | 1u;
}

/* grw_sites_intern past its per-thread cache: h and tag as grw_sites_intern computed them. */
int grw_sites_intern_miss(struct grw_site_cache *cache, uint32_t kind, const uintptr_t *frames,
			  uint32_t depth, uint64_t h, uint32_t tag, uint32_t *id);

/* Interns the stack; *id receives the site id. key: the stack's key, grw_stack_poly(frames,
 * depth), when the caller has it (the stack walker: stackhash.h), or NULL to compute it here.
 * cache may be NULL (a thread without state).
 * Returns 0, -ENOMEM (internal allocator exhausted) or -ENOSPC (GRW_MAX_SITES reached).
 * Thread-safe; call with the guard set. Inline (always: GCC declined to) up to the per-thread
 * cache: a hit, nearly every call, costs no function call.
 *
 * A hit trusts the 64-bit hash and the tag (first and last frame, depth) instead of comparing
 * every frame with the site's: that compare read 256 bytes of a shared record per allocation
 * (11% of cxxbench's cycles). Two distinct stacks of one thread must agree on 96 bits to be
 * confused, about 2^-64 per pair; the index compares in full. */
static ALWAYS_INLINE int
grw_sites_intern(struct grw_site_cache *cache, uint32_t kind, const uintptr_t *frames,
		 uint32_t depth, const uint64_t *key, uint32_t *id)
{
	uint64_t h = grw_site_hash(kind, depth, key ? *key : grw_stack_poly(frames, depth));
	uint32_t tag = grw_site_tag(kind, frames, depth);
	unsigned slot = (unsigned)(h >> 40) & (GRW_SITE_CACHE - 1);
	if (cache && cache->e[slot].tag == tag && cache->e[slot].hash == h) {
		*id = cache->e[slot].id;
		return 0;
	}
	return grw_sites_intern_miss(cache, kind, frames, depth, h, tag, id);
}

/* Number of published sites; every id below it is readable with grw_sites_get. */
uint32_t grw_sites_count(void);
const struct grw_site *grw_sites_get(uint32_t id);

/* Fork: prepare locks, parent unlocks, child re-initialises. */
void grw_sites_lock(void);
void grw_sites_unlock(void);
void grw_sites_reinit(void);

#endif
