// SPDX-License-Identifier: MIT

// cgoleak: goroutines on several threads call C at the same time. Two leak a 4104-byte row
// per call in km_leak_row. Two allocate, fill and free an 8 MiB matrix per call in
// km_solve_matrix until the leakers are done (the leak is the last thing the program does, so
// a report sees it still growing at the end). One allocates Go garbage (so the Go runtime
// collects and maps memory) and one spins in pure Go (so the runtime preempts it with SIGURG
// while the others are in C). GOMAXPROCS is 4, so the C calls run on several threads at once.
// growth must flag km_leak_row and nothing else. Its stdout is fixed text.
// Usage: cgoleak [ROWS_PER_LEAKER=800]
package main

/*
#include "km.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const (
	leakers    = 2
	solvers    = 2
	matrixN    = 1024 // 8 MiB of doubles
	rowPause   = 5 * time.Millisecond
	solvePause = 20 * time.Millisecond
)

var sink []byte

//go:noinline
func leakRows(id, n int) {
	for i := 0; i < n; i++ {
		C.km_leak_row(C.int(id*n + i))
		time.Sleep(rowPause)
	}
}

// solveMatrices runs until the leakers are done (so the leak is the last thing that happens,
// and a report sees it still growing at the end), and says whether every trace was right.
//
//go:noinline
func solveMatrices(stop *int32) bool {
	const want = matrixN * (matrixN + 1) / 2
	ok := true
	for atomic.LoadInt32(stop) == 0 {
		if C.km_solve_matrix(matrixN) != want {
			ok = false
		}
		time.Sleep(solvePause)
	}
	return ok
}

//go:noinline
func makeGarbage(stop *int32) int {
	n := 0
	for atomic.LoadInt32(stop) == 0 {
		sink = make([]byte, 256<<10)
		sink[0] = byte(n)
		n++
		time.Sleep(time.Millisecond)
	}
	return n
}

//go:noinline
func spin(stop *int32) uint64 {
	x := uint64(1)
	for atomic.LoadInt32(stop) == 0 {
		// Busy for 15 ms without a call the scheduler could stop at, then rest: the GC and
		// sysmon must preempt it asynchronously (SIGURG), on any thread.
		t0 := time.Now()
		for time.Since(t0) < 15*time.Millisecond {
			for i := 0; i < 100000; i++ {
				x = x*6364136223846793005 + 1442695040888963407
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	return x
}

func main() {
	runtime.GOMAXPROCS(4)
	rows := 800
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil && v > 0 {
			rows = v
		}
	}
	var stop, leaksDone int32
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); makeGarbage(&stop) }()
	go func() { defer bg.Done(); spin(&stop) }()

	var solved sync.WaitGroup
	right := make([]bool, solvers)
	for i := 0; i < solvers; i++ {
		solved.Add(1)
		go func(id int) { defer solved.Done(); right[id] = solveMatrices(&leaksDone) }(i)
	}
	var leaked sync.WaitGroup
	for i := 0; i < leakers; i++ {
		leaked.Add(1)
		go func(id int) { defer leaked.Done(); leakRows(id, rows) }(i)
	}
	leaked.Wait()
	atomic.StoreInt32(&leaksDone, 1)
	atomic.StoreInt32(&stop, 1)
	solved.Wait()
	bg.Wait()

	verdict := "every matrix solved right"
	for _, ok := range right {
		if !ok {
			verdict = "a matrix came out WRONG"
		}
	}
	// A Go program ends with the exit_group system call, not libc's exit: atexit handlers do
	// not run, so growth's last flush never happens. Waiting about two and a half of its 100 ms
	// intervals lets the trace hold the final leak exactly (docs/go.md).
	time.Sleep(250 * time.Millisecond)
	n := int64(C.km_rows())
	fmt.Printf("cgoleak: %d rows leaked (%d bytes), %s\n", n, n*C.KM_ROW_BYTES, verdict)
}
