// SPDX-License-Identifier: MIT
/*
 * Stacks of every depth, for the stack walker (tests/e2e/t_unwind.sh). Each round recurses to a
 * depth drawn between 1 and 300 frames, so consecutive allocations come from stacks much deeper
 * or shallower than the last one. The recursion alternates three kinds of frame: one with a
 * frame pointer, one without (CFA from RSP), and one that calls alloca (CFA from RBP although
 * built without frame pointers). It allocates at the leaf and at every 37th level on the way
 * back. This drives the walker's reuse of the previous walk through its rare paths: stacks
 * deeper than the walk it keeps (80 frames), walks cut by the depth cap, and walks that go on
 * past a kept walk that was cut. With `leaf`, it allocates at the leaf only: every walk is a
 * deep one that shares few frames with the last, whatever the compiler's frame layout, so the
 * walker walks plain (cfi_unwind.c).
 * Usage: deepstack [ROUNDS=2000 [leaf]]
 */
#include <alloca.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))
#define NO_FP __attribute__((optimize("omit-frame-pointer")))

static void *volatile sink[64];
static unsigned seed = 12345;
static int leaf_only;

static unsigned rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 16;
}

static int down(int depth, int round);

/* The allocation of a level: a realloc at the leaf, a free and a malloc on the way back. */
NOINLINE static void touch(int depth, int round)
{
	unsigned i = (unsigned)(round + depth) & 63;
	if (depth == 0) {
		sink[i] = realloc(sink[i], 16 + (size_t)(round & 255));
	} else {
		free(sink[i]);
		sink[i] = malloc(24 + (size_t)(depth & 31));
	}
}

NOINLINE static int with_fp(int depth, int round)
{
	int r = down(depth - 1, round);
	if (depth % 37 == 0 && !leaf_only)
		touch(depth, round);
	return r + 1;
}

NO_FP NOINLINE static int without_fp(int depth, int round)
{
	int r = down(depth - 1, round);
	if (depth % 37 == 0 && !leaf_only)
		touch(depth, round);
	return r + 1;
}

NO_FP NOINLINE static int with_alloca(int depth, int round)
{
	char *pad = alloca(16 + (size_t)(depth % 64));
	memset(pad, depth, 16);
	int r = down(depth - 1, round);
	if (depth % 37 == 0 && !leaf_only)
		touch(depth, round);
	return r + pad[depth % 16];
}

static int down(int depth, int round)
{
	if (depth <= 0) {
		touch(0, round);
		return 0;
	}
	switch (depth % 3) {
	case 0: return with_fp(depth, round);
	case 1: return without_fp(depth, round);
	default: return with_alloca(depth, round);
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	leaf_only = argc > 2 && strcmp(argv[2], "leaf") == 0;
	long sum = 0;
	for (int round = 0; round < rounds; round++)
		sum += down(1 + (int)(rnd() % 300), round);
	for (int i = 0; i < 64; i++)
		free(sink[i]);
	printf("deepstack: %d rounds, checksum %ld\n", rounds, sum);
	return 0;
}
