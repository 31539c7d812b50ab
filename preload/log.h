/* SPDX-License-Identifier: MIT */
/*
 * Messages from libgrowth.so to stderr. Formats into a stack buffer and write(2)s: never
 * allocates, never takes a lock, keeps errno, safe from any thread and from signal handlers.
 */
#ifndef GRW_LOG_H
#define GRW_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum grw_log_level {
	GRW_LOG_ERROR = 0,
	GRW_LOG_WARN = 1, /* default */
	GRW_LOG_INFO = 2,
	GRW_LOG_DEBUG = 3,
};

/* Messages above this level are dropped; set once by the config reader. */
extern int grw_log_level;

/* Prints "growth: <message>\n" on stderr when level <= grw_log_level. Supports %s %.*s %c %d
 * %i %u %x %p %% with the l, ll and z length modifiers. Truncates at 512 bytes. */
void grw_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same message at most once per call site for the life of the process. */
#define GRW_LOG_ONCE(level, ...)                                                                   \
	do {                                                                                       \
		static int grw_once_;                                                              \
		if (!__atomic_exchange_n(&grw_once_, 1, __ATOMIC_RELAXED))                         \
			grw_log(level, __VA_ARGS__);                                               \
	} while (0)

/* snprintf with the conversions above, without allocating. Returns the length the full output
 * would have (like snprintf); buf is always NUL-terminated when cap > 0. */
size_t grw_fmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
size_t grw_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* A description of an errno value that needs no allocation (strerror may allocate). */
const char *grw_strerror(int err);

#endif
