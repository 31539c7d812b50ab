/* SPDX-License-Identifier: MIT */
/*
 * The one list of interposed functions: X(name, return type, parameter list). bootstrap.c
 * generates the table of real functions and their dlsym names from it, hooks.c the exported
 * prototypes; exports.map must name the same symbols. The exec family is hooked only to end
 * the trace (END reason exec) before the image is replaced; glibc's exec functions call
 * execve internally, not through the PLT, so each one is hooked. C++ operators appear under their
 * mangled names (x86_64/aarch64 LP64: size_t is "m"); std::nothrow_t const& is a pointer and
 * std::align_val_t a size_t at the ABI level.
 */
#ifndef GRW_HOOKS_LIST_H
#define GRW_HOOKS_LIST_H

#include <stddef.h>
#include <sys/types.h>

#define GRW_HOOKS(X)                                                                               \
	X(malloc, void *, (size_t n))                                                              \
	X(calloc, void *, (size_t nmemb, size_t size))                                             \
	X(realloc, void *, (void *p, size_t n))                                                    \
	X(reallocarray, void *, (void *p, size_t nmemb, size_t size))                              \
	X(free, void, (void *p))                                                                   \
	X(posix_memalign, int, (void **out, size_t align, size_t n))                               \
	X(aligned_alloc, void *, (size_t align, size_t n))                                         \
	X(memalign, void *, (size_t align, size_t n))                                              \
	X(valloc, void *, (size_t n))                                                              \
	X(pvalloc, void *, (size_t n))                                                             \
	X(malloc_usable_size, size_t, (void *p))                                                   \
	X(mmap, void *, (void *addr, size_t len, int prot, int flags, int fd, off_t off))          \
	X(mmap64, void *, (void *addr, size_t len, int prot, int flags, int fd, off64_t off))      \
	X(munmap, int, (void *addr, size_t len))                                                   \
	X(mremap, void *, (void *old, size_t old_len, size_t new_len, int flags, ...))             \
	X(dlopen, void *, (const char *file, int mode))                                            \
	X(dlclose, int, (void *handle))                                                            \
	X(execve, int, (const char *path, char *const argv[], char *const envp[]))                 \
	X(execv, int, (const char *path, char *const argv[]))                                      \
	X(execvp, int, (const char *file, char *const argv[]))                                     \
	X(execvpe, int, (const char *file, char *const argv[], char *const envp[]))                \
	X(fexecve, int, (int fd, char *const argv[], char *const envp[]))                          \
	X(execl, int, (const char *path, const char *arg, ...))                                    \
	X(execlp, int, (const char *file, const char *arg, ...))                                   \
	X(execle, int, (const char *path, const char *arg, ...))                                   \
	X(_Znwm, void *, (size_t n))                                                               \
	X(_Znam, void *, (size_t n))                                                               \
	X(_ZnwmRKSt9nothrow_t, void *, (size_t n, const void *nt))                                 \
	X(_ZnamRKSt9nothrow_t, void *, (size_t n, const void *nt))                                 \
	X(_ZnwmSt11align_val_t, void *, (size_t n, size_t al))                                     \
	X(_ZnamSt11align_val_t, void *, (size_t n, size_t al))                                     \
	X(_ZnwmSt11align_val_tRKSt9nothrow_t, void *, (size_t n, size_t al, const void *nt))       \
	X(_ZnamSt11align_val_tRKSt9nothrow_t, void *, (size_t n, size_t al, const void *nt))       \
	X(_ZdlPv, void, (void *p))                                                                 \
	X(_ZdaPv, void, (void *p))                                                                 \
	X(_ZdlPvm, void, (void *p, size_t n))                                                      \
	X(_ZdaPvm, void, (void *p, size_t n))                                                      \
	X(_ZdlPvSt11align_val_t, void, (void *p, size_t al))                                       \
	X(_ZdaPvSt11align_val_t, void, (void *p, size_t al))                                       \
	X(_ZdlPvmSt11align_val_t, void, (void *p, size_t n, size_t al))                            \
	X(_ZdaPvmSt11align_val_t, void, (void *p, size_t n, size_t al))                            \
	X(_ZdlPvRKSt9nothrow_t, void, (void *p, const void *nt))                                   \
	X(_ZdaPvRKSt9nothrow_t, void, (void *p, const void *nt))                                   \
	X(_ZdlPvSt11align_val_tRKSt9nothrow_t, void, (void *p, size_t al, const void *nt))         \
	X(_ZdaPvSt11align_val_tRKSt9nothrow_t, void, (void *p, size_t al, const void *nt))

#endif
