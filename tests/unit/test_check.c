/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of growth check's pieces: the human size and rate parser (units.c), glob matching
 * and the suppressions file syntax (suppress.c), and XML escaping for JUnit (report_junit.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gate.h"
#include "suppress.h"
#include "units.h"

static uint64_t size_of(const char *s, int *err)
{
	uint64_t v = 12345;
	*err = grw_units_parse_size(s, &v);
	return v;
}

static void test_sizes(void)
{
	int e;
	CHECK_EQ_U(size_of("0", &e), 0);
	CHECK(e == 0);
	CHECK_EQ_U(size_of("4096", &e), 4096);
	CHECK_EQ_U(size_of("64KiB", &e), 65536);
	CHECK(e == 0);
	CHECK_EQ_U(size_of("64kib", &e), 65536);
	CHECK_EQ_U(size_of("64 KiB", &e), 65536);
	CHECK_EQ_U(size_of("10KB", &e), 10000);
	CHECK_EQ_U(size_of("10K", &e), 10240);
	CHECK_EQ_U(size_of("1MiB", &e), 1048576);
	CHECK_EQ_U(size_of("1MB", &e), 1000000);
	CHECK_EQ_U(size_of("1.5MiB", &e), 1572864);
	CHECK_EQ_U(size_of("2G", &e), 2147483648ull);
	CHECK_EQ_U(size_of("3GB", &e), 3000000000ull);
	CHECK_EQ_U(size_of("1TiB", &e), 1099511627776ull);
	CHECK_EQ_U(size_of("100B", &e), 100);
	CHECK_EQ_U(size_of(" 7 ", &e), 7);
	CHECK(e == 0);
	static const char *bad[] = {"", " ", "KiB", "-1", "1XB", "1 K i B", "0x10", "1e3",
				    "nan", "inf", "1KiB/s", "1..2", "5 5"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_of(bad[i], &e);
		if (e != -EINVAL)
			fprintf(stderr, "size '%s' accepted\n", bad[i]);
		CHECK(e == -EINVAL);
	}
	size_of("9000000TiB", &e);
	CHECK(e == -ERANGE);
}

static double rate_of(const char *s, int *err)
{
	double v = -7;
	*err = grw_units_parse_rate(s, &v);
	return v;
}

static void test_rates(void)
{
	int e;
	CHECK_NEAR(rate_of("10KB/s", &e), 10000, 1e-9);
	CHECK(e == 0);
	CHECK_NEAR(rate_of("1MiB/min", &e), 1048576.0 / 60, 1e-9);
	CHECK(e == 0);
	CHECK_NEAR(rate_of("3600B/h", &e), 1, 1e-9);
	CHECK_NEAR(rate_of("1 MB / hour", &e), 1e6 / 3600, 1e-9);
	CHECK(e == 0);
	CHECK_NEAR(rate_of("2KiB", &e), 2048, 1e-9); /* per second without a time unit */
	CHECK_NEAR(rate_of("0/s", &e), 0, 1e-9);
	CHECK(e == 0);
	static const char *bad[] = {"/s", "1KB/", "1KB/day", "1KB/s/s", "KB/s", "-1/s", "1Q/s"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rate_of(bad[i], &e);
		if (e != -EINVAL)
			fprintf(stderr, "rate '%s' accepted\n", bad[i]);
		CHECK(e == -EINVAL);
	}
}

static void test_glob(void)
{
	CHECK(grw_supp_glob("leak_with_*", "leak_with_malloc"));
	CHECK(grw_supp_glob("leak_with_mall?c", "leak_with_malloc"));
	CHECK(!grw_supp_glob("leak_with_", "leak_with_malloc"));
	CHECK(grw_supp_glob("*", ""));
	CHECK(grw_supp_glob("*/libc.so*", "/lib/x86_64-linux-gnu/libc.so.6")); /* '*' crosses '/' */
	CHECK(grw_supp_glob("std::vector<*>::push_back*",
			    "std::vector<int, std::allocator<int> >::push_back(int&&)"));
	CHECK(grw_supp_glob("[a-c]x", "bx"));
	CHECK(!grw_supp_glob("[a-c]x", "dx"));
	CHECK(grw_supp_glob("\\*", "*"));
	CHECK(!grw_supp_glob("\\*", "a"));
	CHECK(!grw_supp_glob("Leak", "leak")); /* case matters */

	struct grw_sym_frame fr[2] = {
		{.function = "__GI__IO_file_doallocate",
		 .file = "./libio/filedoalloc.c",
		 .line = 101,
		 .module = "/lib/x86_64-linux-gnu/libc.so.6"},
		{.function = "main", .file = "/src/app/main.c", .line = 3,
		 .module = "/src/app/app"},
	};
	struct grw_supp_list l = {0};
	CHECK(grw_supp_add(&l, GRW_SUPP_GROWTH, "main", "t:1") == 0);
	CHECK(grw_supp_match(&l, GRW_SUPP_LEAK, fr, 2) == NULL); /* kinds do not mix */
	CHECK(grw_supp_match(&l, GRW_SUPP_GROWTH, fr, 2) == &l.v[0]);
	CHECK(grw_supp_add(&l, GRW_SUPP_LEAK, "filedoalloc.c", "t:2") == 0); /* file basename */
	CHECK(grw_supp_match(&l, GRW_SUPP_LEAK, fr, 2) == &l.v[1]);
	CHECK(grw_supp_match(&l, GRW_SUPP_LEAK, fr + 1, 1) == NULL);
	CHECK(grw_supp_add(&l, GRW_SUPP_LEAK, "app", "t:3") == 0); /* module basename */
	CHECK(grw_supp_match(&l, GRW_SUPP_LEAK, fr + 1, 1) == &l.v[2]);
	grw_supp_free(&l);

	/* The built-in list must not match what every stack passes through. */
	struct grw_sym_frame common[] = {
		{.function = "main"}, {.function = "__libc_start_call_main"},
		{.function = "__libc_start_main_impl"}, {.function = "_start"},
		{.function = "start_thread"}, {.function = "clone3"},
		{.function = "leak_with_malloc", .file = "/src/leaker.c"},
		{.function = "operator new(unsigned long)"}, {.function = "malloc"},
	};
	CHECK(grw_supp_add_defaults(&l) == 0);
	CHECK(l.n > 5);
	CHECK(grw_supp_match(&l, GRW_SUPP_LEAK, common, sizeof common / sizeof common[0]) == NULL);
	CHECK(grw_supp_match(&l, GRW_SUPP_LEAK, fr, 1) != NULL); /* stdio's buffer */
	grw_supp_free(&l);
}

/* Writes text to a temporary file and loads it; returns the result, err filled. */
static int load_text(const char *text, struct grw_supp_list *l, char *path, char *err, size_t n)
{
	strcpy(path, "/tmp/growth-test-supp.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	int e = grw_supp_load(l, path, err, n);
	unlink(path);
	return e;
}

static void test_supp_file(void)
{
	char path[64], err[4200], want[200];
	struct grw_supp_list l = {0};
	CHECK(load_text("# comment\n\n  leak: foo_*  \ngrowth:bar\n\t# indented comment\nleak:a b",
			&l, path, err, sizeof err) == 0);
	CHECK_EQ_U(l.n, 3);
	if (l.n == 3) {
		CHECK(l.v[0].kind == GRW_SUPP_LEAK && strcmp(l.v[0].pattern, "foo_*") == 0);
		CHECK(l.v[1].kind == GRW_SUPP_GROWTH && strcmp(l.v[1].pattern, "bar") == 0);
		CHECK(strcmp(l.v[2].pattern, "a b") == 0); /* no newline at the end of the file */
		snprintf(want, sizeof want, "%s:3", path);
		CHECK(strcmp(l.v[0].source, want) == 0);
	}
	grw_supp_free(&l);

	CHECK(load_text("leak:ok\nleek:x\n", &l, path, err, sizeof err) == -EINVAL);
	snprintf(want, sizeof want, "%s:2: unknown suppression kind 'leek'", path);
	CHECK(strncmp(err, want, strlen(want)) == 0);
	grw_supp_free(&l);
	CHECK(load_text("\n\njust_a_name\n", &l, path, err, sizeof err) == -EINVAL);
	snprintf(want, sizeof want, "%s:3: expected 'leak:PATTERN' or 'growth:PATTERN'", path);
	CHECK(strncmp(err, want, strlen(want)) == 0);
	grw_supp_free(&l);
	CHECK(load_text("growth:   \n", &l, path, err, sizeof err) == -EINVAL);
	snprintf(want, sizeof want, "%s:1: empty pattern", path);
	CHECK(strncmp(err, want, strlen(want)) == 0);
	grw_supp_free(&l);
	CHECK(grw_supp_load(&l, "/nonexistent/supp", err, sizeof err) == -ENOENT);
	CHECK(strstr(err, "/nonexistent/supp") != NULL);
	grw_supp_free(&l);
}

static void test_xml(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		CHECK(f != NULL);
		return;
	}
	grw_xml_escape(f, "a&b<c>\"d'e\n\x01\xff\xc3\xa9\xef\xbf\xbe");
	fclose(f);
	CHECK(strcmp(buf, "a&amp;b&lt;c&gt;&quot;d&apos;e&#10;??\xc3\xa9?") == 0);
	free(buf);
}

int main(void)
{
	test_sizes();
	test_rates();
	test_glob();
	test_supp_file();
	test_xml();
	return check_summary("test_check");
}
