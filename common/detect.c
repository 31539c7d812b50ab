/* SPDX-License-Identifier: MIT */
/*
 * The growth detector (detect.h; docs/detection.md explains every statistic and default): robust
 * trend statistics over a site's (time, live bytes) series, and the bounded series itself. Runs
 * inside the profiled process too: no malloc, no stdio, no libm, no global mutable state; every
 * buffer is the caller's, and every function is thread-safe and async-signal-safe.
 */
#include "detect.h"

#include <errno.h>
#include <stdint.h>

/* ------------------------------------------------------------------------------------------ */
/* Numeric helpers: libgrowth.so does not link libm, so sqrt, exp and the normal tail are ours. */

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

static double dsqrt(double x)
{
	if (!(x > 0))
		return 0;
	if (!__builtin_isfinite(x))
		return x;
	union {
		double d;
		uint64_t u;
	} c = {.d = x};
	c.u = (c.u >> 1) + (UINT64_C(1023) << 51); /* halves the exponent: within 6% */
	double y = c.d;
	for (int i = 0; i < 6; i++)
		y = 0.5 * (y + x / y);
	return y;
}

static double dpow(double x, size_t k)
{
	double r = 1;
	for (size_t i = 0; i < k; i++)
		r *= x;
	return r;
}

static double dexp(double x)
{
	if (x < -700)
		return 0;
	if (x > 700)
		x = 700;
	double kf = x * 1.4426950408889634;
	int k = (int)(kf < 0 ? kf - 0.5 : kf + 0.5);
	double r = x - k * 0.6931471805599453; /* |r| <= ln2/2 */
	double term = 1, sum = 1;
	for (int i = 1; i <= 14; i++) {
		term *= r / i;
		sum += term;
	}
	union {
		double d;
		uint64_t u;
	} c = {.u = (uint64_t)(k + 1023) << 52};
	return sum * c.d;
}

/* P(Z > z) for a standard normal Z: erfc by the Chebyshev fit of Numerical Recipes (6.2),
 * fractional error below 1.2e-7 everywhere. */
static double norm_sf(double z)
{
	double x = z / 1.4142135623730951;
	double ax = __builtin_fabs(x);
	double t = 1 / (1 + 0.5 * ax);
	double p = -ax * ax - 1.26551223 +
		   t * (1.00002368 +
			t * (0.37409196 +
			     t * (0.09678418 +
				  t * (-0.18628806 +
				       t * (0.27886807 +
					    t * (-1.13520398 +
						 t * (1.48851587 +
						      t * (-0.82215223 + t * 0.17087277))))))));
	double erfc = t * dexp(p);
	return 0.5 * (x >= 0 ? erfc : 2 - erfc);
}

/* The z with P(Z > z) = alpha, by bisection (alpha is clamped to [1e-12, 0.5]). */
static double norm_isf(double alpha)
{
	if (!(alpha <= 0.5))
		return 0;
	if (!(alpha >= 1e-12))
		alpha = 1e-12;
	double lo = 0, hi = 8;
	for (int i = 0; i < 60; i++) {
		double mid = 0.5 * (lo + hi);
		if (norm_sf(mid) > alpha)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* The k-th smallest of a[0..n) (0-based), reordering a: quickselect, median-of-three pivot. */
static double select_nth(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;
		double x = a[lo], y = a[mid], z = a[hi];
		double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		size_t i = lo, j = hi;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i >= j)
				break;
			double tmp = a[i];
			a[i] = a[j];
			a[j] = tmp;
			i++;
			j--;
		}
		/* Hoare: a[lo..j] <= pivot <= a[j+1..hi], and lo <= j < hi because the pivot is the
		 * median of three values of the range. */
		if (k <= j)
			hi = j;
		else
			lo = j + 1;
	}
	return a[k];
}

/* The median of a[0..n), n > 0, reordering a. */
static double median(double *a, size_t n)
{
	double m = select_nth(a, n, (n - 1) / 2);
	if (n % 2)
		return m;
	double up = a[n / 2];
	for (size_t i = n / 2 + 1; i < n; i++)
		up = dmin(up, a[i]);
	return 0.5 * (m + up);
}

/* ------------------------------------------------------------------------------------------ */
/* The bounded series */

void grw_series_init(struct grw_series *s, struct grw_point *storage, uint32_t cap)
{
	s->pts = storage;
	s->n = 0;
	s->cap = storage ? cap & ~UINT32_C(1) : 0;
	s->stride = 1;
	s->pending = 0;
}

