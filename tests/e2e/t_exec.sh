#!/bin/sh
# Exec: the old image's trace ends cleanly and the new image writes its own (same pid, a
# distinct name through %e, or a ".N" suffix when the names clash); GROWTH_FOLLOW_EXEC=0 keeps
# growth out of the new image.
. "$(dirname "$0")/lib.sh"
need "$PROGS/execer" "$PROGS/leaker"

# Distinct names through %e.
mkdir -p "$TMP/e"
preload "$TMP/e/growth.%e.%p.zst" "$PROGS/execer" "$PROGS/leaker" malloc >"$TMP/e/out" 2>"$TMP/e/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/e/err"; fail "execer leaker malloc exited $rc under growth"; }
pid=$(sed -n 's/^execer: \([0-9]*\) execs .*/\1/p' "$TMP/e/out")
grep -q '^leaker: malloc: leaked 10001 bytes$' "$TMP/e/out" || fail "leaker did not run after the exec"
[ -f "$TMP/e/growth.execer.$pid.zst" ] || { ls -la "$TMP/e"; fail "no growth.execer.$pid.zst for the image before exec"; }
[ -f "$TMP/e/growth.leaker.$pid.zst" ] || { ls -la "$TMP/e"; fail "no growth.leaker.$pid.zst for the image after exec"; }
report_json "$TMP/e/growth.execer.$pid.zst" "$TMP/e/before.json"
report_json "$TMP/e/growth.leaker.$pid.zst" "$TMP/e/after.json"
json_check "$TMP/e/before.json" 'r["truncated"] is False' "the trace before exec ends with an END record"
json_check "$TMP/e/before.json" 'one("before_exec_leak")["live_bytes_end"] == 10001' "before exec: before_exec_leak holds 10001 bytes"
json_check "$TMP/e/after.json" 'r["process"]["pid"] == '"$pid"' and r["process"]["exe"].endswith("/leaker")' "after exec: same pid, exe leaker"
json_check "$TMP/e/after.json" 'one("leak_with_malloc")["live_bytes_end"] == 10001' "after exec: leak_with_malloc holds 10001 bytes"
json_check "$TMP/e/after.json" 'within("before_exec_leak") == []' "after exec: nothing of the old image"

# The same name for both images: the second gets a suffix instead of clobbering the first.
mkdir -p "$TMP/p"
preload "$TMP/p/growth.%p.zst" "$PROGS/execer" "$PROGS/leaker" malloc >"$TMP/p/out" 2>"$TMP/p/err" ||
	{ cat "$TMP/p/err"; fail "execer exited non-zero with a clashing name"; }
n=$(traces_in "$TMP/p" | wc -l)
[ "$n" -eq 2 ] || { ls -la "$TMP/p"; fail "with growth.%p.zst, expected 2 traces (one per image), found $n"; }
for t in $(traces_in "$TMP/p"); do
	zstd -q -t "$t" || fail "zstd -t rejects $t"
done

# GROWTH_FOLLOW_EXEC=0: only the first image is profiled.
mkdir -p "$TMP/n"
GROWTH_FOLLOW_EXEC=0 preload "$TMP/n/growth.%e.%p.zst" "$PROGS/execer" "$PROGS/leaker" malloc >"$TMP/n/out" 2>"$TMP/n/err" ||
	{ cat "$TMP/n/err"; fail "execer exited non-zero with GROWTH_FOLLOW_EXEC=0"; }
n=$(traces_in "$TMP/n" | wc -l)
[ "$n" -eq 1 ] || { ls -la "$TMP/n"; fail "GROWTH_FOLLOW_EXEC=0: expected only the execer trace, found $n traces"; }
ls "$TMP/n" | grep -q '^growth\.execer\.' || { ls -la "$TMP/n"; fail "GROWTH_FOLLOW_EXEC=0: the one trace is not execer's"; }
pass
