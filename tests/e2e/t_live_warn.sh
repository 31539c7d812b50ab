#!/bin/sh
# Scenario: the live warning. Under `growth run` (GROWTH_WARN on by default) a leaking program
# gets one "growth: site N is growing" line on stderr naming the leaking function, in the first
# half of its run, and a WARN record in its trace; programs whose memory is flat, levels off or
# saw-tooths get none; the program's stdout is unchanged. GROWTH_WARN_FILE moves the line to a
# file.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow" "$PROGS/killme" "$PROGS/exitcode" "$PROGS/plateau"

warn_re='^growth: site [0-9][0-9]* is growing: [0-9.]* MiB/min, [0-9.]* MiB live, (limit in ~[0-9.]* (s|min|h|days)|no memory limit known): '

# 1. The leak: grow leaks 16 KiB every 20 ms in grow_leaky_list for 6 s.
mkdir -p "$TMP/grow"
"$GROWTH" run -o "$TMP/grow/t.%p.zst" -- "$PROGS/grow" 6 16 20 >"$TMP/grow.out" 2>"$TMP/grow.err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/grow.err"; fail "growth run grow exited $rc"; }
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
grep -q "^#[0-9]* @[0-9]* WARN t=[0-9.]*s site=$site live_bytes=[1-9][0-9]* slope_bytes_per_s=[1-9][0-9]* " "$TMP/grow.dump" ||
	{ grep WARN "$TMP/grow.dump"; fail "the trace has no WARN record for site $site"; }
nw=$(grep -c '^#[0-9]* @[0-9]* WARN ' "$TMP/grow.dump")
[ "$nw" -eq 1 ] || fail "expected one WARN record, found $nw"
t_warn=$(sed -n 's/^#[0-9]* @[0-9]* WARN t=\([0-9.]*\)s.*/\1/p' "$TMP/grow.dump")
t_end=$(sed -n 's/^#[0-9]* @[0-9]* END t=\([0-9.]*\)s.*/\1/p' "$TMP/grow.dump")
[ -n "$t_end" ] || fail "the trace has no END record"
awk -v w="$t_warn" -v e="$t_end" 'BEGIN { exit !(w > 0 && w <= e / 2) }' ||
	fail "the warning came at ${t_warn}s, not in the first half of the ${t_end}s run"

# 2. Flat, plateau and saw-tooth programs: no warning, stdout exactly as without growth.
# plateau's stdout is fixed text; exitcode's is compared with a run without growth.
printf 'plateau: 3 s\nplateau: done, cache 2048 KiB\n' >"$TMP/plateau.plain"
"$PROGS/exitcode" exit >"$TMP/exitcode.plain" 2>/dev/null
for prog in "exitcode exit" "plateau 3"; do
	set -- $prog
	name=$1
	mkdir -p "$TMP/$name"
	"$GROWTH" run -o "$TMP/$name/t.%p.zst" -- "$PROGS/$name" "$2" >"$TMP/$name.out" 2>"$TMP/$name.err"
	grep -q 'is growing' "$TMP/$name.err" && { cat "$TMP/$name.err"; fail "$name got a live warning"; }
	cmp -s "$TMP/$name.plain" "$TMP/$name.out" || { diff "$TMP/$name.plain" "$TMP/$name.out"; fail "$name's stdout differs under growth run"; }
	only_trace "$TMP/$name"
	"$GROWTH" dump "$trace" 2>&1 | grep -q ' WARN ' && fail "$name's trace has a WARN record"
done

# 3. GROWTH_WARN_FILE: killme's warning goes to the file, not to its stderr.
mkdir -p "$TMP/killme"
GROWTH_WARN=1 GROWTH_WARN_FILE=$TMP/warn.log preload "$TMP/killme/t.%p.zst" "$PROGS/killme" \
	>/dev/null 2>"$TMP/killme.err" &
pid=$!
i=0
while [ $i -lt 300 ] && ! grep -q 'is growing' "$TMP/warn.log" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
grep -Eq "$warn_re"'grow_until_killed \(' "$TMP/warn.log" ||
	{ cat "$TMP/warn.log" "$TMP/killme.err"; fail "no warning naming grow_until_killed in GROWTH_WARN_FILE"; }
grep -q 'is growing' "$TMP/killme.err" && fail "the warning went to stderr despite GROWTH_WARN_FILE"

pass
