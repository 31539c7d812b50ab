/* SPDX-License-Identifier: MIT */
/*
 * `growth dump TRACE`: every record of a trace as one line of text (module entries and
 * snapshot entries on indented lines below their record), then a line saying where and how the
 * trace ends. A debugging aid: it interprets nothing beyond decoding.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "reader.h"
#include "util.h"

const char grw_dump_help[] =
	"usage: growth dump TRACE\n\n"
	"Prints every record of a growth trace, one per line: the header, module maps, sites with\n"
	"their frames (hex return addresses), snapshots with their entries, warnings, notes and the\n"
	"end record, then where the trace ends (complete, torn last frame, or corrupt data).\n"
	"Each line starts with the record number and its byte offset in the decompressed stream.\n\n"
	"examples:\n"
	"  growth dump growth.server.1234.zst\n"
	"  growth dump growth.server.1234.zst | grep -c SNAPSHOT\n"
	"  growth dump trace.zst | grep 'SITE id=17 '\n\n"
	"exit status: 0 when the trace was read (even if truncated), 2 when it cannot be read.\n";

struct dump {
	FILE *out;
	uint64_t frame;     /* last frame announced */
	bool end_seen;
	struct grw_end end;
};

static const char *kind_name(uint64_t k)
{
	return k == GRW_KIND_HEAP ? "heap" : k == GRW_KIND_MMAP ? "mmap" : "unknown";
}

static double secs(uint64_t t_ns)
{
	return (double)t_ns / 1e9;
}

static int dump_header(struct dump *d, struct grw_rec *r)
{
	FILE *f = d->out;
	struct grw_hdr h;
	if (grw_dec_header(&r->payload, &h)) {
		r->why = "malformed HEADER payload";
		return -EBADMSG;
	}
	fprintf(f,
		" version=%" PRIu64 " flags=0x%" PRIx64 "%s%s pointer_size=%" PRIu64 " pid=%" PRIu64
		" ppid=%" PRIu64 " start_unix_ns=%" PRIu64 " page_size=%" PRIu64
		" mem_limit_bytes=%" PRIu64 " limit_source=%s interval_ms=%" PRIu64
		" max_depth=%" PRIu64 " sample_bytes=%" PRIu64 " exe=",
		h.version, h.flags, h.flags & GRW_HDR_FLAG_LITTLE_ENDIAN ? " little-endian" : "",
		h.flags & GRW_HDR_FLAG_SAMPLED ? " sampled" : "", h.pointer_size, h.pid, h.ppid,
		h.start_unix_ns, h.page_size, h.mem_limit_bytes, grw_limit_source_name(h.mem_limit_source),
		h.interval_ms, h.max_depth, h.sample_bytes);
	grw_fput_quoted(f, h.exe, h.exe_len);
	fprintf(f, " argc=%" PRIu64 " argv=[", h.argc);
	for (uint64_t i = 0; i < h.argc; i++) {
		const char *s;
		uint32_t n;
		if (grw_dec_str(&r->payload, &s, &n)) {
			fputs("]\n", f);
			r->why = "HEADER argv cut short";
			return -EBADMSG;
		}
		if (i)
			fputc(' ', f);
		grw_fput_quoted(f, s, n);
	}
	fputs("] growth_version=", f);
	const char *v = "";
	uint32_t vn = 0;
	if (grw_cur_left(&r->payload))
		grw_dec_str(&r->payload, &v, &vn);
	grw_fput_quoted(f, v, vn);
	fputc('\n', f);
	return 0;
}

static int dump_modules(struct dump *d, struct grw_rec *r)
{
	FILE *f = d->out;
	uint64_t t_ns, count;
	if (grw_dec_modules_begin(&r->payload, &t_ns, &count)) {
		r->why = "malformed MODULES payload";
		return -EBADMSG;
	}
	fprintf(f, " t=%.3fs count=%" PRIu64 "\n", secs(t_ns), count);
	for (uint64_t i = 0; i < count; i++) {
		struct grw_module m;
		struct grw_segment segs[16];
		if (grw_dec_module(&r->payload, &m, segs, 16)) {
			r->why = "malformed module entry";
			return -EBADMSG;
		}
		fprintf(f, "  module %" PRIu64 " path=", i);
		grw_fput_quoted(f, m.path, m.path_len);
		fputs(" build_id=", f);
		if (m.build_id_len)
			grw_fput_hex(f, m.build_id, m.build_id_len);
		else
			fputs("none", f);
		fprintf(f, " base=0x%" PRIx64 " segments=%" PRIu64 ":", m.base, m.nseg);
		for (uint64_t k = 0; k < m.nseg && k < 16; k++)
			fprintf(f, " [0x%" PRIx64 "+0x%" PRIx64 " %c%c%c]", segs[k].vaddr,
				segs[k].memsz, segs[k].flags & 4 ? 'r' : '-',
				segs[k].flags & 2 ? 'w' : '-', segs[k].flags & 1 ? 'x' : '-');
		if (m.nseg > 16)
			fprintf(f, " (+%" PRIu64 " more)", m.nseg - 16);
		fputc('\n', f);
	}
	return 0;
}

static int dump_site(struct dump *d, struct grw_rec *r)
{
	FILE *f = d->out;
	struct grw_site_rec s;
	if (grw_dec_site(&r->payload, &s)) {
		r->why = "malformed SITE payload";
		return -EBADMSG;
	}
	fprintf(f, " id=%" PRIu64 " kind=%s t=%.3fs depth=%" PRIu64 " frames=", s.id,
		kind_name(s.kind), secs(s.t_ns), s.depth);
	for (uint64_t i = 0; i < s.depth; i++)
		fprintf(f, "%s0x%" PRIx64, i ? " " : "", s.frames[i]);
	if (s.flags)
		fprintf(f, " flags=0x%" PRIx64 "%s", s.flags,
			s.flags & GRW_SITE_FLAG_GO_RUNTIME ? " (go-runtime)" : "");
	fputc('\n', f);
	return 0;
}

