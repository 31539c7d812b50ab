/* SPDX-License-Identifier: MIT */
/*
 * Sparklines (see sparkline.h). The scale starts at 0, not at the series' minimum: a site that
 * holds 100 MiB and moves by 1 KiB must look flat, not like a saw-tooth.
 */
#include "sparkline.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SPARK_MAX_WIDTH 128

bool grw_spark_utf8(void)
{
	static const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (!v || !*v)
			continue;
		for (const char *p = v; *p; p++)
			if (strncasecmp(p, "utf-8", 5) == 0 || strncasecmp(p, "utf8", 4) == 0)
				return true;
		return false;
	}
	return false;
}

char *grw_spark_draw(char *buf, size_t len, const struct grw_point *pts, size_t n, size_t width,
		     bool utf8)
{
	static const char *blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
					"\u2585", "\u2586", "\u2587", "\u2588"};
	static const char ascii[8] = {'_', '.', '-', '~', '=', '+', '*', '#'};
	double cell[SPARK_MAX_WIDTH];
	bool have[SPARK_MAX_WIDTH];
	if (len == 0)
		return buf;
	buf[0] = 0;
	if (width > SPARK_MAX_WIDTH)
		width = SPARK_MAX_WIDTH;
	if (width == 0)
		return buf;
	if (n < width)
		width = n ? n : 1;
	double t0 = n ? pts[0].t_s : 0, t1 = n ? pts[n - 1].t_s : 0, top = 0;
	for (size_t c = 0; c < width; c++) {
		cell[c] = 0;
		have[c] = false;
	}
	for (size_t i = 0; i < n; i++) {
		size_t c = t1 > t0 ? (size_t)((pts[i].t_s - t0) / (t1 - t0) * (double)width) : i;
		if (c >= width)
			c = width - 1;
		double v = pts[i].vmax > pts[i].v ? pts[i].vmax : pts[i].v;
		if (!have[c] || v > cell[c])
			cell[c] = v;
		have[c] = true;
		if (v > top)
			top = v;
	}
	/* An empty cell (a gap in time) repeats the last value: memory held its level. */
	for (size_t c = 1; c < width; c++)
		if (!have[c])
			cell[c] = cell[c - 1];
	size_t used = 0;
	for (size_t c = 0; c < width; c++) {
		int k = top > 0 ? (int)(cell[c] / top * 7.0 + 0.5) : 0;
		if (k < 0)
			k = 0;
		if (k > 7)
			k = 7;
		const char *s = utf8 ? blocks[k] : (const char[]){ascii[k], 0};
		size_t sl = strlen(s);
		if (used + sl + 1 > len)
			break;
		memcpy(buf + used, s, sl);
		used += sl;
	}
	buf[used] = 0;
	return buf;
}