void grw_series_add(struct grw_series *s, double t_s, double v)
{
	if (s->cap < 2 || !__builtin_isfinite(t_s) || !__builtin_isfinite(v))
		return;
	if (s->n > 0 && s->pending < s->stride) {
		struct grw_point *p = &s->pts[s->n - 1];
		p->t_s = t_s;
		p->v = v;
		p->vmax = dmax(p->vmax, v);
		s->pending++;
		return;
	}
	if (s->n >= s->cap) {
		/* Full: merge neighbouring pairs, keeping the later time and value and the larger max.
		 * Every stored point is complete here, so the merged ones hold 2 * stride raw points. */
		uint32_t half = s->cap / 2;
		for (uint32_t i = 0; i < half; i++) {
			struct grw_point a = s->pts[2 * i], b = s->pts[2 * i + 1];
			s->pts[i] = (struct grw_point){b.t_s, b.v, dmax(a.vmax, b.vmax)};
		}
		s->n = half;
		s->stride *= 2;
	}
	s->pts[s->n++] = (struct grw_point){t_s, v, v};
	s->pending = 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Patterns and defaults */

const char *grw_pattern_name(enum grw_pattern p)
{
	switch (p) {
	case GRW_PAT_STEADY:
		return "steady";
	case GRW_PAT_GROWING:
		return "growing";
	case GRW_PAT_PLATEAU:
		return "plateau";
	case GRW_PAT_SAWTOOTH:
		return "sawtooth";
	case GRW_PAT_SPIKE:
		return "spike";
	case GRW_PAT_BURST:
		return "burst";
	}
	return "unknown";
}

void grw_detect_defaults(struct grw_detect_opts *o)
{
	o->window_s = 0;                 /* auto: WIN_FRAC of the elapsed time, capped at WIN_MAX_S */
	o->min_duration_s = 2;           /* 20 samples at the default 100 ms */
	o->min_growth_bytes = 256 * 1024; /* 64 pages */
	o->min_rate_bps = 1024;          /* 3.5 MiB an hour */
	o->alpha = 0.005;
	o->still_growing_frac = 0.25;
}

double grw_time_to_limit_s(double now_bytes, double rate_bps, double limit_bytes)
{
	if (!(limit_bytes > 0) || !__builtin_isfinite(limit_bytes) || !__builtin_isfinite(now_bytes))
		return -1;
	if (now_bytes >= limit_bytes)
		return 0;
	if (!(rate_bps > 0) || !__builtin_isfinite(rate_bps))
		return -1;
	return (limit_bytes - now_bytes) / rate_bps;
}

/* ------------------------------------------------------------------------------------------ */
/* The classifier. Tunables that are not options; docs/detection.md justifies each. */

#define MIN_PTS 6           /* fewer points than this: too few to say anything (steady) */
#define WIN_FRAC 0.6        /* the automatic window: this fraction of the elapsed time ... */
#define WIN_MAX_S 600.0     /* ... at most this long (a rise that began earlier: from there) */
#define WIN_MIN_PTS 12      /* the window takes at least this many points when there are */
#define NB_WIN 64           /* the window is averaged into at most this many buckets */
#define NB_ALL 128          /* the whole series, for its shape, into at most this many */
#define TAIL_MIN 4          /* buckets in the still-growing tail, at least */
#define STOP_RATIO 0.5      /* significantly slower than this fraction of the earlier rate: stop */
#define STOP_Z 1.645        /* "significantly": one-sided 5% */
#define RECENT_Z 1.2816     /* the last half of the window must rise on its own, one-sided 10% */
#define WINSOR_K 5.0        /* steps beyond this many robust sigmas are clipped (spikes) */
#define PHI_WALK 0.5        /* noise this correlated (lag-1) is taken as a random walk ... */
#define VR_SHORT 0.5        /* unless the variance ratio says less than this ... */
#define VR_SLACK 0.1        /* ... and then its estimate plus this, the conservative side */
#define PHI_MAX 0.98        /* the AR(1) coefficient is clamped to this */
#define NOISE_K 6.0         /* a rise, fall or spike must exceed this many noise sigmas */
#define FLOOR_FALLS 2       /* a rise that fell back this often is judged by its troughs */
#define FLOOR_MIN 4         /* troughs needed to call a floor rising */
#define SAW_DROPS 3         /* a saw-tooth falls from its top to its bottom quarter this often */
#define SAW_RHO 0.3         /* and its points are correlated (ramps, not white noise) */
#define SAW_SKEW -0.6       /* or its steps are this skewed (small rises, big falls) */
#define SAW_GAP_FRAC 0.5    /* or this fraction of merged points peak far above their value */
#define SPIKE_TIME_FRAC 0.2 /* a spike stays above its half height this fraction of time at most */
#define SPIKE_MAX 2         /* excursions: more are a saw-tooth or noise */

/* Doubles of scratch: window buckets (5 arrays), whole-series buckets (5 arrays), the pairwise
 * slopes of the window buckets, a work array, and 2 n for per-point work. */
#define SLOPES_LEN (NB_WIN * (NB_WIN - 1) / 2)
#define WORK_LEN (2 * NB_ALL + 256)
#define SCRATCH_FIXED (5 * NB_WIN + 5 * NB_ALL + SLOPES_LEN + WORK_LEN)

size_t grw_detect_scratch_len(size_t n)
{
	return SCRATCH_FIXED + 2 * n;
}

/* ------------------------------------------------------------------------------------------ */
/* Robust statistics over small arrays (n <= NB_ALL unless said otherwise) */

/* A series averaged into buckets of (nearly) equal point counts. */
struct buckets {
	double *t;    /* mean time of the bucket's points, seconds */
	double *mean; /* mean value: averaging keeps a trend and shrinks white noise by sqrt(k) */
	double *lo;   /* smallest v */
	double *hi;   /* largest vmax (or v) */
	double *last; /* v of the bucket's last point */
	size_t m;     /* buckets in use */
};

static double *carve(double **p, size_t n)
{
	double *r = *p;
	*p += n;
	return r;
}

static void bucketize(const struct grw_point *p, size_t n, size_t mmax, struct buckets *b)
{
	size_t m = n < mmax ? n : mmax;
	for (size_t k = 0; k < m; k++) {
		size_t i0 = k * n / m, i1 = (k + 1) * n / m;
		double st = 0, sv = 0, lo = p[i0].v, hi = dmax(p[i0].v, p[i0].vmax);
		for (size_t i = i0; i < i1; i++) {
			st += p[i].t_s;
			sv += p[i].v;
			lo = dmin(lo, p[i].v);
			hi = dmax(hi, dmax(p[i].v, p[i].vmax));
		}
		b->t[k] = st / (double)(i1 - i0);
		b->mean[k] = sv / (double)(i1 - i0);
		b->lo[k] = lo;
		b->hi[k] = hi;
		b->last[k] = p[i1 - 1].v;
	}
	b->m = m;
}

/* A robust sigma of white noise around a smooth level: MAD of the first differences / sqrt(2).
 * A trend shifts every difference alike and a saw-tooth's falls are outliers, so neither counts.
 * work holds n doubles. */
static double diff_sigma(const double *x, size_t n, double *work)
{
	if (n < 3)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		work[i] = x[i + 1] - x[i];
	double med = median(work, n - 1);
	for (size_t i = 0; i + 1 < n; i++)
		work[i] = __builtin_fabs(work[i] - med);
	return 1.4826 * median(work, n - 1) / 1.4142135623730951;
}

/* A robust sigma (MAD) of the values x[0..n), 0 when too few to say. work holds n doubles. */
static double level_spread(const double *x, size_t n, double *work)
{
	if (n < 4)
		return 0;
	for (size_t i = 0; i < n; i++)
		work[i] = x[i];
	double med = median(work, n);
	for (size_t i = 0; i < n; i++)
		work[i] = __builtin_fabs(x[i] - med);
	return 1.4826 * median(work, n);
}

/* Clips d[0..n) to its median +- WINSOR_K robust sigmas (MAD), unless that sigma is 0 (most
 * steps alike, as in a staircase): a spike's two big steps would otherwise swamp a correlation.
 * work holds n doubles. */
static void winsorize(double *d, size_t n, double *work)
{
	for (size_t i = 0; i < n; i++)
		work[i] = d[i];
	double med = median(work, n);
	for (size_t i = 0; i < n; i++)
		work[i] = __builtin_fabs(d[i] - med);
	double lim = WINSOR_K * 1.4826 * median(work, n);
	if (!(lim > 0))
		return;
	for (size_t i = 0; i < n; i++)
		d[i] = dmax(med - lim, dmin(med + lim, d[i]));
}

/*
 * The AR(1) coefficient of the noise, from the lag-1 autocorrelation r of the first differences:
 * for AR(1) noise r = -(1 - phi) / 2 whatever smooth trend lies beneath (a trend shifts
 * neighbouring differences alike), so phi = 1 + 2 r: 0 for white noise, 1 for a random walk
 * (more for averages of one). An estimate within the noise of white noise (2 / sqrt(n)) is 0.
 * work holds 2 n doubles.
 */
static double ar1_phi(const double *x, size_t n, double *work)
{
	if (n < 8)
		return 0;
	double *d = work;
	for (size_t i = 0; i + 1 < n; i++)
		d[i] = x[i + 1] - x[i];
	winsorize(d, n - 1, work + n);
	double mean = 0, num = 0, den = 0;
	for (size_t i = 0; i + 1 < n; i++)
		mean += d[i];
	mean /= (double)(n - 1);
	for (size_t i = 0; i + 1 < n; i++) {
		den += (d[i] - mean) * (d[i] - mean);
		if (i + 2 < n)
			num += (d[i] - mean) * (d[i + 1] - mean);
	}
	double phi = den > 0 ? 1 + 2 * num / den : 0;
	if (phi < 2 / dsqrt((double)n))
		return 0;
	return dmin(phi, 1);
}

/*
 * The AR(1) coefficient of the noise around a trend of slope b, from a variance ratio: the
 * robust variance (MAD) of the residuals' differences at lag q over that at lag 1 is
 * (1 - phi^q) / (1 - phi) for AR(1) noise: 1 for white noise, q for a random walk. Robust to
 * spikes and falls (MAD), and far steadier near 1 than a lag-1 correlation. work holds 3 m.
 */
static double vr_phi(const double *t, const double *x, size_t m, double b, double *work)
{
	if (m < 16)
		return ar1_phi(x, m, work);
	size_t q = m / 8 < 8 ? m / 8 : 8;
	double *r = work, *d = work + m;
	for (size_t i = 0; i < m; i++)
		r[i] = x[i] - b * t[i];
	double v[2];
	for (int k = 0; k < 2; k++) {
		size_t lag = k ? q : 1, nd = m - lag;
		for (size_t i = 0; i < nd; i++)
			d[i] = r[i + lag] - r[i];
		double med = median(d, nd);
		for (size_t i = 0; i < nd; i++)
			d[i] = __builtin_fabs(r[i + lag] - r[i] - med);
		v[k] = median(d, nd);
		v[k] *= v[k];
	}
	if (!(v[0] > 0))
		return v[1] > 0 ? PHI_MAX : 0;
	double ratio = v[1] / v[0], lo = 0, hi = PHI_MAX;
	if (ratio >= (1 - dpow(hi, q)) / (1 - hi))
		return PHI_MAX;
	for (int i = 0; i < 40; i++) {
		double mid = 0.5 * (lo + hi);
		if ((1 - dpow(mid, q)) / (1 - mid) < ratio)
			lo = mid;
		else
			hi = mid;
	}
	double phi = 0.5 * (lo + hi);
	return phi < 2 / dsqrt((double)m) ? 0 : phi;
}

/* Hamed and Rao's (1998) variance inflation n / n* for AR(1) noise of coefficient phi:
 * 1 + 2 / (n (n-1) (n-2)) * sum over lags k of (n-k) (n-k-1) (n-k-2) phi^k. */
static double ar1_inflation(double phi, size_t n)
{
	if (!(phi > 0) || n < 4)
		return 1;
	double dn = (double)n, sum = 0, pk = 1;
	for (size_t k = 1; k + 2 < n; k++) {
		double dk = (double)k;
		pk *= phi;
		sum += (dn - dk) * (dn - dk - 1) * (dn - dk - 2) * pk;
	}
	return 1 + 2 * sum / (dn * (dn - 1) * (dn - 2));
}

/*
 * Mann-Kendall: S = the sum of sign(x_j - x_i) over i < j; its variance with the correction for
 * ties, inflated for AR(1) noise of coefficient phi. Returns the continuity-corrected normal
 * score z: positive for a rising series. work holds n doubles.
 */
static double mann_kendall(const double *x, size_t n, double phi, double *work)
{
	if (n < 3)
		return 0;
	long s = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			s += (x[j] > x[i]) - (x[j] < x[i]);
	double dn = (double)n;
	double var = dn * (dn - 1) * (2 * dn + 5);
	/* Ties: sort a copy (insertion sort: n is small) and count runs of equal values. */
	for (size_t i = 0; i < n; i++) {
		double v = x[i];
		size_t j = i;
		for (; j > 0 && work[j - 1] > v; j--)
			work[j] = work[j - 1];
		work[j] = v;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && work[j] == work[i])
			j++;
		double g = (double)(j - i);
		var -= g * (g - 1) * (2 * g + 5);
		i = j;
	}
	var = var / 18 * ar1_inflation(phi, n);
	if (!(var > 0))
		return 0;
	double sd = dsqrt(var);
	return s > 0 ? ((double)s - 1) / sd : s < 0 ? ((double)s + 1) / sd : 0;
}

