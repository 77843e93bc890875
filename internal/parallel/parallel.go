// Package parallel runs independent pieces of work on a bounded number of
// goroutines. Callers write results into slots indexed by i, so what they
// print never depends on the order workers finish in.
package parallel

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// Panic is a panic in a call of For, carried to For's caller with the
// stack of the goroutine it happened on.
type Panic struct {
	Value any
	Stack []byte
}

func (p *Panic) Error() string { return fmt.Sprintf("panic: %v\n\n%s", p.Value, p.Stack) }

// For calls fn(i) for every i in [0, n) on at most workers goroutines
// (GOMAXPROCS when workers <= 0) and returns when all calls are done.
//
// A call that panics does not stop the others, and For returns only when
// every call has finished; then it panics, on the caller's goroutine, with
// a *Panic holding the first panic's value and stack. So a panic can
// neither kill the process from a worker nor let the caller go on (and
// report) while calls are still running.
func For(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first *Panic
	)
	call := func(i int) {
		defer func() {
			if v := recover(); v != nil {
				mu.Lock()
				if first == nil {
					first = &Panic{Value: v, Stack: debug.Stack()}
				}
				mu.Unlock()
			}
		}()
		fn(i)
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				call(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		panic(first)
	}
}
