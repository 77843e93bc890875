package pipeline

import (
	"encoding/json"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/manifest"
	"github.com/mljob/mljob/internal/parallel"
	"github.com/mljob/mljob/internal/policy"
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
		out = append(out, c.Check(doc)...)
	}
	// Positions and the object first: waivers match on them.
	for i := range out {
		if !out[i].Pos.IsValid() {
			out[i].Pos = doc.PosOf(out[i].Path)
		}
		out[i].Object = obj
	}
	out = st.settle(doc, out)
	for i := range out {
		if !out[i].Pos.IsValid() {
			out[i].Pos = doc.PosOf(out[i].Path) // the settler's own findings
		}
		out[i].Object = obj
	}
	return out
}

// policyChecker runs the Rego engine as one more checker.
type policyChecker struct{ e *policy.Engine }

func (c policyChecker) Check(doc *manifest.Document) []finding.Finding {
	var obj map[string]any
	if err := json.Unmarshal(doc.JSON, &obj); err != nil {
		return nil // not an object: the schema check reports it
	}
	fs, err := c.e.Eval(obj, doc.File)
	if err != nil {
		return []finding.Finding{{Rule: rulePolicyError, Severity: finding.Error, Message: err.Error()}}
	}
	return fs
}