/* Theil-Sen: the median of the pairwise slopes (Sen 1968), robust to a third of the points
 * being outliers. slopes holds n (n - 1) / 2 doubles. */
static double theil_sen(const double *t, const double *x, size_t n, double *slopes)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (t[j] > t[i])
				slopes[c++] = (x[j] - x[i]) / (t[j] - t[i]);
	return c ? median(slopes, c) : 0;
}

/*
 * The standard error of a slope fitted to (t, x). White or AR(1) noise (phi < PHI_MAX): the
 * white-noise sigma (from differences, so that the curvature of a levelling rise does not count
 * as noise) over the spread of t, inflated by (1 + phi) / (1 - phi). A random walk: the slope of
 * a Brownian motion over a span L has variance 6 s^2 / (5 L), s^2 its variance per second.
 * work holds n doubles.
 */
static double slope_se(const double *t, const double *x, size_t n, double phi, double *work)
{
	if (n < 4 || !(t[n - 1] > t[0]))
		return 0;
	double sigma = diff_sigma(x, n, work);
	if (phi >= PHI_MAX) {
		double span = t[n - 1] - t[0];
		double s2 = 2 * sigma * sigma / (span / (double)(n - 1));
		return dsqrt(1.2 * s2 / span);
	}
	double tm = 0, stt = 0;
	for (size_t i = 0; i < n; i++)
		tm += t[i];
	tm /= (double)n;
	for (size_t i = 0; i < n; i++)
		stt += (t[i] - tm) * (t[i] - tm);
	return stt > 0 ? sigma * dsqrt((1 + phi) / (1 - phi)) / dsqrt(stt) : 0;
}

