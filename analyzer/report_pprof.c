/* SPDX-License-Identifier: MIT */
/*
 * The pprof report: a profile.proto (github.com/google/pprof proto/profile.proto) encoded here
 * by hand (varints and length-delimited fields) and gzip-compressed with zlib, so that
 * `go tool pprof -top` and `-traces` read it. One sample per site with four values:
 * inuse_space, inuse_objects, alloc_space, alloc_objects. Strings, functions and locations are
 * interned; locations carry their inlined frames as lines, innermost first. Each module is a
 * mapping marked fully symbolized (functions, files, lines, inlined frames), so pprof never
 * looks for the binaries; the executable's mapping comes first, as pprof expects.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "progress.h"
#include "report_formats.h"

/* ---- a growable byte buffer and the protobuf wire format ------------------------------------ */

struct buf {
	uint8_t *p;
	size_t n, cap;
	bool oom; /* a failed allocation: later writes are dropped, the caller checks once */
};

static void put(struct buf *b, const void *src, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void varint(struct buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	do {
		t[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	put(b, t, n);
}

/* Field `num` of wire type 0 (varint); zero values are omitted, as proto3 does. */
static void f_u64(struct buf *b, unsigned num, uint64_t v)
{
	if (!v)
		return;
	varint(b, (uint64_t)num << 3);
	varint(b, v);
}

/* Field `num` of wire type 2 (length-delimited). */
static void f_bytes(struct buf *b, unsigned num, const void *p, size_t n)
{
	varint(b, (uint64_t)num << 3 | 2);
	varint(b, n);
	put(b, p, n);
}

/* ---- interning -------------------------------------------------------------------------------- */

/* Open addressing from a 64-bit key hash to an index + 1; the caller compares the real keys. */
struct table {
	uint32_t *slot;
	uint64_t *hash;
	size_t cap, n;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int table_grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	uint32_t *slot = calloc(cap, sizeof *slot);
	uint64_t *hash = calloc(cap, sizeof *hash);
	if (!slot || !hash) {
		free(slot);
		free(hash);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slot[i])
			continue;
		size_t j = t->hash[i] & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = t->slot[i];
		hash[j] = t->hash[i];
	}
	free(t->slot);
	free(t->hash);
	t->slot = slot;
	t->hash = hash;
	t->cap = cap;
	return 0;
}

struct pprof {
	struct table strs;
	char **str; /* string table; str[0] = "" */
	size_t nstr, str_cap;

	struct table funcs;
	uint64_t *func_key; /* name index << 32 | file index, per function id - 1 */
	size_t nfunc, func_cap;

	struct table locs;
	struct loc_key {
		uint64_t address, offset;
		const char *module; /* owned by the symbolizer, stable per module */
	} *loc_key;
	size_t nloc, loc_cap;

	const struct grw_model *m;
	uint64_t *map_id; /* per model module: its Mapping id, 0 = none */

	struct buf out; /* the Profile message */
};

static int grow_array(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 256;
	void *q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* The string table index of s (NULL is ""), or -1 when out of memory. */
static int64_t intern_str(struct pprof *pp, const char *s)
{
	if (!s || !*s)
		return 0;
	struct table *t = &pp->strs;
	if ((t->n + 1) * 2 > t->cap && table_grow(t))
		return -1;
	uint64_t h = mix(hash_str(s));
	size_t j = h & (t->cap - 1);
	for (; t->slot[j]; j = (j + 1) & (t->cap - 1))
		if (t->hash[j] == h && strcmp(pp->str[t->slot[j] - 1], s) == 0)
			return t->slot[j] - 1;
	if (grow_array((void **)&pp->str, &pp->str_cap, pp->nstr, sizeof *pp->str))
		return -1;
	char *copy = strdup(s);
	if (!copy)
		return -1;
	pp->str[pp->nstr] = copy;
	t->slot[j] = (uint32_t)++pp->nstr;
	t->hash[j] = h;
	t->n++;
	f_bytes(&pp->out, 6, s, strlen(s));
	return (int64_t)pp->nstr - 1;
}

/* The function id of (name, file), writing its Function message the first time; 0 on ENOMEM. */
static uint64_t intern_func(struct pprof *pp, const struct grw_sym_frame *fr)
{
	char name[1024];
	int64_t ni = intern_str(pp, grw_frame_name(fr, name, sizeof name));
	int64_t fi = intern_str(pp, fr->file);
	if (ni < 0 || fi < 0)
		return 0;
	uint64_t key = (uint64_t)ni << 32 | (uint64_t)fi;
	struct table *t = &pp->funcs;
	if ((t->n + 1) * 2 > t->cap && table_grow(t))
		return 0;
	uint64_t h = mix(key);
	size_t j = h & (t->cap - 1);
	for (; t->slot[j]; j = (j + 1) & (t->cap - 1))
		if (pp->func_key[t->slot[j] - 1] == key)
			return t->slot[j];
	if (grow_array((void **)&pp->func_key, &pp->func_cap, pp->nfunc, sizeof *pp->func_key))
		return 0;
	pp->func_key[pp->nfunc] = key;
	t->slot[j] = (uint32_t)++pp->nfunc;
	t->hash[j] = h;
	t->n++;

	struct buf fn = {0};
	f_u64(&fn, 1, pp->nfunc);
	f_u64(&fn, 2, (uint64_t)ni);
	f_u64(&fn, 3, (uint64_t)ni);
	f_u64(&fn, 4, (uint64_t)fi);
	if (fn.oom) {
		free(fn.p);
		return 0;
	}
	f_bytes(&pp->out, 5, fn.p, fn.n);
	free(fn.p);
	return pp->nfunc;
}

static void module_range(const struct grw_model_module *mod, uint64_t *start, uint64_t *limit)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (uint32_t i = 0; i < mod->nseg; i++) {
		if (mod->segs[i].vaddr < lo)
			lo = mod->segs[i].vaddr;
		if (mod->segs[i].vaddr + mod->segs[i].memsz > hi)
			hi = mod->segs[i].vaddr + mod->segs[i].memsz;
	}
	if (lo > hi)
		lo = hi = 0;
	*start = mod->base + lo;
	*limit = mod->base + hi;
}

/* The Mapping id of a frame's module: the module of that path whose range holds the address,
 * else the first of that path; 0 when it is in no known module. */
static uint64_t mapping_of(const struct pprof *pp, const struct grw_sym_frame *fr)
{
	if (!fr->module)
		return 0;
	uint64_t any = 0;
	for (size_t i = 0; i < pp->m->nmodules; i++) {
		const struct grw_model_module *mod = &pp->m->modules[i];
		if (mod->path != fr->module && strcmp(mod->path, fr->module) != 0)
			continue;
		uint64_t lo, hi;
		module_range(mod, &lo, &hi);
		if (fr->address >= lo && fr->address < hi)
			return pp->map_id[i];
		if (!any)
			any = pp->map_id[i];
	}
	return any;
}

/* One Mapping per module, the executable first. */
static void mappings(struct pprof *pp)
{
	const struct grw_model *m = pp->m;
	uint64_t next = 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->nmodules; i++) {
			const struct grw_model_module *mod = &m->modules[i];
			bool is_exe = m->exe && strcmp(mod->path, m->exe) == 0;
			if (pp->map_id[i] || (pass == 0) != is_exe)
				continue;
			pp->map_id[i] = next;
			uint64_t lo, hi;
			module_range(mod, &lo, &hi);
			char hex[2 * 64 + 1] = "";
			for (uint32_t k = 0; k < mod->build_id_len && k < 64; k++)
				snprintf(hex + 2 * k, 3, "%02x", mod->build_id[k]);
			int64_t fi = intern_str(pp, mod->path), bi = intern_str(pp, hex);
			struct buf mp = {0};
			f_u64(&mp, 1, next);
			f_u64(&mp, 2, lo);
			f_u64(&mp, 3, hi);
			f_u64(&mp, 5, fi < 0 ? 0 : (uint64_t)fi);
			f_u64(&mp, 6, bi < 0 ? 0 : (uint64_t)bi);
			for (unsigned fld = 7; fld <= 10; fld++)
				f_u64(&mp, fld, 1);
			if (mp.oom || fi < 0 || bi < 0)
				pp->out.oom = true;
			else
				f_bytes(&pp->out, 3, mp.p, mp.n);
			free(mp.p);
			next++;
		}
	}
}

