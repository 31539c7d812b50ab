/* SPDX-License-Identifier: MIT */
/*
 * Per-thread counter blocks. A slot is found through one directory (chunks of 256 slots, by
 * site id), whose chunks are allocated on demand by the owner and published with release
 * stores, so the writer can walk them while the owner writes. The owner updates its slots with
 * relaxed load+store (no read-modify-write, no shared line); the writer sums under the
 * block-list lock, which is also what thread exit takes to fold its block into the retired
 * block.
 *
 * One directory level, not two: a directory of all GRW_MAX_SITES / CHUNK chunks is 32 KiB of
 * address space per thread, of which only the pages of the sites in use are touched (4 KiB
 * per 131072 sites), and every malloc and free saves a dependent load and a test.
 */
#include "counters.h"

#include <pthread.h>
#include <string.h>

#include "compiler.h"
#include "ialloc.h"
#include "state.h"
#include "unwind.h"

#define CHUNK_SHIFT 8
#define CHUNK (1u << CHUNK_SHIFT) /* slots per chunk */
#define NCHUNK (GRW_MAX_SITES / CHUNK)

struct chunk {
	struct grw_cslot slot[CHUNK];
};

struct grw_tblock {
	struct grw_tblock *next, *prev; /* list of live blocks, under list_mu */
	uint32_t nchunk; /* chunk[nchunk..] are all NULL (atomic: the retired block is shared);
			  * raised before a chunk is published */
	/* Next to the header, whose page a thread touches anyway; the pages of high site ids
	 * stay untouched. */
	struct chunk *chunk[NCHUNK];
	/* 16-byte entries at 16-byte boundaries (grw_icalloc aligns to 16): none spans two
	 * cache lines. */
	_Alignas(16) struct grw_site_cache cache;
};

static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static struct grw_tblock *blocks;   /* live blocks (threads that recorded and did not exit) */
static struct grw_tblock retired;   /* exited threads and late events; atomic adds only */
static pthread_key_t key;
static uint64_t untracked_allocs, untracked_bytes; /* atomic */

static __thread struct grw_tblock *t_block;
static __thread int t_dead; /* this thread's block was folded: use the retired block */

static void thread_exit(void *arg);

int grw_counters_init(void)
{
	return -pthread_key_create(&key, thread_exit);
}

struct grw_site_cache *grw_counters_cache(struct grw_tblock *b)
{
	return b ? &b->cache : NULL;
}

/* This thread's first block (out of line: grw_counters_self is on every allocation's path). */
static __attribute__((noinline)) struct grw_tblock *block_new(void)
{
	struct grw_tblock *b = grw_icalloc(sizeof *b);
	if (!b)
		return NULL;
	pthread_mutex_lock(&list_mu);
	b->next = blocks;
	if (blocks)
		blocks->prev = b;
	blocks = b;
	pthread_mutex_unlock(&list_mu);
	t_block = b;
	pthread_setspecific(key, b); /* may allocate: we run under the guard */
	return b;
}

struct grw_tblock *grw_counters_self(void)
{
	struct grw_tblock *b = t_block;
	if (__builtin_expect(b != NULL, 1) || t_dead)
		return b;
	return block_new();
}

/* The slot of site in b, allocating its chunk when create; NULL when absent or out of memory.
 * Only b's owner creates, except for the retired block, which is shared (hence the CAS). */
