package parallel

import (
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
