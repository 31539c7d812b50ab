// SPDX-License-Identifier: MIT
/*
 * A clean C++ program for `growth check`: iostreams, exceptions thrown and caught (libstdc++'s
 * exception globals and pool), a std::thread, a string stream, containers; everything it
 * allocates itself is freed, so it must pass with --max-leak 0 on the built-in suppressions.
 * Usage: clean_cxx
 */
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

int main()
{
	try {
		throw std::runtime_error("thrown and caught");
	} catch (const std::exception &e) {
		std::cout << "clean_cxx: " << e.what() << "\n";
	}
	std::thread t([] {
		try {
			throw 1;
		} catch (int) {
		}
		std::string s(1000, 'a');
		std::cout << "clean_cxx: thread made " << s.size() << " bytes\n";
	});
	t.join();
	std::ostringstream os;
	os << 1234567 << ' ' << 3.25;
	std::map<std::string, std::vector<int>> m;
	m["a"].resize(100);
	auto p = std::make_unique<int[]>(500);
	std::cout << "clean_cxx: " << os.str() << ", " << m.size() << std::endl;
	return 0;
}
