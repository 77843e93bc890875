package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/mljob/mljob/internal/diag"
	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sample() *report.Report {
	obj := finding.Object{APIVersion: "batch/v1", Kind: "Job", Namespace: "ml", Name: "train"}
	return report.New([]finding.Finding{
		{Rule: "api-validation", Severity: finding.Error, Message: `spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
			Pos: diag.Pos{File: "jobs/train.yaml", Line: 7, Column: 5}, Path: "spec.template.spec.restartPolicy", Object: obj},
		{Rule: "pod-security", Severity: finding.Warning, Message: `would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`,
			Pos: diag.Pos{File: "jobs/train.yaml", Line: 9, Column: 7}, Path: "spec.template.spec.hostNetwork", Object: obj},
	}, 3, 2)
}

func TestFormats(t *testing.T) {
	for _, name := range []string{"text", "json"} {
		f, ok := report.Get(name)
		if !ok {
			t.Fatalf("no format %s", name)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, sample()); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "report."+name)
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s:\n got %s\nwant %s", name, buf.Bytes(), want)
		}
	}
}

// TestJSONSchema checks the documented shape, key by key.
func TestJSONSchema(t *testing.T) {
	for _, r := range []*report.Report{sample(), report.New(nil, 0, 0)} {
		var buf bytes.Buffer
		f, _ := report.Get("json")
		if err := f.Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if keys := sortedKeys(got); !reflect.DeepEqual(keys, []string{"findings", "summary"}) {
			t.Errorf("top-level keys %v", keys)
		}
		if keys := sortedKeys(got["summary"].(map[string]any)); !reflect.DeepEqual(keys, []string{"errors", "findings", "objects", "suppressed", "warnings"}) {
			t.Errorf("summary keys %v", keys)
		}
		fs, ok := got["findings"].([]any)
		if !ok {
			t.Fatalf("findings is %T, want a list (never null)", got["findings"])
		}
		for _, f := range fs {
			m := f.(map[string]any)
			delete(m, "suppressed") // only on waived findings
			if keys := sortedKeys(m); !reflect.DeepEqual(keys, []string{"column", "file", "line", "message", "object", "path", "rule", "severity"}) {
				t.Errorf("finding keys %v", keys)
			}
			if keys := sortedKeys(m["object"].(map[string]any)); !reflect.DeepEqual(keys, []string{"apiVersion", "kind", "name", "namespace"}) {
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
	if want := (report.Summary{Objects: 3, Findings: 2, Errors: 1, Warnings: 1}); r.Summary != want {
		t.Errorf("summary %+v, want %+v", r.Summary, want)
	}
	if !r.Fails(finding.Error) || !r.Fails(finding.Warning) {
		t.Error("Fails: an error fails at error and warning")
	}
	only := report.New(r.Findings[1:], 1, 0)
	if only.Fails(finding.Error) || !only.Fails(finding.Warning) || !only.Fails(finding.Info) {
		t.Error("Fails: a warning fails at warning and info only")
	}
}

func TestRegister(t *testing.T) {
	if got := report.Names(); !reflect.DeepEqual(got, []string{"json", "text"}) {
		t.Errorf("Names() = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering text twice did not panic")
		}
	}()
	report.Register(report.Format{Name: "text", Description: "again", Write: func(io.Writer, *report.Report) error { return nil }})
}