/* Whether slope b2 (standard error se2) is significantly below ratio times slope b1 (se1). */
static bool slower(double b2, double se2, double b1, double se1, double ratio)
{
	double d = ratio * b1 - b2;
	return d > STOP_Z * dsqrt(ratio * ratio * se1 * se1 + se2 * se2);
}

/* ------------------------------------------------------------------------------------------ */
/* Statistics over the raw points (any n; work holds n doubles) */

/*
 * The drift test of a random walk: the mean step over its standard error. An unbounded queue is
 * a random walk with drift, whose wandering Mann-Kendall (corrected for it) cannot tell from a
 * trend; this test is exact for it, and conservative for stationary noise (the steps of white
 * noise sum to the difference of two points). Steps are not clipped: a saw-tooth's falls are
 * real, and clipping them would make a drift.
 */
static double drift_z(const struct grw_point *p, size_t n)
{
	if (n < 4)
		return 0;
	double sum = 0, sum2 = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		double d = p[i + 1].v - p[i].v;
		sum += d;
		sum2 += d * d;
	}
	double k = (double)(n - 1), mean = sum / k, var = (sum2 - k * mean * mean) / (k - 1);
	if (!(var > 0))
		return mean > 0 ? 1e3 : mean < 0 ? -1e3 : 0;
	return mean / dsqrt(var / k);
}

/* The skewness of the first differences: about 0 for noise and walks, strongly negative for a
 * saw-tooth (many small rises, few big falls), even one sampled about as fast as it cycles. */
static double diff_skew(const struct grw_point *p, size_t n)
{
	if (n < 8)
		return 0;
	double k = (double)(n - 1), mean = (p[n - 1].v - p[0].v) / k, m2 = 0, m3 = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		double d = p[i + 1].v - p[i].v - mean;
		m2 += d * d;
		m3 += d * d * d;
	}
	m2 /= k;
	m3 /= k;
	return m2 > 0 ? m3 / (m2 * dsqrt(m2)) : 0;
}

/* The lag-1 autocorrelation of the values less their least-squares line: near 0 for white
 * noise (even on a trend), near 1 for ramps, steps and walks. */
