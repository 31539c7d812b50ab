/* SPDX-License-Identifier: MIT */
/*
 * Finding the real functions. dlsym may itself call malloc or calloc (glibc's dlerror state);
 * those calls arrive in our hooks before the pointers are set and are served from a static
 * arena. Arena blocks are never reused: free ignores them, realloc copies them out, and
 * malloc_usable_size reports their size. Nothing here may allocate.
 */
#include "bootstrap.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>

struct grw_real grw_real;
int grw_real_ready;

/* 1 while this thread is inside dlsym for us. */
static __thread int resolving;

int grw_bootstrap_resolve(void)
{
	if (__atomic_load_n(&grw_real_ready, __ATOMIC_ACQUIRE))
		return 0;
	if (resolving)
		return -EAGAIN;
	resolving = 1;
	/* Several threads may get here at once; they store the same values. */
#define X(name, ret, params)                                                                       \
	__atomic_store_n((void **)&grw_real.name, dlsym(RTLD_NEXT, #name), __ATOMIC_RELAXED);
	GRW_HOOKS(X)
#undef X
	resolving = 0;
	if (!grw_real.malloc || !grw_real.free || !grw_real.calloc || !grw_real.realloc)
		return -ENOSYS; /* statically linked libc? stay on the arena rather than crash */
	__atomic_store_n(&grw_real_ready, 1, __ATOMIC_RELEASE);
	return 0;
}

void *grw_bootstrap_lookup(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* ------------------------------------------------------------------------------------------ */
/* The arena. Each block is preceded by a 16-byte header holding the requested size. */

_Alignas(64) unsigned char grw_arena[GRW_ARENA_BYTES];
#define arena grw_arena
#define ARENA_BYTES GRW_ARENA_BYTES
static size_t arena_used; /* bytes handed out, atomic */

void *grw_arena_alloc(size_t n, size_t align)
{
	if (align < 16)
		align = 16;
	if ((align & (align - 1)) || n > ARENA_BYTES)
		goto fail;
	size_t old = __atomic_load_n(&arena_used, __ATOMIC_RELAXED), start, end;
	do {
		start = (old + 16 + align - 1) & ~(align - 1); /* room for the header before it */
		end = start + ((n + 15) & ~(size_t)15);
		if (end > ARENA_BYTES)
			goto fail;
	} while (!__atomic_compare_exchange_n(&arena_used, &old, end, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	*(size_t *)(void *)(arena + start - 16) = n;
	return arena + start; /* static storage: already zero, never reused */
fail:
	errno = ENOMEM;
	return NULL;
}

size_t grw_arena_size(const void *p)
{
	return *(const size_t *)(const void *)((const unsigned char *)p - 16);
}
