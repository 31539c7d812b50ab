/* SPDX-License-Identifier: MIT */
/*
 * Stack capture. Everything about how the stack is walked lives behind these three calls, so
 * a faster unwinder can replace libunwind without touching the recorder.
 */
#ifndef GRW_UNWIND_H
#define GRW_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "cfi_unwind.h"
#include "config.h"
#include "state.h"

/* Where a captured stack is, and its key for grw_sites_intern (stackhash.h) when the walker
 * found it. */
struct grw_stack_key {
	const uintptr_t *frames; /* the buffer passed, or the walker's own copy (valid until the
				  * thread's next capture) */
	uint64_t v;
	bool ok;
};

/* Sets libunwind's caching policy and learns growth's own text range. Call once from init. */
void grw_unwind_init(void);

/* This thread's fast-walker state: NULL until its first capture; GRW_CFI_OFF when the fast
 * walker is not used on this thread (stack bounds unknown, out of memory, thread exited). */
extern __thread struct grw_cfi_thread *grw_cfi_tls;
#define GRW_CFI_OFF ((struct grw_cfi_thread *)1)

/* grw_unwind_capture but for its common case: the first capture of a thread (which sets up its
 * walker state), a thread without one, and the other GROWTH_UNWIND modes. (A walk that needs
 * libunwind goes to grw_unwind_capture_with directly.) */
int grw_unwind_capture_slow(uintptr_t *frames, int max, struct grw_stack_key *key);

/* The same with the walker chosen by the caller: fast = the CFI walker with libunwind as the
 * fallback, else libunwind alone (grw_unwind_capture follows GROWTH_UNWIND). */
int grw_unwind_capture_with(uintptr_t *frames, int max, bool fast, struct grw_stack_key *key);

/* Where the fast walker's last walk left its frames (in frames, or in its kept walk), and their
 * key. */
static inline void grw_unwind_key_of(const struct grw_cfi_thread *t, uintptr_t *frames,
				     struct grw_stack_key *key)
{
	key->ok = t->key_ok;
	key->v = t->key;
	key->frames = t->key_ok ? t->key_frames : frames;
}

/* Captures up to max return addresses of the current thread, innermost first, starting in the
 * function that called the hooked allocator (growth's own frames dropped), into frames or
 * (saving a copy) where key->frames says. Returns the number captured (0 when the stack cannot
 * be walked). Call with the guard set; async-signal-safe as far as libunwind is. Inline: its
 * common case is one call to the fast walker (a function level less on every allocation). */
static inline int grw_unwind_capture(uintptr_t *frames, int max, struct grw_stack_key *key)
{
	struct grw_cfi_thread *t = grw_cfi_tls;
	if (__builtin_expect(grw_cfg.unwind == GRW_UNWIND_FAST && (uintptr_t)t > 1, 1)) {
		int n = grw_cfi_backtrace(t, frames, max, 0, grw_entry_frame);
		if (__builtin_expect(n != GRW_CFI_FALLBACK, 1)) {
			grw_unwind_key_of(t, frames, key);
			return n;
		}
		return grw_unwind_capture_with(frames, max, false, key); /* libunwind */
	}
	return grw_unwind_capture_slow(frames, max, key);
}

/* Frees this thread's walker state; later captures on this thread use libunwind. Called from
 * the thread-exit destructor. */
void grw_unwind_thread_exit(void);

/* Drops cached unwind info (libunwind's and every thread's CFI rules) after a dlclose. */
void grw_unwind_flush(void);

/* Basename of libgrowth.so as loaded (for GROWTH_FOLLOW_EXEC=0), "" if unknown. */
const char *grw_unwind_self_name(void);

/* Whether a site with these frames is a mapping the Go runtime made for itself: its innermost
 * return address lies in cgo's x_cgo_mmap hook. Such sites hold the Go heap, goroutine stacks
 * and the runtime's metadata, whose size the garbage collector's pacing sets; the live warning
 * leaves them to RSS (docs/go.md). */
bool grw_unwind_go_runtime_site(const uintptr_t *frames, uint32_t depth);

#endif
