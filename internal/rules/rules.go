// Package rules is the one registry of every rule mljob checks, whether
// implemented in Go (schema, api-validation, pod-security, ...) or in Rego
// (the policies/ pack): id, title, severity and documentation.
package rules

import (
	"fmt"
	"sort"
	"sync"

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

var (
	mu       sync.RWMutex
	registry = map[string]Meta{}
)

// Register adds a rule. A missing field or a duplicate id is a programming
// error and panics at start-up.
func Register(m Meta) {
	if m.ID == "" || m.Title == "" || m.Severity == 0 || m.Description == "" || m.Remediation == "" || m.Engine == "" {
		panic(fmt.Sprintf("rules: incomplete metadata for %q", m.ID))
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[m.ID]; dup {
		panic(fmt.Sprintf("rules: %q registered twice", m.ID))
	}
	registry[m.ID] = m
}

// Get returns a rule's metadata.
func Get(id string) (Meta, bool) {
	mu.RLock()
	defer mu.RUnlock()
	m, ok := registry[id]
	return m, ok
}

// All returns every rule, sorted by id.
func All() []Meta {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Meta, 0, len(registry))
	for _, m := range registry {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
