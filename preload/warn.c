/* SPDX-License-Identifier: MIT */
/*
 * The live warning (warn.h). Watches the sites whose live bytes pass GRW_WARN_FLOOR_BYTES, feeds
 * each a bounded series, and runs the same detector as `growth report` on it. Runs on the writer
 * thread only, with the guard set: its own memory comes from ialloc, its messages go out with
 * write(2), and it names functions with dladdr plus a read of the module's ELF symbol table
 * (dladdr alone knows only exported symbols, and a program's own functions rarely are).
 */
#include "warn.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "detect.h"
#include "elfmap.h"
#include "ialloc.h"
#include "log.h"
#include "procinfo.h"
#include "sites.h"
#include "unwind.h"

#define SHOW_FRAMES 4      /* functions named in a warning line */
#define REPEAT_FACTOR 0.5 /* warn again when the projection shrinks to this fraction */

struct watch {
	uint32_t site;
	bool warned;
	double warned_ttl_s; /* projection of the last warning; < 0 = none known */
	double min_v;        /* lowest live bytes in the series: the cheap pre-test */
	struct grw_series se;
	struct grw_point pts[GRW_WARN_SERIES_CAP];
};

static struct {
	pid_t pid;              /* process the state belongs to: a fork child starts over */
	bool ready;
	struct grw_detect_opts opts;
	double limit_bytes;     /* header's memory limit (GROWTH_LIMIT, cgroup, MemTotal) */
	uint16_t *slot_of;      /* per site: watch index + 1, 0 = not watched */
	size_t slot_cap;        /* entries in slot_of */
	struct watch *watch[GRW_WARN_MAX_SITES];
	uint32_t nwatch;        /* watch entries in use (the array has no holes) */
} st;

static double *scratch; /* grw_detect_scratch_len(GRW_WARN_SERIES_CAP) doubles, from ialloc */

/* ------------------------------------------------------------------------------------------ */
/* Naming a return address: dladdr for the module, its ELF .symtab (else .dynsym) for the name. */

/* Searches the symbol table tab (a section of the file mapped at m, size bytes) for the
 * function holding pc. Writes its name, and for a local symbol the source file that the
 * table's preceding FILE entry names. Every offset is checked against the file's size. */
static bool symtab_find(const uint8_t *m, size_t size, const Elf64_Shdr *sh, unsigned shnum,
			const Elf64_Shdr *tab, uintptr_t pc, char *fn, size_t fn_cap, char *file,
			size_t file_cap)
{
	if (tab->sh_link >= shnum || tab->sh_entsize != sizeof(Elf64_Sym) ||
	    tab->sh_offset > size || size - tab->sh_offset < tab->sh_size)
		return false;
	const Elf64_Shdr *strs = &sh[tab->sh_link];
	if (strs->sh_offset > size || size - strs->sh_offset < strs->sh_size)
		return false;
	const char *str = (const char *)m + strs->sh_offset;
	const Elf64_Sym *sym = (const void *)(m + tab->sh_offset);
	size_t n = tab->sh_size / sizeof *sym;
	const char *src = NULL;
	for (size_t k = 0; k < n; k++) {
		if (sym[k].st_name >= strs->sh_size)
			continue;
		const char *name = str + sym[k].st_name;
		int name_len = (int)strnlen(name, strs->sh_size - sym[k].st_name);
		unsigned type = ELF64_ST_TYPE(sym[k].st_info);
		if (type == STT_FILE) {
			/* FILE entries precede the local symbols of that file only. */
			src = name;
			continue;
		}
		uint64_t len = sym[k].st_size ? sym[k].st_size : 1;
		if (type != STT_FUNC || pc < sym[k].st_value || pc - sym[k].st_value >= len)
			continue;
		grw_fmt(fn, fn_cap, "%.*s", name_len, name);
		if (ELF64_ST_BIND(sym[k].st_info) == STB_LOCAL && src) {
			size_t src_max = (size_t)(str + strs->sh_size - src);
			grw_fmt(file, file_cap, "%.*s", (int)strnlen(src, src_max), src);
		}
		return true;
	}
	return false;
}

/* Looks pc (a link-time address of the module) up in the ELF file at path: .symtab first
 * (static functions too), else .dynsym. */
