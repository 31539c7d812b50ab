// SPDX-License-Identifier: MIT
/*
 * The allocator API's observable behaviour, printed line by line: results, errno (set before each
 * call to a marker, so a wrapper that clobbers it shows), failures (ENOMEM, EINVAL) and the mmap
 * family's edge cases. The output contains no addresses, so a run under libgrowth.so must print
 * exactly what a plain run prints (tests/e2e/t_output_unchanged.sh).
 * Usage: apicheck
 */
#define _GNU_SOURCE /* mremap */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Walloc-size-larger-than=" /* the huge sizes are the point */
#if __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free" /* realloc failed: the old block is live */
#endif
#endif

#define MARK 4242 /* errno before every call */

static void show(const char *what, int ok, int err)
{
	printf("%-36s %-4s errno=%d\n", what, ok ? "ok" : "FAIL", err);
}

#define CALL(what, expr, okexpr)                                                  \
	do {                                                                      \
		errno = MARK;                                                     \
		expr;                                                             \
		int err_ = errno;                                                 \
		show(what, (okexpr), err_);                                       \
	} while (0)

/* A second thread's allocations keep its own errno, and the main thread's: growth reads and
 * writes errno at its thread-pointer offset (preload/hooks.c, REC_ERRNO). */
#define THREAD_MARK 777

/* 1000 mallocs of 1 to 1000 bytes, then their frees. */
static void churn(void)
{
	void *blocks[1000];
	for (int i = 0; i < 1000; i++)
		blocks[i] = malloc((size_t)i + 1);
	for (int i = 0; i < 1000; i++)
		free(blocks[i]);
}

static void *errno_thread(void *arg)
{
	(void)arg;
	errno = THREAD_MARK;
	churn();
	return (void *)(intptr_t)errno;
}

