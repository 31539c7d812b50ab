#!/bin/sh
# Scenario: the live warning. Under `growth run` (GROWTH_WARN on by default) a leaking program
# gets one "growth: site N is growing" line on stderr naming the leaking function, in the first
# half of its run, and a WARN record in its trace; programs whose memory is flat, levels off or
# saw-tooths get none; the program's stdout is unchanged. A leak that speeds up is warned about
# again each time its projected time to the limit halves. GROWTH_WARN_FILE moves the lines to a
# file. The programs run side by side (they mostly sleep) to keep the test short.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow" "$PROGS/killme" "$PROGS/exitcode" "$PROGS/plateau" "$PROGS/accel"

warn_re='^growth: site [0-9][0-9]* is (still )?growing: [0-9.]* MiB/min, [0-9.]* MiB live, (limit in ~[0-9.]* (s|min|h|days)|no memory limit known): '
warn_rec='^#[0-9]* @[0-9]* WARN '

# run NAME ARGS...: `growth run` of a test program into $TMP/NAME/, output in $TMP/NAME.out/.err.
run() {
	_n=$1
	shift
	mkdir -p "$TMP/$_n"
	"$GROWTH" run -o "$TMP/$_n/t.%p.zst" -- "$PROGS/$_n" "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err"
	echo $? >"$TMP/$_n.rc"
}

# grow leaks 16 KiB every 20 ms in grow_leaky_list for 6 s; accel's leak doubles its rate every
# second; plateau fills a cache then stays, beside a saw-tooth; exitcode allocates a little.
run grow 6 16 20 &
GROWTH_LIMIT=512M run accel 6 &
run plateau 3 &
run exitcode exit &
# killme (leaks until killed) with GROWTH_WARN_FILE, under a plain LD_PRELOAD. Started by env,
# not by the preload function: `preload ... &` would make $! a subshell, and killing that left
# killme running (and leaking) after the test.
mkdir -p "$TMP/killme"
env GROWTH_WARN=1 GROWTH_WARN_FILE="$TMP/warn.log" GROWTH_OUTPUT="$TMP/killme/t.%p.zst" \
	LD_PRELOAD="$LIBGROWTH" "$PROGS/killme" >/dev/null 2>"$TMP/killme.err" &
pid=$!
i=0
while [ $i -lt 300 ] && ! grep -q 'is growing' "$TMP/warn.log" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
kill -KILL $pid 2>/dev/null
wait

# 1. The leak: one warning naming grow_leaky_list, early, with its WARN record.
[ "$(cat "$TMP/grow.rc")" -eq 0 ] || { cat "$TMP/grow.err"; fail "growth run grow exited $(cat "$TMP/grow.rc")"; }
grep -E "$warn_re" "$TMP/grow.err" >"$TMP/grow.warn"
n=$(wc -l <"$TMP/grow.warn")
[ "$n" -eq 1 ] || { cat "$TMP/grow.err"; fail "expected one live warning for grow, got $n"; }
grep -Eq "$warn_re"'grow_leaky_list \(' "$TMP/grow.warn" ||
	{ cat "$TMP/grow.warn"; fail "the warning does not name grow_leaky_list first"; }
grep -q ' <- main$' "$TMP/grow.warn" || { cat "$TMP/grow.warn"; fail "the warning's stack does not end at main"; }
site=$(sed -n 's/^growth: site \([0-9]*\) is growing.*/\1/p' "$TMP/grow.warn")
grep -q '^grow: done, [0-9]* KiB leaked$' "$TMP/grow.out" || { cat "$TMP/grow.out"; fail "grow's stdout is not its own"; }
grep -q 'growth' "$TMP/grow.out" && fail "growth wrote on grow's stdout"
only_trace "$TMP/grow"
"$GROWTH" dump "$trace" >"$TMP/grow.dump" 2>&1 || { tail "$TMP/grow.dump"; fail "growth dump failed"; }
grep -q "$warn_rec""t=[0-9.]*s site=$site live_bytes=[1-9][0-9]* slope_bytes_per_s=[1-9][0-9]* time_to_limit_s=[1-9]" "$TMP/grow.dump" ||
	{ grep WARN "$TMP/grow.dump"; fail "the trace has no WARN record for site $site"; }
