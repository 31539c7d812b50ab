/* SPDX-License-Identifier: MIT */
/*
 * Streaming trace reader (see reader.h, docs/format.md). A trace is a sequence of zstd frames;
 * one frame is decompressed into a buffer and its records are parsed only once the frame is
 * complete (ZSTD_decompressStream returned 0), so a frame torn by SIGKILL is dropped whole.
 * Records are decoded with the bounds-checked codec only; nothing here reads a byte by hand
 * except the 4-byte zstd magic sniff.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

const char *grw_rec_type_name(unsigned type)
{
	switch (type) {
	case GRW_REC_HEADER:
		return "HEADER";
	case GRW_REC_MODULES:
		return "MODULES";
	case GRW_REC_SITE:
		return "SITE";
	case GRW_REC_SNAPSHOT:
		return "SNAPSHOT";
	case GRW_REC_END:
		return "END";
	case GRW_REC_WARN:
		return "WARN";
	case GRW_REC_NOTE:
		return "NOTE";
	}
	return "UNKNOWN";
}

/* State of one pass. */
struct rd {
	const char *path;
	int fd;
	grw_rec_fn fn;
	void *ctx;
	struct grw_read_info *info;
	char *err;
	size_t err_len;
	size_t max_frame;

	uint8_t *fb;         /* the current frame's decompressed bytes */
	size_t fb_len, fb_cap;
	uint64_t frame_file_off; /* file offset where the current frame starts */
	bool header_seen;    /* the HEADER was accepted: from here on, failures are partial */
	bool magic_checked;
};

static void set_err(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct rd *r, const char *fmt, ...)
{
	int n = snprintf(r->err, r->err_len, "growth: %s: ", r->path);
	if (n < 0 || (size_t)n >= r->err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->err_len - (size_t)n, fmt, ap);
	va_end(ap);
}

static void set_where(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_where(struct rd *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->info->where, sizeof r->info->where, fmt, ap);
	va_end(ap);
}

/*
 * Reports corruption: before the HEADER was accepted it is fatal (-EBADMSG, err set);
 * afterwards the pass ends as CORRUPT with info->where set (returns 1 = stop, not an error).
 */
static int corrupt(struct rd *r, const char *what)
{
	if (!r->header_seen) {
		set_err(r, "%s", what);
		return -EBADMSG;
	}
	r->info->end = GRW_READ_CORRUPT;
	set_where(r, "reading stopped at %s; the analysis covers the data before it", what);
	return 1;
}

