package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/report"
	"github.com/mljob/mljob/internal/rules"
)

// withWrappedDoc is the built-in rules and a user rule documented as Rego
// METADATA is: hard-wrapped, in paragraphs.
func withWrappedDoc(t *testing.T) *rules.Set {
	t.Helper()
	set, err := rules.Builtin().With(rules.Doc{Meta: rules.Meta{ID: "wrapped-doc", Title: "Wrapped", Severity: finding.Warning, Engine: "rego",
		Description: "One\nparagraph.\n\nTwo.", Remediation: "Set the\nfield.\n\nOr remove it."}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestGitHub(t *testing.T) {
	f, _ := report.Get("github")
	var buf bytes.Buffer
	r := report.New([]finding.Finding{
		{Rule: "api-validation", Severity: finding.Error, Message: "100% wrong,\r\nsee: below", Pos: diag.Pos{File: "dir,x/a:b%.yaml", Line: 7, Column: 5},
			Object: finding.Object{Kind: "Job", Namespace: "ml", Name: "train"}},
		{Rule: "team-label", Severity: finding.Warning, Message: "no line", Pos: diag.Pos{File: "b.yaml"}},
		{Rule: "wrapped-doc", Severity: finding.Warning, Message: "wrapped", Pos: diag.Pos{File: "b.yaml", Line: 2}},
		{Rule: "team-label", Severity: finding.Info, Message: "no file"},
		{Rule: "team-label", Severity: finding.Error, Message: "waived", Pos: diag.Pos{File: "c.yaml", Line: 1},
			Suppressed: &finding.Suppression{Kind: "inline", Reason: "accepted"}},
	}, 3, 0)
	r.Rules = withWrappedDoc(t)
	if err := f.Write(&buf, r, report.Options{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		// Properties escape : and , too; the message escapes % and line
		// breaks only. The fix comes from the run's rules.
		"::error file=dir%2Cx/a%3Ab%25.yaml,line=7,col=5,title=[api-validation]::Job ml/train: 100%25 wrong,%0D%0Asee: below%0Afix: Change the field the message names as it says; the message is the one `kubectl apply` would print.",
		// A rule the run does not know has no fix line.
		"::warning file=b.yaml,title=[team-label]::no line",
		// The fix is unwrapped; its paragraphs stay apart.
		"::warning file=b.yaml,line=2,title=[wrapped-doc]::wrapped%0Afix: Set the field.%0A%0AOr remove it.",
		"::notice title=[team-label]::no file",
		// The waived finding is not annotated, only counted.
		"3 objects checked: 4 findings (1 error, 2 warnings, 1 info), 1 waived",
	}
	if got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