nw=$(grep -c "$warn_rec" "$TMP/grow.dump")
[ "$nw" -eq 1 ] || fail "expected one WARN record, found $nw"
t_warn=$(sed -n 's/^#[0-9]* @[0-9]* WARN t=\([0-9.]*\)s.*/\1/p' "$TMP/grow.dump")
t_end=$(sed -n 's/^#[0-9]* @[0-9]* END t=\([0-9.]*\)s.*/\1/p' "$TMP/grow.dump")
[ -n "$t_end" ] || fail "the trace has no END record"
awk -v w="$t_warn" -v e="$t_end" 'BEGIN { exit !(w > 0 && w <= e / 2) }' ||
	fail "the warning came at ${t_warn}s, not in the first half of the ${t_end}s run"
rep=$TMP/grow.json
report_json "$trace" "$rep"
json_check "$rep" '[w["site"] for w in r["warnings"]] == [one("grow_leaky_list")["id"]] == ['"$site"']' \
	"the JSON report lists the one warning, for grow_leaky_list's site $site"

# 2. Flat, plateau and saw-tooth programs: no warning, stdout exactly as without growth.
printf 'plateau: 3 s\nplateau: done, cache 2048 KiB\n' >"$TMP/plateau.plain"
"$PROGS/exitcode" exit >"$TMP/exitcode.plain" 2>/dev/null
for name in exitcode plateau; do
	grep -q 'is growing' "$TMP/$name.err" && { cat "$TMP/$name.err"; fail "$name got a live warning"; }
	cmp -s "$TMP/$name.plain" "$TMP/$name.out" || { diff "$TMP/$name.plain" "$TMP/$name.out"; fail "$name's stdout differs under growth run"; }
	only_trace "$TMP/$name"
	"$GROWTH" dump "$trace" 2>&1 | grep -q ' WARN ' && fail "$name's trace has a WARN record"
done

# 3. The speeding-up leak: warned first as growing, then again as still growing, each time with
# a projection at most half the one before (WARN records: whole seconds, so 1 s of slack).
grep -E "$warn_re" "$TMP/accel.err" >"$TMP/accel.warn"
n=$(wc -l <"$TMP/accel.warn")
[ "$n" -ge 2 ] || { cat "$TMP/accel.err"; fail "expected the accelerating leak to be warned about at least twice, got $n"; }
head -n 1 "$TMP/accel.warn" | grep -Eq 'is growing: .*: accel_leak \(' || { cat "$TMP/accel.warn"; fail "accel's first warning"; }
[ "$(grep -c 'is still growing: .*: accel_leak (' "$TMP/accel.warn")" -eq $((n - 1)) ] ||
	{ cat "$TMP/accel.warn"; fail "accel's later warnings should say 'still growing'"; }
only_trace "$TMP/accel"
"$GROWTH" dump "$trace" 2>&1 | sed -n 's/^#[0-9]* @[0-9]* WARN .* time_to_limit_s=\([0-9]*\)$/\1/p' >"$TMP/accel.ttl"
[ "$(wc -l <"$TMP/accel.ttl")" -eq "$n" ] || fail "accel: $n warning lines but $(wc -l <"$TMP/accel.ttl") WARN records"
awk 'NR > 1 && !($1 > 0 && $1 <= prev / 2 + 1) { bad = 1 } { prev = $1 } END { exit bad }' "$TMP/accel.ttl" ||
	{ cat "$TMP/accel.ttl"; fail "accel's repeated warnings do not halve the projection each time"; }

# 4. GROWTH_WARN_FILE: killme's warning went to the file, not to its stderr.
grep -Eq "$warn_re"'grow_until_killed \(' "$TMP/warn.log" ||
	{ cat "$TMP/warn.log" "$TMP/killme.err"; fail "no warning naming grow_until_killed in GROWTH_WARN_FILE"; }
grep -q 'is growing' "$TMP/killme.err" && fail "the warning went to stderr despite GROWTH_WARN_FILE"
pass
