/* SPDX-License-Identifier: MIT */
/*
 * The real functions behind our hooks, found with dlsym(RTLD_NEXT), and the static arena that
 * serves allocations made while dlsym itself runs.
 */
#ifndef GRW_BOOTSTRAP_H
#define GRW_BOOTSTRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "hooks_list.h"

/* Real functions; NULL where no later object defines one (operator new without libstdc++). */
struct grw_real {
#define X(name, ret, params) ret(*name) params;
	GRW_HOOKS(X)
#undef X
};

extern struct grw_real grw_real;
extern int grw_real_ready; /* 1 once grw_real is filled (acquire/release) */

/* Resolves every real function (idempotent, any thread). Returns 0 when grw_real is usable, or
 * -EAGAIN when called again from inside dlsym on this thread: the caller must then use the
 * arena (or the raw syscall). Safe to call before init. */
int grw_bootstrap_resolve(void);

/* True when the real functions can be used; resolves on first use. */
static inline bool grw_real_ensure(void)
{
	if (__builtin_expect(__atomic_load_n(&grw_real_ready, __ATOMIC_ACQUIRE), 1))
		return true;
	return grw_bootstrap_resolve() == 0;
}

/* Bootstrap arena: bump allocation from a static buffer, never freed. align 0 = 16. Returns
 * NULL (errno ENOMEM) when exhausted. Thread-safe and signal-safe. */
void *grw_arena_alloc(size_t n, size_t align);
#define GRW_ARENA_BYTES (256u << 10)
extern unsigned char grw_arena[GRW_ARENA_BYTES];
/* Inline: every free asks. */
static inline bool grw_arena_owns(const void *p)
{
	return (const unsigned char *)p >= grw_arena &&
	       (const unsigned char *)p < grw_arena + GRW_ARENA_BYTES;
}
/* The size asked for when p was allocated (p must be an arena pointer). */
size_t grw_arena_size(const void *p);

/* Looks a real function up again (for operator new when libstdc++ came with a later dlopen).
 * May allocate; call outside the guard. */
void *grw_bootstrap_lookup(const char *name);

#endif
