/* SPDX-License-Identifier: MIT */
/*
 * The trace model: what one pass of the reader leaves behind. Process info from the HEADER, the
 * history of module maps, every site with its frames resolved to (module, offset) against the
 * map in effect when the SITE record was read, per-site counters and a bounded series, RSS and
 * total-tracked series, the END reason, WARN and NOTE records, and the detector's verdicts.
 * Memory grows with the number of sites and modules, never with the length of the trace.
 */
#ifndef GRW_MODEL_H
#define GRW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "reader.h"

#define GRW_MODEL_SERIES_CAP 256 /* points per series at most */

/* One loaded object, as the MODULES records listed it (deduplicated on path, base, build-id). */
struct grw_model_module {
	char *path;               /* NUL-terminated copy */
	uint8_t *build_id;        /* raw bytes, NULL when build_id_len == 0 */
	uint32_t build_id_len;
	uint64_t base;            /* load bias */
	struct grw_segment *segs; /* PT_LOAD segments, nseg entries */
	uint32_t nseg;
	double first_t_s;         /* when a MODULES record first listed it */
};

/* A return address, resolved against the module map of its time. */
struct grw_frame_ref {
	uint64_t address; /* the return address as recorded */
	int32_t module;   /* index into grw_model.modules, -1 when in no known module */
	uint64_t offset;  /* address - module base, i.e. an address in the ELF's own vaddr space */
};

struct grw_model_site {
	uint64_t id;
	uint8_t kind;                 /* enum grw_site_kind */
	bool defined;                 /* a SITE record was read (else only snapshots named it) */
	bool go_runtime;              /* GRW_SITE_FLAG_GO_RUNTIME: never flagged (docs/go.md) */
	uint16_t depth;               /* frames */
	struct grw_frame_ref *frames; /* innermost first, depth entries */
	double first_t_s;             /* first allocation, seconds since trace start */

	uint64_t allocs, frees;       /* cumulative calls */
	uint64_t alloc_bytes;         /* cumulative bytes allocated */
	uint64_t live_bytes;          /* at the last snapshot */
	uint64_t reserved_bytes;      /* at the last snapshot (mmap: mapped, not resident) */
	uint64_t peak_live_bytes;     /* largest live_bytes of any snapshot */

	struct grw_series series;     /* (t, live bytes); storage grows up to the series cap */
	double last_point_t_s;        /* time of the last raw point added, -1 before the first */
	double last_check_t_s;        /* last flagged_at check, -inf before the first */
	uint64_t last_check_live;     /* live bytes at that check */
	uint32_t check_misses;        /* checks in a row that did not flag it */
	uint64_t min_live_bytes;      /* smallest live bytes of any point of the series */
	double flagged_at_s;          /* first cut at which the detector said growing, -1 never */

	struct grw_verdict verdict;   /* at the end of the trace (grw_model_finish) */
	double time_to_limit_s;       /* growing sites with a known limit, else -1 */

	/* Live bytes at the snapshot of the highest RSS (grw_model.rss_peak_snap), kept lazily:
	 * a site that changes after that snapshot saves the value it held there. */
	uint64_t live_at_rss_peak;    /* filled in by grw_model_finish */
	uint64_t saved_peak_live;     /* live bytes at snapshot saved_peak_snap */
	uint64_t saved_peak_snap;     /* the RSS peak snapshot saved_peak_live belongs to, 0 none */
	uint64_t last_change_snap;    /* 1-based number of the snapshot that last changed it, 0 never */
};

struct grw_model_warn {
	double t_s;
	uint64_t site_id;
	uint64_t live_bytes;
	int64_t slope_bytes_per_s;
	uint64_t time_to_limit_s; /* 0 = unknown */
};

struct grw_model_note {
	double t_s;
	char *text; /* NUL-terminated copy */
};

/* A whole-process series (RSS, total tracked), with its verdict. */
struct grw_model_series {
	struct grw_series series;
	struct grw_point pts[GRW_MODEL_SERIES_CAP];
	uint64_t peak_bytes, end_bytes;
	struct grw_verdict verdict;
};

struct grw_model {
	/* HEADER */
	struct grw_hdr hdr;     /* strings below; hdr.exe points to exe */
	char *exe;
	char **argv;            /* argc entries, NUL-terminated copies */
	uint64_t argc;
	char *growth_version;

