/* SPDX-License-Identifier: MIT */
/*
 * The module map from dl_iterate_phdr. The build-id is read from the PT_NOTE segments in
 * memory (no file I/O); the main program, which the loader names "", is written with the real
 * path of /proc/self/exe; the vDSO, which has no file, is left out. Runs under the loader's
 * lock: allocate only through the internal allocator.
 */
#include "modules.h"

#include <elf.h>
#include <link.h>
#include <string.h>

#include "ialloc.h"

struct counts {
	uint64_t adds, subs;
};

static int read_counts(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct counts *c = arg;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		c->adds = info->dlpi_adds;
		c->subs = info->dlpi_subs;
	}
	return 1; /* the counters are the same in every entry: stop at the first */
}

void grw_modules_counts(uint64_t *adds, uint64_t *subs)
{
	struct counts c = {0, 0};
	dl_iterate_phdr(read_counts, &c);
	*adds = c.adds;
	*subs = c.subs;
}

/* The NT_GNU_BUILD_ID descriptor of a loaded object, or NULL. */
static const uint8_t *build_id(const struct dl_phdr_info *info, uint32_t *len)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		size_t align = ph->p_align == 8 ? 8 : 4;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
			size_t name_off = sizeof *nh;
			size_t desc_off = name_off + ((nh->n_namesz + align - 1) & ~(align - 1));
			size_t next = desc_off + ((nh->n_descsz + align - 1) & ~(align - 1));
			if (next > (size_t)(end - p))
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(p + name_off, "GNU", 4) == 0) {
				*len = nh->n_descsz;
				return p + desc_off;
			}
			p += next;
		}
	}
	*len = 0;
	return NULL;
}

struct encode_ctx {
	struct grw_buf *body; /* module entries */
	uint64_t count;
	const char *exe;
	struct counts c;
	int index;
};

static int encode_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct encode_ctx *x = arg;
	if (x->index++ == 0)
		read_counts(info, size, &x->c);
	const char *path = info->dlpi_name ? info->dlpi_name : "";
	if (x->index == 1 && !*path)
		path = x->exe; /* the main program */
	if (!*path || strncmp(path, "linux-vdso", 10) == 0 || strncmp(path, "linux-gate", 10) == 0)
		return 0;
	struct grw_segment segs[64];
	uint64_t nseg = 0;
	for (int i = 0; i < info->dlpi_phnum && nseg < 64; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		segs[nseg++] = (struct grw_segment){ph->p_vaddr, ph->p_memsz, ph->p_flags};
	}
	struct grw_module m = {0};
	m.path = path;
	m.path_len = (uint32_t)strlen(path);
	m.build_id = build_id(info, &m.build_id_len);
	m.base = info->dlpi_addr;
	m.nseg = nseg;
	grw_enc_module(x->body, &m, segs);
	x->count++;
	return 0;
}

void grw_modules_encode(struct grw_buf *b, uint64_t t_ns, const char *exe, uint64_t *adds,
			uint64_t *subs)
{
	struct grw_buf body = {.realloc_fn = grw_ibuf_realloc};
	struct encode_ctx x = {&body, 0, exe ? exe : "", {0, 0}, 0};
	dl_iterate_phdr(encode_one, &x);
	if (body.oom) {
		/* Still a valid record: an empty map is better than a torn one. */
		x.count = 0;
		body.len = 0;
	}
	size_t r = grw_enc_modules_begin(b, t_ns, x.count);
	grw_buf_put(b, body.data, body.len);
	grw_rec_end(b, r);
	grw_ifree(body.data, body.cap);
	*adds = x.c.adds;
	*subs = x.c.subs;
}
