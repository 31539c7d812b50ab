/* SPDX-License-Identifier: MIT */
/*
 * The GROWTH_* variables: one table (name, default, parser, description), read once from
 * environ at init. Runs before anything is set up: no getenv (it is fine, but environ is the
 * one source), no stdio, no malloc. A bad value gets one warning and the default.
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "trace_format.h"

extern char **environ;

struct grw_config grw_cfg;

struct opt {
	const char *name; /* GROWTH_... */
	const char *def;  /* default, parsed like a user's value */
	int (*parse)(const struct opt *o, const char *s);
	void *dst;        /* field of grw_cfg */
	uint64_t min, max; /* accepted range for numbers */
	const char *expect; /* what a valid value looks like, for the warning */
	const char *desc;   /* one line; docs/configuration.md says more */
};

/* ------------------------------------------------------------------------------------------ */
/* Parsers: return 0, or -1 when s is not valid (dst untouched). */

static int parse_path(const struct opt *o, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= PATH_MAX)
		return -1;
	memcpy(o->dst, s, n + 1);
	return 0;
}

/* A path, or "" (the default of an optional file). */
static int parse_path_or_empty(const struct opt *o, const char *s)
{
	if (!*s) {
		*(char *)o->dst = '\0';
		return 0;
	}
	return parse_path(o, s);
}

/* Decimal digits with an optional unit suffix; *mult = 1 when suffixes are not allowed. */
static int parse_number(const char *s, bool units, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	uint64_t mult = 1;
	if (*p && units) {
		/* K, M, G (and KiB, MiB, GiB) are powers of 1024; KB, MB, GB powers of 1000. */
		static const struct {
			const char *sfx;
			uint64_t mult;
		} sfx[] = {
			{"K", 1ull << 10}, {"KiB", 1ull << 10}, {"k", 1ull << 10}, {"KB", 1000},
			{"M", 1ull << 20}, {"MiB", 1ull << 20}, {"m", 1ull << 20}, {"MB", 1000000},
			{"G", 1ull << 30}, {"GiB", 1ull << 30}, {"g", 1ull << 30}, {"GB", 1000000000},
			{"T", 1ull << 40}, {"TiB", 1ull << 40}, {"B", 1},
		};
		size_t i;
		for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
			if (strcmp(p, sfx[i].sfx) == 0)
				break;
		if (i == sizeof sfx / sizeof sfx[0])
			return -1;
		mult = sfx[i].mult;
		p += strlen(sfx[i].sfx);
	}
	if (*p)
		return -1;
	if (v && mult > UINT64_MAX / v)
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_uint(const struct opt *o, const char *s)
{
	uint64_t v;
	if (parse_number(s, false, &v) || v < o->min || v > o->max)
		return -1;
	*(uint64_t *)o->dst = v;
	return 0;
}

static int parse_size(const struct opt *o, const char *s)
{
	uint64_t v;
	if (parse_number(s, true, &v) || v < o->min || v > o->max)
		return -1;
	/* Atomic: GROWTH_SAMPLE's value is read by the hooks with acquire (record.h). */
	__atomic_store_n((uint64_t *)o->dst, v, __ATOMIC_RELAXED);
	return 0;
}

static int parse_bool(const struct opt *o, const char *s)
{
	static const char *yes[] = {"1", "yes", "true", "on"};
	static const char *no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*(bool *)o->dst = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*(bool *)o->dst = false;
			return 0;
		}
	}
	return -1;
}

static int parse_level(const struct opt *o, const char *s)
{
	static const char *names[] = {"error", "warn", "info", "debug"};
	for (uint64_t i = 0; i < 4; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*(uint64_t *)o->dst = i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*(uint64_t *)o->dst = GRW_LOG_WARN;
		return 0;
	}
	return -1;
}

