/* SPDX-License-Identifier: MIT */
/*
 * Facts about the process for the trace header and snapshots, read from /proc and /sys with
 * raw open/read (no stdio, no malloc).
 */
#ifndef GRW_PROCINFO_H
#define GRW_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace_codec.h"

/* Reads up to cap-1 bytes of path into buf, NUL-terminated. Returns bytes read or -errno. */
ssize_t grw_proc_read(const char *path, char *buf, size_t cap);

/* readlink /proc/self/exe into buf. Returns 0 or -errno (buf = "" then). */
int grw_proc_exe(char *buf, size_t cap);

/* /proc/self/cmdline as argc NUL-terminated strings: *data (internal allocator, *data_cap
 * bytes) and *argv (pointers into it, *argv_cap entries). Returns argc (0 on failure). */
uint64_t grw_proc_cmdline(char **data, size_t *data_cap, char ***argv, size_t *argv_cap);

/* The memory limit: GROWTH_LIMIT, else cgroup v2 memory.max (smallest up the hierarchy), else
 * cgroup v1 memory.limit_in_bytes, else MemTotal. *source: enum grw_limit_source. */
void grw_proc_mem_limit(uint64_t *bytes, uint64_t *source);

/* Resident and virtual size from /proc/self/statm. Returns 0 or -errno. */
int grw_proc_statm(uint64_t *rss_bytes, uint64_t *vm_bytes);

#endif
