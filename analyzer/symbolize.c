/* SPDX-License-Identifier: MIT */
/*
 * Symbolization with libdwfl (see symbolize.h). One Dwfl holds every module a reported site
 * uses; each is reported lazily with dwfl_report_elf at a synthetic, non-overlapping bias (the
 * trace may hold two modules at the same address, one dlclosed before the other was loaded) and
 * always queried through its own Dwfl_Module, never by address. Results are cached per
 * (module, offset): sites share most of their frames.
 */
#include "symbolize.h"
#include "util.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libstdc++'s demangler (linked with -lstdc++); declared here to keep this file C. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

#define SYN_BASE ((uint64_t)1 << 44)  /* synthetic bias of the first module */
#define SYN_STRIDE ((uint64_t)1 << 36) /* room per module */
#define MAX_INLINE 64                  /* inlined frames per address at most */

struct mod_state {
	Dwfl_Module *dm;   /* NULL until reported, or when it failed */
	bool tried;        /* reporting was attempted */
	bool is_growth;    /* libgrowth.so: its frames are dropped */
	uint64_t bias;     /* dwfl address = bias + offset */
};

/* A cached (module, offset) -> frames[first .. first+count) of the cache's frame pool. */
struct entry {
	int32_t module; /* -2 = empty slot */
	uint64_t offset;
	uint32_t first, count;
};

struct grw_symbolizer {
	const struct grw_model *m;
	FILE *warn;
	Dwfl *dwfl;
	char *debuginfo_path;
	Dwfl_Callbacks cb;
	struct mod_state *mods;

	struct entry *tab;
	size_t tab_cap, tab_len;
	struct grw_sym_frame *pool; /* cached frames */
	size_t pool_len, pool_cap;
	char **strs;                /* strings the symbolizer owns (demangled names) */
	size_t nstrs, strs_cap;

	struct grw_sym_frame *out;  /* the last grw_sym_site result */
	size_t out_cap;
};

static const char *keep_str(struct grw_symbolizer *s, char *str)
{
	if (!str)
		return NULL;
	if (grw_grow_array((void **)&s->strs, &s->strs_cap, s->nstrs + 1, sizeof *s->strs)) {
		free(str);
		return NULL;
	}
	s->strs[s->nstrs++] = str;
	return str;
}

struct grw_symbolizer *grw_sym_new(const struct grw_model *m, FILE *warn)
{
	struct grw_symbolizer *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->m = m;
	s->warn = warn;
	s->mods = calloc(m->nmodules ? m->nmodules : 1, sizeof *s->mods);
	if (!s->mods)
		goto out_free;
	for (size_t i = 0; i < m->nmodules; i++) {
		const char *slash = strrchr(m->modules[i].path, '/');
		const char *base = slash ? slash + 1 : m->modules[i].path;
		s->mods[i].is_growth = strncmp(base, "libgrowth.so", 12) == 0 &&
				       (base[12] == 0 || base[12] == '.');
	}
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path; /* NULL: the default, incl. /usr/lib/debug */
	s->dwfl = dwfl_begin(&s->cb);
	if (!s->dwfl)
		goto out_free;
	return s;
out_free:
	free(s->mods);
	free(s);
	return NULL;
}