static double rho1(const struct grw_point *p, size_t n)
{
	double tm = 0, vm = 0, stt = 0, stv = 0;
	for (size_t i = 0; i < n; i++) {
		tm += p[i].t_s;
		vm += p[i].v;
	}
	tm /= (double)n;
	vm /= (double)n;
	for (size_t i = 0; i < n; i++) {
		stt += (p[i].t_s - tm) * (p[i].t_s - tm);
		stv += (p[i].t_s - tm) * (p[i].v - vm);
	}
	double b = stt > 0 ? stv / stt : 0, num = 0, den = 0, prev = 0;
	for (size_t i = 0; i < n; i++) {
		double d = p[i].v - vm - b * (p[i].t_s - tm);
		den += d * d;
		if (i > 0)
			num += d * prev;
		prev = d;
	}
	return den > 0 ? num / den : 0;
}

/*
 * Falls of at least min_fall bytes in one step (from the previous value, or from a merged point's
 * own max, to its value) that also stand far outside the step noise (NOISE_K sigmas of the
 * differences). A fall that ends a pulse (the series had jumped up by half as much in one step
 * since the last trough: a temporary buffer, not a tooth) does not count. The lowest value after
 * each fall, until the next, and its time go to tt, tv (n doubles each): the troughs. Returns
 * how many. work holds 512 doubles.
 */
static size_t big_falls(const struct grw_point *p, size_t n, double min_fall, double *tt,
			double *tv, double *work)
{
	if (n < 3)
		return 0;
	size_t step = n > 256 ? n / 256 + 1 : 1, m = 0;
	for (size_t i = 0; i < n; i += step)
		work[256 + m++] = p[i].v;
	double lim = dmax(min_fall, NOISE_K * diff_sigma(work + 256, m, work));
	double jump = 0; /* the largest one-step rise since the last trough */
	size_t k = 0;
	for (size_t i = 1; i < n; i++) {
		double top = dmax(p[i - 1].v, dmax(p[i].v, p[i].vmax));
		double fall = top - p[i].v;
		jump = dmax(jump, dmax(p[i].v, p[i].vmax) - p[i - 1].v);
		if (fall >= lim && jump < 0.5 * fall) {
			tt[k] = p[i].t_s;
			tv[k++] = p[i].v;
			jump = 0;
		} else if (fall >= lim) {
			jump = 0; /* the end of a pulse */
		} else if (k > 0 && p[i].v < tv[k - 1]) {
			tt[k - 1] = p[i].t_s; /* the trough goes on falling */
			tv[k - 1] = p[i].v;
		}
	}
	return k;
}

/* ------------------------------------------------------------------------------------------ */
/* Shapes */

/*
 * Least-squares hinge: the level c until tau = t[k], then c + b (t - tau), fitted to (t, x).
 * The best k with b > 0 is where the current rise began. Suffix sums make it O(m).
 */
struct hinge {
	size_t k;
	double c, b;
	bool ok; /* a rising fit was found */
};

static struct hinge hinge_fit(const double *t, const double *x, size_t m)
{
	struct hinge h = {0, 0, 0, false};
	double sx = 0, sxx = 0, dn = (double)m;
	for (size_t i = 0; i < m; i++) {
		sx += x[i];
		sxx += x[i] * x[i];
	}
	double n1 = 0, st = 0, stt = 0, sxs = 0, stx = 0, best_sse = 0;
	for (size_t k = m; k-- > 0;) {
		n1 += 1;
		st += t[k];
		stt += t[k] * t[k];
		sxs += x[k];
		stx += t[k] * x[k];
		if (n1 < 3)
			continue;
		double tau = t[k];
		double sh = st - n1 * tau;                        /* sum of h = max(0, t - tau) */
		double shh = stt - 2 * tau * st + n1 * tau * tau; /* sum of h^2 */
		double shx = stx - tau * sxs;                     /* sum of h x */
		double det = dn * shh - sh * sh;
		if (!(det > 0))
			continue;
		double c = (shh * sx - sh * shx) / det;
		double b = (dn * shx - sh * sx) / det;
		double sse = sxx - c * sx - b * shx;
		if (b > 0 && (!h.ok || sse < best_sse)) {
			best_sse = sse;
			h = (struct hinge){k, c, b, true};
		}
	}
	return h;
}

/* Saw-tooth cycles in buckets: falls from the top quarter of [lo, hi] to the bottom quarter,
 * seen on the buckets' extremes (a bucket may hold a whole cycle). */
static int count_drops(const struct buckets *b, double lo, double hi)
{
	double top = lo + 0.75 * (hi - lo), bottom = lo + 0.25 * (hi - lo);
	int drops = 0;
	bool high = false;
	for (size_t i = 0; i < b->m; i++) {
		if (b->hi[i] >= top)
			high = true;
		if (high && b->lo[i] <= bottom) {
			drops++;
			high = b->last[i] >= top; /* fell and rose again inside the bucket */
		}
	}
	return drops;
}

/* Whether p[0..n) (bucketed in b, whose range is [lo, hi]) is a saw-tooth. */
static bool sawtooth(const struct grw_point *p, size_t n, const struct buckets *b, double lo,
		     double hi)
{
	if (count_drops(b, lo, hi) < SAW_DROPS)
		return false;
	/* White noise falls and rises as often. A saw-tooth's points are correlated, or, sampled
	 * about as often as it cycles, its steps still rise a little and fall a lot; merged
	 * coarser than its teeth, its points' max stays far above their value. */
	if (rho1(p, n) >= SAW_RHO || diff_skew(p, n) <= SAW_SKEW)
		return true;
	double above = 0;
	for (size_t i = 0; i < n; i++)
		above += dmax(p[i].vmax, p[i].v) - p[i].v >= 0.5 * (hi - lo);
	return above >= SAW_GAP_FRAC * (double)n;
}

