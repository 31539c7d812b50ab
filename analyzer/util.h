/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the analyzer's commands: quoting untrusted strings for text output,
 * hex, and human-readable sizes. Pure functions over their arguments.
 */
#ifndef GRW_UTIL_H
#define GRW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

/* Writes s[0..n) to f in double quotes, C-escaped: printable ASCII and valid UTF-8 pass through,
 * quotes, backslashes, control characters and invalid bytes become escapes (\n, \x01). */
void grw_fput_quoted(FILE *f, const char *s, size_t n);
/* Writes s[0..n) as a double-quoted string, escaping quotes, backslashes, control characters and
 * bytes that are not UTF-8: as JSON (\u00XX) when json, else C-style (\xXX). */
void grw_fput_escaped(FILE *f, const char *s, size_t n, bool json);
/* Grows *p, an array of elem-sized items with room for *cap, to hold at least want (doubling).
 * Returns 0 or -ENOMEM (then *p and *cap are unchanged). */
int grw_grow_array(void **p, size_t *cap, size_t want, size_t elem);
/* The name of an END record's reason (enum grw_end_reason): "exit", "exec", "cap", "disabled". */
const char *grw_end_reason_name(uint64_t reason);
/* The name of a HEADER memory-limit source (enum grw_limit_source): "cgroup2", "memtotal", ... */
const char *grw_limit_source_name(uint64_t source);

/* Writes n bytes as lower-case hex (no separators). */
void grw_fput_hex(FILE *f, const uint8_t *p, size_t n);

/* Formats a byte count as "1.5 MiB" / "812 B" into buf; returns buf. */
char *grw_fmt_bytes(char *buf, size_t len, double bytes);

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0 if invalid. */
size_t grw_utf8_len(const unsigned char *s, size_t n);

#endif
