#!/bin/sh
# make fuzz: builds tests/fuzz/fuzz_reader.c with libFuzzer, ASan and UBSan, seeds a corpus with
# real traces of tests/programs (and the synthetic ones of test_reader --write), and fuzzes for
# FUZZ_SECONDS (default 60). Crashes land in build/fuzz/artifacts/; copy each into
# tests/fuzz/regressions/ once fixed, where `make test` replays it (tests/fuzz/replay.sh).
# Environment: GROWTH_BUILD (default <repo>/build), FUZZ_SECONDS, FUZZ_JOBS (default 1), CLANG,
# FUZZ_FLAGS (more libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1" to go on after a crash).
set -eu
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$FUZZ_DIR/../.." && pwd)
BUILD=${GROWTH_BUILD:-$ROOT/build}
OUT=$BUILD/fuzz
CLANG=${CLANG:-$(command -v clang || command -v clang-14)}
SECONDS_=${FUZZ_SECONDS:-60}
mkdir -p "$OUT/corpus" "$OUT/artifacts"

SRC="$(ls "$ROOT"/common/*.c) $(ls "$ROOT"/analyzer/*.c | grep -v /main.c)"
# shellcheck disable=SC2086
"$CLANG" -g -O1 -std=gnu11 -D_GNU_SOURCE -DGRW_VERSION='"fuzz"' -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I"$ROOT/common" -I"$ROOT/analyzer" \
	$(pkg-config --cflags libdw libzstd zlib) -o "$OUT/fuzz_reader" "$FUZZ_DIR/fuzz_reader.c" $SRC \
	$(pkg-config --libs libdw libzstd zlib) -lstdc++ -lm -lpthread

# Seeds: small real traces (a few programs under libgrowth.so) and the regressions.
if [ -z "$(ls "$OUT/corpus")" ]; then
	P=$BUILD/tests/programs
	S=$OUT/seedrun
	mkdir -p "$S"
	for cmd in "leaker malloc" "leaker calloc" "threads 0.5 3" "forker" "grow 0.5" "exitcode 3"; do
		set -- $cmd
		[ -x "$P/$1" ] || continue
		GROWTH_OUTPUT="$S/$1.%p.zst" GROWTH_INTERVAL_MS=20 LD_PRELOAD="$BUILD/libgrowth.so" \
			timeout 10 "$P/$@" >/dev/null 2>&1 || :
	done
	# Mode byte (see fuzz_reader.c): 0x03 the file as is, with reports; 0x00 its records.
	for f in "$S"/*; do
		[ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] || continue
		b=$(basename "$f")
		{ printf '\003'; cat "$f"; } >"$OUT/corpus/$b.file"
		{ printf '\000'; zstd -q -d -c "$f"; } >"$OUT/corpus/$b.records" 2>/dev/null
	done
	rm -rf "$S"
fi
cp "$FUZZ_DIR"/regressions/* "$OUT/corpus/" 2>/dev/null || :

cd "$OUT"
echo "fuzzing for ${SECONDS_}s; corpus $(ls corpus | wc -l) files; crashes go to $OUT/artifacts/"
exec ./fuzz_reader -max_total_time="$SECONDS_" -max_len=262144 -timeout=20 -rss_limit_mb=2048 \
	$( [ "${FUZZ_JOBS:-1}" -gt 1 ] && echo "-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS") -print_final_stats=1 ${FUZZ_FLAGS:-} \
	-artifact_prefix=artifacts/ corpus
