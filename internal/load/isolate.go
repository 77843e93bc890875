package load

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/workload"
)

// CUE evaluation under a budget.
//
// CUE's evaluator cannot be stopped once it runs (cuelang.org/go v0.17.1
// has no context, no limit and no hook in its unification loop: issues
// cue-lang/cue#1104, #2489, #3752), and a few hundred bytes of CUE can ask
// for more memory than any machine has (a string doubled 39 times) or for
// work that never ends (list.Concat doubling a list). A goroutine given a
// deadline would keep running and allocating after it; checks of the
// syntax cannot see through references. So the command line evaluates
// projects in a child process, the same executable started as an
// evaluator: the child watches its own heap and CPU time while it
// evaluates a project and exits the moment either passes the project's
// budget, the parent kills it when the wall clock does, and a crash of the
// evaluator (a Go runtime error deep in CUE) ends the child, not mljob. A
// project over its budget is an error naming its files and the limit;
// the other projects are evaluated by a new child. A project written as
// plain data (plain.go) cannot amplify and is evaluated in process.
//
// The budget grows with the project's source: evaluating configuration
// costs about as much as the configuration is long, and amplification (a
// small file asking for a lot) is what is stopped. The price is a process
// start per run (the child is reused for every project of the run) and
// that what crosses between the processes is JSON: the decoded workloads
// are sent as their JSON and decoded again, as a library caller's would
// be.

// Budget is what evaluating one project may cost.
type Budget struct {
	// CPU is the CPU time the evaluation may take; the wall clock may
	// take four times as long, plus two seconds (a busy machine).
	CPU time.Duration
	// Memory is how much the evaluator's heap may grow.
	Memory int64
}

// BudgetFor is the budget of a project of srcs: 2 s of CPU time and
// 256 MiB of memory, plus 10 ms for every KiB of source and 512 bytes for
// every byte (a project of 200 KiB, some 3,000 workloads, may take 4 s
// and 356 MiB).
func BudgetFor(srcs []Source) Budget {
	size := 0
	for _, s := range srcs {
		size += len(s.Data)
	}
	return Budget{
		CPU:    2*time.Second + time.Duration(size/1024)*10*time.Millisecond,
		Memory: 256<<20 + int64(size)*512,
	}
}

// childGOGC and childSoftLimit tune the child's garbage collector (unless
// GOGC is set): an evaluation makes much garbage for what it keeps, and
// Go's default collects it too often; the soft limit bounds the larger heap
// that lets grow. The budget's own limit stays what ends the child.
var (
	childGOGC             = 400
	childSoftLimit uint64 = 768 << 20
)

// evaluatorEnv marks a process started as a CUE evaluator.
const evaluatorEnv = "MLJOB_CUE_EVALUATOR"

// budgetExit is the exit status of an evaluator over its budget; it says
// which on its standard error, after budgetMark.
const (
	budgetExit = 3
	budgetMark = "mljob-budget: "
)

var (
	isolateMu sync.Mutex
	isolated  bool
)

// Isolate makes every Loader evaluate projects in a child process, under
// their budget. The running executable must call ServeEvaluator before
// anything else (cmd/mljob does).
func Isolate() {
	isolateMu.Lock()
	defer isolateMu.Unlock()
	isolated = true
}

func isIsolated() bool {
	isolateMu.Lock()
	defer isolateMu.Unlock()
	return isolated
}

// ServeEvaluator serves as a CUE evaluator when the process was started as
// one, and then reports true and the exit status; otherwise it returns
// false at once.
func ServeEvaluator() (int, bool) {
	if os.Getenv(evaluatorEnv) != "1" {
		return 0, false
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(childGOGC)
	}
	return serve(os.Stdin, os.Stdout), true
}

// request and response are what parent and child exchange, one JSON
// value each.
type request struct {
	Cwd     string
	Sources []Source
	Budget  Budget
}

type response struct {
	Files     []string
	Profile   json.RawMessage
	Workloads []wireItem
	Errors    diag.List
}

type wireItem struct {
	Workload json.RawMessage
	Source   *workload.Source
}

