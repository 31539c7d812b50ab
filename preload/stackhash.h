/* SPDX-License-Identifier: MIT */
/*
 * The key under which a stack is interned (sites.c): a polynomial over the mixed return
 * addresses, P = sum of m(f[i]) * B^i mod 2^64, frame 0 innermost, with kind and depth mixed in
 * by sites.h (each frame is mixed by m already, so every bit of P depends on every frame). A
 * polynomial, so that the stack walker, which keeps the previous walk's frames
 * with each frame's partial sum towards the outermost one, finds the key of a stack that shares
 * its outer frames with the last one in O(new frames) instead of hashing every frame of it
 * again (docs/performance.md, run 5): the key of frames [a, a + n) of that walk is
 * S[a] - B^n * S[a + n]. m is a bijection and B odd, so two stacks that differ in one frame
 * never share a key; the index compares the frames in full anyway.
 */
#ifndef GRW_STACKHASH_H
#define GRW_STACKHASH_H

#include <stdint.h>

#include "trace_format.h"

#define GRW_POLY_B 0x9e3779b97f4a7c15ull /* odd */

/* B^i for i <= GRW_MAX_DEPTH; filled by grw_poly_init (at init, before any capture). */
extern uint64_t grw_poly_pow[GRW_MAX_DEPTH + 1];
void grw_poly_init(void);

static inline uint64_t grw_frame_mix(uintptr_t ip)
{
	uint64_t x = ip;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 29);
}

/* P of frames[0, n): the products are independent of each other, so they overlap (a Horner
 * chain would be one dependent multiply per frame). */
static inline uint64_t grw_stack_poly(const uintptr_t *frames, uint32_t n)
{
	uint64_t a = 0, b = 0;
	uint32_t i = 0;
	for (; i + 2 <= n; i += 2) {
		a += grw_frame_mix(frames[i]) * grw_poly_pow[i];
		b += grw_frame_mix(frames[i + 1]) * grw_poly_pow[i + 1];
	}
	if (i < n)
		a += grw_frame_mix(frames[i]) * grw_poly_pow[i];
	return a + b;
}

#endif
