/* SPDX-License-Identifier: MIT */
/*
 * A fast x86-64 stack walker for the allocation hot path. It reads the DWARF call-frame
 * information (.eh_frame) that every Debian binary carries, reduces the rule for each return
 * address to "CFA = RSP|RBP + off; RA at CFA-8; RBP saved at CFA+k or unchanged", caches that
 * per thread, and walks by loads alone. Anything the reduced rule cannot express (signal frames,
 * DWARF expressions, unusual return-address rules) makes the walk report GRW_CFI_FALLBACK so the
 * caller can use libunwind instead: the fast path is an optimisation, never a different answer.
 *
 * Why our own walker rather than libunwind's unw_backtrace: unw_backtrace costs ~140 ns per
 * capture at depth 17 here (python-malloc, docs/performance.md), more than the whole budget of
 * an allocation at 1.5x; this walker costs a few ns per frame. Runs inside malloc: no locks, no
 * allocation, no syscalls on the hot path (but when a thread's rule cache grows, through the
 * caller's allocator: grw_cfi_set_growth); async-signal-safe (_dl_find_object is lock-free).
 */
#ifndef GRW_CFI_UNWIND_H
#define GRW_CFI_UNWIND_H

#include <stddef.h>
#include <stdint.h>

#define GRW_CFI_FALLBACK (-1)

struct grw_cfi_entry {
	uintptr_t ip;  /* return address; 0 = empty */
	uint64_t rule; /* packed rule, see cfi_unwind.c */
};

/* Per-thread walker state. The caller owns the memory (zeroed), sets cache/cache_mask to a
 * power-of-two array of entries, the stack bounds and the sentinel sp[GRW_CFI_CAP]. */
#define GRW_CFI_PREV 80                /* frames of the previous walk kept for reuse */
#define GRW_CFI_CAP (2 * GRW_CFI_PREV) /* slots: the kept walk, and room for the next's */

struct grw_cfi_thread {
	/* The last walk, kept for the next one to reuse its outer frames in place: frame by frame
	 * (innermost at CAP - saved, outermost at CAP - 1), its return address, stack pointer,
	 * RBP and packed rule, and h[i], the stack-key sum (stackhash.h) of frames [i, CAP) with
	 * h[CAP] = 0. A new walk writes its new inner frames in [0, CAP - saved) first, then
	 * moves them in front of the frames it reuses, so reused frames are never copied. */
	/* sp[GRW_CFI_CAP] is a sentinel, all ones: the owner sets it with the stack bounds. */
	uintptr_t ip[GRW_CFI_CAP], sp[GRW_CFI_CAP + 1], bp[GRW_CFI_CAP];
	uint64_t rule[GRW_CFI_CAP];
	uint64_t h[GRW_CFI_CAP + 1];
	int saved;    /* frames kept, <= GRW_CFI_PREV */
	int complete; /* the kept walk reached the outermost frame (not cut by a cap) */
	struct grw_cfi_entry *cache;
	uintptr_t cache_mask; /* entries - 1 */
	uint64_t walks;       /* walks made */
	uint64_t misses;      /* rule lookups that missed the cache since walk miss_from */
	uint64_t miss_from;
	uintptr_t stack_lo, stack_hi;
	uint32_t gen; /* grw_cfi_generation() when the cache was last valid */
	int went_past_cgo; /* the last walk went on by frame pointers past runtime.asmcgocall
			    * (libunwind stops there: GROWTH_UNWIND=check needs to know) */
	int key_ok;   /* the last walk's frames have their key in key (stackhash.h), and are at
		       * key_frames: the kept slots from some index (ips may not hold them), or
		       * ips itself (a plain walk, which hashes as it goes) */
	const uintptr_t *key_frames;
	uint64_t key;
	/* Whether reusing the kept walk pays (grw_cfi_backtrace, "plain walks"): walks left to
	 * make without it, and the frames the walks of the current window walked anew and took
	 * from the kept walk. */
	int plain_left;
	int win_walks, win_fresh, win_reused;
};

/* Captures up to max return addresses of the caller of the function that calls this one, or,
 * when `from` is not NULL, of the function whose frame `from` is (__builtin_frame_address(0)
 * of a function that is still running and keeps a frame pointer). `skip` more frames are
 * dropped first, then the frames in growth's own code up to the first one outside it
 * (grw_cfi_set_self_range); innermost first. Returns the number captured (0 when the walk
 * could not start), or GRW_CFI_FALLBACK when a frame needs a full unwinder. When t->key_ok is
 * set on return, the frames are at t->key_frames, not necessarily in ips (valid until the
 * thread's next walk), and t->key is grw_stack_poly of them (stackhash.h), found without
 * hashing. */
int grw_cfi_backtrace(struct grw_cfi_thread *t, uintptr_t *ips, int max, int skip,
		      const void *from);

/* Tells the walker where runtime.asmcgocall's code is, [lo, hi) (gosyms.h). A return address
 * there is where a C call made from Go entered C: the walk goes on from there by the Go frame
 * pointer chain instead of by CFI, which asmcgocall has none of. Call once from init, before
 * any walk; lo == hi (the default) turns this off. */
void grw_cfi_set_cgo_range(uintptr_t lo, uintptr_t hi);

/* Tells the walker where growth's own code is, [lo, hi): the leading frames there (the hook,
 * the recorder, the capture) are left out of every walk's output. Call once from init. */
void grw_cfi_set_self_range(uintptr_t lo, uintptr_t hi);

/* Whether walks may be plain where reusing the kept walk does not pay (cfi_unwind.c, "plain
 * walks"; on by default). Call once from init, before any walk. */
void grw_cfi_set_plain(int on);

/* How a thread's rule cache grows: a thread whose lookups missed GRW_CFI_GROW_AFTER times its
 * entries within GRW_CFI_GROW_WITHIN times its entries in walks (a program whose allocations
 * come from more code than the cache holds: on average at least one miss per 16 walks,
 * sustained, each costing about a thousand instructions) gets a cache of `max` entries, from alloc (zeroed
 * memory, or NULL: it tries again after as many misses more), the old one going back to
 * release. Without this call caches never grow. Call once from init, before any walk. */
#define GRW_CFI_GROW_AFTER 8
#define GRW_CFI_GROW_WITHIN 128
void grw_cfi_set_growth(size_t max, void *(*alloc)(size_t), void (*release)(void *, size_t));

/* Invalidates every thread's cache (after dlclose: an address may then belong to other code). */
void grw_cfi_invalidate(void);

#endif
