#!/bin/sh
# Scenario 9: the analyzer facing bad input. Empty, random, foreign-zstd, zero-filled and missing
# files exit 2 with one clear line on stderr and never crash; a trace cut in the middle of a
# frame gives a partial report, truncated, and exits 0.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow"
command -v zstd >/dev/null || fail "zstd CLI missing (make deps)"

# rejects NAME FILE: both report formats exit 2 with exactly one non-empty line on stderr. The
# lines, with the path written FILE, are compared with expected/bad_input.stderr at the end
# (GROWTH_E2E_UPDATE=1 rewrites it).
: >"$TMP/messages"
rejects() {
	for _fmt in text json; do
		"$GROWTH" report --format "$_fmt" "$2" >"$TMP/$1.$_fmt.out" 2>"$TMP/$1.$_fmt.err"
		_rc=$?
		[ $_rc -lt 128 ] || fail "$1: growth report --format $_fmt died of signal $((_rc - 128))"
		[ $_rc -eq 2 ] || { cat "$TMP/$1.$_fmt.err"; fail "$1: growth report --format $_fmt exited $_rc, not 2"; }
		_n=$(wc -l <"$TMP/$1.$_fmt.err")
		[ "$_n" -eq 1 ] || { cat "$TMP/$1.$_fmt.err"; fail "$1: $_n lines on stderr, expected one"; }
		grep -q '[[:alnum:]]' "$TMP/$1.$_fmt.err" || fail "$1: the error line is empty"
		grep -q '^growth' "$TMP/$1.$_fmt.err" || fail "$1: the error line does not start with 'growth'"
		printf '%s %s: %s\n' "$1" "$_fmt" "$(sed "s|$2|FILE|g" "$TMP/$1.$_fmt.err")" >>"$TMP/messages"
	done
}

: >"$TMP/empty.zst"
rejects empty "$TMP/empty.zst"

"$PY" -c 'import random,sys; random.seed(7); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(65536)))' >"$TMP/random.zst"
rejects random "$TMP/random.zst"

echo hi | zstd -q -c >"$TMP/foreign.zst"
rejects foreign-zstd "$TMP/foreign.zst"

head -c 65536 /dev/zero >"$TMP/zeros.zst"
rejects zeros "$TMP/zeros.zst"

rejects missing "$TMP/does-not-exist.zst"
rejects directory "$TMP"

# Magic right, everything after it garbage.
printf 'GRWTRACE\377\377\377\377\377\377' | zstd -q -c >"$TMP/badrec.zst"
rejects bad-record "$TMP/badrec.zst"

expected=$E2E_DIR/expected/bad_input.stderr
if [ "${GROWTH_E2E_UPDATE:-0}" = 1 ]; then
	cp "$TMP/messages" "$expected"
elif ! cmp -s "$expected" "$TMP/messages"; then
	diff "$expected" "$TMP/messages"
	fail "error messages differ from $expected (GROWTH_E2E_UPDATE=1 sh tests/e2e/run.sh rewrites it)"
fi

# A real trace cut in the middle of a frame (never the first, which holds the header).
mkdir -p "$TMP/real"
preload "$TMP/real/growth.%e.%p.zst" "$PROGS/grow" 3 16 20 >/dev/null 2>"$TMP/real/err" ||
	{ cat "$TMP/real/err"; fail "grow failed under growth"; }
only_trace "$TMP/real"
cut=$("$PY" "$E2E_DIR/zstdframes.py" cut "$trace" "$TMP/cut.zst") ||
	fail "the trace of a 3 s run has a single zstd frame: the writer does not flush on a timer"
echo "cut $(basename "$trace") ($(wc -c <"$trace") bytes) at byte $cut"
report_json "$TMP/cut.zst" "$TMP/cut.json"
json_check "$TMP/cut.json" 'r["truncated"] is True' "a trace cut mid-frame reads as truncated"
json_check "$TMP/cut.json" 'len(sites) > 0' "the partial report still has sites"
"$GROWTH" report "$TMP/cut.zst" >"$TMP/cut.txt" 2>"$TMP/cut.err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/cut.err"; fail "growth report (text) of a cut trace exited $rc, not 0"; }

# The same trace with one byte cut off the end: truncated too.
size=$(wc -c <"$trace")
head -c $((size - 1)) "$trace" >"$TMP/cut1.zst"
report_json "$TMP/cut1.zst" "$TMP/cut1.json"
json_check "$TMP/cut1.json" 'r["truncated"] is True' "a trace missing its last byte reads as truncated"
pass
