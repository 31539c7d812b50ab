#!/bin/sh
# Killed at a memory threshold, as an OOM killer would (prlimit --as caps address space, not
# RSS, so this test polls /proc/PID/status and sends SIGKILL itself):
# - pat_oom_leak leaks 1 MiB every 80 ms and is killed when its RSS crosses 128 MiB: the leak must
#   be flagged growing in the first half of the process's life;
# - pat_matrix touches one 160 MiB calloc'ed matrix and is killed at that peak: not a leak, so
#   the report leads with the `peak` object naming the matrix and flags nothing as growing.
. "$(dirname "$0")/lib.sh"
need "$PROGS/pat_oom_leak" "$PROGS/pat_matrix"

# kill_at_rss PID MIB DELAY_S: SIGKILLs PID DELAY_S seconds after its VmRSS reaches MIB MiB
# (or after 40 s, so a broken program cannot hang the test).
kill_at_rss() {
	_polls=0
	while kill -0 "$1" 2>/dev/null && [ $_polls -lt 800 ]; do
		_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
		[ -n "$_kib" ] && [ "$_kib" -ge $(($2 * 1024)) ] && break
		_polls=$((_polls + 1))
		sleep 0.05
	done
	sleep "$3"
	kill -KILL "$1" 2>/dev/null
}

mkdir "$TMP/leak" "$TMP/matrix"
env GROWTH_OUTPUT="$TMP/leak/leak.zst" LD_PRELOAD="$LIBGROWTH" "$PROGS/pat_oom_leak" 60 \
	>"$TMP/leak.out" 2>"$TMP/leak.err" &
pid_leak=$!
env GROWTH_OUTPUT="$TMP/matrix/matrix.zst" LD_PRELOAD="$LIBGROWTH" "$PROGS/pat_matrix" 160 40 \
	>"$TMP/matrix.out" 2>"$TMP/matrix.err" &
pid_matrix=$!
kill_at_rss $pid_matrix 150 0.6 &
killer=$!
kill_at_rss $pid_leak 128 0
wait $killer
wait $pid_leak
rc_leak=$?
wait $pid_matrix
rc_matrix=$?
[ $rc_leak -eq 137 ] || { cat "$TMP/leak.err"; fail "pat_oom_leak exited $rc_leak, not 137 (killed)"; }
[ $rc_matrix -eq 137 ] || { cat "$TMP/matrix.err"; fail "pat_matrix exited $rc_matrix, not 137 (killed)"; }
grep -q "touched 160 MiB" "$TMP/matrix.out" || fail "pat_matrix was killed before it touched its matrix"

rep=$TMP/leak.json
report_json "$TMP/leak/leak.zst" "$rep"
json_check "$rep" 'r["truncated"] is True and r["end_reason"] is None' "the killed leak's trace is truncated"
json_check "$rep" 'one("pat_oom_leak")["growing"] is True and one("pat_oom_leak")["pattern"] == "growing"' "pat_oom_leak is flagged growing"
json_check "$rep" 'r["duration_s"] >= 4' "the leak ran at least 4 s before it was killed"
json_check "$rep" '0 < one("pat_oom_leak")["flagged_at_s"] <= r["duration_s"] / 2' "pat_oom_leak was flagged in the first half of its life"
json_check "$rep" 'one("pat_oom_worker")["growing"] is False' "the flat worker is not growing"
json_check "$rep" 'r["peak"] is not None and r["peak"]["reason"] == "killed"' "a killed trace has a peak object"
json_check "$rep" 'r["peak"]["sites"][0]["id"] == one("pat_oom_leak")["id"] and r["peak"]["sites"][0]["function"] == "pat_oom_leak"' "the leak held the most at the peak"

rep=$TMP/matrix.json
report_json "$TMP/matrix/matrix.zst" "$rep"
json_check "$rep" 'r["truncated"] is True' "the killed matrix trace is truncated"
json_check "$rep" 'not any(s["growing"] for s in sites)' "nothing is flagged growing in the matrix program"
json_check "$rep" 'r["peak"] is not None and r["peak"]["reason"] == "killed"' "the matrix report has a peak object"
json_check "$rep" 'r["peak"]["rss_bytes"] == r["rss"]["peak_bytes"] >= 150 << 20' "the peak is the RSS peak (>= 150 MiB)"
json_check "$rep" 'r["peak"]["sites"][0]["function"] == "pat_matrix_alloc" and r["peak"]["sites"][0]["live_bytes"] == one("pat_matrix_alloc")["peak_live_bytes"]' "pat_matrix_alloc held the most at the peak, its whole matrix"
json_check "$rep" '0.8 <= r["peak"]["sites"][0]["share_of_rss"] <= 1.2' "the matrix is most of RSS at the peak"
json_check "$rep" 'r["peak"]["sites"][0]["pattern"] != "growing"' "the matrix is marked as a peak, not as growth"
"$GROWTH" report "$TMP/matrix/matrix.zst" >"$TMP/matrix.txt" 2>&1 || { cat "$TMP/matrix.txt"; fail "growth report (text) failed"; }
head -n 1 "$TMP/matrix.txt" | grep -q '^TRUNCATED: ' || { cat "$TMP/matrix.txt"; fail "the killed trace's text report does not start with TRUNCATED"; }
sed -n 3p "$TMP/matrix.txt" | grep -q '^PEAK: RSS reached .*killed' || { cat "$TMP/matrix.txt"; fail "the text report does not lead with PEAK after the truncation note"; }
sed -n 4p "$TMP/matrix.txt" | grep -q 'pat_matrix_alloc' || { cat "$TMP/matrix.txt"; fail "the first PEAK line is not the matrix"; }
grep -q '^No growing site' "$TMP/matrix.txt" || { cat "$TMP/matrix.txt"; fail "the killed matrix report flags growth"; }
pass
