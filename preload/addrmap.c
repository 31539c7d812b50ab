/* SPDX-License-Identifier: MIT */
/*
 * Live blocks and regions. Heap blocks: 64 shards chosen by a hash of the address's page,
 * each an open-addressing table (linear probing, backward-shift deletion, so no tombstones)
 * under its own spinlock; a shard grows by doubling, allocating with its lock dropped. Regions: a sorted
 * array of non-overlapping page ranges under a mutex (mmap is a syscall anyway).
 */
#include "addrmap.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ialloc.h"
#include "sites.h"
#include "spin.h"

#define NSHARDS 64
#define MIN_CAP 256
#define GROUP_SHIFT 8 /* slots per group: one 4 KiB page of 16-byte-aligned blocks */

/* 16 bytes: the address, and the site (20 bits) beside the size (44 bits). */
#define SIZE_BITS 44
struct entry {
	uintptr_t addr; /* 0 = empty slot */
	uint64_t val;   /* size | site << SIZE_BITS */
};

struct shard {
	grw_spin_t lock;
	size_t cap;   /* slots, power of two, 0 before the first insert */
	size_t count; /* used slots */
	struct entry *tab;
} __attribute__((aligned(64)));

static struct shard shards[NSHARDS];

_Static_assert(GRW_MAX_SITES <= (1u << (64 - SIZE_BITS)), "site ids must fit beside the size");

static inline uint64_t mix(uintptr_t a)
{
	uint64_t z = a;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The shard and the home slot come from a hash of the 4 KiB page; within the page, blocks keep
 * their order in a run of 256 slots. Allocators hand out neighbouring addresses one after the
 * other, so consecutive inserts and removes touch the same few cache lines and TLB entries
 * instead of one random line each (this was a cache miss per malloc and per free). */
static inline uint64_t page_hash(uintptr_t a)
{
	return mix(a >> 12);
}

static inline size_t home(uintptr_t a, uint64_t h, size_t mask)
{
	return (size_t)((h << GROUP_SHIFT) + ((a >> 4) & ((1u << GROUP_SHIFT) - 1))) & mask;
}

static inline struct shard *shard_of(uint64_t h)
{
	return &shards[h >> 58];
}

/* Under the shard lock: place e in tab (no duplicate, a free slot exists). */
static void place(struct entry *tab, size_t cap, const struct entry *e)
{
	size_t i = home(e->addr, page_hash(e->addr), cap - 1);
	while (tab[i].addr)
		i = (i + 1) & (cap - 1);
	tab[i] = *e;
}

/* Makes room for one more entry; called and returns with the lock held. -ENOMEM on failure. */
static int grow(struct shard *s)
{
	while ((s->count + 1) * 4 > s->cap * 3) {
		size_t old_cap = s->cap;
		size_t cap = old_cap ? old_cap * 2 : MIN_CAP;
		grw_spin_unlock(&s->lock);
		struct entry *tab = grw_icalloc(cap * sizeof *tab);
		grw_spin_lock(&s->lock);
		if (!tab)
			return -ENOMEM;
		if (s->cap != old_cap) { /* another thread grew it meanwhile */
			grw_spin_unlock(&s->lock);
			grw_ifree(tab, cap * sizeof *tab);
			grw_spin_lock(&s->lock);
			continue;
		}
		struct entry *old = s->tab;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].addr)
				place(tab, cap, &old[i]);
		s->tab = tab;
		s->cap = cap;
		if (old) {
			grw_spin_unlock(&s->lock);
			grw_ifree(old, old_cap * sizeof *old);
			grw_spin_lock(&s->lock);
		}
	}
	return 0;
}

static inline void unpack(uint64_t v, struct grw_block *b)
{
	b->size = v & ((1ull << SIZE_BITS) - 1);
	b->site = (uint32_t)(v >> SIZE_BITS);
}

