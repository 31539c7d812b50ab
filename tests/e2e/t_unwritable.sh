#!/bin/sh
# Scenario 7: when the trace cannot be created, growth says so in exactly one "growth:" line on
# stderr and the application runs on unchanged: same stdout, same stderr otherwise, same status.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leaker" "$PROGS/exitcode" "$PROGS/leaker_cxx"

# check NAME STATUS CMD...
check() {
	_name=$1
	_want=$2
	shift 2
	"$@" >"$TMP/$_name.plain.out" 2>"$TMP/$_name.plain.err"
	preload /nonexistent-dir/x.zst "$@" >"$TMP/$_name.out" 2>"$TMP/$_name.err"
	_rc=$?
	[ $_rc -eq "$_want" ] || { cat "$TMP/$_name.err"; fail "$_name exited $_rc with an unwritable trace, not $_want"; }
	cmp -s "$TMP/$_name.plain.out" "$TMP/$_name.out" || {
		diff "$TMP/$_name.plain.out" "$TMP/$_name.out"
		fail "$_name: stdout changed with an unwritable trace"
	}
	_n=$(grep -c '^growth:' "$TMP/$_name.err")
	[ "$_n" -eq 1 ] || { cat "$TMP/$_name.err"; fail "$_name: $_n 'growth:' lines on stderr, expected exactly 1"; }
	grep -v '^growth:' "$TMP/$_name.err" >"$TMP/$_name.err.app"
	cmp -s "$TMP/$_name.plain.err" "$TMP/$_name.err.app" || {
		diff "$TMP/$_name.plain.err" "$TMP/$_name.err.app"
		fail "$_name: the application's stderr changed"
	}
	grep '^growth:' "$TMP/$_name.err" | grep -q 'nonexistent-dir' ||
		echo "note: $_name: the message does not name the path: $(grep '^growth:' "$TMP/$_name.err")"
}

check leaker 0 "$PROGS/leaker" malloc
check exitcode 42 "$PROGS/exitcode"
# grow prints how much it leaked by wall-clock time, which differs between runs on a busy
# machine; the C++ leaker prints the same every time.
check leaker_cxx 0 "$PROGS/leaker_cxx" new
[ ! -e /nonexistent-dir ] || fail "/nonexistent-dir exists"
pass
