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
	softLimit()
}

// softLimit sets a soft memory limit of 768 MiB unless GOMEMLIMIT is set:
// past it the collector works harder rather than let garbage grow the
// process (render of 10,000 workloads in 100 projects peaked at 951 MB,
// most of it garbage of the CUE evaluation, with GOGC's default alone).
func softLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
}
