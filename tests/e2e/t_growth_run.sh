#!/bin/sh
# Scenario 8: `growth run` passes the exit status through (128+N for signal N), leaves the
# program's output alone, writes the trace where -o says (default growth.%e.%p.zst in the current
# directory) and prints a short report on stderr that names the growing function.
. "$(dirname "$0")/lib.sh"
need "$PROGS/exitcode" "$PROGS/grow" "$PROGS/leaker"

# status WANT ARG...: growth run -- exitcode ARG... exits WANT.
status() {
	_want=$1
	shift
	_d=$TMP/run-$_want
	mkdir -p "$_d"
	"$GROWTH" run -o "$_d/growth.%e.%p.zst" -- "$PROGS/exitcode" "$@" >"$_d/out" 2>"$_d/err"
	_rc=$?
	[ $_rc -eq "$_want" ] || { cat "$_d/err"; fail "growth run -- exitcode $* exited $_rc, not $_want"; }
	"$PROGS/exitcode" "$@" >"$_d/plain.out" 2>/dev/null
	cmp -s "$_d/plain.out" "$_d/out" || { diff "$_d/plain.out" "$_d/out"; fail "growth run changed exitcode's stdout"; }
	grep -q '^exitcode: stderr line 2' "$_d/err" || fail "growth run lost exitcode's stderr"
	_n=$(traces_in "$_d" | wc -l)
	[ "$_n" -eq 1 ] || { ls -la "$_d"; fail "growth run -o: expected one trace in $_d, found $_n"; }
}

status 42
status 139 segv
status 134 abort

# The short report of a growing program names its growing function.
mkdir -p "$TMP/grow"
"$GROWTH" run -o "$TMP/grow/growth.%e.%p.zst" -- "$PROGS/grow" 4 16 20 >"$TMP/grow/out" 2>"$TMP/grow/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/grow/err"; fail "growth run -- grow exited $rc"; }
grep -q grow_leaky_list "$TMP/grow/err" || { cat "$TMP/grow/err"; fail "growth run's report (stderr) does not name grow_leaky_list"; }
grep -q grow_leaky_list "$TMP/grow/out" && fail "growth run printed its report on stdout, not stderr"
grep -q '^grow: done' "$TMP/grow/out" || fail "grow's own stdout is missing under growth run"
only_trace "$TMP/grow"
zstd -q -t "$trace" || fail "zstd -t rejects the trace of growth run"

# Without -o: growth.<exe>.<pid>.zst in the current directory.
mkdir -p "$TMP/cwd"
(cd "$TMP/cwd" && "$GROWTH" run -- "$PROGS/leaker" malloc >out 2>err)
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/cwd/err"; fail "growth run -- leaker malloc exited $rc"; }
ls "$TMP/cwd" | grep -Eq '^growth\.leaker\.[0-9]+\.zst$' || { ls -la "$TMP/cwd"; fail "no growth.leaker.<pid>.zst in the current directory"; }
pass
