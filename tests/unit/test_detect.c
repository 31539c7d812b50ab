/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the growth detector (common/detect.c): the bounded series, the time to a limit,
 * degenerate inputs, and synthetic series with realistic noise that must (a leak, a queue, a slow
 * leak under churn, a late leak, a leak freed on another thread) or must not (a cache, a
 * saw-tooth, a spike, memory allocated at start, a burst, noise) be flagged. Series are fed the
 * way the analyzer does: point by point into a grw_series of 256 points, classified once a
 * second, so the first-flag time is tested too. Noise comes from a seeded generator: the results
 * are the same on every run.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "detect.h"

#define KIB 1024.0
#define MIB (1024.0 * 1024.0)
#define DT 0.1     /* seconds between samples, as growth's default interval */
#define CAP 256    /* points per series, as the analyzer's GRW_MODEL_SERIES_CAP */
#define SEEDS 5    /* noisy scenarios run with this many seeds */

/* ------------------------------------------------------------------------------------------ */
/* Noise */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s * 0x9E3779B97F4A7C15ull + 1;
}

static double urand(void) /* [0, 1), splitmix64 */
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static double grand(void) /* standard normal, Box-Muller */
{
	double u = urand(), v = urand();
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* ------------------------------------------------------------------------------------------ */
/* Scenarios: each gives the live bytes at sample i (time i * DT); state lives in struct gen. */

struct gen {
	int kind;
	double a, b, c; /* per-kind parameters */
	double level, pending;
};

enum {
	LEAK,        /* a: bytes/s, b: noise sigma */
	QUEUE,       /* random walk: a: drift per sample, b: sigma per sample */
	SLOW_CHURN,  /* a: bytes/s, b: churn amplitude (uniform 0..b) */
	LATE,        /* flat, then a bytes/s from time c; b: noise sigma */
	XTHREAD,     /* a: bytes/s leaked; pending messages freed by another thread in batches */
	CACHE_EXP,   /* a: capacity, b: time constant, c: noise sigma */
	CACHE_LOG,   /* log-like fill to a until time b, then flat; c: noise sigma */
	SAW,         /* 0 -> a over period b, then freed; c: peak growth per tooth (fraction) */
	SAW_LEAK,    /* SAW of a over period b, on a leak of c bytes/s */
	SPIKE,       /* 1 MiB +- noise, a bytes for b seconds at time c */
	AT_START,    /* a bytes allocated over the first b seconds, then held; noise c */
	BURST,       /* 2 MiB, then +a over b seconds at time c, then held */
	NOISE,       /* a +- b (normal) */
	BOUNDED_Q,   /* a queue whose consumer keeps up: mean-reverting walk around a */
	STAIRS,      /* a bytes every b seconds */
};

static double gen_next(struct gen *g, int i)
{
	double t = i * DT, v = 0;
	switch (g->kind) {
	case LEAK:
		v = 4 * MIB + g->a * t + g->b * grand();
		break;
	case QUEUE:
		g->level += g->a + g->b * grand();
		if (g->level < 0)
			g->level = 0;
		v = g->level;
		break;
	case SLOW_CHURN:
		v = 2 * MIB + g->a * t + g->b * urand();
		break;
	case LATE:
		v = 3 * MIB + (t > g->c ? g->a * (t - g->c) : 0) + g->b * grand();
		break;
	case XTHREAD:
		/* Messages pile up at 3x the leak rate until the consumer thread frees a batch. */
		g->pending += 3 * g->a * DT * (0.5 + urand());
		if (urand() < DT / 0.5)
			g->pending = 0;
		v = g->a * t + g->pending;
		break;
	case CACHE_EXP:
		v = g->a * (1 - exp(-t / g->b)) + g->c * grand();
		break;
	case CACHE_LOG:
		v = g->a * fmin(1, log1p(t) / log1p(g->b)) + g->c * grand();
		break;
	case SAW:
		v = g->a * (1 + g->c * floor(t / g->b)) * fmod(t, g->b) / g->b;
		break;
	case SAW_LEAK:
		v = g->c * t + g->a * fmod(t, g->b) / g->b;
		break;
	case SPIKE:
		v = 1 * MIB + 50 * KIB * grand() + (t >= g->c && t < g->c + g->b ? g->a : 0);
		break;
	case AT_START:
		v = (t < g->b ? g->a * t / g->b : g->a) + g->c * grand();
		break;
	case BURST:
		v = 2 * MIB + (t < g->c ? 0 : t < g->c + g->b ? g->a * (t - g->c) / g->b : g->a) +
		    200 * KIB * grand();
		break;
	case NOISE:
		v = g->a + g->b * grand();
		break;
	case BOUNDED_Q:
		g->level += g->b * grand() - 0.02 * g->level;
		v = g->a + g->level;
		break;
	case STAIRS:
		v = g->a * floor(t / g->b) + 10 * KIB * grand();
		break;
	}
	return v < 0 ? 0 : v;
}

/* ------------------------------------------------------------------------------------------ */
/* Feeding a series the way the analyzer does */

struct run {
	struct grw_verdict end;   /* the verdict at the last sample */
	double first_flag_s;      /* first once-a-second classification that said growing, or -1 */
	double last_flag_s;       /* the last one, or -1 */
	double worst_us;          /* unused by checks: speed belongs to make bench */
};

static double scratch[65536];

static struct run run_gen(struct gen g, double seconds)
{
	struct grw_point pts[CAP];
	struct grw_series s;
	struct grw_detect_opts o;
	struct run r = {.first_flag_s = -1, .last_flag_s = -1};
	grw_series_init(&s, pts, CAP);
	grw_detect_defaults(&o);
	if (grw_detect_scratch_len(CAP) > sizeof scratch / sizeof *scratch)
		abort();
	int n = (int)(seconds / DT + 0.5) + 1;
	for (int i = 0; i < n; i++) {
		grw_series_add(&s, i * DT, gen_next(&g, i));
		if (i % 10 != 9 && i != n - 1)
			continue;
		struct grw_verdict v;
		if (grw_detect_classify(s.pts, s.n, &o, scratch, &v) != 0)
			abort();
		if (v.growing && r.first_flag_s < 0)
			r.first_flag_s = i * DT;
		if (v.growing)
			r.last_flag_s = i * DT;
		r.end = v;
	}
	return r;
}

static struct run run1(int kind, double a, double b, double c, double seconds, uint64_t seed)
{
	rng_seed(seed);
	struct gen g = {kind, a, b, c, 0, 0};
	return run_gen(g, seconds);
}

/* ------------------------------------------------------------------------------------------ */
/* The bounded series */

static void test_series(void)
{
	struct grw_point pts[8];
	struct grw_series s;
	grw_series_init(&s, pts, 8);
	CHECK_EQ_U(s.n, 0);
	CHECK_EQ_U(s.stride, 1);
	for (int i = 0; i < 8; i++)
		grw_series_add(&s, i, 100 + i);
	CHECK_EQ_U(s.n, 8);
	CHECK_EQ_U(s.stride, 1);
	CHECK(pts[7].t_s == 7 && pts[7].v == 107 && pts[7].vmax == 107);

	/* The 9th point merges pairs: 4 points of stride 2, then the new one. */
	grw_series_add(&s, 8, 50);
	CHECK_EQ_U(s.n, 5);
	CHECK_EQ_U(s.stride, 2);
	CHECK_EQ_U(s.pending, 1);
	CHECK(pts[0].t_s == 1 && pts[0].v == 101 && pts[0].vmax == 101);
	CHECK(pts[3].t_s == 7 && pts[3].v == 107 && pts[3].vmax == 107);
	CHECK(pts[4].t_s == 8 && pts[4].v == 50 && pts[4].vmax == 50);

	/* The next point folds into the last: the later value, the larger max. */
	grw_series_add(&s, 9, 40);
	CHECK_EQ_U(s.n, 5);
	CHECK_EQ_U(s.pending, 2);
	CHECK(pts[4].t_s == 9 && pts[4].v == 40 && pts[4].vmax == 50);
	grw_series_add(&s, 10, 300);
	CHECK_EQ_U(s.n, 6);
	CHECK_EQ_U(s.pending, 1);

	/* Fill up again (n 8, the last point complete), then one more: pairs merge into stride 4,
	 * and a merge keeps the larger max of a pair even when the later value is smaller. */
	for (int i = 11; i < 16; i++)
		grw_series_add(&s, i, 10);
	CHECK_EQ_U(s.n, 8);
	CHECK_EQ_U(s.pending, 2);
	grw_series_add(&s, 16, 10);
	CHECK_EQ_U(s.stride, 4);
	CHECK_EQ_U(s.n, 5);
	CHECK_EQ_U(s.pending, 1);
	CHECK(pts[0].t_s == 3 && pts[0].v == 103 && pts[0].vmax == 103);
	CHECK(pts[2].t_s == 11 && pts[2].v == 10 && pts[2].vmax == 300);
	CHECK(pts[3].t_s == 15 && pts[3].v == 10 && pts[3].vmax == 10);
	CHECK(pts[4].t_s == 16 && pts[4].v == 10);

	/* Many points: the series stays within its storage, times stay in order, and the max of
	 * everything ever added survives in some vmax. */
	struct grw_point big[16];
	grw_series_init(&s, big, 16);
	double vmax = 0;
	for (int i = 0; i < 100000; i++) {
		double v = (double)((i * 7919) % 1000);
		vmax = v > vmax ? v : vmax;
		grw_series_add(&s, i * 0.1, v);
	}
	CHECK(s.n <= 16 && s.n >= 8);
	bool ordered = true;
	double seen = 0;
	for (uint32_t i = 0; i < s.n; i++) {
		ordered &= i == 0 || big[i].t_s > big[i - 1].t_s;
		ordered &= big[i].vmax >= big[i].v;
		seen = big[i].vmax > seen ? big[i].vmax : seen;
	}
	CHECK(ordered);
	CHECK(seen == vmax);
	CHECK(big[s.n - 1].t_s == 99999 * 0.1);
	CHECK(s.stride >= 100000 / 16);

	/* An odd capacity is rounded down; none at all, or non-finite values, add nothing. */
	grw_series_init(&s, pts, 7);
	CHECK_EQ_U(s.cap, 6);
	grw_series_init(&s, NULL, 8);
	grw_series_add(&s, 1, 1);
	CHECK_EQ_U(s.n, 0);
	grw_series_init(&s, pts, 8);
	grw_series_add(&s, 1, NAN);
	grw_series_add(&s, INFINITY, 1);
	CHECK_EQ_U(s.n, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Small API pieces and degenerate input */

static void test_time_to_limit(void)
{
	CHECK_NEAR(grw_time_to_limit_s(100 * MIB, MIB, 200 * MIB), 100, 1e-9);
	CHECK_NEAR(grw_time_to_limit_s(0, 1000, 1e6), 1000, 1e-9);
	CHECK(grw_time_to_limit_s(100, 10, 0) == -1);   /* limit unknown */
	CHECK(grw_time_to_limit_s(100, 0, 1000) == -1); /* not growing */
	CHECK(grw_time_to_limit_s(100, -5, 1000) == -1);
	CHECK(grw_time_to_limit_s(1000, 5, 1000) == 0); /* already there */
	CHECK(grw_time_to_limit_s(2000, 5, 1000) == 0);
	CHECK(grw_time_to_limit_s(100, NAN, 1000) == -1);
}

static void test_names_and_defaults(void)
{
	CHECK(strcmp(grw_pattern_name(GRW_PAT_STEADY), "steady") == 0);
	CHECK(strcmp(grw_pattern_name(GRW_PAT_GROWING), "growing") == 0);
	CHECK(strcmp(grw_pattern_name(GRW_PAT_PLATEAU), "plateau") == 0);
	CHECK(strcmp(grw_pattern_name(GRW_PAT_SAWTOOTH), "sawtooth") == 0);
	CHECK(strcmp(grw_pattern_name(GRW_PAT_SPIKE), "spike") == 0);
	CHECK(strcmp(grw_pattern_name(GRW_PAT_BURST), "burst") == 0);
	CHECK(strcmp(grw_pattern_name((enum grw_pattern)42), "unknown") == 0);

	struct grw_detect_opts o;
	grw_detect_defaults(&o);
	CHECK(o.window_s == 0);
	CHECK(o.min_duration_s > 0 && o.min_growth_bytes > 0 && o.min_rate_bps > 0);
	CHECK(o.alpha > 0 && o.alpha < 0.05);
	CHECK(o.still_growing_frac > 0 && o.still_growing_frac < 1);
	CHECK(grw_detect_scratch_len(256) >= grw_detect_scratch_len(0));
}

static bool verdict_finite(const struct grw_verdict *v)
{
	return isfinite(v->slope_bps) && isfinite(v->mk_z) && isfinite(v->growth_start_s) &&
	       isfinite(v->window_start_s) && v->growing == (v->pattern == GRW_PAT_GROWING);
}

static void test_degenerate(void)
{
	struct grw_point p[300];
	struct grw_verdict v;
	struct grw_detect_opts o;
	grw_detect_defaults(&o);

	CHECK(grw_detect_classify(NULL, 0, &o, scratch, &v) == 0);
	CHECK(v.pattern == GRW_PAT_STEADY && !v.growing && v.growth_start_s == -1);
	CHECK(grw_detect_classify(p, 0, NULL, NULL, &v) == 0);
	CHECK(grw_detect_classify(p, 1, &o, scratch, NULL) < 0);
	CHECK(grw_detect_classify(NULL, 3, &o, scratch, &v) < 0);
	CHECK(grw_detect_classify(p, 3, &o, NULL, &v) < 0);

	for (int n = 1; n <= 3; n++) {
		for (int i = 0; i < n; i++)
			p[i] = (struct grw_point){i, 1e6 * (i + 1), 1e6 * (i + 1)};
		CHECK(grw_detect_classify(p, (size_t)n, &o, scratch, &v) == 0);
		CHECK(v.pattern == GRW_PAT_STEADY && verdict_finite(&v));
	}

	/* Constant, all zero, all at one instant, and a perfectly clean ramp. */
	for (int i = 0; i < 300; i++)
		p[i] = (struct grw_point){i * 0.1, 5 * MIB, 5 * MIB};
	CHECK(grw_detect_classify(p, 300, &o, scratch, &v) == 0);
	CHECK(v.pattern == GRW_PAT_STEADY && verdict_finite(&v) && v.slope_bps == 0);
	for (int i = 0; i < 300; i++)
		p[i] = (struct grw_point){i * 0.1, 0, 0};
	CHECK(grw_detect_classify(p, 300, &o, scratch, &v) == 0);
	CHECK(v.pattern == GRW_PAT_STEADY && verdict_finite(&v));
	for (int i = 0; i < 300; i++)
		p[i] = (struct grw_point){7, i, i};
	CHECK(grw_detect_classify(p, 300, &o, scratch, &v) == 0);
	CHECK(v.pattern == GRW_PAT_STEADY && verdict_finite(&v));
	for (int i = 0; i < 300; i++)
		p[i] = (struct grw_point){i * 0.1, i * 0.1 * MIB, i * 0.1 * MIB};
	CHECK(grw_detect_classify(p, 300, &o, scratch, &v) == 0);
	CHECK(v.growing && verdict_finite(&v));
	CHECK_NEAR(v.slope_bps, MIB, 1);
	CHECK_NEAR(v.growth_start_s, 0, 0.5);

	/* A vmax left at 0 by a caller is taken as v. */
	for (int i = 0; i < 300; i++)
		p[i] = (struct grw_point){i * 0.1, i * 0.1 * MIB, 0};
	CHECK(grw_detect_classify(p, 300, &o, scratch, &v) == 0);
	CHECK(v.growing && verdict_finite(&v));

	/* Bad points: not finite, or time going backwards. */
	for (int i = 0; i < 10; i++)
		p[i] = (struct grw_point){i, i, i};
	p[5].v = NAN;
	CHECK(grw_detect_classify(p, 10, &o, scratch, &v) < 0);
	p[5].v = 5;
	p[5].t_s = INFINITY;
	CHECK(grw_detect_classify(p, 10, &o, scratch, &v) < 0);
	p[5].t_s = 3;
	CHECK(grw_detect_classify(p, 10, &o, scratch, &v) < 0);
	p[5].t_s = 4; /* equal times are fine */
	CHECK(grw_detect_classify(p, 10, &o, scratch, &v) == 0);
	CHECK(verdict_finite(&v));

	/* Silly options do not break it: NULL means the defaults; a fixed window; alpha out of
	 * range falls back to the default. */
	for (int i = 0; i < 300; i++)
		p[i] = (struct grw_point){i * 0.1, i * 0.1 * MIB, i * 0.1 * MIB};
	CHECK(grw_detect_classify(p, 300, NULL, scratch, &v) == 0 && v.growing);
	struct grw_detect_opts odd = o;
	odd.window_s = 5;
	odd.alpha = 7;
	odd.still_growing_frac = -1;
	CHECK(grw_detect_classify(p, 300, &odd, scratch, &v) == 0 && v.growing);
	CHECK_NEAR(v.window_start_s, 29.9 - 5, 0.11);
}

/* Odd series of every length: duplicate times, huge and tiny values, steps, vmax below v. Each
 * must classify without error into a finite, consistent verdict (ASan and UBSan watch the rest). */
static void test_random_inputs(void)
{
	static struct grw_point p[700];
	struct grw_detect_opts o;
	grw_detect_defaults(&o);
	bool ok = true;
	rng_seed(99);
	for (int round = 0; round < 400; round++) {
		size_t n = (size_t)(urand() * 700);
		double t = urand() * 1000, scale = pow(10, urand() * 12);
		for (size_t i = 0; i < n; i++) {
			t += urand() < 0.1 ? 0 : urand() * 2;
			double v = urand() < 0.05 ? 0 : scale * urand();
			if (round % 4 == 1)
				v = scale * (double)(i / 37); /* steps */
			if (round % 4 == 2)
				v = (double)(i % 5) * scale; /* fast saw-tooth */
			p[i] = (struct grw_point){t, v, urand() < 0.5 ? v : v * urand() * 3};
		}
		struct grw_verdict v;
		ok &= grw_detect_classify(p, n, &o, scratch, &v) == 0;
		ok &= verdict_finite(&v) && v.window_start_s >= (n ? p[0].t_s : 0);
		ok &= v.pattern >= GRW_PAT_STEADY && v.pattern <= GRW_PAT_BURST;
	}
	CHECK(ok);
}

/* ------------------------------------------------------------------------------------------ */
/* Must flag */

static void test_steady_leak(void)
{
	/* 1 MiB/s under 300 KiB of noise for 60 s: flagged within the first third, from the start,
	 * at about the right rate, whatever the seed. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(LEAK, MIB, 300 * KIB, 0, 60, seed);
		CHECK(r.end.growing && r.end.pattern == GRW_PAT_GROWING);
		CHECK(r.first_flag_s >= 0 && r.first_flag_s <= 20);
		CHECK(r.end.growth_start_s >= 0 && r.end.growth_start_s <= 6);
		CHECK_NEAR(r.end.slope_bps, MIB, 0.1 * MIB);
		CHECK(r.end.mk_z > 3);
	}
	/* A slower one, 100 KiB/s under 200 KiB of noise, still within the first third. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(LEAK, 100 * KIB, 200 * KIB, 0, 60, seed);
		CHECK(r.end.growing);
		CHECK(r.first_flag_s >= 0 && r.first_flag_s <= 20);
		CHECK_NEAR(r.end.slope_bps, 100 * KIB, 25 * KIB);
	}
	/* The e2e programs' shape: 800 KiB/s for 4 s, sampled every 100 ms: flagged by its end. */
	struct run r = run1(LEAK, 800 * KIB, 0, 0, 4, 1);
	CHECK(r.end.growing);
	CHECK(r.first_flag_s >= 0 && r.first_flag_s <= 3);
	/* A staircase: 1 MiB every 2 s (a leak per request). */
	r = run1(STAIRS, MIB, 2, 0, 60, 1);
	CHECK(r.end.growing && r.first_flag_s <= 30);
}

static void test_queue(void)
{
	/* Allocations outpace frees: a random walk drifting 10 KiB per sample, steps of 50 KiB. */
	int flagged = 0;
	double first = 0;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(QUEUE, 10 * KIB, 50 * KIB, 0, 60, seed);
		flagged += r.end.growing;
		first += r.first_flag_s < 0 ? 60 : r.first_flag_s;
	}
	CHECK(flagged >= SEEDS - 1);
	CHECK(first / SEEDS <= 30);
	/* A stronger drift, always. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(QUEUE, 30 * KIB, 50 * KIB, 0, 60, seed);
		CHECK(r.end.growing && r.first_flag_s <= 20);
	}
}

static void test_slow_leak(void)
{
	/* 4 KiB/s under churn of up to 1 MiB, for 3 minutes: flagged within two minutes. */
	int flagged = 0, early = 0;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(SLOW_CHURN, 4 * KIB, MIB, 0, 180, seed);
		flagged += r.end.growing;
		early += r.first_flag_s >= 0 && r.first_flag_s <= 120;
		CHECK(r.end.growing || r.end.pattern == GRW_PAT_STEADY);
	}
	CHECK(flagged >= SEEDS - 1);
	CHECK(early >= SEEDS - 1);
	/* 16 KiB/s: within a minute. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(SLOW_CHURN, 16 * KIB, MIB, 0, 90, seed);
		CHECK(r.end.growing && r.first_flag_s >= 0 && r.first_flag_s <= 60);
	}
}

static void test_late_leak(void)
{
	/* Flat for 60% of the run, then 200 KiB/s: flagged soon after, never before, with
	 * growth_start_s near 36 s. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(LATE, 200 * KIB, 100 * KIB, 36, 60, seed);
		CHECK(r.end.growing);
		CHECK(r.first_flag_s >= 36 && r.first_flag_s <= 46);
		CHECK(r.end.growth_start_s >= 33 && r.end.growth_start_s <= 39);
	}
}

static void test_cross_thread(void)
{
	/* 200 KiB/s leaked while messages pile up and are freed in batches by another thread. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(XTHREAD, 200 * KIB, 0, 0, 60, seed);
		CHECK(r.end.growing);
		CHECK(r.first_flag_s >= 0 && r.first_flag_s <= 20);
	}
	/* A saw-tooth of 8 MiB riding on a 100 KiB/s leak: its troughs rise. Once it has fallen
	 * back twice, only its troughs count, and six of them make a significant rise. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		double period = 2 + (double)seed * 0.7;
		struct run r = run1(SAW_LEAK, 8 * MIB, period, 100 * KIB, 60, seed);
		CHECK(r.end.growing);
		CHECK(r.first_flag_s >= 0 && r.first_flag_s <= 8 * period + 1);
		CHECK_NEAR(r.end.slope_bps, 100 * KIB, 30 * KIB);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Must not flag, and must name the pattern */

static void test_cache(void)
{
	/* A cache filling (time constant 2..10 s) to 50 MiB, then full, noise 1 MiB. While it
	 * fills it is growing; once full, never again, and at the end a plateau. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		double tau = 2 * (double)seed;
		struct run r = run1(CACHE_EXP, 50 * MIB, tau, MIB, 60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_PLATEAU);
		CHECK(r.last_flag_s < 3 * tau + 5);
	}
	/* A log-like fill over the first 20 s, then flat. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(CACHE_LOG, 20 * MIB, 20, 300 * KIB, 60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_PLATEAU);
		CHECK(r.last_flag_s < 30);
	}
}

static void test_sawtooth(void)
{
	/* A buffer reused: grows to 8 MiB over 1.3..4.1 s, then freed. Flagged at most while its
	 * first teeth rise, and a saw-tooth at the end. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		double period = 0.6 + 0.7 * (double)seed;
		struct run r = run1(SAW, 8 * MIB, period, 0, 60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_SAWTOOTH);
		CHECK(r.last_flag_s < 3 * period + 1);
	}
	/* Its peak grows a little every tooth, but it always falls back to nothing: what it keeps
	 * does not grow, so a saw-tooth (docs/detection.md). */
	struct run r = run1(SAW, 8 * MIB, 3, 0.01, 60, 1);
	CHECK(!r.end.growing && r.end.pattern == GRW_PAT_SAWTOOTH);
}

static void test_spike(void)
{
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(SPIKE, 100 * MIB, 0.5 + 0.3 * (double)seed, 10 + 6 * (double)seed,
				    60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_SPIKE);
		CHECK(r.first_flag_s < 0);
	}
}

static void test_at_start(void)
{
	/* Allocated during the first 0.5 s (or 3 s), then held: steady, never flagged after the
	 * allocation is over. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(AT_START, 30 * MIB, 0.5, 200 * KIB, 60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_STEADY);
		CHECK(r.first_flag_s < 0);
		r = run1(AT_START, 30 * MIB, 3, 200 * KIB, 60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_STEADY);
		CHECK(r.last_flag_s <= 4);
	}
}

static void test_burst(void)
{
	/* Flat, then 20 MiB over 3 s at 25 s, then held: a burst that began at 25 s. */
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(BURST, 20 * MIB, 3, 25, 60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_BURST);
		CHECK(r.end.growth_start_s >= 22 && r.end.growth_start_s <= 28.5);
		CHECK(r.last_flag_s < 0 || r.last_flag_s <= 30);
	}
	/* A step (one big allocation kept) in the middle is a burst too. */
	struct run r = run1(BURST, 40 * MIB, 0.05, 30, 60, 1);
	CHECK(!r.end.growing && r.end.pattern == GRW_PAT_BURST && r.first_flag_s < 0);
	/* A leak that ran 20 s, then stopped for 40: a past burst, no longer growing. */
	r = run1(BURST, 20 * MIB, 20, 10, 60, 1);
	CHECK(!r.end.growing && r.end.pattern == GRW_PAT_BURST);
}

