/* SPDX-License-Identifier: MIT */
/*
 * The exported symbols, and nothing else. Every wrapper has the shape of docs/design.md: pass
 * straight through in sampled mode's common case (record.h), make sure the real function is
 * resolved (the bootstrap arena or the raw syscall serve the calls dlsym makes), pass straight
 * through when this thread is already inside growth, record a free before the real call, call
 * it, save errno, record with the guard set, restore errno.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bootstrap.h"
#include "compiler.h"
#include "ialloc.h"
#include "hooks_list.h"
#include "record.h"
#include "state.h"
#include "unwind.h"
#include "writer.h"

#define GRW_EXPORT __attribute__((visibility("default")))

/* The exported prototypes, generated from the one list. */
#define X(name, ret, params) GRW_EXPORT ret name params;
GRW_HOOKS(X)
#undef X

#define unlikely(x) __builtin_expect(!!(x), 0)

/* ------------------------------------------------------------------------------------------ */
/* Shared bodies */

/* Enters growth for a recording that captures the stack: the walk starts at the frame of the
 * function that expands this (grw_entry_frame), and skips the 4-6 frames of growth's that it
 * would otherwise walk and drop on every allocation (docs/performance.md, run 5). Expanded in
 * an exported hook, or in a function that the hook tail-calls (malloc_recorded and the like),
 * whose frame then takes the hook's place; in a function called otherwise, the walk starts at
 * that function and drops the hook's frame as one of growth's (right, one step slower).
 * The signal fences keep the guard set whenever the frame is (a signal handler's capture must
 * not start at a frame that is not its own). The frame is used only where it has the standard
 * layout, the caller's stack pointer just above it (true of every function here: no stack
 * arguments, no realignment; the test costs a compare). */
#define ENTER_CAPTURE()                                                                    \
	do {                                                                               \
		GRW_GUARD_ON();                                                            \
		void *fp_ = __builtin_frame_address(0);                                    \
		grw_entry_frame = (char *)__builtin_dwarf_cfa() == (char *)fp_ + 16 ? fp_ : NULL; \
	} while (0)
#define LEAVE_CAPTURE()                                                                    \
	do {                                                                               \
		grw_entry_frame = NULL;                                                    \
		GRW_GUARD_OFF();                                                           \
	} while (0)

/* errno in the recording paths of malloc, free and realloc, which run only once init has
 * enabled recording: read and written at its offset from the thread pointer (state.h),
 * without the call to __errno_location through the PLT that `errno` costs. */
#if defined(__x86_64__) && defined(__SEG_FS)
#define REC_ERRNO (*(int __seg_fs *)grw_errno_off)
#else
#define REC_ERRNO errno
#endif

/* Records that p holds n requested bytes, padded by pad (grw_record_pad); returns p. Expanded
 * in out-of-line functions that the hooks tail-call (malloc_recorded and the like), so that
 * the hooks' other paths save no registers, and the recording function's frame takes the
 * hook's place: the walk starts there (ENTER_CAPTURE). Where a hook calls one of them instead,
 * the walk drops the hook's frame as one of growth's, at the cost of one more step. */
static ALWAYS_INLINE void *record(void *p, size_t n, size_t pad)
{
	int saved = REC_ERRNO;
	ENTER_CAPTURE();
	grw_record_alloc(p, n, pad ? grw_record_usable_of(p, grw_real.malloc_usable_size) : 0);
	LEAVE_CAPTURE();
	REC_ERRNO = saved;
	return p;
}

/* record() for the hooks whose real call is not malloc's (returns p, so that a caller that
 * tests the result can still tail-call it). */
static __attribute__((noinline, returns_nonnull)) void *rec_alloc(void *p, size_t n, size_t pad)
{
	return record(p, n, pad);
}

/* Whether this thread may record now (with libc resolved). */
static ALWAYS_INLINE bool rec_on(void)
{
	return !grw_in_growth && grw_enabled();
}

