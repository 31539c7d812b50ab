// SPDX-License-Identifier: MIT
/*
 * Not every OOM is a leak: one huge matrix, calloc'ed by pat_matrix_alloc and touched row by
 * row over about a second, then worked on (a small scratch buffer per pass, freed) until the
 * process is killed or SECONDS pass. Its memory peaks and stays; nothing grows.
 * tests/e2e/t_peak.sh kills it at its peak and expects the report to lead with the peak.
 * Usage: pat_matrix [MIB=160] [SECONDS=20]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static double *volatile sink;

NOINLINE double *pat_matrix_alloc(size_t rows, size_t cols)
{
	return calloc(rows * cols, sizeof(double));
}

NOINLINE double pat_matrix_pass(const double *m, size_t rows, size_t cols)
{
	double *scratch = malloc(cols * sizeof *scratch);
	double sum = 0;
	sink = scratch;
	for (size_t c = 0; c < cols; c++)
		scratch[c] = m[(c % rows) * cols + c];
	for (size_t c = 0; c < cols; c++)
		sum += scratch[c];
	free(scratch);
	return sum;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 160;
	double seconds = argc > 2 ? atof(argv[2]) : 20;
	size_t cols = 8192, rows = mib * 1024 * 1024 / (cols * sizeof(double));
	struct timespec tick = {0, 5 * 1000 * 1000}, t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double *m = pat_matrix_alloc(rows, cols);
	if (!m)
		return 1;
	sink = m;
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols; c++)
			m[r * cols + c] = (double)(r + c);
		if (r % 16 == 15)
			nanosleep(&tick, NULL);
	}
	printf("pat_matrix: touched %zu MiB\n", mib);
	fflush(stdout);
	double total = 0;
	do {
		total += pat_matrix_pass(m, rows, cols);
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	printf("pat_matrix: done %g\n", total);
	free(m);
	return 0;
}
