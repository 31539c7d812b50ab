#!/bin/sh
# growth report --format html: one self-contained page that a real browser (headless chromium)
# renders without console errors: the script draws the RSS, tracked and per-site lines as SVG
# paths, highlights the growing site with its flag dot, and the page names grow_leaky_list.
# Untrusted strings (here the program's argv) are escaped: no injected element reaches the DOM.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow"
CHROME=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { CHROME=$c; break; }
done
[ -n "$CHROME" ] || skip "chromium not installed (make deps installs it when it can)"

evil='<img src=x id=evil onerror=alert(1)>&amp;"'"'"
preload "$TMP/growth.%e.%p.zst" "$PROGS/grow" 4 16 20 "$evil" >"$TMP/out" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "grow failed"; }
only_trace "$TMP"
html=$TMP/report.html
"$GROWTH" report --format html -o "$html" "$trace" 2>"$TMP/rep.err" ||
	{ cat "$TMP/rep.err"; fail "growth report --format html exited $?"; }

# Self-contained: nothing to fetch (the SVG namespace URI is a name, not a request).
ext='<[a-z]+[^>]* (src|href)=|<link|@import|url\(|https?://[^"'"'"' ]*'
if grep -Eo "$ext" "$html" | grep -v '^http://www.w3.org/2000/svg$' | grep -q .; then
	grep -Eo "$ext" "$html"
	fail "the page refers to something outside itself"
fi

chrome() {
	timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TMP/profile" --enable-logging=stderr --v=0 "$@" "file://$html"
}
chrome --dump-dom >"$TMP/dom.html" 2>"$TMP/chrome.err"
rc=$?
[ $rc -eq 0 ] && [ -s "$TMP/dom.html" ] || { tail -n 20 "$TMP/chrome.err"; fail "chromium --dump-dom exited $rc"; }
if grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE\(' "$TMP/chrome.err"; then
	fail "console errors while rendering the page"
fi

# count PATTERN: how many times the rendered DOM holds PATTERN.
count() {
	grep -oE "$1" "$TMP/dom.html" | wc -l
}
[ "$(count '<path d="M[0-9.]+ [0-9.]+L[^"]*" class="series rss"')" -eq 1 ] || fail "no RSS line drawn"
[ "$(count '<path d="M[0-9.]+ [0-9.]+L[^"]*" class="series tracked"')" -eq 1 ] || fail "no tracked line drawn"
[ "$(count 'class="series site growing"')" -eq 1 ] || fail "not exactly one growing site line drawn"
[ "$(count 'class="series site"')" -ge 1 ] || fail "no line for the non-growing sites"
[ "$(count '<circle [^>]*class="flag"')" -eq 1 ] || fail "no dot where the leak was flagged"
[ "$(count 'class="limit"')" -eq 1 ] || fail "the memory limit is not drawn"
# The leak's line has many points, rising: compare its first and last y (SVG y grows downward).
d=$(grep -oE '<path d="[^"]*" class="series site growing"' "$TMP/dom.html" | sed 's/^<path d="//; s/".*//')
[ "$(echo "$d" | tr 'ML' '\n\n' | grep -c .)" -ge 10 ] || fail "the leak's line has too few points: $d"
y0=$(echo "$d" | tr 'ML' '\n\n' | grep . | head -n 1 | cut -d' ' -f2)
y1=$(echo "$d" | tr 'ML' '\n\n' | grep . | tail -n 1 | cut -d' ' -f2)
awk -v a="$y0" -v b="$y1" 'BEGIN { exit !(b < a) }' || fail "the leak's line does not rise ($y0 -> $y1)"

# Every listed site got its sparkline; the leak's (listed first) is the highlighted one.
rows=$(count '<span class="spark" data-site="[0-9]+">')
[ "$rows" -ge 2 ] && [ "$(count '<span class="spark" data-site="[0-9]+"><svg [^>]*><path d="M')" -eq "$rows" ] ||
	fail "not every listed site has a sparkline"
grep -qE '<span class="spark" data-site="0"><svg [^>]*><path d="M[^"]*" class="growing"' "$TMP/dom.html" ||
	fail "the first site's sparkline is not the growing one"

# The growing site is named, open, with its stack.
grep -q '<details open=""><summary class="grow">grow_leaky_list' "$TMP/dom.html" ||
	fail "grow_leaky_list is not the open, highlighted site"
grep -q '<li>main <span class="where">[^<]*/grow.c:' "$TMP/dom.html" || fail "the stack does not show main in grow.c"

# Escaping: the argv string is shown as text, never as an element.
if grep -q 'id="evil"' "$TMP/dom.html" || grep -q '<img' "$TMP/dom.html"; then
	fail "the argv string became markup"
fi
grep -qF '&lt;img src=x id=evil onerror=alert(1)&gt;&amp;amp;"'"'" "$TMP/dom.html" ||
	fail "the argv string is not shown escaped"

chrome --screenshot="$TMP/shot.png" --window-size=1200,1600 >/dev/null 2>&1
[ -s "$TMP/shot.png" ] || fail "chromium --screenshot wrote nothing"
pass