/* Whether an allocation of n bytes is recorded now, for the hooks that do not ask
 * grw_record_skips_alloc first themselves: in sampled mode only one that crosses the
 * countdown, which the others count down (so this is asked once per allocation), before the
 * real call, so that the others go straight to it (sampled mode pads nothing). A fork child
 * with its trace still to start records: its countdown starts at 0 (grw_record_child). */
static ALWAYS_INLINE bool records(size_t n)
{
	return !grw_record_skips_alloc(n) && rec_on();
}

static ALWAYS_INLINE bool real_ready(void)
{
	return __builtin_expect(__atomic_load_n(&grw_real_ready, __ATOMIC_ACQUIRE), 1);
}

/* malloc's recorded path: the padded real call, then the recording. Flattened, as
 * free_recorded (1.7% of growth's instructions on python-malloc): the recorder's rare paths
 * are out of line where they are defined, or this would take 50 KiB of code. (Flattening
 * calloc's and operator new's too moved python-malloc by +0.7% and cxxbench by -0.9%.) */
static ALWAYS_INLINE void *malloc_and_record(size_t n)
{
	size_t pad = grw_record_pad(n);
	void *r = grw_real.malloc(n + pad);
	return r ? record(r, n, pad) : r;
}

static __attribute__((noinline, flatten)) void *malloc_recorded(size_t n)
{
	return malloc_and_record(n);
}

/* malloc before libc is resolved (the first calls of a process): from the bootstrap arena
 * when it cannot be. */
static __attribute__((noinline)) void *malloc_unready(size_t n)
{
	if (!grw_real_ensure())
		return grw_arena_alloc(n, 0);
	if (records(n))
		return malloc_recorded(n);
	return grw_real.malloc(n);
}

/* free's recording where it needs more than the fast path (free_recorded) gives. */
static __attribute__((noinline)) void free_recorded_slow(void *p, size_t usable)
{
	int saved = REC_ERRNO;
	GRW_GUARD_ON();
	grw_record_free(p, usable, NULL);
	GRW_GUARD_OFF();
	REC_ERRNO = saved;
	grw_real.free(p);
}

/* The recording of a free, then the free, out of line and tail-called, as malloc_recorded.
 * Flattened, and its common case (a trailer, and the counters' slot there) calls nothing but
 * malloc_usable_size and touches no errno, so only p lives across a call and the function
 * saves one register, not six; anything else starts over in free_recorded_slow, tail-called
 * (python-malloc: 3.300 G -> 3.275 G instructions). The guard is not needed around
 * malloc_usable_size: only growth's own state needs it (grw_record_free_fast sets it). */
static __attribute__((noinline, flatten)) void free_recorded(void *p)
{
	size_t usable = grw_record_usable_of(p, grw_real.malloc_usable_size);
	if (__builtin_expect(!grw_record_free_fast(p, usable), 0)) {
		free_recorded_slow(p, usable);
		return;
	}
	grw_real.free(p);
}

/* The part of free after the bootstrap arena's test, with libc resolved. */
static ALWAYS_INLINE void free_rest(void *p)
{
	if (rec_on())
		free_recorded(p);
	else
		grw_real.free(p);
}

/* free before libc is resolved (the first calls of a process), out of line. */
static __attribute__((noinline)) void free_unready(void *p)
{
	if (grw_real_ensure())
		free_rest(p);
	/* else: cannot happen for a pointer libc gave out; leak rather than crash */
}

/* malloc: no call but tail calls, so that the common paths need no frame. */
static ALWAYS_INLINE void *do_malloc(size_t n)
{
	if (grw_record_skips_alloc(n)) /* sampled mode's common case first (record.h) */
		return grw_real.malloc(n);
	if (unlikely(!real_ready()))
		return malloc_unready(n);
	if (!rec_on())
		return grw_real.malloc(n);
	return malloc_recorded(n);
}

static ALWAYS_INLINE void do_free(void *p)
{
	/* No call but tail calls: the common cases need no frame. */
	if (grw_record_skips_free(p)) { /* sampled mode's common case first (record.h) */
		grw_real.free(p);
		return;
	}
	if (!p || grw_arena_owns(p))
		return;
	if (unlikely(!real_ready()))
		free_unready(p);
	else
		free_rest(p);
}