// serve is the evaluator: it loads one project per request.
func serve(in io.Reader, out io.Writer) int {
	l, err := NewLoader()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dec := json.NewDecoder(bufio.NewReader(in))
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	// Ready: the parent measures what the evaluator takes from here.
	debug.FreeOSMemory()
	if enc.Encode(response{}) != nil || w.Flush() != nil {
		return 1
	}
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		l.Cwd = req.Cwd
		stop := watch(req.Budget)
		p, err := l.Load(req.Sources)
		stop()
		resp, werr := toWire(p, err)
		if werr != nil {
			fmt.Fprintln(os.Stderr, werr)
			return 1
		}
		if err := enc.Encode(resp); err != nil {
			return 1
		}
		if err := w.Flush(); err != nil {
			return 1
		}
		// The next project starts from what the schemas take.
		debug.FreeOSMemory()
	}
}

// watch ends the process if the evaluation passes its budget. It returns
// a function that stops watching.
func watch(b Budget) func() {
	runtime.GC()
	startHeap := heapBytes()
	startCPU := cpuTime()
	limit := startHeap + uint64(b.Memory)
	debug.SetMemoryLimit(int64(min(limit, childSoftLimit)))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			// The memory limit keeps the garbage collector below the
			// limit as long as the live heap fits: past it, the
			// evaluation needs more. (A collection to make sure would
			// give it time to allocate more.)
			if heapBytes() > limit {
				fmt.Fprintf(os.Stderr, "%smemory %d\n", budgetMark, b.Memory)
				os.Exit(budgetExit)
			}
			if cpuTime()-startCPU > b.CPU {
				fmt.Fprintf(os.Stderr, "%scpu %d\n", budgetMark, b.CPU)
				os.Exit(budgetExit)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		debug.SetMemoryLimit(-1)
	}
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapBytes() uint64 {
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return heapSample[0].Value.Uint64()
}

// toWire turns Load's result into a response.
func toWire(p *Project, err error) (*response, error) {
	resp := &response{}
	if err != nil {
		resp.Errors.Append(err)
		return resp, nil
	}
	resp.Files = p.Files
	if p.Profile != nil {
		b, err := json.Marshal(p.Profile)
		if err != nil {
			return nil, err
		}
		resp.Profile = b
	}
	for _, it := range p.Workloads {
		b, err := json.Marshal(it.Workload)
		if err != nil {
			return nil, err
		}
		resp.Workloads = append(resp.Workloads, wireItem{Workload: b, Source: it.Source})
	}
	return resp, nil
}

// fromWire turns a response back into Load's result.
func fromWire(resp *response) (*Project, error) {
	if len(resp.Errors) > 0 {
		return nil, resp.Errors.Err()
	}
	p := &Project{Files: resp.Files}
	if resp.Profile != nil {
		prof, err := workload.DecodeProfile(resp.Profile)
		if err != nil {
			return nil, fmt.Errorf("evaluator: profile: %w", err)
		}
		p.Profile = prof
	}
	for _, it := range resp.Workloads {
		w, err := workload.Decode(it.Workload)
		if err != nil {
			return nil, fmt.Errorf("evaluator: workload %s: %w", it.Source.Name, err)
		}
		p.Workloads = append(p.Workloads, Item{Workload: w, Source: it.Source})
	}
	return p, nil
}

// evaluator is the parent's side of a child evaluator.
type evaluator struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	dec    *json.Decoder
	stderr *tailBuffer
	exited chan struct{}
}

func startEvaluator() (*evaluator, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the CUE evaluator: %w", err)
	}
	cmd := exec.Command(exe)
	// The name it was started by: a program that serves several commands
	// (a test binary) picks mljob's by it.
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), evaluatorEnv+"=1")
	cmd.SysProcAttr = childAttr()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	e := &evaluator{cmd: cmd, in: in, dec: json.NewDecoder(bufio.NewReader(out)), stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	cmd.Stderr = e.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the CUE evaluator: %w", err)
	}
	var ready response
	if err := e.dec.Decode(&ready); err != nil {
		e.stop()
		return nil, fmt.Errorf("start the CUE evaluator: %v %s", err, strings.TrimSpace(e.stderr.String()))
	}
	return e, nil
}

