/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the trace reader and model on synthetic traces built with the codec and
 * ZSTD_compress: a clean multi-frame trace, one torn mid-frame, one without an END record,
 * corrupt records and zstd data after valid frames, foreign zstd, empty, zero-filled, random and
 * missing files, a newer version, an oversized frame, and module-map reuse after dlclose.
 * `test_reader --write DIR` also writes every synthetic trace (and a large one) into DIR, to run
 * the growth binary over them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "check.h"
#include "model.h"
#include "reader.h"
#include "report.h"
#include "symbolize.h"
#include "trace_codec.h"

/* ------------------------------------------------------------------------------------------ */
/* Building traces */

static void *re(void *p, size_t old_cap, size_t new_cap)
{
	(void)old_cap;
	return realloc(p, new_cap);
}

struct tb {
	struct grw_buf rec;   /* records of the frame being built */
	struct grw_buf file;  /* compressed frames so far */
	size_t nframes;
};

static void tb_init(struct tb *t)
{
	memset(t, 0, sizeof *t);
	t->rec.realloc_fn = re;
	t->file.realloc_fn = re;
}

static void tb_free(struct tb *t)
{
	free(t->rec.data);
	free(t->file.data);
}

/* Ends the current frame: compresses the records as one zstd frame. */
static void tb_flush(struct tb *t)
{
	size_t cap = ZSTD_compressBound(t->rec.len);
	grw_buf_reserve(&t->file, cap);
	size_t n = ZSTD_compress(t->file.data + t->file.len, cap, t->rec.data, t->rec.len, 1);
	if (ZSTD_isError(n)) {
		fprintf(stderr, "ZSTD_compress: %s\n", ZSTD_getErrorName(n));
		exit(2);
	}
	t->file.len += n;
	t->rec.len = 0;
	t->nframes++;
}

static const char *exe_path = "/opt/x/prog";

static void put_header(struct tb *t, uint64_t version, uint64_t limit)
{
	static char a0[] = "prog", a1[] = "--flag";
	char *argv[] = {a0, a1, NULL};
	struct grw_hdr h = {
		.version = version,
		.flags = GRW_HDR_FLAG_LITTLE_ENDIAN,
		.pointer_size = 8,
		.pid = 4242,
		.ppid = 1,
		.start_unix_ns = 1700000000000000000ull,
		.page_size = 4096,
		.mem_limit_bytes = limit,
		.mem_limit_source = limit ? GRW_LIMIT_CGROUP2 : GRW_LIMIT_NONE,
		.interval_ms = 100,
		.max_depth = 32,
		.exe = exe_path,
		.exe_len = (uint32_t)strlen(exe_path),
		.argc = 2,
	};
	grw_enc_magic(&t->rec);
	grw_enc_header(&t->rec, &h, argv, "0.1.0");
}

#define PROG_BASE 0x555500000000ull
#define LIBA_BASE 0x7f0000000000ull

/* The main program at PROG_BASE and one library at LIBA_BASE (path lib). */
static void put_modules(struct tb *t, uint64_t t_ns, const char *lib)
{
	struct grw_segment prog_segs[2] = {{0x0, 0x1000, 4}, {0x1000, 0x2000, 5}};
	struct grw_segment lib_segs[1] = {{0x0, 0x200000, 5}};
	struct grw_module prog = {"/opt/x/prog", 11, (const uint8_t *)"\xaa\xbb", 2, PROG_BASE, 2};
	struct grw_module l = {lib, (uint32_t)strlen(lib), NULL, 0, LIBA_BASE, 1};
	size_t r = grw_enc_modules_begin(&t->rec, t_ns, 2);
	grw_enc_module(&t->rec, &prog, prog_segs);
	grw_enc_module(&t->rec, &l, lib_segs);
	grw_rec_end(&t->rec, r);
}