int grw_addrmap_insert(uintptr_t addr, uint32_t site, uint64_t size, struct grw_block *stale)
{
	if (size >> SIZE_BITS || site >= GRW_MAX_SITES)
		return -ENOMEM; /* 16 TiB and more: counted as untracked */
	uint64_t val = size | (uint64_t)site << SIZE_BITS;
	uint64_t h = page_hash(addr);
	struct shard *s = shard_of(h);
	int rc = 0;
	grw_spin_lock(&s->lock);
	if (grow(s) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	size_t mask = s->cap - 1;
	for (size_t i = home(addr, h, mask);; i = (i + 1) & mask) {
		struct entry *e = &s->tab[i];
		if (e->addr == addr) {
			unpack(e->val, stale);
			e->val = val;
			rc = 1;
			break;
		}
		if (!e->addr) {
			e->addr = addr;
			e->val = val;
			s->count++;
			break;
		}
	}
out:
	grw_spin_unlock(&s->lock);
	return rc;
}

bool grw_addrmap_remove(uintptr_t addr, struct grw_block *out)
{
	uint64_t h = page_hash(addr);
	struct shard *s = shard_of(h);
	bool found = false;
	grw_spin_lock(&s->lock);
	if (!s->cap)
		goto out;
	size_t mask = s->cap - 1, i;
	for (i = home(addr, h, mask); s->tab[i].addr; i = (i + 1) & mask) {
		if (s->tab[i].addr == addr) {
			found = true;
			break;
		}
	}
	if (!found)
		goto out;
	unpack(s->tab[i].val, out);
	/* Backward-shift deletion: pull later entries of the probe run into the hole. */
	for (size_t j = i;;) {
		j = (j + 1) & mask;
		if (!s->tab[j].addr)
			break;
		size_t k = home(s->tab[j].addr, page_hash(s->tab[j].addr), mask); /* its home */
		bool movable = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
		if (movable) {
			s->tab[i] = s->tab[j];
			i = j;
		}
	}
	s->tab[i].addr = 0;
	s->count--;
out:
	grw_spin_unlock(&s->lock);
	return found;
}

/* ------------------------------------------------------------------------------------------ */
/* Regions */

struct region {
	uintptr_t start, end;         /* this piece */
	uintptr_t origin, origin_end; /* the mapping it was cut from */
	uint32_t site;
};

static pthread_mutex_t rmu = PTHREAD_MUTEX_INITIALIZER;
static struct region *regs; /* sorted by start, non-overlapping; guarded by rmu */
static size_t nregs, regs_cap;

/* Index of the first region with end > addr. */
static size_t first_after(uintptr_t addr)
{
	size_t lo = 0, hi = nregs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (regs[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int reserve(size_t n)
{
	if (n <= regs_cap)
		return 0;
	size_t cap = regs_cap ? regs_cap * 2 : 64;
	while (cap < n)
		cap *= 2;
	struct region *r = grw_irealloc(regs, regs_cap * sizeof *regs, cap * sizeof *regs);
	if (!r)
		return -ENOMEM;
	regs = r;
	regs_cap = cap;
	return 0;
}

/* Whether any piece of the mapping [origin, origin_end) is still tracked. */
static bool origin_alive(uintptr_t origin, uintptr_t origin_end)
{
	for (size_t i = first_after(origin); i < nregs && regs[i].start < origin_end; i++)
		if (regs[i].origin == origin && regs[i].origin_end == origin_end)
			return true;
	return false;
}

uint32_t grw_regions_remove(uintptr_t start, uintptr_t end, grw_region_charge_fn charge, void *ctx)
{
	uint32_t first_site = UINT32_MAX;
	if (end <= start)
		return first_site;
	pthread_mutex_lock(&rmu);
	size_t i = first_after(start);
	while (i < nregs && regs[i].start < end) {
		struct region *r = &regs[i];
		if (first_site == UINT32_MAX)
			first_site = r->site;
		uintptr_t cut_lo = r->start > start ? r->start : start;
		uintptr_t cut_hi = r->end < end ? r->end : end;
		uint32_t site = r->site;
		if (cut_lo == r->start && cut_hi == r->end) {
			/* The whole piece goes. */
			uintptr_t o = r->origin, oe = r->origin_end;
			memmove(r, r + 1, (nregs - i - 1) * sizeof *r);
			nregs--;
			charge(ctx, site, cut_hi - cut_lo, !origin_alive(o, oe));
			continue;
		}
		if (cut_lo > r->start && cut_hi < r->end) {
			/* A hole in the middle: split in two. */
			if (reserve(nregs + 1) < 0) {
				/* Cannot split: keep the left part only (under-reports mapped). */
				uintptr_t lost = r->end - cut_lo;
				r->end = cut_lo;
				charge(ctx, site, lost, false);
				i++;
				continue;
			}
			r = &regs[i];
			memmove(r + 2, r + 1, (nregs - i - 1) * sizeof *r);
			r[1] = r[0];
			r[1].start = cut_hi;
			r[0].end = cut_lo;
			nregs++;
			charge(ctx, site, cut_hi - cut_lo, false);
			i += 2;
			continue;
		}
		if (cut_lo == r->start)
			r->start = cut_hi; /* the front goes */
		else
			r->end = cut_lo; /* the back goes */
		charge(ctx, site, cut_hi - cut_lo, false);
		i++;
	}
	pthread_mutex_unlock(&rmu);
	return first_site;
}

int grw_regions_insert(uintptr_t start, uintptr_t end, uint32_t site)
{
	int rc = 0;
	pthread_mutex_lock(&rmu);
	if (reserve(nregs + 1) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	size_t i = first_after(start);
	memmove(&regs[i + 1], &regs[i], (nregs - i) * sizeof *regs);
	regs[i] = (struct region){start, end, start, end, site};
	nregs++;
out:
	pthread_mutex_unlock(&rmu);
	return rc;
}

size_t grw_regions_copy(struct grw_region_view **buf, size_t *cap)
{
	pthread_mutex_lock(&rmu);
	size_t n = nregs;
	if (n > *cap) {
		size_t c = n + n / 2 + 16;
		struct grw_region_view *b = grw_irealloc(*buf, *cap * sizeof **buf, c * sizeof **buf);
		if (!b) {
			pthread_mutex_unlock(&rmu);
			return 0;
		}
		*buf = b;
		*cap = c;
	}
	for (size_t i = 0; i < n; i++)
		(*buf)[i] = (struct grw_region_view){regs[i].start, regs[i].end, regs[i].site};
	pthread_mutex_unlock(&rmu);
	return n;
}

void grw_addrmap_lock(void)
{
	pthread_mutex_lock(&rmu);
	for (int i = 0; i < NSHARDS; i++)
		grw_spin_lock(&shards[i].lock);
}

void grw_addrmap_unlock(void)
{
	for (int i = NSHARDS - 1; i >= 0; i--)
		grw_spin_unlock(&shards[i].lock);
	pthread_mutex_unlock(&rmu);
}

void grw_addrmap_reinit(void)
{
	for (int i = 0; i < NSHARDS; i++)
		grw_spin_reinit(&shards[i].lock);
	pthread_mutex_init(&rmu, NULL);
}