/* An aligned allocation through fn (memalign-like: alignment, size). */
static ALWAYS_INLINE void *do_aligned(void *(*fn)(size_t, size_t), size_t al, size_t n)
{
	if (unlikely(!grw_real_ensure()))
		return grw_arena_alloc(n, al);
	if (!records(n))
		return fn(al, n);
	size_t pad = grw_record_pad(n);
	void *r = fn(al, n + pad);
	return r ? rec_alloc(r, n, pad) : r;
}

/* realloc and reallocarray: the free is recorded first (another thread may get p as soon as
 * the real call returns), and undone if the call fails. */
static ALWAYS_INLINE void *do_realloc(void *p, size_t n,
					void *(*real_call)(void *, size_t, size_t), size_t nmemb,
					size_t size)
{
	if (grw_arena_owns(p)) {
		size_t old = grw_arena_size(p);
		if (n == 0)
			return NULL; /* like glibc: realloc(p, 0) frees (arena blocks are never reused) */
		void *q = do_malloc(n);
		if (q)
			memcpy(q, p, old < n ? old : n);
		return q;
	}
	if (unlikely(!grw_real_ensure()))
		return p ? NULL : grw_arena_alloc(n, 0);
	if (grw_in_growth || !grw_enabled())
		return real_call(p, nmemb, size);
	struct grw_block was;
	size_t old_usable = 0;
	bool had = false;
	if (p) { /* realloc(NULL, n) is an allocation only */
		int saved = REC_ERRNO;
		GRW_GUARD_ON();
		old_usable = grw_record_usable_of(p, grw_real.malloc_usable_size);
		had = grw_record_free(p, old_usable, &was);
		GRW_GUARD_OFF();
		REC_ERRNO = saved;
	}
	/* realloc(p, 0) frees p: no padding there, or it would return a block. realloc(NULL, 0)
	 * is malloc(0), padded as malloc pads it. */
	size_t pad = n || !p ? grw_record_pad(n) : 0;
	void *r = pad ? grw_real.realloc(p, n + pad) : real_call(p, nmemb, size);
	int saved = REC_ERRNO;
	ENTER_CAPTURE();
	if (r)
		grw_record_alloc(r, n, pad ? grw_record_usable_of(r, grw_real.malloc_usable_size) : 0);
	else if (had && n != 0)
		grw_record_unfree(p, old_usable, &was); /* failed: p is still live */
	/* r == NULL with n == 0: glibc freed p, as recorded */
	LEAVE_CAPTURE();
	REC_ERRNO = saved;
	return r;
}

static void *call_realloc(void *p, size_t nmemb, size_t size)
{
	(void)size;
	return grw_real.realloc(p, nmemb);
}

static void *call_reallocarray(void *p, size_t nmemb, size_t size)
{
	return grw_real.reallocarray(p, nmemb, size);
}

/* ------------------------------------------------------------------------------------------ */
/* The malloc family */

void *malloc(size_t n)
{
	return do_malloc(n);
}

void free(void *p)
{
	do_free(p);
}

/* calloc's recorded path: see malloc_recorded. */
static __attribute__((noinline)) void *calloc_recorded(size_t nmemb, size_t size, size_t n)
{
	size_t pad = grw_record_pad(n);
	void *r = pad ? grw_real.calloc(1, n + pad) : grw_real.calloc(nmemb, size);
	return r ? record(r, n, pad) : r;
}

static __attribute__((noinline)) void *calloc_unready(size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		if (grw_real_ensure())
			return grw_real.calloc(nmemb, size); /* fails there, with its errno */
		errno = ENOMEM;
		return NULL;
	}
	if (!grw_real_ensure())
		return grw_arena_alloc(n, 0); /* static storage: already zero */
	if (records(n))
		return calloc_recorded(nmemb, size, n);
	return grw_real.calloc(nmemb, size);
}

