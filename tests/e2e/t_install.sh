#!/bin/sh
# make install DESTDIR=... PREFIX=/usr puts growth, libgrowth.so (where `growth run` looks:
# PREFIX/lib/growth) and the man pages growth(1) and libgrowth(7) in place; the installed growth
# runs a program and names its leak; man renders both pages; --help and --version answer;
# make uninstall removes every installed file.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leaker"
command -v make >/dev/null 2>&1 || skip "make not installed"

dest=$TMP/dest
# -o all: install what is built, never rebuild from here (the tests run on a finished build).
make -s -C "$ROOT" -o all install DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" >"$TMP/make.out" 2>&1 ||
	{ cat "$TMP/make.out"; fail "make install failed"; }
for f in usr/bin/growth usr/lib/growth/libgrowth.so usr/share/man/man1/growth.1 usr/share/man/man7/libgrowth.7; do
	[ -f "$dest/$f" ] || { find "$dest"; fail "make install did not install /$f"; }
done
[ "$(file_mode "$dest/usr/bin/growth")" = 755 ] || fail "growth is not mode 755"

g=$dest/usr/bin/growth
"$g" --version | grep -qE '^growth [0-9]+\.[0-9]+\.[0-9]+$' || fail "growth --version"
"$g" --help >"$TMP/help" || fail "growth --help exited $?"
for c in run report check diff dump; do
	grep -qE "^  $c " "$TMP/help" || { cat "$TMP/help"; fail "growth --help does not list $c"; }
	"$g" "$c" --help >"$TMP/help.$c" 2>&1 || fail "growth $c --help exited $?"
	grep -q "^usage: growth $c" "$TMP/help.$c" || fail "growth $c --help has no usage line"
	grep -q "^examples:" "$TMP/help.$c" || fail "growth $c --help has no examples"
done
for fmt in html folded pprof; do
	grep -q "$fmt" "$TMP/help.report" || fail "growth report --help does not describe --format $fmt"
done

# The installed growth finds the installed preload (nothing else is next to it).
mkdir -p "$TMP/run"
(cd "$TMP/run" && "$g" run -- "$PROGS/leaker" malloc) >"$TMP/run.out" 2>"$TMP/run.err" ||
	{ cat "$TMP/run.err"; fail "installed growth run exited $?"; }
grep -q '^growth: leaks at exit' "$TMP/run.err" || { cat "$TMP/run.err"; fail "installed growth run printed no report"; }
only_trace "$TMP/run"
"$g" report "$trace" >"$TMP/report" 2>&1 || { cat "$TMP/report"; fail "installed growth report exited $?"; }
grep -q leak_with_malloc "$TMP/report" || { cat "$TMP/report"; fail "the installed tree's report does not name leak_with_malloc"; }

if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -P cat -l "$dest/usr/share/man/man1/growth.1" >"$TMP/man1" 2>"$TMP/man1.err" ||
		{ cat "$TMP/man1.err"; fail "man -l growth.1 failed"; }
	grep -q 'GROWTH(1)' "$TMP/man1" && grep -q 'growth report' "$TMP/man1" &&
		grep -q 'EXIT STATUS' "$TMP/man1" || { cat "$TMP/man1"; fail "growth(1) does not render"; }
	for c in run report check diff dump; do
		grep -qE "^ {7}$c( |\$)" "$TMP/man1" || { cat "$TMP/man1"; fail "growth(1) does not describe $c"; }
	done
	MANWIDTH=80 man -P cat -l "$dest/usr/share/man/man7/libgrowth.7" >"$TMP/man7" 2>"$TMP/man7.err" ||
		{ cat "$TMP/man7.err"; fail "man -l libgrowth.7 failed"; }
	for v in GROWTH_OUTPUT GROWTH_INTERVAL_MS GROWTH_DEPTH GROWTH_LIMIT GROWTH_LOG GROWTH_DISABLE \
		GROWTH_FOLLOW_EXEC GROWTH_MAX_TRACE; do
		grep -q "^ *$v\$" "$TMP/man7" || { cat "$TMP/man7"; fail "libgrowth(7) does not describe $v"; }
	done
	[ -s "$TMP/man1.err" ] || [ -s "$TMP/man7.err" ] && { cat "$TMP/man1.err" "$TMP/man7.err"; fail "man printed warnings"; }
fi

make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/usr BUILD="$BUILD" >"$TMP/make.out" 2>&1 ||
	{ cat "$TMP/make.out"; fail "make uninstall failed"; }
left=$(find "$dest" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
pass
