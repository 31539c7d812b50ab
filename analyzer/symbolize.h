/* SPDX-License-Identifier: MIT */
/*
 * Offline symbolization with libdw (elfutils libdwfl): each module is opened by its recorded
 * path, its build-id checked against the trace's, and return addresses turned into function
 * (C++ demangled), file and line, with inlined frames expanded (like eu-addr2line -i).
 */
#ifndef GRW_SYMBOLIZE_H
#define GRW_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* One frame of a symbolized stack. Strings are owned by the symbolizer. */
struct grw_sym_frame {
	const char *function; /* demangled, or NULL when unknown */
	const char *file;     /* source file, or NULL */
	int line;             /* 0 when unknown */
	const char *module;   /* path of the module, or NULL when in no known module */
	uint64_t address;     /* the return address as recorded (shared by inlined frames) */
	uint64_t offset;      /* address - module base (the ELF's vaddr), when module != NULL */
	bool inlined;         /* inlined into the frame that follows */
};

struct grw_symbolizer;

/* Creates a symbolizer over m's modules (m must outlive it). Warnings (build-id mismatch, a
 * module that cannot be opened) go to warn, once per module, when warn is not NULL.
 * Returns NULL when out of memory. */
struct grw_symbolizer *grw_sym_new(const struct grw_model *m, FILE *warn);
void grw_sym_free(struct grw_symbolizer *s);

/*
 * Symbolizes a site: *frames receives its frames innermost first, inlined frames expanded,
 * growth's own frames (libgrowth.so) dropped; *n their count. The array stays valid until the
 * next call. Returns 0 or -ENOMEM. Not thread-safe.
 */
int grw_sym_site(struct grw_symbolizer *s, const struct grw_model_site *site,
		 const struct grw_sym_frame **frames, size_t *n);

/* The frame a person would look at first: the innermost one with a function and a source file
 * outside the system's libraries and headers, else the innermost in a module outside them
 * (resolved or not), else the innermost with a function and a file, else with a function,
 * else frames[0]; NULL when n == 0. */
const struct grw_sym_frame *grw_sym_best(const struct grw_sym_frame *frames, size_t n);

#endif
