// Package finding is what every check reports: a rule, a severity, a
// message, and where (file position, field path, object).
package finding

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/mljob/mljob/internal/diag"
)

// Severity orders findings; a run fails on findings at or above --fail-on.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota + 1
	Warning
	Error
)

var severityNames = map[Severity]string{Info: "info", Warning: "warning", Error: "error"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity parses "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	for k, v := range severityNames {
		if v == strings.ToLower(s) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or error)", s)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Object names the Kubernetes object a finding is about.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

func (o Object) String() string {
	s := o.Kind
	if o.Namespace != "" {
		s += " " + o.Namespace + "/" + o.Name
	} else {
		s += " " + o.Name
	}
	return s
}

// Finding is one problem a rule found.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	diag.Pos
	// Path is the field path of the offending field, e.g.
	// spec.template.spec.containers[0].resources.limits.
	Path   string `json:"path"`
	Object Object `json:"object"`
	// Suppressed is set when a waiver covers the finding: it is still
	// reported, but does not count for the exit status.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// Fix says how to fix the finding when it is not its rule's
	// remediation: a finding that stands for several rules' findings of
	// one cause carries the most specific rule's advice.
	Fix string `json:"fix"`
	// Also are the paths of other fields the same cause made a rule
	// report (the job-name label the API server derives from a name it
	// refuses): not reported on their own, kept for tools that compare
	// the fields named with the API server's.
	Also []string `json:"-"`
}

// Suppression says which waiver covers a finding.
type Suppression struct {
	// Kind is "config" (a waiver in .mljob.yaml) or "inline" (the
	// object's mljob.dev/waive.RULE annotation).
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	// File and Line say where the waiver is written.
	File string `json:"file"`
	Line int    `json:"line"`
}

// MarshalJSON writes the documented, flat shape.
func (f Finding) MarshalJSON() ([]byte, error) {
	type flat struct {
		Rule       string       `json:"rule"`
		Severity   Severity     `json:"severity"`
		Message    string       `json:"message"`
		File       string       `json:"file"`
		Line       int          `json:"line"`
		Column     int          `json:"column"`
		Path       string       `json:"path"`
		Object     Object       `json:"object"`
		Fix        string       `json:"fix"`
		Suppressed *Suppression `json:"suppressed,omitempty"`
	}
	return json.Marshal(flat{f.Rule, f.Severity, f.Message, f.File, f.Line, f.Column, f.Path, f.Object, f.Fix, f.Suppressed})
}

// Sort orders findings by file, line, column, rule, then message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
}
