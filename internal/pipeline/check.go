package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/parallel"
	"github.com/mljob/mljob/internal/policy"
	"github.com/mljob/mljob/internal/rules"
	"github.com/mljob/mljob/internal/validate"
)

// check runs the checkers on every document in parallel and fills in
// positions. The result does not depend on the order workers finish in.
func check(docs []*manifest.Document, checkers []validate.Checker, namespace string, workers int, st settler) []finding.Finding {
	per := make([][]finding.Finding, len(docs))
	parallel.For(len(docs), workers, func(i int) {
		per[i] = checkOne(docs[i], checkers, namespace, st)
	})
	var out []finding.Finding
	for _, fs := range per {
		out = append(out, fs...)
	}
	return out
}

// checkPool checks documents as they are handed over, on a bounded number
// of workers, keeping only their findings. wait returns them in the order
// the documents were submitted, whatever order the workers finish in.
type checkPool struct {
	checkers  []validate.Checker
	namespace string
	st        settler
	jobs      chan poolJob
	wg        sync.WaitGroup
	mu        sync.Mutex
	results   [][]finding.Finding
	n         int
}

type poolJob struct {
	seq int
	doc *manifest.Document
}

func newCheckPool(checkers []validate.Checker, namespace string, workers int, st settler) *checkPool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &checkPool{checkers: checkers, namespace: namespace, st: st, jobs: make(chan poolJob, workers)}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for j := range p.jobs {
				fs := checkOne(j.doc, p.checkers, p.namespace, p.st)
				p.mu.Lock()
				p.results[j.seq] = fs
				p.mu.Unlock()
			}
		}()
	}
	return p
}

// submit queues doc for checking; it blocks while every worker is busy.
func (p *checkPool) submit(doc *manifest.Document) {
	p.mu.Lock()
	seq := p.n
	p.n++
	p.results = append(p.results, nil)
	p.mu.Unlock()
	p.jobs <- poolJob{seq, doc}
}

// wait returns the findings of every submitted document.
func (p *checkPool) wait() []finding.Finding {
	close(p.jobs)
	p.wg.Wait()
	var out []finding.Finding
	for _, fs := range p.results {
		out = append(out, fs...)
	}
	return out
}

func checkOne(doc *manifest.Document, checkers []validate.Checker, namespace string, st settler) []finding.Finding {
	obj := doc.Object(namespace)
	var out []finding.Finding
	for _, c := range checkers {
		out = append(out, guard(validate.Name(c), func() []finding.Finding { return c.Check(doc) })...)
	}
	// Positions and the object first: waivers match on them.
	for i := range out {
		if !out[i].Pos.IsValid() {
			out[i].Pos = doc.PosOf(out[i].Path)
		}
		out[i].Object = obj
	}
	settled := guard("waivers", func() []finding.Finding { return st.settle(doc, out) })
	if len(settled) == 1 && settled[0].Rule == ruleInternalError && (len(out) != 1 || out[0].Rule != ruleInternalError) {
		out = append(out, settled...) // the findings stand, unsettled
	} else {
		out = settled
	}
	for i := range out {
		if !out[i].Pos.IsValid() {
			out[i].Pos = doc.PosOf(out[i].Path) // the settler's own findings
		}
		out[i].Object = obj
	}
	set := st.rules
	if set == nil {
		set = rules.Builtin()
	}
	return oneCause(out, obj.Name, set)
}

// guard runs one stage of the checks on one object. A panic in it (a bug,
// in mljob or in the Kubernetes code it runs) becomes an internal-error
// finding on that object, naming the stage; the other stages and objects
// are still checked and reported.
func guard(stage string, run func() []finding.Finding) (fs []finding.Finding) {
	defer func() {
		if v := recover(); v != nil {
			fs = []finding.Finding{{Rule: ruleInternalError, Severity: finding.Error,
				Message: fmt.Sprintf("mljob failed in its %s check of this object (%v); the other checks ran. Please report this with the object", stage, v)}}
		}
	}()
	return run()
}

// policyChecker runs the Rego engine as one more checker.
type policyChecker struct {
	e *policy.Engine
	// skipped counts the objects the rules did not check because the
	// run's time for them was spent, and stop is why; params are rule
	// parameters of some documents over the configured ones (those of a
	// CUE workload's project profile), set before the document is
	// checked. mu guards the three.
	mu      *sync.Mutex
	skipped *int
	stop    *error
	params  map[*manifest.Document]map[string]map[string]any
}

func newPolicyChecker(e *policy.Engine) policyChecker {
	return policyChecker{e: e, mu: &sync.Mutex{}, skipped: new(int), stop: new(error),
		params: map[*manifest.Document]map[string]map[string]any{}}
}

// setParams gives doc rule parameters of its own; call it before doc is
// checked.
func (c policyChecker) setParams(doc *manifest.Document, params map[string]map[string]any) {
	c.mu.Lock()
	c.params[doc] = params
	c.mu.Unlock()
}

// Name names the stage.
func (policyChecker) Name() string { return "policy" }

func (c policyChecker) Check(doc *manifest.Document) []finding.Finding {
	var obj map[string]any
	if err := json.Unmarshal(doc.JSON, &obj); err != nil {
		return nil // not an object: the schema check reports it
	}
	c.mu.Lock()
	params := c.params[doc]
	c.mu.Unlock()
	fs, err := c.e.EvalWith(obj, doc.File, params)
	if errors.Is(err, policy.ErrRunBudget) {
		c.mu.Lock()
		*c.skipped++
		*c.stop = err
		c.mu.Unlock()
		return nil
	}
	if err != nil {
		return []finding.Finding{{Rule: rulePolicyError, Severity: finding.Error, Message: err.Error()}}
	}
	return fs
}

// unchecked is an input error for each rule a limit stopped (unusable,
// as a policy that does not load), at the rule, and for the objects the
// rules did not check at all.
func (c policyChecker) unchecked() diag.List {
	var out diag.List
	for _, s := range c.e.Stopped() {
		out = append(out, diag.Errorf(s.Pos, "", "rule %s: %s (on %s)", s.Rule, s.Reason, plural(s.Objects, "object")))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if *c.skipped > 0 {
		out = append(out, &diag.Diagnostic{Msg: fmt.Sprintf("%v: the Rego rules did not check %s", *c.stop, plural(*c.skipped, "object"))})
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
