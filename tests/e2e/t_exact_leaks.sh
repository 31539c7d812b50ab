#!/bin/sh
# Scenario 2: leaks at exit are exact to the byte, per allocator. For each allocator of leaker
# and leaker_cxx, the site whose frame 0 is leak_with_<kind> holds exactly the bytes the program
# leaked, and the leak_* sites together hold exactly that too (nothing double-counted, e.g. new
# recorded again as the malloc inside it). The trace passes `zstd -t` and has mode 0600.
. "$(dirname "$0")/lib.sh"
need "$PROGS/leaker" "$PROGS/leaker_cxx"
command -v zstd >/dev/null || fail "zstd CLI missing (make deps)"
page=$(getconf PAGESIZE)

# leak PROG KIND BYTES: run, check the trace file, and return the report in $rep.
run_leak() {
	_d=$TMP/$1-$2
	mkdir -p "$_d"
	preload "$_d/growth.%e.%p.zst" "$PROGS/$1" "$2" >"$_d/out" 2>"$_d/err"
	_rc=$?
	[ $_rc -eq 0 ] || { cat "$_d/err"; fail "$1 $2 exited $_rc"; }
	grep -q "leaked $3 bytes" "$_d/out" || fail "$1 $2 printed '$(cat "$_d/out")', expected $3 bytes"
	only_trace "$_d"
	case $(basename "$trace") in
	"growth.$1."[0-9]*.zst) ;;
	*) fail "trace name $(basename "$trace") does not follow growth.%e.%p.zst" ;;
	esac
	zstd -q -t "$trace" || fail "zstd -t rejects $trace"
	[ "$(file_mode "$trace")" = 600 ] || fail "$trace has mode $(file_mode "$trace"), not 600"
	rep=$_d/report.json
	report_json "$trace" "$rep"
	json_check "$rep" 'r["truncated"] is False' "$1 $2: a trace that ended at exit is not truncated"
	json_check "$rep" 'r["process"]["exe"].endswith("/'"$1"'")' "$1 $2: process.exe names $1"
	json_check "$rep" 'sum(s["live_bytes_end"] for s in sites if any(fn(f).startswith("leak_with_") for f in s["frames"])) == '"$3" \
		"$1 $2: the leak_with_* sites hold exactly $3 bytes at exit"
}

# exact PROG KIND BYTES SRC: frame 0 of the leaking site is leak_with_KIND in SRC.
exact() {
	run_leak "$1" "$2" "$3"
	f=leak_with_$2
	json_check "$rep" 'one("'"$f"'")["live_bytes_end"] == '"$3" "$1: the site at $f has $3 live bytes at exit"
	json_check "$rep" 'live("'"$f"'") == '"$3" "$1: all sites through $f hold $3 bytes"
	json_check "$rep" 'one("'"$f"'")["frames"][0]["file"].endswith("/'"$4"'") and one("'"$f"'")["frames"][0]["line"] > 0' \
		"$1: frame 0 of $f is in $4 with a line number"
}

exact leaker malloc 10001 leaker.c
json_check "$rep" 'one("leak_with_malloc")["kind"] == "heap" and one("leak_with_malloc")["allocs"] == 1 and one("leak_with_malloc")["frees"] == 0' \
	"malloc: a heap site with 1 alloc, 0 frees"
exact leaker calloc 21007 leaker.c
exact leaker posix_memalign 50005 leaker.c
exact leaker aligned_alloc 60160 leaker.c
exact leaker memalign 70007 leaker.c
exact leaker valloc 80008 leaker.c

# realloc: malloc(100) then five reallocs from one call site; realloc = a free plus an alloc.
run_leak leaker realloc 30003
json_check "$rep" 'live("leak_with_realloc") == 30003' "realloc: 30003 bytes live through leak_with_realloc"
json_check "$rep" 'sum(s["allocs"] for s in at0("leak_with_realloc")) == 6 and sum(s["frees"] for s in at0("leak_with_realloc")) == 5' \
	"realloc: 6 allocations (1 malloc + 5 reallocs) and 5 frees in leak_with_realloc"
