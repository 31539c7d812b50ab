#!/bin/sh
# Runs every tests/e2e/t_*.sh (or the ones named on the command line), each under a timeout,
# prints each test's closing line, the whole output of the ones that failed, and the closing
# line "e2e: N passed, N failed[, N skipped]". Exits 1 if any failed.
# Environment: E2E_TIMEOUT (seconds per test, default 120), GROWTH_BUILD, GROWTH_E2E_KEEP=1.
dir=$(cd "$(dirname "$0")" && pwd)
timeout_s=${E2E_TIMEOUT:-120}
passed=0
failed=0
skipped=0
failures=""
out=$(mktemp "${TMPDIR:-/tmp}/growth-e2e-out.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

if [ $# -eq 0 ]; then
	set -- "$dir"/t_*.sh
fi
for t in "$@"; do
	name=$(basename "$t" .sh)
	timeout -k 5 "$timeout_s" sh "$t" >"$out" 2>&1
	rc=$?
	case $rc in
	0)
		passed=$((passed + 1))
		tail -n 1 "$out"
		;;
	77)
		skipped=$((skipped + 1))
		tail -n 1 "$out"
		;;
	*)
		failed=$((failed + 1))
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			echo "FAIL $name: timed out after ${timeout_s}s"
		elif tail -n 1 "$out" | grep -q "^FAIL"; then
			tail -n 1 "$out"
		else
			echo "FAIL $name: exit status $rc"
		fi
		echo "---- output of $name ----"
		sed 's/^/| /' "$out"
		echo "----"
		failures="$failures $name"
		;;
	esac
done
[ -n "$failures" ] && echo "failed:$failures"
if [ $skipped -gt 0 ]; then
	echo "e2e: $passed passed, $failed failed, $skipped skipped"
else
	echo "e2e: $passed passed, $failed failed"
fi
[ $failed -eq 0 ]
