package policy

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/topdown"
)

// guard stops evaluations whose heap grows too much: Rego has no memory
// limit of its own, and a comprehension over a large range or a string
// doubled in a chain of rules takes memory faster than a deadline stops
// it. While evaluations run, a watcher samples the heap every few
// milliseconds; when it has grown by more than an evaluation's limit
// since that evaluation started (after a garbage collection, so that
// garbage does not count), the evaluation is cancelled. The heap is the
// process's: evaluations running together on other workers are
// cancelled with the one that grew it.
var guard = &memGuard{active: map[*guardSlot]struct{}{}}

const guardInterval = time.Millisecond

type memGuard struct {
	mu      sync.Mutex
	active  map[*guardSlot]struct{}
	running bool
}

type guardSlot struct {
	start  uint64
	limit  uint64
	cancel context.CancelCauseFunc
}

// watch guards an evaluation that may grow the heap by limit bytes and
// cancels it with errMemory if it grows more. The returned function ends
// the watch.
func (g *memGuard) watch(limit int64, cancel context.CancelCauseFunc) func() {
	s := &guardSlot{start: heapBytes(), limit: uint64(limit), cancel: cancel}
	g.mu.Lock()
	g.active[s] = struct{}{}
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		delete(g.active, s)
		g.mu.Unlock()
	}
}

func (g *memGuard) loop() {
	t := time.NewTicker(guardInterval)
	defer t.Stop()
	for range t.C {
		g.mu.Lock()
		if len(g.active) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		var lowest uint64
		first := true
		for s := range g.active {
			if first || s.start+s.limit < lowest {
				lowest, first = s.start+s.limit, false
			}
		}
		g.mu.Unlock()
		heap := heapBytes()
		if heap <= lowest {
			continue
		}
		if heap < lowest+lowest/2 {
			// Over for someone, but perhaps by garbage: collect it and
			// look again. (Far over, there is no time to: one more
			// step of a doubling evaluation doubles again.)
			runtime.GC()
			heap = heapBytes()
		}
		g.mu.Lock()
		for s := range g.active {
			if heap > s.start+s.limit {
				s.cancel(errMemory)
				delete(g.active, s)
			}
		}
		g.mu.Unlock()
	}
}

// stepGuard checks the heap at every step of a user rule's evaluation,
// in the evaluating goroutine: on a busy machine the watcher above may
// not run before a doubling string doubles again, a step never happens
// before the check. It is an OPA query tracer (only user rules pay for
// it; the built-in ones are known not to grow).
type stepGuard struct {
	limit  uint64
	cancel context.CancelCauseFunc
	done   bool
	sample []metrics.Sample
}

func newStepGuard(limit int64, cancel context.CancelCauseFunc) *stepGuard {
	g := &stepGuard{cancel: cancel, sample: newHeapSample()}
	g.limit = readHeap(g.sample) + uint64(limit)
	return g
}

func (g *stepGuard) Enabled() bool { return !g.done }

func (g *stepGuard) TraceEvent(topdown.Event) {
	if !g.done && readHeap(g.sample) > g.limit {
		g.done = true
		g.cancel(errMemory)
	}
}

func (g *stepGuard) Config() topdown.TraceConfig { return topdown.TraceConfig{} }

func newHeapSample() []metrics.Sample {
	return []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
}

// readHeap is the memory taken by heap objects, live or not yet swept;
// s is the caller's own sample (metrics.Read writes into it).
func readHeap(s []metrics.Sample) uint64 {
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// heapBytes is readHeap with a sample of its own.
func heapBytes() uint64 { return readHeap(newHeapSample()) }
