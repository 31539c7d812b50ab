/* SPDX-License-Identifier: MIT */
/*
 * Fast x86-64 stack walking from .eh_frame rules cached per return address (see cfi_unwind.h).
 * Runs inside the host's malloc: no locks, no allocation, no syscalls, but when a thread's rule
 * cache grows (through the allocator the caller gave, grw_cfi_set_growth); every
 * stack read is bounds-checked against the thread's stack, and every .eh_frame read stays
 * inside the object that _dl_find_object returned.
 */
#include "cfi_unwind.h"
#include "compiler.h"
#include "stackhash.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__)

/* ---- packed rules -------------------------------------------------------------------------- */
/* bits 0-4 kind, 5 NEEDS_BP and 6 NEEDS_IF_NEXT (what finish() needs, fixed when the rule is
 * made), 7 BP_NEEDED (set only in kept walks, see finish()), 8 CFA_RBP (the CFA is RBP + offset,
 * else RSP + offset), 9 SAVES_RBP (the caller's RBP is saved at CFA - need), 16-31 need (the
 * bytes below the CFA that a step reads: the RBP save's depth, else 8 for the return address),
 * 32-63 CFA offset. The step decodes them with a bit test each (step_ok). */
/* RULE_CGO: the frame is in runtime.asmcgocall, where a walk leaves CFI for Go frame pointers
 * (go_fp_tail). */
enum { RULE_EMPTY = 0, RULE_OK = 1, RULE_END = 2, RULE_FALLBACK = 3, RULE_CGO = 4 };
#define RULE_KIND(r) ((unsigned)(r) & 0x1f)
/* Whether a rule that lookup() returned is not RULE_OK: one bit test (RULE_OK is the only kind
 * of bits 1-4 clear, and lookup never returns RULE_EMPTY). */
#define RULE_NOT_OK(r) ((r) & 0x1e)
#define NEEDS_BP_SHIFT 5 /* this frame's CFA is computed from RBP (or it is RULE_CGO) */
/* Bit 6, NEEDS_BP_SHIFT + 1: NEEDS_BP, or this frame leaves RBP as it found it (so it needs it
 * if the next frame does). Whether a frame's RBP is needed is then bit (NEEDS_BP_SHIFT + the
 * next frame's answer): one shift, no branch (finish()). */
#define BP_NEED(r, next) (((r) >> (NEEDS_BP_SHIFT + (next))) & 1)
#define BP_NEEDED 0x80u
#define CFA_RBP 0x100u
#define SAVES_RBP 0x200u
#define RULE_NEED(r) ((uintptr_t)(uint16_t)((r) >> 16))
enum { DW_RBP = 6, DW_RSP = 7, DW_RA = 16 };

/* rbp_off: where the caller's RBP is saved, from the CFA (0: RBP unchanged, else -32768..-16,
 * which compute_rule checks). */
static uint64_t rule_pack(unsigned kind, unsigned reg, int rbp_off, int32_t cfa_off)
{
	uint64_t by_rbp = kind == RULE_OK && reg == DW_RBP;
	uint64_t needs = by_rbp || kind == RULE_CGO;
	uint64_t passes = kind == RULE_OK && rbp_off == 0;
	uint64_t need = rbp_off ? (uint64_t)-rbp_off : 8;
	return (uint64_t)kind | needs << NEEDS_BP_SHIFT | (needs | passes) << (NEEDS_BP_SHIFT + 1) |
	       (by_rbp ? CFA_RBP : 0) | (rbp_off ? SAVES_RBP : 0) | need << 16 |
	       (uint64_t)(uint32_t)cfa_off << 32;
}

static uint32_t cache_gen = 1;

/* runtime.asmcgocall's code in the main executable, [cgo_lo, cgo_hi); empty unless it is Go.
 * Written once at init, before any walk. */
static uintptr_t cgo_lo, cgo_hi;
static uintptr_t self_lo, self_hi; /* growth's own code: leading frames there are dropped */

void grw_cfi_set_self_range(uintptr_t lo, uintptr_t hi)
{
	self_lo = lo;
	self_hi = hi;
}

void grw_cfi_set_cgo_range(uintptr_t lo, uintptr_t hi)
{
	cgo_lo = lo;
	cgo_hi = hi;
}

void grw_cfi_invalidate(void)
{
	__atomic_fetch_add(&cache_gen, 1, __ATOMIC_RELEASE);
}

/* ---- bounded reads of .eh_frame data --------------------------------------------------------- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rd_u(struct rd *r, unsigned n)
{
	uint64_t v = 0;
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, n); /* little-endian host */
	r->p += n;
	return v;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b = (uint8_t)rd_u(r, 1);
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static int64_t rd_sleb(struct rd *r)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = (uint8_t)rd_u(r, 1);
		if (shift < 64)
			v |= (int64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !r->bad && shift < 70);
	if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

/* DW_EH_PE pointer encodings: only what GNU toolchains emit in .eh_frame (absptr, udata/sdata
 * 2/4/8, uleb/sleb, pcrel, datarel relative to `data_base`). Indirect pointers are read
 * through. */
static uintptr_t rd_enc(struct rd *r, uint8_t enc, uintptr_t data_base)
{
	uintptr_t field = (uintptr_t)r->p, v;
	if (enc == 0xff)
		return 0;
	switch (enc & 0x0f) {
	case 0x00: v = (uintptr_t)rd_u(r, 8); break;
	case 0x01: v = (uintptr_t)rd_uleb(r); break;
	case 0x02: v = (uintptr_t)rd_u(r, 2); break;
	case 0x03: v = (uintptr_t)rd_u(r, 4); break;
	case 0x04: v = (uintptr_t)rd_u(r, 8); break;
	case 0x09: v = (uintptr_t)rd_sleb(r); break;
	case 0x0a: v = (uintptr_t)(int64_t)(int16_t)rd_u(r, 2); break;
	case 0x0b: v = (uintptr_t)(int64_t)(int32_t)rd_u(r, 4); break;
	case 0x0c: v = (uintptr_t)rd_u(r, 8); break;
	default: r->bad = true; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += field; break;
	case 0x30: v += data_base; break;
	default: r->bad = true; return 0;
	}
	return v; /* 0x80 (indirect) never appears in the fields we read */
}