static int dump_snapshot(struct dump *d, struct grw_rec *r)
{
	FILE *f = d->out;
	struct grw_snap_hdr h;
	if (grw_dec_snapshot_begin(&r->payload, &h)) {
		r->why = "malformed SNAPSHOT header";
		return -EBADMSG;
	}
	fprintf(f,
		" t=%.3fs rss_bytes=%" PRIu64 " vm_bytes=%" PRIu64 " untracked_allocs=%" PRIu64
		" untracked_bytes=%" PRIu64 " nfields=%" PRIu64 " entries=%" PRIu64 "\n",
		secs(h.t_ns), h.rss_bytes, h.vm_bytes, h.untracked_allocs, h.untracked_bytes,
		h.nfields, h.n);
	uint64_t id = 0;
	for (uint64_t i = 0; i < h.n; i++) {
		struct grw_snap_entry e;
		if (grw_dec_snapshot_entry(&r->payload, h.nfields, &e)) {
			r->why = "snapshot entry cut short";
			return -EBADMSG;
		}
		id = (i == 0 ? 0 : id + 1) + e.site_delta;
		fprintf(f,
			"  site %" PRIu64 " allocs=%" PRIu64 " frees=%" PRIu64 " alloc_bytes=%" PRIu64
			" live_bytes=%" PRIu64 " reserved_bytes=%" PRIu64 "\n",
			id, e.allocs, e.frees, e.alloc_bytes, e.live_bytes, e.reserved_bytes);
	}
	return 0;
}

static int on_record(void *ctx, struct grw_rec *r)
{
	struct dump *d = ctx;
	FILE *f = d->out;

	if (r->frame != d->frame) {
		fprintf(f, "-- frame %" PRIu64 " at file offset %" PRIu64 "\n", r->frame,
			r->file_offset);
		d->frame = r->frame;
	}
	fprintf(f, "#%" PRIu64 " @%" PRIu64 " %s", r->index, r->offset, grw_rec_type_name(r->type));
	switch (r->type) {
	case GRW_REC_HEADER:
		return dump_header(d, r);
	case GRW_REC_MODULES:
		return dump_modules(d, r);
	case GRW_REC_SITE:
		return dump_site(d, r);
	case GRW_REC_SNAPSHOT:
		return dump_snapshot(d, r);
	case GRW_REC_END: {
		struct grw_end e;
		if (grw_dec_end(&r->payload, &e)) {
			fputc('\n', f);
			r->why = "malformed END payload";
			return -EBADMSG;
		}
		fprintf(f, " t=%.3fs reason=%s\n", secs(e.t_ns), grw_end_reason_name(e.reason));
		d->end_seen = true;
		d->end = e;
		return 0;
	}
	case GRW_REC_WARN: {
		struct grw_warn w;
		if (grw_dec_warn(&r->payload, &w)) {
			fputc('\n', f);
			r->why = "malformed WARN payload";
			return -EBADMSG;
		}
		fprintf(f,
			" t=%.3fs site=%" PRIu64 " live_bytes=%" PRIu64 " slope_bytes_per_s=%" PRId64
			" time_to_limit_s=%" PRIu64 "\n",
			secs(w.t_ns), w.site_id, w.live_bytes, w.slope_bytes_per_s, w.time_to_limit_s);
		return 0;
	}
	case GRW_REC_NOTE: {
		uint64_t t_ns;
		const char *s;
		uint32_t n;
		if (grw_dec_note(&r->payload, &t_ns, &s, &n)) {
			fputc('\n', f);
			r->why = "malformed NOTE payload";
			return -EBADMSG;
		}
		fprintf(f, " t=%.3fs text=", secs(t_ns));
		grw_fput_quoted(f, s, n);
		fputc('\n', f);
		return 0;
	}
	default:
		fprintf(f, " type=%u length=%zu (skipped)\n", r->type, grw_cur_left(&r->payload));
		return 0;
	}
}

int grw_cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(grw_dump_help, stdout);
			return GRW_EXIT_OK;
		default:
			return grw_usage_error("dump", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return grw_usage_error("dump", "missing TRACE");
	if (optind + 1 < argc)
		return grw_usage_error("dump", "unexpected argument '%s'", argv[optind + 1]);

	const char *path = argv[optind];
	struct dump d = {.out = stdout};
	struct grw_read_info info;
	char err[640];
	int e = grw_trace_read(path, NULL, on_record, &d, &info, err, sizeof err);
	fflush(stdout);
	if (e) {
		fprintf(stderr, "%s\n", err);
		return GRW_EXIT_USAGE;
	}
	printf("-- end: %" PRIu64 " frames, %" PRIu64 " records, %" PRIu64
	       " decompressed bytes, %" PRIu64 " of %" PRIu64 " file bytes decoded\n",
	       info.frames, info.records, info.stream_bytes, info.good_file_bytes, info.file_bytes);
	if (info.end != GRW_READ_COMPLETE)
		printf("-- %s: %s\n", info.end == GRW_READ_TORN ? "truncated" : "corrupt", info.where);
	if (d.end_seen)
		printf("-- END record at %.3f s, reason %s\n", secs(d.end.t_ns),
		       grw_end_reason_name(d.end.reason));
	else
		printf("-- no END record: the process was killed or crashed; data up to the last "
		       "flush\n");
	if (ferror(stdout)) {
		fprintf(stderr, "growth dump: error writing the output\n");
		return GRW_EXIT_USAGE;
	}
	return GRW_EXIT_OK;
}
