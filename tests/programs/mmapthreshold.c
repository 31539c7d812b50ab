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
	void *p = malloc(200000);
	struct mallinfo2 mi = mallinfo2();
	printf("malloc(200000): %s\n", !p ? "failed" : mi.hblks > 0 ? "own mapping" : "heap");
	free(p);
	return 0;
}
