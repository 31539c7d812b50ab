/* SPDX-License-Identifier: MIT */
/*
 * The trace model (see model.h): fed record by record by the reader, it keeps one entry per
 * site and per module and bounded series, so its memory does not grow with the trace's length.
 * While reading it also finds, for each site, the first cut of the trace at which the detector
 * would have flagged it (flagged_at_s), re-classifying a site at most once per second of trace
 * time and only when its live bytes reach a new high near their peak.
 */
#include "model.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SITE_SERIES_CAP0 8         /* first storage of a site's series; doubles up to the cap */
#define MAX_SITES ((size_t)1 << 24) /* more is not a trace growth writes */
#define MAX_SITE_GAP 65536          /* a SITE id may run ahead of the ids seen by this much */
#define MAX_SEGS 64                 /* PT_LOAD segments per module we keep */
#define MAX_WARNS 10000
#define MAX_NOTES 1000
#define MAX_NOTE_LEN 4096
#define FILL_POINTS 128             /* filler points per stretch at the trace's resolution */

/* An address range of the current module map. */
struct range {
	uint64_t lo, hi; /* [lo, hi) */
	uint32_t module;
};

/* ------------------------------------------------------------------------------------------ */
/* Life cycle */

int grw_model_init(struct grw_model *m)
{
	memset(m, 0, sizeof *m);
	grw_detect_defaults(&m->opts);
	m->scratch = calloc(grw_detect_scratch_len(GRW_MODEL_SERIES_CAP), sizeof(double));
	if (!m->scratch)
		return -ENOMEM;
	grw_series_init(&m->rss.series, m->rss.pts, GRW_MODEL_SERIES_CAP);
	grw_series_init(&m->total.series, m->total.pts, GRW_MODEL_SERIES_CAP);
	m->last_snapshot_t_s = -1;
	m->rss_peak_t_s = -1;
	m->first_snapshot_t_s = -1;
	return 0;
}

void grw_model_free(struct grw_model *m)
{
	free(m->exe);
	for (uint64_t i = 0; i < m->argc; i++)
		free(m->argv[i]);
	free(m->argv);
	free(m->growth_version);
	for (size_t i = 0; i < m->nmodules; i++) {
		free(m->modules[i].path);
		free(m->modules[i].build_id);
		free(m->modules[i].segs);
	}
	free(m->modules);
	free(m->map);
	free(m->mod_hash);
	for (size_t i = 0; i < m->nsites; i++) {
		free(m->sites[i].frames);
		free(m->sites[i].series.pts);
	}
	free(m->sites);
	free(m->warns);
	for (size_t i = 0; i < m->nnotes; i++)
		free(m->notes[i].text);
	free(m->notes);
	free(m->scratch);
	memset(m, 0, sizeof *m);
}

