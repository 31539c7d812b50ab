#!/bin/sh
# Sampled mode (GROWTH_SAMPLE): a steady leak is still flagged, its live bytes are estimated
# within the sampling error, a churning site whose blocks all die shows exactly 0 live, and the
# trace says it is sampled.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow"

GROWTH_SAMPLE=16K preload "$TMP/g.zst" "$PROGS/grow" 4 16 20 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/err"; fail "grow exited $rc under GROWTH_SAMPLE=16K"; }
kib=$(sed -n 's/^grow: done, \([0-9]*\) KiB leaked$/\1/p' "$TMP/out")
[ -n "$kib" ] || fail "grow did not say how much it leaked"
rep=$TMP/report.json
report_json "$TMP/g.zst" "$rep"
"$GROWTH" dump "$TMP/g.zst" 2>/dev/null | grep -q ' sampled .*sample_bytes=16384 ' ||
	{ "$GROWTH" dump "$TMP/g.zst" | head -3; fail "the header does not say sampled, sample_bytes=16384"; }
json_check "$rep" 'r["sampled"] is True' "the report says sampled"
json_check "$rep" 'one("grow_leaky_list")["growing"] is True' "the leak is flagged under sampling"
# About 200 samples: the standard error of the estimate is ~7%; 40% is beyond five of them.
json_check "$rep" 'abs(one("grow_leaky_list")["live_bytes_end"] - '"$kib"' * 1024) <= 0.4 * '"$kib"' * 1024' "the leak's live bytes are within 40% of the $kib KiB leaked"
json_check "$rep" 'all(s["live_bytes_end"] == 0 and not s["growing"] for s in at0("flat_churn"))' "flat_churn: every sampled block freed, 0 live, not growing"
pass
