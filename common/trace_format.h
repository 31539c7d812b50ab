/* SPDX-License-Identifier: MIT */
/*
 * The growth trace format, shared by the writer (libgrowth.so) and the reader (growth).
 * docs/format.md says the same in prose; change both together, and bump GRW_TRACE_VERSION on any
 * change an older reader would misread. Appending fields at the end of a payload is compatible:
 * readers ignore payload bytes after the fields they know.
 *
 * A trace file is a sequence of independent zstd frames (one per flush). Their decompressed
 * concatenation is: the 8-byte magic, then records. A record never spans two frames, so
 * everything up to the last complete frame decodes even if the process was SIGKILLed mid-write.
 *
 * Record: u8 type, u32 little-endian payload length, payload. Integers inside payloads are
 * unsigned LEB128 varints (at most 10 bytes); strings are a varint length and that many bytes
 * (no NUL); signed deltas are zigzag-encoded varints.
 */
#ifndef GRW_TRACE_FORMAT_H
#define GRW_TRACE_FORMAT_H

#include <stdint.h>

#define GRW_TRACE_MAGIC "GRWTRACE"   /* first 8 bytes of the decompressed stream */
#define GRW_TRACE_MAGIC_LEN 8
#define GRW_TRACE_VERSION 1          /* HEADER.version */
#define GRW_REC_HDR_LEN 5            /* u8 type + u32le length */
#define GRW_REC_MAX_LEN (256u << 20) /* a reader rejects larger payloads as corrupt */
#define GRW_MAX_DEPTH 256            /* frames per site, hard cap of the format */
#define GRW_MAX_STR 65536            /* bytes per string (paths, argv entries) */

enum grw_rec_type {
	GRW_REC_HEADER = 1,   /* once, first record of the first frame */
	GRW_REC_MODULES = 2,  /* the full module map; again after every dlopen/dlclose */
	GRW_REC_SITE = 3,     /* a new allocation site and its stack, once per site */
	GRW_REC_SNAPSHOT = 4, /* per interval: process counters and each changed site's counters */
	GRW_REC_END = 5,      /* the trace ended on purpose (exit, exec, cap); absent when killed */
	GRW_REC_WARN = 6,     /* the live detector raised a flag on a site */
	GRW_REC_NOTE = 7,     /* a message for the report (e.g. "trace size cap reached") */
};

enum grw_site_kind {
	GRW_KIND_HEAP = 0, /* malloc family and operator new: live = requested bytes */
	GRW_KIND_MMAP = 1, /* anonymous mmap: live = resident bytes, reserved = mapped - resident */
};

enum grw_limit_source {
	GRW_LIMIT_NONE = 0,
	GRW_LIMIT_CGROUP2 = 1, /* memory.max */
	GRW_LIMIT_CGROUP1 = 2, /* memory.limit_in_bytes */
	GRW_LIMIT_MEMTOTAL = 3,
	GRW_LIMIT_ENV = 4, /* GROWTH_LIMIT */
};

enum grw_end_reason {
	GRW_END_EXIT = 0,     /* normal exit: counters at END are leaks-at-exit */
	GRW_END_EXEC = 1,     /* the process image was replaced by exec */
	GRW_END_CAP = 2,      /* GROWTH_MAX_TRACE reached: the writer stopped */
	GRW_END_DISABLED = 3, /* growth disabled itself (I/O error, out of memory) */
};

#define GRW_HDR_FLAG_LITTLE_ENDIAN 0x1u
#define GRW_HDR_FLAG_SAMPLED 0x2u /* counters are scaled estimates (GROWTH_SAMPLE) */