/* Whether p[0..n) is one or two short excursions far above its typical level typ, over by now. */
static bool spike(const struct grw_point *p, size_t n, double typ, double peak, double min_h,
		  double elapsed)
{
	double h = peak - typ;
	if (!(h >= min_h) || p[n - 1].v > typ + 0.25 * h)
		return false;
	double above = 0;
	int excursions = 0;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		bool up = dmax(p[i].v, p[i].vmax) >= typ + 0.5 * h;
		if (up && !in) {
			excursions++;
			in = true;
		}
		if (in && p[i].v <= typ + 0.25 * h)
			in = false;
		if (up && i > 0)
			above += p[i].t_s - p[i - 1].t_s;
	}
	return excursions <= SPIKE_MAX && above <= SPIKE_TIME_FRAC * elapsed;
}

/* ------------------------------------------------------------------------------------------ */
/* The verdict */

struct ctx {
	const struct grw_point *pts;
	size_t n;
	const struct grw_detect_opts *o;
	struct buckets w, a; /* the window's buckets, the whole series' */
	double *slopes;      /* SLOPES_LEN doubles */
	double *work;        /* WORK_LEN doubles */
	double *raw;         /* 2 n doubles */
	double t0, t_end, elapsed;
	double z_alpha;      /* the one-sided critical value of each of the two trend tests */
	double z_floor;      /* that of the floor test, which stands alone */
};

/*
 * The growth test over the window w (from point iw): a significant trend (Mann-Kendall corrected
 * for serial correlation, or the random-walk drift test, alpha / 2 each), enough bytes, rate and
 * duration since the rise began, and still rising at the end. Fills slope and z of out.
 */
static bool growth_test(struct ctx *c, size_t iw, double growth_start, struct grw_verdict *out)
{
	const struct buckets *w = &c->w;
	const struct grw_detect_opts *o = c->o;
	double *work = c->work, *slopes = c->slopes;

	/* The trend test runs over the whole window (a flat start does not weaken it: every pair
	 * across the rise counts); the slope only from where the rise began, so a late start does
	 * not dilute it. The serial correlation of the noise around that slope, at the buckets'
	 * scale, discounts the Mann-Kendall test. */
	size_t ws = 0;
	while (ws < w->m && w->t[ws] < growth_start)
		ws++;
	if (w->m - ws < 8)
		ws = w->m > 8 ? w->m - 8 : 0;
	double slope = theil_sen(w->t + ws, w->mean + ws, w->m - ws, slopes);
	double phi = ar1_phi(w->mean, w->m, work);
	if (phi >= PHI_WALK) {
		/* Noisy near 1, where the inflation (1 + phi) / (1 - phi) is steepest: taken as a
		 * random walk, the conservative side, unless the variance ratio clearly says the
		 * noise forgets fast (a batch freed every so often, not a wandering level). */
		double vr = vr_phi(w->t, w->mean, w->m, slope, slopes);
		phi = vr < VR_SHORT ? vr + VR_SLACK : PHI_MAX;
	}
	double z = mann_kendall(w->mean, w->m, phi, work);
	double dz = drift_z(c->pts + iw, c->n - iw);
	size_t gm = w->m - ws;
	out->slope_bps = slope;
	out->mk_z = z;

	double duration = c->t_end - growth_start;
	if (!(dmax(z, dz) >= c->z_alpha) || !(slope >= o->min_rate_bps) || !(slope > 0) ||
	    !(slope * duration >= o->min_growth_bytes) || !(duration >= o->min_duration_s))
		return false;

	/* Still growing? The last half of the window must rise on its own (RECENT_Z), and
	 * neither the tail nor the second half of the rise may be significantly slower than
	 * STOP_RATIO times the rate before it: a stop, or a cache levelling off. */
	double frac = o->still_growing_frac > 0 && o->still_growing_frac < 1 ? o->still_growing_frac
									      : 0.25;
	size_t tail = (size_t)(frac * (double)gm + 0.5);
	if (tail < TAIL_MIN)
		tail = TAIL_MIN;
	if (tail > gm / 2)
		tail = gm / 2;
	size_t ti = w->m - tail, h2 = ws + gm / 2;
	double se = slope_se(w->t + ws, w->mean + ws, gm, phi, work);
	double bt = theil_sen(w->t + ti, w->mean + ti, tail, slopes);
	double set = slope_se(w->t + ti, w->mean + ti, tail, phi, work);
	double b1 = theil_sen(w->t + ws, w->mean + ws, h2 - ws, slopes);
	double se1 = slope_se(w->t + ws, w->mean + ws, h2 - ws, phi, work);
	double b2 = theil_sen(w->t + h2, w->mean + h2, w->m - h2, slopes);
	double se2 = slope_se(w->t + h2, w->mean + h2, w->m - h2, phi, work);
	if (slower(bt, set, slope, se, STOP_RATIO) || slower(b2, se2, b1, se1, STOP_RATIO))
		return false;
	size_t hw = w->m / 2, ih = iw + (c->n - iw) / 2;
	double recent = dmax(mann_kendall(w->mean + hw, w->m - hw, phi, work),
			     drift_z(c->pts + ih, c->n - ih));
	return recent >= RECENT_Z;
}

