#!/bin/sh
# A trace without a clean exit (SIGKILL): growth check reports its live memory but does not hold
# it to --max-leak (exit 0, "--max-leak applies only to a clean exit"); JSON says so.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leak_then_wait"

env GROWTH_OUTPUT="$TMP/growth.%e.%p.zst" LD_PRELOAD="$LIBGROWTH" "$PROGS/leak_then_wait" 30 >"$TMP/out" 2>"$TMP/err" &
pid=$!
i=0
until grep -q ready "$TMP/out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { kill -KILL $pid; fail "leak_then_wait never said ready"; }
	sleep 0.1
done
sleep 0.5 # at least one ~100 ms flush after the leak
kill -KILL $pid
wait $pid
only_trace "$TMP"

"$GROWTH" check --json "$TMP/c.json" "$trace" >"$TMP/c" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/c"; fail "a killed trace failed --max-leak 0 (exit $rc)"; }
grep -q "max-leak applies only to a clean exit" "$TMP/c" || { cat "$TMP/c"; fail "the report does not say --max-leak was not applied"; }
json_check "$TMP/c.json" 'r["traces"][0]["clean_exit"] is False and r["traces"][0]["max_leak_applied"] is False' "JSON: no clean exit, max-leak not applied"
json_check "$TMP/c.json" 'r["traces"][0]["live_bytes_end"] >= 10001 and r["traces"][0]["leak_bytes"] == 0' "JSON: live bytes reported (>= 10001), no leak counted"
pass
