/* SPDX-License-Identifier: MIT */
/*
 * Process facts from /proc and /sys, with open/read/close only: this runs in init, in the
 * writer thread and in fork children, where stdio and malloc are off limits.
 */
#include "procinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ialloc.h"
#include "log.h"
#include "trace_format.h"

ssize_t grw_proc_read(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

int grw_proc_exe(char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
	if (n < 0) {
		buf[0] = '\0';
		return -errno;
	}
	buf[n] = '\0';
	return 0;
}

uint64_t grw_proc_cmdline(char **data, size_t *data_cap, char ***argv, size_t *argv_cap)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t n = 0;
	for (;;) {
		if (n + 1 >= *data_cap) {
			size_t cap = *data_cap ? *data_cap * 2 : 4096;
			if (cap > (64u << 20))
				break;
			char *d = grw_irealloc(*data, *data_cap, cap);
			if (!d)
				break;
			*data = d;
			*data_cap = cap;
		}
		ssize_t r = read(fd, *data + n, *data_cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!*data)
		return 0;
	(*data)[n] = '\0';
	uint64_t argc = 0;
	for (size_t i = 0; i < n;) {
		if (argc >= *argv_cap) {
			size_t cap = *argv_cap ? *argv_cap * 2 : 64;
			char **a = grw_irealloc(*argv, *argv_cap * sizeof **argv, cap * sizeof **argv);
			if (!a)
				break;
			*argv = a;
			*argv_cap = cap;
		}
		(*argv)[argc++] = *data + i;
		i += strlen(*data + i) + 1;
	}
	return argc;
}

/* Parses a decimal number at the start of s. */
static bool parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

/* The smallest limit in file `leaf` from dir/rel up to dir (the namespace root), or 0. */
static uint64_t walk_limit(const char *dir, const char *rel, const char *leaf)
{
	char path[PATH_MAX];
	char cg[PATH_MAX];
	char buf[64];
	uint64_t best = 0;
	size_t len = strlen(rel);
	if (len >= sizeof cg)
		return 0;
	memcpy(cg, rel, len + 1);
	while (len && cg[len - 1] == '/')
		cg[--len] = '\0';
	for (;;) {
		if (grw_fmt(path, sizeof path, "%s%s/%s", dir, cg, leaf) < sizeof path &&
		    grw_proc_read(path, buf, sizeof buf) > 0) {
			uint64_t v;
			/* "max" (v2) or a huge page-rounded LONG_MAX (v1) mean no limit. */
			if (parse_u64(buf, &v) && v > 0 && v < (1ull << 62) && (!best || v < best))
				best = v;
		}
		if (!len)
			break;
		char *slash = strrchr(cg, '/');
		if (!slash)
			break;
		*slash = '\0';
		len = (size_t)(slash - cg);
	}
	return best;
}

void grw_proc_mem_limit(uint64_t *bytes, uint64_t *source)
{
	if (grw_cfg.limit_bytes) {
		*bytes = grw_cfg.limit_bytes;
		*source = GRW_LIMIT_ENV;
		return;
	}
	char buf[4096];
	uint64_t v = 0;
	if (grw_proc_read("/proc/self/cgroup", buf, sizeof buf) > 0) {
		/* Lines "id:controllers:path". v2: "0::/path". v1: a list containing "memory". */
		for (char *line = buf; *line && !v;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			char *c1 = strchr(line, ':');
			char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (c2 && strncmp(line, "0::", 3) == 0) {
				v = walk_limit("/sys/fs/cgroup", c2 + 1, "memory.max");
				if (v)
					*source = GRW_LIMIT_CGROUP2;
			}
			line = nl ? nl + 1 : line + strlen(line);
		}
		if (!v && grw_proc_read("/proc/self/cgroup", buf, sizeof buf) > 0) {
			for (char *line = buf; *line && !v;) {
				char *nl = strchr(line, '\n');
				if (nl)
					*nl = '\0';
				char *c1 = strchr(line, ':');
				char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
				if (c2) {
					*c2 = '\0';
					bool mem = false;
					for (char *t = c1 + 1; t && *t;) {
						char *comma = strchr(t, ',');
						size_t tl = comma ? (size_t)(comma - t) : strlen(t);
						if (tl == 6 && strncmp(t, "memory", 6) == 0)
							mem = true;
						t = comma ? comma + 1 : NULL;
					}
					if (mem) {
						v = walk_limit("/sys/fs/cgroup/memory", c2 + 1,
							       "memory.limit_in_bytes");
						if (v)
							*source = GRW_LIMIT_CGROUP1;
					}
				}
				line = nl ? nl + 1 : line + strlen(line);
			}
		}
	}
	if (!v && grw_proc_read("/proc/meminfo", buf, sizeof buf) > 0) {
		char *p = strstr(buf, "MemTotal:");
		if (p) {
			p += 9;
			while (*p == ' ' || *p == '\t')
				p++;
			if (parse_u64(p, &v) && v) {
				v *= 1024; /* kB */
				*source = GRW_LIMIT_MEMTOTAL;
			}
		}
	}
	*bytes = v;
	if (!v)
		*source = GRW_LIMIT_NONE;
}

int grw_proc_statm(uint64_t *rss_bytes, uint64_t *vm_bytes)
{
	char buf[256];
	ssize_t n = grw_proc_read("/proc/self/statm", buf, sizeof buf);
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	uint64_t size = 0, res = 0;
	char *p = buf;
	if (!parse_u64(p, &size))
		return -EIO;
	while (*p >= '0' && *p <= '9')
		p++;
	while (*p == ' ')
		p++;
	if (!parse_u64(p, &res))
		return -EIO;
	long pg = sysconf(_SC_PAGESIZE);
	*vm_bytes = size * (uint64_t)pg;
	*rss_bytes = res * (uint64_t)pg;
	return 0;
}
