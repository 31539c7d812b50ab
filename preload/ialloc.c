/* SPDX-License-Identifier: MIT */
/*
 * The internal allocator. Power-of-two size classes from 16 B to 64 KiB, each with a free list,
 * carved from 1 MiB chunks mapped with the raw mmap syscall; larger blocks are their own
 * mapping. It never calls the interposed malloc, never returns memory of small classes to the
 * system (growth's tables only grow), and holds one spinlock, a leaf.
 */
#include "ialloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spin.h"

extern char **environ;

#define MIN_SHIFT 4
#define MAX_SHIFT 16
#define NCLASS (MAX_SHIFT - MIN_SHIFT + 1)
#define CHUNK (1u << 20)

struct free_obj {
	struct free_obj *next;
};

static struct {
	grw_spin_t lock;
	struct free_obj *free[NCLASS]; /* per class, LIFO */
	char *bump, *bump_end;         /* unused tail of the current chunk */
} ia;

/*
 * Test hook, GROWTH_TEST_IALLOC_LIMIT=BYTES (k/m/g suffixes): the internal allocator maps at
 * most that much, then fails as if the system had no memory left, so tests/stress can check
 * that growth degrades (untracked counters) and the application's malloc never fails. Read once
 * from environ without allocating; not a user setting, hence not in config.c.
 */
static uint64_t test_limit_bytes = UINT64_MAX; /* read by limit_init */
static uint64_t mapped_bytes;                  /* atomic; counted only under a limit */
static int limit_state;                        /* 0 unread, 1 read */

static void limit_init(void)
{
	if (__atomic_load_n(&limit_state, __ATOMIC_ACQUIRE))
		return;
	static const char name[] = "GROWTH_TEST_IALLOC_LIMIT=";
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, name, sizeof name - 1) != 0)
			continue;
		const char *v = *e + sizeof name - 1;
		uint64_t n = 0;
		while (*v >= '0' && *v <= '9' && n < UINT64_MAX / 16)
			n = n * 10 + (uint64_t)(*v++ - '0');
		if (*v == 'k' || *v == 'K')
			n <<= 10;
		else if (*v == 'm' || *v == 'M')
			n <<= 20;
		else if (*v == 'g' || *v == 'G')
			n <<= 30;
		test_limit_bytes = n;
	}
	__atomic_store_n(&limit_state, 1, __ATOMIC_RELEASE);
}

static bool over_limit(size_t len)
{
	limit_init();
	if (test_limit_bytes == UINT64_MAX)
		return false;
	uint64_t now = __atomic_add_fetch(&mapped_bytes, len, __ATOMIC_RELAXED);
	if (now <= test_limit_bytes)
		return false;
	__atomic_sub_fetch(&mapped_bytes, len, __ATOMIC_RELAXED);
	return true;
}

void *grw_raw_mmap(size_t len)
{
	if (over_limit(len))
		return NULL;
	long r = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	return r == -1 ? NULL : (void *)r;
}

void grw_raw_munmap(void *p, size_t len)
{
	if (syscall(SYS_munmap, p, len) == 0 && test_limit_bytes != UINT64_MAX)
		__atomic_sub_fetch(&mapped_bytes, len, __ATOMIC_RELAXED);
}

static size_t page_round(size_t n)
{
	size_t pg = 4096; /* every mapping we make is a multiple of the smallest page size */
	return (n + pg - 1) & ~(pg - 1);
}

static unsigned class_of(size_t n)
{
	unsigned s = MIN_SHIFT;
	while (((size_t)1 << s) < n)
		s++;
	return s - MIN_SHIFT;
}

void *grw_ialloc(size_t n)
{
	if (n == 0)
		n = 1;
	if (n > ((size_t)1 << MAX_SHIFT)) {
		if (n > SIZE_MAX - 4096)
			return NULL;
		return grw_raw_mmap(page_round(n));
	}
	unsigned c = class_of(n);
	size_t sz = (size_t)1 << (c + MIN_SHIFT);
	void *p = NULL;
	grw_spin_lock(&ia.lock);
	if (ia.free[c]) {
		p = ia.free[c];
		ia.free[c] = ia.free[c]->next;
	} else {
		if ((size_t)(ia.bump_end - ia.bump) < sz) {
			/* The leftover tail is dropped: at most 64 KiB per 1 MiB chunk. */
			char *chunk = grw_raw_mmap(CHUNK);
			if (chunk) {
				ia.bump = chunk;
				ia.bump_end = chunk + CHUNK;
			}
		}
		if ((size_t)(ia.bump_end - ia.bump) >= sz) {
			p = ia.bump;
			ia.bump += sz;
		}
	}
	grw_spin_unlock(&ia.lock);
	return p;
}

void *grw_icalloc(size_t n)
{
	void *p = grw_ialloc(n);
	if (p && n <= ((size_t)1 << MAX_SHIFT))
		memset(p, 0, n); /* fresh big mappings are already zero */
	return p;
}

void grw_ifree(void *p, size_t n)
{
	if (!p)
		return;
	if (n == 0)
		n = 1;
	if (n > ((size_t)1 << MAX_SHIFT)) {
		grw_raw_munmap(p, page_round(n));
		return;
	}
	unsigned c = class_of(n);
	struct free_obj *o = p;
	grw_spin_lock(&ia.lock);
	o->next = ia.free[c];
	ia.free[c] = o;
	grw_spin_unlock(&ia.lock);
}

void *grw_irealloc(void *p, size_t old, size_t n)
{
	void *q = grw_ialloc(n);
	if (!q)
		return NULL;
	if (p) {
		memcpy(q, p, old < n ? old : n);
		grw_ifree(p, old);
	}
	return q;
}

void *grw_ibuf_realloc(void *p, size_t old_cap, size_t new_cap)
{
	return grw_irealloc(p, old_cap, new_cap);
}

void grw_ialloc_lock(void)
{
	grw_spin_lock(&ia.lock);
}

void grw_ialloc_unlock(void)
{
	grw_spin_unlock(&ia.lock);
}

void grw_ialloc_reinit(void)
{
	grw_spin_reinit(&ia.lock);
}
