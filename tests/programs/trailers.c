// SPDX-License-Identifier: MIT
/*
 * Block trailers (preload/record.h): in exact mode growth keeps each small block's site in 8
 * bytes it adds after the block. This program does what could break that: it fills blocks up
 * to malloc_usable_size, frees a block that growth never saw (from glibc's __libc_malloc),
 * reallocs across the trailer size limit and to 0 bytes. It keeps a known number of bytes per
 * function and prints one line; tests/e2e/t_trailers.sh checks the report against it.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))

extern void *__libc_malloc(size_t); /* glibc's own entry: bypasses any interposed malloc */

void *volatile kept[256];

/* The compiler must not drop the writes to a block that is freed next (dead-store elimination). */
#define WRITTEN(p) __asm__ volatile("" : : "r"(p) : "memory")

/* 1000 blocks of 1..200 bytes, each filled to its usable size, all freed: 0 bytes live. */
NOINLINE size_t fill_usable(void)
{
	for (int i = 0; i < 1000; i++) {
		unsigned char *p = malloc((size_t)(i % 200) + 1);
		memset(p, 0xff, malloc_usable_size(p));
		WRITTEN(p);
		free(p);
	}
	return 0;
}

/* 100 blocks of 24 bytes, filled to their usable size and kept: 2400 bytes. */
NOINLINE size_t keep_small(void)
{
	for (int i = 0; i < 100; i++) {
		unsigned char *p = malloc(24);
		memset(p, 0xff, malloc_usable_size(p));
		kept[i] = p;
	}
	return 100 * 24;
}

/* 3 blocks of 100000 bytes (over the trailer limit: the address map keeps them): 300000. */
NOINLINE size_t keep_large(void)
{
	for (int i = 0; i < 3; i++) {
		char *p = calloc(1, 100000);
		p[99999] = 1;
		kept[100 + i] = p;
	}
	return 300000;
}

/* malloc(1000) -> realloc to 70000 (over the limit) -> realloc to 500 (under it): 500 kept. */
NOINLINE size_t realloc_across(void)
{
	char *p = malloc(1000);
	memset(p, 'a', 1000);
	p = realloc(p, 70000);
	memset(p + 1000, 'b', 69000);
	p = realloc(p, 500);
	if (p[0] != 'a' || p[499] != 'a')
		return SIZE_MAX;
	kept[110] = p;
	return 500;
}

/* realloc(p, 0) frees p and returns NULL, as in glibc: 0 bytes. */
NOINLINE size_t realloc_to_zero(void)
{
	char *p = malloc(40);
	p[0] = 1;
	return realloc(p, 0) == NULL ? 0 : SIZE_MAX;
}

/* Blocks growth never saw, filled with bytes and freed through free(): nothing is counted. */
NOINLINE size_t free_foreign(void)
{
	for (int i = 0; i < 200; i++) {
		unsigned char *p = __libc_malloc((size_t)i + 1);
		memset(p, i & 0xff, malloc_usable_size(p));
		WRITTEN(p);
		free(p);
	}
	return 0;
}

int main(void)
{
	size_t total = 0, r;
	size_t (*steps[])(void) = {fill_usable, keep_small, keep_large, realloc_across,
				   realloc_to_zero, free_foreign};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if ((r = steps[i]()) == SIZE_MAX) {
			printf("trailers: step %zu went wrong\n", i);
			return 1;
		}
		total += r;
	}
	printf("trailers: kept %zu bytes\n", total);
	return 0;
}