static int parse_unwind(const struct opt *o, const char *s)
{
	if (strcmp(s, "fast") == 0)
		*(uint64_t *)o->dst = GRW_UNWIND_FAST;
	else if (strcmp(s, "libunwind") == 0)
		*(uint64_t *)o->dst = GRW_UNWIND_LIBUNWIND;
	else if (strcmp(s, "check") == 0)
		*(uint64_t *)o->dst = GRW_UNWIND_CHECK;
	else
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The table. GROWTH_LOG comes first so that warnings about the others obey it. */

static const struct opt opts[] = {
	{"GROWTH_LOG", "warn", parse_level, &grw_cfg.log_level, 0, 0, "error|warn|info|debug",
	 "what growth prints on stderr"},
	{"GROWTH_DISABLE", "0", parse_bool, &grw_cfg.disable, 0, 0, "0 or 1",
	 "1: load but record nothing (pure pass-through)"},
	{"GROWTH_OUTPUT", "growth.%e.%p.zst", parse_path, grw_cfg.output, 0, 0,
	 "a path template (%p pid, %e program name, %% literal)", "trace file to create"},
	{"GROWTH_INTERVAL_MS", "100", parse_uint, &grw_cfg.interval_ms, 1, 86400000,
	 "milliseconds, 1..86400000", "snapshot and flush period"},
	{"GROWTH_DEPTH", "32", parse_uint, &grw_cfg.depth, 1, GRW_MAX_DEPTH, "1..256",
	 "stack frames kept per allocation site"},
	{"GROWTH_LIMIT", "0", parse_size, &grw_cfg.limit_bytes, 0, UINT64_MAX,
	 "bytes with optional K/M/G/KiB/MiB/GiB suffix", "memory limit to project against"},
	{"GROWTH_SAMPLE", "0", parse_size, &grw_cfg.sample_bytes, 0, UINT64_MAX,
	 "bytes with optional suffix", "0: exact; N: sample about one allocation per N bytes"},
	{"GROWTH_WARN", "0", parse_bool, &grw_cfg.warn, 0, 0, "0 or 1",
	 "1: warn on stderr while the program runs when a site starts growing"},
	{"GROWTH_WARN_FILE", "", parse_path_or_empty, grw_cfg.warn_file, 0, 0, "a path, or empty",
	 "append the live warnings to this file instead of stderr"},
	{"GROWTH_FOLLOW_EXEC", "1", parse_bool, &grw_cfg.follow_exec, 0, 0, "0 or 1",
	 "0: programs this one execs are not profiled"},
	{"GROWTH_MAX_TRACE", "0", parse_size, &grw_cfg.max_trace_bytes, 0, UINT64_MAX,
	 "bytes with optional suffix, 0 = no cap", "stop writing when the trace reaches this size"},
	{"GROWTH_UNWIND", "fast", parse_unwind, &grw_cfg.unwind, 0, 0, "fast, libunwind or check",
	 "stack walker: cached CFI rules (libunwind fallback), libunwind only, or both compared"},
	{"GROWTH_UNWIND_PLAIN", "1", parse_bool, &grw_cfg.unwind_plain, 0, 0, "0 or 1",
	 "0: the fast walker reuses the previous walk even where that does not pay (testing)"},
	{"GROWTH_TRAILER", "1", parse_bool, &grw_cfg.trailer, 0, 0, "0 or 1",
	 "exact mode: 1 keeps each small block's site in 8 bytes after it, 0 in a side table"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

/* The value of NAME in environ, or NULL. */
static const char *env_lookup(const char *name)
{
	size_t n = strlen(name);
	if (!environ)
		return NULL;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

void grw_config_read(void)
{
	const char *values[NOPTS];
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		o->parse(o, o->def);
		const char *v = env_lookup(o->name);
		if (v && o->parse(o, v) < 0) {
			grw_log(GRW_LOG_WARN, "%s='%.*s' is not valid (expected %s); using %s", o->name,
				200, v, o->expect, o->def);
			o->parse(o, o->def);
			v = NULL;
		}
		values[i] = v;
		if (i == 0)
			__atomic_store_n(&grw_log_level, (int)grw_cfg.log_level, __ATOMIC_RELAXED);
	}
	if (grw_cfg.sample_bytes)
		grw_cfg.trailer = false; /* sampled blocks are few: the address map serves them */
	for (size_t i = 0; i < NOPTS; i++)
		grw_log(GRW_LOG_INFO, "%s=%s%s (%s)", opts[i].name, values[i] ? values[i] : opts[i].def,
			values[i] ? "" : " (default)", opts[i].desc);
}

void grw_config_drop_preload(const char *self_name)
{
	static const char key[] = "LD_PRELOAD=";
	if (!environ || !self_name || !*self_name)
		return;
	size_t self_len = strlen(self_name);
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, key, sizeof key - 1) != 0)
			continue;
		/* Entries are separated by ':' or blanks; compact the kept ones in place (the
		 * string only shrinks). */
		char *src = *e + sizeof key - 1, *dst = src;
		while (*src) {
			while (*src == ':' || *src == ' ' || *src == '\t')
				src++;
			char *tok = src;
			while (*src && *src != ':' && *src != ' ' && *src != '\t')
				src++;
			size_t len = (size_t)(src - tok);
			if (!len)
				break;
			const char *base = tok;
			for (const char *p = tok; p < src; p++)
				if (*p == '/')
					base = p + 1;
			if ((size_t)(src - base) == self_len && memcmp(base, self_name, self_len) == 0)
				continue;
			if (dst != *e + sizeof key - 1)
				*dst++ = ':';
			memmove(dst, tok, len);
			dst += len;
		}
		*dst = '\0';
	}
}
