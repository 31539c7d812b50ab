/* SPDX-License-Identifier: MIT */
/*
 * The live warning (GROWTH_WARN): the offline detector (common/detect.c) run on the writer
 * thread at each interval, over the sites whose live bytes pass a small floor. When a site
 * starts growing it prints one line on stderr (or appends it to GROWTH_WARN_FILE) and adds a
 * WARN record to the trace. Writer thread only; never called from the application's threads.
 */
#ifndef GRW_WARN_H
#define GRW_WARN_H

#include <stddef.h>
#include <stdint.h>

#include "trace_codec.h"

#define GRW_WARN_FLOOR_BYTES (64u << 10) /* sites below this live size are not watched */
#define GRW_WARN_MAX_SITES 256u          /* sites watched at once, at most */
#define GRW_WARN_SERIES_CAP 64u          /* points kept per watched site (merged when full) */

/*
 * One interval, after the writer took a snapshot at t_ns (trace time) with RSS rss_bytes.
 * The live bytes of site id (id < nsites) are at *(const uint64_t *)((const char *)live +
 * id * stride). Appends a WARN record to out for each warning given. Does nothing unless
 * GROWTH_WARN is on. Uses growth's internal allocator only, and at most
 * GRW_WARN_MAX_SITES series plus two bytes per site. Not thread-safe: the writer thread only,
 * with the guard set (it calls dladdr, open and mmap to name functions).
 */
void grw_warn_interval(struct grw_buf *out, uint64_t t_ns, uint64_t rss_bytes, uint32_t nsites,
		       const uint64_t *live, size_t stride);

#endif