/*
 * The floor test of a series that keeps falling back (a saw-tooth, a buffer reused, a batch
 * freed elsewhere): growing if and only if its troughs rise, significantly (Mann-Kendall over
 * them), in bytes, rate and duration. Returns -1 when the series does not fall back often enough
 * for this test to apply, else whether it grows (its rate in out->slope_bps, its start in *start).
 */
static int floor_test(struct ctx *c, double risen, struct grw_verdict *out, double *start)
{
	const struct grw_detect_opts *o = c->o;
	double *tt = c->raw, *tv = c->raw + c->n;
	size_t k = big_falls(c->pts, c->n, dmax(0.5 * risen, o->min_growth_bytes / 4), tt, tv,
			     c->work);
	if (k < FLOOR_FALLS)
		return -1;
	if (k < FLOOR_MIN) {
		/* Too few troughs for a test: let the trend test decide if they climb, each above
		 * the last, by a quarter of the rise at least (a batch freed elsewhere on a leak),
		 * else it is not growing (the first teeth of a saw-tooth). */
		bool climb = tv[k - 1] - tv[0] >= dmax(o->min_growth_bytes, 0.25 * risen);
		for (size_t i = 1; i < k; i++)
			climb &= tv[i] > tv[i - 1];
		return climb ? -1 : 0;
	}
	if (k > NB_WIN) { /* the latest troughs */
		tt += k - NB_WIN;
		tv += k - NB_WIN;
		k = NB_WIN;
	}
	double bps = theil_sen(tt, tv, k, c->slopes);
	double z = mann_kendall(tv, k, 0, c->slopes);
	double span = c->t_end - tt[0];
	if (!(z >= c->z_floor) || !(bps >= o->min_rate_bps) || !(bps * span >= o->min_growth_bytes) ||
	    !(span >= o->min_duration_s))
		return 0;
	out->slope_bps = bps;
	*start = tt[0];
	return 1;
}

/*
 * What a series that is not growing looks like: a saw-tooth, a spike, a rise that stopped
 * (plateau, burst, or memory allocated at start: steady), or steady.
 */
static void shape(struct ctx *c, struct grw_verdict *out)
{
	const struct buckets *a = &c->a;
	const struct grw_detect_opts *o = c->o;
	double *work = c->work;
	double lo = a->lo[0], hi = a->hi[0];
	for (size_t i = 0; i < a->m; i++) {
		lo = dmin(lo, a->lo[i]);
		hi = dmax(hi, a->hi[i]);
	}
	if (hi - lo >= o->min_growth_bytes && sawtooth(c->pts, c->n, a, lo, hi)) {
		out->pattern = GRW_PAT_SAWTOOTH;
		return;
	}
	double sigma = diff_sigma(a->mean, a->m, work);
	for (size_t i = 0; i < a->m; i++)
		work[i] = a->mean[i];
	double typ = median(work, a->m);
	if (spike(c->pts, c->n, typ, hi, dmax(o->min_growth_bytes, NOISE_K * sigma), c->elapsed)) {
		out->pattern = GRW_PAT_SPIKE;
		return;
	}

	/* Rose, then stopped: the suffix minimum climbs from the floor before the rise to the
	 * level it holds now. The rise's 10, 50 and 90% times give its start and shape. */
	double *smin = work;
	smin[a->m - 1] = a->mean[a->m - 1];
	for (size_t i = a->m - 1; i-- > 0;)
		smin[i] = dmin(a->mean[i], smin[i + 1]);
	double floor_v = smin[0], rise = smin[a->m - 1] - floor_v;
	if (!(rise >= o->min_growth_bytes) || !(rise >= NOISE_K * sigma))
		return;
	size_t i10 = 0, i50 = 0, i90 = 0;
	for (size_t i = 0; i < a->m; i++)
		if (smin[i] <= floor_v + 0.1 * rise)
			i10 = i;
	while (i50 < a->m - 1 && smin[i50] < floor_v + 0.5 * rise)
		i50++;
	while (i90 < a->m - 1 && smin[i90] < floor_v + 0.9 * rise)
		i90++;
	double t_a = a->t[i10], t50 = a->t[i50], t90 = a->t[i90];
	double early = dmax(o->min_duration_s, 0.1 * c->elapsed);
	/* It must have held a while, and the levels before and after must be flat next to the
	 * rise (correlated noise wanders as far as it rises). */
	if (c->t_end - t90 < early)
		return;
	double spread = dmax(level_spread(a->mean, i10 + 1, work + NB_ALL),
			     level_spread(a->mean + i90, a->m - i90, work + NB_ALL));
	if (!(rise >= NOISE_K * spread))
		return;
	bool decelerating = i90 - i10 >= 3 && t50 - t_a <= 0.4 * (t90 - t_a);
	if (decelerating) {
		out->pattern = GRW_PAT_PLATEAU; /* a cache filling: fast, then slower */
	} else if (t90 - c->t0 <= early) {
		return; /* allocated once at start, and held: steady */
	} else if (t_a - c->t0 <= early) {
		out->pattern = GRW_PAT_PLATEAU; /* rose from the start, then levelled */
	} else {
		out->pattern = GRW_PAT_BURST;
		out->growth_start_s = t_a;
	}
}

/* The Theil-Sen slope of the whole-series buckets with from <= t < to (at most NB_WIN of them,
 * evenly picked); 0 when fewer than 4. */