static void test_noise(void)
{
	/* White noise (10 +- 1 MiB), and a queue whose consumer keeps up (a mean-reverting walk):
	 * steady at the end, and white noise never flagged. */
	int flagged = 0;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct run r = run1(NOISE, 10 * MIB, MIB, 0, 60, seed);
		CHECK(!r.end.growing && r.end.pattern == GRW_PAT_STEADY);
		CHECK(r.first_flag_s < 0);
		r = run1(BOUNDED_Q, 10 * MIB, 50 * KIB, 0, 60, seed);
		CHECK(!r.end.growing);
		flagged += r.first_flag_s >= 0;
	}
	CHECK(flagged <= 1);
	/* Small: a site wobbling by a few KiB is steady whatever its shape. */
	struct run r = run1(SAW, 64 * KIB, 2, 0, 60, 1);
	CHECK(!r.end.growing && r.end.pattern == GRW_PAT_STEADY);
}

int main(void)
{
	test_series();
	test_time_to_limit();
	test_names_and_defaults();
	test_degenerate();
	test_random_inputs();
	test_steady_leak();
	test_queue();
	test_slow_leak();
	test_late_leak();
	test_cross_thread();
	test_cache();
	test_sawtooth();
	test_spike();
	test_at_start();
	test_burst();
	test_noise();
	return check_summary("test_detect");
}
