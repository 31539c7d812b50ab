#!/bin/sh
# Scenario 3: a steady leak is flagged at its exact line; busy-but-flat sites are not.
# grow runs ~5 s: grow_leaky_list leaks 16 KiB every 20 ms beside flat_churn and flat_once.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow"
src=$ROOT/tests/programs/grow.c
line=$(line_of "/* GROW-LEAK-LINE */" "$src")
[ -n "$line" ] || fail "no GROW-LEAK-LINE marker in $src"

preload "$TMP/growth.%e.%p.zst" "$PROGS/grow" 5 16 20 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/err"; fail "grow exited $rc"; }
kib=$(sed -n 's/^grow: done, \([0-9]*\) KiB leaked$/\1/p' "$TMP/out")
[ -n "$kib" ] || fail "grow did not say how much it leaked"
only_trace "$TMP"
rep=$TMP/report.json
report_json "$trace" "$rep"

json_check "$rep" 'one("grow_leaky_list")["growing"] is True' "grow_leaky_list is flagged growing"
json_check "$rep" 'one("grow_leaky_list")["frames"][0]["file"].endswith("/grow.c")' "frame 0 of the leak is in grow.c"
json_check "$rep" 'one("grow_leaky_list")["frames"][0]["line"] == '"$line" "frame 0 of the leak is grow.c:$line (the GROW-LEAK-LINE marker)"
json_check "$rep" 'one("grow_leaky_list")["slope_bytes_per_s"] > 0' "the leak's slope is positive"
json_check "$rep" 'one("grow_leaky_list")["flagged_at_s"] is not None' "the leak has a flagged_at_s"
json_check "$rep" '0 <= one("grow_leaky_list")["flagged_at_s"] <= r["duration_s"]' "flagged_at_s lies within the run"
json_check "$rep" 'one("grow_leaky_list")["live_bytes_end"] == '"$kib"' * 1024' "the leak holds exactly the $kib KiB grow reported"
json_check "$rep" 'one("grow_leaky_list")["peak_live_bytes"] >= one("grow_leaky_list")["live_bytes_end"]' "peak >= end"
json_check "$rep" 'one("grow_leaky_list")["pattern"] == "growing"' "the leak's pattern is growing"
json_check "$rep" 'one("grow_leaky_list")["kind"] == "heap"' "the leak is a heap site"

json_check "$rep" 'len(at0("flat_churn")) >= 1' "flat_churn has a site"
json_check "$rep" 'not any(s["growing"] for s in at0("flat_churn"))' "flat_churn is not growing"
json_check "$rep" 'sum(s["live_bytes_end"] for s in at0("flat_churn")) == 0' "flat_churn frees everything"
json_check "$rep" 'one("flat_once")["growing"] is False' "flat_once is not growing"
json_check "$rep" 'one("flat_once")["live_bytes_end"] == 256 * 1024' "flat_once holds its 256 KiB"
json_check "$rep" '[s["frames"][0]["function"] for s in sites if s["growing"]] and all(fn(s["frames"][0]) == "grow_leaky_list" for s in sites if s["growing"])' \
	"grow_leaky_list is the only growing site"

json_check "$rep" 'r["version"] == 1 and r["truncated"] is False' "version 1, not truncated"
json_check "$rep" '4 <= r["duration_s"] <= 30' "duration_s is about the 5 s run"
json_check "$rep" 'r["rss"]["peak_bytes"] >= r["rss"]["end_bytes"] > 0' "rss peak >= end > 0"
json_check "$rep" 'r["process"]["pid"] > 0 and r["process"]["exe"].endswith("/grow")' "process pid and exe"
json_check "$rep" 'all(isinstance(s["id"], int) and s["kind"] in ("heap", "mmap") for s in sites)' "site ids and kinds"
json_check "$rep" 'all(f["address"].startswith("0x") for s in sites for f in s["frames"])' "frame addresses are hex strings"
pass
