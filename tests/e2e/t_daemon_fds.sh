#!/bin/sh
# A daemon that closes every descriptor above stderr and opens its own log (likely on the
# number the trace had): its log holds exactly its own lines, never trace bytes, and the trace
# is still whole, with everything the daemon allocated after closing.
. "$(dirname "$0")/lib.sh"
need "$PROGS/daemonize"

mkdir -p "$TMP/t"
preload "$TMP/t/growth.%e.%p.zst" "$PROGS/daemonize" "$TMP/app.log" 1 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/err"; fail "daemonize exited $rc under growth"; }
"$PY" -c '
import sys
want = "".join("daemonize: line %d\n" % i for i in range(100))
got = open(sys.argv[1], "rb").read()
if got != want.encode():
    sys.exit("app.log: %d bytes, expected %d; first difference at byte %d" % (len(got), len(want),
             next((i for i, (a, b) in enumerate(zip(got, want.encode())) if a != b), min(len(got), len(want)))))
' "$TMP/app.log" || fail "the daemon's log file was written to by growth"
records=$(sed -n 's/^daemonize: \([0-9]*\) records, \([0-9]*\) bytes each$/\1 \2/p' "$TMP/out")
[ -n "$records" ] || fail "daemonize did not report its records"
only_trace "$TMP/t"
zstd -q -t "$trace" || fail "zstd -t rejects the trace"
report_json "$trace" "$TMP/r.json"
set -- $records
json_check "$TMP/r.json" 'live("daemon_leak") == '"$(($1 * $2))" "daemon_leak holds all $1 records, including those after the close"
json_check "$TMP/r.json" 'r["truncated"] is False' "the trace ends cleanly"
pass
