#!/bin/sh
# growth report --format folded: one "outer;...;inner BYTES" line per stack for flame graph tools.
# The lines sum to the live bytes of the JSON report (and, with --metric peak, to the peaks); the
# leak's line ends in grow_leaky_list with exactly the bytes grow leaked; --at picks a time.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow"

preload "$TMP/growth.%e.%p.zst" "$PROGS/grow" 2 16 20 >"$TMP/out" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "grow failed"; }
kib=$(sed -n 's/^grow: done, \([0-9]*\) KiB leaked$/\1/p' "$TMP/out")
[ -n "$kib" ] || fail "grow did not say how much it leaked"
only_trace "$TMP"
rep=$TMP/report.json
report_json "$trace" "$rep"

fold() {
	_out=$1
	shift
	"$GROWTH" report --format folded "$@" "$trace" >"$_out" 2>"$_out.err" ||
		{ cat "$_out.err"; fail "growth report --format folded $* exited $?"; }
}
# sum FILE: the sum of the last field of every line.
sum() {
	awk '{ s += $NF } END { printf "%d\n", s }' "$1"
}

fold "$TMP/end.folded"
[ -s "$TMP/end.folded" ] || fail "no folded output"
# Progress lines go to a terminal only: with stderr a file, nothing at all.
[ -s "$TMP/end.folded.err" ] && { cat -v "$TMP/end.folded.err"; fail "stderr not quiet when it is not a terminal"; }
bad=$(grep -cvE '^[^ ;][^;]*(;[^;]+)* [1-9][0-9]*$' "$TMP/end.folded")
[ "$bad" -eq 0 ] || { cat "$TMP/end.folded"; fail "$bad lines are not 'frame;frame;... BYTES'"; }
want=$(json_get "$rep" 'sum(s["live_bytes_end"] for s in sites)')
got=$(sum "$TMP/end.folded")
[ "$got" = "$want" ] || { cat "$TMP/end.folded"; fail "folded lines sum to $got, the JSON report's live bytes to $want"; }

leak=$(grep ';grow_leaky_list [0-9]*$' "$TMP/end.folded")
[ "$(printf '%s\n' "$leak" | grep -c .)" -eq 1 ] || { cat "$TMP/end.folded"; fail "expected one stack ending in grow_leaky_list"; }
case $leak in
*";main;grow_leaky_list $((kib * 1024))") ;;
*) fail "leak line '$leak': want outermost first, ending main;grow_leaky_list $((kib * 1024))" ;;
esac

fold "$TMP/peak.folded" --metric peak
want=$(json_get "$rep" 'sum(s["peak_live_bytes"] for s in sites)')
got=$(sum "$TMP/peak.folded")
[ "$got" = "$want" ] || fail "--metric peak sums to $got, the peaks in JSON to $want"

# Half-way through, the leak holds some but not all of its final bytes.
fold "$TMP/mid.folded" --at 1
mid=$(grep ';grow_leaky_list [0-9]*$' "$TMP/mid.folded" | awk '{ print $NF }')
[ -n "$mid" ] && [ "$mid" -gt 0 ] && [ "$mid" -lt $((kib * 1024)) ] ||
	fail "--at 1: grow_leaky_list holds '$mid' bytes, want between 0 and $((kib * 1024))"

# --metric growth (live bytes minus the site's lowest point): the leak grew by most of what it
# holds; flat_once, which allocated once and kept it, did not grow at all.
fold "$TMP/growth.folded" --metric growth
g=$(grep ';grow_leaky_list [0-9]*$' "$TMP/growth.folded" | awk '{ print $NF }')
[ -n "$g" ] && [ "$g" -gt $((kib * 1024 / 2)) ] && [ "$g" -le $((kib * 1024)) ] ||
	{ cat "$TMP/growth.folded"; fail "--metric growth: grow_leaky_list grew '$g' bytes, want (half of, all of] $((kib * 1024))"; }
! grep -q ';flat_once ' "$TMP/growth.folded" || fail "--metric growth lists flat_once, which never grew"
grep -q ';flat_once 262144$' "$TMP/end.folded" || fail "flat_once's 256 KiB missing from the default output"

"$GROWTH" report --format folded --metric bogus "$trace" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--metric bogus did not exit 2"
"$GROWTH" report --format folded --at -1 "$trace" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--at -1 did not exit 2"
pass
