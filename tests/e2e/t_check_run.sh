#!/bin/sh
# growth run --check: exit 0 for a clean command, 1 when it leaks, the command's own status when
# it fails (the gate's report still printed), 127 when it cannot be run; an unreadable or missing
# trace and bad input to check are exit 2; the JUnit file escapes a hostile program name.
. "$(dirname "$0")/lib.sh"
need "$PROGS/clean" "$PROGS/leaker" "$PROGS/forker"
cd "$TMP" || fail "cd $TMP"

# rc EXPECTED CMD...: runs growth run -o TMP/rN/... --check CMD, output in $TMP/o and $TMP/e.
k=0
runcheck() {
	_want=$1
	shift
	k=$((k + 1))
	mkdir -p "$TMP/r$k"
	"$GROWTH" run -o "$TMP/r$k/%e.%p.zst" --check "$@" >"$TMP/o" 2>"$TMP/e"
	_rc=$?
	[ $_rc -eq "$_want" ] || { cat "$TMP/o" "$TMP/e"; fail "growth run --check $*: exit $_rc, expected $_want"; }
}
runcheck 0 -- "$PROGS/clean"
grep -q "^clean: clean, nothing leaked" "$TMP/o" || fail "the command's stdout was not passed through"
grep -q "growth check: PASS: 1 trace" "$TMP/e" || { cat "$TMP/e"; fail "no PASS summary on stderr"; }
runcheck 1 -- "$PROGS/leaker" malloc
grep -q "leaked at exit: 10001 bytes" "$TMP/e" || { cat "$TMP/e"; fail "run --check: no 10001-byte leak reported"; }
runcheck 0 --max-leak 64KiB -- "$PROGS/leaker" malloc
# forker 3: the child exits 3, the parent passes it on; both leak, yet 3 wins, report printed.
runcheck 3 -- "$PROGS/forker" 3
grep -q "growth check: FAIL: 2 traces" "$TMP/e" || { cat "$TMP/e"; fail "a failing command: the gate's report was not printed"; }
runcheck 127 -- "$TMP/no-such-program"
"$GROWTH" run --max-leak 1 -- "$PROGS/clean" >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] || fail "a check option without --check is not a usage error"

# check itself: usage and unreadable input are exit 2.
"$GROWTH" check >/dev/null 2>&1
[ $? -eq 2 ] || fail "growth check without TRACE is not exit 2"
printf 'not a trace' >"$TMP/junk.zst"
"$GROWTH" check "$TMP/junk.zst" >"$TMP/o" 2>"$TMP/e"
[ $? -eq 2 ] || { cat "$TMP/o" "$TMP/e"; fail "an unreadable trace is not exit 2"; }
"$GROWTH" check "$TMP/missing.zst" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a missing trace is not exit 2"
mkdir "$TMP/empty"
"$GROWTH" check "$TMP/empty" >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] && grep -q "no traces" "$TMP/e" || { cat "$TMP/e"; fail "an empty directory is not exit 2 with 'no traces'"; }

# A program whose name needs XML escaping.
evil="$TMP/a&b<c>\"d'e"
cp "$PROGS/leaker" "$evil" || fail "cp"
mkdir -p "$TMP/x"
preload "$TMP/x/t.%p.zst" "$evil" malloc >/dev/null 2>&1 || fail "the copied leaker failed"
"$GROWTH" check --junit "$TMP/j.xml" "$TMP/x" "$TMP/junk.zst" >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unreadable trace among good ones is not exit 2"
"$PY" - "$TMP/j.xml" <<'PYEOF' || fail "the JUnit file with a hostile name is wrong"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = list(root.iter("testcase"))
assert len(cases) == 2, len(cases)
names = [c.get("name") for c in cases]
assert any(n.startswith("a&b<c>\"d'e (pid ") for n in names), names
assert sum(c.find("failure") is not None for c in cases) == 1
assert sum(c.find("error") is not None for c in cases) == 1
PYEOF
pass
