package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/golden"
	"github.com/mljob/mljob/internal/report"

	// The Go rules, so the sample's rules have metadata (sarif, junit).
	_ "github.com/mljob/mljob/internal/validate"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sample has what a report can hold: two files, an error, a warning an
// inline waiver covers, an info finding, an error a config waiver covers,
// and a finding with no position.
func sample() *report.Report {
	train := finding.Object{APIVersion: "batch/v1", Kind: "Job", Namespace: "ml", Name: "train"}
	nightly := finding.Object{APIVersion: "batch/v1", Kind: "CronJob", Namespace: "ml", Name: "nightly"}
	fs := []finding.Finding{
		{Rule: "deprecated-api", Severity: finding.Error, Message: "batch/v2alpha1 CronJob is not served by Kubernetes 1.37; use batch/v1",
			Object: finding.Object{APIVersion: "batch/v2alpha1", Kind: "CronJob", Namespace: "default", Name: "old"}},
		{Rule: "kube-version", Severity: finding.Info, Message: "spec.timeZone needs Kubernetes 1.25 (target 1.24)",
			Pos: diag.Pos{File: "cron/nightly.yaml", Line: 6, Column: 3}, Path: "spec.timeZone", Object: nightly},
		{Rule: "schema", Severity: finding.Error, Message: `unknown field "spec.jobTemplate.spec.template.spec.containers[0].imagePullPolice"`,
			Pos: diag.Pos{File: "cron/nightly.yaml", Line: 14, Column: 13}, Path: "spec.jobTemplate.spec.template.spec.containers[0].imagePullPolice", Object: nightly,
			Suppressed: &finding.Suppression{Kind: "config", Reason: "vendor chart, fixed upstream in 2.3", File: ".mljob.yaml", Line: 12}},
		{Rule: "api-validation", Severity: finding.Error, Message: `spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
			Pos: diag.Pos{File: "jobs/train.yaml", Line: 7, Column: 5}, Path: "spec.template.spec.restartPolicy", Object: train},
		{Rule: "pod-security", Severity: finding.Warning, Message: `would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`,
			Pos: diag.Pos{File: "jobs/train.yaml", Line: 9, Column: 7}, Path: "spec.template.spec.hostNetwork", Object: train,
			Suppressed: &finding.Suppression{Kind: "inline", Reason: "the NCCL fabric needs the host network", File: "jobs/train.yaml", Line: 5}},
	}
	finding.Sort(fs)
	return report.New(fs, 3, 2)
}

// broken is a run in which two inputs could not be used (a YAML file that
// does not parse, a policy directory that does not exist) and one object
// of a third was checked.
func broken() *report.Report {
	r := report.New([]finding.Finding{
		{Rule: "api-validation", Severity: finding.Error, Message: `spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
			Pos: diag.Pos{File: "jobs/train.yaml", Line: 7, Column: 5}, Path: "spec.template.spec.restartPolicy",
			Object: finding.Object{APIVersion: "batch/v1", Kind: "Job", Namespace: "default", Name: "train"},
			Fix:    "Set restartPolicy to Never or OnFailure."},
	}, 1, 0)
	errs := diag.List{
		{Pos: diag.Pos{File: "jobs/broken.yaml", Line: 3, Column: 7}, Msg: "invalid YAML: did not find expected ',' or '}'"},
		{Msg: "load policies: policies/team: no such file or directory"},
	}
	errs.Sort()
	r.AddErrors(errs)
	return r
}

// TestFormats compares every format's output for the sample, and for a
// run with unusable inputs, with its golden file,
// testdata/report.FORMAT and testdata/report-errors.FORMAT; -update
// rewrites them.
func TestFormats(t *testing.T) {
	for _, f := range report.Formats() {
		for name, r := range map[string]*report.Report{"report": sample(), "report-errors": broken()} {
			var buf bytes.Buffer
			if err := f.Write(&buf, r, report.Options{ToolVersion: "v1.2.3"}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", name+"."+f.Name), buf.Bytes(), *update)
		}
	}
}

// TestDeterministic: the same findings give the same bytes, in whatever
// order they come (the report sorts nothing itself, so this also guards
// against map iteration in the writers).
func TestDeterministic(t *testing.T) {
	for _, f := range report.Formats() {
		var first []byte
		for i := 0; i < 5; i++ {
			var buf bytes.Buffer
			if err := f.Write(&buf, sample(), report.Options{}); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = buf.Bytes()
			} else if !bytes.Equal(first, buf.Bytes()) {
				t.Fatalf("%s: output changed between runs", f.Name)
			}
		}
	}
}

