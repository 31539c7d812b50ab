#!/bin/sh
# growth diff OLD NEW: a leaking run against a fixed one names the leaking function as gone,
# with exactly the bytes it leaked, in text and JSON; the reverse names it as new; a trace
# against itself shows no change. Sites match by symbolized stack, not by address.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leaker"

mkdir -p "$TMP/leak" "$TMP/fixed"
preload "$TMP/leak/growth.%e.%p.zst" "$PROGS/leaker" malloc >/dev/null 2>&1 || fail "leaker malloc failed"
preload "$TMP/fixed/growth.%e.%p.zst" "$PROGS/leaker" none >/dev/null 2>&1 || fail "leaker none failed"
only_trace "$TMP/leak"
leak=$trace
only_trace "$TMP/fixed"
fixed=$trace

"$GROWTH" diff "$leak" "$fixed" >"$TMP/text" 2>"$TMP/err" || { cat "$TMP/err"; fail "growth diff exited $?"; }
grep -qE '^  -9\.8 KiB +gone +leak_with_malloc +leaker\.c:[0-9]+ ' "$TMP/text" ||
	{ cat "$TMP/text"; fail "the text diff does not name leak_with_malloc as gone (-9.8 KiB)"; }

"$GROWTH" diff --format json -o "$TMP/d.json" "$leak" "$fixed" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "growth diff --format json exited $?"; }
q() {
	"$PY" - "$TMP/d.json" "$1" <<'PY' || fail "$2"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sites"]
ok = eval(sys.argv[2])
if not ok:
    json.dump(d, sys.stdout, indent=1)
sys.exit(0 if ok else 1)
PY
}
q 'd["version"] == 1 and d["old"]["trace"].endswith(".zst") and d["new"]["trace"].endswith(".zst")' "version and traces"
q 's[0]["function"] == "leak_with_malloc" and s[0]["status"] == "gone"' "the largest change is leak_with_malloc, gone"
q 's[0]["delta_live_bytes"] == -10001 and s[0]["old"]["live_bytes_end"] == 10001 and s[0]["new"] is None' "the leak's exact 10001 bytes"
q 's[0]["file"].endswith("/leaker.c") and [f["function"] for f in s[0]["frames"]][:2] == ["leak_with_malloc", "main"]' "the leak's stack"
q 'd["old"]["live_bytes_end"] - d["new"]["live_bytes_end"] == sum(-x["delta_live_bytes"] for x in s)' "the deltas add up to the change in live bytes"

"$GROWTH" diff --format json -o "$TMP/d.json" "$fixed" "$leak" 2>/dev/null || fail "growth diff (reversed) failed"
q '[x for x in s if x["function"] == "leak_with_malloc"][0]["status"] == "new" and [x for x in s if x["function"] == "leak_with_malloc"][0]["delta_live_bytes"] == 10001' "reversed: leak_with_malloc is new, +10001"

"$GROWTH" diff "$leak" "$leak" >"$TMP/same" 2>&1 || fail "growth diff of a trace with itself failed"
grep -q '^no site changed\.$' "$TMP/same" || { cat "$TMP/same"; fail "a trace against itself shows changes"; }

"$GROWTH" diff "$leak" >/dev/null 2>&1
[ $? -eq 2 ] || fail "growth diff with one trace did not exit 2"
"$GROWTH" diff "$leak" "$TMP/nonexistent.zst" >/dev/null 2>&1
[ $? -eq 2 ] || fail "growth diff with a missing trace did not exit 2"
pass