	/* modules and the map in effect */
	struct grw_model_module *modules;
	size_t nmodules, modules_cap;
	struct range *map;      /* current map: sorted address ranges, see model.c */
	size_t map_len, map_cap;
	uint32_t *mod_hash;     /* open addressing over modules: index + 1, 0 = empty */
	size_t mod_hash_cap;
	uint64_t module_maps;   /* MODULES records read */

	/* sites, indexed by id */
	struct grw_model_site *sites;
	size_t nsites, sites_cap;

	struct grw_model_series rss, total;
	uint64_t total_live_bytes; /* sum of live bytes over sites, now */
	uint64_t untracked_allocs, untracked_bytes;
	uint64_t snapshots;
	double last_snapshot_t_s;  /* -1 before the first */

	/* END, WARN, NOTE */
	bool end_seen;
	uint64_t end_reason;
	double end_t_s;
	struct grw_model_warn *warns;
	size_t nwarns, warns_cap;
	uint64_t warns_dropped;
	struct grw_model_note *notes;
	size_t nnotes, notes_cap;
	uint64_t notes_dropped;

	/* how the trace ends */
	double duration_s;         /* last time any record names */
	bool truncated;            /* no END record, or data after the last good frame was lost */
	struct grw_read_info read; /* the reader's account */
	char ending[768];          /* one sentence when truncated or corrupt, else "" */

	/* detector */
	struct grw_detect_opts opts;
	double *scratch;           /* grw_detect_scratch_len(GRW_MODEL_SERIES_CAP) doubles */
	uint64_t classifications;  /* grw_detect_classify calls made while reading */

	/* the moment of the highest RSS (what held the memory then: site live_at_rss_peak) */
	uint64_t rss_peak_snap;         /* 1-based number of the first highest-RSS snapshot, 0 none */
	double rss_peak_t_s;            /* its time, -1 when none */
	double first_snapshot_t_s;      /* time of the first snapshot, -1 before it */
	uint64_t tracked_at_rss_peak;   /* sum of live bytes over sites at that snapshot */
};

/* Initialises an empty model. Returns 0 or -ENOMEM. */
int grw_model_init(struct grw_model *m);
void grw_model_free(struct grw_model *m);

/* The reader callback that feeds the model (ctx = struct grw_model *). */
int grw_model_on_record(void *ctx, struct grw_rec *r);

/* After the pass: closes every series at the end of the trace, classifies every site, RSS and
 * the total, fills in time_to_limit_s and the truncation sentence from info. */
void grw_model_finish(struct grw_model *m, const struct grw_read_info *info);

/*
 * Reads the trace at path into m (initialised here) and finishes it. Returns 0 (the model may be
 * partial: m->truncated, m->ending) or a negative errno with one line in err (no newline);
 * on error m is freed.
 */
int grw_model_load(struct grw_model *m, const char *path, char *err, size_t err_len);
/* The same, with fn seeing every record first (fn must pass each on to grw_model_on_record with
 * the model); fn == NULL is grw_model_load. Used to show progress while reading. */
int grw_model_load_via(struct grw_model *m, const char *path, grw_rec_fn fn, void *ctx, char *err,
		       size_t err_len);

/* "exit", "exec", "cap", "disabled", or NULL when no END record was read. */
const char *grw_model_end_reason(const struct grw_model *m);

/* The memory limit in bytes, or 0 when unknown. */
uint64_t grw_model_limit(const struct grw_model *m);

/*
 * Fills order[0..nsites) with site indexes in report order: growing sites first by slope
 * (descending), then by live bytes at the end (descending), then by id. Returns 0 or -ENOMEM.
 */
int grw_model_sort_sites(const struct grw_model *m, size_t **order);

/*
 * True when the report should lead with what held the memory at the RSS peak rather than with
 * growth: the trace ends without an END record (killed) or the RSS peak came within 10% of the
 * memory limit. Not every OOM is a leak.
 */
bool grw_model_peak_matters(const struct grw_model *m);

/*
 * Fills order[0..*n) with the indexes of the sites that held memory at the RSS peak, largest
 * live_at_rss_peak first, at most max of them. Returns 0 or -ENOMEM; *order is the caller's
 * to free.
 */
int grw_model_peak_sites(const struct grw_model *m, size_t max, size_t **order, size_t *n);

/*
 * Picks at most max points spread evenly over a series (the first and the last included) into
 * out; returns how many. For the report's sparklines and JSON `series` arrays.
 */
size_t grw_model_downsample(const struct grw_series *s, struct grw_point *out, size_t max);

#endif