static double span_slope(struct ctx *c, double from, double to)
{
	size_t i0 = 0, i1;
	while (i0 < c->a.m && c->a.t[i0] < from)
		i0++;
	for (i1 = i0; i1 < c->a.m && c->a.t[i1] < to;)
		i1++;
	if (i1 - i0 < 4)
		return 0;
	size_t step = (i1 - i0 + NB_WIN - 1) / NB_WIN, k = 0;
	for (size_t i = i0; i < i1; i += step, k++) {
		c->work[k] = c->a.t[i];
		c->work[NB_WIN + k] = c->a.mean[i];
	}
	return theil_sen(c->work, c->work + NB_WIN, k, c->slopes);
}

/* Whether the rise the hinge found before the window (from start to win_start) goes on at a
 * like rate, so the window may reach back to it: a leak since the start does; memory allocated
 * at start and then held does not (its hinge is a poor fit). */
static bool rise_goes_back(struct ctx *c, double start, double win_start)
{
	double before = span_slope(c, start, win_start);
	double within = span_slope(c, win_start, c->t_end + 1);
	return within > 0 && before >= 0.5 * within;
}

int grw_detect_classify(const struct grw_point *pts, size_t n, const struct grw_detect_opts *o,
			double *scratch, struct grw_verdict *out)
{
	struct grw_detect_opts def;
	if (!out || (n > 0 && (!pts || !scratch)))
		return -EINVAL;
	if (!o) {
		grw_detect_defaults(&def);
		o = &def;
	}
	for (size_t i = 0; i < n; i++)
		if (!__builtin_isfinite(pts[i].t_s) || !__builtin_isfinite(pts[i].v) ||
		    __builtin_isnan(pts[i].vmax) || (i > 0 && pts[i].t_s < pts[i - 1].t_s))
			return -EINVAL;

	*out = (struct grw_verdict){GRW_PAT_STEADY, false, 0, 0, -1, n ? pts[0].t_s : 0};
	if (n < MIN_PTS || !(pts[n - 1].t_s > pts[0].t_s))
		return 0;

	struct ctx c = {.pts = pts, .n = n, .o = o};
	double *sp = scratch;
	c.w.t = carve(&sp, NB_WIN);
	c.w.mean = carve(&sp, NB_WIN);
	c.w.lo = carve(&sp, NB_WIN);
	c.w.hi = carve(&sp, NB_WIN);
	c.w.last = carve(&sp, NB_WIN);
	c.a.t = carve(&sp, NB_ALL);
	c.a.mean = carve(&sp, NB_ALL);
	c.a.lo = carve(&sp, NB_ALL);
	c.a.hi = carve(&sp, NB_ALL);
	c.a.last = carve(&sp, NB_ALL);
	c.slopes = carve(&sp, SLOPES_LEN);
	c.work = carve(&sp, WORK_LEN);
	c.raw = carve(&sp, 2 * n);
	c.t0 = pts[0].t_s;
	c.t_end = pts[n - 1].t_s;
	c.elapsed = c.t_end - c.t0;
	/* Two tests of one hypothesis (Mann-Kendall, drift): Bonferroni, alpha / 2 each. */
	double alpha = o->alpha > 0 && o->alpha < 1 ? o->alpha : 0.005;
	c.z_alpha = norm_isf(0.5 * alpha);
	c.z_floor = norm_isf(alpha);

	/* Where the current rise began: a least-squares hinge over the whole series, after a
	 * running median of 5 buckets so that a spike does not move it. */
	bucketize(pts, n, NB_ALL, &c.a);
	for (size_t i = 0; i < c.a.m; i++) {
		size_t j0 = i >= 2 ? i - 2 : 0, j1 = i + 3 < c.a.m ? i + 3 : c.a.m;
		for (size_t j = j0; j < j1; j++)
			c.slopes[j - j0] = c.a.mean[j];
		c.work[i] = median(c.slopes, j1 - j0);
	}
	struct hinge hs = hinge_fit(c.a.t, c.work, c.a.m);
	double growth_start = hs.ok && hs.k > 0 ? c.a.t[hs.k] : c.t0;

	/* The window: the recent past; a rise that began before it is tested from its start. */
	double win = o->window_s > 0 ? o->window_s : dmin(WIN_FRAC * c.elapsed, WIN_MAX_S);
	if (o->window_s <= 0 && growth_start < c.t_end - win &&
	    rise_goes_back(&c, growth_start, c.t_end - win))
		win = dmin(c.t_end - growth_start, WIN_MAX_S);
	size_t iw = n - 1;
	while (iw > 0 && pts[iw - 1].t_s >= c.t_end - win)
		iw--;
	if (n - iw < WIN_MIN_PTS)
		iw = n > WIN_MIN_PTS ? n - WIN_MIN_PTS : 0;
	out->window_start_s = pts[iw].t_s;
	bucketize(pts + iw, n - iw, NB_WIN, &c.w);

	bool growing = growth_test(&c, iw, growth_start, out);

	/* A series that keeps falling back keeps only its floor: the floor test decides. How far
	 * is a fall: half of what the current rise added (the hinge's level before it, to the
	 * last buckets' median), so an early free is not taken for a tooth of a later leak. */
	for (size_t i = 0; i < 3; i++)
		c.work[i] = c.w.mean[c.w.m - 1 - i];
	double risen = hs.ok ? median(c.work, 3) - hs.c : 0;
	int fl = floor_test(&c, risen, out, &growth_start);
	if (fl >= 0)
		growing = fl;

	if (growing) {
		out->pattern = GRW_PAT_GROWING;
		out->growing = true;
		out->growth_start_s = growth_start;
		return 0;
	}
	shape(&c, out);
	return 0;
}