void grw_sym_free(struct grw_symbolizer *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);
	for (size_t i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->mods);
	free(s->tab);
	free(s->pool);
	free(s->out);
	free(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Modules */

static void check_build_id(struct grw_symbolizer *s, size_t i)
{
	const struct grw_model_module *mm = &s->m->modules[i];
	const unsigned char *bits;
	GElf_Addr vaddr;
	if (mm->build_id_len == 0)
		return;
	int n = dwfl_module_build_id(s->mods[i].dm, &bits, &vaddr);
	if (n <= 0)
		return;
	if ((uint32_t)n != mm->build_id_len || memcmp(bits, mm->build_id, (size_t)n) != 0) {
		if (s->warn)
			fprintf(s->warn,
				"growth: warning: %s: binary changed since the trace was written "
				"(build-id differs); its frames may be misattributed\n",
				mm->path);
	}
}

/* Reports module i to the Dwfl on first use. Returns its state (dm NULL when unusable). */
static struct mod_state *module(struct grw_symbolizer *s, size_t i)
{
	struct mod_state *ms = &s->mods[i];
	if (ms->tried)
		return ms;
	ms->tried = true;
	const struct grw_model_module *mm = &s->m->modules[i];
	if (mm->path[0] != '/')
		return ms; /* linux-vdso.so.1 and the like: no file to read */
	/* The path comes from the trace: a FIFO or a device there would block or never end
	 * the read (tests/stress: symbolize_fifo). Only regular files are opened. */
	struct stat st;
	if (stat(mm->path, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (s->warn)
			fprintf(s->warn, "growth: warning: %s: not a regular file; its frames stay "
					 "unresolved\n",
				mm->path);
		return ms;
	}
	dwfl_report_begin_add(s->dwfl);
	ms->dm = dwfl_report_elf(s->dwfl, mm->path, mm->path, -1, SYN_BASE + i * SYN_STRIDE,
				 false);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (!ms->dm) {
		if (s->warn)
			fprintf(s->warn, "growth: warning: %s: cannot read (%s); its frames stay "
					 "unresolved\n",
				mm->path, dwfl_errmsg(-1));
		return ms;
	}
	GElf_Addr bias = 0;
	if (!dwfl_module_getelf(ms->dm, &bias)) {
		ms->dm = NULL;
		return ms;
	}
	ms->bias = bias;
	check_build_id(s, i);
	return ms;
}

/* ------------------------------------------------------------------------------------------ */
/* Names */

static const char *demangle(struct grw_symbolizer *s, const char *name)
{
	if (!name || strncmp(name, "_Z", 2) != 0)
		return name;
	int status = -1;
	char *d = __cxa_demangle(name, NULL, NULL, &status);
	if (status != 0 || !d) {
		free(d);
		return name;
	}
	const char *k = keep_str(s, d);
	return k ? k : name;
}

static const char *die_name(struct grw_symbolizer *s, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = NULL;
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		name = dwarf_formstring(&attr);
	if (!name && dwarf_attr_integrate(die, DW_AT_name, &attr))
		name = dwarf_formstring(&attr);
	return demangle(s, name);
}

/* ------------------------------------------------------------------------------------------ */
/* Lookup */

static int push(struct grw_symbolizer *s, const struct grw_sym_frame *f)
{
	if (grw_grow_array((void **)&s->pool, &s->pool_cap, s->pool_len + 1, sizeof *s->pool))
		return -ENOMEM;
	s->pool[s->pool_len++] = *f;
	return 0;
}

/* Symbolizes one address of module i into the pool (at least one frame). */
static int lookup(struct grw_symbolizer *s, int32_t i, const struct grw_frame_ref *fr)
{
	struct grw_sym_frame base = {.address = fr->address};
	if (i < 0)
		return push(s, &base);
	base.module = s->m->modules[i].path;
	base.offset = fr->offset;
	struct mod_state *ms = module(s, (size_t)i);
	if (!ms->dm)
		return push(s, &base);

	/* Frames are return addresses: the call is the instruction before. */
	Dwarf_Addr a = ms->bias + fr->offset - 1;
	Dwfl_Line *line = dwfl_module_getsrc(ms->dm, a);
	if (line) {
		int lineno = 0;
		base.file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		base.line = lineno;
	}
	GElf_Off off;
	GElf_Sym sym;
	const char *symname = dwfl_module_addrinfo(ms->dm, a, &off, &sym, NULL, NULL, NULL);

	Dwarf_Addr cubias = 0;
	Dwarf_Die *cudie = dwfl_module_addrdie(ms->dm, a, &cubias);
	Dwarf_Die *scopes = NULL;
	int nscopes = cudie ? dwarf_getscopes(cudie, a - cubias, &scopes) : 0;
	if (nscopes > 0) {
		/* As eu-addr2line -i: the concrete chain of the innermost scope, so that each
		 * inlined instance is followed by the scope it was inlined into. */
		Dwarf_Die inner;
		Dwarf_Addr dwbias;
		Dwarf *dw = dwfl_module_getdwarf(ms->dm, &dwbias);
		bool ok = dw && dwarf_offdie(dw, dwarf_dieoffset(&scopes[0]), &inner);
		free(scopes);
		scopes = NULL;
		nscopes = ok ? dwarf_getscopes_die(&inner, &scopes) : 0;
	}
	size_t pushed = 0;
	if (nscopes > 0) {
		Dwarf_Files *files = NULL;
		size_t nfiles = 0;
		if (dwarf_getsrcfiles(cudie, &files, &nfiles) != 0)
			files = NULL;
		struct grw_sym_frame f = base;
		for (int k = 0; k < nscopes && pushed < MAX_INLINE; k++) {
			Dwarf_Die *die = &scopes[k];
			int tag = dwarf_tag(die);
			if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
				continue;
			f.function = die_name(s, die);
			f.inlined = tag == DW_TAG_inlined_subroutine;
			if (!f.function && tag == DW_TAG_subprogram)
				f.function = demangle(s, symname);
			if (push(s, &f)) {
				free(scopes);
				return -ENOMEM;
			}
			pushed++;
			if (tag == DW_TAG_subprogram)
				break;
			/* The caller's location is where this instance was inlined. */
			Dwarf_Attribute attr;
			Dwarf_Word w;
			f.file = NULL;
			f.line = 0;
			if (files && dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &w) == 0 &&
			    w < nfiles)
				f.file = dwarf_filesrc(files, w, NULL, NULL);
			if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &w) == 0)
				f.line = (int)w;
		}
	}
	free(scopes);
	if (pushed == 0) {
		base.function = demangle(s, symname);
		return push(s, &base);
	}
	return 0;
}