static void put_site(struct tb *t, uint64_t id, uint64_t t_ns, uint64_t f0, uint64_t f1)
{
	struct grw_site_rec s;
	memset(&s, 0, sizeof s);
	s.id = id;
	s.kind = GRW_KIND_HEAP;
	s.t_ns = t_ns;
	s.depth = 3;
	s.frames[0] = f0;
	s.frames[1] = f1;
	s.frames[2] = 0x10; /* in no module */
	grw_enc_site(&t->rec, &s);
}

/* One snapshot at t_ns with entries for sites [0, n) whose live bytes are live[i]
 * (UINT64_MAX = no entry for that site). */
static void put_snap(struct tb *t, uint64_t t_ns, uint64_t rss, const uint64_t *live, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += live[i] != UINT64_MAX;
	struct grw_snap_hdr h = {.t_ns = t_ns, .rss_bytes = rss, .vm_bytes = rss * 2, .n = k};
	size_t r = grw_enc_snapshot_begin(&t->rec, &h);
	uint64_t prev = 0;
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (live[i] == UINT64_MAX)
			continue;
		struct grw_snap_entry e = {
			.site_delta = first ? i : i - prev - 1,
			.allocs = live[i] / 100 + 1,
			.frees = 1,
			.alloc_bytes = live[i] + 100,
			.live_bytes = live[i],
			.reserved_bytes = 0,
		};
		grw_enc_snapshot_entry(&t->rec, &e);
		prev = i;
		first = false;
	}
	grw_rec_end(&t->rec, r);
}

#define SNAPS 200 /* 20 s at 100 ms */

/*
 * The reference trace: site 0 grows 10001 bytes per snapshot, site 1 stays at 5000 (only in
 * the first snapshot), one frame per flush. snaps snapshots; an END record when end.
 */
static void build_good(struct tb *t, int snaps, bool end)
{
	tb_init(t);
	put_header(t, GRW_TRACE_VERSION, 64ull << 20);
	put_modules(t, 0, "/lib/liba.so");
	put_site(t, 0, 1000, PROG_BASE + 0x1234, PROG_BASE + 0x1100);
	put_site(t, 1, 2000, LIBA_BASE + 0x5678, PROG_BASE + 0x1300);
	tb_flush(t);
	for (int i = 1; i <= snaps; i++) {
		uint64_t live[2] = {(uint64_t)i * 10001, i == 1 ? 5000 : UINT64_MAX};
		put_snap(t, (uint64_t)i * 100000000ull, 10000000 + (uint64_t)i * 10001, live, 2);
		tb_flush(t);
	}
	if (end) {
		grw_enc_note(&t->rec, (uint64_t)snaps * 100000000ull, "a note");
		struct grw_end e = {(uint64_t)snaps * 100000000ull + 1000, GRW_END_EXIT};
		grw_enc_end(&t->rec, &e);
		tb_flush(t);
	}
}

static char dir[256];
static const char *write_dir; /* --write: keep the files here */

static const char *write_file(const char *name, const void *p, size_t n)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", write_dir ? write_dir : dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f)) {
		perror(path);
		exit(2);
	}
	return path;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading */

struct counts {
	uint64_t by_type[8];
};

static int count_rec(void *ctx, struct grw_rec *r)
{
	struct counts *c = ctx;
	c->by_type[r->type < 8 ? r->type : 0]++;
	return 0;
}

/* Reads path with a counting callback; returns grw_trace_read's result. */
static int read_counts(const char *path, size_t max_frame, struct counts *c,
		       struct grw_read_info *info, char *err, size_t err_len)
{
	struct grw_read_opts o = {.max_frame_bytes = max_frame};
	memset(c, 0, sizeof *c);
	return grw_trace_read(path, &o, count_rec, c, info, err, err_len);
}

