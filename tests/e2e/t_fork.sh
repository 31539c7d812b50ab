#!/bin/sh
# Scenario 5: fork. The parent and the child each get their own trace, named by their own pid;
# the child's holds child_leak (20002 bytes), the parent's parent_leak (10001 bytes) and not the
# child's leak. The parent passes the child's exit status on. In sampled mode with a period no
# allocation of theirs reaches, the child still starts its own trace at its first allocation.
. "$(dirname "$0")/lib.sh"
need "$PROGS/forker"

preload "$TMP/growth.%p.zst" "$PROGS/forker" 5 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 5 ] || { cat "$TMP/err"; fail "forker 5 exited $rc under growth, not 5"; }
ppid=$(sed -n 's/^forker: parent \([0-9]*\)$/\1/p' "$TMP/out")
cpid=$(sed -n 's/^forker: child \([0-9]*\)$/\1/p' "$TMP/out")
[ -n "$ppid" ] && [ -n "$cpid" ] || fail "forker did not print both pids: $(cat "$TMP/out")"
n=$(traces_in "$TMP" | wc -l)
[ "$n" -eq 2 ] || { ls -la "$TMP"; fail "expected 2 traces (parent and child), found $n"; }
[ -f "$TMP/growth.$ppid.zst" ] || { ls -la "$TMP"; fail "no trace growth.$ppid.zst for the parent"; }
[ -f "$TMP/growth.$cpid.zst" ] || { ls -la "$TMP"; fail "no trace growth.$cpid.zst for the child"; }

report_json "$TMP/growth.$ppid.zst" "$TMP/parent.json"
report_json "$TMP/growth.$cpid.zst" "$TMP/child.json"
json_check "$TMP/parent.json" 'r["process"]["pid"] == '"$ppid" "the parent's trace has the parent's pid"
json_check "$TMP/parent.json" 'one("parent_leak")["live_bytes_end"] == 10001' "parent: parent_leak holds 10001 bytes"
json_check "$TMP/parent.json" 'within("child_leak") == []' "parent: no child_leak site"
json_check "$TMP/parent.json" 'r["truncated"] is False' "parent: trace ended cleanly"
json_check "$TMP/child.json" 'r["process"]["pid"] == '"$cpid" "the child's trace has the child's pid"
json_check "$TMP/child.json" 'one("child_leak")["live_bytes_end"] == 20002' "child: child_leak holds 20002 bytes"
json_check "$TMP/child.json" 'one("parent_leak")["live_bytes_end"] == 10001' "child: the inherited parent_leak block is live in the child too"
json_check "$TMP/child.json" 'r["truncated"] is False' "child: trace ended cleanly (exit, not _exit)"
zstd -q -t "$TMP/growth.$cpid.zst" || fail "zstd -t rejects the child's trace"

mkdir "$TMP/s"
GROWTH_SAMPLE=1G preload "$TMP/s/growth.%p.zst" "$PROGS/forker" 5 >"$TMP/s/out" 2>"$TMP/s/err"
rc=$?
[ $rc -eq 5 ] || { cat "$TMP/s/err"; fail "forker 5 exited $rc under GROWTH_SAMPLE=1G, not 5"; }
cpid=$(sed -n 's/^forker: child \([0-9]*\)$/\1/p' "$TMP/s/out")
[ -n "$cpid" ] || fail "sampled: forker did not print the child's pid: $(cat "$TMP/s/out")"
[ -f "$TMP/s/growth.$cpid.zst" ] || { ls -la "$TMP/s"; fail "sampled: no trace growth.$cpid.zst for the child"; }
report_json "$TMP/s/growth.$cpid.zst" "$TMP/s/child.json"
json_check "$TMP/s/child.json" 'r["process"]["pid"] == '"$cpid" "sampled: the child's trace has the child's pid"
json_check "$TMP/s/child.json" 'r["sampled"] is True and r["truncated"] is False' "sampled: the child's trace is sampled and ended cleanly"
pass