static bool elf_lookup(const char *path, uintptr_t pc, char *fn, size_t fn_cap, char *file,
		       size_t file_cap)
{
	size_t size;
	int err;
	const uint8_t *m = grw_elf_map(path, &size, &err);
	if (!m)
		return false;
	bool found = false;
	const Elf64_Ehdr *eh = (const void *)m;
	const Elf64_Shdr *sh = grw_elf_shdrs(m);
	static const Elf64_Word order[] = {SHT_SYMTAB, SHT_DYNSYM};
	for (size_t o = 0; o < 2 && !found; o++)
		for (unsigned i = 0; i < eh->e_shnum && !found; i++)
			found = sh[i].sh_type == order[o] &&
				symtab_find(m, size, sh, eh->e_shnum, &sh[i], pc, fn, fn_cap, file,
					    file_cap);
	grw_elf_unmap(m, size);
	return found;
}

/* C++ names read better demangled; __cxa_demangle is used only when the program has it. */
static void demangle(char *fn, size_t cap)
{
	typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);
	static demangle_fn dm;
	static bool looked;
	if (fn[0] != '_' || fn[1] != 'Z')
		return;
	if (!looked) {
		dm = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
		looked = true;
	}
	if (!dm)
		return;
	int status = -1;
	char *d = dm(fn, NULL, NULL, &status); /* real malloc: the guard is set on this thread */
	if (d && status == 0) {
		/* Drop the parameter list: the name alone is what a reader looks for. */
		char *paren = strchr(d, '(');
		if (paren && paren != d)
			*paren = '\0';
		grw_fmt(fn, cap, "%s", d);
	}
	free(d);
}

/* Names the function holding return address ra: "fn (file)", "fn", or "?? (module)". */
static void name_frame(uintptr_t ra, char *out, size_t cap, bool with_where)
{
	uintptr_t pc = ra ? ra - 1 : 0; /* inside the call instruction, not after it */
	Dl_info info;
	struct link_map *lm = NULL;
	char fn[160] = "", file[96] = "";
	const char *module = "?";
	if (dladdr1((void *)pc, &info, (void **)&lm, RTLD_DL_LINKMAP) && lm) {
		module = info.dli_fname && *info.dli_fname ? info.dli_fname : "?";
		const char *path = lm->l_name && *lm->l_name ? lm->l_name : "/proc/self/exe";
		if (!elf_lookup(path, pc - lm->l_addr, fn, sizeof fn, file, sizeof file) &&
		    info.dli_sname)
			grw_fmt(fn, sizeof fn, "%s", info.dli_sname);
	}
	demangle(fn, sizeof fn);
	const char *base = strrchr(module, '/');
	base = base ? base + 1 : module;
	if (!fn[0])
		grw_fmt(out, cap, "?? (%s)", base);
	else if (!with_where)
		grw_fmt(out, cap, "%s", fn);
	else
		grw_fmt(out, cap, "%s (%s)", fn, file[0] ? file : base);
}

/* ------------------------------------------------------------------------------------------ */
/* The message */

/* v with one decimal, as "12.3". */
static void fmt_tenths(char *out, size_t cap, double v)
{
	if (!(v >= 0) || v > 1e15)
		v = 0;
	uint64_t t = (uint64_t)(v * 10 + 0.5);
	grw_fmt(out, cap, "%llu.%llu", (unsigned long long)(t / 10), (unsigned long long)(t % 10));
}

static void fmt_duration(char *out, size_t cap, double s)
{
	char n[32];
	if (s < 120) {
		grw_fmt(out, cap, "~%llu s", (unsigned long long)(s + 0.5));
	} else if (s < 2 * 3600) {
		grw_fmt(out, cap, "~%llu min", (unsigned long long)(s / 60 + 0.5));
	} else if (s < 2 * 86400) {
		fmt_tenths(n, sizeof n, s / 3600);
		grw_fmt(out, cap, "~%s h", n);
	} else {
		fmt_tenths(n, sizeof n, s / 86400);
		grw_fmt(out, cap, "~%s days", n);
	}
}

