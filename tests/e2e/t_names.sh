#!/bin/sh
# Trace names: GROWTH_OUTPUT's %p and %e expand; an existing file is never overwritten (O_EXCL):
# a second run with the same fixed name writes a new file beside it and leaves the first intact.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leaker"

preload "$TMP/fixed.zst" "$PROGS/leaker" malloc >/dev/null 2>"$TMP/err1" || { cat "$TMP/err1"; fail "first run failed"; }
[ -f "$TMP/fixed.zst" ] || { ls -la "$TMP"; fail "no trace at the fixed name $TMP/fixed.zst"; }
sum1=$(cksum <"$TMP/fixed.zst")
preload "$TMP/fixed.zst" "$PROGS/leaker" calloc >/dev/null 2>"$TMP/err2" || { cat "$TMP/err2"; fail "second run failed"; }
[ "$(cksum <"$TMP/fixed.zst")" = "$sum1" ] || fail "the second run changed the first run's trace"
n=$(traces_in "$TMP" | wc -l)
[ "$n" -eq 2 ] || { ls -la "$TMP"; fail "expected the second run to write a second trace, found $n"; }
for t in $(traces_in "$TMP"); do
	report_json "$t" "$TMP/r.json"
	case $t in
	*/fixed.zst) json_check "$TMP/r.json" 'live("leak_with_malloc") == 10001' "the first trace is the malloc run" ;;
	*) json_check "$TMP/r.json" 'live("leak_with_calloc") == 21007' "the second trace ($(basename "$t")) is the calloc run" ;;
	esac
done

mkdir -p "$TMP/x"
preload "$TMP/x/a-%e-b-%p-c.zst" "$PROGS/leaker" none >"$TMP/x/out" 2>/dev/null
ls "$TMP/x" | grep -Eq '^a-leaker-b-[0-9]+-c\.zst$' || { ls -la "$TMP/x"; fail "%e and %p did not expand to a-leaker-b-<pid>-c.zst"; }
pass
