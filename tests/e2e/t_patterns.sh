#!/bin/sh
# Growth users can trust: real programs with the shapes the detector must flag (pat_must: a
# steady leak, an unbounded queue, a slow leak under MiB of churn from the same call site, a
# leak whose frees come from another thread, a leak that starts late) and the shapes it must
# not (pat_mustnot: a cache that fills then plateaus, a saw-tooth buffer, one big temporary,
# memory allocated at start, reservations that never become resident, a burst that stops).
# Both run ~8 s, in parallel; sites are found by their distinctive function names and judged
# by the end verdict (pattern, growing) of the JSON report.
. "$(dirname "$0")/lib.sh"
need "$PROGS/pat_must" "$PROGS/pat_mustnot"
run_s=${PAT_SECONDS:-8}

preload "$TMP/must.zst" "$PROGS/pat_must" "$run_s" >"$TMP/must.out" 2>"$TMP/must.err" &
pid_must=$!
preload "$TMP/not.zst" "$PROGS/pat_mustnot" "$run_s" >"$TMP/not.out" 2>"$TMP/not.err"
rc_not=$?
wait $pid_must
rc_must=$?
[ $rc_must -eq 0 ] || { cat "$TMP/must.err"; fail "pat_must exited $rc_must"; }
[ $rc_not -eq 0 ] || { cat "$TMP/not.err"; fail "pat_mustnot exited $rc_not"; }

must=$TMP/must.json
report_json "$TMP/must.zst" "$must"
# growing(name): the site(s) with frame 0 in name include one flagged growing, with pattern
# "growing", a positive slope and a flagged_at_s within the run.
for name in pat_leak_steady pat_queue_push pat_churn_alloc pat_xthread_msg pat_late_leak; do
	json_check "$must" 'any(s["growing"] is True and s["pattern"] == "growing" and s["slope_bytes_per_s"] > 0 and s["flagged_at_s"] is not None and s["flagged_at_s"] <= r["duration_s"] for s in at0("'$name'"))' \
		"$name is flagged growing (pattern growing) at the end of the run"
done
json_check "$must" 'one("pat_leak_steady")["live_count_end"] == one("pat_leak_steady")["allocs"] > 0' "the steady leak's live count is its allocs (no frees)"
json_check "$must" 'one("pat_leak_steady")["mean_object_bytes"] == 4096' "the steady leak's mean object is 4096 bytes"
json_check "$must" 'one("pat_queue_push")["allocs"] > one("pat_queue_push")["frees"] > 0' "the queue's allocs outpace its frees"
json_check "$must" 'one("pat_xthread_msg")["frees"] > 0' "the cross-thread messages are freed (but not all)"
json_check "$must" 'one("pat_late_leak")["growth_start_s"] >= 0.25 * r["duration_s"]' "the late leak's growth_start_s is late (it starts at 40% of the run)"
json_check "$must" 'one("pat_late_leak")["growth_start_s"] <= 0.6 * r["duration_s"]' "the late leak's growth_start_s is near 40% of the run"
json_check "$must" '[f for s in at0("pat_churn_alloc") if s["growing"] for f in [s]][0]["frees"] > 1000' "the slow leak shares its site with the churn (many frees)"
json_check "$must" 'all(len(s["series"]) <= 64 and all(len(p) == 2 for p in s["series"]) for s in sites)' "every site's series has at most 64 [t_s, bytes] points"
json_check "$must" 'len(one("pat_leak_steady")["series"]) >= 32 and one("pat_leak_steady")["series"][-1][1] == one("pat_leak_steady")["live_bytes_end"]' "the steady leak's series ends at its live bytes"
json_check "$must" 'one("pat_late_leak")["series"][0][0] < 1 and one("pat_late_leak")["series"][0][1] == 0' "the late leak's series starts at the trace's start, at 0"
json_check "$must" 'r["peak"] is None' "no peak object for a clean exit far from the limit"

not=$TMP/not.json
report_json "$TMP/not.zst" "$not"
json_check "$not" 'not any(s["growing"] for s in sites)' "pat_mustnot has no growing site"
json_check "$not" 'one("pat_cache_insert")["pattern"] in ("plateau", "steady") and one("pat_cache_insert")["live_bytes_end"] == 512 * 8192' "the filled cache is a plateau (or steady) holding 4 MiB"
json_check "$not" 'one("pat_sawtooth_buf")["pattern"] == "sawtooth"' "the reused buffer is a sawtooth"
json_check "$not" 'one("pat_spike_temp")["pattern"] == "spike" and one("pat_spike_temp")["peak_live_bytes"] == 48 << 20' "the 48 MiB temporary is a spike"
json_check "$not" 'one("pat_startup_table")["pattern"] == "steady" and one("pat_startup_table")["live_bytes_end"] == 16 << 20' "the start-up table is steady"
json_check "$not" 'one("pat_arena_worker")["growing"] is False' "the per-thread arenas' owners are not growing"
json_check "$not" 'one("pat_prot_none_map")["growing"] is False and one("pat_prot_none_map")["live_bytes_end"] == 0 and one("pat_prot_none_map")["reserved_bytes_end"] == 1 << 30' "the PROT_NONE reservation is not resident and not growing"
json_check "$not" 'one("pat_noreserve_map")["growing"] is False and one("pat_noreserve_map")["live_bytes_end"] <= 1 << 20' "the MAP_NORESERVE mapping is not growing"
json_check "$not" 'one("pat_burst_once")["pattern"] == "burst"' "the burst that stopped is reported as a burst"
json_check "$not" '0.3 * r["duration_s"] <= one("pat_burst_once")["growth_start_s"] <= 0.6 * r["duration_s"]' "the burst's growth_start_s says when it happened (45% of the run)"
pass
