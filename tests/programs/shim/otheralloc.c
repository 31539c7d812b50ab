// SPDX-License-Identifier: MIT
/*
 * otheralloc.so: an allocator that is not laid out as glibc's, for tests/e2e/t_trailers.sh.
 * Preloaded after libgrowth.so, it is the "real" allocator growth forwards to. Each block is
 * glibc's with 16 bytes of its own in front: the usable size it reports (exactly the size asked
 * for) and a marker, where glibc keeps its chunk header. growth must notice at init that block
 * sizes cannot be read from glibc's headers here and ask malloc_usable_size instead (record.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

#define HDR 16
#define MARK 0x5a5a5a5a5a5a5a5aull

/* A block of this allocator: base is glibc's, the block starts HDR bytes (or one alignment)
 * in, with [size][offset from base, marked] just below it. */
static void *put(char *base, size_t off, size_t n)
{
	if (!base)
		return NULL;
	uint64_t *h = (uint64_t *)(base + off) - 2;
	h[0] = n;
	h[1] = MARK ^ off;
	return base + off;
}

static char *base_of(void *p)
{
	uint64_t *h = (uint64_t *)p - 2;
	return (char *)p - (h[1] ^ MARK);
}

void *malloc(size_t n)
{
	return n > SIZE_MAX - HDR ? NULL : put(__libc_malloc(n + HDR), HDR, n);
}

void *calloc(size_t a, size_t b)
{
	size_t n;
	if (__builtin_mul_overflow(a, b, &n) || n > SIZE_MAX - HDR) {
		errno = ENOMEM;
		return NULL;
	}
	return put(__libc_calloc(1, n + HDR), HDR, n);
}

void free(void *p)
{
	if (p)
		__libc_free(base_of(p));
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (base_of(p) != (char *)p - HDR) { /* an aligned block: move it */
		void *q = malloc(n);
		if (q) {
			size_t old = ((uint64_t *)p)[-2];
			memcpy(q, p, old < n ? old : n);
			free(p);
		}
		return q;
	}
	if (n > SIZE_MAX - HDR)
		return NULL;
	return put(__libc_realloc((char *)p - HDR, n + HDR), HDR, n);
}

void *reallocarray(void *p, size_t a, size_t b)
{
	size_t n;
	if (__builtin_mul_overflow(a, b, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}

void *memalign(size_t al, size_t n)
{
	if (al < HDR)
		al = HDR;
	if (n > SIZE_MAX - al)
		return NULL;
	return put(__libc_memalign(al, n + al), al, n);
}

void *aligned_alloc(size_t al, size_t n)
{
	return memalign(al, n);
}

int posix_memalign(void **out, size_t al, size_t n)
{
	void *p = memalign(al, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	return memalign(4096, n);
}

size_t malloc_usable_size(void *p)
{
	return p ? ((uint64_t *)p)[-2] : 0;
}
