/* SPDX-License-Identifier: MIT */
/*
 * The trace reader: one streaming pass over a trace file, zstd frame by zstd frame, handing each
 * record of each *complete* frame to a callback. Memory is one input buffer and one frame buffer
 * (capped), never the whole trace. It never trusts the input: every failure becomes one line of
 * text naming the file and the byte offset, and a torn or corrupt tail ends the pass cleanly
 * after the last good data.
 */
#ifndef GRW_READER_H
#define GRW_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_codec.h"

/* One record as handed to the callback. */
struct grw_rec {
	uint8_t type;            /* enum grw_rec_type, or an unknown type a later version added */
	struct grw_cur payload;  /* the payload bytes, valid during the callback only */
	uint64_t offset;         /* byte offset of the record header in the decompressed stream */
	uint64_t index;          /* record number, from 1 */
	uint64_t frame;          /* zstd frame number, from 1 */
	uint64_t file_offset;    /* byte offset of that frame in the file */
	const char *why;         /* the callback may set this when it returns -EBADMSG */
};

/* Returns 0 to go on, GRW_READ_STOP to end the pass here (not an error: e.g. only the header
 * was wanted), -EBADMSG when the payload is corrupt (reading stops there, set r->why), or
 * another negative errno for a fatal error (e.g. -ENOMEM). */
#define GRW_READ_STOP 1
typedef int (*grw_rec_fn)(void *ctx, struct grw_rec *r);

enum grw_read_end {
	GRW_READ_COMPLETE = 0, /* the file ends at a frame boundary */
	GRW_READ_TORN = 1,     /* the last frame is incomplete: the writer was killed mid-write */
	GRW_READ_CORRUPT = 2,  /* reading stopped at corrupt data after valid records */
};

struct grw_read_opts {
	size_t max_frame_bytes; /* decompressed bytes per frame at most; 0 = GRW_READ_MAX_FRAME */
};

#define GRW_READ_MAX_FRAME ((size_t)512 << 20)

struct grw_read_info {
	uint64_t file_bytes;      /* bytes read from the file */
	uint64_t good_file_bytes; /* file bytes of the complete frames that were decoded */
	uint64_t frames;          /* complete frames decoded */
	uint64_t records;         /* records handed to the callback and accepted */
	uint64_t stream_bytes;    /* decompressed bytes of the complete frames */
	enum grw_read_end end;
	char where[512];          /* TORN, CORRUPT: one sentence saying where reading stopped */
};

/*
 * Reads the trace at path ("-" = standard input) and calls fn for each record, in order,
 * starting with the HEADER (checked here: present first, version supported). Returns 0 when
 * usable data was read (info->end says whether all of it), or a negative errno when nothing
 * usable could be read: then err holds one line, "growth: FILE: ..." without a newline.
 * Not thread-safe on a shared info; otherwise no global state.
 */
int grw_trace_read(const char *path, const struct grw_read_opts *opts, grw_rec_fn fn, void *ctx,
		   struct grw_read_info *info, char *err, size_t err_len);

/* The record type's name ("HEADER", ...), or "UNKNOWN". */
const char *grw_rec_type_name(unsigned type);

#endif
