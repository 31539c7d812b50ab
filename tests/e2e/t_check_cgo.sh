#!/bin/sh
# growth run --check on a Go test binary with cgo (`go test -c`): a test that leaks C.malloc(12345)
# fails with exactly 12345 bytes at leak_from_c, the Go runtime's own memory (x_cgo_mmap) being
# suppressed by default; TestMain ends through libc's exit so the trace has a clean exit
# (docs/ci.md). Skipped without a Go toolchain.
. "$(dirname "$0")/lib.sh"
command -v go >/dev/null 2>&1 || skip "no go toolchain"
command -v "${CC:-cc}" >/dev/null 2>&1 || skip "no C compiler for cgo"

mkdir -p "$TMP/bridge" "$TMP/traces"
cd "$TMP/bridge" || fail "cd"
cat >go.mod <<'GO'
module example.com/bridge

go 1.18
GO
cat >bridge.go <<'GO'
package bridge

// #include <stdlib.h>
// #include <string.h>
// static __attribute__((noinline)) void *leak_from_c(size_t n) { void *p = malloc(n); memset(p, 1, n); return p; }
// static __attribute__((noinline)) void free_from_c(size_t n) { void *p = malloc(n); memset(p, 2, n); free(p); }
import "C"

import "unsafe"

var kept []unsafe.Pointer

func Leak()  { kept = append(kept, C.leak_from_c(12345)) }
func Clean() { C.free_from_c(4321) }

// ExitC ends the process through libc's exit, so growth records a clean exit.
func ExitC(code int) { C.exit(C.int(code)) }
GO
cat >bridge_test.go <<'GO'
package bridge

import "testing"

func TestMain(m *testing.M) { ExitC(m.Run()) }
func TestLeak(t *testing.T)  { Leak() }
func TestClean(t *testing.T) { Clean() }
GO
GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=1 go test -c -o bridge.test . >"$TMP/build.log" 2>&1 || {
	cat "$TMP/build.log"
	skip "go test -c failed (see above)"
}

"$GROWTH" run -o "$TMP/traces/%e.%p.zst" --check --json "$TMP/c.json" -- ./bridge.test -test.run 'TestClean' >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/o" "$TMP/e"; fail "the clean Go test failed the gate (exit $rc)"; }
json_check "$TMP/c.json" 'r["traces"][0]["clean_exit"] is True' "TestMain + C.exit gives a clean exit"
grep -q "leak:x_cgo_mmap (default)" "$TMP/e" || { cat "$TMP/e"; fail "the Go runtime's mmap is not suppressed by the default list"; }

rm -f "$TMP/traces"/*
"$GROWTH" run -o "$TMP/traces/%e.%p.zst" --check -- ./bridge.test >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/o" "$TMP/e"; fail "the leaking Go test: exit $rc, expected 1"; }
grep -q "leaked at exit: 12345 bytes " "$TMP/e" || { cat "$TMP/e"; fail "the leak is not exactly 12345 bytes"; }
grep -q "^      leak_from_c (" "$TMP/e" || { cat "$TMP/e"; fail "the culprit stack does not name leak_from_c"; }
pass
