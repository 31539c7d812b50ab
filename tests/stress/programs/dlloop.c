// SPDX-License-Identifier: MIT
/*
 * dlopen / dlclose of a library that allocates, in a loop: the allocations' stacks point into a
 * library that is no longer mapped at the end, and must still symbolize offline.
 * Usage: dlloop LIBPATH ROUNDS
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int rounds = atoi(argv[2]);
	for (int i = 0; i < rounds; i++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "dlloop: %s\n", dlerror());
			return 1;
		}
		void *(*entry)(size_t) = (void *(*)(size_t))dlsym(h, "dlalloc_entry");
		if (!entry || !entry(40004))
			return 1;
		dlclose(h);
	}
	printf("dlloop: %d rounds\n", rounds);
	return 0;
}
