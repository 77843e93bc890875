// Package report writes lint results in the registered output formats.
// A format is one Register call; text, json, sarif, junit and github are
// built in, one file each.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/rules"
)

// Summary counts what a lint run saw.
type Summary struct {
	// Objects is the number of Jobs and CronJobs checked.
	Objects int `json:"objects"`
	// Findings, Errors and Warnings count findings no waiver covers;
	// Suppressed counts the waived ones.
	Findings   int `json:"findings"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Suppressed int `json:"suppressed"`
	// InputErrors counts the inputs that could not be used (Report.Errors).
	InputErrors int `json:"inputErrors"`
}

// Error is an input that could not be used: a file that cannot be read or
// parsed, CUE that does not evaluate, a policy or configuration that does
// not load. Its objects were not checked, so a run with errors never
// passes (exit status 2).
type Error struct {
	// File, Line and Column locate the problem; Line and Column are
	// 1-based and 0 when unknown, File is empty when no file is to blame.
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// String is the error as compilers print one: file:line:col: message.
func (e Error) String() string {
	if pos := (diag.Pos{File: e.File, Line: e.Line, Column: e.Column}).String(); pos != "" {
		return pos + ": " + e.Message
	}
	return e.Message
}

// Report is the result of a lint run, as formats write it.
type Report struct {
	// Findings are sorted by file, line and rule.
	Findings []finding.Finding `json:"findings"`
	// Errors are the inputs that could not be used, sorted by file and
	// line; never nil.
	Errors  []Error `json:"errors"`
	Summary Summary `json:"summary"`
	// Skipped counts the objects that are not Jobs or CronJobs. It is not
	// part of the JSON schema.
	Skipped int `json:"-"`
	// Rules are the rules of the run (its user policies included), which
	// formats describe; nil means the built-in ones.
	Rules *rules.Set `json:"-"`
}

// ruleSet is the report's rules.
func (r *Report) ruleSet() *rules.Set {
	if r.Rules != nil {
		return r.Rules
	}
	return rules.Builtin()
}

// fix is how to fix a finding: its own advice, else its rule's
// remediation ("" for a rule the run does not know).
func (r *Report) fix(f finding.Finding) string {
	if f.Fix != "" {
		return unwrap(f.Fix)
	}
	m, _ := r.ruleSet().Get(f.Rule)
	return unwrap(m.Remediation)
}

// New builds a report of sorted findings over objects checked and skipped.
func New(findings []finding.Finding, objects, skipped int) *Report {
	if findings == nil {
		findings = []finding.Finding{}
	}
	r := &Report{Findings: findings, Errors: []Error{}, Skipped: skipped}
	r.Summary.Objects = objects
	for _, f := range findings {
		if f.Suppressed != nil {
			r.Summary.Suppressed++
			continue
		}
		r.Summary.Findings++
		switch f.Severity {
		case finding.Error:
			r.Summary.Errors++
		case finding.Warning:
			r.Summary.Warnings++
		}
	}
	return r
}

// AddErrors adds inputs that could not be used, in the order of the
// list (diag.List.Sort orders it by file and line).
func (r *Report) AddErrors(errs diag.List) {
	for _, d := range errs {
		msg := d.Msg
		if d.Path != "" {
			msg = d.Path + ": " + msg
		}
		r.Errors = append(r.Errors, Error{File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Column, Message: msg})
	}
	r.Summary.InputErrors = len(r.Errors)
}

// FailNever is the --fail-on threshold no finding reaches: findings never
// fail the run (unusable input still does).
const FailNever = finding.Error + 1

// FailOnLevels are the values --fail-on accepts, most severe first.
var FailOnLevels = []string{"error", "warning", "info", "never"}

// ParseFailOn parses a --fail-on value: a severity, or "never".
func ParseFailOn(s string) (finding.Severity, error) {
	if strings.EqualFold(s, "never") {
		return FailNever, nil
	}
	sev, err := finding.ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("unknown severity %q (want %s)", s, strings.Join(FailOnLevels, ", "))
	}
	return sev, nil
}

// Unusable reports whether some input could not be used: the run fails
// whatever the findings (exit status 2).
func (r *Report) Unusable() bool { return len(r.Errors) > 0 }

// Fails reports whether a finding no waiver covers is at or above min.
func (r *Report) Fails(min finding.Severity) bool {
	for _, f := range r.Findings {
		if f.Suppressed == nil && f.Severity >= min {
			return true
		}
	}
	return false
}

// Options are what a format needs beyond the report. The zero value is
// plain output.
type Options struct {
	// Color lets text use ANSI colours. The caller decides: only on a
	// terminal, and not under --no-color or NO_COLOR.
	Color bool
	// ToolVersion is mljob's version, for formats that name the tool
	// (sarif); empty means unknown.
	ToolVersion string
	// NoFix leaves out the "fix:" line text prints under each finding.
	NoFix bool
}

// Format is an output format.
type Format struct {
	Name string
	// Description is one line for flag help.
	Description string
	Write       func(w io.Writer, r *Report, opts Options) error
}

var (
	mu      sync.RWMutex
	formats = map[string]Format{}
)

// Register adds a format; a duplicate or incomplete one is a programming
// error and panics at start-up.
func Register(f Format) {
	if f.Name == "" || f.Description == "" || f.Write == nil {
		panic(fmt.Sprintf("report: incomplete format %q", f.Name))
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := formats[f.Name]; dup {
		panic(fmt.Sprintf("report: format %q registered twice", f.Name))
	}
	formats[f.Name] = f
}

// Get returns the format called name.
func Get(name string) (Format, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := formats[name]
	return f, ok
}

// Formats returns every format, sorted by name.
func Formats() []Format {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Format, 0, len(formats))
	for _, f := range formats {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the format names, sorted.
func Names() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return names
}
