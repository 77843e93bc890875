package cli

import (
	"os"
	"runtime/debug"
)

// lintGC tunes the garbage collector for lint, unless the user tuned it
// (GOGC, GOMEMLIMIT). Lint streams its input, so its live heap is small
// and Go's default (collect when the heap doubles) collects many times a
// second: a quarter of lint's CPU time on 1,000 objects went to it. Letting
// the heap grow to five times what is live saves that for some 30 MB more
// (docs/benchmarks.md); the soft memory limit makes the collector work
// harder instead where that would pass 768 MiB.
func lintGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
}
