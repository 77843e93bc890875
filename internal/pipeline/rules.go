package pipeline

import (
	"sort"

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
// the rules written in Go, and the Rego rules (built-in, and those of
// opts.Policies) with their default parameters.
//
// Rego rules come from the engine just loaded, not from the registry: the
// registry also keeps user rules loaded earlier in the process, which are
// not part of this catalogue.
func Rules(opts RulesOptions) ([]rules.Doc, error) {
	e, err := policy.Load(policy.Options{Paths: opts.Policies})
	if err != nil {
		return nil, err
	}
	docs := e.Docs()
	for _, m := range rules.All() {
		if m.Engine == "go" {
			docs = append(docs, rules.Doc{Meta: m, Params: map[string]any{}})
		}
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	return docs, nil
}
