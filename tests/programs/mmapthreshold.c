// SPDX-License-Identifier: MIT
/*
 * mmapthreshold: prints whether glibc serves a 200000-byte block from a mapping of its own (it
 * does, below its default 128 KiB threshold, until the program frees such a block and glibc
 * raises the threshold). A profiler that allocates and frees large blocks at start-up moves that
 * threshold for the whole run; tests/e2e/t_trailers.sh checks that growth does not.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	size_t mapped = mallinfo2().hblkhd; /* bytes in blocks of their own mapping */
	void *p = malloc(200000);
	size_t more = mallinfo2().hblkhd - mapped;
	printf("malloc(200000): %s\n", !p ? "failed" : more >= 200000 ? "own mapping" : "heap");
	free(p);
	return 0;
}
