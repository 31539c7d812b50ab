#!/bin/sh
# growth report --format pprof: a gzipped profile.proto that `go tool pprof` reads. For grow,
# -top lists grow_leaky_list first by live bytes (inuse_space, the default) with exactly the
# bytes it leaked; -traces shows its stack; the other sample types are present and sensible.
. "$(dirname "$0")/lib.sh"
need "$PROGS/grow"
command -v "${GO:-go}" >/dev/null 2>&1 || skip "go not installed (make deps installs golang-go)"
GO=${GO:-go}
export HOME=$TMP GOCACHE=$TMP/gocache GOFLAGS=-mod=mod

preload "$TMP/growth.%e.%p.zst" "$PROGS/grow" 2 16 20 >"$TMP/out" 2>"$TMP/err" ||
	{ cat "$TMP/err"; fail "grow failed"; }
kib=$(sed -n 's/^grow: done, \([0-9]*\) KiB leaked$/\1/p' "$TMP/out")
[ -n "$kib" ] || fail "grow did not say how much it leaked"
only_trace "$TMP"
prof=$TMP/live.pb.gz
"$GROWTH" report --format pprof -o "$prof" "$trace" 2>"$TMP/rep.err" ||
	{ cat "$TMP/rep.err"; fail "growth report --format pprof exited $?"; }
[ "$(head -c 2 "$prof" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "the profile is not gzip"

# top INDEX: go tool pprof -top for one sample type, the table rows only.
top() {
	"$GO" tool pprof -sample_index="$1" -top "$prof" >"$TMP/top.$1" 2>"$TMP/top.$1.err" ||
		{ cat "$TMP/top.$1.err"; fail "go tool pprof -sample_index=$1 -top exited $?"; }
	sed -n '/flat%/,$p' "$TMP/top.$1" | sed 1d
}

first=$(top inuse_space | head -n 1)
[ "$(echo "$first" | awk '{ print $NF }')" = grow_leaky_list ] ||
	{ cat "$TMP/top.inuse_space"; fail "pprof -top: first row is '$first', not grow_leaky_list"; }
"$GO" tool pprof -raw "$prof" >"$TMP/raw" 2>&1 || { cat "$TMP/raw"; fail "go tool pprof -raw failed"; }
grep -q 'inuse_space/bytes' "$TMP/raw" && grep -q 'inuse_objects/count' "$TMP/raw" &&
	grep -q 'alloc_space/bytes' "$TMP/raw" && grep -q 'alloc_objects/count' "$TMP/raw" ||
	{ head -n 5 "$TMP/raw"; fail "sample types missing"; }
# The leak's sample, exactly (grow leaks 1 KiB blocks), from the -raw listing "v1 v2 v3 v4: ids".
want="$((kib * 1024)) $kib $((kib * 1024)) $kib:"
awk '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 } on { $1 = $1; print }' "$TMP/raw" |
	grep -q "^$want" ||
	{ cat "$TMP/raw"; fail "no sample with values '$want' (the leak: bytes, objects, bytes, allocs)"; }

"$GO" tool pprof -traces "$prof" >"$TMP/traces" 2>&1 || { cat "$TMP/traces"; fail "pprof -traces failed"; }
grep -A1 'grow_leaky_list' "$TMP/traces" | grep -q 'main' ||
	{ cat "$TMP/traces"; fail "pprof -traces: grow_leaky_list is not called from main"; }

# By allocation count, flat_churn (which frees everything) comes first.
first=$(top alloc_objects | head -n 1)
[ "$(echo "$first" | awk '{ print $NF }')" = flat_churn ] ||
	{ cat "$TMP/top.alloc_objects"; fail "alloc_objects: first row is '$first', not flat_churn"; }
pass