static __attribute__((noinline)) struct grw_cslot *slot_make(struct grw_tblock *b, uint32_t site,
							      bool create)
{
	uint32_t i = site >> CHUNK_SHIFT;
	if (i >= NCHUNK)
		return NULL;
	struct chunk *c = __atomic_load_n(&b->chunk[i], __ATOMIC_ACQUIRE);
	if (!c) {
		if (!create)
			return NULL;
		struct chunk *n = grw_icalloc(sizeof *n);
		if (!n)
			return NULL;
		/* The bound is raised before the chunk is published (the release below orders
		 * it), so that whoever can see the chunk, and write to it, sees the bound too:
		 * raised after, the shared retired block could hold counts that the writer's fold
		 * does not reach, for good if a fork came in between. A reader that sees the bound
		 * before the chunk finds NULL there and skips it. */
		uint32_t hi = __atomic_load_n(&b->nchunk, __ATOMIC_RELAXED);
		while (hi <= i && !__atomic_compare_exchange_n(&b->nchunk, &hi, i + 1, true,
							      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		if (!__atomic_compare_exchange_n(&b->chunk[i], &c, n, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			grw_ifree(n, sizeof *n);
		} else {
			c = n;
		}
	}
	return &c->slot[site & (CHUNK - 1)];
}

/* slot_make's common case, inline and without a call: the slot when its chunk is there, else
 * NULL (saves the register saves that the allocating path costs on every call). */
static inline struct grw_cslot *slot_there(struct grw_tblock *b, uint32_t site)
{
	uint32_t i = site >> CHUNK_SHIFT;
	if (__builtin_expect(i < NCHUNK, 1)) {
		struct chunk *c = __atomic_load_n(&b->chunk[i], __ATOMIC_ACQUIRE);
		if (__builtin_expect(c != NULL, 1))
			return &c->slot[site & (CHUNK - 1)];
	}
	return NULL;
}

static inline struct grw_cslot *slot_of(struct grw_tblock *b, uint32_t site, bool create)
{
	struct grw_cslot *s = slot_there(b, site);
	return __builtin_expect(s != NULL, 1) ? s : slot_make(b, site, create);
}

static inline void own_add(uint64_t *p, uint64_t d)
{
	/* Only a constant 0 is skipped: testing a byte count costs a branch on every call, and
	 * adding 0 to a slot that the count next to it dirtied anyway costs nothing more. */
	if (__builtin_constant_p(d) && d == 0)
		return;
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

static inline void shared_add(uint64_t *p, uint64_t d)
{
	if (d)
		__atomic_fetch_add(p, d, __ATOMIC_RELAXED);
}

static ALWAYS_INLINE void add(struct grw_tblock *b, uint32_t site,
						     uint64_t allocs, uint64_t frees,
						     uint64_t alloc_bytes, uint64_t freed_bytes)
{
	struct grw_cslot *s;
	if (__builtin_expect(b != NULL, 1) && (s = slot_of(b, site, true)) != NULL) {
		own_add(&s->allocs, allocs);
		own_add(&s->frees, frees);
		own_add(&s->alloc_bytes, alloc_bytes);
		own_add(&s->freed_bytes, freed_bytes);
		return;
	}
	s = slot_of(&retired, site, true);
	if (!s) {
		grw_counters_untracked(alloc_bytes);
		return;
	}
	shared_add(&s->allocs, allocs);
	shared_add(&s->frees, frees);
	shared_add(&s->alloc_bytes, alloc_bytes);
	shared_add(&s->freed_bytes, freed_bytes);
}

void grw_counters_add(struct grw_tblock *b, uint32_t site, uint64_t allocs, uint64_t frees,
		      uint64_t alloc_bytes, uint64_t freed_bytes)
{
	add(b, site, allocs, frees, alloc_bytes, freed_bytes);
}

/* The two calls of every exact-mode malloc and free, with the constant counts folded in. */
void grw_counters_alloc1(struct grw_tblock *b, uint32_t site, uint64_t bytes)
{
	add(b, site, 1, 0, bytes, 0);
}

void grw_counters_free1(struct grw_tblock *b, uint32_t site, uint64_t bytes)
{
	add(b, site, 0, 1, 0, bytes);
}

bool grw_counters_free1_fast(uint32_t site, uint64_t bytes)
{
	struct grw_tblock *b = t_block;
	struct grw_cslot *s;
	if (__builtin_expect(b == NULL || (s = slot_there(b, site)) == NULL, 0))
		return false;
	own_add(&s->frees, 1);
	own_add(&s->freed_bytes, bytes);
	return true;
}

/* Adds every slot of b below n into out (out == NULL: into the retired block). */
static void fold(struct grw_tblock *b, struct grw_cslot *out, uint32_t n)
{
	/* Up to the chunks in use: the directory's untouched pages stay untouched. */
	uint32_t hi = __atomic_load_n(&b->nchunk, __ATOMIC_ACQUIRE);
	for (uint32_t ci = 0; ci < hi; ci++) {
		uint32_t base = ci << CHUNK_SHIFT;
		if (out && base >= n)
			return;
		struct chunk *c = __atomic_load_n(&b->chunk[ci], __ATOMIC_ACQUIRE);
		if (!c)
			continue;
		for (uint32_t i = 0; i < CHUNK; i++) {
			uint32_t id = base + i;
			if (out && id >= n)
				return;
			struct grw_cslot v = {
				__atomic_load_n(&c->slot[i].allocs, __ATOMIC_RELAXED),
				__atomic_load_n(&c->slot[i].frees, __ATOMIC_RELAXED),
				__atomic_load_n(&c->slot[i].alloc_bytes, __ATOMIC_RELAXED),
				__atomic_load_n(&c->slot[i].freed_bytes, __ATOMIC_RELAXED),
			};
			if (!(v.allocs | v.frees | v.alloc_bytes | v.freed_bytes))
				continue;
			if (out) {
				out[id].allocs += v.allocs;
				out[id].frees += v.frees;
				out[id].alloc_bytes += v.alloc_bytes;
				out[id].freed_bytes += v.freed_bytes;
			} else {
				grw_counters_add(NULL, id, v.allocs, v.frees, v.alloc_bytes,
						 v.freed_bytes);
			}
		}
	}
}

static void free_block(struct grw_tblock *b)
{
	for (uint32_t ci = 0; ci < b->nchunk; ci++)
		grw_ifree(b->chunk[ci], sizeof(struct chunk));
	grw_ifree(b, sizeof *b);
}

static void thread_exit(void *arg)
{
	struct grw_tblock *b = arg;
	int saved = grw_in_growth;
	grw_in_growth = 1;
	pthread_mutex_lock(&list_mu);
	fold(b, NULL, 0);
	if (b->prev)
		b->prev->next = b->next;
	else
		blocks = b->next;
	if (b->next)
		b->next->prev = b->prev;
	pthread_mutex_unlock(&list_mu);
	t_block = NULL;
	t_dead = 1;
	free_block(b);
	grw_unwind_thread_exit();
	grw_in_growth = saved;
}

void grw_counters_sum(struct grw_cslot *out, uint32_t n)
{
	pthread_mutex_lock(&list_mu);
	for (struct grw_tblock *b = blocks; b; b = b->next)
		fold(b, out, n);
	fold(&retired, out, n);
	pthread_mutex_unlock(&list_mu);
}

__attribute__((noinline)) void grw_counters_untracked(uint64_t bytes)
{
	__atomic_fetch_add(&untracked_allocs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&untracked_bytes, bytes, __ATOMIC_RELAXED);
}

void grw_counters_untracked_get(uint64_t *allocs, uint64_t *bytes)
{
	*allocs = __atomic_load_n(&untracked_allocs, __ATOMIC_RELAXED);
	*bytes = __atomic_load_n(&untracked_bytes, __ATOMIC_RELAXED);
}

void grw_counters_lock(void)
{
	pthread_mutex_lock(&list_mu);
}

void grw_counters_unlock(void)
{
	pthread_mutex_unlock(&list_mu);
}

void grw_counters_reinit(void)
{
	pthread_mutex_init(&list_mu, NULL);
}
