/* SPDX-License-Identifier: MIT */
/*
 * The recording API the hooks call, with the guard set (but grw_record_free_fast, which sets it
 * itself) and only in the ENABLED state. It knows nothing of LD_PRELOAD: give it addresses,
 * sizes and flags.
 */
#ifndef GRW_RECORD_H
#define GRW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addrmap.h"
#include "config.h"

/*
 * Block trailers (exact mode, GROWTH_TRAILER=1, the default). A heap block whose usable size is
 * under GRW_TRAILER_LIMIT keeps its site and size in its last 8 usable bytes: the hooks ask the
 * real allocator for GRW_TRAILER_BYTES more than the program did (grw_record_pad) and hand the
 * recorder the block's usable size; the free reads the trailer back. The trailer sits next to
 * the allocator's own header of the next chunk, which its free touches anyway, so a free costs
 * no cache miss; the address map it replaces cost one per malloc and one per free (17% of
 * python-malloc's time) and 21-43 bytes per live block. Larger blocks, blocks of sampled mode,
 * and everything with GROWTH_TRAILER=0 stay in the address map. A trailer carries a 28-bit
 * check of its address, usable size and contents, so a block growth did not pad (allocated
 * before init, or by growth's own calls into libc) is recognised as untracked, not misread.
 */
#define GRW_TRAILER_BYTES 8u
#define GRW_TRAILER_LIMIT (64u << 10)

/* Bytes to add to a request of n bytes. Call only while recording is enabled. */
static inline size_t grw_record_pad(size_t n)
{
	return grw_cfg.trailer && n < GRW_TRAILER_LIMIT ? GRW_TRAILER_BYTES : 0;
}

/*
 * How a live heap block's usable size is found while trailers are in use (set once by
 * grw_record_probe_usable, before recording is enabled): 0 trailers are off; 1 by the real
 * malloc_usable_size; 2 from glibc's chunk header, the size word just below the block, which
 * is what glibc's malloc_usable_size reads: its size (low three bits are flags) less the 8
 * bytes of header, or 16 for a chunk of its own mapping (flag 2). Inline, that is five
 * instructions instead of a call of ~13 (two per allocation and free: 3% of growth's
 * instructions on python-malloc), and the word is in the line that the allocator's own call
 * just touched. It is used only on x86-64, where every allocation function behind growth is
 * libc.so.6's and a probe at init found it equal to malloc_usable_size for every size and
 * alignment tried: any other allocator behind growth (jemalloc linked or preloaded after it)
 * keeps the call, and its blocks are never read below.
 */
enum { GRW_USABLE_NONE = 0, GRW_USABLE_CALL = 1, GRW_USABLE_HEADER = 2 };
extern unsigned char grw_usable_via;

static inline size_t grw_usable_from_header(const void *p)
{
	size_t h = ((const size_t *)p)[-1];
	return (h & ~(size_t)7) - 8 - ((h & 2) << 2);
}

/* The allocator's usable size of a live block p when trailers may be in use, else 0: what
 * grw_record_free and grw_record_unfree take, and grw_record_alloc for a block just padded.
 * usable_fn is the real malloc_usable_size. */
static inline size_t grw_record_usable_of(void *p, size_t (*usable_fn)(void *))
{
	if (__builtin_expect(grw_usable_via == GRW_USABLE_HEADER, 1))
		return grw_usable_from_header(p);
	return grw_usable_via ? usable_fn(p) : 0;
}

/* Sets grw_usable_via from grw_cfg.trailer and a probe of the real allocator. Call from init,
 * after the configuration is read, with the guard set. */
void grw_record_probe_usable(void);