/* Expects path to be rejected with a message containing want. */
static void expect_reject(const char *path, const char *want)
{
	struct counts c;
	struct grw_read_info info;
	char err[640];
	int e = read_counts(path, 0, &c, &info, err, sizeof err);
	CHECK(e < 0);
	if (!strstr(err, want))
		fprintf(stderr, "  message for %s: '%s', wanted '%s'\n", path, err, want);
	CHECK(strstr(err, want) != NULL);
	CHECK(strchr(err, '\n') == NULL);
	struct grw_model m;
	e = grw_model_load(&m, path, err, sizeof err);
	CHECK(e < 0);
	CHECK(strstr(err, want) != NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests */

static void test_good(void)
{
	struct tb t;
	build_good(&t, SNAPS, true);
	const char *path = write_file("good.zst", t.file.data, t.file.len);

	struct counts c;
	struct grw_read_info info;
	char err[640];
	CHECK_EQ_U(read_counts(path, 0, &c, &info, err, sizeof err), 0);
	CHECK_EQ_U(info.end, GRW_READ_COMPLETE);
	CHECK_EQ_U(info.frames, t.nframes);
	CHECK_EQ_U(info.records, 1 + 1 + 2 + SNAPS + 2);
	CHECK_EQ_U(info.file_bytes, t.file.len);
	CHECK_EQ_U(info.good_file_bytes, t.file.len);
	CHECK_EQ_U(c.by_type[GRW_REC_SNAPSHOT], SNAPS);
	CHECK_EQ_U(c.by_type[GRW_REC_END], 1);

	struct grw_model m;
	CHECK_EQ_U(grw_model_load(&m, path, err, sizeof err), 0);
	CHECK(m.end_seen);
	CHECK(!m.truncated);
	CHECK(m.ending[0] == 0);
	CHECK(strcmp(grw_model_end_reason(&m), "exit") == 0);
	CHECK_EQ_U(m.hdr.pid, 4242);
	CHECK(strcmp(m.exe, "/opt/x/prog") == 0);
	CHECK_EQ_U(m.argc, 2);
	CHECK(strcmp(m.argv[1], "--flag") == 0);
	CHECK(strcmp(m.growth_version, "0.1.0") == 0);
	CHECK_EQ_U(m.nmodules, 2);
	CHECK_EQ_U(m.nsites, 2);
	CHECK_EQ_U(m.snapshots, SNAPS);
	CHECK_NEAR(m.duration_s, SNAPS / 10.0, 0.01);
	CHECK_EQ_U(m.nnotes, 1);

	const struct grw_model_site *s0 = &m.sites[0], *s1 = &m.sites[1];
	/* frames resolved against the map of their time */
	CHECK_EQ_U(s0->depth, 3);
	CHECK_EQ_U(s0->frames[0].module, 0);
	CHECK_EQ_U(s0->frames[0].offset, 0x1234);
	CHECK(s0->frames[2].module == -1);
	CHECK_EQ_U(s1->frames[0].module, 1);
	CHECK_EQ_U(s1->frames[0].offset, 0x5678);
	/* counters */
	CHECK_EQ_U(s0->live_bytes, (uint64_t)SNAPS * 10001);
	CHECK_EQ_U(s0->peak_live_bytes, (uint64_t)SNAPS * 10001);
	CHECK_EQ_U(s0->allocs, (uint64_t)SNAPS * 10001 / 100 + 1);
	CHECK_EQ_U(s1->live_bytes, 5000);
	CHECK_EQ_U(m.total.end_bytes, (uint64_t)SNAPS * 10001 + 5000);
	CHECK_EQ_U(m.rss.peak_bytes, 10000000 + (uint64_t)SNAPS * 10001);
	/* verdicts: 100 KB/s steady growth is flagged, after min_duration and before the end */
	CHECK(s0->verdict.growing);
	CHECK_NEAR(s0->verdict.slope_bps, 100010, 1000);
	CHECK(s0->flagged_at_s >= m.opts.min_duration_s);
	CHECK(s0->flagged_at_s < 10);
	CHECK(!s1->verdict.growing);
	CHECK(s1->flagged_at_s < 0);
	CHECK(s0->time_to_limit_s > 0);
	CHECK(s1->time_to_limit_s < 0);
	/* the series stayed bounded */
	CHECK(s0->series.n <= GRW_MODEL_SERIES_CAP);
	CHECK(s1->series.n <= GRW_MODEL_SERIES_CAP);

	size_t *order;
	CHECK_EQ_U(grw_model_sort_sites(&m, &order), 0);
	CHECK_EQ_U(order[0], 0);
	free(order);
	grw_model_free(&m);
	tb_free(&t);
}

/* Killed: no END record; once at a frame boundary, once in the middle of the last frame. */
static void test_truncated(void)
{
	struct tb t;
	build_good(&t, 50, false);
	size_t whole = t.file.len;
	/* one more frame, written only halfway */
	uint64_t live[2] = {51 * 10001, UINT64_MAX};
	put_snap(&t, 51 * 100000000ull, 1, live, 2);
	tb_flush(&t);
	size_t torn = whole + (t.file.len - whole) / 2;
	char err[640];
	struct grw_model m;

	const char *p1 = write_file("noend.zst", t.file.data, whole);
	CHECK_EQ_U(grw_model_load(&m, p1, err, sizeof err), 0);
	CHECK_EQ_U(m.read.end, GRW_READ_COMPLETE);
	CHECK(m.truncated);
	CHECK(!m.end_seen);
	CHECK(grw_model_end_reason(&m) == NULL);
	CHECK(strstr(m.ending, "trace ends at 5.0 s without an end record") != NULL);
	CHECK(strstr(m.ending, "killed or crashed") != NULL);
	grw_model_free(&m);

	const char *p2 = write_file("torn.zst", t.file.data, torn);
	CHECK_EQ_U(grw_model_load(&m, p2, err, sizeof err), 0);
	CHECK_EQ_U(m.read.end, GRW_READ_TORN);
	CHECK_EQ_U(m.read.good_file_bytes, whole);
	CHECK_EQ_U(m.read.file_bytes, torn);
	CHECK(m.truncated);
	CHECK_EQ_U(m.snapshots, 50);
	CHECK_NEAR(m.duration_s, 5.0, 0.01);
	CHECK_EQ_U(m.sites[0].live_bytes, 50 * 10001);
	CHECK(strstr(m.ending, "without an end record") != NULL);
	CHECK(strstr(m.ending, "incomplete") != NULL);
	grw_model_free(&m);

	/* every cut inside the last frame is torn, never an error */
	for (size_t cut = whole + 1; cut < t.file.len; cut += 3) {
		const char *p = write_file("cut.zst", t.file.data, cut);
		struct counts c;
		struct grw_read_info info;
		CHECK_EQ_U(read_counts(p, 0, &c, &info, err, sizeof err), 0);
		CHECK_EQ_U(info.end, GRW_READ_TORN);
		CHECK_EQ_U(c.by_type[GRW_REC_SNAPSHOT], 50);
	}
	/* a trace torn inside its first frame has nothing usable */
	const char *p3 = write_file("torn_first.zst", t.file.data, 10);
	expect_reject(p3, "no complete zstd frame");
	tb_free(&t);
}

/* A corrupt record after valid data: partial, and the message names the record and offset. */
static void test_corrupt_record(void)
{
	struct tb t;
	build_good(&t, 30, false);
	/* a snapshot that announces 3 entries but holds one */
	struct grw_snap_hdr h = {.t_ns = 31 * 100000000ull, .rss_bytes = 1, .n = 3};
	size_t r = grw_enc_snapshot_begin(&t.rec, &h);
	struct grw_snap_entry e = {0, 1, 0, 1, 1, 0};
	grw_enc_snapshot_entry(&t.rec, &e);
	grw_enc_snapshot_entry(&t.rec, &e);
	grw_enc_snapshot_entry(&t.rec, &e);
	grw_rec_end(&t.rec, r);
	t.rec.data[r + 1] -= 12; /* payload length: cut the last entries off */
	t.rec.len -= 12;
	tb_flush(&t);
	const char *path = write_file("corrupt_record.zst", t.file.data, t.file.len);

	struct grw_model m;
	char err[640];
	CHECK_EQ_U(grw_model_load(&m, path, err, sizeof err), 0);
	CHECK_EQ_U(m.read.end, GRW_READ_CORRUPT);
	CHECK(m.truncated);
	CHECK_EQ_U(m.snapshots, 30);
	CHECK(strstr(m.read.where, "corrupt record 35 (SNAPSHOT) at byte ") != NULL);
	CHECK(strstr(m.read.where, "frame 32") != NULL);
	CHECK(strstr(m.ending, "trace is corrupt after 3.0 s") != NULL);
	grw_model_free(&m);

	/* a record cut at the end of its frame (records never span frames) */
	struct tb t2;
	build_good(&t2, 5, false);
	size_t good = t2.file.len;
	grw_enc_note(&t2.rec, 1, "this note is cut");
	t2.rec.len -= 4;
	tb_flush(&t2);
	path = write_file("record_spans_frames.zst", t2.file.data, t2.file.len);
	CHECK_EQ_U(grw_model_load(&m, path, err, sizeof err), 0);
	CHECK_EQ_U(m.read.end, GRW_READ_CORRUPT);
	CHECK(strstr(m.read.where, "past the end of its frame") != NULL);
	CHECK_EQ_U(m.snapshots, 5);
	grw_model_free(&m);

	/* garbage and zeros after the last good frame */
	grw_buf_reserve(&t2.file, 4096);
	for (int i = 0; i < 4096; i++)
		t2.file.data[good + (size_t)i] = (uint8_t)(i * 37 + 11);
	path = write_file("garbage_tail.zst", t2.file.data, good + 4096);
	CHECK_EQ_U(grw_model_load(&m, path, err, sizeof err), 0);
	CHECK_EQ_U(m.read.end, GRW_READ_CORRUPT);
	CHECK(strstr(m.read.where, "corrupt zstd data") != NULL);
	grw_model_free(&m);
	memset(t2.file.data + good, 0, 4096);
	path = write_file("zero_tail.zst", t2.file.data, good + 4096);
	CHECK_EQ_U(grw_model_load(&m, path, err, sizeof err), 0);
	CHECK_EQ_U(m.read.end, GRW_READ_CORRUPT);
	grw_model_free(&m);

	/* a snapshot naming a site id far past any SITE record */
	struct tb t3;
	build_good(&t3, 3, false);
	uint64_t live[1] = {1};
	struct grw_snap_hdr h3 = {.t_ns = 4 * 100000000ull, .n = 1};
	r = grw_enc_snapshot_begin(&t3.rec, &h3);
	struct grw_snap_entry far = {1u << 30, 1, 0, 1, 1, 0};
	grw_enc_snapshot_entry(&t3.rec, &far);
	grw_rec_end(&t3.rec, r);
	(void)live;
	tb_flush(&t3);
	path = write_file("site_id_far.zst", t3.file.data, t3.file.len);
	CHECK_EQ_U(grw_model_load(&m, path, err, sizeof err), 0);
	CHECK_EQ_U(m.read.end, GRW_READ_CORRUPT);
	CHECK_EQ_U(m.nsites, 2);
	grw_model_free(&m);

	tb_free(&t);
	tb_free(&t2);
	tb_free(&t3);
}

static void test_rejects(void)
{
	static uint8_t buf[65536];
	const char *p;

	p = write_file("empty.zst", buf, 0);
	expect_reject(p, "empty file");

	p = write_file("zeros.zst", buf, sizeof buf);
	expect_reject(p, "not a growth trace (not zstd data)");

	srand(7);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	p = write_file("random.zst", buf, sizeof buf);
	expect_reject(p, "not a growth trace (not zstd data)");

	p = write_file("tiny.zst", "\x28\xb5", 2);
	expect_reject(p, "not zstd data");

	const char text[] = "hello, this is a zstd stream but not a growth trace";
	size_t n = ZSTD_compress(buf, sizeof buf, text, sizeof text, 1);
	p = write_file("foreign.zst", buf, n);
	expect_reject(p, "not a growth trace (foreign zstd stream)");

	/* a short foreign frame (under 8 bytes decompressed) */
	n = ZSTD_compress(buf, sizeof buf, "hi", 2, 1);
	p = write_file("foreign_short.zst", buf, n);
	expect_reject(p, "foreign zstd stream");

	char missing[300];
	snprintf(missing, sizeof missing, "%s/does-not-exist.zst", dir);
	expect_reject(missing, "cannot open");
	expect_reject(dir, "cannot read"); /* a directory */

	/* magic, then a record that is not HEADER */
	struct tb t;
	tb_init(&t);
	grw_enc_magic(&t.rec);
	grw_enc_note(&t.rec, 0, "first");
	tb_flush(&t);
	p = write_file("no_header.zst", t.file.data, t.file.len);
	expect_reject(p, "not HEADER");
	tb_free(&t);

	/* magic, then garbage */
	tb_init(&t);
	grw_enc_magic(&t.rec);
	grw_buf_put(&t.rec, "\xff\xff\xff\xff\xff\xff", 6);
	tb_flush(&t);
	p = write_file("bad_record.zst", t.file.data, t.file.len);
	expect_reject(p, "corrupt record 1 at byte 8");
	tb_free(&t);

	/* only the magic */
	tb_init(&t);
	grw_enc_magic(&t.rec);
	tb_flush(&t);
	p = write_file("magic_only.zst", t.file.data, t.file.len);
	expect_reject(p, "no HEADER record");
	tb_free(&t);

	/* a newer format version */
	tb_init(&t);
	put_header(&t, GRW_TRACE_VERSION + 1, 0);
	tb_flush(&t);
	p = write_file("newer.zst", t.file.data, t.file.len);
	expect_reject(p, "newer than this growth reads");
	tb_free(&t);
}

/* A frame larger than the cap: rejected as the first frame, partial after valid data. */
static void test_frame_cap(void)
{
	struct tb t;
	build_good(&t, 5, false);
	static uint8_t zeros[1 << 20];
	size_t r = grw_rec_begin(&t.rec, 99); /* an unknown type: readers skip it */
	grw_buf_put(&t.rec, zeros, sizeof zeros);
	grw_buf_put(&t.rec, zeros, sizeof zeros);
	grw_rec_end(&t.rec, r);
	tb_flush(&t);
	const char *p = write_file("big_frame.zst", t.file.data, t.file.len);

	struct counts c;
	struct grw_read_info info;
	char err[640];
	CHECK_EQ_U(read_counts(p, 0, &c, &info, err, sizeof err), 0);
	CHECK_EQ_U(info.end, GRW_READ_COMPLETE); /* 2 MiB is fine by default */
	CHECK_EQ_U(c.by_type[0], 1);             /* the unknown record was handed over */
	CHECK_EQ_U(read_counts(p, 1 << 20, &c, &info, err, sizeof err), 0);
	CHECK_EQ_U(info.end, GRW_READ_CORRUPT);
	CHECK(strstr(info.where, "decompresses to more than 1 MiB") != NULL);
	CHECK_EQ_U(c.by_type[GRW_REC_SNAPSHOT], 5);
	tb_free(&t);
}

/* dlclose, then another library at the same address: each site resolves to the library that
 * was there when its SITE record was read. */
static void test_module_reuse(void)
{
	struct tb t;
	tb_init(&t);
	put_header(&t, GRW_TRACE_VERSION, 0);
	put_modules(&t, 0, "/lib/liba.so");
	put_site(&t, 0, 10, LIBA_BASE + 0x100, PROG_BASE + 0x1100);
	tb_flush(&t);
	put_modules(&t, 5, "/lib/libb.so");
	put_site(&t, 1, 20, LIBA_BASE + 0x100, PROG_BASE + 0x1100);
	put_modules(&t, 6, "/lib/liba.so"); /* liba again at the same base: same module */
	put_site(&t, 2, 30, LIBA_BASE + 0x100, PROG_BASE + 0x1100);
	tb_flush(&t);
	const char *p = write_file("module_reuse.zst", t.file.data, t.file.len);

	struct grw_model m;
	char err[640];
	CHECK_EQ_U(grw_model_load(&m, p, err, sizeof err), 0);
	CHECK_EQ_U(m.nmodules, 3);
	CHECK_EQ_U(m.module_maps, 3);
	CHECK_EQ_U(m.nsites, 3);
	CHECK(strcmp(m.modules[m.sites[0].frames[0].module].path, "/lib/liba.so") == 0);
	CHECK(strcmp(m.modules[m.sites[1].frames[0].module].path, "/lib/libb.so") == 0);
	CHECK_EQ_U(m.sites[2].frames[0].module, m.sites[0].frames[0].module);
	CHECK_EQ_U(m.sites[1].frames[0].offset, 0x100);
	CHECK_EQ_U(m.sites[1].frames[1].module, 0);
	CHECK(m.truncated); /* no END */
	grw_model_free(&m);
	tb_free(&t);
}

/* A site that grows for 10 s, then stays flat for 60 s and is absent from the snapshots of
 * that time (they list changed sites only): it is not growing at the end, though it was
 * flagged while it grew. */
static void test_plateau_sparse(void)
{
	struct tb t;
	tb_init(&t);
	put_header(&t, GRW_TRACE_VERSION, 0);
	put_modules(&t, 0, "/lib/liba.so");
	put_site(&t, 0, 1000, PROG_BASE + 0x1234, PROG_BASE + 0x1100);
	put_site(&t, 1, 1000, PROG_BASE + 0x1238, PROG_BASE + 0x1100);
	tb_flush(&t);
	for (int i = 1; i <= 700; i++) {
		uint64_t live[2] = {i <= 100 ? (uint64_t)i * 10001 : UINT64_MAX,
				    (uint64_t)(i % 7) * 1000};
		put_snap(&t, (uint64_t)i * 100000000ull, 1000000, live, 2);
		if (i % 10 == 0)
			tb_flush(&t);
	}
	struct grw_end e = {700 * 100000000ull, GRW_END_EXIT};
	grw_enc_end(&t.rec, &e);
	tb_flush(&t);
	const char *p = write_file("plateau.zst", t.file.data, t.file.len);

	struct grw_model m;
	char err[640];
	CHECK_EQ_U(grw_model_load(&m, p, err, sizeof err), 0);
	CHECK(!m.truncated);
	CHECK(!m.sites[0].verdict.growing);
	CHECK(m.sites[0].flagged_at_s > 0 && m.sites[0].flagged_at_s <= 10.0);
	CHECK_EQ_U(m.sites[0].live_bytes, 100 * 10001);
	CHECK(!m.sites[1].verdict.growing);
	CHECK(m.sites[1].flagged_at_s < 0);
	/* the flat stretch got points: the series reaches the end of the trace */
	CHECK_NEAR(m.sites[0].series.pts[m.sites[0].series.n - 1].t_s, 70.0, 0.01);
	grw_model_free(&m);
	tb_free(&t);
}

/* The JSON report: the contract's fields, and untrusted strings escaped into valid JSON. */
static void test_json(void)
{
	struct tb t;
	exe_path = "/tmp/a\"b\\c\x01\n\xff\xc3\xa9";
	build_good(&t, 40, true);
	exe_path = "/opt/x/prog";
	const char *p = write_file("json.zst", t.file.data, t.file.len);
	struct grw_model m;
	char err[640];
	CHECK_EQ_U(grw_model_load(&m, p, err, sizeof err), 0);
	struct grw_symbolizer *sym = grw_sym_new(&m, NULL);
	CHECK(sym != NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct grw_report_opts o = {.trace_path = p};
	CHECK_EQ_U(grw_report_json(f, &m, sym, &o), 0);
	fclose(f);
	static const char *want[] = {
		"{\"version\":1,",
		"\"process\":{\"pid\":4242,",
		"\"exe\":\"/tmp/a\\\"b\\\\c\\u0001\\n\\u00ff\xc3\xa9\"",
		"\"truncated\":false,",
		"\"end_reason\":\"exit\"",
		"\"memory_limit_bytes\":67108864,",
		"\"rss\":{\"peak_bytes\":10400040,\"end_bytes\":10400040,",
		"\"sites\":[{\"id\":0,\"kind\":\"heap\",\"go_runtime\":false,\"growing\":true,"
		"\"pattern\":\"growing\",",
		"\"live_bytes_end\":400040,\"peak_live_bytes\":400040,",
		"\"frames\":[{\"function\":null,\"file\":null,\"line\":null,\"module\":\"/opt/x/prog\","
		"\"address\":\"0x555500001234\",\"offset\":\"0x1234\"",
		"{\"id\":1,\"kind\":\"heap\",\"go_runtime\":false,\"growing\":false,"
		"\"pattern\":\"steady\",\"flagged_at_s\":null,",
		"\"time_to_limit_s\":null,",
		"\"argv\":[\"prog\",\"--flag\"]",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (!strstr(buf, want[i]))
			fprintf(stderr, "  JSON lacks %s\n", want[i]);
		CHECK(strstr(buf, want[i]) != NULL);
	}
	size_t raw_ctl = 0; /* raw control characters are not valid JSON */
	for (size_t i = 0; i + 1 < len; i++)
		raw_ctl += (unsigned char)buf[i] < 0x20;
	CHECK_EQ_U(raw_ctl, 0);
	CHECK(buf[len - 1] == '\n' && strchr(buf, '\n') == buf + len - 1);
	free(buf);

	/* the text report says where a truncated trace ends, before anything else */
	buf = NULL;
	len = 0;
	f = open_memstream(&buf, &len);
	grw_model_free(&m);
	grw_sym_free(sym);
	struct tb t2;
	build_good(&t2, 40, false);
	p = write_file("json_noend.zst", t2.file.data, t2.file.len);
	CHECK_EQ_U(grw_model_load(&m, p, err, sizeof err), 0);
	sym = grw_sym_new(&m, NULL);
	CHECK_EQ_U(grw_report_text(f, &m, sym, &o), 0);
	fclose(f);
	CHECK(strncmp(buf, "TRUNCATED: trace ends at 4.0 s without an end record", 52) == 0);
	CHECK(strstr(buf, "GROWING: 1 site") != NULL);
	free(buf);
	grw_sym_free(sym);
	grw_model_free(&m);
	tb_free(&t);
	tb_free(&t2);
}

/* Only for --write: many sites over a long trace, to time the analyzer by hand. */
static void write_big(void)
{
	struct tb t;
	enum { NSITES = 5000, NSNAP = 3600 };
	tb_init(&t);
	put_header(&t, GRW_TRACE_VERSION, 1ull << 30);
	put_modules(&t, 0, "/lib/liba.so");
	for (int i = 0; i < NSITES; i++)
		put_site(&t, (uint64_t)i, 1000, PROG_BASE + 0x1000 + (uint64_t)i, PROG_BASE + 0x1100);
	tb_flush(&t);
	static uint64_t live[NSITES];
	for (int s = 1; s <= NSNAP; s++) {
		for (int i = 0; i < NSITES; i++) {
			if (i % 100 == 0) /* 1 in 100 grows */
				live[i] = (uint64_t)s * 2000 + (uint64_t)i;
			else if (i % 3 == 0) /* a third churns */
				live[i] = (uint64_t)((s * 7 + i) % 50) * 100;
			else
				live[i] = s == 1 ? 4096 : UINT64_MAX;
		}
		put_snap(&t, (uint64_t)s * 1000000000ull, 100000000 + (uint64_t)s * 100000, live,
			 NSITES);
		tb_flush(&t);
	}
	struct grw_end e = {(uint64_t)NSNAP * 1000000000ull, GRW_END_EXIT};
	grw_enc_end(&t.rec, &e);
	tb_flush(&t);
	write_file("big.zst", t.file.data, t.file.len);
	tb_free(&t);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write") == 0) {
		write_dir = argv[2];
		mkdir(write_dir, 0700);
	}
	snprintf(dir, sizeof dir, "%s/test_reader.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}

	test_good();
	test_truncated();
	test_corrupt_record();
	test_rejects();
	test_frame_cap();
	test_module_reuse();
	test_plateau_sparse();
	test_json();
	if (write_dir)
		write_big();

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_summary("test_reader");
}