void *calloc(size_t nmemb, size_t size)
{
	size_t n;
	bool ovf = __builtin_mul_overflow(nmemb, size, &n);
	if (!ovf && grw_record_skips_alloc(n)) /* sampled mode's common case first (record.h) */
		return grw_real.calloc(nmemb, size);
	if (unlikely(!real_ready()))
		return calloc_unready(nmemb, size);
	if (ovf || !rec_on())
		return grw_real.calloc(nmemb, size); /* an overflow fails there, with its errno */
	return calloc_recorded(nmemb, size, n);
}

/* realloc's other paths, out of line: the common one above then needs no frame (inlined, they
 * made it save five registers). */
static __attribute__((noinline)) void *realloc_slow(void *p, size_t n)
{
	return do_realloc(p, n, call_realloc, n, 0);
}

void *realloc(void *p, size_t n)
{
	/* Sampled mode's common case: the old block is not a sampled one (the filter says so) and
	 * the new one does not cross the countdown (which it counts down). */
	if ((!p || grw_record_skips_free(p)) && grw_record_skips_alloc(n))
		return grw_real.realloc(p, n);
	return realloc_slow(p, n);
}

void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (grw_real_ensure() && !grw_real.reallocarray)
		return do_realloc(p, n, call_realloc, n, 0);
	return do_realloc(p, n, call_reallocarray, nmemb, size);
}

int posix_memalign(void **out, size_t al, size_t n)
{
	if (unlikely(!grw_real_ensure())) {
		if (al < sizeof(void *) || (al & (al - 1)))
			return EINVAL;
		void *p = grw_arena_alloc(n, al);
		if (!p)
			return ENOMEM;
		*out = p;
		return 0;
	}
	if (!records(n))
		return grw_real.posix_memalign(out, al, n);
	int saved = errno;
	size_t pad = grw_record_pad(n);
	int rc = grw_real.posix_memalign(out, al, n + pad);
	if (rc == 0)
		rec_alloc(*out, n, pad);
	errno = saved;
	return rc;
}

static void *call_aligned_alloc(size_t al, size_t n)
{
	return grw_real.aligned_alloc(al, n);
}

static void *call_memalign(size_t al, size_t n)
{
	return grw_real.memalign(al, n);
}

static void *call_valloc(size_t al, size_t n)
{
	(void)al;
	return grw_real.valloc(n);
}

void *aligned_alloc(size_t al, size_t n)
{
	return do_aligned(call_aligned_alloc, al, n);
}

void *memalign(size_t al, size_t n)
{
	return do_aligned(call_memalign, al, n);
}

void *valloc(size_t n)
{
	return do_aligned(call_valloc, 4096, n);
}

void *pvalloc(size_t n)
{
	/* pvalloc is memalign of whole pages. Asked of the real pvalloc, the trailer's 8 bytes
	 * would round a request of whole pages up by one more page; memalign of the rounded size
	 * adds only the 8 bytes. */
	size_t pg = (size_t)getpagesize();
	if (n > SIZE_MAX - (pg - 1)) {
		errno = ENOMEM;
		return NULL;
	}
	return do_aligned(call_memalign, pg, (n + pg - 1) & ~(pg - 1));
}

size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (grw_arena_owns(p))
		return grw_arena_size(p);
	if (unlikely(!grw_real_ensure()))
		return 0;
	return grw_record_usable(p, grw_real.malloc_usable_size(p));
}

/* ------------------------------------------------------------------------------------------ */
/* C++ operators. new allocates on our tracked malloc path; only when that fails does it call
 * the real operator new, which runs the new_handler and throws std::bad_alloc (or returns NULL
 * for nothrow), outside the guard. delete is free. */

typedef void *(*new_fn)(size_t);
typedef void *(*new_nt_fn)(size_t, const void *);
typedef void *(*new_al_fn)(size_t, size_t);
typedef void *(*new_al_nt_fn)(size_t, size_t, const void *);

/* The real operator (libstdc++ may have come with a dlopen after we resolved). */
static void *real_op(void **slot, const char *name)
{
	void *f = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (!f) {
		f = grw_bootstrap_lookup(name);
		__atomic_store_n(slot, f, __ATOMIC_RELAXED);
	}
	return f;
}

