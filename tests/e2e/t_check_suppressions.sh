#!/bin/sh
# Suppressions: leak: globs match a frame's function, source file or module; bad syntax is one
# clear error naming file:line (exit 2); a missing file is exit 2 too.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leaker"

preload "$TMP/growth.%e.%p.zst" "$PROGS/leaker" malloc >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "leaker exited $?"; }
only_trace "$TMP"

# supp EXPECTED_RC LINE: checks with a one-line suppressions file.
supp() {
	printf '%s\n' "$2" >"$TMP/s"
	"$GROWTH" check --suppressions "$TMP/s" "$trace" >"$TMP/c" 2>&1
	_rc=$?
	[ $_rc -eq "$1" ] || { cat "$TMP/c"; fail "suppression '$2': exit $_rc, expected $1"; }
}
supp 0 "leak:leak_with_malloc"
grep -q "leak:leak_with_malloc ($TMP/s:1): 1 site, 1 allocation, 10001 bytes" "$TMP/c" || { cat "$TMP/c"; fail "the used suppression's count and bytes are not listed"; }
supp 0 "leak:leak_with_*"
supp 0 "  leak :  leak_with_mall?c  "
supp 0 "leak:leaker.c"
supp 0 "leak:*/tests/programs/leaker.c"
supp 1 "leak:leak_with_calloc"
supp 1 "growth:leak_with_malloc"
supp 1 "leak:main.c"
# A module glob matches the whole stack that passes through it: the program's own binary.
supp 0 "leak:*/leaker"

printf '# comment\n\nleak:ok\nleek:oops\n' >"$TMP/bad"
"$GROWTH" check --suppressions "$TMP/bad" "$trace" >"$TMP/c" 2>"$TMP/e"
rc=$?
[ $rc -eq 2 ] || { cat "$TMP/c" "$TMP/e"; fail "bad suppression syntax: exit $rc, expected 2"; }
[ "$(wc -l <"$TMP/e")" -eq 1 ] || { cat "$TMP/e"; fail "bad suppression syntax: not exactly one error line"; }
grep -q "$TMP/bad:4: unknown suppression kind 'leek'" "$TMP/e" || { cat "$TMP/e"; fail "the error does not name $TMP/bad:4 and the bad kind"; }
printf 'leak_with_malloc\n' >"$TMP/bad2"
"$GROWTH" check --suppressions "$TMP/bad2" "$trace" >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] && grep -q "$TMP/bad2:1: expected 'leak:PATTERN' or 'growth:PATTERN'" "$TMP/e" || { cat "$TMP/e"; fail "a line without a kind: not one clear error at :1"; }
printf 'growth:\n' >"$TMP/bad3"
"$GROWTH" check --suppressions "$TMP/bad3" "$trace" >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] && grep -q "$TMP/bad3:1: empty pattern" "$TMP/e" || { cat "$TMP/e"; fail "an empty pattern: not one clear error at :1"; }
"$GROWTH" check --suppressions "$TMP/missing" "$trace" >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] && grep -q "$TMP/missing" "$TMP/e" || { cat "$TMP/e"; fail "a missing suppressions file: not exit 2 naming it"; }
pass
