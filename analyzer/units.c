/* SPDX-License-Identifier: MIT */
/*
 * Human sizes and rates (units.h). Strict: trailing junk, negative numbers, NaN and "inf" are
 * syntax errors, so a typo in a CI gate is an error rather than a silently different bound.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

struct unit {
	const char *name;
	double factor;
};

static const struct unit size_units[] = {
	{"", 1},
	{"b", 1},
	{"k", 1024.0},
	{"kb", 1e3},
	{"kib", 1024.0},
	{"m", 1048576.0},
	{"mb", 1e6},
	{"mib", 1048576.0},
	{"g", 1073741824.0},
	{"gb", 1e9},
	{"gib", 1073741824.0},
	{"t", 1099511627776.0},
	{"tb", 1e12},
	{"tib", 1099511627776.0},
};

static const struct unit time_units[] = {
	{"s", 1}, {"sec", 1}, {"second", 1}, {"min", 60},
	{"minute", 60}, {"h", 3600}, {"hour", 3600},
};

/* Parses "NUMBER [UNIT]" from s up to end (exclusive); returns 0 and the value in bytes. */
static int parse_size_n(const char *s, const char *end, double *out)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (s == end || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	char *num_end;
	errno = 0;
	double v = strtod(s, &num_end);
	if (num_end == s || num_end > end || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	/* strtod accepts hex and exponents; allow only digits and one point. */
	for (const char *p = s; p < num_end; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -EINVAL;
	const char *u = num_end;
	while (u < end && isspace((unsigned char)*u))
		u++;
	size_t ulen = (size_t)(end - u);
	for (size_t i = 0; i < sizeof size_units / sizeof size_units[0]; i++) {
		const char *name = size_units[i].name;
		size_t k = 0;
		while (name[k])
			k++;
		if (k == ulen && strncasecmp(u, name, k) == 0) {
			double b = v * size_units[i].factor;
			if (b >= 9223372036854775808.0)
				return -ERANGE;
			*out = b;
			return 0;
		}
	}
	return -EINVAL;
}

int grw_units_parse_size(const char *s, uint64_t *bytes)
{
	const char *end = s;
	while (*end)
		end++;
	double b;
	int e = parse_size_n(s, end, &b);
	if (e)
		return e;
	*bytes = (uint64_t)llround(b);
	return 0;
}

int grw_units_parse_rate(const char *s, double *bytes_per_s)
{
	const char *slash = s, *end;
	while (*slash && *slash != '/')
		slash++;
	end = slash;
	double per_s = 1;
	if (*slash == '/') {
		const char *t = slash + 1, *te = t;
		while (*te)
			te++;
		while (t < te && isspace((unsigned char)*t))
			t++;
		while (te > t && isspace((unsigned char)te[-1]))
			te--;
		size_t tl = (size_t)(te - t);
		bool found = false;
		for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++) {
			const char *name = time_units[i].name;
			size_t k = 0;
			while (name[k])
				k++;
			if (k == tl && strncasecmp(t, name, k) == 0) {
				per_s = time_units[i].factor;
				found = true;
				break;
			}
		}
		if (!found)
			return -EINVAL;
	}
	double b;
	int e = parse_size_n(s, end, &b);
	if (e)
		return e;
	*bytes_per_s = b / per_s;
	return 0;
}
