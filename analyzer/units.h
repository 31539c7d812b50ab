/* SPDX-License-Identifier: MIT */
/*
 * Human units for sizes and rates on the command line: "64KiB", "1.5 MB", "10KB/s", "1MiB/min".
 * Pure functions over their arguments, no allocation.
 */
#ifndef GRW_UNITS_H
#define GRW_UNITS_H

#include <stdint.h>

/*
 * Parses a size: a non-negative decimal number (fraction allowed) and an optional unit, spaces
 * allowed between them, case-insensitive: B; K, KB (1000), KiB (1024); M, MB, MiB; G, GB, GiB;
 * T, TB, TiB. A bare "K"/"M"/"G"/"T" is binary (1024), as in ulimit and sort -S.
 * Returns 0 and *bytes (rounded to the nearest byte), or -EINVAL (syntax) or -ERANGE (> 2^63).
 */
int grw_units_parse_size(const char *s, uint64_t *bytes);

/*
 * Parses a rate: a size (as above), then "/s", "/sec", "/min", "/h" or "/hour"; without a
 * time unit the size is per second. Returns 0 and *bytes_per_s, or -EINVAL / -ERANGE.
 */
int grw_units_parse_rate(const char *s, double *bytes_per_s);

#endif
