#!/bin/sh
# The bundled demo (examples/recorder.cpp) does what examples/README.md says: under `growth run`
# the report flags PreRecordBuffer::push in recorder.cpp as growing, and not the bounded preview
# queue or the packet source, which free what they allocate.
. "$(dirname "$0")/lib.sh"
src=$ROOT/examples/recorder.cpp
line=$(line_of "// DEMO-PUSH-LINE:" "$src")
[ -n "$line" ] || fail "no DEMO-PUSH-LINE marker in $src"
node_line=$((line - 1))

make -s -C "$ROOT/examples" BUILD="$TMP/examples" >"$TMP/make.log" 2>&1 || { cat "$TMP/make.log"; fail "building examples/ failed"; }
"$GROWTH" run -o "$TMP/growth.%e.%p.zst" -- "$TMP/examples/recorder" 6 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/err"; fail "growth run -- recorder exited $rc"; }
grep -q 'PreRecordBuffer::push' "$TMP/err" || { cat "$TMP/err"; fail "growth run's short report does not name PreRecordBuffer::push"; }
only_trace "$TMP"
rep=$TMP/report.json
report_json "$trace" "$rep"
# The payload copies pile up fastest; the 48-byte nodes beside them grow too, but may stay under
# the detector's minimum growth in a 6 s run, so they are not asserted either way.
json_check "$rep" 'sorted(s["frames"][0]["line"] for s in at0("PreRecordBuffer::push")) == ['"$node_line, $line"']' \
	"PreRecordBuffer::push allocates at recorder.cpp:$node_line (node) and :$line (payload copy)"
json_check "$rep" '[s["growing"] for s in at0("PreRecordBuffer::push") if s["frames"][0]["line"] == '"$line"'] == [True]' \
	"the payload copy in PreRecordBuffer::push (recorder.cpp:$line) is growing"
json_check "$rep" 'all(s["frames"][0]["file"].endswith("/recorder.cpp") for s in at0("PreRecordBuffer::push"))' "the push sites are in recorder.cpp"
json_check "$rep" 'len(at0("BoundedQueue::push")) >= 1 and not any(s["growing"] for s in at0("BoundedQueue::push"))' "the bounded preview queue is not growing"
json_check "$rep" 'not any(s["growing"] for s in sites if fn(s["frames"][0]) not in ("PreRecordBuffer::push",))' "nothing else is growing"

"$GROWTH" report "$trace" >"$TMP/report.txt" 2>&1 || fail "growth report (text) failed on the demo trace"
grep -q "PreRecordBuffer::push" "$TMP/report.txt" || fail "the text report does not name PreRecordBuffer::push"
grep -Eq "recorder\.cpp:($line|$node_line)" "$TMP/report.txt" || { cat "$TMP/report.txt"; fail "the text report does not show recorder.cpp:$line"; }
pass