int main(void)
{
	/* C11 7.5: errno is 0 at program startup; growth's constructor must not leave its own. */
	printf("errno at main: %d\n", errno);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p = NULL, *q = NULL;
	int rc = 0;

	/* Successful calls: the result is usable and errno is left as it was. */
	CALL("malloc(100)", p = malloc(100), p != NULL);
	CALL("malloc_usable_size >= 100", (void)0, malloc_usable_size(p) >= 100);
	CALL("free", free(p), 1);
	CALL("free(NULL)", free(NULL), 1);
	CALL("malloc(0)", p = malloc(0), 1);
	free(p);
	CALL("calloc(10, 10) zeroed", p = calloc(10, 10), p && !((char *)p)[0] && !((char *)p)[99]);
	free(p);
	void *volatile none = NULL; /* or the compiler calls malloc instead */
	CALL("realloc(NULL, 0) is malloc(0)", p = realloc(none, 0), p != NULL);
	free(p);
	CALL("realloc(NULL, 50)", p = realloc(none, 50), p != NULL && malloc_usable_size(p) >= 50);
	memset(p, 'z', 50);
	CALL("realloc grow keeps bytes", p = realloc(p, 5000), p && ((char *)p)[49] == 'z');
	CALL("realloc shrink keeps bytes", p = realloc(p, 10), p && ((char *)p)[9] == 'z');
	CALL("reallocarray(p, 10, 20)", p = reallocarray(p, 10, 20), p != NULL);
	free(p);
	CALL("posix_memalign(64, 1000)", rc = posix_memalign(&p, 64, 1000), rc == 0 && ((uintptr_t)p % 64) == 0);
	free(p);
	CALL("aligned_alloc(4096, 8192)", p = aligned_alloc(4096, 8192), p && ((uintptr_t)p % 4096) == 0);
	free(p);
	CALL("memalign(256, 100)", p = memalign(256, 100), p && ((uintptr_t)p % 256) == 0);
	free(p);
	CALL("valloc(100)", p = valloc(100), p && ((uintptr_t)p % page) == 0);
	free(p);
	CALL("pvalloc(100)", p = pvalloc(100), p && ((uintptr_t)p % page) == 0 && malloc_usable_size(p) >= page);
	free(p);
	CALL("strdup", p = strdup("hello"), p && strcmp(p, "hello") == 0);
	free(p);
	CALL("strndup", p = strndup("hello world", 5), p && strcmp(p, "hello") == 0);
	free(p);

	/* Failures: NULL and the errno the C library sets. */
	CALL("malloc(SIZE_MAX) fails", p = malloc(SIZE_MAX), p == NULL);
	CALL("calloc overflow fails", p = calloc(SIZE_MAX / 2, 4), p == NULL);
	CALL("reallocarray overflow fails", p = reallocarray(NULL, SIZE_MAX, 2), p == NULL);
	q = malloc(64);
	memset(q, 'k', 64);
	CALL("realloc(p, SIZE_MAX) fails", p = realloc(q, SIZE_MAX), p == NULL);
	CALL("  and the old block stays", (void)0, ((char *)q)[63] == 'k');
	free(q);
	p = (void *)1;
	CALL("posix_memalign(3) is EINVAL", rc = posix_memalign(&p, 3, 10), rc == EINVAL && p == (void *)1);
	CALL("posix_memalign(SIZE_MAX) is ENOMEM", rc = posix_memalign(&p, 64, SIZE_MAX), rc == ENOMEM);

	/* mmap family. */
	CALL("mmap(len 0) fails", p = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p == MAP_FAILED);
	CALL("mmap(4 pages)", p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED);
	memset(p, 1, 4 * page);
	CALL("munmap(middle 2 pages)", rc = munmap((char *)p + page, 2 * page), rc == 0);
	CALL("  first page still there", (void)0, ((char *)p)[0] == 1 && ((char *)p)[4 * page - 1] == 1);
	CALL("munmap(first page)", rc = munmap(p, page), rc == 0);
	CALL("munmap(last page)", rc = munmap((char *)p + 3 * page, page), rc == 0);
	CALL("munmap(unaligned) fails", rc = munmap((char *)p + 1, page), rc == -1);
	CALL("mmap(2 pages)", p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED);
	memset(p, 2, 2 * page);
	/* APICHECK-MREMAP */ CALL("mremap(2 -> 8 pages, MAYMOVE)", q = mremap(p, 2 * page, 8 * page, MREMAP_MAYMOVE), q != MAP_FAILED && ((char *)q)[2 * page - 1] == 2);
	CALL("mremap(bad address) fails", p = mremap((char *)q + 1, page, 2 * page, 0), p == MAP_FAILED);
	CALL("munmap(8 pages)", rc = munmap(q, 8 * page), rc == 0);
	CALL("mmap(PROT_NONE reservation)", p = mmap(NULL, 1024 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), p != MAP_FAILED);
	CALL("mprotect + touch one page", rc = mprotect(p, page, PROT_READ | PROT_WRITE), rc == 0);
	((char *)p)[0] = 1;
	CALL("MAP_FIXED over it", q = mmap(p, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), q == p && ((char *)q)[0] == 0);
	CALL("munmap(reservation)", rc = munmap(p, 1024 * page), rc == 0);

	/* Many small allocations: errno stays untouched throughout. */
	errno = MARK;
	churn();
	show("1000 malloc/free keep errno", errno == MARK, errno);

	pthread_t th;
	void *thread_errno = NULL;
	errno = MARK;
	int prc = pthread_create(&th, NULL, errno_thread, NULL);
	prc = prc ? prc : pthread_join(th, &thread_errno);
	show("a thread's malloc/free keep its errno", prc == 0 && (intptr_t)thread_errno == THREAD_MARK,
	     (int)(intptr_t)thread_errno);
	show("and leave the main thread's alone", errno == MARK, errno);

	/* fork: errno in the child and in the parent is what it was before the call (growth's fork
	 * handlers take and reset its locks and state around it). */
	fflush(stdout);
	errno = MARK;
	pid_t pid = fork();
	if (pid == 0) {
		show("fork keeps errno in the child", errno == MARK, errno);
		fflush(stdout);
		_exit(0);
	}
	int fork_errno = errno, status = 0;
	if (pid > 0) /* the child's line first */
		waitpid(pid, &status, 0);
	show("fork keeps errno in the parent", pid > 0 && fork_errno == MARK, fork_errno);
	return 0;
}
