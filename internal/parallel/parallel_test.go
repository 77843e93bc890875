package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestForVisitsEachIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 0}, {100, 3}, {5, 50}} {
		seen := make([]int32, tc.n)
		var running, peak int32
		For(tc.n, tc.workers, func(i int) {
			r := atomic.AddInt32(&running, 1)
			for {
				p := atomic.LoadInt32(&peak)
				if r <= p || atomic.CompareAndSwapInt32(&peak, p, r) {
					break
				}
			}
			atomic.AddInt32(&seen[i], 1)
			atomic.AddInt32(&running, -1)
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d workers=%d: index %d ran %d times", tc.n, tc.workers, i, c)
			}
		}
		if tc.workers > 0 && int(peak) > tc.workers {
			t.Errorf("n=%d: %d calls at once, want at most %d", tc.n, peak, tc.workers)
		}
	}
}

// A call that panics: every other call still runs and has finished when
// For panics on the caller's goroutine with the first panic.
func TestForPanic(t *testing.T) {
	for range 20 {
		var done atomic.Int32
		func() {
			defer func() {
				p, ok := recover().(*Panic)
				if !ok || p.Value != "boom" || len(p.Stack) == 0 {
					t.Fatalf("recovered %#v, want a *Panic of \"boom\"", p)
				}
				if got := done.Load(); got != 99 {
					t.Fatalf("For returned with %d of 99 other calls done", got)
				}
			}()
			For(100, 4, func(i int) {
				if i == 3 {
					panic("boom")
				}
				for range 1000 {
					runtime.Gosched()
				}
				done.Add(1)
			})
			t.Fatal("For did not panic")
		}()
	}
}
