/* SPDX-License-Identifier: MIT */
/*
 * Stack interning. Hot path: hash the stack, look in this thread's direct-mapped cache and
 * compare the frames with the (immutable) site: no lock. Miss: the global uthash table under a
 * mutex; new sites get the next dense id and are published in a chunked directory that readers
 * use without a lock. uthash allocates through the internal allocator and survives its OOM.
 */
#include "sites.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ialloc.h"
#include "state.h"

static int uthash_oom;
#define uthash_malloc(sz) grw_ialloc(sz)
#define uthash_free(ptr, sz) grw_ifree(ptr, sz)
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) (uthash_oom = 1)
#include <uthash.h>

struct entry {
	UT_hash_handle hh;
	struct grw_site *site; /* key: &site->kind, 8 + depth * 8 bytes */
};

#define DIR_SHIFT 10
#define DIR_CHUNK (1u << DIR_SHIFT)
#define DIR_CHUNKS (GRW_MAX_SITES / DIR_CHUNK)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *table;                       /* guarded by mu */
static struct grw_site **dir[DIR_CHUNKS];         /* id -> site; chunks published with release */
static uint32_t nsites;                           /* published count (release/acquire) */

/* The key bytes start at kind and run to the end of the frames. */
#define KEY_OFF offsetof(struct grw_site, kind)
static inline size_t key_len(uint32_t depth)
{
	return offsetof(struct grw_site, frames) - KEY_OFF + (size_t)depth * sizeof(uintptr_t);
}

static inline uint64_t mix(uint64_t h, uint64_t v, uint64_t k)
{
	h = (h ^ v) * k;
	return h ^ (h >> 32);
}

/* Four independent lanes, so the multiplies of a 32-frame stack overlap instead of forming one
 * dependent chain (the hash was 18% of cxxbench's cycles as a single chain). */
static uint64_t stack_hash(uint32_t kind, const uintptr_t *frames, uint32_t depth)
{
	const uint64_t k1 = 0xff51afd7ed558ccdull, k2 = 0xc4ceb9fe1a85ec53ull;
	uint64_t a = 0x9e3779b97f4a7c15ull ^ ((uint64_t)kind << 32 | depth);
	uint64_t b = 0x6a09e667f3bcc909ull, c = 0xbb67ae8584caa73bull, d = 0x3c6ef372fe94f82bull;
	uint32_t i = 0;
	for (; i + 4 <= depth; i += 4) {
		a = mix(a, frames[i], k1);
		b = mix(b, frames[i + 1], k2);
		c = mix(c, frames[i + 2], k1);
		d = mix(d, frames[i + 3], k2);
	}
	for (; i < depth; i++)
		a = mix(a, frames[i], k1);
	return mix(mix(mix(a, b, k2), c, k1), d, k2);
}

/* A second, independent check stored beside the hash in the per-thread cache: never 0. */
static inline uint32_t stack_tag(uint32_t kind, const uintptr_t *frames, uint32_t depth)
{
	uint32_t t = depth ? (uint32_t)frames[0] ^ (uint32_t)(frames[depth - 1] >> 4) : 0;
	return (t ^ (depth * 0x9e3779b9u) ^ kind) | 1u;
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

/* Under mu: a new site for the stack, or a negative errno. */
static int create(uint32_t kind, const uintptr_t *frames, uint32_t depth, unsigned hv,
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
	size_t sz = sizeof(struct grw_site) + depth * sizeof(uintptr_t);
	struct grw_site *s = grw_ialloc(sz);
	struct entry *e = grw_ialloc(sizeof *e);
	if (!s || !e)
		goto oom;
	s->t_ns = grw_now_ns();
	s->id = n;
	s->kind = kind;
	s->depth = depth;
	s->pad_ = 0;
	memcpy(s->frames, frames, depth * sizeof(uintptr_t));
	memset(e, 0, sizeof *e);
	e->site = s;
	uthash_oom = 0;
	HASH_ADD_KEYPTR_BYHASHVALUE(hh, table, (const char *)s + KEY_OFF, (unsigned)key_len(depth),
				    hv, e);
	if (uthash_oom)
		goto oom;
	__atomic_store_n(&chunk[n & (DIR_CHUNK - 1)], s, __ATOMIC_RELEASE);
	__atomic_store_n(&nsites, n + 1, __ATOMIC_RELEASE);
	*id = n;
	return 0;
oom:
	grw_ifree(s, sz);
	grw_ifree(e, sizeof *e);
	return -ENOMEM;
}

int grw_sites_intern(struct grw_site_cache *cache, uint32_t kind, const uintptr_t *frames,
		     uint32_t depth, uint32_t *id)
{
	uint64_t h = stack_hash(kind, frames, depth);
	uint32_t tag = stack_tag(kind, frames, depth);
	unsigned slot = (unsigned)(h >> 40) & (GRW_SITE_CACHE - 1);
	/* A hit trusts the 64-bit hash and the tag (first and last frame, depth) instead of
	 * comparing every frame with the site's: that compare read 256 bytes of a shared record per
	 * allocation (11% of cxxbench's cycles). Two distinct stacks of one thread must agree on 96
	 * bits to be confused, about 2^-64 per pair; the global table below compares in full. */
	if (cache && cache->e[slot].tag == tag && cache->e[slot].hash == h) {
		*id = cache->e[slot].id;
		return 0;
	}

	/* The lookup key has the layout of a site from kind on. */
	struct {
		uint32_t kind, depth;
		uintptr_t frames[GRW_MAX_DEPTH];
	} key;
	_Static_assert(offsetof(struct grw_site, frames) - KEY_OFF == offsetof(__typeof__(key), frames),
		       "key layout");
	key.kind = kind;
	key.depth = depth;
	memcpy(key.frames, frames, depth * sizeof(uintptr_t));
	unsigned hv = (unsigned)(h ^ (h >> 32));

	int rc = 0;
	struct entry *e = NULL;
	pthread_mutex_lock(&mu);
	HASH_FIND_BYHASHVALUE(hh, table, &key, (unsigned)key_len(depth), hv, e);
	if (e)
		*id = e->site->id;
	else
		rc = create(kind, frames, depth, hv, id);
	pthread_mutex_unlock(&mu);
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
