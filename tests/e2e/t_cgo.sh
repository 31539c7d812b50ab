#!/bin/sh
# Scenario: cgo. cgoleak's goroutines call C on several threads at once (GOMAXPROCS 4, a
# spinning goroutine preempted by SIGURG meanwhile): km_leak_row leaks a 4104-byte row per
# call, km_solve_matrix callocs and frees an 8 MiB matrix per call. Under `growth run` the
# program's output is unchanged, the live warning and the report flag km_leak_row and nothing
# else, the leak's size is exact, and the Go runtime's own mappings (made through libc's mmap
# by _cgo_mmap) are mmap sites whose reservations count as reserved, not live. Skips without
# a Go toolchain. The C stacks go on past the cgo boundary into the Go functions that called C.
# docs/go.md says what growth sees of a Go program.
. "$(dirname "$0")/lib.sh"
command -v "${GO:-go}" >/dev/null 2>&1 || skip "no Go toolchain (apt-get install golang-go)"
need "$PROGS/cgoleak"

expected='cgoleak: 1600 rows leaked (6566400 bytes), every matrix solved right'
mkdir -p "$TMP/t"
"$GROWTH" run -o "$TMP/t/cgoleak.%p.zst" -- "$PROGS/cgoleak" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/err"; fail "growth run cgoleak exited $rc"; }
[ "$(cat "$TMP/out")" = "$expected" ] || { cat "$TMP/out"; fail "cgoleak's stdout changed under growth"; }

# The live warning: exactly one, for km_leak_row.
grep '^growth: site [0-9]* is growing: ' "$TMP/err" >"$TMP/warn"
[ "$(wc -l <"$TMP/warn")" -eq 1 ] || { cat "$TMP/err"; fail "expected one live warning"; }
grep -q ': km_leak_row (cgoleak) <- _cgo_[0-9a-f]*_Cfunc_km_leak_row' "$TMP/warn" ||
	{ cat "$TMP/warn"; fail "the live warning does not name km_leak_row and its cgo wrapper"; }

only_trace "$TMP/t"
rep=$TMP/report.json
report_json "$trace" "$rep"
json_check "$rep" 'one("km_leak_row")["growing"] is True' "km_leak_row is flagged growing"
json_check "$rep" 'one("km_leak_row")["kind"] == "heap"' "km_leak_row is a heap site"
json_check "$rep" 'one("km_leak_row")["frames"][0]["file"].endswith("/cgoleak/km.c")' "frame 0 of the leak is in km.c"
json_check "$rep" 'one("km_leak_row")["live_bytes_end"] == 1600 * 4104' "the leak holds exactly 1600 rows of 4104 bytes"
json_check "$rep" 'one("km_leak_row")["allocs"] == 1600 and one("km_leak_row")["frees"] == 0' "1600 allocations, no frees"
json_check "$rep" 'fn(one("km_leak_row")["frames"][1]).endswith("_Cfunc_km_leak_row")' "frame 1 is the cgo wrapper _Cfunc_km_leak_row"
# The stacks go on past the cgo boundary (runtime.asmcgocall) into the Go callers of C.
json_check "$rep" 'any(fn(f) == "main.leakRows" for f in one("km_leak_row")["frames"])' "the leak's stack goes on into Go: main.leakRows"
json_check "$rep" 'all(any(fn(f) == "main.solveMatrices" for f in s["frames"]) for s in at0("km_solve_matrix"))' "km_solve_matrix's sites go on into Go: main.solveMatrices"
json_check "$rep" 'len(at0("km_solve_matrix")) >= 1 and not any(s["growing"] for s in at0("km_solve_matrix"))' "km_solve_matrix is not growing"
# Every call's matrix is one calloc of exactly 8 MiB. (Not peak_live_bytes: a matrix lives a few
# milliseconds, and peaks are what the 100 ms snapshots happened to see.)
json_check "$rep" 'all(s["alloc_bytes"] == s["allocs"] * (8 << 20) for s in at0("km_solve_matrix")) and sum(s["allocs"] for s in at0("km_solve_matrix")) >= 10' "km_solve_matrix's 8 MiB matrices are seen"
json_check "$rep" 'sum(s["live_bytes_end"] for s in at0("km_solve_matrix")) == 0' "km_solve_matrix frees every matrix"
json_check "$rep" '[fn(s["frames"][0]) for s in sites if s["growing"]] == ["km_leak_row"]' "km_leak_row is the only growing site"

# The Go runtime's mappings: mmap sites through x_cgo_mmap, never growing; what it reserves
# (runtime.sysReserve: the arena and page-allocator address space) is reserved, not live.
json_check "$rep" 'len(within("x_cgo_mmap")) >= 1' "the runtime's mmap calls are seen through x_cgo_mmap"
json_check "$rep" 'all(s["kind"] == "mmap" and s["go_runtime"] and not s["growing"] and s["flagged_at_s"] is None for s in within("x_cgo_mmap"))' "runtime mappings are go_runtime mmap sites, never flagged"
json_check "$rep" 'not any(s["go_runtime"] for s in sites if fn(s["frames"][0]) != "x_cgo_mmap")' "only the runtime's mappings are go_runtime"
json_check "$rep" 'len(within("runtime.sysReserve")) >= 1' "the runtime's reservations have sites (Go frames below x_cgo_mmap)"
json_check "$rep" 'all(s["live_bytes_end"] == 0 and s["reserved_bytes_end"] > 0 for s in within("runtime.sysReserve"))' "reservations count as reserved, not live"
json_check "$rep" 'sum(s["reserved_bytes_end"] for s in within("runtime.sysReserve")) >= 64 << 20' "the reservations are large (>= 64 MiB)"
pass
