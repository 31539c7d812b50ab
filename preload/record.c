/* SPDX-License-Identifier: MIT */
/*
 * The recorder: capture the stack, intern the site, update the live map and this thread's
 * counters. Called by the hooks with recording enabled, and with the guard set (but
 * grw_record_free_fast, which sets it itself). Hot path: one stack walk, a lock-free cache
 * lookup, the block's trailer (or, for large blocks, one shard spinlock), four relaxed stores;
 * no lock and no syscall.
 *
 * GROWTH_SAMPLE=P (P > 0) samples heap allocations by bytes, as tcmalloc and jemalloc do: each
 * thread counts down a distance drawn from an exponential distribution of mean P bytes, and
 * the allocation that crosses zero is recorded. An allocation of n bytes is thus sampled with
 * probability p = 1 - exp(-n/P), independently of the others, and a sampled one stands for 1/p
 * allocations and n/p bytes (rounded). Its free subtracts the same weights (computed again from
 * the size kept in the address map), so live bytes of a site are an unbiased estimate and a
 * site whose blocks all die shows exactly 0. mmap regions stay exact (they are syscalls anyway).
 */
#include "record.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "addrmap.h"
#include "bootstrap.h"
#include "compiler.h"
#include "config.h"
#include "counters.h"
#include "log.h"
#include "sites.h"
#include "state.h"
#include "unwind.h"
#include "writer.h"

static inline void maybe_start_writer(void)
{
	/* A fork child starts its own trace at its first event (fork+exec children never do). */
	if (__builtin_expect(__atomic_load_n(&grw_writer_pending, __ATOMIC_RELAXED) == 1, 0))
		grw_writer_start_child();
}

/* The site of the current stack, or -1 when it cannot be interned. Inline: a function level
 * less on every allocation. */
static ALWAYS_INLINE int64_t current_site(struct grw_tblock *tb, uint32_t kind)
{
	uintptr_t frames[GRW_MAX_DEPTH];
	struct grw_stack_key key;
	int depth = grw_unwind_capture(frames, (int)grw_cfg.depth, &key);
	uint32_t id;
	if (grw_sites_intern(grw_counters_cache(tb), kind, key.frames, (uint32_t)depth,
			     key.ok ? &key.v : NULL, &id) < 0)
		return -1;
	return id;
}

/* ------------------------------------------------------------------------------------------ */
/* Sampling (GROWTH_SAMPLE) */

/* Bytes left before the next sample; 0: draw first. */
__thread uint64_t grw_sample_countdown __attribute__((tls_model("initial-exec")));
static __thread uint64_t t_rng;      /* xorshift64* state, 0 = not seeded */

/* ln(u) for u in (0, 1], without libm: u = m * 2^e with m in [1, 2), ln m by the atanh series
 * (|s| <= 1/3: five terms leave an error below 1e-6, far under the sampling noise). */
static double ln01(double u)
{
	uint64_t bits;
	memcpy(&bits, &u, sizeof bits);
	int e = (int)((bits >> 52) & 0x7ff) - 1023;
	bits = (bits & ((1ull << 52) - 1)) | (1023ull << 52);
	double m;
	memcpy(&m, &bits, sizeof m);
	double sv = (m - 1) / (m + 1), s2 = sv * sv;
	double lnm = 2 * sv * (1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9)))));
	return e * 0.69314718055994530942 + lnm;
}

/* 1 - exp(-x) for x >= 0, without libm. */
static double one_minus_exp_neg(double x)
{
	if (x < 0.5) { /* Taylor series of -expm1(-x): 12 terms, error < 0.5^13 / 13! */
		double term = x, sum = 0;
		for (int k = 1; k <= 12; k++) {
			sum += term;
			term *= -x / (k + 1);
		}
		return sum;
	}
	if (x > 60)
		return 1;
	/* exp(-x) = 2^-(k + f), f in [0, 1): 2^-f = exp(-f ln 2) by its series (f ln 2 < 0.7). */
	double y = x * 1.44269504088896340736;
	int k = (int)y;
	double g = (y - k) * 0.69314718055994530942, term = 1, e = 0;
	for (int i = 1; i <= 16; i++) {
		e += term;
		term *= -g / i;
	}
	uint64_t bits = (uint64_t)(1023 - k) << 52; /* 2^-k, k <= 87 */
	double p2;
	memcpy(&p2, &bits, sizeof p2);
	return 1 - e * p2;
}

