/* SPDX-License-Identifier: MIT */
/*
 * The recorder: capture the stack, intern the site, update the live map and this thread's
 * counters. Called by the hooks with the guard set and recording enabled. Hot path: one stack
 * walk, a lock-free cache lookup, one shard spinlock, four relaxed stores; no syscall.
 */
#include "record.h"

#include <sys/mman.h>

#include "addrmap.h"
#include "config.h"
#include "counters.h"
#include "sites.h"
#include "state.h"
#include "unwind.h"
#include "writer.h"

static inline void maybe_start_writer(void)
{
	/* A fork child starts its own trace at its first event (fork+exec children never do). */
	if (__builtin_expect(__atomic_load_n(&grw_writer_pending, __ATOMIC_RELAXED) == 1, 0))
		grw_writer_start_child();
}

/* The site of the current stack, or -1 when it cannot be interned. */
static int64_t current_site(struct grw_tblock *tb, uint32_t kind)
{
	uintptr_t frames[GRW_MAX_DEPTH];
	int depth = grw_unwind_capture(frames, (int)grw_cfg.depth);
	uint32_t id;
	if (grw_sites_intern(grw_counters_cache(tb), kind, frames, (uint32_t)depth, &id) < 0)
		return -1;
	return id;
}

void grw_record_alloc(void *p, size_t size)
{
	maybe_start_writer();
	struct grw_tblock *tb = grw_counters_self();
	int64_t site = current_site(tb, GRW_KIND_HEAP);
	if (site < 0) {
		grw_counters_untracked(size);
		return;
	}
	struct grw_block stale;
	int rc = grw_addrmap_insert((uintptr_t)p, (uint32_t)site, size, &stale);
	if (rc < 0) {
		grw_counters_untracked(size);
		return;
	}
	if (rc == 1) /* a free we missed (e.g. in a signal handler while inside growth) */
		grw_counters_add(tb, stale.site, 0, 1, 0, stale.size);
	grw_counters_add(tb, (uint32_t)site, 1, 0, size, 0);
}

bool grw_record_free(void *p, struct grw_block *was)
{
	struct grw_block b;
	if (!grw_addrmap_remove((uintptr_t)p, &b))
		return false;
	grw_counters_add(grw_counters_self(), b.site, 0, 1, 0, b.size);
	if (was)
		*was = b;
	return true;
}

void grw_record_unfree(void *p, const struct grw_block *was)
{
	struct grw_tblock *tb = grw_counters_self();
	struct grw_block stale;
	if (grw_addrmap_insert((uintptr_t)p, was->site, was->size, &stale) < 0)
		return;
	grw_counters_add(tb, was->site, 0, (uint64_t)-1, 0, (uint64_t)0 - was->size);
}

/* ------------------------------------------------------------------------------------------ */
/* mmap */

static void charge_unmap(void *ctx, uint32_t site, uint64_t bytes, bool ended)
{
	grw_counters_add(ctx, site, 0, ended ? 1 : 0, 0, bytes);
}

static inline uintptr_t page_up(uintptr_t x)
{
	return (x + grw_page_size - 1) & ~(uintptr_t)(grw_page_size - 1);
}

static void region_alloc(struct grw_tblock *tb, uintptr_t start, uintptr_t end)
{
	int64_t site = current_site(tb, GRW_KIND_MMAP);
	if (site < 0 || grw_regions_insert(start, end, (uint32_t)site) < 0) {
		grw_counters_untracked(end - start);
		return;
	}
	grw_counters_add(tb, (uint32_t)site, 1, 0, end - start, 0);
}

void grw_record_mmap(void *addr, size_t len, int flags)
{
	maybe_start_writer();
	struct grw_tblock *tb = grw_counters_self();
	uintptr_t start = (uintptr_t)addr, end = page_up(start + len);
	/* Whatever we tracked there is gone: MAP_FIXED replaced it, or we missed its munmap. */
	grw_regions_remove(start, end, charge_unmap, tb);
	if (flags & MAP_ANONYMOUS)
		region_alloc(tb, start, end);
}

void grw_record_munmap(void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr;
	if (start & (grw_page_size - 1))
		return; /* EINVAL: nothing will be unmapped */
	grw_regions_remove(start, page_up(start + len), charge_unmap, grw_counters_self());
}

/* Holds the charges of the old range back: a failed mremap must count nothing. */
static void charge_later(void *ctx, uint32_t site, uint64_t bytes, bool ended)
{
	struct grw_mremap_undo *u = ctx;
	if (u->ncharges < sizeof u->charges / sizeof u->charges[0]) {
		u->charges[u->ncharges].site = site;
		u->charges[u->ncharges].bytes = bytes;
		u->charges[u->ncharges].ended = ended;
		u->ncharges++;
		return;
	}
	charge_unmap(grw_counters_self(), site, bytes, ended); /* many pieces: rare, charge now */
}

void grw_record_mremap_begin(void *old, size_t old_len, int flags, struct grw_mremap_undo *u)
{
	u->start = (uintptr_t)old;
	u->end = page_up(u->start + old_len);
	u->site = UINT32_MAX;
	u->removed = false;
	u->ncharges = 0;
	if ((u->start & (grw_page_size - 1)) || (flags & MREMAP_DONTUNMAP))
		return; /* EINVAL, or the old range stays mapped */
	/* Out before the call: once the kernel moves it, another thread may map the old range. */
	u->site = grw_regions_remove(u->start, u->end, charge_later, u);
	u->removed = u->site != UINT32_MAX;
}

void grw_record_mremap_end(const struct grw_mremap_undo *u, void *r, size_t new_len)
{
	struct grw_tblock *tb = grw_counters_self();
	if (r == MAP_FAILED) {
		/* Nothing happened: put the old range back, uncounted. */
		if (u->removed)
			grw_regions_insert(u->start, u->end, u->site);
		return;
	}
	for (unsigned i = 0; i < u->ncharges; i++)
		charge_unmap(tb, u->charges[i].site, u->charges[i].bytes, u->charges[i].ended);
	if (!u->removed)
		return; /* not a mapping we track (file-backed, or from before init) */
	uintptr_t start = (uintptr_t)r, end = page_up(start + new_len);
	grw_regions_remove(start, end, charge_unmap, tb);
	region_alloc(tb, start, end);
}
