#!/bin/sh
# growth check over a directory: forker leaves two traces (parent leaks 10001 bytes from
# parent_leak; the child leaks 20002 from child_leak and still holds the 10001 it inherited);
# both fail, each with its own bytes and stacks; the
# JUnit file is well-formed XML with one testcase per trace named "forker (pid N)".
. "$(dirname "$0")/lib.sh"
need "$PROGS/forker"

mkdir -p "$TMP/traces" "$TMP/run"
preload "$TMP/traces/growth.%e.%p.zst" "$PROGS/forker" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "forker exited $?"; }
ppid=$(sed -n 's/^forker: parent \([0-9]*\)$/\1/p' "$TMP/out")
cpid=$(sed -n 's/^forker: child \([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$ppid" ] && [ -n "$cpid" ] || fail "forker did not print both pids"
[ "$(traces_in "$TMP/traces" | wc -l)" -eq 2 ] || { ls -la "$TMP/traces"; fail "expected 2 traces"; }

"$GROWTH" check --junit "$TMP/j.xml" --json "$TMP/c.json" "$TMP/traces" >"$TMP/c" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/c"; fail "growth check DIR exited $rc, expected 1"; }
grep -q "^FAIL .*forker (pid $ppid)" "$TMP/c" || { cat "$TMP/c"; fail "no FAIL line for the parent $ppid"; }
grep -q "^FAIL .*forker (pid $cpid)" "$TMP/c" || { cat "$TMP/c"; fail "no FAIL line for the child $cpid"; }
grep -q "growth check: FAIL: 2 traces, 0 passed, 2 failed" "$TMP/c" || { cat "$TMP/c"; fail "no summary over 2 traces"; }
json_check "$TMP/c.json" 'sorted((t["pid"], t["leak_bytes"]) for t in r["traces"]) == sorted([('"$ppid"', 10001), ('"$cpid"', 30003)])' \
	"parent $ppid leaks 10001 bytes, child $cpid 20002 + the 10001 it inherited"

"$PY" - "$TMP/j.xml" "$ppid" "$cpid" <<'PYEOF' || fail "the JUnit file is wrong (see above)"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = {c.get("name"): c for c in root.iter("testcase")}
want = {"forker (pid %s)" % sys.argv[2]: "parent_leak", "forker (pid %s)" % sys.argv[3]: "child_leak"}
assert set(cases) == set(want), ("testcases", sorted(cases))
for name, fn in want.items():
    f = cases[name].find("failure")
    assert f is not None, (name, "no failure")
    assert "leaked at exit" in f.get("message"), f.get("message")
    assert fn in (f.text or ""), (name, "stack lacks", fn, f.text)
assert root.find("testsuite").get("failures") == "2"
PYEOF

# The same through growth run --check: the command's children are gated too.
cd "$TMP" || fail "cd"
"$GROWTH" run -o "$TMP/run/%e.%p.zst" --check -- "$PROGS/forker" >"$TMP/rout" 2>"$TMP/rc"
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/rc"; fail "growth run --check forker exited $rc, expected 1"; }
grep -q "growth check: FAIL: 2 traces" "$TMP/rc" || { cat "$TMP/rc"; fail "run --check did not gate both traces"; }
pass
