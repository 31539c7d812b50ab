#!/bin/sh
# `make demo`: runs the recorder under `growth run`, then prints the full report of its trace.
# The report must name the growing site, PreRecordBuffer::push in recorder.cpp; this script
# fails if it does not, so the demo doubles as a check.
# Environment: GROWTH_BUILD (default <repo>/build), DEMO_SECONDS (default 6).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GROWTH_BUILD:-$root/build}
seconds=${DEMO_SECONDS:-6}
out=$build/demo

for f in "$build/growth" "$build/libgrowth.so" "$build/examples/recorder"; do
	[ -e "$f" ] || { echo "demo: missing $f (run 'make demo')" >&2; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/growth.recorder.*.zst

echo "== growth run -o $out/growth.%e.%p.zst -- recorder $seconds"
"$build/growth" run -o "$out/growth.%e.%p.zst" -- "$build/examples/recorder" "$seconds"

trace=$(ls -t "$out"/growth.recorder.*.zst 2>/dev/null | head -n 1)
[ -n "$trace" ] || { echo "demo: growth run left no trace in $out" >&2; exit 1; }
echo
echo "== growth report $trace"
"$build/growth" report "$trace" | tee "$out/report.txt"

if ! grep -q 'PreRecordBuffer::push' "$out/report.txt"; then
	echo "demo: the report does not name PreRecordBuffer::push" >&2
	exit 1
fi
