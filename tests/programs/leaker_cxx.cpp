// SPDX-License-Identifier: MIT
/*
 * Leaks a known, exact number of bytes through one form of operator new, chosen by argv[1],
 * from a function named leak_with_<form>; prints one line and exits 0. The types are trivial,
 * so new[] adds no array cookie and the requested bytes are exactly sizeof.
 * Usage: leaker_cxx new|new_array|aligned_new|nothrow_new|none
 */
#include <cstdio>
#include <cstring>
#include <new>

#define NOINLINE __attribute__((noinline, noclone))

void *volatile leaked;

struct Blob {
	char bytes[10001];
};

struct alignas(64) Aligned {
	char bytes[30016]; /* 469 * 64 */
};

struct Nothrow {
	char bytes[40004];
};

NOINLINE size_t leak_with_new()
{
	Blob *b = new Blob;
	std::memset(b->bytes, 1, sizeof b->bytes);
	leaked = b;
	return sizeof(Blob);
}

NOINLINE size_t leak_with_new_array()
{
	char *p = new char[20002];
	std::memset(p, 1, 20002);
	leaked = p;
	return 20002;
}

NOINLINE size_t leak_with_aligned_new()
{
	Aligned *a = new Aligned; /* operator new(size_t, std::align_val_t) */
	std::memset(a->bytes, 1, sizeof a->bytes);
	leaked = a;
	return sizeof(Aligned);
}

NOINLINE size_t leak_with_nothrow_new()
{
	Nothrow *n = new (std::nothrow) Nothrow;
	if (!n)
		return 0;
	std::memset(n->bytes, 1, sizeof n->bytes);
	leaked = n;
	return sizeof(Nothrow);
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "new";
	size_t n;
	if (!std::strcmp(kind, "new"))
		n = leak_with_new();
	else if (!std::strcmp(kind, "new_array"))
		n = leak_with_new_array();
	else if (!std::strcmp(kind, "aligned_new"))
		n = leak_with_aligned_new();
	else if (!std::strcmp(kind, "nothrow_new"))
		n = leak_with_nothrow_new();
	else if (!std::strcmp(kind, "none"))
		n = 0;
	else {
		std::fprintf(stderr, "leaker_cxx: unknown form '%s'\n", kind);
		return 2;
	}
	std::printf("leaker_cxx: %s: leaked %zu bytes\n", kind, n);
	return 0;
}
