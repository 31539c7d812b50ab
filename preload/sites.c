/* SPDX-License-Identifier: MIT */
/*
 * Stack interning. Hot path: hash the stack, look in this thread's direct-mapped cache: no lock,
 * no shared write. Miss: a global open-addressing index of (hash, site), probed without a lock;
 * only a stack never seen before takes the mutex, to create its site. New sites get the next
 * dense id and are published in a chunked directory that readers use without a lock.
 *
 * Why our own index rather than uthash (which this table was until docs/performance.md's run
 * 4): uthash cannot be read while another thread inserts, so every cache miss took the mutex.
 * cxxbench has ~10,000 distinct stacks per thread, more than the cache holds, and its two
 * threads then spent 11% of their time in futex calls on that mutex (perf). Readers here probe
 * an array that only ever gains entries, so they need no lock; the index is resized by copying
 * under the mutex and publishing the new array, and the old one is retired, never freed (a
 * reader may still be probing it), which costs at most the size of the final index again.
 */
#include "sites.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ialloc.h"
#include "stackhash.h"
#include "state.h"

/* The index: open addressing, linear probing, at most half full. A slot's site is stored with
 * release after its hash, and an empty slot (site NULL) ends a probe. */
struct islot {
	uint64_t hash;
	struct grw_site *site;
};
struct index {
	size_t mask; /* slots - 1 */
	size_t used;
	struct islot slot[];
};
#define INDEX_FIRST 1024 /* slots of the first index (16 KiB) */

#define DIR_SHIFT 10
#define DIR_CHUNK (1u << DIR_SHIFT)
#define DIR_CHUNKS (GRW_MAX_SITES / DIR_CHUNK)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct index *idx;                         /* published with release; grown under mu */
static struct grw_site **dir[DIR_CHUNKS];         /* id -> site; chunks published with release */
static uint32_t nsites;                           /* published count (release/acquire) */

uint64_t grw_poly_pow[GRW_MAX_DEPTH + 1];

void grw_poly_init(void)
{
	uint64_t p = 1;
	for (int i = 0; i <= GRW_MAX_DEPTH; i++, p *= GRW_POLY_B)
		grw_poly_pow[i] = p;
}

uint32_t grw_sites_count(void)
{
	return __atomic_load_n(&nsites, __ATOMIC_ACQUIRE);
}

const struct grw_site *grw_sites_get(uint32_t id)
{
	struct grw_site **chunk = __atomic_load_n(&dir[id >> DIR_SHIFT], __ATOMIC_ACQUIRE);
	return chunk ? __atomic_load_n(&chunk[id & (DIR_CHUNK - 1)], __ATOMIC_ACQUIRE) : NULL;
}

static inline bool same_stack(const struct grw_site *s, uint32_t kind, const uintptr_t *frames,
			      uint32_t depth)
{
	return s->kind == kind && s->depth == depth &&
	       memcmp(s->frames, frames, depth * sizeof(uintptr_t)) == 0;
}

/* The site of the stack in index x, or NULL. No lock needed. */
static const struct grw_site *find(const struct index *x, uint64_t h, uint32_t kind,
				   const uintptr_t *frames, uint32_t depth)
{
	if (!x)
		return NULL;
	for (size_t i = h & x->mask;; i = (i + 1) & x->mask) {
		const struct grw_site *s = __atomic_load_n(&x->slot[i].site, __ATOMIC_ACQUIRE);
		if (!s)
			return NULL;
		if (x->slot[i].hash == h && same_stack(s, kind, frames, depth))
			return s;
	}
}

/* Under mu: puts s in x, which has a free slot. */
static void put(struct index *x, uint64_t h, struct grw_site *s)
{
	size_t i = h & x->mask;
	while (x->slot[i].site)
		i = (i + 1) & x->mask;
	x->slot[i].hash = h;
	__atomic_store_n(&x->slot[i].site, s, __ATOMIC_RELEASE);
	x->used++;
}

/* Under mu: an index with room for one more site, at most half full when memory allows (a
 * fuller one serves until it is 15/16 full), or NULL. */
static struct index *room(void)
{
	struct index *x = idx;
	if (x && (x->used + 1) * 2 <= x->mask + 1)
		return x;
	size_t n = x ? (x->mask + 1) * 2 : INDEX_FIRST;
	struct index *y = grw_icalloc(sizeof *y + n * sizeof y->slot[0]);
	if (!y)
		return x && (x->used + 1) * 16 <= (x->mask + 1) * 15 ? x : NULL;
	y->mask = n - 1;
	for (size_t i = 0; x && i <= x->mask; i++)
		if (x->slot[i].site)
			put(y, x->slot[i].hash, x->slot[i].site);
	__atomic_store_n(&idx, y, __ATOMIC_RELEASE); /* x is retired: readers may be in it */
	return y;
}

/* Under mu: a new site for the stack, or a negative errno. */
static int create(uint32_t kind, const uintptr_t *frames, uint32_t depth, uint64_t h,
		  uint32_t *id)
{
	uint32_t n = nsites;
	if (n >= GRW_MAX_SITES)
		return -ENOSPC;
	struct grw_site **chunk = dir[n >> DIR_SHIFT];
	if (!chunk) {
		chunk = grw_icalloc(DIR_CHUNK * sizeof *chunk);
		if (!chunk)
			return -ENOMEM;
		__atomic_store_n(&dir[n >> DIR_SHIFT], chunk, __ATOMIC_RELEASE);
	}
	struct index *x = room();
	size_t sz = sizeof(struct grw_site) + depth * sizeof(uintptr_t);
	struct grw_site *s = x ? grw_ialloc(sz) : NULL;
	if (!s)
		return -ENOMEM;
	s->t_ns = grw_now_ns();
	s->id = n;
	s->kind = kind;
	s->depth = depth;
	s->pad_ = 0;
	memcpy(s->frames, frames, depth * sizeof(uintptr_t));
	__atomic_store_n(&chunk[n & (DIR_CHUNK - 1)], s, __ATOMIC_RELEASE);
	__atomic_store_n(&nsites, n + 1, __ATOMIC_RELEASE);
	put(x, h, s);
	*id = n;
	return 0;
}

__attribute__((noinline)) int grw_sites_intern_miss(struct grw_site_cache *cache, uint32_t kind,
						     const uintptr_t *frames, uint32_t depth,
						     uint64_t h, uint32_t tag, uint32_t *id)
{
	unsigned slot = (unsigned)(h >> 40) & (GRW_SITE_CACHE - 1);
	int rc = 0;
	const struct grw_site *s = find(__atomic_load_n(&idx, __ATOMIC_ACQUIRE), h, kind, frames,
					depth);
	if (s) {
		*id = s->id;
	} else {
		pthread_mutex_lock(&mu);
		s = find(idx, h, kind, frames, depth); /* another thread may have made it */
		if (s)
			*id = s->id;
		else
			rc = create(kind, frames, depth, h, id);
		pthread_mutex_unlock(&mu);
	}
	if (rc == 0 && cache) {
		cache->e[slot].hash = h;
		cache->e[slot].id = *id;
		cache->e[slot].tag = tag;
	}
	return rc;
}

void grw_sites_lock(void)
{
	pthread_mutex_lock(&mu);
}

void grw_sites_unlock(void)
{
	pthread_mutex_unlock(&mu);
}

void grw_sites_reinit(void)
{
	pthread_mutex_init(&mu, NULL);
}
