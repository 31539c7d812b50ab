#!/bin/sh
# Replays tests/fuzz/regressions/* (inputs that once crashed or misled the reader, model or
# reports) through tests/fuzz/fuzz_reader.c built as a plain driver with ASan and UBSan; run by
# `make test`. Exits non-zero when any input makes them report an error.
set -eu
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$FUZZ_DIR/../.." && pwd)
BUILD=${GROWTH_BUILD:-$ROOT/build}
CC=${CC:-cc}
set -- "$FUZZ_DIR"/regressions/*
[ -e "$1" ] || { echo "ok   fuzz regressions (none)"; exit 0; }
mkdir -p "$BUILD/fuzz"
SRC="$(ls "$ROOT"/common/*.c) $(ls "$ROOT"/analyzer/*.c | grep -v /main.c)"
# shellcheck disable=SC2086
$CC -g -O1 -std=gnu11 -D_GNU_SOURCE -DGRW_VERSION='"replay"' -DGRW_FUZZ_REPLAY \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I"$ROOT/common" -I"$ROOT/analyzer" $(pkg-config --cflags libdw libzstd zlib) \
	-o "$BUILD/fuzz/replay" "$FUZZ_DIR/fuzz_reader.c" $SRC \
	$(pkg-config --libs libdw libzstd zlib) -lstdc++ -lm -lpthread
ASAN_OPTIONS=detect_leaks=1 "$BUILD/fuzz/replay" "$@"
echo "ok   fuzz regressions ($# inputs)"