/*
 * The location id of the frames fr[0..n) that share one return address (inlined frames first,
 * then the frame they were inlined into), writing its Location message the first time.
 * Returns 0 when out of memory.
 */
static uint64_t intern_loc(struct pprof *pp, const struct grw_sym_frame *fr, size_t n)
{
	struct loc_key key = {fr[0].address, fr[0].offset, fr[0].module};
	struct table *t = &pp->locs;
	if ((t->n + 1) * 2 > t->cap && table_grow(t))
		return 0;
	uint64_t h = mix(key.address ^ mix(key.offset ^ (uint64_t)(uintptr_t)key.module));
	size_t j = h & (t->cap - 1);
	for (; t->slot[j]; j = (j + 1) & (t->cap - 1)) {
		const struct loc_key *k = &pp->loc_key[t->slot[j] - 1];
		if (k->address == key.address && k->offset == key.offset && k->module == key.module)
			return t->slot[j];
	}
	struct buf loc = {0};
	for (size_t i = 0; i < n; i++) {
		uint64_t fid = intern_func(pp, &fr[i]);
		if (!fid) {
			free(loc.p);
			return 0;
		}
		struct buf line = {0};
		f_u64(&line, 1, fid);
		f_u64(&line, 2, fr[i].line > 0 ? (uint64_t)fr[i].line : 0);
		f_bytes(&loc, 4, line.p, line.n);
		bool oom = line.oom;
		free(line.p);
		if (oom)
			loc.oom = true;
	}
	if (loc.oom ||
	    grow_array((void **)&pp->loc_key, &pp->loc_cap, pp->nloc, sizeof *pp->loc_key)) {
		free(loc.p);
		return 0;
	}
	pp->loc_key[pp->nloc] = key;
	t->slot[j] = (uint32_t)++pp->nloc;
	t->hash[j] = h;
	t->n++;

	/* Fields in any order are valid protobuf; id and address go after the lines here. */
	f_u64(&loc, 1, pp->nloc);
	f_u64(&loc, 2, mapping_of(pp, &fr[0]));
	f_u64(&loc, 3, key.address);
	if (loc.oom) {
		free(loc.p);
		return 0;
	}
	f_bytes(&pp->out, 4, loc.p, loc.n);
	free(loc.p);
	return pp->nloc;
}

