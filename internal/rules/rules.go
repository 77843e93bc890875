// Package rules is the catalogue of the rules mljob checks, whether
// implemented in Go (schema, api-validation, pod-security, ...) or in Rego
// (the policies/ pack, and the user's policies): id, title, severity and
// documentation.
//
// The built-in catalogue is fixed (Builtin). A lint run's rules are that
// catalogue plus the user policies it loaded: a Set, returned by policy
// loading and carried on the run's result, so that nothing global changes
// at run time.
package rules

import (
	"fmt"
	"sort"

	"github.com/mljob/mljob/internal/finding"
)

// Meta is a rule's required metadata.
type Meta struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Severity    finding.Severity `json:"severity"`
	Description string           `json:"description"`
	Remediation string           `json:"remediation"`
	// Engine is "go" or "rego".
	Engine string `json:"engine"`
}

// Check reports a missing field.
func (m Meta) Check() error {
	if m.ID == "" || m.Title == "" || m.Severity == 0 || m.Description == "" || m.Remediation == "" || m.Engine == "" {
		return fmt.Errorf("rules: incomplete metadata for %q", m.ID)
	}
	return nil
}

// Set is an immutable set of rules, by id.
type Set struct {
	docs []Doc // sorted by id
	byID map[string]int
}

// NewSet makes a set of docs. Incomplete metadata and a duplicate id are
// errors.
func NewSet(docs ...Doc) (*Set, error) {
	s := &Set{docs: append([]Doc(nil), docs...), byID: make(map[string]int, len(docs))}
	sort.Slice(s.docs, func(i, j int) bool { return s.docs[i].ID < s.docs[j].ID })
	for i, d := range s.docs {
		if err := d.Check(); err != nil {
			return nil, err
		}
		if _, dup := s.byID[d.ID]; dup {
			return nil, fmt.Errorf("rules: rule id %q is used twice", d.ID)
		}
		if d.Params == nil {
			s.docs[i].Params = map[string]any{}
		}
		s.byID[d.ID] = i
	}
	return s, nil
}

// With returns a set of s's rules and more.
func (s *Set) With(more ...Doc) (*Set, error) {
	if len(more) == 0 {
		return s, nil
	}
	return NewSet(append(append([]Doc(nil), s.docs...), more...)...)
}

// Get returns a rule's metadata.
func (s *Set) Get(id string) (Meta, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Meta{}, false
	}
	return s.docs[i].Meta, true
}

// Has reports whether the set has the rule id.
func (s *Set) Has(id string) bool {
	_, ok := s.byID[id]
	return ok
}

// All returns every rule's metadata, sorted by id.
func (s *Set) All() []Meta {
	out := make([]Meta, len(s.docs))
	for i, d := range s.docs {
		out[i] = d.Meta
	}
	return out
}

// Docs returns every rule's catalogue entry, sorted by id.
func (s *Set) Docs() []Doc { return append([]Doc(nil), s.docs...) }
