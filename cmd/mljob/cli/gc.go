package cli

import (
	"os"
	"runtime/debug"
)

// tuneGC tunes the garbage collector for lint and render, unless the user
// tuned it (GOGC, GOMEMLIMIT). Both make much garbage per object and keep
// little of it: lint streams its input (about 30 MB live on 1,000
// objects), render keeps each object's encoding but not what made it. Go's
// default (collect when the heap doubles) then collects many times a
// second: a quarter of lint's CPU time and a third of render's on 1,000
// objects went to it. Letting the heap grow to five times what is live
// saves that for some 30 MB more in lint and 80 MB more in render
// (docs/benchmarks.md); the soft memory limit makes the collector work
// harder instead where that would pass 768 MiB. The child evaluating CUE
// (internal/load) is tuned the same way by its own code.
func tuneGC() {
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