static void value_type(struct pprof *pp, unsigned num, const char *type, const char *unit)
{
	int64_t ti = intern_str(pp, type), ui = intern_str(pp, unit);
	struct buf vt = {0};
	f_u64(&vt, 1, ti < 0 ? 0 : (uint64_t)ti);
	f_u64(&vt, 2, ui < 0 ? 0 : (uint64_t)ui);
	if (ti < 0 || ui < 0)
		vt.oom = true;
	if (vt.oom)
		pp->out.oom = true;
	else
		f_bytes(&pp->out, num, vt.p, vt.n);
	free(vt.p);
}

/* One Sample: its locations innermost first, and the four values. */
static int sample(struct pprof *pp, const struct grw_model_site *s, const struct grw_sym_frame *fr,
		  size_t n)
{
	struct buf ids = {0}, vals = {0}, smp = {0};
	for (size_t i = 0; i < n;) {
		size_t k = i;
		while (k + 1 < n && fr[k].inlined && fr[k + 1].address == fr[i].address)
			k++;
		uint64_t id = intern_loc(pp, &fr[i], k - i + 1);
		if (!id)
			ids.oom = true;
		varint(&ids, id);
		i = k + 1;
	}
	uint64_t live_objs = s->allocs > s->frees ? s->allocs - s->frees : 0;
	varint(&vals, s->live_bytes);
	varint(&vals, live_objs);
	varint(&vals, s->alloc_bytes);
	varint(&vals, s->allocs);
	f_bytes(&smp, 1, ids.p, ids.n);
	f_bytes(&smp, 2, vals.p, vals.n);
	int e = ids.oom || vals.oom || smp.oom ? -ENOMEM : 0;
	if (!e)
		f_bytes(&pp->out, 2, smp.p, smp.n);
	free(ids.p);
	free(vals.p);
	free(smp.p);
	return e;
}

