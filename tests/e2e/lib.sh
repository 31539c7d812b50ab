# Shared helpers of the end-to-end tests, sourced by each tests/e2e/t_*.sh.
# A test prints one closing line ("ok NAME", "FAIL NAME: why", "SKIP NAME: why") and exits
# 0 pass, 1 fail, 77 skip. Anything it prints before that is shown only when it fails.
# Environment: GROWTH_BUILD (default: <repo>/build), GROWTH_E2E_KEEP=1 keeps the temp dirs.

set -u

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
BUILD=${GROWTH_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
GROWTH=$BUILD/growth
LIBGROWTH=$BUILD/libgrowth.so
PROGS=$BUILD/tests/programs
TEST_NAME=$(basename "$0" .sh)
PY=${PYTHON:-python3}

# Crashing scenarios must not leave core files or wait for a core handler.
ulimit -c 0 2>/dev/null || :

TMP=$(mktemp -d "${TMPDIR:-/tmp}/growth-e2e.$TEST_NAME.XXXXXX") || exit 1
if [ "${GROWTH_E2E_KEEP:-0}" = 1 ]; then
	trap 'echo "kept $TMP"' EXIT
else
	trap 'rm -rf "$TMP"' EXIT
fi

fail() {
	echo "FAIL $TEST_NAME: $*"
	exit 1
}

skip() {
	echo "SKIP $TEST_NAME: $*"
	exit 77
}

pass() {
	echo "ok   $TEST_NAME"
	exit 0
}

# need FILE...: fail unless every built file exists (make test-e2e builds them all).
need() {
	for f in "$@"; do
		[ -e "$f" ] || fail "missing $f (run 'make all programs')"
	done
}
need "$GROWTH" "$LIBGROWTH"

# preload TEMPLATE CMD [ARGS...]: runs CMD under libgrowth.so, trace named by TEMPLATE.
preload() {
	_out=$1
	shift
	GROWTH_OUTPUT=$_out LD_PRELOAD=$LIBGROWTH "$@"
}

# traces_in DIR: the trace files in DIR, one per line, sorted.
traces_in() {
	for _f in "$1"/*.zst "$1"/*.zst.*; do
		[ -f "$_f" ] && echo "$_f"
	done | sort
}

# only_trace DIR: sets $trace to the single trace in DIR; fails when there is not exactly one.
only_trace() {
	_n=$(traces_in "$1" | wc -l)
	[ "$_n" -eq 1 ] || { ls -la "$1"; fail "expected one trace in $1, found $_n"; }
	trace=$(traces_in "$1")
}

# report_json TRACE OUT: writes the JSON report of TRACE to OUT; fails on a non-zero exit.
report_json() {
	"$GROWTH" report --format json "$1" >"$2" 2>"$2.err"
	_rc=$?
	if [ $_rc -ne 0 ]; then
		cat "$2.err"
		fail "growth report --format json $(basename "$1") exited $_rc"
	fi
	"$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$2" ||
		fail "growth report --format json $(basename "$1"): not valid JSON"
}

# json_get REPORT EXPR: prints the value of a Python expression over the report (see jsonq.py).
json_get() {
	"$PY" "$E2E_DIR/jsonq.py" get "$@"
}

# json_check REPORT EXPR [WHAT]: fails the test, printing the report's sites, unless EXPR is true.
json_check() {
	"$PY" "$E2E_DIR/jsonq.py" check "$@" || fail "${3:-$2}"
}

# line_of MARKER FILE: the line number of the line holding MARKER.
line_of() {
	grep -n -F "$1" "$2" | head -n 1 | cut -d: -f1
}

# file_mode FILE: octal permission bits, e.g. 600.
file_mode() {
	stat -c %a "$1"
}