json_check "$rep" 'any(s["live_bytes_end"] == 30003 and s["allocs"] == 5 for s in at0("leak_with_realloc"))' \
	"realloc: the realloc call site holds the final 30003 bytes"

# realloc(NULL, n) and reallocarray(NULL, ...) allocate: both blocks are recorded, with their
# sizes.
run_leak leaker realloc_null 9009
json_check "$rep" 'sorted((s["live_bytes_end"], s["allocs"], s["frees"]) for s in at0("leak_with_realloc_null")) == [(4004, 1, 0), (5005, 1, 0)]' \
	"realloc_null: one site of 4004 bytes (realloc) and one of 5005 (reallocarray), 1 allocation each"

# strdup allocates inside libc: frame 0 may be strdup itself; the first frame of ours is the leak.
run_leak leaker strdup 4004
json_check "$rep" 'live("leak_with_strdup") == 4004' "strdup: 4004 bytes live through leak_with_strdup"
json_check "$rep" 'len([s for s in within("leak_with_strdup") if fn(inner(s)) == "leak_with_strdup"]) == 1' \
	"strdup: one site whose innermost own frame is leak_with_strdup"

# mmap: live bytes are the resident bytes, all 40 pages touched.
mmap_bytes=$((40 * page))
exact leaker mmap $mmap_bytes leaker.c
json_check "$rep" 'one("leak_with_mmap")["kind"] == "mmap"' "mmap: the site is of kind mmap"

run_leak leaker none 0
json_check "$rep" 'not any(fn(f).startswith("leak_with_") for s in sites for f in s["frames"])' "none: no leak_with_* site"

exact leaker_cxx new 10001 leaker_cxx.cpp
exact leaker_cxx new_array 20002 leaker_cxx.cpp
exact leaker_cxx aligned_new 30016 leaker_cxx.cpp
exact leaker_cxx nothrow_new 40004 leaker_cxx.cpp
run_leak leaker_cxx none 0

# Balance: what apicheck and cxxcheck allocate they free, through partial munmap, mremap,
# MAP_FIXED over a reservation, failed reallocs and thrown bad_allocs; nothing may stay live.
# (The exceptions are libc's own: stdio's buffer, and the TLS vector of apicheck's thread,
# which glibc keeps with the thread's cached stack: _dl_allocate_tls is named with or without
# libc's debug symbols.)
for prog in apicheck cxxcheck; do
	_d=$TMP/$prog
	mkdir -p "$_d"
	preload "$_d/growth.%e.%p.zst" "$PROGS/$prog" >"$_d/out" 2>"$_d/err" || { cat "$_d/err"; fail "$prog exited $? under growth"; }
	only_trace "$_d"
	report_json "$trace" "$_d/report.json"
	own='[s for s in within("main") if not any("_IO_" in fn(f) or "_dl_allocate_tls" in fn(f) for f in s["frames"])]'
	json_check "$_d/report.json" "len($own) > 10" "$prog: its allocations are attributed to main"
	json_check "$_d/report.json" "[s['id'] for s in $own if s['live_bytes_end'] != 0] == []" "$prog: every site it allocates from ends with 0 bytes live"
	json_check "$_d/report.json" "[s['id'] for s in $own if s['allocs'] != s['frees']] == []" "$prog: allocs == frees at every site"
done
json_check "$TMP/apicheck/report.json" 'len([s for s in sites if s["kind"] == "mmap"]) == 5' "apicheck: five mmap sites (the failed mmap is none)"
# One successful mremap, later unmapped; the failed mremap after it must not count (design:
# "record realloc and mremap as free plus alloc, and only when they succeed").
mremap_line=$(line_of "/* APICHECK-MREMAP */" "$ROOT/tests/programs/apicheck.c")
json_check "$TMP/apicheck/report.json" '[(s["allocs"], s["frees"]) for s in at0("main") if s["kind"] == "mmap" and s["frames"][0]["line"] == '"$mremap_line"'] == [(1, 1)]' \
	"apicheck: the mremap site (apicheck.c:$mremap_line) has 1 alloc and 1 free; a failed mremap counts nothing"
pass
