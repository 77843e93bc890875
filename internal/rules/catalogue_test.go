package rules_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/rules"
)

func docs() []rules.Doc {
	return []rules.Doc{
		{Meta: rules.Meta{ID: "gpu-limits", Title: "GPUs are requested in limits | at most maxPerPod", Severity: finding.Error,
			Description: "Long\ndescription.", Remediation: "Set limits.", Engine: "rego"},
			Params: map[string]any{"maxPerPod": 8, "extraGPUResources": []any{}}},
		{Meta: rules.Meta{ID: "schema", Title: "Manifest decodes strictly?", Severity: finding.Warning,
			Description: "D.", Remediation: "R.", Engine: "go"}, Params: map[string]any{}},
	}
}

func write(t *testing.T, format string, ds []rules.Doc) string {
	t.Helper()
	f, ok := rules.GetCatalogueFormat(format)
	if !ok {
		t.Fatalf("no catalogue format %s", format)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, ds); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestCatalogueText(t *testing.T) {
	want := "gpu-limits  error    GPUs are requested in limits | at most maxPerPod\n" +
		"schema      warning  Manifest decodes strictly?\n"
	if got := write(t, "text", docs()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCatalogueJSON(t *testing.T) {
	var got []map[string]any
	if err := json.Unmarshal([]byte(write(t, "json", docs())), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries", len(got))
	}
	for _, e := range got {
		var keys []string
		for k := range e {
			keys = append(keys, k)
		}
		if want := 7; len(keys) != want {
			t.Errorf("keys %v, want id, title, severity, description, remediation, engine, params", keys)
		}
	}
	if p := got[0]["params"]; !reflect.DeepEqual(p, map[string]any{"maxPerPod": 8.0, "extraGPUResources": []any{}}) {
		t.Errorf("params %v", p)
	}
	if p := got[1]["params"]; !reflect.DeepEqual(p, map[string]any{}) {
		t.Errorf("a rule without parameters has params %v, want {}", p)
	}
	if out := write(t, "json", nil); out != "[]\n" {
		t.Errorf("no rules: %q, want an empty list", out)
	}
}

func TestCatalogueMarkdown(t *testing.T) {
	var b strings.Builder
	if err := rules.WriteMarkdown(&b, docs(), 3); err != nil {
		t.Fatal(err)
	}
	want := "| Rule | Severity | Engine | Title |\n| --- | --- | --- | --- |\n" +
		"| [`gpu-limits`](#gpu-limits) | error | rego | GPUs are requested in limits \\| at most maxPerPod |\n" +
		"| [`schema`](#schema) | warning | go | Manifest decodes strictly? |\n" +
		"\n### gpu-limits\n\nGPUs are requested in limits | at most maxPerPod.\n\nSeverity: error. Engine: rego.\n\nLong\ndescription.\n\nFix: Set limits.\n" +
		"\n| Parameter | Default |\n| --- | --- |\n| `extraGPUResources` | `[]` |\n| `maxPerPod` | `8` |\n" +
		"\n### schema\n\nManifest decodes strictly?\n\nSeverity: warning. Engine: go.\n\nD.\n\nFix: R.\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The markdown format is the whole document: a title, then the same.
	if doc := write(t, "markdown", docs()); !strings.HasPrefix(doc, "# Rules\n") || !strings.HasSuffix(doc, strings.ReplaceAll(want, "### ", "## ")) {
		t.Errorf("markdown document:\n%s", doc)
	}
}

func TestCatalogueFormatsSorted(t *testing.T) {
	var names []string
	for _, f := range rules.CatalogueFormats {
		names = append(names, f.Name)
		if f.Description == "" || f.Write == nil {
			t.Errorf("format %s is incomplete", f.Name)
		}
	}
	if !reflect.DeepEqual(names, []string{"json", "markdown", "text"}) {
		t.Errorf("formats %v", names)
	}
	if _, ok := rules.GetCatalogueFormat("yaml"); ok {
		t.Error("GetCatalogueFormat(yaml) found one")
	}
}