/* operator new: malloc's paths, each a tail call as in malloc; where the allocation fails, the
 * real operator new. ARGS/PASS: the operator's parameters after the size, and their names. */
#define NEW_MALLOC(name, fn_t, ARGS, PASS)                                                         \
	static __attribute__((noinline)) void *name##_failed(size_t n ARGS)                        \
	{                                                                                          \
		fn_t f = (fn_t)real_op((void **)&grw_real.name, #name);                            \
		return f ? f(n PASS) : NULL;                                                       \
	}                                                                                          \
	static __attribute__((noinline)) void *name##_recorded(size_t n ARGS)                      \
	{                                                                                          \
		void *r = malloc_and_record(n);                                                    \
		return r ? r : name##_failed(n PASS);                                              \
	}                                                                                          \
	void *name(size_t n ARGS)                                                                  \
	{                                                                                          \
		void *p;                                                                           \
		if (grw_record_skips_alloc(n))                                                     \
			p = grw_real.malloc(n);                                                    \
		else if (unlikely(!real_ready()))                                                  \
			p = malloc_unready(n);                                                     \
		else if (rec_on())                                                                 \
			return name##_recorded(n PASS);                                            \
		else                                                                               \
			p = grw_real.malloc(n);                                                    \
		if (__builtin_expect(p != NULL, 1))                                                \
			return p;                                                                  \
		return name##_failed(n PASS);                                                      \
	}

#define NONE
#define NEW_PLAIN(name) NEW_MALLOC(name, new_fn, NONE, NONE)
#define NEW_NOTHROW(name) NEW_MALLOC(name, new_nt_fn, COMMA_NT, COMMA_NT_PASS)
#define COMMA_NT , const void *nt
#define COMMA_NT_PASS , nt

static ALWAYS_INLINE void *new_aligned(size_t n, size_t al)
{
	if (al < sizeof(void *))
		al = sizeof(void *);
	return do_aligned(call_memalign, al, n ? n : 1);
}

#define NEW_ALIGNED(name)                                                                          \
	void *name(size_t n, size_t al)                                                            \
	{                                                                                          \
		void *p = new_aligned(n, al);                                                      \
		if (__builtin_expect(p != NULL, 1))                                                \
			return p;                                                                  \
		new_al_fn f = (new_al_fn)real_op((void **)&grw_real.name, #name);                  \
		return f ? f(n, al) : NULL;                                                        \
	}

#define NEW_ALIGNED_NOTHROW(name)                                                                  \
	void *name(size_t n, size_t al, const void *nt)                                            \
	{                                                                                          \
		void *p = new_aligned(n, al);                                                      \
		if (__builtin_expect(p != NULL, 1))                                                \
			return p;                                                                  \
		new_al_nt_fn f = (new_al_nt_fn)real_op((void **)&grw_real.name, #name);            \
		return f ? f(n, al, nt) : NULL;                                                    \
	}

NEW_PLAIN(_Znwm)
NEW_PLAIN(_Znam)
NEW_NOTHROW(_ZnwmRKSt9nothrow_t)
NEW_NOTHROW(_ZnamRKSt9nothrow_t)
NEW_ALIGNED(_ZnwmSt11align_val_t)
NEW_ALIGNED(_ZnamSt11align_val_t)
NEW_ALIGNED_NOTHROW(_ZnwmSt11align_val_tRKSt9nothrow_t)
NEW_ALIGNED_NOTHROW(_ZnamSt11align_val_tRKSt9nothrow_t)

void _ZdlPv(void *p)
{
	do_free(p);
}

void _ZdaPv(void *p)
{
	do_free(p);
}

void _ZdlPvm(void *p, size_t n)
{
	(void)n;
	do_free(p);
}

void _ZdaPvm(void *p, size_t n)
{
	(void)n;
	do_free(p);
}

void _ZdlPvSt11align_val_t(void *p, size_t al)
{
	(void)al;
	do_free(p);
}

void _ZdaPvSt11align_val_t(void *p, size_t al)
{
	(void)al;
	do_free(p);
}

void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t al)
{
	(void)n;
	(void)al;
	do_free(p);
}

void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t al)
{
	(void)n;
	(void)al;
	do_free(p);
}

void _ZdlPvRKSt9nothrow_t(void *p, const void *nt)
{
	(void)nt;
	do_free(p);
}

void _ZdaPvRKSt9nothrow_t(void *p, const void *nt)
{
	(void)nt;
	do_free(p);
}

void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al, const void *nt)
{
	(void)al;
	(void)nt;
	do_free(p);
}

