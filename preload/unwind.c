/* SPDX-License-Identifier: MIT */
/*
 * Stack capture with libunwind (UNW_LOCAL_ONLY, unw_backtrace into a fixed array, per-thread
 * caching). growth's own frames are recognised by address, against the executable segments of
 * libgrowth.so found once at init. All capture logic stays in this file.
 */
#include "unwind.h"

#include <dlfcn.h>
#include <libunwind.h>
#include <link.h>
#include <string.h>

#include "trace_format.h"

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

void grw_unwind_init(void)
{
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	dl_iterate_phdr(find_self, (void *)(uintptr_t)grw_unwind_init);
}

const char *grw_unwind_self_name(void)
{
	return self_name;
}

static inline int is_self(uintptr_t ip)
{
	return ip >= self_lo && ip < self_hi;
}

int grw_unwind_capture(uintptr_t *frames, int max)
{
	/* Room for libunwind's and growth's own frames on top of the depth asked for. */
	void *buf[GRW_MAX_DEPTH + 16];
	int want = max + 16;
	if (want > (int)(sizeof buf / sizeof buf[0]))
		want = (int)(sizeof buf / sizeof buf[0]);
	int n = unw_backtrace(buf, want);
	/* The walk starts inside libunwind, then passes growth's frames (capture, record, the
	 * hook); the first frame after the last of ours is in the caller of malloc. */
	int i = 0;
	while (i < n && i < 8 && !is_self((uintptr_t)buf[i]))
		i++;
	if (i == n || i == 8)
		i = 0; /* our frames are not where expected: keep the whole stack */
	while (i < n && is_self((uintptr_t)buf[i]))
		i++;
	int out = 0;
	for (; i < n && out < max; i++)
		frames[out++] = (uintptr_t)buf[i];
	return out;
}

void grw_unwind_flush(void)
{
	unw_flush_cache(unw_local_addr_space, 0, 0);
}
