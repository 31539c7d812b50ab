# Sourced by tests/bench.sh and tests/bench-instr.sh (with ROOT set): the settings both take
# (LIB, SAMPLE, WORKLOADS, MODES from BENCH_*), checks the library, copies the shared harness
# (BENCH_SRC, default ../shared/bench, read-only) to build/bench when it changed, and builds
# it there; DST is that copy.
LIB=${BENCH_LIB:-$ROOT/build/libgrowth.so}
SAMPLE=${BENCH_SAMPLE:-512K}
WORKLOADS=${BENCH_WORKLOADS:-"sqlite python-malloc cc1 perl mallocbench cxxbench"}
MODES=${BENCH_MODES:-"exact sampled"}
SRC=${BENCH_SRC:-$ROOT/../shared/bench}
DST=$ROOT/build/bench
[ -f "$LIB" ] || { echo "bench: $LIB missing: run make" >&2; exit 1; }
[ -x "$SRC/run-bench.sh" ] || { echo "bench: no harness at $SRC (set BENCH_SRC)" >&2; exit 1; }
# A fresh copy when the harness changed (or none yet); its own build/ is kept across runs.
mkdir -p "$DST"
if ! diff -rq -x build -x results.tsv -x 'results-runs.tsv' -x instr.tsv "$SRC" "$DST" >/dev/null 2>&1; then
	(cd "$SRC" && tar cf - --exclude=./build .) | (cd "$DST" && tar xf -)
fi
make -s -C "$DST" >/dev/null