static char *dup_str(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static void see_time(struct grw_model *m, double t_s)
{
	if (t_s > m->duration_s)
		m->duration_s = t_s;
}

/* ------------------------------------------------------------------------------------------ */
/* HEADER */

static int on_header(struct grw_model *m, struct grw_rec *r)
{
	struct grw_hdr h;
	if (m->exe) {
		r->why = "a second HEADER record";
		return -EBADMSG;
	}
	if (grw_dec_header(&r->payload, &h)) {
		r->why = "malformed HEADER payload";
		return -EBADMSG;
	}
	m->exe = dup_str(h.exe, h.exe_len);
	m->argv = calloc(h.argc ? h.argc : 1, sizeof *m->argv);
	if (!m->exe || !m->argv)
		return -ENOMEM;
	for (uint64_t i = 0; i < h.argc; i++) {
		const char *s;
		uint32_t n;
		if (grw_dec_str(&r->payload, &s, &n)) {
			r->why = "HEADER argv cut short";
			return -EBADMSG;
		}
		m->argv[i] = dup_str(s, n);
		if (!m->argv[i])
			return -ENOMEM;
		m->argc = i + 1;
	}
	const char *v = "";
	uint32_t vn = 0;
	if (grw_cur_left(&r->payload) && grw_dec_str(&r->payload, &v, &vn)) {
		v = "";
		vn = 0;
	}
	m->growth_version = dup_str(v, vn);
	if (!m->growth_version)
		return -ENOMEM;
	m->hdr = h;
	m->hdr.exe = m->exe;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* MODULES: deduplicated modules and the current address map */

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t module_hash(const char *path, size_t path_len, const uint8_t *id, size_t id_len,
			    uint64_t base)
{
	uint64_t h = hash_bytes(0xcbf29ce484222325ull, path, path_len);
	h = hash_bytes(h, id, id_len);
	h ^= base * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static bool module_is(const struct grw_model_module *mm, const struct grw_module *g)
{
	return mm->base == g->base && strlen(mm->path) == g->path_len &&
	       memcmp(mm->path, g->path, g->path_len) == 0 && mm->build_id_len == g->build_id_len &&
	       (g->build_id_len == 0 || memcmp(mm->build_id, g->build_id, g->build_id_len) == 0);
}

static int rehash_modules(struct grw_model *m, size_t cap)
{
	uint32_t *t = calloc(cap, sizeof *t);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < m->nmodules; i++) {
		const struct grw_model_module *mm = &m->modules[i];
		uint64_t h = module_hash(mm->path, strlen(mm->path), mm->build_id, mm->build_id_len,
					 mm->base);
		size_t k = h & (cap - 1);
		while (t[k])
			k = (k + 1) & (cap - 1);
		t[k] = (uint32_t)i + 1;
	}
	free(m->mod_hash);
	m->mod_hash = t;
	m->mod_hash_cap = cap;
	return 0;
}

/* Finds or adds a module; returns its index or a negative errno. */
static long intern_module(struct grw_model *m, const struct grw_module *g,
			  const struct grw_segment *segs, double t_s)
{
	uint64_t h = module_hash(g->path, g->path_len, g->build_id, g->build_id_len, g->base);
	if (m->mod_hash_cap) {
		size_t k = h & (m->mod_hash_cap - 1);
		while (m->mod_hash[k]) {
			uint32_t i = m->mod_hash[k] - 1;
			if (module_is(&m->modules[i], g))
				return i;
			k = (k + 1) & (m->mod_hash_cap - 1);
		}
	}
	if (m->nmodules >= INT32_MAX / 2)
		return -E2BIG;
	if (grw_grow_array((void **)&m->modules, &m->modules_cap, m->nmodules + 1, sizeof *m->modules))
		return -ENOMEM;
	struct grw_model_module *mm = &m->modules[m->nmodules];
	memset(mm, 0, sizeof *mm);
	uint32_t nseg = g->nseg < MAX_SEGS ? (uint32_t)g->nseg : MAX_SEGS;
	mm->path = dup_str(g->path, g->path_len);
	mm->segs = calloc(nseg ? nseg : 1, sizeof *mm->segs);
	mm->build_id = g->build_id_len ? malloc(g->build_id_len) : NULL;
	if (!mm->path || !mm->segs || (g->build_id_len && !mm->build_id)) {
		free(mm->path);
		free(mm->segs);
		free(mm->build_id);
		return -ENOMEM;
	}
	if (g->build_id_len)
		memcpy(mm->build_id, g->build_id, g->build_id_len);
	mm->build_id_len = g->build_id_len;
	memcpy(mm->segs, segs, nseg * sizeof *segs);
	mm->nseg = nseg;
	mm->base = g->base;
	mm->first_t_s = t_s;
	m->nmodules++;
	if (m->nmodules * 2 > m->mod_hash_cap) {
		if (rehash_modules(m, m->mod_hash_cap ? m->mod_hash_cap * 2 : 64))
			return -ENOMEM;
	} else {
		size_t k = h & (m->mod_hash_cap - 1);
		while (m->mod_hash[k])
			k = (k + 1) & (m->mod_hash_cap - 1);
		m->mod_hash[k] = (uint32_t)(m->nmodules - 1) + 1;
	}
	return (long)(m->nmodules - 1);
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int on_modules(struct grw_model *m, struct grw_rec *r)
{
	uint64_t t_ns, count;
	struct grw_segment segs[MAX_SEGS];
	if (grw_dec_modules_begin(&r->payload, &t_ns, &count)) {
		r->why = "malformed MODULES payload";
		return -EBADMSG;
	}
	double t_s = (double)t_ns / 1e9;
	see_time(m, t_s);
	m->map_len = 0;
	for (uint64_t i = 0; i < count; i++) {
		struct grw_module g;
		if (grw_dec_module(&r->payload, &g, segs, MAX_SEGS)) {
			r->why = "malformed module entry in MODULES";
			return -EBADMSG;
		}
		long idx = intern_module(m, &g, segs, t_s);
		if (idx < 0)
			return (int)idx;
		uint32_t nseg = g.nseg < MAX_SEGS ? (uint32_t)g.nseg : MAX_SEGS;
		if (grw_grow_array((void **)&m->map, &m->map_cap, m->map_len + nseg, sizeof *m->map))
			return -ENOMEM;
		for (uint32_t k = 0; k < nseg; k++) {
			uint64_t lo = g.base + segs[k].vaddr;
			if (segs[k].memsz == 0 || lo + segs[k].memsz < lo)
				continue;
			m->map[m->map_len++] = (struct range){lo, lo + segs[k].memsz, (uint32_t)idx};
		}
	}
	if (m->map_len) /* map is NULL while a MODULES record listed nothing: qsort(NULL) is UB */
		qsort(m->map, m->map_len, sizeof *m->map, cmp_range);
	m->module_maps++;
	return 0;
}

static void resolve_frame(const struct grw_model *m, uint64_t addr, struct grw_frame_ref *f)
{
	f->address = addr;
	f->module = -1;
	f->offset = addr;
	/* A return address may sit just past its function's last byte: look up address - 1. */
	uint64_t a = addr ? addr - 1 : 0;
	size_t lo = 0, hi = m->map_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->map[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo = first range starting after a; overlapping ranges: search back a little. */
	for (size_t k = lo; k > 0 && lo - k < 8; k--) {
		const struct range *rg = &m->map[k - 1];
		if (a >= rg->lo && a < rg->hi) {
			f->module = (int32_t)rg->module;
			f->offset = addr - m->modules[rg->module].base;
			return;
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Sites */

/* Makes sure sites [0, id] exist (placeholders for ids not defined yet). */
static int ensure_site(struct grw_model *m, uint64_t id, struct grw_rec *r)
{
	if (id < m->nsites)
		return 0;
	if (id >= MAX_SITES || id - m->nsites >= MAX_SITE_GAP) {
		r->why = "site id far beyond the sites defined so far";
		return -EBADMSG;
	}
	if (grw_grow_array((void **)&m->sites, &m->sites_cap, (size_t)id + 1, sizeof *m->sites))
		return -ENOMEM;
	for (size_t i = m->nsites; i <= id; i++) {
		struct grw_model_site *s = &m->sites[i];
		memset(s, 0, sizeof *s);
		s->id = i;
		s->last_point_t_s = -1;
		s->last_check_t_s = -INFINITY;
		s->flagged_at_s = -1;
		s->time_to_limit_s = -1;
	}
	m->nsites = (size_t)id + 1;
	return 0;
}

static int on_site(struct grw_model *m, struct grw_rec *r)
{
	struct grw_site_rec sr;
	if (grw_dec_site(&r->payload, &sr)) {
		r->why = "malformed SITE payload";
		return -EBADMSG;
	}
	if (sr.kind != GRW_KIND_HEAP && sr.kind != GRW_KIND_MMAP) {
		r->why = "unknown site kind";
		return -EBADMSG;
	}
	int e = ensure_site(m, sr.id, r);
	if (e)
		return e;
	struct grw_model_site *s = &m->sites[sr.id];
	if (s->defined) {
		r->why = "a second SITE record for the same site id";
		return -EBADMSG;
	}
	s->defined = true;
	s->kind = (uint8_t)sr.kind;
	s->go_runtime = sr.kind == GRW_KIND_MMAP && (sr.flags & GRW_SITE_FLAG_GO_RUNTIME);
	s->first_t_s = (double)sr.t_ns / 1e9;
	see_time(m, s->first_t_s);
	if (sr.depth) {
		s->frames = malloc(sr.depth * sizeof *s->frames);
		if (!s->frames)
			return -ENOMEM;
		for (uint64_t i = 0; i < sr.depth; i++)
			resolve_frame(m, sr.frames[i], &s->frames[i]);
	}
	s->depth = (uint16_t)sr.depth;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Series */

/* Adds a raw point to a site's series, growing its storage while it has not merged yet. */
static int site_add(struct grw_model_site *s, double t_s, double v)
{
	struct grw_series *se = &s->series;
	if (!se->pts) {
		struct grw_point *p = malloc(SITE_SERIES_CAP0 * sizeof *p);
		if (!p)
			return -ENOMEM;
		grw_series_init(se, p, SITE_SERIES_CAP0);
	} else if (se->stride == 1 && se->n + 1 >= se->cap && se->cap < GRW_MODEL_SERIES_CAP) {
		/* Still at full resolution: double the storage rather than merge points. */
		struct grw_point *p = realloc(se->pts, 2 * se->cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		se->pts = p;
		se->cap *= 2;
	}
	grw_series_add(se, t_s, v);
	if (se->n == 1 || v < (double)s->min_live_bytes)
		s->min_live_bytes = (uint64_t)v;
	s->last_point_t_s = t_s;
	return 0;
}

/*
 * Snapshots list only the sites that changed, so a site's series gets no point while it stays
 * flat. Before its next point (or at the end), fill the flat stretch up to `until` with its
 * old value at the trace's resolution, so the detector sees the plateau. At most FILL_POINTS
 * per stretch: the step widens as the trace gets longer, as the series' own resolution does.
 */
static int site_fill(const struct grw_model *m, struct grw_model_site *s, double until)
{
	if (s->last_point_t_s < 0 || until <= s->last_point_t_s)
		return 0;
	double interval = m->hdr.interval_ms ? (double)m->hdr.interval_ms / 1000 : 0.1;
	double step = until / FILL_POINTS;
	if (step < interval)
		step = interval;
	double v = (double)s->live_bytes;
	int n = 0;
	for (double t = s->last_point_t_s + step; t < until && n < FILL_POINTS; t += step, n++) {
		int e = site_add(s, t, v);
		if (e)
			return e;
	}
	return site_add(s, until, v);
}

static bool site_classify(struct grw_model *m, struct grw_model_site *s, struct grw_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->growth_start_s = -1;
	if (s->series.n == 0)
		return false;
	if (grw_detect_classify(s->series.pts, s->series.n, &m->opts, m->scratch, v))
		return false;
	return true;
}

/*
 * A cheap test before the detector: some earlier point of the series lies far enough below the
 * new value, and long enough ago, for a rise the detector could call growth (a good part of
 * min_growth_bytes, at a good part of min_rate_bps). O(points), against the detector's O(n^2)
 * statistics: it keeps sites that creep up below the thresholds from costing a classification
 * every second of a long trace.
 */
static bool may_grow(const struct grw_model *m, const struct grw_model_site *s, double t,
		     double v)
{
	const struct grw_series *se = &s->series;
	double need = 0.9 * m->opts.min_growth_bytes;
	double rate = 0.5 * m->opts.min_rate_bps;
	if (s->go_runtime)
		return false; /* the Go runtime's memory: the collector sizes it (docs/go.md) */
	if (v - (double)s->min_live_bytes < need)
		return false;
	/* About 32 points spread over the series, and the last few (a recent burst). */
	uint32_t step = se->n > 32 ? se->n / 32 : 1;
	for (uint32_t i = 0; i < se->n; i += (i + 4 < se->n ? step : 1)) {
		double rise = v - se->pts[i].v, dt = t - se->pts[i].t_s;
		if (rise >= need && rise >= rate * dt)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------------------------------ */
/* SNAPSHOT */

static int on_snapshot(struct grw_model *m, struct grw_rec *r)
{
	struct grw_snap_hdr h;
	if (grw_dec_snapshot_begin(&r->payload, &h)) {
		r->why = "malformed SNAPSHOT header";
		return -EBADMSG;
	}
	double t = (double)h.t_ns / 1e9;
	double prev_t = m->last_snapshot_t_s;
	if (prev_t >= 0 && t < prev_t) {
		r->why = "snapshot time goes backwards";
		return -EBADMSG;
	}
	see_time(m, t);
	uint64_t snap = m->snapshots + 1; /* becomes the RSS peak only once complete */
	/* Re-check a site at most once per second, and less often as the trace gets long (the
	 * series' resolution falls with its length too). */
	double check_every = t / GRW_MODEL_SERIES_CAP > 1.0 ? t / GRW_MODEL_SERIES_CAP : 1.0;
	uint64_t id = 0;
	for (uint64_t i = 0; i < h.n; i++) {
		struct grw_snap_entry en;
		if (grw_dec_snapshot_entry(&r->payload, h.nfields, &en)) {
			r->why = "snapshot entry cut short";
			return -EBADMSG;
		}
		uint64_t next = (i == 0 ? 0 : id + 1) + en.site_delta;
		if (i > 0 && next <= id) {
			r->why = "snapshot site ids wrap around";
			return -EBADMSG;
		}
		id = next;
		int e = ensure_site(m, id, r);
		if (e)
			return e;
		struct grw_model_site *s = &m->sites[id];
		bool changed = s->last_point_t_s < 0 || en.live_bytes != s->live_bytes;
		if (changed && s->last_point_t_s >= 0 && prev_t > s->last_point_t_s) {
			e = site_fill(m, s, prev_t);
			if (e)
				return e;
		}
		/* A site first seen after the first snapshot held nothing before: its series starts
		 * with zeros at the trace's start, so a rise late in the run is not mistaken for
		 * memory allocated at the start of the series (a burst for "allocated at
		 * start"). */
		if (changed && s->last_point_t_s < 0 && prev_t > m->first_snapshot_t_s &&
		    m->first_snapshot_t_s >= 0) {
			e = site_add(s, m->first_snapshot_t_s, 0);
			if (!e)
				e = site_fill(m, s, prev_t);
			if (e)
				return e;
		}
		if (changed) {
			/* First change after the RSS peak: keep what the site held there. */
			if (s->last_change_snap <= m->rss_peak_snap && m->rss_peak_snap < snap) {
				s->saved_peak_live = s->live_bytes;
				s->saved_peak_snap = m->rss_peak_snap;
			}
			s->last_change_snap = snap;
		}
		m->total_live_bytes += en.live_bytes - s->live_bytes; /* modular: exact */
		s->allocs = en.allocs;
		s->frees = en.frees;
		s->alloc_bytes = en.alloc_bytes;
		s->live_bytes = en.live_bytes;
		s->reserved_bytes = en.reserved_bytes;
		if (en.live_bytes > s->peak_live_bytes)
			s->peak_live_bytes = en.live_bytes;
		if (!changed)
			continue;
		e = site_add(s, t, (double)en.live_bytes);
		if (e)
			return e;
		/* flagged_at_s: cheap filters first; the detector only on a new high near the peak,
		 * and less often for a site that keeps being turned down (by the cheap test or the
		 * detector), though at least every 1/64 of the trace's length so far. */
		double every = check_every * (1 + s->check_misses / 4.0);
		if (every > t / 64)
			every = t / 64 > check_every ? t / 64 : check_every;
		if (s->flagged_at_s < 0 && en.live_bytes > s->last_check_live &&
		    en.live_bytes >= s->peak_live_bytes - s->peak_live_bytes / 10 &&
		    t - s->last_check_t_s >= every) {
			s->last_check_t_s = t;
			s->last_check_live = en.live_bytes;
			struct grw_verdict v;
			if (!may_grow(m, s, t, (double)en.live_bytes)) {
				s->check_misses++;
			} else {
				m->classifications++;
				if (site_classify(m, s, &v) && v.growing)
					s->flagged_at_s = t;
				else
					s->check_misses++;
			}
		}
	}
	m->last_snapshot_t_s = t;
	if (m->first_snapshot_t_s < 0)
		m->first_snapshot_t_s = t;
	m->snapshots++;
	if (h.rss_bytes > m->rss.peak_bytes) {
		m->rss_peak_snap = snap;
		m->rss_peak_t_s = t;
		m->tracked_at_rss_peak = m->total_live_bytes;
	}
	m->untracked_allocs = h.untracked_allocs;
	m->untracked_bytes = h.untracked_bytes;
	grw_series_add(&m->rss.series, t, (double)h.rss_bytes);
	if (h.rss_bytes > m->rss.peak_bytes)
		m->rss.peak_bytes = h.rss_bytes;
	m->rss.end_bytes = h.rss_bytes;
	grw_series_add(&m->total.series, t, (double)m->total_live_bytes);
	if (m->total_live_bytes > m->total.peak_bytes)
		m->total.peak_bytes = m->total_live_bytes;
	m->total.end_bytes = m->total_live_bytes;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* END, WARN, NOTE */

static int on_end(struct grw_model *m, struct grw_rec *r)
{
	struct grw_end e;
	if (grw_dec_end(&r->payload, &e)) {
		r->why = "malformed END payload";
		return -EBADMSG;
	}
	m->end_seen = true;
	m->end_reason = e.reason;
	m->end_t_s = (double)e.t_ns / 1e9;
	see_time(m, m->end_t_s);
	return 0;
}

static int on_warn(struct grw_model *m, struct grw_rec *r)
{
	struct grw_warn w;
	if (grw_dec_warn(&r->payload, &w)) {
		r->why = "malformed WARN payload";
		return -EBADMSG;
	}
	see_time(m, (double)w.t_ns / 1e9);
	if (m->nwarns >= MAX_WARNS) {
		m->warns_dropped++;
		return 0;
	}
	if (grw_grow_array((void **)&m->warns, &m->warns_cap, m->nwarns + 1, sizeof *m->warns))
		return -ENOMEM;
	m->warns[m->nwarns++] = (struct grw_model_warn){(double)w.t_ns / 1e9, w.site_id,
							w.live_bytes, w.slope_bytes_per_s,
							w.time_to_limit_s};
	return 0;
}

static int on_note(struct grw_model *m, struct grw_rec *r)
{
	uint64_t t_ns;
	const char *s;
	uint32_t n;
	if (grw_dec_note(&r->payload, &t_ns, &s, &n)) {
		r->why = "malformed NOTE payload";
		return -EBADMSG;
	}
	see_time(m, (double)t_ns / 1e9);
	if (m->nnotes >= MAX_NOTES) {
		m->notes_dropped++;
		return 0;
	}
	if (grw_grow_array((void **)&m->notes, &m->notes_cap, m->nnotes + 1, sizeof *m->notes))
		return -ENOMEM;
	char *text = dup_str(s, n < MAX_NOTE_LEN ? n : MAX_NOTE_LEN);
	if (!text)
		return -ENOMEM;
	m->notes[m->nnotes++] = (struct grw_model_note){(double)t_ns / 1e9, text};
	return 0;
}

int grw_model_on_record(void *ctx, struct grw_rec *r)
{
	struct grw_model *m = ctx;
	switch (r->type) {
	case GRW_REC_HEADER:
		return on_header(m, r);
	case GRW_REC_MODULES:
		return on_modules(m, r);
	case GRW_REC_SITE:
		return on_site(m, r);
	case GRW_REC_SNAPSHOT:
		return on_snapshot(m, r);
	case GRW_REC_END:
		return on_end(m, r);
	case GRW_REC_WARN:
		return on_warn(m, r);
	case GRW_REC_NOTE:
		return on_note(m, r);
	}
	return 0; /* a record type from a later version: skip it */
}

/* ------------------------------------------------------------------------------------------ */
/* After the pass */

const char *grw_model_end_reason(const struct grw_model *m)
{
	return m->end_seen ? grw_end_reason_name(m->end_reason) : NULL;
}

uint64_t grw_model_limit(const struct grw_model *m)
{
	return m->hdr.mem_limit_bytes;
}

static void classify_series(struct grw_model *m, struct grw_model_series *s)
{
	memset(&s->verdict, 0, sizeof s->verdict);
	s->verdict.growth_start_s = -1;
	if (s->series.n)
		grw_detect_classify(s->series.pts, s->series.n, &m->opts, m->scratch, &s->verdict);
}

void grw_model_finish(struct grw_model *m, const struct grw_read_info *info)
{
	double end = m->duration_s;
	double limit = (double)grw_model_limit(m);

	m->read = *info;
	for (size_t i = 0; i < m->nsites; i++) {
		struct grw_model_site *s = &m->sites[i];
		if (s->last_point_t_s >= 0 && end > s->last_point_t_s)
			site_fill(m, s, end);
		site_classify(m, s, &s->verdict);
		/* The Go runtime's own mappings keep their pattern (their shape), but growth cannot
		 * name the Go code behind them: their growth is the Go heap's, shown by RSS and by
		 * Go's own profiler (docs/go.md), never a flagged site. */
		if (s->go_runtime)
			s->verdict.growing = false;
		s->live_at_rss_peak = 0;
		if (m->rss_peak_snap && s->last_change_snap <= m->rss_peak_snap)
			s->live_at_rss_peak = s->live_bytes;
		else if (m->rss_peak_snap && s->saved_peak_snap == m->rss_peak_snap)
			s->live_at_rss_peak = s->saved_peak_live;
		if (s->verdict.growing && s->flagged_at_s < 0)
			s->flagged_at_s = end;
		s->time_to_limit_s = -1;
		if (s->verdict.growing)
			s->time_to_limit_s = grw_time_to_limit_s((double)m->rss.end_bytes,
								 s->verdict.slope_bps, limit);
	}
	classify_series(m, &m->rss);
	classify_series(m, &m->total);

	m->truncated = !m->end_seen || info->end == GRW_READ_CORRUPT;
	m->ending[0] = 0;
	if (info->end == GRW_READ_CORRUPT)
		snprintf(m->ending, sizeof m->ending, "trace is corrupt after %.1f s: %s", end,
			 info->where);
	else if (!m->end_seen)
		snprintf(m->ending, sizeof m->ending,
			 "trace ends at %.1f s without an end record: the process was killed or "
			 "crashed; data up to the last flush%s%s%s",
			 end, info->end == GRW_READ_TORN ? " (" : "",
			 info->end == GRW_READ_TORN ? info->where : "",
			 info->end == GRW_READ_TORN ? ")" : "");
	else if (info->end == GRW_READ_TORN)
		snprintf(m->ending, sizeof m->ending, "after the end record, %s", info->where);
}

int grw_model_load_via(struct grw_model *m, const char *path, grw_rec_fn fn, void *ctx, char *err,
		       size_t err_len)
{
	struct grw_read_info info;
	int e = grw_model_init(m);
	if (e) {
		snprintf(err, err_len, "growth: out of memory");
		return e;
	}
	e = grw_trace_read(path, NULL, fn ? fn : grw_model_on_record, fn ? ctx : m, &info, err,
			   err_len);
	if (e) {
		grw_model_free(m);
		return e;
	}
	grw_model_finish(m, &info);
	return 0;
}

int grw_model_load(struct grw_model *m, const char *path, char *err, size_t err_len)
{
	return grw_model_load_via(m, path, NULL, NULL, err, err_len);
}

/* ------------------------------------------------------------------------------------------ */
/* Report order */

static int cmp_sites(const void *a, const void *b, void *ctx)
{
	const struct grw_model *m = ctx;
	const struct grw_model_site *x = &m->sites[*(const size_t *)a];
	const struct grw_model_site *y = &m->sites[*(const size_t *)b];
	if (x->verdict.growing != y->verdict.growing)
		return x->verdict.growing ? -1 : 1;
	if (x->verdict.growing && x->verdict.slope_bps != y->verdict.slope_bps)
		return x->verdict.slope_bps > y->verdict.slope_bps ? -1 : 1;
	if (x->live_bytes != y->live_bytes)
		return x->live_bytes > y->live_bytes ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int grw_model_sort_sites(const struct grw_model *m, size_t **order)
{
	*order = malloc((m->nsites ? m->nsites : 1) * sizeof **order);
	if (!*order)
		return -ENOMEM;
	for (size_t i = 0; i < m->nsites; i++)
		(*order)[i] = i;
	qsort_r(*order, m->nsites, sizeof **order, cmp_sites, (void *)m);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The RSS peak and downsampled series */

bool grw_model_peak_matters(const struct grw_model *m)
{
	if (!m->rss_peak_snap)
		return false;
	if (!m->end_seen)
		return true;
	uint64_t limit = grw_model_limit(m);
	return limit && m->rss.peak_bytes >= limit - limit / 10;
}

static int cmp_peak(const void *a, const void *b, void *ctx)
{
	const struct grw_model *m = ctx;
	const struct grw_model_site *x = &m->sites[*(const size_t *)a];
	const struct grw_model_site *y = &m->sites[*(const size_t *)b];
	if (x->live_at_rss_peak != y->live_at_rss_peak)
		return x->live_at_rss_peak > y->live_at_rss_peak ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int grw_model_peak_sites(const struct grw_model *m, size_t max, size_t **order, size_t *n)
{
	*n = 0;
	*order = malloc((m->nsites ? m->nsites : 1) * sizeof **order);
	if (!*order)
		return -ENOMEM;
	for (size_t i = 0; i < m->nsites; i++)
		if (m->sites[i].live_at_rss_peak)
			(*order)[(*n)++] = i;
	qsort_r(*order, *n, sizeof **order, cmp_peak, (void *)m);
	if (*n > max)
		*n = max;
	return 0;
}

size_t grw_model_downsample(const struct grw_series *s, struct grw_point *out, size_t max)
{
	if (!s->pts || s->n == 0 || max == 0)
		return 0;
	if (s->n <= max) {
		memcpy(out, s->pts, s->n * sizeof *out);
		return s->n;
	}
	if (max == 1) {
		out[0] = s->pts[s->n - 1];
		return 1;
	}
	/* Each output point is the last of its stretch, carrying the stretch's largest value in
	 * vmax, so a short spike still shows. */
	size_t prev = 0;
	out[0] = s->pts[0];
	for (size_t k = 1; k < max; k++) {
		size_t idx = (size_t)((double)k * (s->n - 1) / (max - 1) + 0.5);
		double vmax = s->pts[idx].vmax;
		for (size_t i = prev + 1; i < idx; i++)
			if (s->pts[i].vmax > vmax)
				vmax = s->pts[i].vmax;
		out[k] = s->pts[idx];
		out[k].vmax = vmax;
		prev = idx;
	}
	return max;
}
