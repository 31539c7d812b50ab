// SPDX-License-Identifier: MIT
/* A library that allocates (and leaks) from a named function, for dlloop's dlopen/dlclose loop. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline, noclone)) void *dlalloc_leak(size_t n)
{
	char *p = malloc(n);
	memset(p, 9, n);
	return p;
}

void *dlalloc_entry(size_t n);
void *dlalloc_entry(size_t n)
{
	return dlalloc_leak(n);
}
