#!/bin/sh
# Scenario 1: under libgrowth.so a program's stdout, its stderr (less growth's own "growth:"
# lines) and its exit status are exactly what they are without it. apicheck and cxxcheck print
# the allocator API's results and errno, so a wrapper that changes them shows here. exitcode's output is also
# compared with tests/e2e/expected/ (GROWTH_E2E_UPDATE=1 rewrites those files).
. "$(dirname "$0")/lib.sh"
need "$PROGS/exitcode" "$PROGS/leaker" "$PROGS/leaker_cxx" "$PROGS/apicheck" "$PROGS/cxxcheck"

# compare NAME CMD...: one run without and one with the preload.
compare() {
	_name=$1
	shift
	_d=$TMP/$_name
	mkdir -p "$_d/traces"
	"$@" >"$_d/plain.out" 2>"$_d/plain.err"
	_plain_rc=$?
	preload "$_d/traces/growth.%p.zst" "$@" >"$_d/grown.out" 2>"$_d/grown.err"
	_grown_rc=$?
	grep -v '^growth:' "$_d/grown.err" >"$_d/grown.err.app"
	[ $_plain_rc -eq $_grown_rc ] || fail "$_name: exit status $_grown_rc under growth, $_plain_rc without"
	cmp -s "$_d/plain.out" "$_d/grown.out" || {
		diff "$_d/plain.out" "$_d/grown.out"
		fail "$_name: stdout differs under growth"
	}
	cmp -s "$_d/plain.err" "$_d/grown.err.app" || {
		diff "$_d/plain.err" "$_d/grown.err.app"
		fail "$_name: stderr differs under growth"
	}
	if grep -q '^growth:' "$_d/grown.err"; then
		echo "note: $_name: growth said: $(grep '^growth:' "$_d/grown.err" | head -n 3)"
	fi
}

# expect NAME STATUS: the plain run matches the expected files.
expect() {
	_d=$TMP/$1
	_e=$E2E_DIR/expected/$1
	if [ "${GROWTH_E2E_UPDATE:-0}" = 1 ]; then
		cp "$_d/plain.out" "$_e.stdout"
		grep -Ev '^(Segmentation fault|Aborted)( \(core dumped\))?$' "$_d/plain.err" >"$_e.stderr"
		return
	fi
	cmp -s "$_e.stdout" "$_d/plain.out" || { diff "$_e.stdout" "$_d/plain.out"; fail "$1: stdout is not $_e.stdout"; }
	# The shell's own report of a signal death ("Segmentation fault") is not the program's.
	grep -Ev '^(Segmentation fault|Aborted)( \(core dumped\))?$' "$_d/plain.err" >"$_d/plain.err.own"
	cmp -s "$_e.stderr" "$_d/plain.err.own" || { diff "$_e.stderr" "$_d/plain.err.own"; fail "$1: stderr is not $_e.stderr"; }
}

compare exitcode "$PROGS/exitcode"
expect exitcode
[ "$_plain_rc" -eq 42 ] || fail "exitcode exited $_plain_rc, not 42"
compare exitcode-segv "$PROGS/exitcode" segv
expect exitcode-segv
[ "$_plain_rc" -eq 139 ] || fail "exitcode segv exited $_plain_rc, not 139 (SIGSEGV)"
compare exitcode-abort "$PROGS/exitcode" abort
expect exitcode-abort
[ "$_plain_rc" -eq 134 ] || fail "exitcode abort exited $_plain_rc, not 134 (SIGABRT)"

compare apicheck "$PROGS/apicheck"
grep -q FAIL "$TMP/apicheck/plain.out" && fail "apicheck fails even without growth: $(grep FAIL "$TMP/apicheck/plain.out")"
compare cxxcheck "$PROGS/cxxcheck"
grep -q FAIL "$TMP/cxxcheck/plain.out" && fail "cxxcheck fails even without growth: $(grep FAIL "$TMP/cxxcheck/plain.out")"
for kind in malloc calloc realloc strdup posix_memalign aligned_alloc memalign valloc mmap none; do
	compare "leaker-$kind" "$PROGS/leaker" "$kind"
done
for kind in new new_array aligned_new nothrow_new none; do
	compare "leaker_cxx-$kind" "$PROGS/leaker_cxx" "$kind"
done
pass