static int64_t draw_countdown(void)
{
	uint64_t x = t_rng;
	if (!x) {
		x = (uint64_t)(uintptr_t)&t_rng * 0x9E3779B97F4A7C15ull ^ grw_now_ns();
		if (!x)
			x = 0x2545F4914F6CDD1Dull;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t_rng = x;
	double u = (double)(((x * 0x2545F4914F6CDD1Dull) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
	double d = -ln01(u) * (double)grw_cfg.sample_bytes;
	return d >= 9.0e18 ? INT64_MAX : (int64_t)d + 1;
}

/* Whether this allocation of size bytes is sampled. */
static inline bool take_sample(size_t size)
{
	if (__builtin_expect(grw_sample_countdown > size, 1)) {
		grw_sample_countdown -= size;
		return false;
	}
	if (grw_sample_countdown == 0 && t_rng == 0) { /* this thread's first allocation */
		grw_sample_countdown = (uint64_t)draw_countdown();
		if (grw_sample_countdown > size) {
			grw_sample_countdown -= size;
			return false;
		}
	}
	/* Crossed zero. The distance is memoryless: draw the next one from here. */
	grw_sample_countdown = (uint64_t)draw_countdown();
	return true;
}

void grw_record_child(void)
{
	grw_sample_countdown = 0;
	t_rng = 0;
}

/* Counts and bytes one block of size bytes stands for: (1, size) in exact mode. */
static void weights(uint64_t size, uint64_t *count, uint64_t *bytes)
{
	uint64_t period = grw_cfg.sample_bytes;
	if (!period) {
		*count = 1;
		*bytes = size;
		return;
	}
	double pr = one_minus_exp_neg((double)(size ? size : 1) / (double)period);
	*count = (uint64_t)(1 / pr + 0.5);
	*bytes = (uint64_t)((double)size / pr + 0.5);
}

/*
 * Frees of blocks that were not sampled must stay cheap: the address map takes a spinlock. A
 * counting filter counts the sampled blocks live in each 1 KiB of address space (the slot is
 * the address's KiB number modulo 2^18, so the filter wraps every 256 MiB); a free whose slot
 * holds 0 cannot be of a sampled block and skips the map. Slots follow addresses in order, so
 * a program that frees what it allocated last touches the same few cache lines of the filter
 * (a hashed index cost a cache miss per free: 8% of python-malloc's time). A program that
 * frees in random order over a large heap still missed the data cache once per free on this
 * 1 MiB table (mallocbench, 2 threads: +0.6 M L1 misses on 0.55 M frees, cachegrind), so a
 * second level, 16 KiB, counts the same blocks per 64 KiB and is asked first: with one sample
 * per 512 KiB, most 64 KiB of a heap hold no sampled block, and the frees there read only
 * that small table. A slot is incremented after the map insert and decremented after the
 * remove, in both levels, both before the block can be freed again, and a free of a sampled
 * block happens after its malloc returned (the program's own ordering), so the filter never
 * hides a live sampled block. With one sample per 512 KiB, a few hundred sampled blocks are
 * live per 100 MiB of heap: well under 1% of frees take the map. BSS, touched only in sampled
 * mode (but for the few KiB of grw_record_reserve_filter's slots); the slots of NULL and the
 * bootstrap arena (and so any heap block whose address aliases them, 0.1% of the address
 * space) always take the map.
 */
uint32_t grw_sample_filter[1u << GRW_FILTER_BITS];
uint32_t grw_sample_filter_hi[1u << GRW_FILTER_HI_BITS];

static inline void filter_add(const void *p)
{
	__atomic_fetch_add(grw_sample_filter_slot(p), 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(grw_sample_filter_hi_slot(p), 1, __ATOMIC_RELAXED);
}

static inline void filter_sub(const void *p)
{
	__atomic_fetch_sub(grw_sample_filter_slot(p), 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(grw_sample_filter_hi_slot(p), 1, __ATOMIC_RELAXED);
}

void grw_record_reserve_filter(void)
{
	filter_add(NULL);
	/* Every KiB the arena touches, its last byte's included (it need not be KiB-aligned). */
	for (size_t off = 0; off < GRW_ARENA_BYTES + 1024; off += 1024) {
		size_t at = off < GRW_ARENA_BYTES ? off : GRW_ARENA_BYTES - 1;
		filter_add(grw_arena + at);
	}
}

unsigned char grw_usable_via;

/* One probe block: whether the header's answer is the allocator's own. Freed either way.
 * *compared counts the blocks actually compared (an allocation may fail at init). */
static bool usable_agrees(void *p, unsigned *compared)
{
	if (!p)
		return true; /* nothing to compare: the others decide */
	bool same = grw_usable_from_header(p) == grw_real.malloc_usable_size(p);
	grw_real.free(p);
	++*compared;
	return same;
}

/* Whether every allocation function behind growth is glibc's own, in libc.so.6: only then may
 * the probe read the word below a block (another allocator may keep a guard page there), and
 * only then do the blocks growth forwards get glibc's layout (an allocator may replace calloc
 * alone). An allocator in front of growth (the executable's own malloc, or one preloaded
 * before it) is not seen here; growth then sees only the calls it leaves to glibc. */
static bool allocator_is_glibc(void)
{
	Dl_info di;
	if (!dladdr((void *)gnu_get_libc_version, &di) || !di.dli_fbase)
		return false;
	const void *libc = di.dli_fbase;
	const void *fns[] = {(void *)grw_real.malloc,	      (void *)grw_real.free,
			     (void *)grw_real.calloc,	      (void *)grw_real.realloc,
			     (void *)grw_real.reallocarray,   (void *)grw_real.memalign,
			     (void *)grw_real.aligned_alloc,  (void *)grw_real.posix_memalign,
			     (void *)grw_real.valloc,	      (void *)grw_real.pvalloc,
			     (void *)grw_real.malloc_usable_size};
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
		if (fns[i] && (!dladdr(fns[i], &di) || di.dli_fbase != libc))
			return false;
	return grw_real.malloc && grw_real.free && grw_real.malloc_usable_size;
}

#define GRW_PROBE_MAPPED (33u << 20) /* over glibc's DEFAULT_MMAP_THRESHOLD_MAX, 32 MiB */

/* Why block sizes cannot be read from glibc's chunk headers here, or NULL when the probe finds
 * they can. */
static const char *header_unusable(void)
{
#ifndef __x86_64__
	/* Elsewhere glibc may tag pointers (aarch64's memory tagging), and a plain read of the
	 * header through a tagged pointer faults; the layout was measured on x86-64 only. */
	return "chunk headers are read on x86-64 only";
#endif
	if (!allocator_is_glibc())
		return "the allocator behind growth is not glibc's";
	/* Every size class edge of glibc's chunks up to a few hundred bytes, larger bins, aligned
	 * blocks (carved out of larger chunks), and blocks of their own mapping. Those are over
	 * 32 MiB, glibc's DEFAULT_MMAP_THRESHOLD_MAX: freeing a mapped block below it would raise
	 * glibc's mmap and trim thresholds for the rest of the run, changing how the program's
	 * memory behaves. Of their pages only the header's is touched, unless glibc fills new
	 * blocks (MALLOC_PERTURB_, glibc.malloc.perturb): then they are left out, or each would
	 * make 33 MiB resident at start-up. */
	static const size_t sizes[] = {0,  1,  7,  8,	 9,    15,   16,   17,	 23,	24,    25,
				       31, 32, 33, 40,	 41,   100,  255,  256,	 1000,	4095,  4096,
				       65535, 65536, 65544, GRW_PROBE_MAPPED};
	static const size_t al[][2] = {{32, 24}, {64, 100}, {4096, 5000}, {4096, GRW_PROBE_MAPPED}};
	const char *tunables = getenv("GLIBC_TUNABLES");
	bool fills = getenv("MALLOC_PERTURB_") || (tunables && strstr(tunables, "perturb"));
	unsigned compared = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		if ((!fills || sizes[i] < GRW_PROBE_MAPPED) &&
		    !usable_agrees(grw_real.malloc(sizes[i]), &compared))
			return "not glibc's layout";
	for (size_t i = 0; grw_real.memalign && i < sizeof al / sizeof *al; i++)
		if ((!fills || al[i][1] < GRW_PROBE_MAPPED) &&
		    !usable_agrees(grw_real.memalign(al[i][0], al[i][1]), &compared))
			return "not glibc's layout";
	return compared ? NULL : "no probe block could be allocated";
}

void grw_record_probe_usable(void)
{
	grw_usable_via = GRW_USABLE_NONE;
	if (!grw_cfg.trailer)
		return;
	const char *why = header_unusable();
	grw_usable_via = why ? GRW_USABLE_CALL : GRW_USABLE_HEADER;
	if (why)
		grw_log(GRW_LOG_DEBUG, "block sizes for trailers: by malloc_usable_size (%s)", why);
	else
		grw_log(GRW_LOG_DEBUG, "block sizes for trailers: from glibc's chunk headers");
}

static inline bool sampled_mode(void)
{
	return grw_cfg.sample_bytes != 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Block trailers (record.h). Word layout: bits 0-19 site (TRAILER_UNTRACKED: a padded block
 * whose site could not be interned), 20-35 slack (usable - 8 - requested bytes), 36-63 a check
 * of the address, the usable size and bits 0-35. */

#define TRAILER_UNTRACKED 0xfffffu
#define TRAILER_LOW_BITS 36
/* The last site id doubles as the marker: a block of that site counts as untracked. */
_Static_assert(GRW_MAX_SITES <= TRAILER_UNTRACKED + 1, "site ids must fit in 20 bits");
_Static_assert(GRW_TRAILER_LIMIT <= (1u << 16), "the slack must fit in 16 bits");
_Static_assert(GRW_TRAILER_LIMIT <= (1u << 17), "trailer_word shifts usable by 47");

static inline uint64_t trailer_word(uintptr_t p, size_t usable, uint64_t low)
{
	/* One multiply: a product's high bits depend on all of the factor's bits below them, and
	 * this is a check, not a hash table's index (for a given block, low determines it). */
	uint64_t z = ((uint64_t)p ^ (uint64_t)usable << 47 ^ low) * 0x9E3779B97F4A7C15ull;
	return low | (z >> TRAILER_LOW_BITS) << TRAILER_LOW_BITS;
}

static inline void *trailer_at(void *p, size_t usable)
{
	return (char *)p + usable - GRW_TRAILER_BYTES;
}

/* Reads p's trailer: true with the site (or TRAILER_UNTRACKED) and the requested size when it
 * is one growth wrote. */
static inline bool trailer_get(void *p, size_t usable, uint32_t *site, uint64_t *size)
{
	uint64_t w;
	memcpy(&w, trailer_at(p, usable), sizeof w); /* usable need not be a multiple of 8 */
	uint64_t low = w & ((1ull << TRAILER_LOW_BITS) - 1);
	uint64_t slack = low >> 20;
	if (slack + GRW_TRAILER_BYTES > usable || trailer_word((uintptr_t)p, usable, low) != w)
		return false;
	*site = (uint32_t)(low & TRAILER_UNTRACKED);
	*size = usable - GRW_TRAILER_BYTES - slack;
	return true;
}

static inline void trailer_put(void *p, size_t usable, uint32_t site, uint64_t size)
{
	uint64_t low = site | (usable - GRW_TRAILER_BYTES - size) << 20;
	uint64_t w = trailer_word((uintptr_t)p, usable, low);
	memcpy(trailer_at(p, usable), &w, sizeof w);
}

/* Spoils a trailer before its block is freed, so the chunk cannot later pass for a tracked
 * block of the same address and size that growth did not pad. */
static inline void trailer_clear(void *p, size_t usable)
{
	uint64_t w = 0;
	memcpy(trailer_at(p, usable), &w, sizeof w);
}

static inline bool uses_trailer(size_t usable)
{
	return usable - 1 < GRW_TRAILER_LIMIT - 1; /* 0 < usable < limit */
}

size_t grw_record_usable(void *p, size_t usable)
{
	uint32_t site;
	uint64_t size;
	if (grw_cfg.trailer && uses_trailer(usable) && usable >= GRW_TRAILER_BYTES &&
	    trailer_get(p, usable, &site, &size))
		return usable - GRW_TRAILER_BYTES;
	return usable;
}

/* ------------------------------------------------------------------------------------------ */
/* Heap blocks */

/* grw_record_alloc for a block without a trailer: sampled mode, a large block, or trailers
 * off. Out of line: the hooks flatten the trailer path (hooks.c, malloc_recorded). */
static __attribute__((noinline)) void record_alloc_mapped(void *p, size_t size)
{
	bool sampled = sampled_mode();
	if (sampled && !take_sample(size))
		return;
	struct grw_tblock *tb = grw_counters_self();
	int64_t site = current_site(tb, GRW_KIND_HEAP);
	if (site < 0) {
		grw_counters_untracked(size);
		return;
	}
	struct grw_block stale;
	int rc = grw_addrmap_insert((uintptr_t)p, (uint32_t)site, size, &stale);
	if (rc < 0) {
		grw_counters_untracked(size);
		return;
	}
	uint64_t wc, wb;
	if (rc == 1) { /* a free we missed (e.g. in a signal handler while inside growth) */
		weights(stale.size, &wc, &wb);
		grw_counters_add(tb, stale.site, 0, wc, 0, wb);
	} else if (sampled) {
		filter_add(p);
	}
	weights(size, &wc, &wb);
	grw_counters_add(tb, (uint32_t)site, wc, 0, wb, 0);
}

void grw_record_alloc(void *p, size_t size, size_t usable)
{
	maybe_start_writer();
	if (uses_trailer(usable)) {
		struct grw_tblock *tb = grw_counters_self();
		int64_t site = current_site(tb, GRW_KIND_HEAP);
		if (site >= TRAILER_UNTRACKED)
			site = -1;
		trailer_put(p, usable, site < 0 ? TRAILER_UNTRACKED : (uint32_t)site, size);
		if (site < 0)
			grw_counters_untracked(size);
		else
			grw_counters_alloc1(tb, (uint32_t)site, size);
		return;
	}
	record_alloc_mapped(p, size);
}

/* grw_record_free for a block without a trailer, as record_alloc_mapped: out of line. */
static __attribute__((noinline)) bool record_free_mapped(void *p, struct grw_block *was)
{
	struct grw_block b;
	bool sampled = sampled_mode();
	if (sampled && grw_sample_filter_clear(p))
		return false;
	if (!grw_addrmap_remove((uintptr_t)p, &b))
		return false;
	if (sampled)
		filter_sub(p);
	uint64_t wc, wb;
	weights(b.size, &wc, &wb);
	grw_counters_add(grw_counters_self(), b.site, 0, wc, 0, wb);
	if (was)
		*was = b;
	return true;
}

bool grw_record_free(void *p, size_t usable, struct grw_block *was)
{
	if (!uses_trailer(usable))
		return record_free_mapped(p, was);
	struct grw_block b;
	if (usable < GRW_TRAILER_BYTES || !trailer_get(p, usable, &b.site, &b.size))
		return false; /* not padded by growth: untracked */
	trailer_clear(p, usable);
	if (b.site == TRAILER_UNTRACKED)
		return false;
	grw_counters_free1(grw_counters_self(), b.site, b.size);
	if (was)
		*was = b;
	return true;
}

int grw_record_free_fast(void *p, size_t usable)
{
	uint32_t site;
	uint64_t size;
	if (!uses_trailer(usable))
		return 0;
	if (usable < GRW_TRAILER_BYTES || !trailer_get(p, usable, &site, &size))
		return 1; /* not padded by growth: untracked */
	if (site == TRAILER_UNTRACKED) {
		trailer_clear(p, usable);
		return 1;
	}
	/* The guard: a signal handler's free in between passes through instead of losing this
	 * one's count. */
	GRW_GUARD_ON();
	bool done = grw_counters_free1_fast(site, size);
	if (done)
		trailer_clear(p, usable);
	GRW_GUARD_OFF();
	return done;
}

void grw_record_unfree(void *p, size_t usable, const struct grw_block *was)
{
	struct grw_tblock *tb = grw_counters_self();
	if (uses_trailer(usable)) {
		trailer_put(p, usable, was->site, was->size);
		grw_counters_add(tb, was->site, 0, (uint64_t)0 - 1, 0, (uint64_t)0 - was->size);
		return;
	}
	struct grw_block stale;
	int rc = grw_addrmap_insert((uintptr_t)p, was->site, was->size, &stale);
	if (rc < 0)
		return;
	if (rc == 0 && sampled_mode())
		filter_add(p);
	uint64_t wc, wb;
	weights(was->size, &wc, &wb);
	grw_counters_add(tb, was->site, 0, (uint64_t)0 - wc, 0, (uint64_t)0 - wb);
}

/* ------------------------------------------------------------------------------------------ */
/* mmap */

static void charge_unmap(void *ctx, uint32_t site, uint64_t bytes, bool ended)
{
	grw_counters_add(ctx, site, 0, ended ? 1 : 0, 0, bytes);
}

static inline uintptr_t page_up(uintptr_t x)
{
	return (x + grw_page_size - 1) & ~(uintptr_t)(grw_page_size - 1);
}

static void region_alloc(struct grw_tblock *tb, uintptr_t start, uintptr_t end)
{
	int64_t site = current_site(tb, GRW_KIND_MMAP);
	if (site < 0 || grw_regions_insert(start, end, (uint32_t)site) < 0) {
		grw_counters_untracked(end - start);
		return;
	}
	grw_counters_add(tb, (uint32_t)site, 1, 0, end - start, 0);
}

void grw_record_mmap(void *addr, size_t len, int flags)
{
	maybe_start_writer();
	struct grw_tblock *tb = grw_counters_self();
	uintptr_t start = (uintptr_t)addr, end = page_up(start + len);
	/* Whatever we tracked there is gone: MAP_FIXED replaced it, or we missed its munmap. */
	grw_regions_remove(start, end, charge_unmap, tb);
	if (flags & MAP_ANONYMOUS)
		region_alloc(tb, start, end);
}

void grw_record_munmap(void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr;
	if (start & (grw_page_size - 1))
		return; /* EINVAL: nothing will be unmapped */
	grw_regions_remove(start, page_up(start + len), charge_unmap, grw_counters_self());
}

/* Holds the charges of the old range back: a failed mremap must count nothing. */
static void charge_later(void *ctx, uint32_t site, uint64_t bytes, bool ended)
{
	struct grw_mremap_undo *u = ctx;
	if (u->ncharges < sizeof u->charges / sizeof u->charges[0]) {
		u->charges[u->ncharges].site = site;
		u->charges[u->ncharges].bytes = bytes;
		u->charges[u->ncharges].ended = ended;
		u->ncharges++;
		return;
	}
	charge_unmap(grw_counters_self(), site, bytes, ended); /* many pieces: rare, charge now */
}

void grw_record_mremap_begin(void *old, size_t old_len, int flags, struct grw_mremap_undo *u)
{
	u->start = (uintptr_t)old;
	u->end = page_up(u->start + old_len);
	u->site = UINT32_MAX;
	u->removed = false;
	u->ncharges = 0;
	if ((u->start & (grw_page_size - 1)) || (flags & MREMAP_DONTUNMAP))
		return; /* EINVAL, or the old range stays mapped */
	/* Out before the call: once the kernel moves it, another thread may map the old range. */
	u->site = grw_regions_remove(u->start, u->end, charge_later, u);
	u->removed = u->site != UINT32_MAX;
}

void grw_record_mremap_end(const struct grw_mremap_undo *u, void *r, size_t new_len)
{
	struct grw_tblock *tb = grw_counters_self();
	if (r == MAP_FAILED) {
		/* Nothing happened: put the old range back, uncounted. */
		if (u->removed)
			grw_regions_insert(u->start, u->end, u->site);
		return;
	}
	for (unsigned i = 0; i < u->ncharges; i++)
		charge_unmap(tb, u->charges[i].site, u->charges[i].bytes, u->charges[i].ended);
	if (!u->removed)
		return; /* not a mapping we track (file-backed, or from before init) */
	uintptr_t start = (uintptr_t)r, end = page_up(start + new_len);
	grw_regions_remove(start, end, charge_unmap, tb);
	region_alloc(tb, start, end);
}
