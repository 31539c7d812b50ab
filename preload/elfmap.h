/* SPDX-License-Identifier: MIT */
/*
 * Maps an ELF file read-only for the preload's own symbol lookups (gosyms.c at init, warn.c for
 * the live warning's function names). No malloc: the file is mmap'd whole and unmapped after.
 */
#ifndef GRW_ELFMAP_H
#define GRW_ELFMAP_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

/* Maps path and checks that it is a 64-bit ELF file whose section header table lies inside it.
 * Returns the mapping (its size in *size, its section headers via grw_elf_shdrs), or NULL with
 * a negative errno in *err (-ENOEXEC for a file that is not such an ELF file). */
const uint8_t *grw_elf_map(const char *path, size_t *size, int *err);

static inline const Elf64_Shdr *grw_elf_shdrs(const uint8_t *m)
{
	return (const Elf64_Shdr *)(const void *)(m + ((const Elf64_Ehdr *)(const void *)m)->e_shoff);
}

void grw_elf_unmap(const uint8_t *m, size_t size);

#endif
