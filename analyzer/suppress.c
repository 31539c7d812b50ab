/* SPDX-License-Identifier: MIT */
/*
 * Suppressions (suppress.h): the file syntax, the built-in runtime list and glob matching.
 * The built-in list names only frames that allocate on the runtime's behalf; it must never name
 * a frame that every stack passes through (__libc_start_main, _start, main), which would
 * suppress everything.
 */
#include "suppress.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocations of the C and C++ runtimes that live until exit by design. */
static const char *const default_leaks[] = {
	"*_IO_file_doallocate", /* stdio buffers (stdout, stderr, FILE of fopen'd streams) */
	"*_IO_wfile_doallocate", /* wide stdio buffers */
	"_dl_allocate_tls*", /* dynamic TLS blocks and DTVs of threads */
	"_dl_resize_dtv",
	"_dl_update_slotinfo",
	"_dl_new_object", /* link maps of dlopen'ed objects */
	"_dl_map_object*",
	"_dl_check_map_versions",
	"__libc_dlopen_mode",
	"allocate_stack", /* glibc's cache of thread stacks */
	"__new_exitfn", /* atexit and __cxa_atexit blocks */
	"__cxa_thread_atexit_impl",
	"_nl_*", /* locale data (setlocale, gettext) */
	"*setlocale", /* the names of the locale in effect */
	"new_composite_name",
	"__gconv_*", /* iconv modules */
	"__tzfile_read", /* time zone data */
	"tzset_internal",
	"__nss_*", /* name service modules */
	"*eh_alloc.cc*", /* libstdc++'s emergency exception pool */
	"(anonymous namespace)::pool::pool*",
	"__cxa_get_globals*", /* libstdc++'s per-thread exception globals */
	"__gnu_cxx::__freeres*",
	"std::locale::*", /* libstdc++'s locale facets, created once */
	"std::ios_base::Init::Init*",
	"x_cgo_mmap", /* Go with cgo: the Go runtime's heap arenas and metadata */
	"x_cgo_thread_start", /* Go with cgo: thread start-up blocks */
};

int grw_supp_add(struct grw_supp_list *l, enum grw_supp_kind kind, const char *pattern,
		 const char *source)
{
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 16;
		struct grw_supp *v = realloc(l->v, c * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = c;
	}
	struct grw_supp *s = &l->v[l->n];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->pattern = strdup(pattern);
	s->source = strdup(source);
	if (!s->pattern || !s->source) {
		free(s->pattern);
		free(s->source);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

int grw_supp_add_defaults(struct grw_supp_list *l)
{
	for (size_t i = 0; i < sizeof default_leaks / sizeof default_leaks[0]; i++) {
		int e = grw_supp_add(l, GRW_SUPP_LEAK, default_leaks[i], "default");
		if (e)
			return e;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

int grw_supp_load(struct grw_supp_list *l, const char *path, char *err, size_t err_len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, err_len, "growth: cannot read suppressions '%s': %s", path,
			 strerror(e));
		return -e;
	}
	int ret = 0;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (strlen(line) != (size_t)len) {
			snprintf(err, err_len, "%s:%lu: NUL byte in a suppression line", path,
				 lineno);
			ret = -EINVAL;
			goto out_line;
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *colon = strchr(s, ':');
		enum grw_supp_kind kind = GRW_SUPP_LEAK;
		bool ok = false;
		if (colon) {
			*colon = 0;
			char *k = trim(s);
			if (strcmp(k, "leak") == 0) {
				kind = GRW_SUPP_LEAK;
				ok = true;
			} else if (strcmp(k, "growth") == 0) {
				kind = GRW_SUPP_GROWTH;
				ok = true;
			}
			if (!ok) {
				snprintf(err, err_len,
					 "%s:%lu: unknown suppression kind '%.40s' (expected "
					 "'leak:PATTERN' or 'growth:PATTERN')",
					 path, lineno, k);
				ret = -EINVAL;
				goto out_line;
			}
		} else {
			snprintf(err, err_len,
				 "%s:%lu: expected 'leak:PATTERN' or 'growth:PATTERN', got '%.60s'",
				 path, lineno, s);
			ret = -EINVAL;
			goto out_line;
		}
		char *pat = trim(colon + 1);
		if (!*pat) {
			snprintf(err, err_len, "%s:%lu: empty pattern after '%s:'", path, lineno,
				 kind == GRW_SUPP_LEAK ? "leak" : "growth");
			ret = -EINVAL;
			goto out_line;
		}
		char src[64 + 4096];
		snprintf(src, sizeof src, "%s:%lu", path, lineno);
		ret = grw_supp_add(l, kind, pat, src);
		if (ret) {
			snprintf(err, err_len, "growth: out of memory");
			goto out_line;
		}
	}
	if (ferror(f)) {
		snprintf(err, err_len, "growth: cannot read suppressions '%s': read error", path);
		ret = -EIO;
	}
out_line:
	free(line);
	fclose(f);
	return ret;
}

bool grw_supp_glob(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

/* Matches s as a whole, or its last path component. */
static bool match_path(const char *pattern, const char *s)
{
	if (!s)
		return false;
	if (grw_supp_glob(pattern, s))
		return true;
	const char *slash = strrchr(s, '/');
	return slash && grw_supp_glob(pattern, slash + 1);
}

struct grw_supp *grw_supp_match(struct grw_supp_list *l, enum grw_supp_kind kind,
				const struct grw_sym_frame *frames, size_t n)
{
	for (size_t i = 0; i < l->n; i++) {
		struct grw_supp *s = &l->v[i];
		if (s->kind != kind)
			continue;
		for (size_t k = 0; k < n; k++) {
			if ((frames[k].function && grw_supp_glob(s->pattern, frames[k].function)) ||
			    match_path(s->pattern, frames[k].file) ||
			    match_path(s->pattern, frames[k].module))
				return s;
		}
	}
	return NULL;
}

void grw_supp_free(struct grw_supp_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].pattern);
		free(l->v[i].source);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}
