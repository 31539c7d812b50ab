#!/bin/sh
# growth check: a clean program passes with --max-leak 0 (the built-in runtime suppressions take
# stdio's buffer, thread stacks and TLS); each leak kind of leaker and leaker_cxx fails (exit 1)
# with its exact byte count and its function in the output; --max-leak lets a small leak pass.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leaker" "$PROGS/leaker_cxx" "$PROGS/clean" "$PROGS/clean_cxx"
page=$(getconf PAGESIZE)

# gate PROG ARG...: runs PROG under the preload into a fresh dir; sets $d and $trace.
n=0
gate_run() {
	n=$((n + 1))
	d=$TMP/run$n
	mkdir -p "$d"
	preload "$d/growth.%e.%p.zst" "$PROGS/$1" "$2" >"$d/out" 2>"$d/err" || { cat "$d/err"; fail "$1 $2 exited $?"; }
	only_trace "$d"
}

# check EXPECTED_RC [OPTIONS...]: growth check on $trace, output in $d/check.
check() {
	_want=$1
	shift
	"$GROWTH" check "$@" "$trace" >"$d/check" 2>"$d/check.err"
	_rc=$?
	[ $_rc -eq "$_want" ] || { cat "$d/check" "$d/check.err"; fail "growth check $* $(basename "$trace"): exit $_rc, expected $_want"; }
}

gate_run clean ""
check 0
grep -q "^PASS .*clean (pid" "$d/check" || { cat "$d/check"; fail "clean: no PASS line"; }
grep -q "leak:\*_IO_file_doallocate (default)" "$d/check" || { cat "$d/check"; fail "clean: stdout's buffer is not reported as suppressed by the default list"; }
check 1 --no-default-suppressions
grep -q "_IO_file_doallocate" "$d/check" || { cat "$d/check"; fail "clean --no-default-suppressions: stdio's buffer is not the culprit"; }

gate_run leaker_cxx none
check 0
gate_run clean_cxx ""
check 0

# leak PROG KIND BYTES: fails with exactly BYTES leaked, at leak_with_KIND.
leak() {
	gate_run "$1" "$2"
	check 1
	grep -q "leaked at exit: $3 bytes " "$d/check" || { cat "$d/check"; fail "$1 $2: the reason does not say 'leaked at exit: $3 bytes'"; }
	grep -q "^  LEAK: $3 bytes " "$d/check" || { cat "$d/check"; fail "$1 $2: no 'LEAK: $3 bytes' culprit"; }
	grep -Eq "leak_with_$2(\(\))? \(" "$d/check" || { cat "$d/check"; fail "$1 $2: the culprit stack does not name leak_with_$2"; }
	grep -q "growth check: FAIL: 1 trace, 0 passed, 1 failed" "$d/check" || { cat "$d/check"; fail "$1 $2: no FAIL summary line"; }
}
leak leaker malloc 10001
leak leaker calloc 21007
leak leaker realloc 30003
leak leaker strdup 4004
leak leaker posix_memalign 50005
leak leaker aligned_alloc 60160
leak leaker memalign 70007
leak leaker valloc 80008
leak leaker mmap $((40 * page))
leak leaker_cxx new 10001
leak leaker_cxx new_array 20002
leak leaker_cxx aligned_new 30016
leak leaker_cxx nothrow_new 40004

# --max-leak: 10001 bytes pass under 100KiB and at exactly 10001, fail at 10000.
gate_run leaker malloc
check 0 --max-leak 100KiB
grep -q "^  leaked at exit: 10001 bytes (9.8 KiB) in 1 allocation, within --max-leak 102400 bytes" "$d/check" || { cat "$d/check"; fail "--max-leak 100KiB: the passing trace does not say what it leaked"; }
check 0 --max-leak 10001
check 1 --max-leak 10000
grep -q "above --max-leak 10000 bytes" "$d/check" || { cat "$d/check"; fail "--max-leak 10000: the reason does not name the bound"; }
check 2 --max-leak 10zz
check 0 --json "$d/c.json" --max-leak 1MB
json_check "$d/c.json" 'r["passed"] is True and r["traces"][0]["leak_bytes"] == 10001 and r["traces"][0]["max_leak_applied"] is True' \
	"--json: passed, leak_bytes 10001, max-leak applied"
json_check "$d/c.json" 'r["traces"][0]["leaks"][0]["frames"][0]["function"] == "leak_with_malloc"' "--json: the leak's frame 0 is leak_with_malloc"
pass