static int check_header(struct grw_rec *rec, char *why, size_t why_len)
{
	struct grw_cur c = rec->payload;
	struct grw_hdr h;
	if (grw_dec_header(&c, &h)) {
		snprintf(why, why_len, "malformed HEADER payload");
		return -EBADMSG;
	}
	if (h.version == 0) {
		snprintf(why, why_len, "HEADER says format version 0");
		return -EBADMSG;
	}
	if (h.version > GRW_TRACE_VERSION) {
		snprintf(why, why_len,
			 "trace format version %llu is newer than this growth reads (%d): "
			 "use a newer growth",
			 (unsigned long long)h.version, GRW_TRACE_VERSION);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Parses the records of one complete frame. Returns 0 to go on, 1 to stop (partial), <0 fatal. */
static int parse_frame(struct rd *r)
{
	struct grw_read_info *info = r->info;
	struct grw_cur s = grw_cur_make(r->fb, r->fb_len);
	uint64_t frame = info->frames + 1;
	char what[400];

	if (frame == 1) {
		if (grw_dec_magic(&s)) {
			set_err(r, "not a growth trace (foreign zstd stream)");
			return -EBADMSG;
		}
	}
	for (;;) {
		struct grw_rec rec;
		memset(&rec, 0, sizeof rec);
		rec.offset = info->stream_bytes + (uint64_t)(s.p - r->fb);
		rec.index = info->records + 1;
		rec.frame = frame;
		rec.file_offset = r->frame_file_off;
		size_t left = grw_cur_left(&s);
		int k = grw_dec_record(&s, &rec.type, &rec.payload);
		if (k == 0)
			break;
		if (k < 0) {
			snprintf(what, sizeof what,
				 "corrupt record %llu at byte %llu of the decompressed stream "
				 "(frame %llu at file offset %llu): %s",
				 (unsigned long long)rec.index, (unsigned long long)rec.offset,
				 (unsigned long long)frame, (unsigned long long)r->frame_file_off,
				 left < GRW_REC_HDR_LEN
					 ? "record header cut short at the end of its frame"
					 : "record length runs past the end of its frame");
			return corrupt(r, what);
		}
		if (!r->header_seen) {
			char why[200];
			int e = 0;
			if (rec.type != GRW_REC_HEADER) {
				snprintf(why, sizeof why, "the first record is %s (type %u), not HEADER",
					 grw_rec_type_name(rec.type), rec.type);
				e = -EBADMSG;
			} else {
				e = check_header(&rec, why, sizeof why);
			}
			if (e == -EPROTONOSUPPORT) {
				set_err(r, "%s", why);
				return e;
			}
			if (e) {
				set_err(r, "corrupt record %llu at byte %llu of the decompressed stream: %s",
					(unsigned long long)rec.index, (unsigned long long)rec.offset,
					why);
				return e;
			}
		}
		int e = r->fn(r->ctx, &rec);
		if (e == GRW_READ_STOP) {
			info->records++;
			r->header_seen = true;
			return 1;
		}
		if (e == -EBADMSG) {
			snprintf(what, sizeof what,
				 "corrupt record %llu (%s) at byte %llu of the decompressed stream "
				 "(frame %llu at file offset %llu): %s",
				 (unsigned long long)rec.index, grw_rec_type_name(rec.type),
				 (unsigned long long)rec.offset, (unsigned long long)frame,
				 (unsigned long long)r->frame_file_off,
				 rec.why ? rec.why : "malformed payload");
			return corrupt(r, what);
		}
		if (e < 0) {
			set_err(r, "record %llu at byte %llu of the decompressed stream: %s",
				(unsigned long long)rec.index, (unsigned long long)rec.offset,
				strerror(-e));
			return e;
		}
		info->records++;
		if (rec.type == GRW_REC_HEADER)
			r->header_seen = true;
	}
	info->frames++;
	info->stream_bytes += r->fb_len;
	return 0;
}

static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* Grows the frame buffer. Returns 0, 1 (stop: frame too large, partial) or <0 fatal. */
static int grow_frame(struct rd *r)
{
	if (r->fb_cap >= r->max_frame) {
		char what[300];
		snprintf(what, sizeof what,
			 "frame %llu at file offset %llu, which decompresses to more than %zu MiB "
			 "(not a frame growth writes)",
			 (unsigned long long)r->info->frames + 1,
			 (unsigned long long)r->frame_file_off, r->max_frame >> 20);
		return corrupt(r, what);
	}
	size_t cap = r->fb_cap ? r->fb_cap * 2 : (size_t)1 << 20;
	if (cap > r->max_frame)
		cap = r->max_frame;
	uint8_t *p = realloc(r->fb, cap);
	if (!p) {
		set_err(r, "out of memory for a %zu-byte frame", cap);
		return -ENOMEM;
	}
	r->fb = p;
	r->fb_cap = cap;
	return 0;
}

int grw_trace_read(const char *path, const struct grw_read_opts *opts, grw_rec_fn fn, void *ctx,
		   struct grw_read_info *info, char *err, size_t err_len)
{
	struct rd r;
	int ret = 0;
	uint8_t *in = NULL;
	ZSTD_DCtx *dctx = NULL;

	memset(info, 0, sizeof *info);
	if (err_len)
		err[0] = 0;
	memset(&r, 0, sizeof r);
	r.path = path;
	r.fn = fn;
	r.ctx = ctx;
	r.info = info;
	r.err = err;
	r.err_len = err_len;
	r.max_frame = opts && opts->max_frame_bytes ? opts->max_frame_bytes : GRW_READ_MAX_FRAME;

	if (strcmp(path, "-") == 0) {
		r.fd = STDIN_FILENO;
	} else {
		r.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r.fd < 0) {
			ret = -errno;
			set_err(&r, "cannot open: %s", strerror(errno));
			goto out;
		}
	}

	size_t in_cap = ZSTD_DStreamInSize();
	in = malloc(in_cap);
	dctx = ZSTD_createDCtx();
	if (!in || !dctx) {
		ret = -ENOMEM;
		set_err(&r, "out of memory");
		goto out_close;
	}

	/* Sniff the zstd magic (or a skippable frame's) before handing bytes to zstd, so that
	 * "not zstd at all" and "zstd, but not ours" get different messages. */
	ssize_t n = read_full(r.fd, in, in_cap);
	if (n < 0) {
		ret = -errno;
		set_err(&r, "cannot read: %s", strerror(errno));
		goto out_close;
	}
	if (n == 0) {
		ret = -ENODATA;
		set_err(&r, "empty file (not a growth trace, or the process was killed before its "
			     "first flush)");
		goto out_close;
	}
	uint32_t m = 0;
	if (n >= 4)
		m = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
		    (uint32_t)in[3] << 24;
	if (n < 4 || (m != ZSTD_MAGICNUMBER &&
		      (m & ZSTD_MAGIC_SKIPPABLE_MASK) != ZSTD_MAGIC_SKIPPABLE_START)) {
		ret = -EBADMSG;
		set_err(&r, "not a growth trace (not zstd data)");
		goto out_close;
	}

	uint64_t file_off = 0;    /* file offset of in[0] */
	bool mid_frame = false;   /* input consumed since the last frame ended */
	for (;;) {
		ZSTD_inBuffer zin = {in, (size_t)n, 0};
		bool out_full = false;
		while (zin.pos < zin.size || out_full) {
			if (r.fb_len == r.fb_cap) {
				int e = grow_frame(&r);
				if (e) {
					ret = e < 0 ? e : 0;
					goto out_close;
				}
			}
			ZSTD_outBuffer zout = {r.fb + r.fb_len, r.fb_cap - r.fb_len, 0};
			size_t before = zin.pos;
			size_t z = ZSTD_decompressStream(dctx, &zout, &zin);
			if (ZSTD_isError(z)) {
				char what[300];
				snprintf(what, sizeof what,
					 "corrupt zstd data in frame %llu at file offset %llu (%s)",
					 (unsigned long long)info->frames + 1,
					 (unsigned long long)r.frame_file_off, ZSTD_getErrorName(z));
				if (info->frames == 0 && !r.magic_checked) {
					set_err(&r, "not a growth trace (%s)", what);
					ret = -EBADMSG;
					goto out_close;
				}
				int e = corrupt(&r, what);
				ret = e < 0 ? e : 0;
				goto out_close;
			}
			if (zin.pos > before || zout.pos > 0)
				mid_frame = true;
			r.fb_len += zout.pos;
			out_full = zout.pos == zout.size && zout.size > 0;
			/* Check the magic as soon as the first frame has 8 bytes, so a large foreign
			 * zstd file is rejected without decompressing it. */
			if (info->frames == 0 && !r.magic_checked && r.fb_len >= GRW_TRACE_MAGIC_LEN) {
				if (memcmp(r.fb, GRW_TRACE_MAGIC, GRW_TRACE_MAGIC_LEN) != 0) {
					set_err(&r, "not a growth trace (foreign zstd stream)");
					ret = -EBADMSG;
					goto out_close;
				}
				r.magic_checked = true;
			}
			if (z == 0) {
				/* A frame ended. A skippable frame decompresses to nothing; skip it. */
				if (r.fb_len > 0 || info->frames > 0) {
					int e = parse_frame(&r);
					if (e) {
						ret = e < 0 ? e : 0;
						goto out_close;
					}
				}
				r.fb_len = 0;
				r.frame_file_off = file_off + zin.pos;
				info->good_file_bytes = r.frame_file_off;
				mid_frame = false;
				out_full = false;
			}
		}
		file_off += (uint64_t)n;
		info->file_bytes = file_off;
		n = read_full(r.fd, in, in_cap);
		if (n < 0) {
			ret = -errno;
			set_err(&r, "cannot read at file offset %llu: %s",
				(unsigned long long)file_off, strerror(errno));
			goto out_close;
		}
		if (n == 0)
			break;
	}

	if (info->frames == 0) {
		if (r.fb_len >= GRW_TRACE_MAGIC_LEN || !mid_frame) {
			/* Only skippable frames, or a frame that ended without our magic. */
			set_err(&r, "not a growth trace (foreign zstd stream)");
			ret = -EBADMSG;
		} else {
			set_err(&r, "the trace has no complete zstd frame (%llu bytes; the process "
				     "was killed during its first flush)",
				(unsigned long long)file_off);
			ret = -ENODATA;
		}
		goto out_close;
	}
	if (!r.header_seen) {
		set_err(&r, "the trace has no HEADER record");
		ret = -EBADMSG;
		goto out_close;
	}
	if (mid_frame) {
		info->end = GRW_READ_TORN;
		set_where(&r,
			  "the last frame (frame %llu at file offset %llu, %llu of %llu file bytes) "
			  "is incomplete and was dropped",
			  (unsigned long long)info->frames + 1, (unsigned long long)r.frame_file_off,
			  (unsigned long long)(file_off - r.frame_file_off),
			  (unsigned long long)file_off);
	}

out_close:
	if (r.fd > STDIN_FILENO)
		close(r.fd);
out:
	ZSTD_freeDCtx(dctx);
	free(in);
	free(r.fb);
	return ret;
}
