// SPDX-License-Identifier: MIT
/*
 * The C functions cgoleak's goroutines call. km_leak_row keeps every row it allocates (the
 * leak); km_solve_matrix callocs an n x n matrix of doubles (8 MiB for n = 1024), fills it,
 * reads its trace and frees it (large, but flat). noinline so each is a real frame.
 */
#include "km.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))

struct row {
	struct row *next;
	int index;
};

static struct row *rows;
static long nrows;
static pthread_mutex_t rows_mu = PTHREAD_MUTEX_INITIALIZER;

NOINLINE void km_leak_row(int i)
{
	struct row *r = malloc(KM_ROW_BYTES);
	if (!r)
		abort();
	memset(r, i & 0xff, KM_ROW_BYTES);
	r->index = i;
	pthread_mutex_lock(&rows_mu);
	r->next = rows;
	rows = r;
	nrows++;
	pthread_mutex_unlock(&rows_mu);
}

long km_rows(void)
{
	pthread_mutex_lock(&rows_mu);
	long n = nrows;
	pthread_mutex_unlock(&rows_mu);
	return n;
}

NOINLINE double km_solve_matrix(int n)
{
	double *m = calloc((size_t)n * (size_t)n, sizeof *m);
	if (!m)
		abort();
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			m[(size_t)i * n + j] = i == j ? (double)(i + 1) : 0.5;
	double trace = 0;
	for (int i = 0; i < n; i++)
		trace += m[(size_t)i * n + i];
	free(m);
	return trace;
}
