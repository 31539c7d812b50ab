/* SPDX-License-Identifier: MIT */
/*
 * Helpers for printing untrusted trace strings and sizes (see util.h).
 */
#include "util.h"
#include "trace_format.h"

#include <errno.h>
#include <stdlib.h>
#include <math.h>

size_t grw_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	unsigned cp = c & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF are invalid. */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void grw_fput_escaped(FILE *f, const char *str, size_t n, bool json)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80 ? 1 : grw_utf8_len(s + i, n - i);
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc((int)c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r' && json) {
			fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f || k == 0) {
			/* control characters and bytes that are not UTF-8 */
			fprintf(f, json ? "\\u%04x" : "\\x%02x", c);
		} else {
			fwrite(s + i, 1, k, f);
			i += k;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

void grw_fput_quoted(FILE *f, const char *str, size_t n)
{
	grw_fput_escaped(f, str, n, false);
}

void grw_fput_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

char *grw_fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = fabs(bytes);
	unsigned u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (bytes < 0)
		v = -v;
	if (u == 0)
		snprintf(buf, len, "%.0f B", v);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int grw_grow_array(void **p, size_t *cap, size_t want, size_t elem)
{
	if (want <= *cap)
		return 0;
	size_t c = *cap ? *cap : 16;
	while (c < want)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

const char *grw_end_reason_name(uint64_t r)
{
	switch (r) {
	case GRW_END_EXIT:
		return "exit";
	case GRW_END_EXEC:
		return "exec";
	case GRW_END_CAP:
		return "cap";
	case GRW_END_DISABLED:
		return "disabled";
	}
	return "unknown";
}

const char *grw_limit_source_name(uint64_t s)
{
	switch (s) {
	case GRW_LIMIT_NONE:
		return "none";
	case GRW_LIMIT_CGROUP2:
		return "cgroup2";
	case GRW_LIMIT_CGROUP1:
		return "cgroup1";
	case GRW_LIMIT_MEMTOTAL:
		return "memtotal";
	case GRW_LIMIT_ENV:
		return "env";
	}
	return "unknown";
}
