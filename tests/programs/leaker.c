// SPDX-License-Identifier: MIT
/*
 * Leaks a known, exact number of bytes through one allocator, chosen by argv[1], from a
 * function named leak_with_<allocator>; then prints one line and exits 0. tests/e2e/t_exact_leaks.sh
 * asserts the bytes per function, so keep the sizes here and there in step.
 * Usage: leaker malloc|calloc|realloc|realloc_null|strdup|posix_memalign|aligned_alloc|memalign|valloc|mmap|none
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

/* Where the leaked blocks stay referenced, so no compiler can prove them dead. */
void *volatile leaked[4];

#define MALLOC_BYTES 10001
#define CALLOC_N 7
#define CALLOC_SIZE 3001 /* 21007 bytes */
#define REALLOC_FINAL 30003
#define REALLOC_NULL_BYTES 9009 /* realloc(NULL, 4004), then reallocarray(NULL, 5, 1001) */
#define STRDUP_LEN 4003 /* strdup allocates 4004 bytes */
#define POSIX_MEMALIGN_BYTES 50005
#define ALIGNED_ALLOC_BYTES 60160 /* 235 * 256: a multiple of the alignment, as C11 asks */
#define MEMALIGN_BYTES 70007
#define VALLOC_BYTES 80008
#define MMAP_PAGES 40

NOINLINE size_t leak_with_malloc(void)
{
	char *p = malloc(MALLOC_BYTES);
	memset(p, 1, MALLOC_BYTES);
	leaked[0] = p;
	return MALLOC_BYTES;
}

NOINLINE size_t leak_with_calloc(void)
{
	char *p = calloc(CALLOC_N, CALLOC_SIZE);
	leaked[0] = p;
	return (size_t)CALLOC_N * CALLOC_SIZE;
}

/* One block grown through several reallocs from one call site; only the last size is live. */
NOINLINE size_t leak_with_realloc(void)
{
	static const size_t sizes[] = {1000, 7000, 2500, 12000, REALLOC_FINAL};
	char *p = malloc(100);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p = realloc(p, sizes[i]);
		p[sizes[i] - 1] = 1;
	}
	leaked[0] = p;
	return REALLOC_FINAL;
}

/* Blocks started by realloc and reallocarray from NULL (a buffer grown from nothing): each is
 * an allocation. */
NOINLINE size_t leak_with_realloc_null(void)
{
	void *volatile none = NULL; /* or the compiler calls malloc instead */
	char *p = realloc(none, 4004);
	char *q = reallocarray(none, 5, 1001);
	if (!p || !q)
		return 0;
	memset(p, 1, 4004);
	memset(q, 1, 5005);
	leaked[0] = p;
	leaked[1] = q;
	return REALLOC_NULL_BYTES;
}

NOINLINE size_t leak_with_strdup(void)
{
	static char text[STRDUP_LEN + 1];
	memset(text, 'x', STRDUP_LEN);
	leaked[0] = strdup(text);
	return STRDUP_LEN + 1;
}

NOINLINE size_t leak_with_posix_memalign(void)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, POSIX_MEMALIGN_BYTES) != 0)
		return 0;
	leaked[0] = p;
	return POSIX_MEMALIGN_BYTES;
}

NOINLINE size_t leak_with_aligned_alloc(void)
{
	leaked[0] = aligned_alloc(256, ALIGNED_ALLOC_BYTES);
	return ALIGNED_ALLOC_BYTES;
}

NOINLINE size_t leak_with_memalign(void)
{
	leaked[0] = memalign(128, MEMALIGN_BYTES);
	return MEMALIGN_BYTES;
}

NOINLINE size_t leak_with_valloc(void)
{
	leaked[0] = valloc(VALLOC_BYTES);
	return VALLOC_BYTES;
}

/* Anonymous and fully touched: every page is resident, so live bytes are the mapped bytes. */
NOINLINE size_t leak_with_mmap(void)
{
	size_t n = MMAP_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	memset(p, 1, n);
	leaked[0] = p;
	return n;
}

static const struct {
	const char *name;
	size_t (*fn)(void);
} kinds[] = {
	{"malloc", leak_with_malloc},
	{"calloc", leak_with_calloc},
	{"realloc", leak_with_realloc},
	{"realloc_null", leak_with_realloc_null},
	{"strdup", leak_with_strdup},
	{"posix_memalign", leak_with_posix_memalign},
	{"aligned_alloc", leak_with_aligned_alloc},
	{"memalign", leak_with_memalign},
	{"valloc", leak_with_valloc},
	{"mmap", leak_with_mmap},
};

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "malloc";
	if (strcmp(kind, "none") == 0) {
		printf("leaker: none: leaked 0 bytes\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(kind, kinds[i].name) == 0) {
			size_t n = kinds[i].fn();
			printf("leaker: %s: leaked %zu bytes\n", kind, n);
			return 0;
		}
	}
	fprintf(stderr, "leaker: unknown allocator '%s'\n", kind);
	return 2;
}
