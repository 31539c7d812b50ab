// SPDX-License-Identifier: MIT
/*
 * Copies argv[1] and the environment into the heap and keeps them live, then lists the
 * mappings that name growth (for the setuid test: whether ld.so loaded it). The trace may hold
 * argv (once) but never the environment or memory contents.
 * Usage: secret STRING
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
	char *keep = strdup(argc > 1 ? argv[1] : "");
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **copy = calloc(n + 1, sizeof *copy);
	for (size_t i = 0; i < n; i++)
		copy[i] = strdup(environ[i]);
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "growth"))
			fputs(line, stdout);
	if (f)
		fclose(f);
	printf("secret: %zu variables, %zu bytes kept\n", n, strlen(keep));
	return 0;
}
