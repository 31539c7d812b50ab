/* SPDX-License-Identifier: MIT */
/*
 * growth's own memory: size classes carved from mmap'ed chunks, never the interposed malloc.
 * Sized free (callers know the size). Thread-safe; the lock is a leaf (nothing is called while
 * it is held but the mmap syscall), so any growth lock may be held when calling in.
 */
#ifndef GRW_IALLOC_H
#define GRW_IALLOC_H

#include <stddef.h>

/* n bytes (16-byte aligned, page-aligned above 64 KiB), or NULL when the system is out of
 * memory. Contents undefined. */
void *grw_ialloc(size_t n);
/* n zeroed bytes, or NULL. */
void *grw_icalloc(size_t n);
/* Frees p, which grw_ialloc(n) returned. p may be NULL. */
void grw_ifree(void *p, size_t n);
/* Moves p (old bytes) to a new block of n bytes; NULL on failure (p untouched). */
void *grw_irealloc(void *p, size_t old, size_t n);
/* The realloc_fn of a struct grw_buf. */
void *grw_ibuf_realloc(void *p, size_t old_cap, size_t new_cap);

/* Anonymous private mapping straight through the syscall, so it neither enters our mmap hook
 * nor needs libc resolved. Returns NULL on failure. */
void *grw_raw_mmap(size_t len);
void grw_raw_munmap(void *p, size_t len);

/* Fork: prepare locks, parent unlocks, child re-initialises. */
void grw_ialloc_lock(void);
void grw_ialloc_unlock(void);
void grw_ialloc_reinit(void);

#endif
