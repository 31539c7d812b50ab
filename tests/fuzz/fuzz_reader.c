/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the analyzer's input side: the bytes become a trace file, which the
 * reader decodes into the model, and the reports are written to /dev/null. The first byte picks
 * the mode: bit 0 set, the rest is the file as is (zstd framing, foreign data); clear, the rest
 * is a decompressed record stream that the harness compresses, one zstd frame per 4 KiB, so that
 * mutations reach the record decoder and the model instead of failing zstd's checks. Bit 1 set
 * also symbolizes and writes the reports (slow: libdw opens the modules the trace names). Built by
 * tests/fuzz/run.sh with -fsanitize=fuzzer,address,undefined; the same file, built with
 * -DGRW_FUZZ_REPLAY, is a plain driver that runs every file named on the command line once
 * (`make test` replays tests/fuzz/regressions/ with it under ASan and UBSan).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "model.h"
#include "reader.h"
#include "report.h"
#include "symbolize.h"

/* Frames decompress to at most this much here, so that a zstd bomb costs little memory
 * (the real bound, GRW_READ_MAX_FRAME, is tested by tests/stress). */
#define FUZZ_MAX_FRAME ((size_t)8 << 20)

static char path[64];
static FILE *devnull;

static void write_input(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	uint8_t mode = size ? data[0] : 1;
	if (size)
		data++, size--;
	if (mode & 1) {
		if (size && fwrite(data, 1, size, f) != size)
			abort();
	} else {
		static uint8_t z[ZSTD_COMPRESSBOUND(4096)];
		for (size_t off = 0; off < size; off += 4096) {
			size_t n = size - off < 4096 ? size - off : 4096;
			size_t zn = ZSTD_compress(z, sizeof z, data + off, n, 1);
			if (ZSTD_isError(zn) || fwrite(z, 1, zn, f) != zn)
				abort();
		}
	}
	fclose(f);
}

static void run_one(const uint8_t *data, size_t size)
{
	write_input(data, size);
	bool reports = size && (data[0] & 2);

	struct grw_model m;
	struct grw_read_info info;
	struct grw_read_opts opts = {.max_frame_bytes = FUZZ_MAX_FRAME};
	char err[768];
	if (grw_model_init(&m))
		return;
	if (grw_trace_read(path, &opts, grw_model_on_record, &m, &info, err, sizeof err)) {
		grw_model_free(&m);
		return;
	}
	grw_model_finish(&m, &info);
	struct grw_symbolizer *sym = reports ? grw_sym_new(&m, NULL) : NULL;
	if (sym) {
		struct grw_report_opts ro = {.trace_path = path, .all = true};
		grw_report_json(devnull, &m, sym, &ro);
		grw_report_text(devnull, &m, sym, &ro);
		grw_report_summary(devnull, &m, sym, &ro);
		grw_sym_free(sym);
	}
	grw_model_free(&m);
}

static void setup(void)
{
	if (devnull)
		return;
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/grw-fuzz.%d", dir && strlen(dir) < 32 ? dir : "/tmp",
		 (int)getpid());
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
}

#ifdef GRW_FUZZ_REPLAY
int main(int argc, char **argv)
{
	setup();
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			fprintf(stderr, "fuzz_replay: cannot open %s\n", argv[i]);
			failed = 1;
			continue;
		}
		static uint8_t buf[4 << 20];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		run_one(buf, n);
	}
	unlink(path);
	return failed;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	run_one(data, size);
	return 0;
}
#endif
