#!/bin/sh
# growth check: a site that grows for seconds and is freed before exit leaks nothing but fails on
# growth (exit 1, named in the output); a growth: suppression (file or GROWTH_SUPPRESSIONS) or
# --no-fail-on-growth lets it pass, and the report says which suppressions matched and which not;
# --max-rss-rate fails it on RSS growth alone.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow_then_free"

preload "$TMP/growth.%e.%p.zst" "$PROGS/grow_then_free" 5 >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "grow_then_free exited $?"; }
only_trace "$TMP"

"$GROWTH" check "$trace" >"$TMP/c1" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/c1"; fail "growth check exited $rc on a growing site, expected 1"; }
grep -q "1 growing site at grow_then_free_append (" "$TMP/c1" || { cat "$TMP/c1"; fail "the reason does not name grow_then_free_append"; }
grep -q "^  GROWING: heap site" "$TMP/c1" || { cat "$TMP/c1"; fail "no GROWING culprit"; }
grep -q "leaked at exit" "$TMP/c1" && { cat "$TMP/c1"; fail "grow_then_free frees everything, yet a leak was reported"; }

cat >"$TMP/supp" <<'SUPP'
# the list is meant to grow while the job runs
growth: grow_then_free_append
leak:never_matches_anything_*
SUPP
"$GROWTH" check --suppressions "$TMP/supp" "$trace" >"$TMP/c2" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/c2"; fail "growth check with a growth: suppression exited $rc, expected 0"; }
grep -q "growth:grow_then_free_append ($TMP/supp:2): 1 site" "$TMP/c2" || { cat "$TMP/c2"; fail "the used suppression is not listed with its file:line and count"; }
sed -n '/suppressions unused/,$p' "$TMP/c2" | grep -q "leak:never_matches_anything_\* ($TMP/supp:3)" || { cat "$TMP/c2"; fail "the unused suppression is not listed as unused"; }

GROWTH_SUPPRESSIONS="/nonexistent-but-unused:$TMP/supp" "$GROWTH" check "$trace" >"$TMP/c3" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$TMP/c3"; fail "GROWTH_SUPPRESSIONS naming a missing file: exit $rc, expected 2"; }
GROWTH_SUPPRESSIONS="$TMP/supp" "$GROWTH" check "$trace" >"$TMP/c3" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/c3"; fail "growth: suppression through GROWTH_SUPPRESSIONS: exit $rc, expected 0"; }

"$GROWTH" check --no-fail-on-growth "$trace" >"$TMP/c4" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/c4"; fail "--no-fail-on-growth exited $rc, expected 0"; }

# --max-rss-rate: 4 MB in 5 s of RSS is far above 1KB/s and far below 1GiB/min.
"$GROWTH" check --no-fail-on-growth --max-rss-rate 1KB/s "$trace" >"$TMP/c6" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "RSS grows .* above --max-rss-rate 1000 bytes/s" "$TMP/c6" || { cat "$TMP/c6"; fail "--max-rss-rate 1KB/s: exit $rc, expected 1 with the RSS reason"; }
"$GROWTH" check --no-fail-on-growth --max-rss-rate 1GiB/min "$trace" >"$TMP/c7" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/c7"; fail "--max-rss-rate 1GiB/min: exit $rc, expected 0"; }

# A leak: suppression does not hide growth.
printf 'leak:grow_then_free_append\n' >"$TMP/leaksupp"
"$GROWTH" check --suppressions "$TMP/leaksupp" "$trace" >"$TMP/c5" 2>&1
[ $? -eq 1 ] || { cat "$TMP/c5"; fail "a leak: suppression hid growth"; }
pass
