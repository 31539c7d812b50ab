/* SPDX-License-Identifier: MIT */
/*
 * The one atomic state of libgrowth.so and the per-thread re-entry guard. The constructor
 * moves UNINIT -> INITIALIZING -> ENABLED (or OFF); the writer moves ENABLED -> DISABLED when it
 * stops writing (cap, I/O error, exit). Hooks record only in ENABLED.
 */
#ifndef GRW_STATE_H
#define GRW_STATE_H

#include <stdbool.h>
#include <stdint.h>

enum grw_state {
	GRW_ST_UNINIT = 0,       /* constructor not run yet: pass through */
	GRW_ST_INITIALIZING = 1, /* constructor running: pass through */
	GRW_ST_ENABLED = 2,      /* recording */
	GRW_ST_DISABLED = 3,     /* was recording, the trace stopped (cap, write error, exit);
				    fork children stay disabled too */
	GRW_ST_OFF = 4,          /* disabled for good: AT_SECURE, GROWTH_DISABLE, init failure */
};

extern int grw_state;

/* Set while this thread is inside growth (recording, init, fork handlers) and for the whole
 * life of the writer thread: hooks then pass straight through. Initial-exec TLS, so reading it
 * never allocates. */
extern __thread int grw_in_growth __attribute__((tls_model("initial-exec")));

/* The frame of the function recording on this thread (as __builtin_frame_address gives it:
 * the saved RBP, then the return address), or NULL: a hook, or the recording function a hook
 * tail-called, whose frame took the hook's place (hooks.c), so the return address is into the
 * application. Where a hook called it instead (posix_memalign, aligned new, a few bootstrap
 * paths) the return address is into growth, and the walk drops that frame as one of growth's.
 * The stack walk starts here rather than walking growth's own frames (cfi_unwind.h). Set
 * only while grw_in_growth is, so an allocation in a signal handler passes straight through
 * and cannot change it. */
extern __thread const void *grw_entry_frame __attribute__((tls_model("initial-exec")));

/* Sets and clears the guard around growth's own work. The signal fences keep growth's loads and
 * stores between them whatever the compiler inlines across translation units, so that a signal
 * handler's call in between passes through (and cannot, say, lose a counter's update). */
#define GRW_GUARD_ON()                                                                     \
	do {                                                                               \
		grw_in_growth = 1;                                                         \
		__atomic_signal_fence(__ATOMIC_SEQ_CST);                                   \
	} while (0)
#define GRW_GUARD_OFF()                                                                    \
	do {                                                                               \
		__atomic_signal_fence(__ATOMIC_SEQ_CST);                                   \
		grw_in_growth = 0;                                                         \
	} while (0)

/* errno's offset from the thread pointer (x86-64: %fs), the same in every thread: glibc's errno
 * is in the static TLS block, which every thread's thread pointer addresses alike. Set by init
 * before it enables recording; the acquire load in grw_enabled() orders its reads after that
 * (a plain load on x86-64). */
extern intptr_t grw_errno_off;

static inline bool grw_enabled(void)
{
	return __atomic_load_n(&grw_state, __ATOMIC_ACQUIRE) == GRW_ST_ENABLED;
}

/* ENABLED -> DISABLED (no-op in other states). Thread-safe. */
void grw_state_disable(void);

/* Monotonic clock in ns (vDSO, no syscall on Linux). */
uint64_t grw_now_ns(void);

/* System page size, known after init. */
extern uint64_t grw_page_size;

#endif
