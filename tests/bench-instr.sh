#!/usr/bin/env bash
# make bench-instr: growth's overhead counted in instructions (valgrind's cachegrind) instead of
# time. A count does not depend on what else the machine runs (within 0.1% from run to run),
# so it tells a small change, or sampled mode's few percent, where wall time on a shared
# machine moves by ±10% (docs/performance.md). It is not a time: cache misses and the writer
# thread's share of a second core are not in it, and valgrind runs one thread at a time.
#
# For each workload of the shared harness (build/bench/workloads.sh), at a reduced size, it
# counts the instructions of an uninstrumented run, of growth in exact mode and in sampled mode
# (GROWTH_SAMPLE), one run at a time (growth's writer wakes on a timer: a run slowed down by
# another job counts more of its instructions), and prints the ratios; rows go to
# build/bench/instr.tsv. About 3 minutes.
#
# Environment: BENCH_LIB, BENCH_SRC, BENCH_SAMPLE (default 512K), BENCH_WORKLOADS (default the
# six of docs/performance.md), BENCH_MODES (default "exact sampled").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null ||
	{ echo "bench-instr: needs valgrind (apt-get install valgrind)" >&2; exit 1; }

. "$ROOT/tests/bench-setup.sh"
OUT=$DST/instr.tsv
BENCH=$DST
# shellcheck source=/dev/null
. "$DST/workloads.sh"

# The sizes of docs/performance.md's instruction tables: a tenth to a fifth of a bench run.
scale_of() {
	case $1 in
	mallocbench* | cxxbench*) echo 0.0625 ;; # -n 500000 and -n 100000
	sqlite | cc1) echo 0.2 ;;
	*) echo 0.1 ;;
	esac
}

TMP=$(mktemp -d /tmp/growth-instr.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# count ENV... : the instructions of the workload's command run with these settings.
count() {
	rm -rf "$TMP/run" && mkdir "$TMP/run"
	(cd "$DST" && env "${WL_ENV[@]}" "$@" GROWTH_OUTPUT="$TMP/run/growth.%p.zst" \
		valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		--log-file="$TMP/vg.log" "${WL_CMD[@]}" >/dev/null 2>"$TMP/err") ||
		{ cat "$TMP/err" "$TMP/vg.log" >&2; echo "bench-instr: $wl failed" >&2; exit 1; }
	sed -n 's/.*I *refs: *//p' "$TMP/vg.log" | tail -1 | tr -d ,
}

[ -s "$OUT" ] || printf 'workload\tscale\tmode\tlib\tinstructions\tbase_instructions\tratio\n' >"$OUT"
for wl in $WORKLOADS; do
	scale=$(scale_of "$wl")
	wl_define "$wl" "$scale"
	base=$(count)
	line="$wl (scale $scale): uninstrumented $base"
	for mode in $MODES; do
		case $mode in
		exact) n=$(count LD_PRELOAD="$LIB") ;;
		sampled) n=$(count LD_PRELOAD="$LIB" GROWTH_SAMPLE="$SAMPLE") ;;
		*) echo "bench-instr: unknown mode $mode" >&2; exit 2 ;;
		esac
		ratio=$(awk -v a="$n" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
		line="$line, $mode $n ($ratio)"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$scale" "$mode" "$LIB" "$n" "$base" "$ratio" >>"$OUT"
	done
	echo "$line"
done
echo "rows appended to $OUT"