/* ---- the CFA program ------------------------------------------------------------------------- */

struct regstate {
	uint8_t cfa_reg;
	int64_t cfa_off;
	int64_t rbp_off; /* 0 = unchanged */
	int64_t ra_off;  /* offset of RA from CFA; INT64_MIN = undefined (outermost frame) */
	bool unsupported;
};

#define RA_UNDEFINED INT64_MIN
#define STATE_STACK 8

/* Runs CFA instructions [p, end) from location `loc` up to and including `target`. */
static void run_cfa(struct rd *r, struct regstate *s, const struct regstate *init, uintptr_t loc,
		    uintptr_t target, uint64_t code_align, int64_t data_align, uint8_t fde_enc)
{
	struct regstate stack[STATE_STACK];
	int depth = 0;
	while (r->p < r->end && !r->bad && !s->unsupported) {
		uint8_t op = (uint8_t)rd_u(r, 1);
		uint8_t hi = op & 0xc0, lo = op & 0x3f;
		uint64_t reg, delta = 0;
		int64_t off;
		if (hi == 0x40) { /* advance_loc */
			delta = lo * code_align;
		} else if (hi == 0x80) { /* offset */
			off = (int64_t)rd_uleb(r) * data_align;
			if (lo == DW_RBP)
				s->rbp_off = off;
			else if (lo == DW_RA)
				s->ra_off = off;
			continue;
		} else if (hi == 0xc0) { /* restore */
			if (lo == DW_RBP)
				s->rbp_off = init->rbp_off;
			else if (lo == DW_RA)
				s->ra_off = init->ra_off;
			continue;
		} else {
			switch (op) {
			case 0x00: continue; /* nop */
			case 0x01: /* set_loc */
				loc = rd_enc(r, fde_enc, 0);
				if (loc > target)
					return;
				continue;
			case 0x02: delta = rd_u(r, 1) * code_align; break;
			case 0x03: delta = rd_u(r, 2) * code_align; break;
			case 0x04: delta = rd_u(r, 4) * code_align; break;
			case 0x05: /* offset_extended */
			case 0x11: /* offset_extended_sf */
				reg = rd_uleb(r);
				off = (op == 0x05 ? (int64_t)rd_uleb(r) : rd_sleb(r)) * data_align;
				if (reg == DW_RBP)
					s->rbp_off = off;
				else if (reg == DW_RA)
					s->ra_off = off;
				continue;
			case 0x06: /* restore_extended */
				reg = rd_uleb(r);
				if (reg == DW_RBP)
					s->rbp_off = init->rbp_off;
				else if (reg == DW_RA)
					s->ra_off = init->ra_off;
				continue;
			case 0x07: /* undefined */
				reg = rd_uleb(r);
				if (reg == DW_RA)
					s->ra_off = RA_UNDEFINED;
				else if (reg == DW_RBP)
					s->rbp_off = 0;
				continue;
			case 0x08: /* same_value */
				reg = rd_uleb(r);
				if (reg == DW_RBP)
					s->rbp_off = 0;
				else if (reg == DW_RA)
					s->unsupported = true;
				continue;
			case 0x09: /* register */
				reg = rd_uleb(r);
				(void)rd_uleb(r);
				if (reg == DW_RBP || reg == DW_RA)
					s->unsupported = true;
				continue;
			case 0x0a: /* remember_state */
				if (depth == STATE_STACK) {
					s->unsupported = true;
					return;
				}
				stack[depth++] = *s;
				continue;
			case 0x0b: /* restore_state: the CFA rule is restored too (DWARF 5, 6.4.2.4) */
				if (depth == 0) {
					s->unsupported = true;
					return;
				}
				*s = stack[--depth];
				continue;
			case 0x0c: /* def_cfa */
				s->cfa_reg = (uint8_t)rd_uleb(r);
				s->cfa_off = (int64_t)rd_uleb(r);
				continue;
			case 0x12: /* def_cfa_sf */
				s->cfa_reg = (uint8_t)rd_uleb(r);
				s->cfa_off = rd_sleb(r) * data_align;
				continue;
			case 0x0d: s->cfa_reg = (uint8_t)rd_uleb(r); continue;
			case 0x0e: s->cfa_off = (int64_t)rd_uleb(r); continue;
			case 0x13: s->cfa_off = rd_sleb(r) * data_align; continue;
			case 0x2e: (void)rd_uleb(r); continue; /* GNU_args_size */
			case 0x0f: /* def_cfa_expression */
			case 0x10: /* expression */
			case 0x14: case 0x15: /* val_offset */
			case 0x16: /* val_expression */
			case 0x2f: /* GNU_negative_offset_extended */
			default:
				if (op == 0x10 || op == 0x16) {
					/* An expression for a register we do not track is harmless. */
					reg = rd_uleb(r);
					uint64_t n = rd_uleb(r);
					if (reg != DW_RBP && reg != DW_RA && n <= (uint64_t)(r->end - r->p)) {
						r->p += n;
						continue;
					}
				}
				s->unsupported = true;
				return;
			}
		}
		if (loc + delta > target)
			return;
		loc += delta;
	}
}

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint8_t fde_enc;
	bool has_aug_len, signal_frame;
	struct rd init; /* initial instructions */
};