func TestTextColor(t *testing.T) {
	f, _ := report.Get("text")
	var plain, color bytes.Buffer
	if err := f.Write(&plain, sample(), report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(&color, sample(), report.Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("escape sequences without Color:\n%q", plain.String())
	}
	for _, want := range []string{
		"jobs/train.yaml:7:5: \x1b[1;31merror\x1b[0m: [api-validation] Job ml/train: ",
		"cron/nightly.yaml:6:3: \x1b[1;36minfo\x1b[0m: [kube-version]",
		// Waived: the severity and the reason dimmed, not coloured.
		"jobs/train.yaml:9:7: \x1b[2mwarning\x1b[0m: [pod-security] Job ml/train: would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true) \x1b[2m(waived: the NCCL fabric needs the host network)\x1b[0m\n",
	} {
		if !strings.Contains(color.String(), want) {
			t.Errorf("coloured text has no %q:\n%s", want, color.String())
		}
	}
	// Without the escape sequences, the coloured text is the plain one.
	stripped := color.String()
	for _, sgr := range []string{"\x1b[1;31m", "\x1b[1;33m", "\x1b[1;36m", "\x1b[2m", "\x1b[0m"} {
		stripped = strings.ReplaceAll(stripped, sgr, "")
	}
	if stripped != plain.String() {
		t.Errorf("coloured text is not the plain text painted:\n%s\nvs\n%s", stripped, plain.String())
	}
}

func TestTextSummary(t *testing.T) {
	f, _ := report.Get("text")
	for _, c := range []struct {
		rep  *report.Report
		want string
	}{
		{sample(), "3 objects checked: 3 findings (2 errors, 0 warnings, 1 info), 2 waived; 2 other objects skipped (not a Job or CronJob)\n"},
		{report.New(nil, 1, 0), "1 object checked: 0 findings (0 errors, 0 warnings)\n"},
	} {
		var buf bytes.Buffer
		if err := f.Write(&buf, c.rep, report.Options{}); err != nil {
			t.Fatal(err)
		}
		if out := buf.String(); !strings.HasSuffix(out, c.want) {
			t.Errorf("summary of\n%s\nwant %q", out, c.want)
		}
	}
}

// TestJSONSchema checks the documented shape, key by key.
func TestJSONSchema(t *testing.T) {
	for _, r := range []*report.Report{sample(), report.New(nil, 0, 0), broken()} {
		var buf bytes.Buffer
		f, _ := report.Get("json")
		if err := f.Write(&buf, r, report.Options{}); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if keys := slices.Sorted(maps.Keys(got)); !reflect.DeepEqual(keys, []string{"errors", "findings", "summary"}) {
			t.Errorf("top-level keys %v", keys)
		}
		if keys := slices.Sorted(maps.Keys(got["summary"].(map[string]any))); !reflect.DeepEqual(keys, []string{"errors", "findings", "inputErrors", "objects", "suppressed", "warnings"}) {
			t.Errorf("summary keys %v", keys)
		}
		errs, ok := got["errors"].([]any)
		if !ok {
			t.Fatalf("errors is %T, want a list (never null)", got["errors"])
		}
		for _, e := range errs {
			if keys := slices.Sorted(maps.Keys(e.(map[string]any))); !reflect.DeepEqual(keys, []string{"column", "file", "line", "message"}) {
				t.Errorf("error keys %v", keys)
			}
		}
		fs, ok := got["findings"].([]any)
		if !ok {
			t.Fatalf("findings is %T, want a list (never null)", got["findings"])
		}
		for _, f := range fs {
			m := f.(map[string]any)
			if s, ok := m["suppressed"]; ok { // only on waived findings
				if keys := slices.Sorted(maps.Keys(s.(map[string]any))); !reflect.DeepEqual(keys, []string{"file", "kind", "line", "reason"}) {
					t.Errorf("suppressed keys %v", keys)
				}
				delete(m, "suppressed")
			}
			if keys := slices.Sorted(maps.Keys(m)); !reflect.DeepEqual(keys, []string{"column", "file", "fix", "line", "message", "object", "path", "rule", "severity"}) {
				t.Errorf("finding keys %v", keys)
			}
			if keys := slices.Sorted(maps.Keys(m["object"].(map[string]any))); !reflect.DeepEqual(keys, []string{"apiVersion", "kind", "name", "namespace"}) {
				t.Errorf("object keys %v", keys)
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestSummaryAndFails(t *testing.T) {
	r := sample()
	if want := (report.Summary{Objects: 3, Findings: 3, Errors: 2, Warnings: 0, Suppressed: 2}); r.Summary != want {
		t.Errorf("summary %+v, want %+v", r.Summary, want)
	}
	for _, c := range []struct {
		findings []finding.Finding
		fails    []string // the --fail-on levels that fail
	}{
		{r.Findings, []string{"error", "warning", "info"}},
		{[]finding.Finding{{Rule: "x", Severity: finding.Warning}}, []string{"warning", "info"}},
		{[]finding.Finding{{Rule: "x", Severity: finding.Info}}, []string{"info"}},
		// Waived findings never fail, whatever their severity.
		{[]finding.Finding{{Rule: "x", Severity: finding.Error, Suppressed: &finding.Suppression{Kind: "config", Reason: "r"}}}, nil},
		{nil, nil},
	} {
		rep := report.New(c.findings, 1, 0)
		var fails []string
		for _, level := range report.FailOnLevels {
			min, err := report.ParseFailOn(level)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Fails(min) {
				fails = append(fails, level)
			}
		}
		if !reflect.DeepEqual(fails, c.fails) {
			t.Errorf("%v fails at %v, want %v", c.findings, fails, c.fails)
		}
	}
}

func TestParseFailOn(t *testing.T) {
	for in, want := range map[string]finding.Severity{"error": finding.Error, "Warning": finding.Warning, "info": finding.Info, "never": report.FailNever, "NEVER": report.FailNever} {
		if got, err := report.ParseFailOn(in); err != nil || got != want {
			t.Errorf("ParseFailOn(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := report.ParseFailOn("fatal"); err == nil || err.Error() != `unknown severity "fatal" (want error, warning, info, never)` {
		t.Errorf("ParseFailOn(fatal): %v", err)
	}
}

func TestRegister(t *testing.T) {
	if got := report.Names(); !reflect.DeepEqual(got, []string{"github", "json", "junit", "sarif", "text"}) {
		t.Errorf("Names() = %v", got)
	}
	for _, panics := range []report.Format{
		{Name: "text", Description: "again", Write: func(io.Writer, *report.Report, report.Options) error { return nil }},
		{Name: "incomplete", Description: "no writer"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %q did not panic", panics.Name)
				}
			}()
			report.Register(panics)
		}()
	}
}
