// SPDX-License-Identifier: MIT
/*
 * Allocations from 4096 distinct functions, in turn, for the stack walker's rule cache
 * (tests/e2e/t_unwind.sh): each function's return address needs its own cached rule, twice as
 * many as a thread's cache starts with, so the cache must grow (preload/cfi_unwind.c: under
 * GROWTH_UNWIND=check it does in the fifth round; t_unwind.sh runs 8) and the rules it held
 * must move over intact. The allocations run in a thread of their own, so that the
 * grown cache is also freed at a thread's exit. With "dlclose", each round also loads and
 * unloads a library, which empties every thread's cache: the refills must not keep it from
 * growing.
 * Usage: manysites [ROUNDS=8] [dlclose]
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))

/* 8^4 functions: f_0000 .. f_7777 (octal digits), each a distinct allocation site. */
#define FN(id) \
	NOINLINE static void *f_##id(size_t n) { return malloc(n + (0##id & 7)); }
#define D1(m, p) m(p##0) m(p##1) m(p##2) m(p##3) m(p##4) m(p##5) m(p##6) m(p##7)
#define D2(m, p) D1(m, p##0) D1(m, p##1) D1(m, p##2) D1(m, p##3) D1(m, p##4) D1(m, p##5) \
	D1(m, p##6) D1(m, p##7)
#define D3(m, p) D2(m, p##0) D2(m, p##1) D2(m, p##2) D2(m, p##3) D2(m, p##4) D2(m, p##5) \
	D2(m, p##6) D2(m, p##7)
#define D4(m) D3(m, 0) D3(m, 1) D3(m, 2) D3(m, 3) D3(m, 4) D3(m, 5) D3(m, 6) D3(m, 7)

D4(FN)

#define PTR(id) f_##id,
static void *(*const fns[])(size_t) = { D4(PTR) };
#define NFNS (sizeof fns / sizeof fns[0])

static int rounds = 8, unload;
static unsigned long sum;

static void *run(void *arg)
{
	(void)arg;
	for (int r = 0; r < rounds; r++) {
		if (unload) {
			void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
			if (!h || dlclose(h) != 0)
				return NULL;
		}
		for (size_t i = 0; i < NFNS; i++) {
			unsigned char *p = fns[i](16 + (i & 63));
			if (!p)
				return NULL;
			p[0] = (unsigned char)i;
			sum += p[0];
			free(p);
		}
	}
	return &sum;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		rounds = atoi(argv[1]);
	unload = argc > 2 && strcmp(argv[2], "dlclose") == 0;
	pthread_t th;
	void *ok = NULL;
	if (pthread_create(&th, NULL, run, NULL) != 0 || pthread_join(th, &ok) != 0 || !ok) {
		fprintf(stderr, "manysites: the allocating thread failed\n");
		return 1;
	}
	printf("manysites: %d rounds of %zu sites, sum %lu\n", rounds, (size_t)NFNS, sum);
	return 0;
}
