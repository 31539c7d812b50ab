#!/bin/sh
# Scenario 6: a process killed with SIGKILL leaves a trace without an END record. Every complete
# frame still reads: the report works, says the trace is truncated, and flags the growth.
. "$(dirname "$0")/lib.sh"
need "$PROGS/killme"
run_s=${KILLME_SECONDS:-4}

env GROWTH_OUTPUT="$TMP/growth.%e.%p.zst" LD_PRELOAD="$LIBGROWTH" "$PROGS/killme" 8192 10 \
	>"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep "$run_s"
kill -0 "$pid" 2>/dev/null || { cat "$TMP/err"; fail "killme died before it was killed"; }
kill -KILL "$pid"
wait "$pid"
rc=$?
[ $rc -eq 137 ] || fail "killme exited $rc, not 137 (SIGKILL)"
only_trace "$TMP"
[ "$(basename "$trace")" = "growth.killme.$pid.zst" ] || fail "trace is $(basename "$trace"), not growth.killme.$pid.zst"

rep=$TMP/report.json
report_json "$trace" "$rep"
json_check "$rep" 'r["truncated"] is True' "a killed process's trace is truncated"
json_check "$rep" 'one("grow_until_killed")["growing"] is True' "grow_until_killed is flagged growing"
json_check "$rep" 'one("grow_until_killed")["live_bytes_end"] > 0' "grow_until_killed has live bytes"
json_check "$rep" 'r["duration_s"] > 0' "duration_s reaches the last complete frame"

"$GROWTH" report "$trace" >"$TMP/report.txt" 2>"$TMP/report.err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/report.err"; fail "growth report (text) exited $rc on a truncated trace"; }
grep -Eiq 'truncat|cut short|incomplete|killed|ends at|no end record' "$TMP/report.txt" "$TMP/report.err" || {
	cat "$TMP/report.txt"
	fail "the text report does not say the trace was cut"
}
grep -q grow_until_killed "$TMP/report.txt" || fail "the text report does not name grow_until_killed"
pass