/* Appends s to buf (NUL-terminated, cap bytes) without overflowing. */
static void cat(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);
	if (n + 1 < cap)
		grw_fmt(buf + n, cap - n, "%s", s);
}

/* Writes line to GROWTH_WARN_FILE (opened for each warning, so the application closing or
 * reusing descriptors cannot redirect it) or to stderr. */
static void emit(const char *line, size_t len)
{
	int fd = 2;
	if (grw_cfg.warn_file[0]) {
		fd = open(grw_cfg.warn_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
			  0644);
		if (fd < 0) {
			GRW_LOG_ONCE(GRW_LOG_WARN,
				     "cannot open GROWTH_WARN_FILE '%s': %s; warnings go to stderr",
				     grw_cfg.warn_file, grw_strerror(errno));
			fd = 2;
		}
	}
	while (len) {
		ssize_t r = write(fd, line, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		line += r;
		len -= (size_t)r;
	}
	if (fd != 2)
		close(fd);
}

static void warn_site(struct grw_buf *out, uint64_t t_ns, const struct watch *wa, double live,
		      const struct grw_verdict *v, double ttl_s, bool again)
{
	char line[1024], rate[32], mib[32], lim[48], fr[256];
	fmt_tenths(rate, sizeof rate, v->slope_bps * 60 / (1024.0 * 1024.0));
	fmt_tenths(mib, sizeof mib, live / (1024.0 * 1024.0));
	if (ttl_s >= 0) {
		char d[32];
		fmt_duration(d, sizeof d, ttl_s);
		grw_fmt(lim, sizeof lim, "limit in %s", d);
	} else {
		grw_fmt(lim, sizeof lim, "no memory limit known");
	}
	grw_fmt(line, sizeof line, "growth: site %u is %s: %s MiB/min, %s MiB live, %s: ",
		wa->site, again ? "still growing" : "growing", rate, mib, lim);
	const struct grw_site *s = grw_sites_get(wa->site);
	uint32_t depth = s ? s->depth : 0;
	if (depth > SHOW_FRAMES)
		depth = SHOW_FRAMES;
	if (!depth)
		cat(line, sizeof line, "(no stack)");
	for (uint32_t i = 0; i < depth; i++) {
		if (i)
			cat(line, sizeof line, " <- ");
		name_frame(s->frames[i], fr, sizeof fr, i == 0);
		cat(line, sizeof line, fr);
		if (strcmp(fr, "main") == 0)
			break; /* what lies below main is the C runtime */
	}
	size_t len = strlen(line);
	if (len + 1 >= sizeof line)
		len = sizeof line - 2;
	line[len++] = '\n';
	emit(line, len);

	struct grw_warn w = {t_ns, wa->site, (uint64_t)live, (int64_t)v->slope_bps,
			     ttl_s >= 0 ? (uint64_t)ttl_s + (ttl_s < 1) : 0};
	grw_enc_warn(out, &w);
}

/* ------------------------------------------------------------------------------------------ */
/* Watching sites */

static bool setup(void)
{
	if (st.ready && st.pid == getpid())
		return true;
	/* First call, or a fork child: start over. A parent's state may have been caught mid-update
	 * by the fork, so it is abandoned, not freed. */
	memset(&st, 0, sizeof st);
	st.pid = getpid();
	grw_detect_defaults(&st.opts);
	uint64_t limit = 0, source = 0;
	grw_proc_mem_limit(&limit, &source);
	st.limit_bytes = (double)limit;
	if (!scratch)
		scratch = grw_ialloc(grw_detect_scratch_len(GRW_WARN_SERIES_CAP) * sizeof(double));
	st.ready = scratch != NULL;
	return st.ready;
}

/* Makes slot_of hold n entries. Returns false when out of memory. */
static bool reserve_slots(size_t n)
{
	if (n <= st.slot_cap)
		return true;
	size_t c = st.slot_cap ? st.slot_cap : 1024;
	while (c < n)
		c *= 2;
	uint16_t *p = grw_icalloc(c * sizeof *p);
	if (!p)
		return false;
	if (st.slot_of)
		memcpy(p, st.slot_of, st.slot_cap * sizeof *p);
	grw_ifree(st.slot_of, st.slot_cap * sizeof *p);
	st.slot_of = p;
	st.slot_cap = c;
	return true;
}

static void unwatch(uint32_t idx)
{
	struct watch *wa = st.watch[idx];
	st.slot_of[wa->site] = 0;
	grw_ifree(wa, sizeof *wa);
	st.nwatch--;
	if (idx != st.nwatch) {
		st.watch[idx] = st.watch[st.nwatch];
		st.slot_of[st.watch[idx]->site] = (uint16_t)(idx + 1);
	}
	st.watch[st.nwatch] = NULL;
}

static void watch_site(uint32_t id, double t_s, double v)
{
	if (st.nwatch >= GRW_WARN_MAX_SITES) {
		GRW_LOG_ONCE(GRW_LOG_INFO, "live warning: watching %u sites already; larger sites "
					   "beyond that are not watched",
			     GRW_WARN_MAX_SITES);
		return;
	}
	struct watch *wa = grw_ialloc(sizeof *wa);
	if (!wa)
		return;
	wa->site = id;
	wa->warned = false;
	wa->warned_ttl_s = -1;
	wa->min_v = v;
	grw_series_init(&wa->se, wa->pts, GRW_WARN_SERIES_CAP);
	grw_series_add(&wa->se, t_s, v);
	st.watch[st.nwatch] = wa;
	st.slot_of[id] = (uint16_t)(st.nwatch + 1);
	st.nwatch++;
}

static void check(struct grw_buf *out, uint64_t t_ns, double t_s, double rss, struct watch *wa,
		  double v)
{
	grw_series_add(&wa->se, t_s, v);
	if (v < wa->min_v)
		wa->min_v = v;
	if (v - wa->min_v < 0.9 * st.opts.min_growth_bytes)
		return; /* cannot have grown enough to be called growing */
	struct grw_verdict vd;
	if (grw_detect_classify(wa->se.pts, wa->se.n, &st.opts, scratch, &vd) || !vd.growing)
		return;
	double ttl = grw_time_to_limit_s(rss, vd.slope_bps, st.limit_bytes);
	bool again = wa->warned;
	bool shrank = ttl >= 0 && wa->warned_ttl_s > 0 && ttl < REPEAT_FACTOR * wa->warned_ttl_s;
	if (wa->warned && !shrank)
		return;
	warn_site(out, t_ns, wa, v, &vd, ttl, again);
	wa->warned = true;
	wa->warned_ttl_s = ttl;
}

/* The Go runtime's own mappings are not watched (unwind.h): the collector sizes them, and their
 * growth is the Go heap's, which RSS and Go's own profiler show. */
static bool go_runtime(uint32_t id)
{
	const struct grw_site *s = grw_sites_get(id);
	return s && grw_unwind_go_runtime_site(s->frames, s->depth);
}

static double live_at(const char *base, size_t stride, uint32_t id)
{
	return (double)*(const uint64_t *)(const void *)(base + (size_t)id * stride);
}

void grw_warn_interval(struct grw_buf *out, uint64_t t_ns, uint64_t rss_bytes, uint32_t nsites,
		       const uint64_t *live, size_t stride)
{
	if (!grw_cfg.warn || !live || !nsites || !setup())
		return;
	if (!reserve_slots(nsites)) {
		GRW_LOG_ONCE(GRW_LOG_WARN, "out of memory for the live warning; it is off");
		return;
	}
	double t_s = (double)t_ns / 1e9, rss = (double)rss_bytes;
	const char *base = (const char *)live;
	/* Watched sites first: a point each, release the ones that shrank well below the floor. */
	for (uint32_t i = 0; i < st.nwatch;) {
		struct watch *wa = st.watch[i];
		double v = wa->site < nsites ? live_at(base, stride, wa->site) : 0;
		if (v < GRW_WARN_FLOOR_BYTES / 2) {
			unwatch(i);
			continue;
		}
		check(out, t_ns, t_s, rss, wa, v);
		i++;
	}
	for (uint32_t id = 0; id < nsites; id++) {
		double v = live_at(base, stride, id);
		if (v >= GRW_WARN_FLOOR_BYTES && !st.slot_of[id] && !go_runtime(id))
			watch_site(id, t_s, v);
	}
}