static bool parse_cie(const uint8_t *p, const uint8_t *lim, struct cie *c)
{
	struct rd r = {p, lim, false};
	uint64_t len = rd_u(&r, 4);
	if (len == 0xffffffff)
		len = rd_u(&r, 8);
	if (r.bad || len > (uint64_t)(lim - r.p))
		return false;
	const uint8_t *end = r.p + len;
	r.end = end;
	if (rd_u(&r, 4) != 0) /* CIE id */
		return false;
	uint8_t version = (uint8_t)rd_u(&r, 1);
	const char *aug = (const char *)r.p;
	size_t aug_n = strnlen(aug, (size_t)(end - r.p));
	if (aug_n == (size_t)(end - r.p))
		return false;
	r.p += aug_n + 1;
	if (aug[0] == 'e' && aug[1] == 'h')
		(void)rd_u(&r, 8);
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	if (version == 1)
		(void)rd_u(&r, 1);
	else
		(void)rd_uleb(&r);
	c->fde_enc = 0;
	c->has_aug_len = false;
	c->signal_frame = false;
	const uint8_t *after_aug = NULL;
	for (size_t i = 0; i < aug_n && !r.bad; i++) {
		switch (aug[i]) {
		case 'z': {
			uint64_t n = rd_uleb(&r);
			if (n > (uint64_t)(end - r.p))
				return false;
			after_aug = r.p + n;
			c->has_aug_len = true;
			break;
		}
		case 'R': c->fde_enc = (uint8_t)rd_u(&r, 1); break;
		case 'L': (void)rd_u(&r, 1); break;
		case 'P': {
			uint8_t enc = (uint8_t)rd_u(&r, 1);
			(void)rd_enc(&r, enc & 0x7f, 0);
			break;
		}
		case 'S': c->signal_frame = true; break;
		case 'e': case 'h': break;
		default:
			if (!after_aug) /* unknown augmentation without a length to skip it */
				return false;
			i = aug_n; /* skip the rest through the 'z' length */
			break;
		}
	}
	if (after_aug)
		r.p = after_aug;
	if (r.bad)
		return false;
	c->init = (struct rd){r.p, end, false};
	return true;
}

