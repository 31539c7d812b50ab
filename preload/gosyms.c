/* SPDX-License-Identifier: MIT */
/*
 * The address ranges of runtime.asmcgocall and x_cgo_mmap, from the main executable's ELF symbol
 * table (gosyms.h).
 * Runs once inside the preload's init: the file is mapped read-only and every offset and size
 * read from it is checked against the mapping before use; no malloc.
 */
#include "gosyms.h"

#include "elfmap.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <string.h>

/* The main program is dl_iterate_phdr's first entry; its dlpi_addr is the load bias (0 for a
 * non-PIE executable, which is what `go build` makes by default on linux/amd64). */
static int first_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(uintptr_t *)arg = info->dlpi_addr;
	return 1;
}

/* Section i's bytes, or NULL when they do not lie inside the file. */
static const uint8_t *sect(const uint8_t *m, size_t size, const Elf64_Shdr *s)
{
	if (s->sh_type == SHT_NOBITS || s->sh_offset > size || s->sh_size > size - s->sh_offset)
		return NULL;
	return m + s->sh_offset;
}

/* Looks name up among the symbol table's functions; NULL when absent. */
static const Elf64_Sym *find_func(const Elf64_Sym *sym, size_t nsym, const char *str, size_t str_n,
				  const char *name)
{
	size_t len = strlen(name) + 1;
	for (size_t k = 0; k < nsym; k++) {
		if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_size == 0 ||
		    sym[k].st_name >= str_n || str_n - sym[k].st_name < len)
			continue;
		if (memcmp(str + sym[k].st_name, name, len) == 0)
			return &sym[k];
	}
	return NULL;
}

static int scan(const uint8_t *m, size_t size, struct grw_gosyms *out)
{
	const Elf64_Ehdr *eh = (const void *)m;
	if (eh->e_shstrndx >= eh->e_shnum)
		return -ENOEXEC;
	const Elf64_Shdr *sh = grw_elf_shdrs(m);
	unsigned nsh = eh->e_shnum;
	const char *names = (const char *)sect(m, size, &sh[eh->e_shstrndx]);
	if (!names)
		return -ENOEXEC;
	size_t names_n = sh[eh->e_shstrndx].sh_size;
	static const char buildinfo[] = ".go.buildinfo";
	bool is_go = false;
	const Elf64_Shdr *symtab = NULL;
	for (unsigned i = 0; i < nsh; i++) {
		if (sh[i].sh_name < names_n && names_n - sh[i].sh_name >= sizeof buildinfo &&
		    memcmp(names + sh[i].sh_name, buildinfo, sizeof buildinfo) == 0)
			is_go = true;
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
	}
	if (!is_go || !symtab || symtab->sh_entsize != sizeof(Elf64_Sym) || symtab->sh_link >= nsh)
		return -ENOENT;
	const Elf64_Sym *sym = (const void *)sect(m, size, symtab);
	const char *str = (const char *)sect(m, size, &sh[symtab->sh_link]);
	if (!sym || !str || (symtab->sh_offset & 7))
		return -ENOEXEC;
	size_t nsym = symtab->sh_size / sizeof(Elf64_Sym), str_n = sh[symtab->sh_link].sh_size;
	/* The body that calls C is the ABI0 function; `runtime.asmcgocall` is then a small
	 * ABIInternal wrapper that never calls C itself. Toolchains without ABI wrappers have
	 * the body under the plain name. */
	const Elf64_Sym *call = find_func(sym, nsym, str, str_n, "runtime.asmcgocall.abi0");
	if (!call)
		call = find_func(sym, nsym, str, str_n, "runtime.asmcgocall");
	/* cgo's C hook through which the runtime makes every mapping of its own (gcc_mmap.c). */
	const Elf64_Sym *map = find_func(sym, nsym, str, str_n, "x_cgo_mmap");
	if (!call && !map)
		return -ENOENT;
	uintptr_t bias = 0;
	dl_iterate_phdr(first_bias, &bias);
	if (call) {
		out->cgocall_lo = bias + call->st_value;
		out->cgocall_hi = out->cgocall_lo + call->st_size;
	}
	if (map) {
		out->mmap_lo = bias + map->st_value;
		out->mmap_hi = out->mmap_lo + map->st_size;
	}
	return 0;
}

int grw_gosyms_find(struct grw_gosyms *out)
{
	*out = (struct grw_gosyms){0, 0, 0, 0};
	size_t size;
	int err;
	const uint8_t *m = grw_elf_map("/proc/self/exe", &size, &err);
	if (!m)
		return err;
	int rc = scan(m, size, out);
	grw_elf_unmap(m, size);
	return rc;
}
