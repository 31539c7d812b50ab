// SPDX-License-Identifier: MIT
/* Linked into `early`: its constructor allocates before libgrowth.so's constructor has run
 * (when preloaded first) and its destructor allocates after growth's exit handlers. */
#include <stdlib.h>
#include <string.h>

void *early_keep[16];

__attribute__((constructor)) static void early_ctor(void)
{
	for (int i = 0; i < 16; i++) {
		early_keep[i] = malloc(1000 + (size_t)i);
		memset(early_keep[i], 1, 1000);
	}
	free(early_keep[3]);
	early_keep[3] = NULL;
}

__attribute__((destructor)) static void early_dtor(void)
{
	for (int i = 0; i < 16; i++)
		free(early_keep[i]);
	free(strdup("late"));
}
