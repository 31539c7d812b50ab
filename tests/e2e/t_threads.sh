#!/bin/sh
# Scenario 4: threads. Four workers churn through churn_work, thread_leaker leaks 10001 bytes
# every 20 ms on its own thread, and messages allocated by produce_message are freed on the
# consumer thread: only thread_leaker grows, and it holds exactly what it leaked.
. "$(dirname "$0")/lib.sh"
need "$PROGS/threads"

preload "$TMP/growth.%e.%p.zst" "$PROGS/threads" 4 4 >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/err"; fail "threads exited $rc under growth"; }
bytes=$(sed -n 's/^threads: thread_leaker leaked \([0-9]*\) bytes$/\1/p' "$TMP/out")
[ -n "$bytes" ] || fail "threads did not say how much it leaked"
only_trace "$TMP"
rep=$TMP/report.json
report_json "$trace" "$rep"

json_check "$rep" 'one("thread_leaker")["live_bytes_end"] == '"$bytes" "thread_leaker holds exactly the $bytes bytes it leaked"
json_check "$rep" 'one("thread_leaker")["allocs"] == '"$bytes"' // 10001 and one("thread_leaker")["frees"] == 0' "thread_leaker: one alloc per 10001 bytes, no frees"
json_check "$rep" 'one("thread_leaker")["growing"] is True' "thread_leaker is flagged growing"
json_check "$rep" 'one("produce_message")["growing"] is False' "the producer/consumer site is not growing"
json_check "$rep" 'one("produce_message")["live_bytes_end"] == 0' "every message was freed by the consumer"
json_check "$rep" 'one("produce_message")["allocs"] == one("produce_message")["frees"] > 0' "messages: allocs == frees (freed on another thread)"
json_check "$rep" 'not any(s["growing"] for s in at0("churn_work"))' "churn_work is not growing"
json_check "$rep" 'sum(s["live_bytes_end"] for s in at0("churn_work")) == 0' "churn_work frees everything"
json_check "$rep" 'sum(s["allocs"] for s in at0("churn_work")) == sum(s["frees"] for s in at0("churn_work")) > 1000' "churn_work: allocs == frees"
pass