void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al, const void *nt)
{
	(void)al;
	(void)nt;
	do_free(p);
}

/* ------------------------------------------------------------------------------------------ */
/* mmap family. Before resolution the raw syscalls serve (no errno games needed: syscall()
 * sets errno like the libc wrapper). */

static inline void *do_mmap(bool is64, void *a, size_t len, int prot, int flags, int fd,
			    off_t off)
{
	void *(*real_fn)(void *, size_t, int, int, int, off_t) = NULL;
	if (grw_real_ensure())
		real_fn = is64 ? (void *(*)(void *, size_t, int, int, int, off_t))grw_real.mmap64
			       : grw_real.mmap;
	if (unlikely(!real_fn)) {
		long r = syscall(SYS_mmap, a, len, prot, flags, fd, off);
		return r == -1 ? MAP_FAILED : (void *)r;
	}
	if (grw_in_growth)
		return real_fn(a, len, prot, flags, fd, off);
	void *r = real_fn(a, len, prot, flags, fd, off);
	if (r != MAP_FAILED && grw_enabled()) {
		int saved = errno;
		GRW_GUARD_ON();
		grw_record_mmap(r, len, flags);
		GRW_GUARD_OFF();
		errno = saved;
	}
	return r;
}

void *mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(false, a, len, prot, flags, fd, off);
}

void *mmap64(void *a, size_t len, int prot, int flags, int fd, off64_t off)
{
	/* off_t is 64-bit on the LP64 targets we build for, so mmap64 is mmap. */
	_Static_assert(sizeof(off_t) == sizeof(off64_t), "LP64 only");
	return do_mmap(true, a, len, prot, flags, fd, (off_t)off);
}