static size_t hash_key(int32_t module, uint64_t offset)
{
	uint64_t h = (offset ^ ((uint64_t)(uint32_t)module << 40)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h ^ (h >> 31));
}

static int rehash(struct grw_symbolizer *s, size_t cap)
{
	struct entry *t = malloc(cap * sizeof *t);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		t[i].module = -2;
	for (size_t i = 0; i < s->tab_cap; i++) {
		if (s->tab[i].module == -2)
			continue;
		size_t k = hash_key(s->tab[i].module, s->tab[i].offset) & (cap - 1);
		while (t[k].module != -2)
			k = (k + 1) & (cap - 1);
		t[k] = s->tab[i];
	}
	free(s->tab);
	s->tab = t;
	s->tab_cap = cap;
	return 0;
}

/* The cached frames of one address (symbolized on first use); NULL when out of memory. */
static const struct entry *resolve(struct grw_symbolizer *s, const struct grw_frame_ref *fr)
{
	int32_t mod = fr->module;
	uint64_t key = mod < 0 ? fr->address : fr->offset;
	if ((s->tab_len + 1) * 2 > s->tab_cap && rehash(s, s->tab_cap ? s->tab_cap * 2 : 1024))
		return NULL;
	size_t k = hash_key(mod, key) & (s->tab_cap - 1);
	while (s->tab[k].module != -2) {
		if (s->tab[k].module == mod && s->tab[k].offset == key)
			return &s->tab[k];
		k = (k + 1) & (s->tab_cap - 1);
	}
	size_t first = s->pool_len;
	if (lookup(s, mod, fr))
		return NULL;
	s->tab[k] = (struct entry){mod, key, (uint32_t)first, (uint32_t)(s->pool_len - first)};
	s->tab_len++;
	return &s->tab[k];
}

int grw_sym_site(struct grw_symbolizer *s, const struct grw_model_site *site,
		 const struct grw_sym_frame **frames, size_t *n)
{
	size_t len = 0;
	*frames = NULL;
	*n = 0;
	for (uint16_t i = 0; i < site->depth; i++) {
		const struct grw_frame_ref *fr = &site->frames[i];
		if (fr->module >= 0 && s->mods[fr->module].is_growth)
			continue;
		const struct entry *e = resolve(s, fr);
		if (!e)
			return -ENOMEM;
		if (grw_grow_array((void **)&s->out, &s->out_cap, len + e->count, sizeof *s->out))
			return -ENOMEM;
		for (uint32_t k = 0; k < e->count; k++) {
			s->out[len] = s->pool[e->first + k];
			s->out[len].address = fr->address; /* the cache key may be a reused offset */
			len++;
		}
	}
	*frames = s->out;
	*n = len;
	return 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Frames of the system (libc, libstdc++, inlined standard headers) are rarely where a leak
 * should be fixed. */
static bool is_system(const struct grw_sym_frame *f)
{
	static const char *dirs[] = {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/libexec/"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (starts_with(f->module, dirs[i]))
			return true;
	return starts_with(f->file, "/usr/include/");
}

const struct grw_sym_frame *grw_sym_best(const struct grw_sym_frame *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (frames[i].file && frames[i].function && !is_system(&frames[i]))
			return &frames[i];
	/* The program's own frame, even unresolved (its file is gone or has no debug info),
	 * says more than a libc frame below it. */
	for (size_t i = 0; i < n; i++)
		if (frames[i].module && !is_system(&frames[i]))
			return &frames[i];
	for (size_t i = 0; i < n; i++)
		if (frames[i].file && frames[i].function)
			return &frames[i];
	for (size_t i = 0; i < n; i++)
		if (frames[i].function)
			return &frames[i];
	return n ? &frames[0] : NULL;
}
