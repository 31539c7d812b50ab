/* SPDX-License-Identifier: MIT */
/*
 * Encoder and decoder for the trace records (see trace_format.h, docs/format.md).
 * Runs inside the profiled process too: no stdio, no malloc (the buffer's allocator is the
 * caller's), no global state.
 */
#include "trace_codec.h"

#include <errno.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Encoder */

int grw_buf_reserve(struct grw_buf *b, size_t n)
{
	if (b->oom)
		return -ENOMEM;
	if (b->cap - b->len >= n)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	uint8_t *p = b->realloc_fn ? b->realloc_fn(b->data, b->cap, cap) : NULL;
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->oom = true;
	return -ENOMEM;
}

void grw_buf_put(struct grw_buf *b, const void *p, size_t n)
{
	if (n == 0 || grw_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void grw_buf_put_u8(struct grw_buf *b, uint8_t v)
{
	grw_buf_put(b, &v, 1);
}

void grw_buf_put_varint(struct grw_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		tmp[n++] = byte | (v ? 0x80 : 0);
	} while (v);
	grw_buf_put(b, tmp, n);
}

void grw_buf_put_zigzag(struct grw_buf *b, int64_t v)
{
	grw_buf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void grw_buf_put_str(struct grw_buf *b, const char *s, size_t n)
{
	if (n > GRW_MAX_STR)
		n = GRW_MAX_STR;
	grw_buf_put_varint(b, n);
	grw_buf_put(b, s, n);
}

size_t grw_rec_begin(struct grw_buf *b, enum grw_rec_type type)
{
	size_t start = b->len;
	uint8_t hdr[GRW_REC_HDR_LEN] = {(uint8_t)type, 0, 0, 0, 0};
	grw_buf_put(b, hdr, sizeof hdr);
	return start;
}

void grw_rec_end(struct grw_buf *b, size_t start)
{
	if (b->oom || b->len < start + GRW_REC_HDR_LEN)
		return;
	size_t n = b->len - start - GRW_REC_HDR_LEN;
	uint8_t *p = b->data + start + 1;
	p[0] = (uint8_t)n;
	p[1] = (uint8_t)(n >> 8);
	p[2] = (uint8_t)(n >> 16);
	p[3] = (uint8_t)(n >> 24);
}

void grw_enc_magic(struct grw_buf *b)
{
	grw_buf_put(b, GRW_TRACE_MAGIC, GRW_TRACE_MAGIC_LEN);
}

void grw_enc_header(struct grw_buf *b, const struct grw_hdr *h, char *const *argv,
		    const char *growth_version)
{
	size_t r = grw_rec_begin(b, GRW_REC_HEADER);
	grw_buf_put_varint(b, h->version);
	grw_buf_put_varint(b, h->flags);
	grw_buf_put_varint(b, h->pointer_size);
	grw_buf_put_varint(b, h->pid);
	grw_buf_put_varint(b, h->ppid);
	grw_buf_put_varint(b, h->start_unix_ns);
	grw_buf_put_varint(b, h->page_size);
	grw_buf_put_varint(b, h->mem_limit_bytes);
	grw_buf_put_varint(b, h->mem_limit_source);
	grw_buf_put_varint(b, h->interval_ms);
	grw_buf_put_varint(b, h->max_depth);
	grw_buf_put_varint(b, h->sample_bytes);
	grw_buf_put_str(b, h->exe ? h->exe : "", h->exe ? h->exe_len : 0);
	grw_buf_put_varint(b, h->argc);
	for (uint64_t i = 0; i < h->argc; i++)
		grw_buf_put_str(b, argv[i], strlen(argv[i]));
	grw_buf_put_str(b, growth_version, strlen(growth_version));
	grw_rec_end(b, r);
}

size_t grw_enc_modules_begin(struct grw_buf *b, uint64_t t_ns, uint64_t count)
{
	size_t r = grw_rec_begin(b, GRW_REC_MODULES);
	grw_buf_put_varint(b, t_ns);
	grw_buf_put_varint(b, count);
	return r;
}

void grw_enc_module(struct grw_buf *b, const struct grw_module *m, const struct grw_segment *segs)
{
	grw_buf_put_str(b, m->path, m->path_len);
	grw_buf_put_str(b, (const char *)m->build_id, m->build_id_len);
	grw_buf_put_varint(b, m->base);
	grw_buf_put_varint(b, m->nseg);
	for (uint64_t i = 0; i < m->nseg; i++) {
		grw_buf_put_varint(b, segs[i].vaddr);
		grw_buf_put_varint(b, segs[i].memsz);
		grw_buf_put_varint(b, segs[i].flags);
	}
}

void grw_enc_site(struct grw_buf *b, const struct grw_site_rec *s)
{
	size_t r = grw_rec_begin(b, GRW_REC_SITE);
	uint64_t depth = s->depth > GRW_MAX_DEPTH ? GRW_MAX_DEPTH : s->depth;
	grw_buf_put_varint(b, s->id);
	grw_buf_put_varint(b, s->kind);
	grw_buf_put_varint(b, s->t_ns);
	grw_buf_put_varint(b, depth);
	for (uint64_t i = 0; i < depth; i++) {
		if (i == 0)
			grw_buf_put_varint(b, s->frames[0]);
		else
			grw_buf_put_zigzag(b, (int64_t)(s->frames[i] - s->frames[i - 1]));
	}
	if (s->flags)
		grw_buf_put_varint(b, s->flags);
	grw_rec_end(b, r);
}

size_t grw_enc_snapshot_begin(struct grw_buf *b, const struct grw_snap_hdr *h)
{
	size_t r = grw_rec_begin(b, GRW_REC_SNAPSHOT);
	grw_buf_put_varint(b, h->t_ns);
	grw_buf_put_varint(b, h->rss_bytes);
	grw_buf_put_varint(b, h->vm_bytes);
	grw_buf_put_varint(b, h->untracked_allocs);
	grw_buf_put_varint(b, h->untracked_bytes);
	grw_buf_put_varint(b, GRW_SNAP_FIELDS_V1);
	grw_buf_put_varint(b, h->n);
	return r;
}

void grw_enc_snapshot_entry(struct grw_buf *b, const struct grw_snap_entry *e)
{
	grw_buf_put_varint(b, e->site_delta);
	grw_buf_put_varint(b, e->allocs);
	grw_buf_put_varint(b, e->frees);
	grw_buf_put_varint(b, e->alloc_bytes);
	grw_buf_put_varint(b, e->live_bytes);
	grw_buf_put_varint(b, e->reserved_bytes);
}

void grw_enc_end(struct grw_buf *b, const struct grw_end *e)
{
	size_t r = grw_rec_begin(b, GRW_REC_END);
	grw_buf_put_varint(b, e->t_ns);
	grw_buf_put_varint(b, e->reason);
	grw_rec_end(b, r);
}

void grw_enc_warn(struct grw_buf *b, const struct grw_warn *w)
{
	size_t r = grw_rec_begin(b, GRW_REC_WARN);
	grw_buf_put_varint(b, w->t_ns);
	grw_buf_put_varint(b, w->site_id);
	grw_buf_put_varint(b, w->live_bytes);
	grw_buf_put_zigzag(b, w->slope_bytes_per_s);
	grw_buf_put_varint(b, w->time_to_limit_s);
	grw_rec_end(b, r);
}

void grw_enc_note(struct grw_buf *b, uint64_t t_ns, const char *text)
{
	size_t r = grw_rec_begin(b, GRW_REC_NOTE);
	grw_buf_put_varint(b, t_ns);
	grw_buf_put_str(b, text, strlen(text));
	grw_rec_end(b, r);
}

/* ------------------------------------------------------------------------------------------ */
/* Decoder */

static int fail(struct grw_cur *c)
{
	c->err = -EBADMSG;
	c->p = c->end;
	return -EBADMSG;
}

int grw_dec_u8(struct grw_cur *c, uint8_t *v)
{
	if (c->err || c->p >= c->end)
		return fail(c);
	*v = *c->p++;
	return 0;
}

int grw_dec_varint(struct grw_cur *c, uint64_t *v)
{
	uint64_t x = 0;
	if (c->err)
		return c->err;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (c->p >= c->end)
			return fail(c);
		uint8_t byte = *c->p++;
		/* The tenth byte may only carry the top bit of a 64-bit value. */
		if (shift == 63 && byte > 1)
			return fail(c);
		x |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return fail(c);
}

int grw_dec_zigzag(struct grw_cur *c, int64_t *v)
{
	uint64_t u;
	if (grw_dec_varint(c, &u))
		return c->err;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

int grw_dec_skip(struct grw_cur *c, size_t n)
{
	if (c->err || grw_cur_left(c) < n)
		return fail(c);
	if (n)
		c->p += n; /* (an empty cursor's p may be NULL: NULL + 0 is undefined) */
	return 0;
}

int grw_dec_str(struct grw_cur *c, const char **s, uint32_t *len)
{
	uint64_t n;
	if (grw_dec_varint(c, &n))
		return c->err;
	if (n > GRW_MAX_STR || n > grw_cur_left(c))
		return fail(c);
	*s = (const char *)c->p;
	*len = (uint32_t)n;
	c->p += n;
	return 0;
}

int grw_dec_record(struct grw_cur *stream, uint8_t *type, struct grw_cur *payload)
{
	if (stream->err)
		return stream->err;
	if (stream->p == stream->end)
		return 0;
	if (grw_cur_left(stream) < GRW_REC_HDR_LEN)
		return fail(stream);
	const uint8_t *h = stream->p;
	uint32_t n = (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16 |
		     (uint32_t)h[4] << 24;
	if (n > GRW_REC_MAX_LEN || n > grw_cur_left(stream) - GRW_REC_HDR_LEN)
		return fail(stream);
	*type = h[0];
	*payload = grw_cur_make(h + GRW_REC_HDR_LEN, n);
	stream->p += GRW_REC_HDR_LEN + (size_t)n;
	return 1;
}

int grw_dec_magic(struct grw_cur *c)
{
	if (grw_cur_left(c) < GRW_TRACE_MAGIC_LEN ||
	    memcmp(c->p, GRW_TRACE_MAGIC, GRW_TRACE_MAGIC_LEN) != 0)
		return fail(c);
	c->p += GRW_TRACE_MAGIC_LEN;
	return 0;
}

int grw_dec_header(struct grw_cur *c, struct grw_hdr *h)
{
	memset(h, 0, sizeof *h);
	grw_dec_varint(c, &h->version);
	grw_dec_varint(c, &h->flags);
	grw_dec_varint(c, &h->pointer_size);
	grw_dec_varint(c, &h->pid);
	grw_dec_varint(c, &h->ppid);
	grw_dec_varint(c, &h->start_unix_ns);
	grw_dec_varint(c, &h->page_size);
	grw_dec_varint(c, &h->mem_limit_bytes);
	grw_dec_varint(c, &h->mem_limit_source);
	grw_dec_varint(c, &h->interval_ms);
	grw_dec_varint(c, &h->max_depth);
	grw_dec_varint(c, &h->sample_bytes);
	grw_dec_str(c, &h->exe, &h->exe_len);
	grw_dec_varint(c, &h->argc);
	if (!c->err && h->argc > grw_cur_left(c)) /* each argument takes at least one byte */
		return fail(c);
	return c->err;
}

int grw_dec_modules_begin(struct grw_cur *c, uint64_t *t_ns, uint64_t *count)
{
	grw_dec_varint(c, t_ns);
	grw_dec_varint(c, count);
	if (!c->err && *count > grw_cur_left(c) / 4) /* a module takes at least four bytes */
		return fail(c);
	return c->err;
}

int grw_dec_module(struct grw_cur *c, struct grw_module *m, struct grw_segment *segs,
		   size_t max_segs)
{
	const char *id;
	memset(m, 0, sizeof *m);
	grw_dec_str(c, &m->path, &m->path_len);
	grw_dec_str(c, &id, &m->build_id_len);
	m->build_id = (const uint8_t *)id;
	grw_dec_varint(c, &m->base);
	grw_dec_varint(c, &m->nseg);
	if (!c->err && m->nseg > grw_cur_left(c) / 3)
		return fail(c);
	for (uint64_t i = 0; i < m->nseg && !c->err; i++) {
		struct grw_segment s;
		grw_dec_varint(c, &s.vaddr);
		grw_dec_varint(c, &s.memsz);
		grw_dec_varint(c, &s.flags);
		if (i < max_segs)
			segs[i] = s;
	}
	return c->err;
}

int grw_dec_site(struct grw_cur *c, struct grw_site_rec *s)
{
	grw_dec_varint(c, &s->id);
	grw_dec_varint(c, &s->kind);
	grw_dec_varint(c, &s->t_ns);
	grw_dec_varint(c, &s->depth);
	if (c->err)
		return c->err;
	if (s->depth > GRW_MAX_DEPTH)
		return fail(c);
	for (uint64_t i = 0; i < s->depth; i++) {
		if (i == 0) {
			grw_dec_varint(c, &s->frames[0]);
		} else {
			int64_t d = 0;
			grw_dec_zigzag(c, &d);
			s->frames[i] = s->frames[i - 1] + (uint64_t)d;
		}
	}
	/* Fields added later follow the frames; a payload that ends here has none. */
	s->flags = 0;
	if (!c->err && c->p < c->end)
		grw_dec_varint(c, &s->flags);
	return c->err;
}

int grw_dec_snapshot_begin(struct grw_cur *c, struct grw_snap_hdr *h)
{
	grw_dec_varint(c, &h->t_ns);
	grw_dec_varint(c, &h->rss_bytes);
	grw_dec_varint(c, &h->vm_bytes);
	grw_dec_varint(c, &h->untracked_allocs);
	grw_dec_varint(c, &h->untracked_bytes);
	grw_dec_varint(c, &h->nfields);
	grw_dec_varint(c, &h->n);
	if (c->err)
		return c->err;
	/* Each entry is at least nfields bytes: reject counts the payload cannot hold. */
	if (h->nfields < GRW_SNAP_FIELDS_V1 || h->nfields > 64 ||
	    h->n > grw_cur_left(c) / h->nfields)
		return fail(c);
	return 0;
}

int grw_dec_snapshot_entry(struct grw_cur *c, uint64_t nfields, struct grw_snap_entry *e)
{
	grw_dec_varint(c, &e->site_delta);
	grw_dec_varint(c, &e->allocs);
	grw_dec_varint(c, &e->frees);
	grw_dec_varint(c, &e->alloc_bytes);
	grw_dec_varint(c, &e->live_bytes);
	grw_dec_varint(c, &e->reserved_bytes);
	for (uint64_t i = GRW_SNAP_FIELDS_V1; i < nfields && !c->err; i++) {
		uint64_t skip;
		grw_dec_varint(c, &skip);
	}
	return c->err;
}

int grw_dec_end(struct grw_cur *c, struct grw_end *e)
{
	grw_dec_varint(c, &e->t_ns);
	grw_dec_varint(c, &e->reason);
	return c->err;
}

int grw_dec_warn(struct grw_cur *c, struct grw_warn *w)
{
	grw_dec_varint(c, &w->t_ns);
	grw_dec_varint(c, &w->site_id);
	grw_dec_varint(c, &w->live_bytes);
	grw_dec_zigzag(c, &w->slope_bytes_per_s);
	grw_dec_varint(c, &w->time_to_limit_s);
	return c->err;
}

int grw_dec_note(struct grw_cur *c, uint64_t *t_ns, const char **text, uint32_t *len)
{
	grw_dec_varint(c, t_ns);
	grw_dec_str(c, text, len);
	return c->err;
}
