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

# The demo's point: the report flags the push site as growing, and nothing else.
"$build/growth" report --format json "$trace" >"$out/report.json"
python3 - "$out/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name = lambda s: (s["frames"][0].get("function") or "").split("(")[0] if s["frames"] else ""
growing = sorted({name(s) for s in r["sites"] if s["growing"]})
if growing != ["PreRecordBuffer::push"]:
    sys.exit("demo: expected PreRecordBuffer::push to be the one growing site, the report says %s"
             % (growing or "none"))
PY