/* Sampled mode's common cases, decided first thing in the hook, before it even asks whether
 * libc is resolved (docs/performance.md, runs 5 and 8): an allocation that does not cross this
 * thread's sampling countdown, and a free whose filter slot says it cannot be of a sampled
 * block. Each is the first test that grw_record_alloc (take_sample) and grw_record_free make,
 * taken out: when they answer false, the recorder makes the same test again and goes on.
 * Allocations that pass through untracked count the countdown down too: growth's own libc
 * calls on the thread and a signal handler's inside growth; and a handler's allocation between
 * a load and a store of it can be lost to the count. Each only moves the next sample by a few
 * bytes, far below the sampling noise.
 *
 * Neither test can answer true before libc is resolved: a countdown is drawn only on a
 * recorded allocation, and init stores GROWTH_SAMPLE's value (an atomic store, config.c) after
 * grw_real is filled and after a release fence, which the acquire load below pairs with (init
 * also runs in the preload's constructor, before the program's threads). Nor for NULL or a
 * bootstrap arena block: grw_record_reserve_filter keeps their slots nonzero. */
extern __thread uint64_t grw_sample_countdown __attribute__((tls_model("initial-exec")));
extern uint32_t grw_sample_filter[], grw_sample_filter_hi[];
#define GRW_FILTER_BITS 18   /* slots of 1 KiB: 256 MiB */
#define GRW_FILTER_HI_BITS 12 /* slots of 64 KiB: 256 MiB */

/* Only sampled mode draws a countdown: in exact mode it stays 0, and this answers false there
 * without a look at the mode. A countdown is only ever set to a draw (>= 1), lowered to a value
 * above 0, or reset to 0 (grw_record_child), so one unsigned compare decides. */
static inline bool grw_record_skips_alloc(size_t n)
{
	uint64_t c = grw_sample_countdown;
	if (c <= n)
		return false;
	grw_sample_countdown = c - n;
	return true;
}

/* A sampled block's slots in the two levels of the filter of live sampled blocks (record.c
 * explains it). */
static inline uint32_t *grw_sample_filter_slot(const void *p)
{
	return &grw_sample_filter[((uintptr_t)p >> 10) & ((1u << GRW_FILTER_BITS) - 1)];
}

static inline uint32_t *grw_sample_filter_hi_slot(const void *p)
{
	return &grw_sample_filter_hi[((uintptr_t)p >> 16) & ((1u << GRW_FILTER_HI_BITS) - 1)];
}

/* Whether the filter says that no sampled block can be live at p. */
static inline bool grw_sample_filter_clear(const void *p)
{
	return __atomic_load_n(grw_sample_filter_hi_slot(p), __ATOMIC_RELAXED) == 0 ||
	       __atomic_load_n(grw_sample_filter_slot(p), __ATOMIC_RELAXED) == 0;
}

static inline bool grw_record_skips_free(const void *p)
{
	return __atomic_load_n(&grw_cfg.sample_bytes, __ATOMIC_ACQUIRE) &&
	       grw_sample_filter_clear(p);
}

/* Makes the filter slots of NULL and of the bootstrap arena nonzero for good, so that
 * grw_record_skips_free never passes them to libc's free. Called by init before it reads the
 * configuration. */
void grw_record_reserve_filter(void);
/* In a fork child: the forking thread's countdown and generator start again, so that the
 * child's first allocation records (it starts the child's trace) and its samples are not the
 * parent's. */
void grw_record_child(void);

/* A heap block of size requested bytes now lives at p. usable: the allocator's usable size of
 * p when the request was padded by grw_record_pad (nonzero), else 0. */
void grw_record_alloc(void *p, size_t size, size_t usable);
/* p, of usable size usable (grw_record_usable_of), is about to be freed. Returns true (and
 * fills *was, if not NULL) when p was tracked. */
bool grw_record_free(void *p, size_t usable, struct grw_block *was);
/* grw_record_free(p, usable, NULL) with the guard set around it, where that calls nothing
 * (trailers, and this thread's counters for the block's site already there): 1. Else 0,
 * having changed nothing, for the caller to call grw_record_free. Touches no errno. */
int grw_record_free_fast(void *p, size_t usable);
/* Undoes grw_record_free after the real realloc failed: p is live again as *was. */
void grw_record_unfree(void *p, size_t usable, const struct grw_block *was);
/* What malloc_usable_size reports for p, given the allocator's answer: without the trailer
 * when p has one. Safe in any state. */
size_t grw_record_usable(void *p, size_t usable);

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