/* HEADER payload, in order. */
struct grw_hdr {
	uint64_t version;        /* GRW_TRACE_VERSION */
	uint64_t flags;          /* GRW_HDR_FLAG_* */
	uint64_t pointer_size;   /* bytes, 8 on x86_64 */
	uint64_t pid, ppid;
	uint64_t start_unix_ns;  /* wall clock at trace start */
	uint64_t page_size;      /* bytes */
	uint64_t mem_limit_bytes; /* 0 = unknown */
	uint64_t mem_limit_source; /* enum grw_limit_source */
	uint64_t interval_ms;    /* snapshot interval */
	uint64_t max_depth;      /* frames captured per site at most */
	uint64_t sample_bytes;   /* 0 = exact mode */
	const char *exe;         /* absolute path of /proc/self/exe; decoded strings point into */
	uint32_t exe_len;        /* the record and are not NUL-terminated */
	uint64_t argc;           /* followed by argc strings, read with grw_dec_str */
	/* after argv: string growth_version */
};

/* One loaded object in a MODULES record: path, build-id, load bias, PT_LOAD segments. */
struct grw_module {
	const char *path; /* "" never appears: the main program is written with its real path */
	uint32_t path_len;
	const uint8_t *build_id; /* raw NT_GNU_BUILD_ID bytes, may be empty */
	uint32_t build_id_len;
	uint64_t base;  /* load bias (dlpi_addr): runtime address = base + vaddr */
	uint64_t nseg;  /* followed by nseg x (vaddr, memsz, flags) */
};

struct grw_segment {
	uint64_t vaddr; /* p_vaddr */
	uint64_t memsz; /* p_memsz */
	uint64_t flags; /* p_flags (PF_X = 1) */
};

/* SITE payload: id, kind, t_ns, depth, then frames. Frames are return addresses, innermost
 * first (frame 0 is in the function that called malloc); symbolize address - 1. The first frame
 * is a plain varint, each next one a zigzag delta from the previous. */
struct grw_site_rec {
	uint64_t id;    /* dense, from 0, in order of first appearance */
	uint64_t kind;  /* enum grw_site_kind */
	uint64_t t_ns;  /* first allocation, ns since trace start */
	uint64_t depth; /* <= GRW_MAX_DEPTH */
	uint64_t frames[GRW_MAX_DEPTH];
	uint64_t flags; /* GRW_SITE_FLAG_*; a varint after the frames, absent (0) in older traces */
};

/* SITE flags. Readers ignore bits they do not know. */
#define GRW_SITE_FLAG_GO_RUNTIME 1u /* an mmap the Go runtime made for itself (through x_cgo_mmap) */

/* SNAPSHOT payload: this header, then n entries of nfields varints each (only sites whose
 * counters changed since the previous snapshot). A reader takes the fields it knows and skips
 * the rest, so later versions may append fields. */
struct grw_snap_hdr {
	uint64_t t_ns;             /* monotonic ns since trace start */
	uint64_t rss_bytes;        /* resident set size of the process */
	uint64_t vm_bytes;         /* virtual size of the process */
	uint64_t untracked_allocs; /* allocations growth could not attribute (its own OOM) */
	uint64_t untracked_bytes;
	uint64_t nfields;          /* varints per entry, >= GRW_SNAP_FIELDS_V1 */
	uint64_t n;                /* entries */
};

#define GRW_SNAP_FIELDS_V1 6
struct grw_snap_entry {
	uint64_t site_delta;     /* id - (previous entry's id + 1); the first entry's is its id */
	uint64_t allocs;         /* cumulative allocation calls */
	uint64_t frees;          /* cumulative frees (and unmaps that ended a mapping) */
	uint64_t alloc_bytes;    /* cumulative bytes allocated */
	uint64_t live_bytes;     /* now: heap = requested bytes live; mmap = resident bytes */
	uint64_t reserved_bytes; /* now: mmap mapped but not resident; 0 for heap */
};

/* END payload. */
struct grw_end {
	uint64_t t_ns;
	uint64_t reason; /* enum grw_end_reason */
};

/* WARN payload: what the live detector said, at the time it said it. */
struct grw_warn {
	uint64_t t_ns;
	uint64_t site_id;
	uint64_t live_bytes;
	int64_t slope_bytes_per_s;    /* zigzag */
	uint64_t time_to_limit_s;     /* 0 = unknown */
};

/* NOTE payload: t_ns, string text. */

#endif
