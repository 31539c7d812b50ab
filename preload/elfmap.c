/* SPDX-License-Identifier: MIT */
/* Read-only ELF mappings for symbol lookups (elfmap.h). */
#include "elfmap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const uint8_t *grw_elf_map(const char *path, size_t *size, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	struct stat sb;
	*err = fstat(fd, &sb) < 0 ? -errno : 0;
	if (!*err && sb.st_size < (off_t)sizeof(Elf64_Ehdr))
		*err = -ENOEXEC;
	if (*err) {
		close(fd);
		return NULL;
	}
	size_t n = (size_t)sb.st_size;
	const uint8_t *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	*err = m == MAP_FAILED ? -errno : 0;
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	const Elf64_Ehdr *eh = (const void *)m;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > n || (eh->e_shoff & 7) ||
	    (n - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum) {
		munmap((void *)m, n);
		*err = -ENOEXEC;
		return NULL;
	}
	*size = n;
	return m;
}

void grw_elf_unmap(const uint8_t *m, size_t size)
{
	munmap((void *)m, size);
}
