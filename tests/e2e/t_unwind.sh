#!/bin/sh
# The fast stack walker (preload/cfi_unwind.c) must give exactly libunwind's frames. Under
# GROWTH_UNWIND=check every capture is walked by both and compared; the library prints the
# totals at exit. Then the same program under GROWTH_UNWIND=fast and =libunwind must report the
# same set of symbolized stacks.
. "$(dirname "$0")/lib.sh"
need "$PROGS/threads" "$PROGS/cxxcheck" "$PROGS/grow" "$PROGS/deepstack" "$PROGS/manysites"

# check_run NAME CMD...: runs CMD in check mode; fails on a mismatch (in the frames, or in the
# stack key that the walker finds without hashing: preload/stackhash.h), when the fast walker
# did not handle at least 90% of the captures, or found the key of fewer than KEYED_PCT percent
# of those (default 50; walks cut by the depth cap have no key; plain walks sum theirs), or made
# fewer than PLAIN_MIN plain walks (default 0) or more than PLAIN_MAX (default: any number).
check_run() {
	_name=$1
	shift
	GROWTH_UNWIND=check preload "$TMP/$_name.%p.zst" "$@" >"$TMP/$_name.out" 2>"$TMP/$_name.err"
	_rc=$?
	[ $_rc -eq 0 ] || { cat "$TMP/$_name.err"; fail "$_name exited $_rc under GROWTH_UNWIND=check"; }
	_line=$(grep '^growth: unwind check: ' "$TMP/$_name.err" | tail -n 1)
	[ -n "$_line" ] || { cat "$TMP/$_name.err"; fail "$_name: no unwind check summary"; }
	set -- $(echo "$_line" | sed 's/^growth: unwind check: \([0-9]*\) captures, \([0-9]*\) by the fast walker (\([0-9]*\) with their key, \([0-9]*\) plain), \([0-9]*\) mismatches$/\1 \2 \3 \4 \5/')
	[ $# -eq 5 ] || fail "$_name: unexpected summary: $_line"
	[ "$1" -ge 100 ] || fail "$_name: only $1 captures"
	[ "$5" -eq 0 ] || { cat "$TMP/$_name.err"; fail "$_name: $5 of $2 fast walks differ from libunwind"; }
	[ "$4" -ge "${PLAIN_MIN:-0}" ] || fail "$_name: only $4 plain walks (want >= $PLAIN_MIN)"
	[ -z "${PLAIN_MAX:-}" ] || [ "$4" -le "$PLAIN_MAX" ] ||
		fail "$_name: $4 plain walks (want <= $PLAIN_MAX): $_line"
	[ $(($2 * 10)) -ge $(($1 * 9)) ] || fail "$_name: the fast walker handled only $2 of $1 captures"
	[ $(($3 * 100)) -ge $(($2 * ${KEYED_PCT:-50})) ] ||
		fail "$_name: the walker found the key of only $3 of $2 stacks"
}

check_run cxxcheck "$PROGS/cxxcheck"
check_run grow "$PROGS/grow" 1 4 10
check_run python "$PY" -c 'import json; x=[json.dumps({"k": [i, str(i)]}) for i in range(20000)]; print(len(x))'
# Stacks of 1-300 frames, with and without frame pointers and with alloca, deeper or shallower
# from one allocation to the next. Consecutive walks share few frames, so the walker soon makes
# plain walks (cfi_unwind.c); GROWTH_UNWIND_PLAIN=0 makes it reuse the previous walk all the
# same, which takes its rare paths: at the default depth most walks are cut by the cap; at 256
# stacks are deeper than the 80 frames it keeps, and walks go on past a kept walk that was cut.
# At 256 the plain walks are those of `deepstack 2000 leaf` (allocations at the leaf only): whether
# the allocations on the way back make reuse pay depends on the compiler's frame layout (with
# clang's it does), so the plain case does not depend on that.
# A thread with stacks of steady depth (threads) makes no plain walks.
PLAIN_MAX=0 check_run threads "$PROGS/threads" 1 2
KEYED_PCT=90 PLAIN_MIN=1000 check_run deepstack_plain "$PROGS/deepstack" 2000
GROWTH_DEPTH=256 KEYED_PCT=90 PLAIN_MIN=1000 check_run deepstack256_plain "$PROGS/deepstack" 2000 leaf
GROWTH_UNWIND_PLAIN=0 PLAIN_MAX=0 KEYED_PCT=0 check_run deepstack "$PROGS/deepstack" 2000
GROWTH_UNWIND_PLAIN=0 PLAIN_MAX=0 GROWTH_DEPTH=256 KEYED_PCT=10 check_run deepstack256 "$PROGS/deepstack" 2000

# Allocations from 4096 functions in turn: more return addresses than a thread's rule cache
# starts with, so it must grow, its rules intact.
# The same with a library loaded and unloaded every round (each dlclose empties every thread's
# cache): the refills must not keep the cache from growing.
for _case in "manysites 8" "manysites_dlclose 12 dlclose"; do
	set -- $_case
	_n=$1
	shift
	GROWTH_LOG=debug check_run "$_n" "$PROGS/manysites" "$@"
	grep -q "rule cache grows to 16384 entries" "$TMP/$_n.err" ||
		{ cat "$TMP/$_n.err"; fail "$_n: the rule cache did not grow"; }
done

# stacks MODE: the sorted symbolized stacks of grow's sites under GROWTH_UNWIND=MODE.
stacks() {
	mkdir -p "$TMP/$1"
	GROWTH_UNWIND=$1 preload "$TMP/$1/g.zst" "$PROGS/grow" 1 4 10 >/dev/null 2>"$TMP/$1.err" ||
		{ cat "$TMP/$1.err"; fail "grow failed under GROWTH_UNWIND=$1"; }
	report_json "$TMP/$1/g.zst" "$TMP/$1.json"
	json_get "$TMP/$1.json" '"\n".join(sorted(set(" < ".join(fn(f) for f in s["frames"]) for s in sites)))' >"$TMP/$1.stacks"
}
stacks fast
stacks libunwind
grep -q 'grow_leaky_list' "$TMP/fast.stacks" || { cat "$TMP/fast.stacks"; fail "no grow_leaky_list stack under the fast walker"; }
diff "$TMP/libunwind.stacks" "$TMP/fast.stacks" >"$TMP/diff" ||
	{ cat "$TMP/diff"; fail "the fast walker's stacks differ from libunwind's"; }
pass
