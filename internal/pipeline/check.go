package pipeline

import (
	"encoding/json"
	"fmt"

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

// policyChecker runs the Rego engine as one more checker. params are
// rule parameters of some documents over the configured ones (those of
// a CUE workload's project profile).
type policyChecker struct {
	e      *policy.Engine
	params map[*manifest.Document]map[string]map[string]any
}

// Name names the stage.
func (policyChecker) Name() string { return "policy" }

func (c policyChecker) Check(doc *manifest.Document) []finding.Finding {
	var obj map[string]any
	if err := json.Unmarshal(doc.JSON, &obj); err != nil {
		return nil // not an object: the schema check reports it
	}
	fs, err := c.e.EvalWith(obj, doc.File, c.params[doc])
	if err != nil {
		return []finding.Finding{{Rule: rulePolicyError, Severity: finding.Error, Message: err.Error()}}
	}
	return fs
}