int munmap(void *a, size_t len)
{
	if (unlikely(!grw_real_ensure()))
		return (int)syscall(SYS_munmap, a, len);
	if (grw_in_growth)
		return grw_real.munmap(a, len);
	if (grw_enabled()) {
		/* Before the real call: once unmapped, another thread may map the same range. */
		int saved = errno;
		GRW_GUARD_ON();
		grw_record_munmap(a, len);
		GRW_GUARD_OFF();
		errno = saved;
	}
	return grw_real.munmap(a, len);
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	if (unlikely(!grw_real_ensure())) {
		long r = syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
		return r == -1 ? MAP_FAILED : (void *)r;
	}
	if (grw_in_growth || !grw_enabled())
		return grw_real.mremap(old, old_len, new_len, flags, new_addr);
	struct grw_mremap_undo u;
	int saved = errno;
	GRW_GUARD_ON();
	grw_record_mremap_begin(old, old_len, flags, &u);
	GRW_GUARD_OFF();
	errno = saved;
	void *r = grw_real.mremap(old, old_len, new_len, flags, new_addr);
	saved = errno;
	GRW_GUARD_ON();
	grw_record_mremap_end(&u, r, new_len);
	GRW_GUARD_OFF();
	errno = saved;
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* dlopen/dlclose */

void *dlopen(const char *file, int mode)
{
	if (unlikely(!grw_real_ensure()) || !grw_real.dlopen)
		return NULL;
	/* A tail call, so that the loader sees the application as the caller (its RUNPATH and
	 * namespace apply, not ours). The writer notices the new module at its next flush. */
	return grw_real.dlopen(file, mode);
}

int dlclose(void *handle)
{
	if (unlikely(!grw_real_ensure()) || !grw_real.dlclose)
		return -1;
	if (grw_in_growth)
		return grw_real.dlclose(handle);
	bool on = grw_enabled();
	if (on) {
		/* Write the module map and the pending sites while the library is still mapped. */
		int saved = errno;
		GRW_GUARD_ON();
		grw_writer_before_dlclose();
		GRW_GUARD_OFF();
		errno = saved;
	}
	int r = grw_real.dlclose(handle);
	int saved = errno;
	if (on) {
		GRW_GUARD_ON();
		grw_unwind_flush();
		GRW_GUARD_OFF();
	}
	errno = saved;
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* exec: end the trace (final snapshot, END reason exec) while this image still exists. */

static void before_exec(void)
{
	if (grw_in_growth || !grw_enabled())
		return;
	int saved = errno;
	GRW_GUARD_ON();
	grw_writer_before_exec();
	GRW_GUARD_OFF();
	errno = saved;
}

#define EXEC_READY(fn)                                                                             \
	do {                                                                                       \
		if (unlikely(!grw_real_ensure()) || !grw_real.fn) {                                \
			errno = ENOSYS;                                                            \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

int execve(const char *path, char *const argv[], char *const envp[])
{
	EXEC_READY(execve);
	before_exec();
	return grw_real.execve(path, argv, envp);
}

int execv(const char *path, char *const argv[])
{
	EXEC_READY(execv);
	before_exec();
	return grw_real.execv(path, argv);
}

int execvp(const char *file, char *const argv[])
{
	EXEC_READY(execvp);
	before_exec();
	return grw_real.execvp(file, argv);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	EXEC_READY(execvpe);
	before_exec();
	return grw_real.execvpe(file, argv, envp);
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	EXEC_READY(fexecve);
	before_exec();
	return grw_real.fexecve(fd, argv, envp);
}

/* The list forms: collect the arguments (and execle's envp after the NULL), then call the
 * vector form of the real libc, which execs without coming back through our hooks. */
enum list_kind { LIST_PATH, LIST_SEARCH, LIST_ENV };

static int exec_list(enum list_kind kind, const char *path, const char *arg, va_list ap)
{
	va_list cnt;
	va_copy(cnt, ap);
	size_t argc = 0; /* arguments before the NULL, arg included */
	for (const char *a = arg; a; a = va_arg(cnt, const char *))
		argc++;
	va_end(cnt);
	char *stackv[256];
	char **argv = stackv;
	size_t bytes = (argc + 1) * sizeof *argv;
	if (argc + 1 > sizeof stackv / sizeof stackv[0]) {
		GRW_GUARD_ON();
		argv = grw_ialloc(bytes);
		GRW_GUARD_OFF();
		if (!argv) {
			errno = E2BIG;
			return -1;
		}
	}
	size_t n = 0;
	for (const char *a = arg; a; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	argv[n] = NULL; /* ap now stands after the NULL */
	char *const *envp = kind == LIST_ENV ? va_arg(ap, char *const *) : NULL;
	before_exec();
	int r = kind == LIST_PATH     ? grw_real.execv(path, argv)
		: kind == LIST_SEARCH ? grw_real.execvp(path, argv)
				      : grw_real.execve(path, argv, envp);
	int saved = errno;
	if (argv != stackv) {
		GRW_GUARD_ON();
		grw_ifree(argv, bytes);
		GRW_GUARD_OFF();
	}
	errno = saved;
	return r;
}

int execl(const char *path, const char *arg, ...)
{
	EXEC_READY(execv);
	va_list ap;
	va_start(ap, arg);
	int r = exec_list(LIST_PATH, path, arg, ap);
	va_end(ap);
	return r;
}

int execlp(const char *file, const char *arg, ...)
{
	EXEC_READY(execvp);
	va_list ap;
	va_start(ap, arg);
	int r = exec_list(LIST_SEARCH, file, arg, ap);
	va_end(ap);
	return r;
}

int execle(const char *path, const char *arg, ...)
{
	EXEC_READY(execve);
	va_list ap;
	va_start(ap, arg);
	int r = exec_list(LIST_ENV, path, arg, ap);
	va_end(ap);
	return r;
}
