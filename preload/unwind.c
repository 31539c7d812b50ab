/* SPDX-License-Identifier: MIT */
/*
 * Stack capture. By default the fast walker of cfi_unwind.c (cached .eh_frame rules, reuse of
 * the previous walk's outer frames), with libunwind's unw_backtrace whenever it cannot walk a
 * stack (signal frames, DWARF expressions, an alternate signal stack, a thread whose stack
 * bounds are unknown). GROWTH_UNWIND=libunwind uses unw_backtrace only. growth's own frames
 * are recognised by address, against the executable segments of libgrowth.so found once at
 * init. In a Go program the fast walker goes on past runtime.asmcgocall into the Go callers of C
 * (gosyms.c finds it at init). All capture logic stays in this file.
 */
#include "unwind.h"

#include <dlfcn.h>
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

#include "cfi_unwind.h"
#include "config.h"
#include "gosyms.h"
#include "ialloc.h"
#include "log.h"
#include "stackhash.h"
#include "state.h"
#include "trace_format.h"

/* Rule cache entries per thread (16 B each), powers of two: what a thread starts with, and
 * what a thread whose lookups keep missing gets (cfi_unwind.h). */
#define CFI_CACHE 2048
#define CFI_CACHE_MAX 16384

static uintptr_t self_lo, self_hi; /* growth's executable segments span [self_lo, self_hi) */
static char self_name[256];

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	uintptr_t probe = (uintptr_t)arg;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t s = info->dlpi_addr + ph->p_vaddr;
		if (s < lo)
			lo = s;
		if (s + ph->p_memsz > hi)
			hi = s + ph->p_memsz;
	}
	if (probe < lo || probe >= hi)
		return 0;
	self_lo = lo;
	self_hi = hi;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t n = strlen(base);
	if (n < sizeof self_name) {
		memcpy(self_name, base, n + 1);
	}
	return 1;
}

/* x_cgo_mmap in a Go executable (gosyms.h); 0 otherwise. Set once at init. */
static uintptr_t go_mmap_lo, go_mmap_hi;

/* A thread's larger rule cache (cfi_unwind.h); says so at GROWTH_LOG=debug (t_unwind.sh). */
static void *cfi_cache_alloc(size_t n)
{
	void *p = grw_icalloc(n);
	if (p)
		grw_log(GRW_LOG_DEBUG, "a thread's rule cache grows to %zu entries",
			n / sizeof(struct grw_cfi_entry));
	return p;
}

void grw_unwind_init(void)
{
	grw_poly_init();
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	dl_iterate_phdr(find_self, (void *)(uintptr_t)grw_unwind_init);
	grw_cfi_set_self_range(self_lo, self_hi);
	grw_cfi_set_plain(grw_cfg.unwind_plain);
	grw_cfi_set_growth(CFI_CACHE_MAX, cfi_cache_alloc, grw_ifree);
	struct grw_gosyms go;
	if (grw_gosyms_find(&go) == 0) {
		if (go.cgocall_hi) {
			grw_cfi_set_cgo_range(go.cgocall_lo, go.cgocall_hi);
			grw_log(GRW_LOG_DEBUG, "Go program: stacks go on past runtime.asmcgocall [%p, %p)",
				(void *)go.cgocall_lo, (void *)go.cgocall_hi);
		}
		go_mmap_lo = go.mmap_lo;
		go_mmap_hi = go.mmap_hi;
	}
}

bool grw_unwind_go_runtime_site(const uintptr_t *frames, uint32_t depth)
{
	/* frames[0] is a return address: the call to mmap lies just before it, inside the hook. */
	return depth && go_mmap_hi && frames[0] > go_mmap_lo && frames[0] <= go_mmap_hi;
}

const char *grw_unwind_self_name(void)
{
	return self_name;
}

static inline int is_self(uintptr_t ip)
{
	return ip >= self_lo && ip < self_hi;
}

__thread struct grw_cfi_thread *grw_cfi_tls;

static struct grw_cfi_thread *cfi_self(void)
{
	struct grw_cfi_thread *t = grw_cfi_tls;
	if (__builtin_expect(t != NULL, 1))
		return t;
	grw_cfi_tls = GRW_CFI_OFF;
	pthread_attr_t attr;
	void *addr;
	size_t size;
	/* pthread_getattr_np allocates (and reads /proc/self/maps for the main thread): we run
	 * under the guard, so that goes straight to libc. */
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return GRW_CFI_OFF;
	int rc = pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	if (rc != 0 || !addr || !size)
		return GRW_CFI_OFF;
	t = grw_icalloc(sizeof *t);
	struct grw_cfi_entry *cache = grw_icalloc(CFI_CACHE * sizeof *cache);
	if (!t || !cache) {
		grw_ifree(t, sizeof *t);
		grw_ifree(cache, CFI_CACHE * sizeof *cache);
		return GRW_CFI_OFF;
	}
	t->cache = cache;
	t->cache_mask = CFI_CACHE - 1;
	t->sp[GRW_CFI_CAP] = UINTPTR_MAX; /* the junction search's sentinel (cfi_unwind.h) */
	t->stack_lo = (uintptr_t)addr;
	t->stack_hi = (uintptr_t)addr + size;
	grw_cfi_tls = t;
	return t;
}

void grw_unwind_thread_exit(void)
{
	struct grw_cfi_thread *t = grw_cfi_tls;
	grw_cfi_tls = GRW_CFI_OFF; /* late allocations of this thread (TLS destructors) use libunwind */
	if (t && t != GRW_CFI_OFF) {
		grw_ifree(t->cache, (t->cache_mask + 1) * sizeof *t->cache);
		grw_ifree(t, sizeof *t);
	}
}

