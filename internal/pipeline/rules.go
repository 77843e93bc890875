package pipeline

import (
	"github.com/mljob/mljob/internal/policy"
	"github.com/mljob/mljob/internal/rules"
)

// RulesOptions says which rules to list.
type RulesOptions struct {
	// Policies are user policy directories or .rego files whose rules
	// are listed beside the built-in ones.
	Policies []string
}

// Rules returns the catalogue of every rule lint can check, sorted by id:
// the built-in rules (Go and Rego) and those of opts.Policies, with their
// default parameters. Without user policies, no Rego is compiled.
func Rules(opts RulesOptions) ([]rules.Doc, error) {
	if len(opts.Policies) == 0 {
		return rules.Builtin().Docs(), nil
	}
	e, err := policy.Load(policy.Options{Paths: opts.Policies})
	if err != nil {
		return nil, err
	}
	return e.RuleSet().Docs(), nil
}
