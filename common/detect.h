/* SPDX-License-Identifier: MIT */
/*
 * The growth detector: pure functions over a series of (time, live bytes) points, shared by the
 * analyzer (offline report, check) and the preload (live warning). No I/O, no malloc: callers
 * own every buffer, so it runs inside the profiled process too. docs/detection.md explains the
 * statistics and the defaults.
 */
#ifndef GRW_DETECT_H
#define GRW_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One observation of a site (or of RSS). */
struct grw_point {
	double t_s;  /* seconds since trace start */
	double v;    /* live bytes at t_s (the last value of a merged bucket) */
	double vmax; /* largest value seen in the bucket (== v for a raw point) */
};

/* A series of bounded size: when it holds cap points, neighbouring pairs are merged (keeping
 * the later value and the larger max), halving the resolution. The storage is the caller's. */
struct grw_series {
	struct grw_point *pts; /* cap entries */
	uint32_t n;            /* points in use */
	uint32_t cap;          /* even, >= 8 */
	uint32_t stride;       /* raw points per stored point (1, 2, 4, ...) */
	uint32_t pending;      /* raw points folded into pts[n-1] since it was started */
};

void grw_series_init(struct grw_series *s, struct grw_point *storage, uint32_t cap);
void grw_series_add(struct grw_series *s, double t_s, double v);

enum grw_pattern {
	GRW_PAT_STEADY = 0,   /* flat, or too small or too short to say */
	GRW_PAT_GROWING = 1,  /* rising over the recent window and still rising at the end */
	GRW_PAT_PLATEAU = 2,  /* rose, then levelled off (a cache filling) */
	GRW_PAT_SAWTOOTH = 3, /* repeatedly rises and falls back (a reused buffer) */
	GRW_PAT_SPIKE = 4,    /* one short excursion far above the typical level */
	GRW_PAT_BURST = 5,    /* grew substantially at some point, then stopped and stayed */
};

const char *grw_pattern_name(enum grw_pattern p);

struct grw_detect_opts {
	double window_s;         /* recent past the trend test looks at */
	double min_duration_s;   /* growth must have lasted this long */
	double min_growth_bytes; /* and added at least this much over the window */
	double min_rate_bps;     /* and at least this many bytes per second */
	double alpha;            /* one-sided significance level of the Mann-Kendall test */
	double still_growing_frac; /* the last part of the window that must still rise */
};

void grw_detect_defaults(struct grw_detect_opts *o);

struct grw_verdict {
	enum grw_pattern pattern;
	bool growing;            /* pattern == GRW_PAT_GROWING */
	double slope_bps;        /* Theil-Sen slope over the window, bytes per second */
	double mk_z;             /* Mann-Kendall normal score over the window */
	double growth_start_s;   /* where the current rise began (growing/burst), else -1 */
	double window_start_s;   /* the window the verdict looked at */
};

/* Classifies a series whose points are in time order. scratch must hold at least
 * grw_detect_scratch_len(n) doubles. Returns 0, or -EINVAL for bad arguments. */
size_t grw_detect_scratch_len(size_t n);
int grw_detect_classify(const struct grw_point *pts, size_t n, const struct grw_detect_opts *o,
			double *scratch, struct grw_verdict *out);

/* Seconds until `now_bytes` growing at `rate_bps` reaches `limit_bytes`; -1 when the rate is not
 * positive or the limit is unknown (0); 0 when already at or above it. */
double grw_time_to_limit_s(double now_bytes, double rate_bps, double limit_bytes);

#endif
