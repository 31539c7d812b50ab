/* SPDX-License-Identifier: MIT */
/*
 * A small check header for unit tests, no framework (in the spirit of mimalloc's testhelper.h).
 * CHECK(cond) records a failure with file:line and goes on; CHECK_EQ_U/CHECK_NEAR print both
 * values. main() ends with `return check_summary("name");`, which prints the plain closing line
 * "name: N passed, N failed" and returns the exit status.
 */
#ifndef GRW_CHECK_H
#define GRW_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                   \
	do {                                                                              \
		if (cond) {                                                               \
			check_passed++;                                                   \
		} else {                                                                  \
			check_failed++;                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                         \
	} while (0)

#define CHECK_EQ_U(a, b)                                                                  \
	do {                                                                              \
		unsigned long long check_a_ = (unsigned long long)(a);                    \
		unsigned long long check_b_ = (unsigned long long)(b);                    \
		if (check_a_ == check_b_) {                                               \
			check_passed++;                                                   \
		} else {                                                                  \
			check_failed++;                                                   \
			fprintf(stderr, "%s:%d: %s == %s: %llu != %llu\n", __FILE__, __LINE__, #a, \
				#b, check_a_, check_b_);                                  \
		}                                                                         \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                             \
	do {                                                                              \
		double check_a_ = (double)(a), check_b_ = (double)(b);                    \
		if (fabs(check_a_ - check_b_) <= (tol)) {                                 \
			check_passed++;                                                   \
		} else {                                                                  \
			check_failed++;                                                   \
			fprintf(stderr, "%s:%d: %s ~ %s: %g != %g (tol %g)\n", __FILE__, __LINE__, \
				#a, #b, check_a_, check_b_, (double)(tol));               \
		}                                                                         \
	} while (0)

static inline int check_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
