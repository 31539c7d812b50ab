// SPDX-License-Identifier: MIT
/* The C half of cgoleak: one function that leaks a row per call, one that allocates, uses and
 * frees a large matrix per call. */
#ifndef KM_H
#define KM_H

#define KM_ROW_BYTES 4104 /* a distinctive size, to find the leak in a trace */

void km_leak_row(int i);
long km_rows(void);
double km_solve_matrix(int n);

#endif
