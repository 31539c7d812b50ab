// SPDX-License-Identifier: MIT
/*
 * operator new and delete, every form, and what the C++ runtime does on failure (bad_alloc,
 * nothrow nullptr, new_handler), printed without addresses so that a run under libgrowth.so
 * prints exactly what a plain run prints (tests/e2e/t_output_unchanged.sh).
 * Usage: cxxcheck
 */
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct alignas(128) Wide {
	char bytes[256];
};

static int handler_calls;
static void handler()
{
	handler_calls++;
	std::set_new_handler(nullptr); /* next failure throws */
}

static void show(const char *what, bool ok)
{
	std::printf("%-40s %s\n", what, ok ? "ok" : "FAIL");
}

int main()
{
	int *i = new int(7);
	show("new int", *i == 7);
	delete i;
	char *a = new char[1000]();
	show("new char[] zeroed", a[999] == 0);
	delete[] a;
	Wide *w = new Wide;
	show("aligned new (128)", reinterpret_cast<std::uintptr_t>(w) % 128 == 0);
	delete w;
	Wide *wa = new Wide[3];
	show("aligned new[] (128)", reinterpret_cast<std::uintptr_t>(wa) % 128 == 0);
	delete[] wa;
	void *raw = ::operator new(100, std::align_val_t(64));
	show("operator new(size, align)", reinterpret_cast<std::uintptr_t>(raw) % 64 == 0);
	::operator delete(raw, 100, std::align_val_t(64));
	raw = ::operator new(100);
	::operator delete(raw, 100); /* sized delete */
	show("sized delete", true);
	int *n = new (std::nothrow) int[10];
	show("nothrow new[]", n != nullptr);
	delete[] n;

	bool threw = false;
	try {
		volatile std::size_t huge = SIZE_MAX / 2;
		char *p = new char[huge];
		delete[] p;
	} catch (const std::bad_alloc &) {
		threw = true;
	}
	show("huge new throws bad_alloc", threw);
	volatile std::size_t huge = SIZE_MAX / 2;
	char *p = new (std::nothrow) char[huge];
	show("huge nothrow new is nullptr", p == nullptr);
	void *al = ::operator new(huge, std::align_val_t(64), std::nothrow);
	show("huge aligned nothrow new is nullptr", al == nullptr);

	std::set_new_handler(handler);
	threw = false;
	try {
		void *q = ::operator new(huge);
		::operator delete(q);
	} catch (const std::bad_alloc &) {
		threw = true;
	}
	show("new_handler called, then bad_alloc", threw && handler_calls == 1);

	std::vector<std::string> v;
	for (int k = 0; k < 10000; k++)
		v.push_back(std::string(40, static_cast<char>('a' + k % 26)));
	std::map<int, std::unique_ptr<int>> m;
	for (int k = 0; k < 1000; k++)
		m[k] = std::make_unique<int>(k);
	show("containers", v[9999][0] == 'a' + 9999 % 26 && *m[999] == 999);
	return 0;
}
