// SPDX-License-Identifier: MIT
/*
 * The training run of libgrowth.so's profile-guided build (Makefile, PGO): what the
 * instrumented library sees here decides which of its paths the compiler lays out as hot.
 * So it does what the benchmarks' programs do, without being one of them: malloc, free,
 * realloc and calloc mostly, C++ new and delete, a few aligned and large allocations, from call
 * sites at several depths, some beyond the depth cap (so the stack walker reuses, walks and cuts
 * walks), on two threads.
 * Its output is one line; its exit code 0.
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

namespace {

constexpr int SLOTS = 4096;

struct state {
	void *slot[SLOTS] = {}; // slots i % 4 == 0 hold new[] blocks, the others malloc's
	uint64_t rng;
	uint64_t bytes = 0;
};

uint64_t next(state &s)
{
	s.rng ^= s.rng << 13;
	s.rng ^= s.rng >> 7;
	s.rng ^= s.rng << 17;
	return s.rng;
}

// One operation on slot i. noinline, and called from `nest` at varying depths: the call
// sites and stack shapes differ from one allocation to the next, as in real programs.
__attribute__((noinline)) void op_cxx(state &s, int i, size_t n)
{
	delete[] static_cast<char *>(s.slot[i]);
	s.slot[i] = nullptr;
	if (n % 16 == 0) { // now and then an aligned new, freed at once
		void *a = ::operator new(n, std::align_val_t(64));
		memset(a, 1, n < 64 ? n : 64);
		::operator delete(a, std::align_val_t(64));
	}
	char *p = new char[n];
	memset(p, 1, n < 64 ? n : 64);
	s.slot[i] = p;
	s.bytes += n;
}

__attribute__((noinline)) void op(state &s, int i)
{
	uint64_t r = next(s);
	// Mostly small, some pages, and one in 512 past the trailer limit (64 KiB) up to 1 MiB.
	size_t n = 8 + (r >> 40) % ((r & 0x30) ? 120 : (r & 0x1ff0) ? 4000 : 1u << 20);
	if (i % 4 == 0) {
		op_cxx(s, i, n);
		return;
	}
	if (s.slot[i] && (r & 3) == 0) {
		void *q = realloc(s.slot[i], n * 2);
		if (q)
			s.slot[i] = q;
		return;
	}
	free(s.slot[i]);
	void *p = nullptr;
	switch ((r >> 8) % 16) {
	case 0: p = calloc(1, n); break;
	case 1:
		if (posix_memalign(&p, 64, n) != 0)
			p = nullptr;
		break;
	default: p = malloc(n); break;
	}
	s.slot[i] = p;
	if (p) {
		memset(p, 1, n < 64 ? n : 64);
		s.bytes += n;
	}
}

__attribute__((noinline)) void nest(state &s, int depth, int i)
{
	if (depth > 0)
		nest(s, depth - 1, i);
	else
		op(s, i);
	__asm__ volatile("" ::: "memory"); // not a tail call: each level keeps its frame
}

void run(uint64_t seed, long ops, uint64_t *bytes)
{
	state *s = new state;
	s->rng = seed | 1;
	for (long k = 0; k < ops; k++) {
		uint64_t r = next(*s);
		// Stacks of 5-20 frames, and now and then of ~50 and ~110: deeper than the default
		// depth cap (32) and than the walker keeps for reuse (80).
		int depth = static_cast<int>((r >> 20) % 12);
		if ((r >> 32) % 64 == 0)
			depth += (r >> 38) % 2 ? 40 : 100;
		nest(*s, depth, static_cast<int>(r % SLOTS));
	}
	for (int i = 0; i < SLOTS; i++) {
		if (i % 4 == 0)
			delete[] static_cast<char *>(s->slot[i]);
		else
			free(s->slot[i]);
	}
	*bytes = s->bytes;
	delete s;
}

} // namespace

int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 1000000;
	uint64_t a = 0, b = 0;
	std::thread t(run, 0x9e3779b97f4a7c15ull, ops, &b);
	run(0xbf58476d1ce4e5b9ull, ops, &a);
	t.join();
	printf("train: %ld operations per thread, %llu bytes\n", ops, (unsigned long long)(a + b));
	return 0;
}
