/* SPDX-License-Identifier: MIT */
/*
 * Encoder and decoder for the records of trace_format.h. The encoder appends to a growable
 * buffer whose allocator the caller chooses (the preload must not use the interposed malloc);
 * the decoder works on a (pointer, length) pair and checks every length against what remains:
 * it never trusts the input and never reads past the end. Nothing here does I/O or keeps state
 * beyond its arguments, so every function is thread-safe on distinct arguments.
 */
#ifndef GRW_TRACE_CODEC_H
#define GRW_TRACE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_format.h"

/* ------------------------------------------------------------------------------------------ */
/* Encoder */

/* A growable byte buffer. realloc_fn(ptr, old_cap, new_cap) returns the new block or NULL; on
 * failure the buffer sets oom and ignores further appends, so callers check once at the end. */
struct grw_buf {
	uint8_t *data;
	size_t len; /* bytes used */
	size_t cap; /* bytes allocated */
	bool oom;   /* an append failed; contents are incomplete */
	void *(*realloc_fn)(void *ptr, size_t old_cap, size_t new_cap);
};

/* Makes room for n more bytes. Returns 0 or -ENOMEM (and sets oom). */
int grw_buf_reserve(struct grw_buf *b, size_t n);
void grw_buf_put(struct grw_buf *b, const void *p, size_t n);
void grw_buf_put_u8(struct grw_buf *b, uint8_t v);
void grw_buf_put_varint(struct grw_buf *b, uint64_t v);
void grw_buf_put_zigzag(struct grw_buf *b, int64_t v);
void grw_buf_put_str(struct grw_buf *b, const char *s, size_t n);

/* Starts a record of the given type; returns the offset to pass to grw_rec_end, which patches
 * in the payload length. */
size_t grw_rec_begin(struct grw_buf *b, enum grw_rec_type type);
void grw_rec_end(struct grw_buf *b, size_t start);

/* Whole records. The header's argv and version follow grw_enc_header's fixed fields. */
void grw_enc_magic(struct grw_buf *b);
void grw_enc_header(struct grw_buf *b, const struct grw_hdr *h, char *const *argv,
		    const char *growth_version);
/* MODULES: begin with the count, then one grw_enc_module per module, then grw_rec_end. */
size_t grw_enc_modules_begin(struct grw_buf *b, uint64_t t_ns, uint64_t count);
void grw_enc_module(struct grw_buf *b, const struct grw_module *m, const struct grw_segment *segs);
void grw_enc_site(struct grw_buf *b, const struct grw_site_rec *s);
/* SNAPSHOT: begin with the header (h->n entries), then h->n entries, then grw_rec_end. */
size_t grw_enc_snapshot_begin(struct grw_buf *b, const struct grw_snap_hdr *h);
void grw_enc_snapshot_entry(struct grw_buf *b, const struct grw_snap_entry *e);
void grw_enc_end(struct grw_buf *b, const struct grw_end *e);
void grw_enc_warn(struct grw_buf *b, const struct grw_warn *w);
void grw_enc_note(struct grw_buf *b, uint64_t t_ns, const char *text);

/* ------------------------------------------------------------------------------------------ */
/* Decoder */

/* A read cursor. Every getter returns 0 or -EBADMSG (truncated, overlong varint, length beyond
 * the end); after the first error the cursor stays failed and further getters fail too. */
struct grw_cur {
	const uint8_t *p;
	const uint8_t *end;
	int err;
};

static inline struct grw_cur grw_cur_make(const void *p, size_t n)
{
	/* (An empty buffer may be NULL, and NULL + 0 is undefined: clang's UBSan says so.) */
	const uint8_t *b = p;
	struct grw_cur c = {b, n ? b + n : b, 0};
	return c;
}

static inline size_t grw_cur_left(const struct grw_cur *c)
{
	return (size_t)(c->end - c->p);
}

int grw_dec_u8(struct grw_cur *c, uint8_t *v);
int grw_dec_varint(struct grw_cur *c, uint64_t *v);
int grw_dec_zigzag(struct grw_cur *c, int64_t *v);
/* A string of at most GRW_MAX_STR bytes; *s points into the cursor's buffer (no NUL). */
int grw_dec_str(struct grw_cur *c, const char **s, uint32_t *len);
int grw_dec_skip(struct grw_cur *c, size_t n);

/* One record from a decompressed stream. Returns 1 with *type and *payload set, 0 at a clean
 * end of the stream, -EBADMSG when the bytes left are not a whole record or the length exceeds
 * GRW_REC_MAX_LEN. */
int grw_dec_record(struct grw_cur *stream, uint8_t *type, struct grw_cur *payload);

/* Checks the magic at the start of a stream. Returns 0 or -EBADMSG. */
int grw_dec_magic(struct grw_cur *c);

/* Typed payload decoders; each returns 0 or -EBADMSG. Pointers in the results point into the
 * payload. After grw_dec_header, the payload cursor is at argv: call grw_dec_str argc times,
 * then once more for the growth version (absent in a truncated header: treat as ""). */
int grw_dec_header(struct grw_cur *c, struct grw_hdr *h);
int grw_dec_modules_begin(struct grw_cur *c, uint64_t *t_ns, uint64_t *count);
/* Reads one module and its segments; segs receives at most max_segs of them (the rest are
 * skipped); m->nseg keeps the true count. */
int grw_dec_module(struct grw_cur *c, struct grw_module *m, struct grw_segment *segs,
		   size_t max_segs);
int grw_dec_site(struct grw_cur *c, struct grw_site_rec *s);
int grw_dec_snapshot_begin(struct grw_cur *c, struct grw_snap_hdr *h);
int grw_dec_snapshot_entry(struct grw_cur *c, uint64_t nfields, struct grw_snap_entry *e);
int grw_dec_end(struct grw_cur *c, struct grw_end *e);
int grw_dec_warn(struct grw_cur *c, struct grw_warn *w);
int grw_dec_note(struct grw_cur *c, uint64_t *t_ns, const char **text, uint32_t *len);

#endif