/* Binary search of .eh_frame_hdr's sorted table (encoding datarel|sdata4, the only one GNU ld,
 * gold and lld emit); returns the FDE covering pc or NULL. */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t pc)
{
	if (hdr[0] != 1 || hdr[3] != 0x3b)
		return NULL;
	struct rd r = {hdr + 4, hdr + 4 + 16, false};
	(void)rd_enc(&r, hdr[1], (uintptr_t)hdr);
	uint64_t count = rd_enc(&r, hdr[2], (uintptr_t)hdr);
	if (r.bad || count == 0)
		return NULL;
	const int32_t *tab = (const int32_t *)(const void *)r.p;
	uintptr_t base = (uintptr_t)hdr;
	uint64_t lo = 0, hi = count;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((uintptr_t)(base + (intptr_t)tab[2 * mid]) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if ((uintptr_t)(base + (intptr_t)tab[2 * lo]) > pc)
		return NULL;
	return (const uint8_t *)(base + (intptr_t)tab[2 * lo + 1]);
}

/* Derives the packed rule for return address ra (the caller's frame), or RULE_FALLBACK. */
static uint64_t compute_rule(uintptr_t ra)
{
	uintptr_t pc = ra - 1; /* inside the call instruction */
	if (pc >= cgo_lo && pc < cgo_hi)
		return rule_pack(RULE_CGO, 0, 0, 0); /* no CFI there: see go_fp_tail */
	struct dl_find_object dlfo;
	uint64_t fallback = rule_pack(RULE_FALLBACK, 0, 0, 0);
	if (_dl_find_object((void *)pc, &dlfo) != 0 || !dlfo.dlfo_eh_frame)
		return fallback;
	const uint8_t *lim = (const uint8_t *)dlfo.dlfo_map_end;
	const uint8_t *fde = find_fde(dlfo.dlfo_eh_frame, pc);
	if (!fde || fde < (const uint8_t *)dlfo.dlfo_map_start || fde >= lim)
		return fallback;
	struct rd r = {fde, lim, false};
	uint64_t len = rd_u(&r, 4);
	if (len == 0xffffffff || len == 0 || len > (uint64_t)(lim - r.p))
		return fallback;
	r.end = r.p + len;
	const uint8_t *cie_field = r.p;
	uint32_t cie_off = (uint32_t)rd_u(&r, 4);
	const uint8_t *cie_p = cie_field - cie_off;
	if (cie_off == 0 || cie_p < (const uint8_t *)dlfo.dlfo_map_start)
		return fallback;
	struct cie c;
	if (!parse_cie(cie_p, lim, &c) || c.signal_frame)
		return fallback;
	uintptr_t pc_begin = rd_enc(&r, c.fde_enc, 0);
	uintptr_t pc_range = rd_enc(&r, c.fde_enc & 0x0f, 0);
	if (r.bad || pc < pc_begin || pc >= pc_begin + pc_range)
		return fallback;
	if (c.has_aug_len) {
		uint64_t n = rd_uleb(&r);
		if (n > (uint64_t)(r.end - r.p))
			return fallback;
		r.p += n;
	}
	struct regstate init = {DW_RSP, 8, 0, -8, false}, s;
	struct rd ri = c.init;
	run_cfa(&ri, &init, &init, 0, UINTPTR_MAX, c.code_align, c.data_align, c.fde_enc);
	s = init;
	run_cfa(&r, &s, &init, pc_begin, pc, c.code_align, c.data_align, c.fde_enc);
	if (r.bad || ri.bad || s.unsupported || init.unsupported)
		return fallback;
	if (s.ra_off == RA_UNDEFINED)
		return rule_pack(RULE_END, 0, 0, 0);
	if (s.ra_off != -8 || (s.cfa_reg != DW_RSP && s.cfa_reg != DW_RBP) || s.cfa_off <= 0 ||
	    s.cfa_off > INT32_MAX || s.rbp_off < INT16_MIN || (s.rbp_off && s.rbp_off > -16))
		return fallback; /* (RBP saved at cfa - 8 or above would overlap the return address
				  * or the caller's frame: step_ok relies on its never being so) */
	return rule_pack(RULE_OK, s.cfa_reg, (int)s.rbp_off, (int32_t)s.cfa_off);
}

/* The walk's steps are forced inline (ALWAYS_INLINE): the two instances of walk() (the lean one
 * and the general one) make grw_cfi_backtrace large enough that gcc would otherwise call them. */

/* ---- the walk -------------------------------------------------------------------------------- */

/* Two-way set-associative, so two hot return addresses that hash alike cannot evict each other
 * on every call (seen under valgrind: 2 misses per walk with a direct-mapped table). The set is
 * the address's low bits folded with its page number: no multiply on a walk's chain of
 * dependent loads (return addresses of hot code are dense, so low bits spread them). */
static ALWAYS_INLINE struct grw_cfi_entry *cache_set(struct grw_cfi_entry *cache,
						     uintptr_t mask, uintptr_t ip)
{
	return &cache[((ip ^ (ip >> 12)) << 1) & mask];
}

static inline void cache_put(struct grw_cfi_entry *e, uintptr_t ip, uint64_t rule)
{
	e[1] = e[0];
	e[0] = (struct grw_cfi_entry){ip, rule};
}

/* The cache's size: a thread starts small, and one whose allocations come from more code than
 * that holds, so that its lookups keep missing, gets a larger cache (cc1: 1.2 G of the 3.7 G
 * instructions growth added went to rule computations with 2048 entries, 0.06 G with 16384).
 * The old entries move over. */
static size_t grow_max;
static void *(*grow_alloc)(size_t);
static void (*grow_release)(void *, size_t);

void grw_cfi_set_growth(size_t max, void *(*alloc)(size_t), void (*release)(void *, size_t))
{
	grow_max = max;
	grow_alloc = alloc;
	grow_release = release;
}

static void cache_grow(struct grw_cfi_thread *t)
{
	size_t n = t->cache_mask + 1;
	struct grw_cfi_entry *c = grow_alloc(grow_max * sizeof *c);
	t->misses = 0;
	t->miss_from = t->walks;
	if (!c)
		return; /* out of memory: the small cache keeps serving */
	for (size_t i = 0; i < n; i += 2) /* the older entry of each set first */
		for (int w = 1; w >= 0; w--)
			if (t->cache[i + w].ip)
				cache_put(cache_set(c, grow_max - 1, t->cache[i + w].ip),
					  t->cache[i + w].ip, t->cache[i + w].rule);
	grow_release(t->cache, n * sizeof *t->cache);
	t->cache = c;
	t->cache_mask = grow_max - 1;
}

static __attribute__((noinline)) uint64_t lookup_miss(struct grw_cfi_thread *t, uintptr_t ip)
{
	uint64_t rule = compute_rule(ip);
	uint64_t n = t->cache_mask + 1;
	if (t->walks - t->miss_from > GRW_CFI_GROW_WITHIN * n) { /* a new window */
		t->misses = 0;
		t->miss_from = t->walks;
	}
	if (++t->misses >= GRW_CFI_GROW_AFTER * n && n < grow_max)
		cache_grow(t);
	cache_put(cache_set(t->cache, t->cache_mask, ip), ip, rule);
	return rule;
}

static ALWAYS_INLINE uint64_t lookup(struct grw_cfi_thread *t, uintptr_t ip)
{
	struct grw_cfi_entry *e = cache_set(t->cache, t->cache_mask, ip);
	if (e[0].ip == ip)
		return e[0].rule;
	if (e[1].ip == ip)
		return e[1].rule;
	return lookup_miss(t, ip);
}

/* The step of a RULE_OK rule: 0 with the caller's registers, or 1 where the chain leaves the
 * stack (stop rather than guess). Every read is in [sp, hi): the return address at cfa - 8
 * with sp + 8 <= cfa <= hi, and the saved RBP at cfa - need, which compute_rule keeps at or
 * below cfa - 16, so asking cfa >= sp + need bounds both reads with one compare. */
static ALWAYS_INLINE int step_ok(uint64_t rule, uintptr_t *ip, uintptr_t *sp, uintptr_t *bp,
				 uintptr_t hi)
{
	uintptr_t s = *sp;
	uintptr_t cfa = ((rule & CFA_RBP) ? *bp : s) + (intptr_t)(int32_t)(rule >> 32);
	uintptr_t need = RULE_NEED(rule);
	if (cfa < s + need || cfa > hi || (cfa & 7))
		return 1;
	/* Without an RBP save, need is 8 and this reads the return address: always a valid
	 * read, so that the choice is a conditional move rather than a branch (most frames of
	 * code without frame pointers save RBP, some do not). */
	uintptr_t saved = *(const uintptr_t *)(cfa - need);
	*bp = (rule & SAVES_RBP) ? saved : *bp;
	*ip = *(const uintptr_t *)(cfa - 8);
	*sp = cfa;
	return 0;
}

/* One unwind step with a packed rule. Returns 0 with the caller's registers, 1 at the end of
 * the stack (or where the chain leaves it), -1 when a full unwinder is needed. */
static ALWAYS_INLINE int step(uint64_t rule, uintptr_t *ip, uintptr_t *sp, uintptr_t *bp,
			      uintptr_t hi)
{
	unsigned kind = RULE_KIND(rule);
	if (kind == RULE_END)
		return 1;
	if (kind != RULE_OK)
		return -1;
	return step_ok(rule, ip, sp, bp, hi);
}

/*
 * The rest of a walk that reached runtime.asmcgocall (docs/go.md, "Stacks cross the cgo
 * boundary"). When called from a goroutine, asmcgocall moved from the goroutine's stack to the
 * system stack before calling C, and has no CFI for that; but it leaves its caller's RBP in RBP
 * (runtime.cgocall's frame pointer, which `bp` holds here: C preserves RBP and the CFI walk
 * tracked it), and Go on amd64 keeps frame pointers: [bp] is the next frame's RBP, [bp + 8] a
 * return address. runtime.cgocall's own return address is not in that chain, so it is skipped.
 * Emits the return addresses into ips after `*skip`, up to max, and returns the new count.
 *
 * The goroutine stack is Go heap memory, not within t->stack_lo/hi, so the steps are not
 * bounded by them: each must go up by less than GO_FRAME_MAX, and 0 ends the chain (a
 * goroutine's first frame saved RBP 0, under runtime.goexit). The reads are trusted: this is a
 * genuine Go frame-pointer chain, on a stack the runtime does not move during a cgo call.
 *
 * Where the chain breaks on this thread's own stack (asmcgocall called on the system stack,
 * which does not switch: a thread's first Go frames sit on C code without frame pointers,
 * start_thread), the last frame's caller has sp = bp + 16, and the walk goes on by CFI from
 * there as libunwind does, so GROWTH_UNWIND=check sees the same frames.
 */
#define GO_FRAME_MAX ((uintptr_t)1 << 20)

/* Whether the walk leaves ip out of its output: one of the `skip` frames asked for, or a frame
 * in growth's own code before the first frame outside it (n == 0). */
static ALWAYS_INLINE bool drop(uintptr_t ip, int n, int *skip)
{
	if (*skip > 0) {
		(*skip)--;
		return true;
	}
	return n == 0 && ip - self_lo < self_hi - self_lo;
}

static int go_fp_tail(struct grw_cfi_thread *t, uintptr_t bp, uintptr_t *ips, int n, int max,
		      int *skip)
{
	uintptr_t ip, up;
	if (!bp || (bp & 7))
		return n;
	for (;;) {
		const uintptr_t *f = (const uintptr_t *)bp;
		up = f[0], ip = f[1];
		if (!ip)
			return n;
		if (!drop(ip, n, skip))
			ips[n++] = ip;
		if (n == max)
			return n;
		if (up <= bp || up - bp >= GO_FRAME_MAX || (up & 7))
			break;
		bp = up;
	}
	/* ip was read at bp + 8: its frame's sp is bp + 16, its RBP up. */
	uintptr_t sp = bp + 16;
	if (sp < t->stack_lo || sp >= t->stack_hi)
		return n;
	bp = up;
	while (n < max && step(lookup(t, ip), &ip, &sp, &bp, t->stack_hi) == 0 && ip) {
		if (!drop(ip, n, skip))
			ips[n++] = ip;
	}
	return n;
}

/*
 * Whether the stack slots that the kept walk read when stepping from its frame i to i + 1 (the
 * return address, and the saved RBP where the rule restores it) still hold what it read, for
 * every i >= j. Slots are checked from the outermost down and each at most once per walk:
 * *ok_from is the lowest i known to hold, *bad_at the highest known to have changed, so a walk
 * that meets many candidate junctions still costs O(depth).
 */
static ALWAYS_INLINE bool suffix_holds(const struct grw_cfi_thread *t, int j, int *ok_from,
				       int *bad_at)
{
	if (j <= *bad_at)
		return false;
	int i = *ok_from - 1;
	/* Four return-address slots at a time with one branch: most walks find every slot as it
	 * was. A block where one changed, or where a frame's RBP must be compared too (BP_NEEDED:
	 * rare without frame pointers), ends this, and the loop below takes over slot by slot. */
	for (; i - 3 >= j; i -= 4) {
		const uintptr_t *sp = &t->sp[i - 2], *ip = &t->ip[i - 2];
		const uint64_t *rule = &t->rule[i - 2];
		uintptr_t d = (*(const uintptr_t *)(sp[3] - 8) ^ ip[3]) |
			      (*(const uintptr_t *)(sp[2] - 8) ^ ip[2]) |
			      (*(const uintptr_t *)(sp[1] - 8) ^ ip[1]) |
			      (*(const uintptr_t *)(sp[0] - 8) ^ ip[0]);
		if (d | ((rule[3] | rule[2] | rule[1] | rule[0]) & BP_NEEDED))
			break;
		*ok_from = i - 3;
	}
	for (; i >= j; i--) {
		uintptr_t cfa = t->sp[i + 1];
		/* (The next frame's need first: it is rarely set, RBP saves are common.) */
		if (*(const uintptr_t *)(cfa - 8) != t->ip[i + 1] ||
		    ((t->rule[i + 1] & BP_NEEDED) && (t->rule[i] & SAVES_RBP) &&
		     *(const uintptr_t *)(cfa - RULE_NEED(t->rule[i])) != t->bp[i + 1])) {
			*bad_at = i;
			return false;
		}
		*ok_from = i;
	}
	return true;
}

#define CAP GRW_CFI_CAP

/* Moves the k frames of the scratch slots [0, k) to [to, to + k), to >= 0: copied from the top
 * down, which is right when the two ranges overlap. */
static inline void place(struct grw_cfi_thread *t, int k, int to)
{
	for (int i = k - 1; i >= 0; i--) {
		t->ip[to + i] = t->ip[i];
		t->sp[to + i] = t->sp[i];
		t->bp[to + i] = t->bp[i];
		t->rule[to + i] = t->rule[i];
	}
}

/*
 * Completes the kept frames [lo, hi), from hi - 1 down: their key sums (h), and whether the
 * next walk must compare their RBP. RBP's value in a frame matters to the frames after it only
 * if one of them computes its CFA from RBP before a frame restores RBP from the stack; `need`
 * says so of frame hi (for hi = CAP: unknown frames beyond, when the walk was cut short), and
 * the next walk compares RBP only where it is needed (code without frame pointers uses RBP
 * freely).
 */
static inline void finish(struct grw_cfi_thread *t, int lo, int hi, bool need)
{
	uint64_t nd = need;
	for (int i = hi - 1; i >= lo; i--) {
		/* Needed here if this frame's CFA comes from RBP (a RULE_CGO frame needs its bp
		 * too: the Go tail starts from it), or if it passes RBP on to a frame that needs
		 * it. */
		uint64_t r = t->rule[i] & ~(uint64_t)BP_NEEDED;
		nd = BP_NEED(r, nd);
		t->rule[i] = r | nd << 7;
		t->h[i] = grw_frame_mix(t->ip[i]) + GRW_POLY_B * t->h[i + 1];
	}
}

/* place(t, k, to) then finish(t, to, to + k, need) in one pass: the common end of a walk.
 * (Scratch rules come from lookup(), so they have no BP_NEEDED bit to clear.) */
static ALWAYS_INLINE void place_finish(struct grw_cfi_thread *t, int k, int to, bool need)
{
	uint64_t nd = need, h = t->h[to + k];
	for (int i = k - 1; i >= 0; i--) {
		uintptr_t ip = t->ip[i];
		uint64_t r = t->rule[i];
		nd = BP_NEED(r, nd);
		h = grw_frame_mix(ip) + GRW_POLY_B * h;
		t->ip[to + i] = ip;
		t->sp[to + i] = t->sp[i];
		t->bp[to + i] = t->bp[i];
		t->rule[to + i] = r | nd << 7;
		t->h[to + i] = h;
	}
}

/* The key of the n output frames, which are the kept slots [a, a + n). */
static ALWAYS_INLINE void set_key(struct grw_cfi_thread *t, int a, int n)
{
	t->key = t->h[a] - grw_poly_pow[n] * t->h[a + n];
	t->key_frames = &t->ip[a];
	t->key_ok = 1;
}

/*
 * Goes on from the kept walk's outermost frame when that walk was cut short (by the depth cap,
 * or at runtime.asmcgocall), and outputs what it finds. Up to `room` of the frames found are
 * written to the scratch slots, *c of them, for the caller to keep. *ended: the walk reached the
 * end of the stack, and every frame it output is in the scratch slots.
 */
static int go_on(struct grw_cfi_thread *t, uintptr_t *ips, int n, int max, int *skip, int room,
		 int *c, bool *ended)
{
	const int last = CAP - 1;
	*c = 0;
	*ended = false;
	if (RULE_KIND(t->rule[last]) == RULE_CGO) {
		/* Kept up to asmcgocall (its bp equal, BP_NEEDED): the Go frames are read anew. */
		t->went_past_cgo = 1;
		return go_fp_tail(t, t->bp[last], ips, n, max, skip);
	}
	uintptr_t ip = t->ip[last], sp = t->sp[last], bp = t->bp[last];
	uint64_t rule = t->rule[last];
	bool all = true; /* every frame found is in the scratch slots */
	for (;;) {
		int r = step(rule, &ip, &sp, &bp, t->stack_hi);
		if (r < 0)
			return GRW_CFI_FALLBACK;
		if (r > 0 || !ip) {
			*ended = all;
			return n;
		}
		if (!drop(ip, n, skip))
			ips[n++] = ip;
		if (n == max)
			return n; /* this frame is not kept: a walk cut by the cap ends so */
		rule = lookup(t, ip);
		if (*c == room) {
			all = false; /* no more room: what follows is output only */
		} else {
			t->ip[*c] = ip;
			t->sp[*c] = sp;
			t->bp[*c] = bp;
			t->rule[*c] = rule;
			(*c)++;
		}
		if (RULE_KIND(rule) == RULE_CGO) {
			t->went_past_cgo = 1;
			return go_fp_tail(t, bp, ips, n, max, skip);
		}
	}
}

/*
 * The rest of a walk that met the kept walk at its frame j, with k new frames in the scratch
 * slots (`dropped` of them left out of the output, which holds n). The kept frames from j on
 * are output and stay where they are; the new frames are moved in front of them.
 */
static ALWAYS_INLINE int reuse(struct grw_cfi_thread *t, uintptr_t *ips, int max, int n, int k,
			       int j, int dropped, int cut, int skip, const bool lean)
{
	int a; /* the slot of ips[0] once the new frames are in place */
	int i = j, c;
	bool ended;
	/* A lean walk meeting a complete kept walk, within the frames kept (nearly every walk of
	 * a program that reuses): what the general path below does, without its other cases. */
	if (lean && t->complete && k + (CAP - j) <= GRW_CFI_PREV) {
		n = k + (CAP - j) < max ? k + (CAP - j) : max;
		place_finish(t, k, j - k, (t->rule[j] & BP_NEEDED) != 0);
		t->saved = k + (CAP - j);
		set_key(t, j - k, n);
		return n;
	}
	if (!lean && n == 0) { /* still dropping (skip, or growth's own frames) */
		while (i < CAP && drop(t->ip[i], 0, &skip))
			i++;
		a = i;
	} else {
		a = j - k + dropped;
	}
	int m = CAP - i < max - n ? CAP - i : max - n;
	bool deep = cut || k + (CAP - j) > GRW_CFI_PREV;
	/* The common case ends in set_key below: the output is then the kept slots [a, a + n),
	 * where the caller reads it (t->key_frames), and ips need not get the reused frames. */
	if (deep || (n + m < max && !t->complete))
		memcpy(ips + n, &t->ip[i], (size_t)m * sizeof *ips);
	n += m;

	if (deep) {
		/* Deeper than we keep: keep the innermost GRW_CFI_PREV frames, as a walk cut
		 * short (or, when the new frames alone overflowed the scratch, those). */
		if (n < max && !t->complete) {
			n = go_on(t, ips, n, max, &skip, 0, &c, &ended);
			if (n == GRW_CFI_FALLBACK)
				return n; /* the kept walk is intact */
		}
		int old = cut ? 0 : GRW_CFI_PREV - k;
		for (int x = old - 1; x >= 0; x--) {
			int to = CAP - old + x;
			t->ip[to] = t->ip[j + x];
			t->sp[to] = t->sp[j + x];
			t->bp[to] = t->bp[j + x];
			t->rule[to] = t->rule[j + x];
		}
		place(t, k, CAP - old - k);
		t->saved = k + old;
		t->complete = 0;
		t->h[CAP] = 0;
		finish(t, CAP - k - old, CAP, true);
		return n;
	}
	place_finish(t, k, j - k, (t->rule[j] & BP_NEEDED) != 0);
	t->saved = k + (CAP - j);
	if (n == max || t->complete) {
		set_key(t, a, n);
		return n;
	}

	/* The kept walk was cut short: go on from its outermost frame, and keep what is found
	 * after it (the kept frames move down to make room; this walk's key sums all change). */
	n = go_on(t, ips, n, max, &skip, GRW_CFI_PREV - t->saved, &c, &ended);
	if (n == GRW_CFI_FALLBACK || c == 0) {
		if (ended) {
			t->complete = 1; /* it stopped just short of the end */
			finish(t, CAP - t->saved, CAP, false);
			if (a + n == CAP)
				set_key(t, a, n);
		}
		return n;
	}
	int lo = CAP - t->saved;
	for (int x = 0; x < t->saved; x++) { /* down by c: from the bottom up */
		t->ip[lo - c + x] = t->ip[lo + x];
		t->sp[lo - c + x] = t->sp[lo + x];
		t->bp[lo - c + x] = t->bp[lo + x];
		t->rule[lo - c + x] = t->rule[lo + x];
	}
	place(t, c, CAP - c);
	t->saved += c;
	t->complete = ended;
	t->h[CAP] = 0;
	finish(t, CAP - t->saved, CAP, !ended);
	/* The output is the kept slots from a - c to the end, unless go_on dropped frames (only
	 * possible while nothing was output yet). */
	if (ended && a - c + n == CAP)
		set_key(t, a - c, n);
	return n;
}

/*
 * Plain walks. Reusing the kept walk saves the steps of the frames it shares with the new one,
 * but makes every frame walked anew cost more: the search for a junction, the scratch slots,
 * and moving and summing the frames into the kept walk. Counted with cachegrind (exact mode),
 * a walk that reuses costs about 90 instructions per frame walked anew, 6 per frame shared
 * and 100 besides; a plain walk, which keeps nothing and sums the key as it goes, about 53 per
 * frame all told. Most programs walk a few new frames under many shared ones
 * (python-malloc: 3.2 new and 11.6 shared per walk, cc1 3.0 / 17.8, cxxbench 4.9 / 19.1,
 * sqlite 5.7 / 12.2), but some call deep chains of varying shape, where a walk shares little
 * with the last (mallocbench: 17.4 / 3.9). So each thread counts, over windows of PLAIN_WINDOW
 * walks, the frames walked anew and those shared, and when reuse lost (shared < 3/4 new + 2
 * per walk, from the costs above), makes its next PLAIN_RUN walks plain, then measures again.
 * The kept walk is not touched meanwhile; whatever of it still matches the stack when reuse
 * resumes is checked as always (suffix_holds). GROWTH_UNWIND_PLAIN=0 turns this off.
 */
#define PLAIN_WINDOW 128
#define PLAIN_RUN 4096

static int plain_on = 1;

void grw_cfi_set_plain(int on)
{
	plain_on = on;
}

static __attribute__((noinline)) void plain_decide(struct grw_cfi_thread *t)
{
	if (plain_on && 4 * t->win_reused < 3 * t->win_fresh + 8 * PLAIN_WINDOW)
		t->plain_left = PLAIN_RUN;
	t->win_walks = t->win_fresh = t->win_reused = 0;
}

static ALWAYS_INLINE void account(struct grw_cfi_thread *t, int fresh, int reused)
{
	t->win_fresh += fresh;
	t->win_reused += reused;
	if (__builtin_expect(++t->win_walks == PLAIN_WINDOW, 0))
		plain_decide(t);
}

/* A plain walk's loop. It sums the key as it goes (stackhash.h: frame n's mixed address times
 * B^n), which saves the caller a second pass over the frames. `lean` as in walk(): no frame to
 * drop. */
static ALWAYS_INLINE int plain_body(struct grw_cfi_thread *t, uintptr_t *ips, int max, int skip,
				    uintptr_t ip, uintptr_t sp, uintptr_t bp, const bool lean)
{
	const uintptr_t hi = t->stack_hi;
	uint64_t key = 0;
	int n = 0;
	while (ip) {
		if (lean || __builtin_expect(n > 0, 1) || !drop(ip, n, &skip)) {
			key += grw_frame_mix(ip) * grw_poly_pow[n];
			ips[n++] = ip;
		}
		if (n == max)
			break;
		uint64_t rule = lookup(t, ip);
		if (__builtin_expect(RULE_NOT_OK(rule), 0)) {
			if (RULE_KIND(rule) == RULE_END)
				break;
			if (RULE_KIND(rule) != RULE_CGO)
				return GRW_CFI_FALLBACK;
			t->went_past_cgo = 1;
			return go_fp_tail(t, bp, ips, n, max, &skip); /* the caller hashes */
		}
		if (step_ok(rule, &ip, &sp, &bp, hi))
			break;
	}
	t->key = key;
	t->key_frames = ips;
	t->key_ok = 1;
	return n;
}

static __attribute__((noinline)) int plain_walk(struct grw_cfi_thread *t, uintptr_t *ips, int max,
						int skip, uintptr_t ip, uintptr_t sp, uintptr_t bp,
						bool lean)
{
	t->plain_left--;
	if (lean)
		return plain_body(t, ips, max, 0, ip, sp, bp, true);
	return plain_body(t, ips, max, skip, ip, sp, bp, false);
}

/*
 * The walk proper (grw_cfi_backtrace), from the registers of its first frame. `lean`: skip is 0,
 * the first frame is outside growth and max <= GRW_CFI_PREV, so that no frame is dropped and
 * every frame but one that reaches max fits the scratch slots: the compiler then leaves the
 * drop tests and the scratch bound out of the loop. Nearly every walk is lean (grw_cfi_backtrace
 * steps over growth's own frames first); the others take walk_any.
 */
static ALWAYS_INLINE int walk(struct grw_cfi_thread *t, uintptr_t *ips, int max, int skip,
			      uintptr_t ip, uintptr_t sp, uintptr_t bp, const bool lean)
{
	const uintptr_t hi = t->stack_hi;
	int n = 0;
	/*
	 * Consecutive allocations mostly share their outer frames. The last walk is kept in stack
	 * order with each frame's registers. When this walk reaches a frame whose (ip, sp, bp)
	 * equal one of the kept walk's, the rest of the walk is a function of the stack slots that
	 * the kept walk read from there on (return addresses and saved RBPs): if each of those
	 * slots still holds what was read, the rest is the same, exactly. Checking them is a set
	 * of independent loads instead of a chain of dependent ones; the frames are not copied
	 * (the new ones go in front of them) and their key sums stay valid (stackhash.h).
	 */
	int j = CAP - t->saved, k = 0, dropped = 0, complete = 1, cut = 0;
	int ok_from = CAP - 1, bad_at = -1;
	while (ip) {
		while (t->sp[j] < sp) /* sp[CAP] is all ones: no bounds test */
			j++;
		if (t->sp[j] == sp && t->ip[j] == ip &&
		    (!(t->rule[j] & BP_NEEDED) || t->bp[j] == bp) &&
		    suffix_holds(t, j, &ok_from, &bad_at)) {
			account(t, k, CAP - j);
			return reuse(t, ips, max, n, k, j, dropped, cut, skip, lean);
		}
		/* Frames are dropped only before the first one kept (skip, then growth's own). A
		 * lean walk drops none, so n is k + 1 after this. */
		if (lean)
			ips[k] = ip, n = k + 1; /* n follows from k: one variable less in the loop */
		else if (__builtin_expect(n > 0, 1) || !drop(ip, n, &skip))
			ips[n++] = ip;
		else
			dropped++;
		if (n == max) {
			complete = 0;
			break;
		}
		uint64_t rule = lookup(t, ip);
		/* scratch: below the kept walk, which starts at >= PREV (in a lean walk k < n <
		 * max <= PREV here) */
		if (lean || k < GRW_CFI_PREV) {
			t->ip[k] = ip;
			t->sp[k] = sp;
			t->bp[k] = bp;
			t->rule[k] = rule;
			k++;
		} else {
			cut = 1;
		}
		if (__builtin_expect(RULE_NOT_OK(rule), 0)) {
			if (RULE_KIND(rule) == RULE_END)
				break;
			if (RULE_KIND(rule) != RULE_CGO)
				return GRW_CFI_FALLBACK; /* the kept walk is intact: only scratch
							  * was written */
			/* The Go frames are not kept for reuse (their sp is not on this thread's
			 * stack, which suffix_holds assumes): this frame is the last one kept, and
			 * the walk counts as cut short, so a walk that reuses it runs the tail anew. */
			n = go_fp_tail(t, bp, ips, n, max, &skip);
			t->went_past_cgo = 1;
			complete = 0;
			break;
		}
		if (step_ok(rule, &ip, &sp, &bp, hi))
			break;
	}
	account(t, k, 0);
	/* Nothing in common with the kept walk: this walk is kept instead. */
	t->saved = k;
	t->complete = complete && !cut;
	t->h[CAP] = 0;
	place_finish(t, k, CAP - k, !t->complete);
	if (t->complete) /* then every output frame is kept: the last k - dropped */
		set_key(t, CAP - k + dropped, n);
	return n;
}

static __attribute__((noinline)) int walk_any(struct grw_cfi_thread *t, uintptr_t *ips, int max,
					      int skip, uintptr_t ip, uintptr_t sp, uintptr_t bp)
{
	return walk(t, ips, max, skip, ip, sp, bp, false);
}

/*
 * A walk without a frame to start from starts at this function's own (the builtin makes it keep
 * a frame pointer), which the walk leaves out with grw_cfi_backtrace's (they are growth's) and
 * one more: the caller's, as grw_cfi_backtrace says. Not a tail call: the frame must live
 * through the walk. Out of grw_cfi_backtrace so that it keeps no frame pointer itself: RBP is
 * then one more register for the walk's loop.
 */
static __attribute__((noinline)) int backtrace_here(struct grw_cfi_thread *t, uintptr_t *ips,
						    int max, int skip)
{
	int n = grw_cfi_backtrace(t, ips, max, skip + 2, __builtin_frame_address(0));
	__asm__ volatile("" ::: "memory");
	return n;
}

__attribute__((noinline)) int grw_cfi_backtrace(struct grw_cfi_thread *t, uintptr_t *ips, int max,
						int skip, const void *from)
{
	if (__builtin_expect(!from, 0)) {
		int n = backtrace_here(t, ips, max, skip);
		__asm__ volatile("" ::: "memory"); /* not a tail call (backtrace_here drops our frame) */
		return n;
	}
	/* A frame as __builtin_frame_address gives it: fp[0] is the caller's RBP, fp[1] the return
	 * address, fp + 2 the caller's RSP once the function returns. */
	const uintptr_t *fp = from;
	uintptr_t ip = fp[1], sp = (uintptr_t)(fp + 2), bp = fp[0];
	const uintptr_t lo = t->stack_lo, hi = t->stack_hi;

	t->went_past_cgo = 0;
	t->key_ok = 0;
	if (sp < lo || sp >= hi)
		return GRW_CFI_FALLBACK; /* on a signal stack or a stack we do not know */
	uint32_t gen = __atomic_load_n(&cache_gen, __ATOMIC_ACQUIRE);
	if (t->gen != gen) {
		memset(t->cache, 0, (t->cache_mask + 1) * sizeof *t->cache);
		t->saved = 0;
		t->gen = gen;
		/* Refilling the cache takes at most as many misses as it has entries: those are
		 * not a sign that it is too small (and zeroing the count instead would keep a
		 * thread of a program that calls dlclose often from ever growing). */
		uint64_t entries = t->cache_mask + 1;
		t->misses = t->misses > entries ? t->misses - entries : 0;
	}
	t->walks++;
	/* Growth's own leading frames (a hook that called its recording function rather than
	 * tail-calling it; every hook in a profiling build, whose counters follow the call) are
	 * stepped over here, so that the walk proper drops none: one test per walk instead of the
	 * drop test of each frame (docs/performance.md, run 11). The walk keeps none of them. */
	if (skip == 0) {
		uintptr_t ip1 = ip, sp1 = sp, bp1 = bp;
		while (ip1 - self_lo < self_hi - self_lo) {
			uint64_t rule = lookup(t, ip1);
			if (RULE_NOT_OK(rule) || step_ok(rule, &ip1, &sp1, &bp1, hi) || !ip1)
				goto any; /* the general walk sorts it out */
		}
		if (t->plain_left > 0)
			return plain_walk(t, ips, max, 0, ip1, sp1, bp1, true);
		if (max <= GRW_CFI_PREV)
			return walk(t, ips, max, 0, ip1, sp1, bp1, true);
	}
any:
	if (t->plain_left > 0)
		return plain_walk(t, ips, max, skip, ip, sp, bp, false);
	return walk_any(t, ips, max, skip, ip, sp, bp);
}

#undef CAP

#else /* !__x86_64__ */

void grw_cfi_invalidate(void)
{
}

void grw_cfi_set_cgo_range(uintptr_t lo, uintptr_t hi)
{
	(void)lo, (void)hi;
}

void grw_cfi_set_self_range(uintptr_t lo, uintptr_t hi)
{
	(void)lo, (void)hi;
}

void grw_cfi_set_plain(int on)
{
	(void)on;
}

void grw_cfi_set_growth(size_t max, void *(*alloc)(size_t), void (*release)(void *, size_t))
{
	(void)max, (void)alloc, (void)release;
}

int grw_cfi_backtrace(struct grw_cfi_thread *t, uintptr_t *ips, int max, int skip,
		      const void *from)
{
	(void)t, (void)ips, (void)max, (void)skip, (void)from;
	return GRW_CFI_FALLBACK;
}

#endif

