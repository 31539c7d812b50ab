#!/bin/sh
# What the report explains and what it leads with:
# - pat_matrix (one 160 MiB matrix) under GROWTH_LIMIT=176MiB exits cleanly with its RSS peak
#   within 10% of the limit: the text report leads with PEAK (the matrix, as a peak), the JSON
#   has a `peak` object (reason near_limit), nothing grows;
# - pat_oom_leak, run 4 s to a clean exit far below any limit, leads with its growth: per
#   flagged site the live bytes and count, allocs vs frees, mean object size, growth start, a
#   sparkline (block characters in a UTF-8 locale, ASCII otherwise); RSS over time and how much
#   of it the tracked sites explain; `peak` is null.
. "$(dirname "$0")/lib.sh"
need "$PROGS/pat_matrix" "$PROGS/pat_oom_leak"

env GROWTH_LIMIT=176MiB GROWTH_OUTPUT="$TMP/matrix.zst" LD_PRELOAD="$LIBGROWTH" \
	"$PROGS/pat_matrix" 160 2.5 >"$TMP/matrix.out" 2>"$TMP/matrix.err" &
pid=$!
preload "$TMP/leak.zst" "$PROGS/pat_oom_leak" 4 >"$TMP/leak.out" 2>"$TMP/leak.err" ||
	{ cat "$TMP/leak.err"; fail "pat_oom_leak failed"; }
wait $pid || { cat "$TMP/matrix.err"; fail "pat_matrix failed"; }

# --- near the limit: lead with the peak ---
rep=$TMP/matrix.json
report_json "$TMP/matrix.zst" "$rep"
json_check "$rep" 'r["truncated"] is False and r["memory_limit_bytes"] == 176 << 20' "the matrix trace ends cleanly with the 176 MiB limit"
json_check "$rep" 'r["peak"] is not None and r["peak"]["reason"] == "near_limit"' "a peak within 10% of the limit gives a peak object"
json_check "$rep" 'r["peak"]["sites"][0]["function"] == "pat_matrix_alloc" and r["peak"]["sites"][0]["live_bytes"] == 160 << 20' "the matrix's 160 MiB held the peak"
json_check "$rep" 'not any(s["growing"] for s in sites)' "nothing grows in the matrix program"
LANG=C "$GROWTH" report "$TMP/matrix.zst" >"$TMP/matrix.txt" 2>&1 || { cat "$TMP/matrix.txt"; fail "growth report (text) failed"; }
head -n 1 "$TMP/matrix.txt" | grep -q '^PEAK: RSS reached .*within 10% of the memory limit' ||
	{ cat "$TMP/matrix.txt"; fail "the text report does not lead with PEAK"; }
sed -n 2p "$TMP/matrix.txt" | grep -q '160.0 MiB .* of RSS .*pat_matrix_alloc' ||
	{ cat "$TMP/matrix.txt"; fail "the first PEAK line is not the matrix's 160 MiB"; }
grep -q '^No growing site' "$TMP/matrix.txt" || { cat "$TMP/matrix.txt"; fail "the matrix report flags growth"; }

# --- a leak to a clean exit: lead with growth, explained ---
rep=$TMP/leak.json
report_json "$TMP/leak.zst" "$rep"
json_check "$rep" 'r["peak"] is None' "a clean exit far from the limit has no peak object"
json_check "$rep" 'one("pat_oom_leak")["growing"] is True' "pat_oom_leak is flagged"
json_check "$rep" 'one("pat_oom_leak")["mean_object_bytes"] == 1 << 20 and one("pat_oom_leak")["live_count_end"] == one("pat_oom_leak")["allocs"]' "mean object 1 MiB, every object still live"
json_check "$rep" 'one("pat_oom_worker")["live_count_end"] == 0 and one("pat_oom_worker")["frees"] == one("pat_oom_worker")["allocs"]' "the worker frees all it allocates"
json_check "$rep" '0 <= one("pat_oom_leak")["growth_start_s"] <= 1' "the leak grows from the start"
json_check "$rep" '2 <= len(r["rss"]["series"]) <= 64 and r["rss"]["series"][-1][1] == r["rss"]["end_bytes"]' "rss.series ends at the end RSS"
json_check "$rep" 'max(v for t, v in r["rss"]["series"]) == r["rss"]["peak_bytes"]' "rss.series keeps the RSS peak"
json_check "$rep" 'r["rss_explained"]["at_end"]["tracked_bytes"] == r["tracked"]["end_bytes"] and 0 <= r["rss_explained"]["at_end"]["untracked_share"] < 0.5' "tracked sites explain most of RSS at end"
json_check "$rep" 'r["rss_explained"]["at_peak"]["rss_bytes"] == r["rss"]["peak_bytes"]' "rss_explained.at_peak is the RSS peak"
LANG=C.UTF-8 LC_ALL= LC_CTYPE= "$GROWTH" report "$TMP/leak.zst" >"$TMP/leak.txt" 2>&1 || fail "growth report (text) failed"
LANG=C LC_ALL= LC_CTYPE= "$GROWTH" report "$TMP/leak.zst" >"$TMP/leak.ascii" 2>&1 || fail "growth report (text) failed"
head -n 1 "$TMP/leak.txt" | grep -q '^growth report for' || { cat "$TMP/leak.txt"; fail "the leak report does not lead with its header"; }
grep -q '^   live now .* in [0-9]* objects (mean 1.0 MiB); [0-9]* allocs, 0 frees' "$TMP/leak.txt" || { cat "$TMP/leak.txt"; fail "no live bytes/count/mean line for the leak"; }
grep -q '^   growing since [0-9.]* s, flagged at [0-9.]* s' "$TMP/leak.txt" || { cat "$TMP/leak.txt"; fail "no growth start / flag time line"; }
grep -q '^   live .*█.* (' "$TMP/leak.txt" || { cat "$TMP/leak.txt"; fail "no UTF-8 sparkline under LANG=C.UTF-8"; }
grep -q '^  RSS trend: .*█' "$TMP/leak.txt" || { cat "$TMP/leak.txt"; fail "no RSS sparkline"; }
grep -q '^  explained: tracked heap + resident mmap = ' "$TMP/leak.txt" || { cat "$TMP/leak.txt"; fail "no explained line"; }
grep -q '^   live [_.~=+*#-]* (' "$TMP/leak.ascii" || { cat "$TMP/leak.ascii"; fail "no ASCII sparkline under LANG=C"; }
LC_ALL=C grep -q '[^ -~]' "$TMP/leak.ascii" && { LC_ALL=C grep -n '[^ -~]' "$TMP/leak.ascii"; fail "non-ASCII bytes in the report under LANG=C"; }

# --- growth run's short summary names the peak holder too ---
mkdir "$TMP/run"
(cd "$TMP/run" && GROWTH_LIMIT=70MiB "$GROWTH" run -- "$PROGS/pat_matrix" 64 1 >out 2>err) ||
	{ cat "$TMP/run/err"; fail "growth run pat_matrix failed"; }
grep -q '^growth: at the RSS peak (.*) the largest holder had 64.0 MiB (.* of RSS): pat_matrix_alloc' "$TMP/run/err" ||
	{ cat "$TMP/run/err"; fail "growth run's summary does not name the peak holder"; }
pass
