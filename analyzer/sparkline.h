/* SPDX-License-Identifier: MIT */
/*
 * Sparklines for the text report: a series drawn as one line of Unicode block characters
 * (U+2581..U+2588), or of ASCII characters when the locale is not UTF-8. Pure formatting into
 * the caller's buffer: no allocation, no I/O.
 */
#ifndef GRW_SPARKLINE_H
#define GRW_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "detect.h"

/* True when LC_ALL, else LC_CTYPE, else LANG (the first one set and non-empty) names UTF-8. */
bool grw_spark_utf8(void);

/*
 * Draws pts[0..n) (time order) as at most width cells into buf (len bytes, NUL-terminated,
 * cut short rather than overflowing). Points are averaged into cells by time; each cell shows
 * the largest value (vmax) it holds, scaled from 0 to the series' maximum, so a spike stays
 * visible. An all-zero or empty series draws the lowest cell. Returns buf.
 */
char *grw_spark_draw(char *buf, size_t len, const struct grw_point *pts, size_t n, size_t width,
		     bool utf8);

#endif
