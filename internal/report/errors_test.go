package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"cuelang.org/go/cue/errors"

	"github.com/mljob/mljob/internal/report"
)

// Every format carries the inputs that could not be used in its own
// structure, so a CI system that reads only the report sees a failed
// run, not a clean one; and the output still parses.

func write(t *testing.T, format string, r *report.Report, opts report.Options) string {
	t.Helper()
	f, ok := report.Get(format)
	if !ok {
		t.Fatalf("no format %s", format)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, r, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestErrorsJSON(t *testing.T) {
	var got struct {
		Findings []json.RawMessage `json:"findings"`
		Errors   []struct {
			File    string `json:"file"`
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Message string `json:"message"`
		} `json:"errors"`
		Summary struct {
			InputErrors int `json:"inputErrors"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(write(t, "json", broken(), report.Options{})), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Errors) != 2 || got.Summary.InputErrors != 2 || len(got.Findings) != 1 {
		t.Fatalf("errors %+v, summary %+v", got.Errors, got.Summary)
	}
	// Sorted by file: the error without a file first.
	if e := got.Errors[0]; e.File != "" || e.Line != 0 || !strings.HasPrefix(e.Message, "load policies:") {
		t.Errorf("errors[0] = %+v", e)
	}
	if e := got.Errors[1]; e.File != "jobs/broken.yaml" || e.Line != 3 || e.Column != 7 || !strings.HasPrefix(e.Message, "invalid YAML") {
		t.Errorf("errors[1] = %+v", e)
	}
}

func TestErrorsSARIF(t *testing.T) {
	doc := []byte(write(t, "sarif", broken(), report.Options{}))
	if err := sarifValidator(t)(doc); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %s\n%s", errors.Details(err, nil), doc)
	}
	var got struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful        *bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Level     string `json:"level"`
					Message   struct{ Text string }
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
							Region           *struct{ StartLine, StartColumn int }
						}
					}
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	inv := got.Runs[0].Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful == nil || *inv[0].ExecutionSuccessful {
		t.Fatalf("invocations %s", doc)
	}
	ns := inv[0].ToolExecutionNotifications
	if len(ns) != 2 || len(got.Runs[0].Results) != 1 {
		t.Fatalf("notifications %+v", ns)
	}
	if n := ns[0]; n.Level != "error" || len(n.Locations) != 0 || !strings.HasPrefix(n.Message.Text, "load policies:") {
		t.Errorf("notification 0: %+v", n)
	}
	n := ns[1]
	if n.Level != "error" || len(n.Locations) != 1 || n.Locations[0].PhysicalLocation.ArtifactLocation.URI != "jobs/broken.yaml" ||
		n.Locations[0].PhysicalLocation.Region == nil || n.Locations[0].PhysicalLocation.Region.StartLine != 3 {
		t.Errorf("notification 1: %+v", n)
	}

	// A run whose inputs were all used succeeded, and says so.
	doc = []byte(write(t, "sarif", sample(), report.Options{}))
	if !strings.Contains(string(doc), `"executionSuccessful": true`) || strings.Contains(string(doc), "toolExecutionNotifications") {
		t.Errorf("clean run:\n%s", doc)
	}
}

func TestErrorsJUnit(t *testing.T) {
	got := parseJUnit(t, broken())
	if got.Errors != 2 || got.Failures != 1 || got.Tests != 3 {
		t.Fatalf("root tests=%d failures=%d errors=%d", got.Tests, got.Failures, got.Errors)
	}
	var names []string
	for _, s := range got.Suites {
		names = append(names, s.Name)
	}
	if strings.Join(names, " ") != "- jobs/broken.yaml jobs/train.yaml" {
		t.Fatalf("suites %v", names)
	}
	s := got.Suites[1]
	if s.Errors != 1 || s.Tests != 1 || len(s.Cases) != 1 {
		t.Fatalf("suite %+v", s)
	}
	c := s.Cases[0]
	if c.Error == nil || c.Error.Type != "input" || !strings.HasPrefix(c.Error.Message, "invalid YAML") ||
		c.Error.Text != "jobs/broken.yaml:3:7: invalid YAML: did not find expected ',' or '}'" || c.Failure != nil {
		t.Errorf("case %+v", c)
	}
}

func TestErrorsGitHub(t *testing.T) {
	got := write(t, "github", broken(), report.Options{})
	for _, want := range []string{
		"::error title=input error::load policies: policies/team: no such file or directory\n",
		"::error file=jobs/broken.yaml,line=3,col=7,title=input error::invalid YAML: did not find expected ',' or '}'\n",
		"::error file=jobs/train.yaml,line=7,col=5,title=[api-validation]::",
		"1 object checked: 1 finding (1 error, 0 warnings); 2 input errors\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

// TestErrorsText: text leaves the errors to stderr (the CLI prints them)
// and counts them in the summary.
func TestErrorsText(t *testing.T) {
	got := write(t, "text", broken(), report.Options{})
	want := "jobs/train.yaml:7:5: error: [api-validation] Job default/train: spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"\n" +
		"  fix: Set restartPolicy to Never or OnFailure.\n\n" +
		"1 object checked: 1 finding (1 error, 0 warnings); 2 input errors\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := write(t, "text", broken(), report.Options{NoFix: true}); strings.Contains(got, "fix:") {
		t.Errorf("NoFix:\n%s", got)
	}
}
