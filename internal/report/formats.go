package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mljob/mljob/internal/finding"
)

// The built-in formats, in one place; each is written in its own file.
func init() {
	Register(Format{
		Name:        "text",
		Description: "findings grouped by file, file:line:col: severity: [rule] object: message",
		Write:       writeText,
	})
	Register(Format{
		Name:        "json",
		Description: `{"findings":[...],"errors":[...],"summary":{...}}, the schema in docs/lint.md`,
		Write:       writeJSON,
	})
	Register(Format{
		Name:        "sarif",
		Description: "SARIF 2.1.0, for GitHub code scanning and other SARIF viewers",
		Write:       writeSARIF,
	})
	Register(Format{
		Name:        "junit",
		Description: "JUnit XML test report, for GitLab and Jenkins",
		Write:       writeJUnit,
	})
	Register(Format{
		Name:        "github",
		Description: "GitHub Actions workflow annotations (::error file=...::)",
		Write:       writeGitHub,
	})
}

// writeJSON writes the report as one indented JSON object; every
// finding says how to fix it.
func writeJSON(w io.Writer, r *Report, _ Options) error {
	out := *r
	out.Findings = make([]finding.Finding, len(r.Findings))
	for i, f := range r.Findings {
		f.Fix = r.fix(f)
		out.Findings[i] = f
	}
	if out.Errors == nil {
		out.Errors = []Error{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&out)
}

// position is where a finding is, file:line:col, or "-" when it has no
// file.
func position(f finding.Finding) string {
	if pos := f.Pos.String(); pos != "" {
		return pos
	}
	return "-"
}

// subject is "[rule] Kind namespace/name", or "[rule]" for findings about
// no object (a waiver in the configuration, say).
func subject(f finding.Finding) string {
	s := "[" + f.Rule + "]"
	if f.Object.Kind != "" || f.Object.Name != "" {
		s += " " + f.Object.String()
	}
	return s
}

// about is the object a finding is about and what is wrong with it.
func about(f finding.Finding) string {
	if f.Object.Kind != "" || f.Object.Name != "" {
		return f.Object.String() + ": " + f.Message
	}
	return f.Message
}

// oneLine joins a text's paragraphs, for a format that shows it on one
// line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// unwrap undoes the hard line breaks of rule documentation (Rego METADATA
// is wrapped like Markdown source) for formats that show text as is:
// lines are joined with spaces, paragraphs stay apart.
func unwrap(s string) string {
	paras := strings.Split(s, "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

// summaryLine counts what the run saw:
//
//	3 objects checked: 2 findings (1 error, 1 warning), 1 waived; 2 other objects skipped (not a Job or CronJob); 1 input error
//
// Info findings, waived ones and input errors are counted only when there
// are some.
func summaryLine(r *Report) string {
	var b strings.Builder
	s := r.Summary
	fmt.Fprintf(&b, "%s checked: %s (%s, %s", plural(s.Objects, "object"), plural(s.Findings, "finding"),
		plural(s.Errors, "error"), plural(s.Warnings, "warning"))
	if info := s.Findings - s.Errors - s.Warnings; info > 0 {
		fmt.Fprintf(&b, ", %d info", info)
	}
	b.WriteString(")")
	if s.Suppressed > 0 {
		fmt.Fprintf(&b, ", %d waived", s.Suppressed)
	}
	if r.Skipped > 0 {
		fmt.Fprintf(&b, "; %s skipped (not a Job or CronJob)", plural(r.Skipped, "other object"))
	}
	if s.InputErrors > 0 {
		fmt.Fprintf(&b, "; %s", plural(s.InputErrors, "input error"))
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
