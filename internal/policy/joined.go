package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/mljob/mljob/internal/finding"
)

// joinedQuery evaluates several built-in rules on an object in one query:
// `r0 := data.mljob.rules.a.violation; r1 := ...`. One evaluation instead of
// one per rule saves each rule's fixed cost (an evaluation context, its
// bindings, a result) and shares every value the rules compute, the
// library's and their own: on the lint of 1,000 objects it takes about a
// quarter less time and a third fewer allocations than a query per rule
// (BenchmarkRules1000, BenchmarkPerRule1000).
//
// Only built-in rules join, and only with their default parameters: the
// query gives no input.params, and a built-in rule reads its parameters as
// object.union(default_params, object.get(input, "params", {}))
// (TestJoinedMatchesPerRule). A rule configured otherwise, a rule an object
// gives parameters of its own, and every user rule are evaluated on their
// own, as before; so is every rule of an object the joined query fails on,
// so that an error names its rule.
type joinedQuery struct {
	query rego.PreparedEvalQuery
	rules []*rule
}

// prepareJoined prepares the joined query of the enabled rules that can
// join.
func prepareJoined(ctx context.Context, c *ast.Compiler, store storage.Store, enabled []*rule) (*joinedQuery, error) {
	j := &joinedQuery{}
	var body []string
	for _, r := range enabled {
		if !r.builtin || !defaultParams(r) {
			continue
		}
		body = append(body, fmt.Sprintf("%s := %s.violation", joinedVar(len(j.rules)), r.ref))
		j.rules = append(j.rules, r)
	}
	if len(j.rules) < 2 {
		return nil, nil
	}
	q, err := rego.New(rego.Compiler(c), rego.Store(store), rego.Query(strings.Join(body, "; "))).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare the built-in rules: %w", err)
	}
	j.query = q
	return j, nil
}

// defaultParams reports whether r is configured with its default
// parameters.
func defaultParams(r *rule) bool {
	if len(r.defaults) == 0 {
		return len(r.configured) == 0
	}
	dv, err := ast.InterfaceToValue(r.defaults)
	return err == nil && r.params != nil && r.params.Value.Compare(dv) == 0
}

func joinedVar(i int) string { return fmt.Sprintf("r%d", i) }

// evalJoined evaluates the joined query on an object and returns the
// findings of the rules it evaluated for it: not those params gives
// parameters of their own. It evaluated none when the query failed or was
// stopped: their evaluation on their own says why.
func (e *Engine) evalJoined(ctx context.Context, object, file *ast.Term, txn storage.Transaction, ident finding.Object, params map[string]map[string]any) ([]finding.Finding, map[*rule]bool) {
	input := ast.NewObject(
		[2]*ast.Term{ast.InternedTerm("object"), object},
		[2]*ast.Term{ast.InternedTerm("file"), file},
	)
	rs, err := e.joined.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalTransaction(txn),
		rego.EvalTime(fixedTime), rego.EvalSeed(zeroReader{}))
	if err != nil || ctx.Err() != nil || len(rs) != 1 {
		return nil, nil
	}
	var out []finding.Finding
	done := make(map[*rule]bool, len(e.joined.rules))
	for i, r := range e.joined.rules {
		if len(known(params[r.meta.ID], r.defaults)) > 0 {
			continue
		}
		vs, ok := rs[0].Bindings[joinedVar(i)].([]any)
		if !ok {
			return nil, nil
		}
		fs, err := findings(r, vs, ident)
		if err != nil {
			return nil, nil
		}
		out = append(out, fs...)
		done[r] = true
	}
	return out, done
}
