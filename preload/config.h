/* SPDX-License-Identifier: MIT */
/*
 * The GROWTH_* environment variables, read once at init from environ without allocating.
 * docs/configuration.md documents each one; the table in config.c is the single source.
 */
#ifndef GRW_CONFIG_H
#define GRW_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct grw_config {
	char output[PATH_MAX];    /* GROWTH_OUTPUT template (%p %e %%) */
	uint64_t interval_ms;     /* GROWTH_INTERVAL_MS, snapshot period */
	uint64_t depth;           /* GROWTH_DEPTH, frames per stack, 1..GRW_MAX_DEPTH */
	uint64_t limit_bytes;     /* GROWTH_LIMIT, 0 = not set (detect from cgroup/meminfo) */
	uint64_t log_level;       /* GROWTH_LOG, enum grw_log_level */
	bool disable;             /* GROWTH_DISABLE=1: pass everything through */
	uint64_t sample_bytes;    /* GROWTH_SAMPLE: mean bytes between samples, 0 = exact */
	bool warn;                /* GROWTH_WARN: live growth warnings (preload/warn.c) */
	char warn_file[PATH_MAX]; /* GROWTH_WARN_FILE, "" = stderr */
	bool follow_exec;         /* GROWTH_FOLLOW_EXEC, default true */
	uint64_t max_trace_bytes; /* GROWTH_MAX_TRACE, 0 = no cap */
	uint64_t unwind;          /* GROWTH_UNWIND: GRW_UNWIND_* */
	bool trailer;             /* GROWTH_TRAILER: small blocks keep their site in a trailer
				     (exact mode only; see record.h) */
	bool unwind_plain;        /* GROWTH_UNWIND_PLAIN: the fast walker may stop reusing the
				     previous walk where that does not pay (cfi_unwind.c) */
};

enum { GRW_UNWIND_FAST = 0, GRW_UNWIND_LIBUNWIND = 1, GRW_UNWIND_CHECK = 2 };

/* The values in effect; written once by grw_config_read, read-only afterwards. */
extern struct grw_config grw_cfg;

/* Fills grw_cfg from environ (defaults for unset variables; one warning and the default for a
 * bad value) and sets grw_log_level. Prints the values in effect at GROWTH_LOG=info. Does not
 * allocate. Not thread-safe: call once, from init. */
void grw_config_read(void);

/* Removes every LD_PRELOAD entry whose file name is self_name (the basename of libgrowth.so)
 * from this process's environ, in place and without allocating, so exec'd children do not load
 * growth. Not thread-safe: call from init. */
void grw_config_drop_preload(const char *self_name);

#endif