// Close ends the loader's child evaluator, if it started one. The loader
// starts a new one if it is used again.
func (l *Loader) Close() {
	if l.child != nil {
		l.child.stop()
		l.child = nil
	}
}

// stop ends the child.
func (e *evaluator) stop() {
	e.in.Close()
	e.cmd.Process.Kill()
	e.cmd.Wait()
}

// errBudget is a project over its budget.
var errBudget = errors.New("over budget")

// load evaluates srcs in the child. A project over its budget, or one
// that crashes the evaluator, ends the child: the error says so.
func (e *evaluator) load(cwd string, srcs []Source) (*Project, error) {
	b := BudgetFor(srcs)
	type result struct {
		resp response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		enc := json.NewEncoder(e.in)
		if r.err = enc.Encode(request{Cwd: cwd, Sources: srcs, Budget: b}); r.err == nil {
			r.err = e.dec.Decode(&r.resp)
		}
		done <- r
	}()
	wall := 4*b.CPU + 2*time.Second
	timer := time.NewTimer(wall)
	defer timer.Stop()
	// Where the system says how much memory the child holds, the parent
	// watches it too: the child's own watch needs the Go scheduler, which
	// a busy evaluator and its garbage collector can hold up for a while.
	rssLimit := int64(-1)
	if base, ok := residentBytes(e.cmd.Process.Pid); ok {
		rssLimit = base + b.Memory
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			if r.err == nil {
				return fromWire(&r.resp)
			}
			// The child ended: over its budget, or crashed.
			e.cmd.Process.Kill()
			e.cmd.Wait()
			return nil, e.failure(srcs, b)
		case <-tick.C:
			if rssLimit < 0 {
				continue
			}
			if rss, ok := residentBytes(e.cmd.Process.Pid); ok && rss > rssLimit {
				e.stop()
				<-done
				return nil, fmt.Errorf("%w: evaluating it took more than %d MiB of memory, mljob's limit for a project of this size", errBudget, (b.Memory+1<<20-1)>>20)
			}
		case <-timer.C:
			e.stop()
			<-done
			return nil, fmt.Errorf("%w: evaluating it took more than %v, mljob's limit for a project of this size", errBudget, wall)
		}
	}
}

// failure says why the child ended.
func (e *evaluator) failure(srcs []Source, b Budget) error {
	tail := e.stderr.String()
	if i := strings.LastIndex(tail, budgetMark); i >= 0 {
		what := strings.Fields(tail[i+len(budgetMark):])
		if len(what) > 0 && what[0] == "memory" {
			return fmt.Errorf("%w: evaluating it took more than %d MiB of memory, mljob's limit for a project of this size", errBudget, (b.Memory+1<<20-1)>>20)
		}
		return fmt.Errorf("%w: evaluating it took more than %v of CPU time, mljob's limit for a project of this size", errBudget, b.CPU)
	}
	first := strings.TrimSpace(tail)
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if strings.Contains(tail, "out of memory") || strings.Contains(tail, "len out of range") || strings.Contains(tail, "stack overflow") {
		return fmt.Errorf("%w: the CUE evaluator ran out of memory (%s)", errBudget, first)
	}
	return fmt.Errorf("the CUE evaluator failed: %s", first)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b.Write(p)
	if over := t.b.Len() - t.max; over > 0 {
		t.b.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.String()
}

// loadIsolated evaluates srcs in the child evaluator, starting one when
// there is none.
func (l *Loader) loadIsolated(srcs []Source) (*Project, error) {
	if l.child == nil {
		e, err := startEvaluator()
		if err != nil {
			return nil, err
		}
		l.child = e
	}
	p, err := l.child.load(l.Cwd, srcs)
	if err == nil {
		return p, nil
	}
	var list diag.List
	if errors.As(err, &list) {
		return nil, err // the project's own errors
	}
	// The child is gone; the next project gets a new one.
	l.child = nil
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name)
	}
	at := diag.Pos{}
	if len(names) > 0 {
		at.File = names[0]
	}
	msg := strings.TrimPrefix(err.Error(), errBudget.Error()+": ")
	return nil, diag.List{diag.Errorf(at, "", "project %s: %s", strings.Join(names, ", "), msg)}.Err()
}