static int gzip_write(FILE *f, const uint8_t *p, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	/* 15 + 16: a gzip wrapper, which pprof expects (it also reads raw protobuf). */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	uint8_t chunk[1 << 15];
	int e = 0;
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	int zr;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			e = -ENOMEM;
			break;
		}
		size_t have = sizeof chunk - z.avail_out;
		if (have && fwrite(chunk, 1, have, f) != have) {
			e = -EIO;
			break;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
	return e;
}

int grw_report_pprof(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym)
{
	struct pprof pp;
	memset(&pp, 0, sizeof pp);
	int e = 0;
	/* The profile is one message; uInt limits zlib's single-call input. */
	if (grow_array((void **)&pp.str, &pp.str_cap, 0, sizeof *pp.str))
		return -ENOMEM;
	pp.str[pp.nstr++] = NULL; /* index 0 is "" */
	f_bytes(&pp.out, 6, "", 0);

	value_type(&pp, 1, "inuse_space", "bytes");
	value_type(&pp, 1, "inuse_objects", "count");
	value_type(&pp, 1, "alloc_space", "bytes");
	value_type(&pp, 1, "alloc_objects", "count");
	pp.m = m;
	pp.map_id = calloc(m->nmodules + 1, sizeof *pp.map_id);
	if (!pp.map_id)
		e = -ENOMEM;
	else
		mappings(&pp);

	struct grw_progress pr;
	grw_progress_start(&pr, "writing pprof samples", m->nsites);
	for (size_t i = 0; i < m->nsites && !e; i++) {
		grw_progress_update(&pr, i);
		const struct grw_model_site *s = &m->sites[i];
		if (!s->allocs && !s->live_bytes)
			continue;
		const struct grw_sym_frame *fr;
		size_t n;
		e = grw_sym_site(sym, s, &fr, &n);
		if (!e)
			e = sample(&pp, s, fr, n);
	}
	grw_progress_end(&pr);

	if (!e) {
		f_u64(&pp.out, 9, m->hdr.start_unix_ns);
		f_u64(&pp.out, 10, m->duration_s > 0 ? (uint64_t)(m->duration_s * 1e9) : 0);
		value_type(&pp, 11, "space", "bytes");
		f_u64(&pp.out, 12, 1);
		int64_t d = intern_str(&pp, "inuse_space");
		f_u64(&pp.out, 14, d < 0 ? 0 : (uint64_t)d);
		if (pp.out.oom)
			e = -ENOMEM;
		else if (pp.out.n > UINT32_MAX)
			e = -ENOMEM;
		else
			e = gzip_write(f, pp.out.p, pp.out.n);
	}
	for (size_t i = 0; i < pp.nstr; i++)
		free(pp.str[i]);
	free(pp.str);
	free(pp.strs.slot);
	free(pp.strs.hash);
	free(pp.funcs.slot);
	free(pp.funcs.hash);
	free(pp.func_key);
	free(pp.locs.slot);
	free(pp.locs.hash);
	free(pp.loc_key);
	free(pp.map_id);
	free(pp.out.p);
	return e;
}
