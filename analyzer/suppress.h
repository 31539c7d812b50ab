/* SPDX-License-Identifier: MIT */
/*
 * Suppressions for `growth check`: "leak:PATTERN" and "growth:PATTERN" lines whose glob
 * (fnmatch) is matched against every frame's function, source file and module of a site.
 * The list counts what each suppression matched, so a report can list the used and the unused.
 */
#ifndef GRW_SUPPRESS_H
#define GRW_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbolize.h"

enum grw_supp_kind {
	GRW_SUPP_LEAK = 0,   /* bytes still allocated at a clean exit */
	GRW_SUPP_GROWTH = 1, /* a site the detector flags as growing */
};

struct grw_supp {
	enum grw_supp_kind kind;
	char *pattern;           /* the glob, NUL-terminated, owned */
	char *source;            /* "FILE:LINE" or "default", owned */
	uint64_t matched_sites;  /* sites it suppressed, over every trace checked */
	uint64_t matched_allocs; /* live allocations at those sites */
	uint64_t matched_bytes;  /* leaked bytes (leak), or live at the end (growth) */
};

struct grw_supp_list {
	struct grw_supp *v; /* n entries, in the order read; the first match wins */
	size_t n, cap;
};

/* Adds one suppression (pattern and source are copied). Returns 0 or -ENOMEM. */
int grw_supp_add(struct grw_supp_list *l, enum grw_supp_kind kind, const char *pattern,
		 const char *source);

/*
 * Reads a suppressions file: one "leak:PATTERN" or "growth:PATTERN" per line, blank lines and
 * lines starting with '#' ignored, spaces around the kind and the pattern trimmed. Returns 0;
 * -EINVAL on a syntax error; a negative errno when the file cannot be read. On error, one
 * line in err ("FILE:LINE: ..." for syntax), and the list keeps what came before.
 */
int grw_supp_load(struct grw_supp_list *l, const char *path, char *err, size_t err_len);

/* Adds the built-in list for allocations the C and C++ runtimes make and never free. */
int grw_supp_add_defaults(struct grw_supp_list *l);

/* fnmatch(pattern, s, 0) == 0: '*' and '?' also match '/'. */
bool grw_supp_glob(const char *pattern, const char *s);

/*
 * The first suppression of this kind that matches any frame of the stack (function, file or
 * module, each as a whole or by its last path component), or NULL.
 */
struct grw_supp *grw_supp_match(struct grw_supp_list *l, enum grw_supp_kind kind,
				const struct grw_sym_frame *frames, size_t n);

void grw_supp_free(struct grw_supp_list *l);

#endif