/* libunwind's frames before growth's own, and growth's, are walked and then dropped: this many
 * more than the depth asked for covers them (3-6 here). Walking a generous 16 more cost up to
 * 12 wasted steps on every deep stack. */
#define LEAD 8

__attribute__((noinline)) int grw_unwind_capture_with(uintptr_t *frames, int max, bool fast,
					     struct grw_stack_key *key)
{
	key->ok = false;
	key->frames = frames;
	if (fast) {
		/* The fast walker drops growth's frames itself and walks no further than asked
		 * (saved a copy and up to LEAD steps per capture); when it found the key, the
		 * frames are where t->key_frames says: its kept walk (not copied to frames), or
		 * frames itself (a plain walk). */
		struct grw_cfi_thread *t = cfi_self();
		if (t != GRW_CFI_OFF) {
			int n = grw_cfi_backtrace(t, frames, max, 0, grw_entry_frame);
			if (n != GRW_CFI_FALLBACK) {
				grw_unwind_key_of(t, frames, key);
				return n;
			}
		}
	}
	void *buf[GRW_MAX_DEPTH + 16];
	const int cap = (int)(sizeof buf / sizeof buf[0]);
	int want = max + LEAD < cap ? max + LEAD : cap;
	for (;;) {
		int n = unw_backtrace(buf, want);
		/* The walk starts inside the walker, then passes growth's frames (capture, recorder,
		 * the recording function or hook); the first frame after the last of ours is in the
		 * caller of malloc. */
		int i = 0;
		while (i < n && i < 8 && !is_self((uintptr_t)buf[i]))
			i++;
		if (i == n || i == 8)
			i = 0; /* our frames are not where expected: keep the whole stack */
		while (i < n && is_self((uintptr_t)buf[i]))
			i++;
		if (n == want && n - i < max && want < cap) {
			want = cap; /* more of our frames than LEAD and a deep stack: walk again */
			continue;
		}
		int out = 0;
		for (; i < n && out < max; i++)
			frames[out++] = (uintptr_t)buf[i];
		return out;
	}
}

/* GROWTH_UNWIND=check: captures, walked by the fast walker, of those with the key found by the
 * walker (each key is checked too), of those plain walks (cfi_unwind.c), mismatches. */
static uint64_t check_captures, check_fast, check_keyed, check_plain, check_mismatches;

/* Both walkers on the same stack; libunwind's answer is kept. The fast walker is called just as
 * a capture calls it (same start, same depth, same kept walk), so its every path is checked,
 * and so is each key it finds without hashing. */
static int capture_checked(uintptr_t *frames, int max)
{
	uintptr_t fast[GRW_MAX_DEPTH];
	struct grw_stack_key key;
	int n = grw_unwind_capture_with(frames, max, false, &key);
	struct grw_cfi_thread *t = cfi_self();
	if (t == GRW_CFI_OFF)
		return n;
	__atomic_fetch_add(&check_captures, 1, __ATOMIC_RELAXED);
	bool plain = t->plain_left > 0;
	int m = grw_cfi_backtrace(t, fast, max, 0, grw_entry_frame);
	if (m == GRW_CFI_FALLBACK)
		return n;
	const uintptr_t *got = t->key_ok ? t->key_frames : fast;
	__atomic_fetch_add(&check_fast, 1, __ATOMIC_RELAXED);
	if (plain)
		__atomic_fetch_add(&check_plain, 1, __ATOMIC_RELAXED);
	/* libunwind stops at runtime.asmcgocall when C was called from a goroutine; the fast
	 * walker goes on into Go. Same frames up to there is agreement. */
	bool go_longer = t->went_past_cgo && m > n;
	if (t->key_ok)
		__atomic_fetch_add(&check_keyed, 1, __ATOMIC_RELAXED);
	if ((m != n && !go_longer) || memcmp(got, frames, (size_t)n * sizeof *frames) != 0 ||
	    (t->key_ok && t->key != grw_stack_poly(got, (uint32_t)m))) {
		__atomic_fetch_add(&check_mismatches, 1, __ATOMIC_RELAXED);
		GRW_LOG_ONCE(GRW_LOG_WARN, "unwind check: fast walker gave %d frames, libunwind %d "
			     "(first %p vs %p)", m, n, m ? (void *)got[0] : NULL,
			     n ? (void *)frames[0] : NULL);
	}
	return n;
}

__attribute__((noinline)) int grw_unwind_capture_slow(uintptr_t *frames, int max,
					     struct grw_stack_key *key)
{
	if (grw_cfg.unwind == GRW_UNWIND_FAST)
		return grw_unwind_capture_with(frames, max, true, key);
	key->ok = false;
	key->frames = frames;
	if (grw_cfg.unwind == GRW_UNWIND_CHECK)
		return capture_checked(frames, max);
	return grw_unwind_capture_with(frames, max, false, key);
}

/* GROWTH_UNWIND=check reports at exit (tests/e2e/t_unwind.sh reads this line). */
__attribute__((destructor)) static void check_report(void)
{
	if (grw_cfg.unwind != GRW_UNWIND_CHECK)
		return;
	grw_log(GRW_LOG_WARN, "unwind check: %llu captures, %llu by the fast walker (%llu with their "
		"key, %llu plain), %llu mismatches",
		(unsigned long long)__atomic_load_n(&check_captures, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&check_fast, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&check_keyed, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&check_plain, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&check_mismatches, __ATOMIC_RELAXED));
}

void grw_unwind_flush(void)
{
	unw_flush_cache(unw_local_addr_space, 0, 0);
	grw_cfi_invalidate();
}
