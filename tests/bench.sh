#!/bin/sh
# make bench: libgrowth.so's overhead against uninstrumented runs, with the shared harness in
# ../shared/bench (copied to build/bench and built there; the original stays read-only).
# For each workload it runs growth in exact mode and in sampled mode (GROWTH_SAMPLE=512K) and
# prints run-bench.sh's summary (wall/cpu/maxrss ratios, trace bytes) plus the trace size per
# minute of profiled run. docs/performance.md explains the method and the numbers.
#
# Environment: BENCH_SRC (default ../shared/bench), BENCH_LIB (default build/libgrowth.so),
# BENCH_PAIRS (default 5),
# BENCH_WORKLOADS (default: the six of docs/performance.md), BENCH_SAMPLE (default 512K),
# BENCH_MODES (default "exact sampled"), BENCH_OUT (TSV summary, default build/bench/results.tsv).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAIRS=${BENCH_PAIRS:-5}
. "$ROOT/tests/bench-setup.sh"
OUT=${BENCH_OUT:-$DST/results.tsv}

for wl in $WORKLOADS; do
	for mode in $MODES; do
		case $mode in
		exact) extra= ;;
		sampled) extra="-E GROWTH_SAMPLE=$SAMPLE" ;;
		*) echo "bench: unknown mode $mode" >&2; exit 2 ;;
		esac
		echo "== $wl, growth $mode"
		log=$DST/last.log
		# shellcheck disable=SC2086
		(cd "$DST" && ./run-bench.sh -n "$PAIRS" -q -r "$OUT" \
			-E 'GROWTH_OUTPUT={out}/growth.%p.zst' $extra \
			"$wl" "preload:$LIB") >"$log" 2>&1 || { cat "$log"; exit 1; }
		cat "$log"
		# Trace bytes per minute of profiled wall time.
		awk '/^  wall/ { for (i = 1; i <= NF; i++) if ($i == "profiled") w = $(i + 1) }
		     /^  trace/ { b = $2 }
		     END { if (w > 0) printf "  trace/min %.0f KiB per minute of profiled run\n", b / 1024 * 60 / w }' "$log"
	done
done
echo "summary rows appended to $OUT"
