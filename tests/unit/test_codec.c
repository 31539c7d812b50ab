/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of common/trace_codec.c: every record type round-trips through the encoder and the
 * decoder, varint edge cases, and hostile input (truncation at every byte, lengths beyond the
 * buffer, oversized strings, unknown types). Truncated inputs are copied into exact-size heap
 * blocks, so under ASan any read past the end is reported.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trace_codec.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers */

static void *test_realloc(void *p, size_t old_cap, size_t new_cap)
{
	(void)old_cap;
	return realloc(p, new_cap);
}

static void *failing_realloc(void *p, size_t old_cap, size_t new_cap)
{
	(void)p;
	(void)old_cap;
	(void)new_cap;
	return NULL;
}

static struct grw_buf buf_new(void)
{
	struct grw_buf b = {0};
	b.realloc_fn = test_realloc;
	return b;
}

static void buf_free(struct grw_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

/* An exact-size heap copy of p[0..n): ASan flags a read of p[n]. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	if (n)
		memcpy(q, p, n);
	return q;
}

static int str_eq(const char *s, uint32_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* Takes the single record at the start of b (no magic): its type and payload. */
static int only_record(const struct grw_buf *b, uint8_t *type, struct grw_cur *payload)
{
	struct grw_cur s = grw_cur_make(b->data, b->len);
	int r = grw_dec_record(&s, type, payload);
	if (r != 1)
		return -1;
	uint8_t next_type;
	struct grw_cur next;
	if (grw_dec_record(&s, &next_type, &next) != 0) /* nothing after it */
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Full decoders: decode a whole payload of each type, reading every field; 0 or -EBADMSG. */

static int full_header(struct grw_cur c)
{
	struct grw_hdr h;
	const char *s;
	uint32_t len;
	if (grw_dec_header(&c, &h))
		return -EBADMSG;
	for (uint64_t i = 0; i < h.argc; i++)
		if (grw_dec_str(&c, &s, &len))
			return -EBADMSG;
	return grw_dec_str(&c, &s, &len);
}

static int full_modules(struct grw_cur c)
{
	uint64_t t, count;
	struct grw_module m;
	struct grw_segment segs[8];
	if (grw_dec_modules_begin(&c, &t, &count))
		return -EBADMSG;
	for (uint64_t i = 0; i < count; i++)
		if (grw_dec_module(&c, &m, segs, 8))
			return -EBADMSG;
	return 0;
}

static int full_site(struct grw_cur c)
{
	static struct grw_site_rec s;
	return grw_dec_site(&c, &s);
}

static int full_snapshot(struct grw_cur c)
{
	struct grw_snap_hdr h;
	struct grw_snap_entry e;
	if (grw_dec_snapshot_begin(&c, &h))
		return -EBADMSG;
	for (uint64_t i = 0; i < h.n; i++)
		if (grw_dec_snapshot_entry(&c, h.nfields, &e))
			return -EBADMSG;
	return 0;
}

static int full_end(struct grw_cur c)
{
	struct grw_end e;
	return grw_dec_end(&c, &e);
}

static int full_warn(struct grw_cur c)
{
	struct grw_warn w;
	return grw_dec_warn(&c, &w);
}

static int full_note(struct grw_cur c)
{
	uint64_t t;
	const char *s;
	uint32_t len;
	return grw_dec_note(&c, &t, &s, &len);
}

static int full_payload(uint8_t type, struct grw_cur c)
{
	switch (type) {
	case GRW_REC_HEADER:
		return full_header(c);
	case GRW_REC_MODULES:
		return full_modules(c);
	case GRW_REC_SITE:
		return full_site(c);
	case GRW_REC_SNAPSHOT:
		return full_snapshot(c);
	case GRW_REC_END:
		return full_end(c);
	case GRW_REC_WARN:
		return full_warn(c);
	case GRW_REC_NOTE:
		return full_note(c);
	default:
		return -EINVAL;
	}
}

/*
 * The record in b decodes whole; every proper prefix of its payload fails cleanly in the typed
 * decoder, and every proper prefix of the record fails in grw_dec_record.
 */
static void check_truncations(const struct grw_buf *b)
{
	uint8_t type;
	struct grw_cur payload;
	CHECK(only_record(b, &type, &payload) == 0);
	size_t n = grw_cur_left(&payload);
	CHECK(full_payload(type, payload) == 0);

	int payload_ok = 1;
	for (size_t k = 0; k < n; k++) {
		uint8_t *p = dup_exact(payload.p, k);
		if (full_payload(type, grw_cur_make(p, k)) != -EBADMSG) {
			payload_ok = 0;
			fprintf(stderr, "record type %u: payload cut at %zu of %zu decoded\n", type, k,
				n);
		}
		free(p);
	}
	CHECK(payload_ok);

	int record_ok = 1;
	for (size_t k = 1; k < b->len; k++) {
		uint8_t *p = dup_exact(b->data, k);
		struct grw_cur s = grw_cur_make(p, k), pl;
		uint8_t t;
		if (grw_dec_record(&s, &t, &pl) != -EBADMSG || s.err != -EBADMSG)
			record_ok = 0;
		free(p);
	}
	CHECK(record_ok);
}

/* ------------------------------------------------------------------------------------------ */
/* Varints */

static void test_varint_roundtrip(void)
{
	static const struct {
		uint64_t v;
		size_t len;
	} cases[] = {
		{0, 1},
		{1, 1},
		{127, 1},
		{128, 2},
		{16383, 2},
		{16384, 3},
		{UINT32_MAX, 5},
		{(uint64_t)1 << 56, 9},
		{((uint64_t)1 << 63) - 1, 9},
		{(uint64_t)1 << 63, 10},
		{UINT64_MAX, 10},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct grw_buf b = buf_new();
		grw_buf_put_varint(&b, cases[i].v);
		CHECK(!b.oom);
		CHECK_EQ_U(b.len, cases[i].len);
		uint8_t *p = dup_exact(b.data, b.len);
		struct grw_cur c = grw_cur_make(p, b.len);
		uint64_t v = 12345;
		CHECK(grw_dec_varint(&c, &v) == 0);
		CHECK_EQ_U(v, cases[i].v);
		CHECK_EQ_U(grw_cur_left(&c), 0);
		/* Every strict prefix is a truncated varint. */
		for (size_t k = 0; k < b.len; k++) {
			struct grw_cur t = grw_cur_make(p, k);
			CHECK(grw_dec_varint(&t, &v) == -EBADMSG);
			CHECK(t.err == -EBADMSG);
		}
		free(p);
		buf_free(&b);
	}
	/* Specific encodings. */
	struct grw_buf b = buf_new();
	grw_buf_put_varint(&b, 128);
	CHECK(b.len == 2 && b.data[0] == 0x80 && b.data[1] == 0x01);
	buf_free(&b);
	b = buf_new();
	grw_buf_put_varint(&b, UINT64_MAX);
	CHECK(b.len == 10 && b.data[9] == 0x01);
	buf_free(&b);
}

static void test_varint_malformed(void)
{
	uint64_t v;
	/* 11 bytes: ten continuation bytes and a terminator. */
	static const uint8_t overlong11[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					     0x80, 0x80, 0x80, 0x80, 0x00};
	uint8_t *p = dup_exact(overlong11, sizeof overlong11);
	struct grw_cur c = grw_cur_make(p, sizeof overlong11);
	CHECK(grw_dec_varint(&c, &v) == -EBADMSG);
	free(p);

	/* Ten bytes whose tenth carries more than the top bit of a 64-bit value. */
	static const uint8_t tenth2[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
	p = dup_exact(tenth2, sizeof tenth2);
	c = grw_cur_make(p, sizeof tenth2);
	CHECK(grw_dec_varint(&c, &v) == -EBADMSG);
	free(p);

	static const uint8_t tenth7f[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
	p = dup_exact(tenth7f, sizeof tenth7f);
	c = grw_cur_make(p, sizeof tenth7f);
	CHECK(grw_dec_varint(&c, &v) == -EBADMSG);
	free(p);

	/* The tenth byte == 1 is the largest legal one. */
	static const uint8_t tenth1[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	p = dup_exact(tenth1, sizeof tenth1);
	c = grw_cur_make(p, sizeof tenth1);
	CHECK(grw_dec_varint(&c, &v) == 0);
	CHECK_EQ_U(v, UINT64_MAX);
	free(p);

	/* Once failed, a cursor stays failed, even for bytes that would decode. */
	static const uint8_t then_good[] = {0x80};
	p = dup_exact(then_good, 1);
	c = grw_cur_make(p, 1);
	CHECK(grw_dec_varint(&c, &v) == -EBADMSG);
	c.p = p; /* even pointed back at data */
	uint8_t u8;
	CHECK(grw_dec_varint(&c, &v) == -EBADMSG);
	CHECK(grw_dec_u8(&c, &u8) == -EBADMSG);
	free(p);

	/* u8 at the end */
	c = grw_cur_make(NULL, 0);
	CHECK(grw_dec_u8(&c, &u8) == -EBADMSG);
}

static void test_zigzag(void)
{
	static const int64_t cases[] = {0, 1, -1, 63, -64, 64, -65, INT32_MAX, INT32_MIN,
					INT64_MAX, INT64_MIN, INT64_MIN + 1};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct grw_buf b = buf_new();
		grw_buf_put_zigzag(&b, cases[i]);
		struct grw_cur c = grw_cur_make(b.data, b.len);
		int64_t v = 42;
		CHECK(grw_dec_zigzag(&c, &v) == 0);
		CHECK(v == cases[i]);
		CHECK_EQ_U(grw_cur_left(&c), 0);
		buf_free(&b);
	}
	/* Small magnitudes stay small either way. */
	struct grw_buf b = buf_new();
	grw_buf_put_zigzag(&b, -1);
	CHECK(b.len == 1 && b.data[0] == 1);
	buf_free(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* Records */

static void test_header(void)
{
	char arg0[] = "/usr/bin/app", arg1[] = "--flag=1", arg2[1] = "", arg3[300];
	memset(arg3, 'a', sizeof arg3 - 1);
	arg3[sizeof arg3 - 1] = 0;
	char *argv[] = {arg0, arg1, arg2, arg3, NULL};
	struct grw_hdr h = {
		.version = GRW_TRACE_VERSION,
		.flags = GRW_HDR_FLAG_LITTLE_ENDIAN | GRW_HDR_FLAG_SAMPLED,
		.pointer_size = 8,
		.pid = 4194304,
		.ppid = 1,
		.start_unix_ns = 1700000000123456789ull,
		.page_size = 4096,
		.mem_limit_bytes = 8ull << 30,
		.mem_limit_source = GRW_LIMIT_CGROUP2,
		.interval_ms = 250,
		.max_depth = 32,
		.sample_bytes = 0,
		.exe = "/usr/bin/app-with-a-long-name",
		.exe_len = (uint32_t)strlen("/usr/bin/app-with-a-long-name"),
		.argc = 4,
	};
	struct grw_buf b = buf_new();
	grw_enc_header(&b, &h, argv, "0.1.0");
	CHECK(!b.oom);
	CHECK_EQ_U(b.data[0], GRW_REC_HEADER);

	uint8_t type;
	struct grw_cur c;
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK_EQ_U(type, GRW_REC_HEADER);
	struct grw_hdr d;
	CHECK(grw_dec_header(&c, &d) == 0);
	CHECK_EQ_U(d.version, h.version);
	CHECK_EQ_U(d.flags, h.flags);
	CHECK_EQ_U(d.pointer_size, 8);
	CHECK_EQ_U(d.pid, h.pid);
	CHECK_EQ_U(d.ppid, h.ppid);
	CHECK_EQ_U(d.start_unix_ns, h.start_unix_ns);
	CHECK_EQ_U(d.page_size, 4096);
	CHECK_EQ_U(d.mem_limit_bytes, h.mem_limit_bytes);
	CHECK_EQ_U(d.mem_limit_source, GRW_LIMIT_CGROUP2);
	CHECK_EQ_U(d.interval_ms, 250);
	CHECK_EQ_U(d.max_depth, 32);
	CHECK_EQ_U(d.sample_bytes, 0);
	CHECK(str_eq(d.exe, d.exe_len, "/usr/bin/app-with-a-long-name"));
	CHECK_EQ_U(d.argc, 4);
	for (uint64_t i = 0; i < d.argc; i++) {
		const char *s = NULL;
		uint32_t len = 0;
		CHECK(grw_dec_str(&c, &s, &len) == 0);
		CHECK(str_eq(s, len, argv[i]));
	}
	const char *ver;
	uint32_t ver_len;
	CHECK(grw_dec_str(&c, &ver, &ver_len) == 0);
	CHECK(str_eq(ver, ver_len, "0.1.0"));
	CHECK_EQ_U(grw_cur_left(&c), 0);
	check_truncations(&b);
	buf_free(&b);

	/* A null exe and no arguments. */
	struct grw_hdr e = {.version = 1};
	b = buf_new();
	grw_enc_header(&b, &e, NULL, "");
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK(grw_dec_header(&c, &d) == 0);
	CHECK_EQ_U(d.exe_len, 0);
	CHECK_EQ_U(d.argc, 0);
	CHECK(grw_dec_str(&c, &ver, &ver_len) == 0 && ver_len == 0);
	buf_free(&b);

	/* argc larger than the bytes left cannot be real. */
	b = buf_new();
	size_t r = grw_rec_begin(&b, GRW_REC_HEADER);
	for (int i = 0; i < 12; i++)
		grw_buf_put_varint(&b, 1);
	grw_buf_put_str(&b, "x", 1);
	grw_buf_put_varint(&b, 1000); /* argc */
	grw_buf_put_str(&b, "only-one", 8);
	grw_rec_end(&b, r);
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK(grw_dec_header(&c, &d) == -EBADMSG);
	buf_free(&b);
}

static void test_modules(void)
{
	static const uint8_t id1[20] = {0xde, 0xad, 0xbe, 0xef, 1,  2,  3,  4,  5,  6,
					7,    8,    9,    10,   11, 12, 13, 14, 15, 0};
	static const uint8_t id2[8] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
	struct grw_segment segs1[4] = {
		{0, 0x1234, 4},
		{0x2000, 0x5678, 5},
		{0x9000, 0x100, 6},
		{0xfffffffffff000ull, 1ull << 40, 6},
	};
	struct grw_segment segs2[1] = {{0x1000, 0x2000, 5}};
	struct grw_module mods[3] = {
		{"/home/u/app", 11, id1, sizeof id1, 0x555555554000ull, 4},
		{"/lib/x86_64-linux-gnu/libc.so.6", 31, id2, sizeof id2, 0x7ffff7d00000ull, 1},
		{"linux-vdso.so.1", 15, NULL, 0, 0, 0},
	};
	const struct grw_segment *segs[3] = {segs1, segs2, NULL};

	struct grw_buf b = buf_new();
	size_t r = grw_enc_modules_begin(&b, 987654321, 3);
	for (int i = 0; i < 3; i++)
		grw_enc_module(&b, &mods[i], segs[i]);
	grw_rec_end(&b, r);
	CHECK(!b.oom);

	uint8_t type;
	struct grw_cur c;
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK_EQ_U(type, GRW_REC_MODULES);
	uint64_t t, count;
	CHECK(grw_dec_modules_begin(&c, &t, &count) == 0);
	CHECK_EQ_U(t, 987654321);
	CHECK_EQ_U(count, 3);
	for (int i = 0; i < 3; i++) {
		struct grw_module m;
		struct grw_segment out[4];
		memset(out, 0xaa, sizeof out);
		CHECK(grw_dec_module(&c, &m, out, 4) == 0);
		CHECK(m.path_len == mods[i].path_len && !memcmp(m.path, mods[i].path, m.path_len));
		CHECK_EQ_U(m.build_id_len, mods[i].build_id_len);
		CHECK(m.build_id_len == 0 || !memcmp(m.build_id, mods[i].build_id, m.build_id_len));
		CHECK_EQ_U(m.base, mods[i].base);
		CHECK_EQ_U(m.nseg, mods[i].nseg);
		for (uint64_t s = 0; s < m.nseg; s++) {
			CHECK_EQ_U(out[s].vaddr, segs[i][s].vaddr);
			CHECK_EQ_U(out[s].memsz, segs[i][s].memsz);
			CHECK_EQ_U(out[s].flags, segs[i][s].flags);
		}
	}
	CHECK_EQ_U(grw_cur_left(&c), 0);
	check_truncations(&b);

	/* A caller with room for fewer segments gets the first ones and the true count. */
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK(grw_dec_modules_begin(&c, &t, &count) == 0);
	struct grw_module m;
	struct grw_segment two[2];
	CHECK(grw_dec_module(&c, &m, two, 2) == 0);
	CHECK_EQ_U(m.nseg, 4);
	CHECK_EQ_U(two[1].vaddr, 0x2000);
	CHECK(grw_dec_module(&c, &m, two, 2) == 0); /* the cursor skipped the other two */
	CHECK(str_eq(m.path, m.path_len, "/lib/x86_64-linux-gnu/libc.so.6"));
	CHECK(grw_dec_module(&c, &m, NULL, 0) == 0);
	CHECK_EQ_U(grw_cur_left(&c), 0);
	buf_free(&b);

	/* A module count the payload cannot hold. */
	b = buf_new();
	r = grw_enc_modules_begin(&b, 0, 1000000);
	grw_enc_module(&b, &mods[2], NULL);
	grw_rec_end(&b, r);
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK(grw_dec_modules_begin(&c, &t, &count) == -EBADMSG);
	buf_free(&b);

	/* A segment count the payload cannot hold. */
	b = buf_new();
	r = grw_enc_modules_begin(&b, 0, 1);
	grw_buf_put_str(&b, "/x", 2);
	grw_buf_put_str(&b, "", 0);
	grw_buf_put_varint(&b, 0);
	grw_buf_put_varint(&b, UINT64_MAX); /* nseg */
	for (int i = 0; i < 6; i++)
		grw_buf_put_varint(&b, 1);
	grw_rec_end(&b, r);
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK(grw_dec_modules_begin(&c, &t, &count) == 0);
	CHECK(grw_dec_module(&c, &m, two, 2) == -EBADMSG);
	buf_free(&b);
}

static void roundtrip_site(const struct grw_site_rec *s, int truncations)
{
	struct grw_buf b = buf_new();
	grw_enc_site(&b, s);
	CHECK(!b.oom);
	uint8_t type;
	struct grw_cur c;
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK_EQ_U(type, GRW_REC_SITE);
	static struct grw_site_rec d;
	memset(&d, 0x5a, sizeof d);
	CHECK(grw_dec_site(&c, &d) == 0);
	CHECK_EQ_U(d.id, s->id);
	CHECK_EQ_U(d.kind, s->kind);
	CHECK_EQ_U(d.t_ns, s->t_ns);
	CHECK_EQ_U(d.depth, s->depth);
	CHECK_EQ_U(d.flags, s->flags);
	int same = 1;
	for (uint64_t i = 0; i < s->depth; i++)
		same &= d.frames[i] == s->frames[i];
	CHECK(same);
	CHECK_EQ_U(grw_cur_left(&c), 0);
	if (truncations)
		check_truncations(&b);
	buf_free(&b);
}

static void test_sites(void)
{
	static struct grw_site_rec s;

	/* depth 0 */
	memset(&s, 0, sizeof s);
	s.id = 0;
	s.kind = GRW_KIND_HEAP;
	roundtrip_site(&s, 1);

	/* a typical stack, small deltas */
	s.id = 17;
	s.kind = GRW_KIND_MMAP;
	s.t_ns = 5000000000ull;
	s.depth = 5;
	uint64_t typical[] = {0x5555555551a9, 0x5555555551f0, 0x555555555100, 0x7ffff7dd3d90,
			      0x7ffff7dd3e40};
	memcpy(s.frames, typical, sizeof typical);
	roundtrip_site(&s, 1);

	/* flags follow the frames; a payload without them (every older trace) decodes as flags 0 */
	s.flags = GRW_SITE_FLAG_GO_RUNTIME;
	roundtrip_site(&s, 0); /* cut before the flags, the payload is a valid older one */
	s.flags = 0;

	/* extreme deltas both ways: 0 <-> UINT64_MAX wraps, and large jumps up and down */
	s.depth = 8;
	uint64_t wild[] = {UINT64_MAX, 0,  UINT64_MAX, 1, 0x7fffffffffffffffull,
			   0x8000000000000000ull, 0x1000, 0xffffffffff600000ull};
	memcpy(s.frames, wild, sizeof wild);
	s.id = UINT64_MAX;
	s.t_ns = UINT64_MAX;
	roundtrip_site(&s, 1);

	/* the format's maximum depth */
	s.id = 123456;
	s.depth = GRW_MAX_DEPTH;
	for (int i = 0; i < GRW_MAX_DEPTH; i++)
		s.frames[i] = (i % 3 == 0) ? 0x7f0000000000ull + (uint64_t)i * 77777
					    : 0x400000ull + (uint64_t)i * 13;
	roundtrip_site(&s, 1);

	/* The encoder clamps a deeper stack; the decoder rejects a record that claims one. */
	struct grw_buf b = buf_new();
	size_t r = grw_rec_begin(&b, GRW_REC_SITE);
	grw_buf_put_varint(&b, 1);
	grw_buf_put_varint(&b, 0);
	grw_buf_put_varint(&b, 0);
	grw_buf_put_varint(&b, GRW_MAX_DEPTH + 1);
	for (int i = 0; i <= GRW_MAX_DEPTH; i++)
		grw_buf_put_varint(&b, 1);
	grw_rec_end(&b, r);
	uint8_t type;
	struct grw_cur c;
	CHECK(only_record(&b, &type, &c) == 0);
	static struct grw_site_rec d;
	CHECK(grw_dec_site(&c, &d) == -EBADMSG);
	buf_free(&b);
}

static void test_snapshots(void)
{
	enum { N = 5000 };
	struct grw_snap_hdr h = {
		.t_ns = 123456789012ull,
		.rss_bytes = 3ull << 30,
		.vm_bytes = 1ull << 47,
		.untracked_allocs = 3,
		.untracked_bytes = 4096,
		.nfields = GRW_SNAP_FIELDS_V1,
		.n = N,
	};
	struct grw_buf b = buf_new();
	size_t r = grw_enc_snapshot_begin(&b, &h);
	for (uint64_t i = 0; i < N; i++) {
		struct grw_snap_entry e = {
			.site_delta = i % 7,
			.allocs = i * 1000003,
			.frees = i * 999983,
			.alloc_bytes = i << 32,
			.live_bytes = i == N - 1 ? UINT64_MAX : i * 4096,
			.reserved_bytes = i % 2 ? 0 : i,
		};
		grw_enc_snapshot_entry(&b, &e);
	}
	grw_rec_end(&b, r);
	CHECK(!b.oom);

	uint8_t type;
	struct grw_cur c;
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK_EQ_U(type, GRW_REC_SNAPSHOT);
	struct grw_snap_hdr d;
	CHECK(grw_dec_snapshot_begin(&c, &d) == 0);
	CHECK_EQ_U(d.t_ns, h.t_ns);
	CHECK_EQ_U(d.rss_bytes, h.rss_bytes);
	CHECK_EQ_U(d.vm_bytes, h.vm_bytes);
	CHECK_EQ_U(d.untracked_allocs, 3);
	CHECK_EQ_U(d.untracked_bytes, 4096);
	CHECK_EQ_U(d.nfields, GRW_SNAP_FIELDS_V1);
	CHECK_EQ_U(d.n, N);
	int same = 1;
	for (uint64_t i = 0; i < N; i++) {
		struct grw_snap_entry e;
		if (grw_dec_snapshot_entry(&c, d.nfields, &e)) {
			same = 0;
			break;
		}
		same &= e.site_delta == i % 7 && e.allocs == i * 1000003 && e.frees == i * 999983 &&
			e.alloc_bytes == i << 32 &&
			e.live_bytes == (i == N - 1 ? UINT64_MAX : i * 4096) &&
			e.reserved_bytes == (i % 2 ? 0 : i);
	}
	CHECK(same);
	CHECK_EQ_U(grw_cur_left(&c), 0);
	buf_free(&b);

	/* A small one, cut at every byte. */
	h.n = 3;
	b = buf_new();
	r = grw_enc_snapshot_begin(&b, &h);
	for (uint64_t i = 0; i < 3; i++) {
		struct grw_snap_entry e = {i, 1000 + i, i, 1ull << 40, 300 + i, 0};
		grw_enc_snapshot_entry(&b, &e);
	}
	grw_rec_end(&b, r);
	check_truncations(&b);
	buf_free(&b);

	/* A newer writer's snapshot: nfields 9, the three unknown fields are skipped. */
	b = buf_new();
	r = grw_rec_begin(&b, GRW_REC_SNAPSHOT);
	uint64_t fixed[] = {1000, 2000, 3000, 0, 0, 9, 2};
	for (size_t i = 0; i < 7; i++)
		grw_buf_put_varint(&b, fixed[i]);
	uint64_t entries[2][9] = {
		{4, 10, 5, 1000, 500, 0, UINT64_MAX, 77, 1ull << 62},
		{0, 20, 1, 2000, 1900, 8192, 1, 2, 3},
	};
	for (int e = 0; e < 2; e++)
		for (int f = 0; f < 9; f++)
			grw_buf_put_varint(&b, entries[e][f]);
	grw_rec_end(&b, r);
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK(grw_dec_snapshot_begin(&c, &d) == 0);
	CHECK_EQ_U(d.nfields, 9);
	CHECK_EQ_U(d.n, 2);
	struct grw_snap_entry e;
	CHECK(grw_dec_snapshot_entry(&c, d.nfields, &e) == 0);
	CHECK(e.site_delta == 4 && e.allocs == 10 && e.frees == 5 && e.alloc_bytes == 1000 &&
	      e.live_bytes == 500 && e.reserved_bytes == 0);
	CHECK(grw_dec_snapshot_entry(&c, d.nfields, &e) == 0);
	CHECK(e.site_delta == 0 && e.allocs == 20 && e.frees == 1 && e.alloc_bytes == 2000 &&
	      e.live_bytes == 1900 && e.reserved_bytes == 8192);
	CHECK_EQ_U(grw_cur_left(&c), 0);
	check_truncations(&b);
	buf_free(&b);

	/* Field counts below V1 or absurdly high, and entry counts the payload cannot hold. */
	static const uint64_t bad[][2] = {{5, 1}, {0, 1}, {65, 1}, {UINT64_MAX, 1}, {6, 1000}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = buf_new();
		r = grw_rec_begin(&b, GRW_REC_SNAPSHOT);
		for (int f = 0; f < 5; f++)
			grw_buf_put_varint(&b, 0);
		grw_buf_put_varint(&b, bad[i][0]);
		grw_buf_put_varint(&b, bad[i][1]);
		for (int f = 0; f < 12; f++)
			grw_buf_put_varint(&b, 1);
		grw_rec_end(&b, r);
		CHECK(only_record(&b, &type, &c) == 0);
		CHECK(grw_dec_snapshot_begin(&c, &d) == -EBADMSG);
		buf_free(&b);
	}
}

static void test_end_warn_note(void)
{
	uint8_t type;
	struct grw_cur c;

	struct grw_end e = {.t_ns = 42424242424ull, .reason = GRW_END_CAP};
	struct grw_buf b = buf_new();
	grw_enc_end(&b, &e);
	CHECK(only_record(&b, &type, &c) == 0);
	CHECK_EQ_U(type, GRW_REC_END);
	struct grw_end de;
	CHECK(grw_dec_end(&c, &de) == 0);
	CHECK_EQ_U(de.t_ns, e.t_ns);
	CHECK_EQ_U(de.reason, GRW_END_CAP);
	check_truncations(&b);
	buf_free(&b);

	static const int64_t slopes[] = {-123456, INT64_MIN, INT64_MAX, 0, 1048576};
	for (size_t i = 0; i < sizeof slopes / sizeof slopes[0]; i++) {
		struct grw_warn w = {.t_ns = 7000000000ull + i,
				     .site_id = 99 + i,
				     .live_bytes = 1ull << 33,
				     .slope_bytes_per_s = slopes[i],
				     .time_to_limit_s = 3600};
		b = buf_new();
		grw_enc_warn(&b, &w);
		CHECK(only_record(&b, &type, &c) == 0);
		CHECK_EQ_U(type, GRW_REC_WARN);
		struct grw_warn dw;
		CHECK(grw_dec_warn(&c, &dw) == 0);
		CHECK_EQ_U(dw.t_ns, w.t_ns);
		CHECK_EQ_U(dw.site_id, w.site_id);
		CHECK_EQ_U(dw.live_bytes, w.live_bytes);
		CHECK(dw.slope_bytes_per_s == slopes[i]);
		CHECK_EQ_U(dw.time_to_limit_s, 3600);
		check_truncations(&b);
		buf_free(&b);
	}

	const char *texts[] = {"trace size cap reached", ""};
	for (int i = 0; i < 2; i++) {
		b = buf_new();
		grw_enc_note(&b, 555, texts[i]);
		CHECK(only_record(&b, &type, &c) == 0);
		CHECK_EQ_U(type, GRW_REC_NOTE);
		uint64_t t;
		const char *s;
		uint32_t len;
		CHECK(grw_dec_note(&c, &t, &s, &len) == 0);
		CHECK_EQ_U(t, 555);
		CHECK(str_eq(s, len, texts[i]));
		check_truncations(&b);
		buf_free(&b);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Streams and hostile input */

static void test_stream(void)
{
	struct grw_buf b = buf_new();
	grw_enc_magic(&b);
	struct grw_hdr h = {.version = GRW_TRACE_VERSION, .argc = 1};
	char prog[] = "prog";
	char *argv[] = {prog, NULL};
	grw_enc_header(&b, &h, argv, "0.1.0");
	size_t r = grw_enc_modules_begin(&b, 1, 0);
	grw_rec_end(&b, r);
	static struct grw_site_rec s = {.id = 0, .depth = 2, .frames = {0x1000, 0x2000}};
	grw_enc_site(&b, &s);
	struct grw_snap_hdr sh = {.t_ns = 2, .nfields = GRW_SNAP_FIELDS_V1, .n = 1};
	r = grw_enc_snapshot_begin(&b, &sh);
	grw_enc_snapshot_entry(&b, &(struct grw_snap_entry){0, 1, 0, 10001, 10001, 0});
	grw_rec_end(&b, r);
	/* A record type this reader does not know, with a payload: it is returned, to be skipped. */
	r = grw_rec_begin(&b, (enum grw_rec_type)200);
	grw_buf_put(&b, "future", 6);
	grw_rec_end(&b, r);
	grw_enc_warn(&b, &(struct grw_warn){3, 0, 10001, -5, 0});
	grw_enc_note(&b, 4, "hello");
	grw_enc_end(&b, &(struct grw_end){5, GRW_END_EXIT});
	CHECK(!b.oom);

	static const uint8_t want[] = {GRW_REC_HEADER, GRW_REC_MODULES, GRW_REC_SITE,
				       GRW_REC_SNAPSHOT, 200, GRW_REC_WARN, GRW_REC_NOTE,
				       GRW_REC_END};
	uint8_t *p = dup_exact(b.data, b.len);
	struct grw_cur st = grw_cur_make(p, b.len);
	CHECK(grw_dec_magic(&st) == 0);
	size_t i = 0;
	uint8_t type;
	struct grw_cur pl;
	int ret;
	while ((ret = grw_dec_record(&st, &type, &pl)) == 1) {
		CHECK(i < sizeof want);
		if (i < sizeof want)
			CHECK_EQ_U(type, want[i]);
		if (type == 200) {
			CHECK_EQ_U(grw_cur_left(&pl), 6);
			CHECK(!memcmp(pl.p, "future", 6));
		} else {
			CHECK(full_payload(type, pl) == 0);
		}
		i++;
	}
	CHECK_EQ_U(ret, 0);
	CHECK_EQ_U(i, sizeof want);
	/* At a clean end, asking again still says "end". */
	CHECK(grw_dec_record(&st, &type, &pl) == 0);

	/* Cut the stream at every byte: whole records before the cut decode, then a clean error
	 * (or a clean end when the cut falls exactly between records). */
	size_t bounds[16], nb = 0;
	st = grw_cur_make(p, b.len);
	grw_dec_magic(&st);
	bounds[nb++] = (size_t)(st.p - p);
	while (grw_dec_record(&st, &type, &pl) == 1)
		bounds[nb++] = (size_t)(st.p - p);
	int ok = 1;
	for (size_t k = GRW_TRACE_MAGIC_LEN; k < b.len; k++) {
		uint8_t *q = dup_exact(p, k);
		struct grw_cur t = grw_cur_make(q, k);
		if (grw_dec_magic(&t))
			ok = 0;
		size_t whole = 0;
		while ((ret = grw_dec_record(&t, &type, &pl)) == 1)
			whole++;
		int at_boundary = 0;
		size_t expect_whole = 0;
		for (size_t j = 0; j < nb; j++) {
			if (bounds[j] <= k)
				expect_whole = j;
			if (bounds[j] == k)
				at_boundary = 1;
		}
		if (whole != expect_whole || ret != (at_boundary ? 0 : -EBADMSG))
			ok = 0;
		free(q);
	}
	CHECK(ok);
	free(p);
	buf_free(&b);
}

static void test_magic(void)
{
	struct grw_cur c = grw_cur_make("GRWTRACE", 8);
	CHECK(grw_dec_magic(&c) == 0);
	CHECK_EQ_U(grw_cur_left(&c), 0);
	c = grw_cur_make("GRWTRACX", 8);
	CHECK(grw_dec_magic(&c) == -EBADMSG);
	uint8_t *p = dup_exact((const uint8_t *)"GRWTRAC", 7);
	c = grw_cur_make(p, 7);
	CHECK(grw_dec_magic(&c) == -EBADMSG);
	free(p);
	c = grw_cur_make(NULL, 0);
	CHECK(grw_dec_magic(&c) == -EBADMSG);
	c = grw_cur_make("hi\n", 3);
	CHECK(grw_dec_magic(&c) == -EBADMSG);
}

static void test_record_lengths(void)
{
	uint8_t type;
	struct grw_cur pl;

	/* Empty stream: a clean end. */
	struct grw_cur s = grw_cur_make(NULL, 0);
	CHECK(grw_dec_record(&s, &type, &pl) == 0);

	/* A length beyond the buffer. */
	uint8_t rec[] = {GRW_REC_NOTE, 100, 0, 0, 0, 1, 2, 3, 4, 5};
	uint8_t *p = dup_exact(rec, sizeof rec);
	s = grw_cur_make(p, sizeof rec);
	CHECK(grw_dec_record(&s, &type, &pl) == -EBADMSG);
	CHECK(grw_dec_record(&s, &type, &pl) == -EBADMSG); /* and stays failed */
	free(p);

	/* Exactly the buffer: fine. */
	uint8_t exact[] = {GRW_REC_NOTE, 5, 0, 0, 0, 1, 2, 3, 4, 5};
	p = dup_exact(exact, sizeof exact);
	s = grw_cur_make(p, sizeof exact);
	CHECK(grw_dec_record(&s, &type, &pl) == 1);
	CHECK_EQ_U(grw_cur_left(&pl), 5);
	CHECK(grw_dec_record(&s, &type, &pl) == 0);
	free(p);

	/* One byte short. */
	p = dup_exact(exact, sizeof exact - 1);
	s = grw_cur_make(p, sizeof exact - 1);
	CHECK(grw_dec_record(&s, &type, &pl) == -EBADMSG);
	free(p);

	/* Lengths near and past the limits, including 32-bit wrap-around bait. */
	static const uint32_t lens[] = {GRW_REC_MAX_LEN + 1, UINT32_MAX, UINT32_MAX - 4,
					UINT32_MAX - GRW_REC_HDR_LEN + 1};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		uint8_t h[16] = {GRW_REC_SITE, (uint8_t)lens[i], (uint8_t)(lens[i] >> 8),
				 (uint8_t)(lens[i] >> 16), (uint8_t)(lens[i] >> 24)};
		p = dup_exact(h, sizeof h);
		s = grw_cur_make(p, sizeof h);
		CHECK(grw_dec_record(&s, &type, &pl) == -EBADMSG);
		free(p);
	}

	/* Fewer bytes than a record header. */
	for (size_t k = 1; k < GRW_REC_HDR_LEN; k++) {
		p = dup_exact(exact, k);
		s = grw_cur_make(p, k);
		CHECK(grw_dec_record(&s, &type, &pl) == -EBADMSG);
		free(p);
	}

	/* A zero-length payload is a whole record; its typed decoder then fails cleanly. */
	uint8_t empty[] = {GRW_REC_END, 0, 0, 0, 0};
	s = grw_cur_make(empty, sizeof empty);
	CHECK(grw_dec_record(&s, &type, &pl) == 1);
	CHECK_EQ_U(grw_cur_left(&pl), 0);
	struct grw_end e;
	CHECK(grw_dec_end(&pl, &e) == -EBADMSG);
}

static void test_strings(void)
{
	const char *s;
	uint32_t len;

	/* Exactly GRW_MAX_STR is fine; one more is rejected even though the bytes are there. */
	size_t n = GRW_MAX_STR + 16;
	char *big = malloc(n);
	memset(big, 'q', n);
	struct grw_buf b = buf_new();
	grw_buf_put_varint(&b, GRW_MAX_STR);
	grw_buf_put(&b, big, GRW_MAX_STR);
	struct grw_cur c = grw_cur_make(b.data, b.len);
	CHECK(grw_dec_str(&c, &s, &len) == 0);
	CHECK_EQ_U(len, GRW_MAX_STR);
	CHECK_EQ_U(grw_cur_left(&c), 0);
	buf_free(&b);

	b = buf_new();
	grw_buf_put_varint(&b, GRW_MAX_STR + 1);
	grw_buf_put(&b, big, GRW_MAX_STR + 1);
	c = grw_cur_make(b.data, b.len);
	CHECK(grw_dec_str(&c, &s, &len) == -EBADMSG);
	buf_free(&b);

	b = buf_new();
	grw_buf_put_varint(&b, UINT64_MAX);
	grw_buf_put(&b, big, 64);
	c = grw_cur_make(b.data, b.len);
	CHECK(grw_dec_str(&c, &s, &len) == -EBADMSG);
	buf_free(&b);

	/* A length beyond the bytes left. */
	uint8_t short_str[] = {10, 'a', 'b', 'c'};
	uint8_t *p = dup_exact(short_str, sizeof short_str);
	c = grw_cur_make(p, sizeof short_str);
	CHECK(grw_dec_str(&c, &s, &len) == -EBADMSG);
	free(p);

	/* The encoder never writes what the decoder would reject: it clamps. */
	b = buf_new();
	grw_buf_put_str(&b, big, n);
	c = grw_cur_make(b.data, b.len);
	CHECK(grw_dec_str(&c, &s, &len) == 0);
	CHECK_EQ_U(len, GRW_MAX_STR);
	buf_free(&b);

	/* skip */
	uint8_t five[] = {1, 2, 3, 4, 5};
	c = grw_cur_make(five, 5);
	CHECK(grw_dec_skip(&c, 5) == 0);
	CHECK_EQ_U(grw_cur_left(&c), 0);
	c = grw_cur_make(five, 5);
	CHECK(grw_dec_skip(&c, 6) == -EBADMSG);
	CHECK(grw_dec_skip(&c, 0) == -EBADMSG); /* failed cursor */
	free(big);
}

static void test_buffer_oom(void)
{
	struct grw_buf b = {0};
	b.realloc_fn = failing_realloc;
	grw_buf_put_varint(&b, 1);
	CHECK(b.oom);
	CHECK_EQ_U(b.len, 0);
	CHECK(grw_buf_reserve(&b, 1) == -ENOMEM);
	grw_enc_end(&b, &(struct grw_end){1, 0});
	CHECK_EQ_U(b.len, 0);

	struct grw_buf none = {0}; /* no allocator at all */
	grw_buf_put_u8(&none, 1);
	CHECK(none.oom);

	/* Failing after some growth: what was written stays, later appends are dropped. */
	b = buf_new();
	grw_buf_put(&b, "abc", 3);
	CHECK(!b.oom);
	b.realloc_fn = failing_realloc;
	char chunk[8192] = {0};
	grw_buf_put(&b, chunk, sizeof chunk);
	CHECK(b.oom);
	CHECK_EQ_U(b.len, 3);
	CHECK(!memcmp(b.data, "abc", 3));
	size_t r = grw_rec_begin(&b, GRW_REC_NOTE);
	grw_rec_end(&b, r); /* must not patch bytes it never wrote */
	CHECK_EQ_U(b.len, 3);
	buf_free(&b);

	/* Growth past the first allocation keeps contents. */
	b = buf_new();
	for (int i = 0; i < 100000; i++)
		grw_buf_put_varint(&b, (uint64_t)i);
	CHECK(!b.oom);
	struct grw_cur c = grw_cur_make(b.data, b.len);
	int same = 1;
	for (int i = 0; i < 100000; i++) {
		uint64_t v;
		same &= grw_dec_varint(&c, &v) == 0 && v == (uint64_t)i;
	}
	CHECK(same);
	buf_free(&b);
}

int main(void)
{
	test_varint_roundtrip();
	test_varint_malformed();
	test_zigzag();
	test_header();
	test_modules();
	test_sites();
	test_snapshots();
	test_end_warn_note();
	test_stream();
	test_magic();
	test_record_lengths();
	test_strings();
	test_buffer_oom();
	return check_summary("test_codec");
}
